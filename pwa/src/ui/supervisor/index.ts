/** The street supervisor's screens, one lazy chunk: the approval queue and the supervision board. */
export { Queue } from "./Queue";
export { Board } from "./Board";
