/** What every part of the board needs: the view, who is who, and where actions go. */

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { GridwalkDB } from "../../db/schema";
import type { Category, TeamMember } from "../../sync/reference";
import type { BoardView } from "./model";

export interface BoardCtx {
  db: GridwalkDB;
  /** This device's id: the HLC node that stamps the board's mutations. */
  node: string;
  gridId: number;
  date: string;
  view: BoardView;
  members: TeamMember[];
  categories: Category[];
  catName: (code: string) => string;
  /** Called after an action is in the outbox: sync soon. */
  acted: () => void;
}

export const BoardContext = createContext<BoardCtx | null>(null);

export function useBoard(): BoardCtx {
  const ctx = useContext(BoardContext);
  if (!ctx) throw new Error("outside the huddle board");
  return ctx;
}
