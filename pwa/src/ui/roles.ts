/**
 * What the app offers each role (docs/ARCHITECTURE.md §4): nobody is offered an
 * action the server would refuse, so nothing sits in the outbox rejected for ever.
 * Mirrors the server's role table (server/services/rules.py OP_ROLES) for the
 * screens this app has.
 */

export type Role = "patroller" | "lead" | "supervisor" | "department" | "admin";

export interface Capabilities {
  /** Check in, report problems, record visits (the patrol tabs). */
  capture: boolean;
  /** The evening huddle board (碰头会). */
  huddle: boolean;
  /** The whole team's records (团队记录). */
  team: boolean;
  /** The approval queue, the supervision board and the hotline cases to place (审批, 三色督办, 热线待分派). */
  supervise: boolean;
  /** A department's inbox (部门报到). */
  inbox: boolean;
  /** Users, devices, grids, departments and the set-up trail. */
  admin: boolean;
  /** The statistics dashboard (统计看板): supervisors and admins. */
  dashboard: boolean;
}

const NONE = { supervise: false, inbox: false, admin: false, dashboard: false };
const FIELD: Capabilities = { capture: true, huddle: false, team: false, ...NONE };
const LEAD: Capabilities = { capture: true, huddle: true, team: true, ...NONE };
const DESK: Capabilities = { capture: false, huddle: false, team: false, ...NONE };

const BY_ROLE: Record<Role, Capabilities> = {
  patroller: FIELD,
  lead: LEAD,
  supervisor: { ...DESK, supervise: true, dashboard: true },
  department: { ...DESK, inbox: true },
  admin: { ...DESK, admin: true, dashboard: true },
};

/** The capabilities of a role; an unknown or missing role gets the patrol tabs, as before roles were read. */
export function capabilities(role: string | undefined): Capabilities {
  return BY_ROLE[role as Role] ?? FIELD;
}

/** Routes that write field records: only roles that may capture reach them. */
export const CAPTURE_ROUTES = new Set(["today", "checkin", "report-new", "report-edit", "visit-new", "history"]);

/** The desk routes and the capability each needs. */
const DESK_ROUTES: Record<string, keyof Capabilities> = {
  queue: "supervise",
  intake: "supervise",
  board: "supervise",
  inbox: "inbox",
  admin: "admin",
  dashboard: "dashboard",
};

/** Whether a route is open to a role; closed routes show the role's landing page instead. */
export function routeAllowed(route: string, caps: Capabilities): boolean {
  if (route === "huddle") return caps.huddle;
  if (route === "team") return caps.team;
  if (route in DESK_ROUTES) return caps[DESK_ROUTES[route]];
  if (CAPTURE_ROUTES.has(route)) return caps.capture;
  return true;
}

/** Where a role lands when it opens the app. */
export function homeRoute(caps: Capabilities): string {
  return caps.capture ? "today" : "home";
}
