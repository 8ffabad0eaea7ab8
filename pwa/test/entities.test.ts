/** The client's entity rules come from the server's (entities.json), not a hand-kept copy. */
import { describe, expect, it } from "vitest";
import spec from "../src/sync/entities.json";

/**
 * The module is imported in each test, not at the top of this file: it builds
 * its tables while it loads, and a table it cannot build must fail a test
 * rather than stop this file from loading (which runs no test at all).
 */
const rules = () => import("../src/sync/entities");

describe("shared entity rules", () => {
  it("have a spec for every record the server syncs, and for conflicts, as the server wrote it", async () => {
    const { ENTITIES, entitySpec } = await rules();
    const names = [...spec.recordEntities, "conflict"];
    expect(Object.keys(ENTITIES).sort()).toEqual(names.sort());
    const written: Record<string, { fields: unknown; stateMachine?: unknown; serverFields: unknown }> = spec.entities;
    for (const name of names) {
      const { fields, stateMachine, serverFields } = written[name];
      expect(entitySpec(name), name).toEqual({ name, fields, stateMachine, serverFields });
    }
  });

  it("know every ticket field the server keeps, server-owned ones marked", async () => {
    const { ENTITIES, TICKET_STATUS } = await rules();
    expect(ENTITIES.ticket.fields.done_at).toBe("scalar");
    expect(ENTITIES.ticket.serverFields).toContain("department");
    expect(TICKET_STATUS.done).toEqual(["closed", "resolved", "verified"]);
    expect(ENTITIES.ticket.fields.fixed).toBe("param");
  });

  it("answer who may do an op from the server's role table", async () => {
    const { mayDo } = await rules();
    expect(mayDo("lead", "ticket", "create")).toBe(true);
    expect(mayDo("patroller", "ticket", "create")).toBe(false);
    expect(mayDo("supervisor", "report", "create")).toBe(false);
    expect(mayDo("department", "ticket", "acknowledge")).toBe(true);
    expect(mayDo("lead", "spaceship", "fly")).toBe(false);
  });

  it("pick a verify's outcome by what it carries", async () => {
    const { transitionFor } = await rules();
    expect(transitionFor("ticket", "verify", { fixed: true })?.target).toBe("verified");
    expect(transitionFor("ticket", "verify", { fixed: false })?.target).toBe("reopened");
  });

  it("keep the transitions in the state machine's order", async () => {
    const { transitionFor } = await rules();
    expect(transitionFor("ticket", "dispatch")?.target).toBe("dispatched");
    expect(transitionFor("report", "link_ticket")?.sources).toEqual(["needs_handoff", "open", "solved_on_site"]);
  });
});
