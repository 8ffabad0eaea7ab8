/**
 * What the app offers each role (DESIGN.md "Screens"): nobody is offered an
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
  /** The statistics dashboard (统计看板): supervisors and admins. */
  dashboard?: boolean;
}

const FIELD: Capabilities = { capture: true, huddle: false, team: false };
const LEAD: Capabilities = { capture: true, huddle: true, team: true };
const DESK: Capabilities = { capture: false, huddle: false, team: false };
const SUPERVISION: Capabilities = { ...DESK, dashboard: true };

const BY_ROLE: Record<Role, Capabilities> = {
  patroller: FIELD,
  lead: LEAD,
  supervisor: SUPERVISION,
  department: DESK,
  admin: SUPERVISION,
};

/** The capabilities of a role; an unknown or missing role gets the patrol tabs, as before roles were read. */
export function capabilities(role: string | undefined): Capabilities {
  return BY_ROLE[role as Role] ?? FIELD;
}

/** Routes that write field records: only roles that may capture reach them. */
export const CAPTURE_ROUTES = new Set(["today", "checkin", "report-new", "report-edit", "visit-new", "history"]);

/** Whether a route is open to a role; closed routes show the role's landing page instead. */
export function routeAllowed(route: string, caps: Capabilities): boolean {
  if (route === "huddle") return caps.huddle;
  if (route === "team") return caps.team;
  if (route === "dashboard") return !!caps.dashboard;
  if (CAPTURE_ROUTES.has(route)) return caps.capture;
  return true;
}

/** Where a role lands when it opens the app. */
export function homeRoute(caps: Capabilities): string {
  return caps.capture ? "today" : "home";
}
