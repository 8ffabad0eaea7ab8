/** A department's screens, one lazy chunk: the inbox. */
export { Inbox } from "./Inbox";
