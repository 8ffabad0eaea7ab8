/**
 * Hooks of the desk screens: the kept ticket list and dossiers, refreshed when
 * a screen opens, when the network comes back and after every sync (which may
 * have sent the screen's actions); the time, ticking; who is who.
 */

import { useEffect, useState } from "preact/hooks";
import { getMeta } from "../../db/meta";
import { META } from "../../db/meta";
import { recordsOf } from "../../db/queries";
import { runtime } from "../../runtime";
import { ApiError } from "../../sync/api";
import { loadDossier, loadGrids, loadTickets, refreshDossier, refreshGrids, refreshTickets, type GridName } from "../../sync/desk";
import { knownPeople, withNames, type Person } from "../../sync/people";
import { categories, departments } from "../../sync/reference";
import type { Session } from "../../sync/api";
import { useLiveQuery, useOnline } from "../hooks";
import { deskTickets, type DeskTicket } from "./model";

export interface Refresh {
  busy: boolean;
  error: { code: string; message: string; status: number } | null;
  refresh: () => Promise<void>;
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "error", String((e as Error)?.message ?? e));
}

/** Runs `load` on opening, when the network comes back and after each sync; says whether it is busy or failed. */
export function useRefresh(load: () => Promise<unknown>, deps: unknown[]): Refresh {
  const { scheduler } = runtime();
  const online = useOnline();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Refresh["error"]>(null);
  const lastReport = scheduler.status.value.lastReport;
  const refresh = async () => {
    setBusy(true);
    try {
      await load();
      setError(null);
    } catch (e) {
      const err = asApiError(e);
      setError({ code: err.code, message: err.message, status: err.status });
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (online) void refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [online, lastReport, ...deps]);
  return { busy, error, refresh };
}

/** Every ticket the caller may see, as the desk shows it, and the list's age. */
export function useDeskTickets() {
  const { db, api } = runtime();
  const snapshot = useLiveQuery(() => loadTickets(db), []);
  const records = useLiveQuery(() => recordsOf(db, "ticket"), []);
  const state = useRefresh(() => refreshTickets(db, api), []);
  const tickets: DeskTicket[] | undefined = records === undefined ? undefined : deskTickets(snapshot, records);
  return { ...state, snapshot, tickets };
}

/** A ticket's kept dossier, refreshed like the lists. */
export function useDossier(id: string) {
  const { db, api } = runtime();
  const snapshot = useLiveQuery(async () => (await loadDossier(db, id)) ?? null, [id]);
  const state = useRefresh(() => refreshDossier(db, api, id), [id]);
  return { ...state, snapshot };
}

/** Now, in epoch ms, re-rendering every `everyMs` so time left counts down. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Everyone this device can name, plus names learnt from a dossier. */
export function usePeople(extra?: Record<string, string>): Person[] {
  const people = useLiveQuery(() => knownPeople(runtime().db), []) ?? [];
  return withNames(people, extra);
}

/** The grids the caller works with (fetched once a session when missing). */
export function useGrids(): GridName[] {
  const { db, api } = runtime();
  const grids = useLiveQuery(() => loadGrids(db), []);
  const online = useOnline();
  useEffect(() => {
    if (online) void refreshGrids(db, api).catch(() => {});
  }, [online]);
  return grids ?? [];
}

/** The catalogue and the district's departments. */
export function useReference() {
  const { db } = runtime();
  const cats = useLiveQuery(() => categories(db), []) ?? [];
  const depts = useLiveQuery(() => departments(db), []) ?? [];
  return { cats, depts };
}

/** The signed-in user (role, department). */
export function useSessionUser() {
  const session = useLiveQuery(() => getMeta<Session>(runtime().db, META.session), []);
  return session?.user;
}
