/**
 * What every part of the board needs: who is who, category names, and where actions go.
 * It changes only when those do (the view itself goes down as props, so that a change of
 * one cluster redraws that cluster, not the whole board).
 */

import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { GridwalkDB } from "../../db/schema";
import type { Category, TeamMember } from "../../sync/reference";

export interface BoardCtx {
  db: GridwalkDB;
  /** This device's id: the HLC node that stamps the board's mutations. */
  node: string;
  gridId: number;
  date: string;
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

/** Shows the first `first` items at once and the rest a batch per task, so no one task blocks the tablet for long. */
export function useProgressive(total: number, first = 4, step = 2): number {
  const [limit, setLimit] = useState(first);
  useEffect(() => {
    if (limit >= total) return;
    const id = setTimeout(() => setLimit((n) => n + step), 0);
    return () => clearTimeout(id);
  }, [limit, total]);
  return Math.min(limit, total);
}

const waiting: (() => void)[] = [];
let pumping = false;

function pump(): void {
  const next = waiting.shift();
  if (!next) {
    pumping = false;
    return;
  }
  next();
  setTimeout(pump, 0);
}

/**
 * Draws its children a task after those before it: parts below the first screen (the map,
 * the long lists) come one per task after the board has shown, so none of them makes the
 * tablet wait.
 */
export function Later({ children }: { children: ComponentChildren }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    let alive = true;
    waiting.push(() => alive && setShown(true));
    if (!pumping) {
      pumping = true;
      setTimeout(pump, 0);
    }
    return () => {
      alive = false;
    };
  }, []);
  return shown ? <>{children}</> : null;
}
