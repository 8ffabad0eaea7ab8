/** The street supervisor's screens, one lazy chunk: the approval queue, the supervision board, the hotline cases to place. */
export { Queue } from "./Queue";
export { Board } from "./Board";
export { Intake } from "./Intake";
