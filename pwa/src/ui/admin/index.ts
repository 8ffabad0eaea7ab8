/** The admin's screens, one lazy chunk. */
export { Admin } from "./Admin";
