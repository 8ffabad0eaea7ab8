import { describe, expect, it } from "vitest";
import { applyMutation, applySetPatch, mergePending } from "../src/sync/merge";
import type { Mutation } from "../src/sync/mutation";

let n = 0;
function m(op: string, data: Record<string, unknown> = {}, entity = "report"): Mutation {
  n++;
  return { id: `m${n}`, entity, entity_id: "r1", op, hlc: `00000000000000${n}:00000:d`.slice(-23), base_version: null, data };
}

describe("set patches", () => {
  it("adds a list", () => expect(applySetPatch(["a"], ["b", "a"])).toEqual(["a", "b"]));
  it("adds and removes", () => expect(applySetPatch(["a", "b"], { add: ["c"], remove: ["a"] })).toEqual(["b", "c"]));
  it("lets add win over remove of the same value", () => expect(applySetPatch([], { add: ["x"], remove: ["x"] })).toEqual(["x"]));
  it("starts from nothing", () => expect(applySetPatch(undefined, ["x"])).toEqual(["x"]));
});

describe("applyMutation", () => {
  it("create fills the initial status", () => {
    expect(applyMutation(null, m("create", { category: "sanitation" })).data).toEqual({ category: "sanitation", status: "open" });
  });

  it("create keeps a creatable status", () => {
    expect(applyMutation(null, m("create", { status: "solved_on_site" })).data.status).toBe("solved_on_site");
  });

  it("update overwrites scalars and merges sets", () => {
    const s = applyMutation({ data: { description: "a", photos: ["p1"] }, deleted: false }, m("update", { description: "b", photos: ["p2"] }));
    expect(s.data).toEqual({ description: "b", photos: ["p1", "p2"] });
  });

  it("a state op moves the status and applies its data", () => {
    const s = applyMutation({ data: { status: "open", after_photos: [] }, deleted: false }, m("solve", { after_photos: ["a1"] }));
    expect(s.data).toEqual({ status: "solved_on_site", after_photos: ["a1"] });
  });

  it("delete leaves a tombstone", () => {
    expect(applyMutation({ data: { x: 1 }, deleted: false }, m("delete")).deleted).toBe(true);
  });
});

describe("mergePending", () => {
  it("without pending mutations is the server state", () => {
    const server = { data: { description: "srv" }, deleted: false };
    expect(mergePending(server, [])).toBe(server);
  });

  it("lays pending edits over a newer pull so the screen does not flip back", () => {
    const pulled = { data: { description: "server text", severity: 1, status: "open", photos: ["p1"] }, deleted: false };
    const pending = [m("update", { severity: 3 }), m("update", { photos: ["p2"] }), m("handoff")];
    expect(mergePending(pulled, pending)!.data).toEqual({
      description: "server text",
      severity: 3,
      status: "needs_handoff",
      photos: ["p1", "p2"],
    });
  });

  it("is null for a record that exists nowhere", () => {
    expect(mergePending(null, [])).toBeNull();
  });
});
