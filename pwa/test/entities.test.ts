/** The client's entity rules come from the server's (entities.json), not a hand-kept copy. */
import { describe, expect, it } from "vitest";
import { ENTITIES, TICKET_STATUS, mayDo, transitionFor } from "../src/sync/entities";

describe("shared entity rules", () => {
  it("know every ticket field the server keeps, server-owned ones marked", () => {
    expect(ENTITIES.ticket.fields.done_at).toBe("scalar");
    expect(ENTITIES.ticket.serverFields).toContain("department");
    expect(TICKET_STATUS.done).toEqual(["closed", "resolved", "verified"]);
    expect(ENTITIES.ticket.fields.fixed).toBe("param");
  });

  it("answer who may do an op from the server's role table", () => {
    expect(mayDo("lead", "ticket", "create")).toBe(true);
    expect(mayDo("patroller", "ticket", "create")).toBe(false);
    expect(mayDo("supervisor", "report", "create")).toBe(false);
    expect(mayDo("department", "ticket", "acknowledge")).toBe(true);
    expect(mayDo("lead", "spaceship", "fly")).toBe(false);
  });

  it("pick a verify's outcome by what it carries", () => {
    expect(transitionFor("ticket", "verify", { fixed: true })?.target).toBe("verified");
    expect(transitionFor("ticket", "verify", { fixed: false })?.target).toBe("reopened");
  });

  it("keep the transitions in the state machine's order", () => {
    expect(transitionFor("ticket", "dispatch")?.target).toBe("dispatched");
    expect(transitionFor("report", "link_ticket")?.sources).toEqual(["needs_handoff", "open", "solved_on_site"]);
  });
});
