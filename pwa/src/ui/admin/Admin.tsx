/**
 * The admin's screens: people and teams (create, deactivate, reset a
 * password, move between grids), each person's devices with when each was
 * last seen and revoke (the phone is locked out at once, and the screen says
 * so), grids and departments, the intake keys of outside systems such as the
 * 12345 hotline (IntakeKeys.tsx), and the set-up changes in the audit trail.
 * Organisation data is set up online through sync/admin.ts; every change is
 * audited on the server and listed under 操作留痕.
 */

import { useEffect, useState } from "preact/hooks";
import { locale, localName } from "../../i18n";
import { runtime } from "../../runtime";
import {
  createDepartment,
  createUser,
  listAudit,
  listDevices,
  loadDirectory,
  revokeDevice,
  updateUser,
  type AdminDevice,
  type AdminUser,
  type AuditEntry,
  type Directory,
} from "../../sync/admin";
import { useOnline } from "../hooks";
import { useReference } from "../desk/hooks";
import { whenText } from "../desk/parts";
import { deskKey, dt, type DeskKey } from "../desk/words";
import { IntakeKeys } from "./IntakeKeys";
import { problem } from "./problem";
import "../desk/desk.css";

type Section = "people" | "devices" | "places" | "intake" | "audit";
const SECTIONS: Section[] = ["people", "devices", "places", "intake", "audit"];
const ROLES = ["patroller", "lead", "supervisor", "department", "admin"];

const roleText = (role: string) => {
  const key = deskKey("role.", role);
  return key ? dt(key) : role;
};

/** Where a user belongs, in words: the grid, street or department. */
function placeOf(u: AdminUser, dir: Directory): string {
  if (u.grid_id) return dir.grids.find((g) => g.id === u.grid_id)?.name ?? String(u.grid_id);
  if (u.department_id) return dir.departments.find((d) => d.id === u.department_id)?.name ?? String(u.department_id);
  if (u.street_id) return dir.streets.find((s) => s.id === u.street_id)?.name ?? String(u.street_id);
  return dt("a.none");
}

function Devices({ user, onMessage }: { user: AdminUser; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const [devices, setDevices] = useState<AdminDevice[] | null>(null);
  const [locked, setLocked] = useState<string | null>(null);
  const load = () => void listDevices(api, user.id).then(setDevices, (e) => onMessage(dt("a.error", { why: problem(e) })));
  useEffect(load, [user.id]);
  const revoke = async (id: string) => {
    if (!confirm(dt("a.device.revoke_confirm"))) return;
    try {
      await revokeDevice(api, id);
      setLocked(id);
      load();
    } catch (e) {
      onMessage(dt("a.error", { why: problem(e) }));
    }
  };
  return (
    <div class="dk-devices" data-testid="admin-devices" data-user={user.username}>
      <h3>{dt("a.devices_of", { name: user.display_name || user.username })}</h3>
      {locked ? (
        <p class="banner banner-info" role="status" data-testid="device-locked">
          {dt("a.device.locked")}
        </p>
      ) : null}
      {devices && !devices.length ? <p class="hint">{dt("a.device.none")}</p> : null}
      <table class="dk-table">
        <thead>
          <tr>
            <th>{dt("a.device.id")}</th>
            <th>{dt("a.device.first")}</th>
            <th>{dt("a.device.last_seen")}</th>
            <th>{dt("a.status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(devices ?? []).map((d) => (
            <tr key={d.id} data-testid="admin-device" data-device-id={d.id} data-revoked={d.revoked_at ? "1" : "0"}>
              <td class="mono">{d.name || d.id}</td>
              <td>{whenText(d.created_at)}</td>
              <td data-testid="device-last-seen">{d.last_seen_at ? whenText(d.last_seen_at) : dt("a.device.never")}</td>
              <td>{d.revoked_at ? <span class="badge badge-error">{dt("a.device.revoked", { time: whenText(d.revoked_at) })}</span> : <span class="badge badge-ok">{dt("a.active")}</span>}</td>
              <td>
                {!d.revoked_at ? (
                  <button type="button" class="btn btn-danger" onClick={() => void revoke(d.id)} data-testid="device-revoke">
                    {dt("a.device.revoke")}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UserRow({ user, dir, onChanged, onMessage }: { user: AdminUser; dir: Directory; onChanged: () => void; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const [open, setOpen] = useState<"devices" | "password" | "move" | null>(null);
  const [password, setPassword] = useState("");
  const [grid, setGrid] = useState<number | "">("");
  const name = user.display_name || user.username;
  const change = async (body: Partial<AdminUser> & { password?: string }, done: DeskKey, params: Record<string, string> = {}) => {
    try {
      await updateUser(api, user.id, body);
      onMessage(dt(done, { name, ...params }));
      setOpen(null);
      onChanged();
    } catch (e) {
      onMessage(dt("a.error", { why: problem(e) }));
    }
  };
  const inGrid = user.role === "patroller" || user.role === "lead";
  return (
    <>
      <tr data-testid="admin-user" data-username={user.username} data-active={user.active ? "1" : "0"}>
        <td>
          <strong>{name}</strong>
          <div class="sub mono">{user.username}</div>
        </td>
        <td>{roleText(user.role)}</td>
        <td data-testid="admin-user-place">{placeOf(user, dir)}</td>
        <td>{user.active ? <span class="badge badge-ok">{dt("a.active")}</span> : <span class="badge badge-error">{dt("a.inactive")}</span>}</td>
        <td class="dk-row-actions">
          <button type="button" class="btn btn-secondary" aria-expanded={open === "devices"} onClick={() => setOpen(open === "devices" ? null : "devices")} data-testid="user-devices">
            {dt("a.tab.devices")}
          </button>
          <button type="button" class="btn btn-secondary" onClick={() => void change({ active: !user.active }, user.active ? "a.deactivated" : "a.activated")} data-testid={user.active ? "user-deactivate" : "user-activate"}>
            {user.active ? dt("a.deactivate") : dt("a.activate")}
          </button>
          <button type="button" class="btn btn-secondary" aria-expanded={open === "password"} onClick={() => setOpen(open === "password" ? null : "password")} data-testid="user-reset-password">
            {dt("a.reset_password")}
          </button>
          {inGrid ? (
            <button type="button" class="btn btn-secondary" aria-expanded={open === "move"} onClick={() => setOpen(open === "move" ? null : "move")} data-testid="user-move">
              {dt("a.move")}
            </button>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr class="dk-subrow">
          <td colSpan={5}>
            {open === "devices" ? <Devices user={user} onMessage={onMessage} /> : null}
            {open === "password" ? (
              <form class="dk-inline-form" onSubmit={(e) => (e.preventDefault(), void change({ password }, "a.password_done"))}>
                <input type="password" minLength={8} required placeholder={dt("a.new_password")} value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="user-new-password" aria-label={dt("a.new_password")} />
                <button type="submit" class="btn btn-primary" data-testid="user-password-save">
                  {dt("a.save")}
                </button>
              </form>
            ) : null}
            {open === "move" ? (
              <form class="dk-inline-form" onSubmit={(e) => (e.preventDefault(), grid !== "" && void change({ grid_id: grid, team_id: null }, "a.moved", { grid: dir.grids.find((g) => g.id === grid)?.name ?? "" }))}>
                <select value={grid} onChange={(e) => setGrid(e.currentTarget.value ? Number(e.currentTarget.value) : "")} data-testid="user-move-grid" aria-label={dt("a.move")}>
                  <option value="">{dt("a.grid")}</option>
                  {dir.grids.filter((g) => g.id !== user.grid_id).map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.name}
                    </option>
                  ))}
                </select>
                <button type="submit" class="btn btn-primary" disabled={grid === ""} data-testid="user-move-save">
                  {dt("a.move_action")}
                </button>
              </form>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function NewUser({ dir, onCreated, onMessage }: { dir: Directory; onCreated: () => void; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const [form, setForm] = useState({ username: "", display_name: "", password: "", role: "patroller", grid_id: "", street_id: "", department_id: "" });
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const id = (v: string) => (v ? Number(v) : null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const user = await createUser(api, {
        username: form.username.trim(),
        display_name: form.display_name.trim(),
        password: form.password,
        role: form.role,
        grid_id: form.role === "patroller" || form.role === "lead" ? id(form.grid_id) : null,
        street_id: form.role === "supervisor" ? id(form.street_id) : null,
        department_id: form.role === "department" ? id(form.department_id) : null,
      });
      onMessage(dt("a.created", { name: user.display_name || user.username }));
      setForm({ ...form, username: "", display_name: "", password: "" });
      onCreated();
    } catch (err) {
      onMessage(dt("a.error", { why: problem(err) }));
    }
  };
  return (
    <form class="card dk-form dk-new-user" onSubmit={(e) => void submit(e)} data-testid="new-user">
      <h2>{dt("a.user.new")}</h2>
      <div class="dk-form-grid">
        <label class="field">
          <span>{dt("a.username")}</span>
          <input required value={form.username} onInput={(e) => set({ username: e.currentTarget.value })} data-testid="new-user-username" />
        </label>
        <label class="field">
          <span>{dt("a.display_name")}</span>
          <input required value={form.display_name} onInput={(e) => set({ display_name: e.currentTarget.value })} data-testid="new-user-name" />
        </label>
        <label class="field">
          <span>{dt("a.password")}</span>
          <input type="password" required minLength={8} value={form.password} onInput={(e) => set({ password: e.currentTarget.value })} data-testid="new-user-password" />
        </label>
        <label class="field">
          <span>{dt("a.role")}</span>
          <select value={form.role} onChange={(e) => set({ role: e.currentTarget.value })} data-testid="new-user-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {roleText(r)}
              </option>
            ))}
          </select>
        </label>
        {form.role === "patroller" || form.role === "lead" ? (
          <label class="field">
            <span>{dt("a.grid")}</span>
            <select required value={form.grid_id} onChange={(e) => set({ grid_id: e.currentTarget.value })} data-testid="new-user-grid">
              <option value="" />
              {dir.grids.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {form.role === "supervisor" ? (
          <label class="field">
            <span>{dt("a.street")}</span>
            <select required value={form.street_id} onChange={(e) => set({ street_id: e.currentTarget.value })} data-testid="new-user-street">
              <option value="" />
              {dir.streets.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {form.role === "department" ? (
          <label class="field">
            <span>{dt("a.department")}</span>
            <select required value={form.department_id} onChange={(e) => set({ department_id: e.currentTarget.value })} data-testid="new-user-department">
              <option value="" />
              {dir.departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <button type="submit" class="btn btn-primary" data-testid="new-user-create">
        {dt("a.create")}
      </button>
    </form>
  );
}

function People({ dir, reload, onMessage }: { dir: Directory; reload: () => void; onMessage: (text: string) => void }) {
  const [text, setText] = useState("");
  const [role, setRole] = useState("");
  const [grid, setGrid] = useState("");
  const q = text.trim().toLowerCase();
  const users = dir.users.filter(
    (u) =>
      (!q || u.username.toLowerCase().includes(q) || u.display_name.toLowerCase().includes(q)) &&
      (!role || u.role === role) &&
      (!grid || u.grid_id === Number(grid)),
  );
  return (
    <>
      <NewUser dir={dir} onCreated={reload} onMessage={onMessage} />
      <div class="dk-filters">
        <input type="search" placeholder={dt("a.search")} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="admin-search" aria-label={dt("a.search")} />
        <select value={role} onChange={(e) => setRole(e.currentTarget.value)} aria-label={dt("a.role")} data-testid="admin-filter-role">
          <option value="">{dt("a.role")} · {dt("desk.all")}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleText(r)}
            </option>
          ))}
        </select>
        <select value={grid} onChange={(e) => setGrid(e.currentTarget.value)} aria-label={dt("a.grid")} data-testid="admin-filter-grid">
          <option value="">{dt("a.grid")} · {dt("desk.all")}</option>
          {dir.grids.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </div>
      <table class="dk-table" data-testid="admin-users">
        <thead>
          <tr>
            <th>{dt("a.display_name")}</th>
            <th>{dt("a.role")}</th>
            <th>{dt("a.grid")} / {dt("a.street")} / {dt("a.department")}</th>
            <th>{dt("a.status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <UserRow key={u.id} user={u} dir={dir} onChanged={reload} onMessage={onMessage} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function AllDevices({ dir, onMessage }: { dir: Directory; onMessage: (text: string) => void }) {
  const [user, setUser] = useState<number | "">("");
  const picked = dir.users.find((u) => u.id === user);
  return (
    <>
      <div class="dk-filters">
        <select value={user} onChange={(e) => setUser(e.currentTarget.value ? Number(e.currentTarget.value) : "")} data-testid="devices-user" aria-label={dt("a.device.pick_user")}>
          <option value="">{dt("a.device.pick_user")}</option>
          {dir.users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.display_name || u.username} ({u.username})
            </option>
          ))}
        </select>
      </div>
      {picked ? <Devices user={picked} onMessage={onMessage} /> : null}
    </>
  );
}

function Places({ dir, reload, onMessage }: { dir: Directory; reload: () => void; onMessage: (text: string) => void }) {
  const { api } = runtime();
  const { cats } = useReference();
  const [form, setForm] = useState({ code: "", name: "", name_en: "", categories: [] as string[] });
  const district = dir.departments[0]?.district_id ?? dir.streets[0]?.district_id ?? 1;
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const d = await createDepartment(api, { district_id: district, code: form.code.trim(), name: form.name.trim(), name_en: form.name_en.trim(), categories: form.categories });
      onMessage(dt("a.created", { name: d.name }));
      setForm({ code: "", name: "", name_en: "", categories: [] });
      reload();
    } catch (err) {
      onMessage(dt("a.error", { why: problem(err) }));
    }
  };
  const catName = (code: string) => {
    const c = cats.find((x) => x.code === code);
    return c ? localName(c) : code;
  };
  return (
    <div class="dk-columns">
      <section class="card">
        <h2>{dt("a.grids")}</h2>
        <table class="dk-table" data-testid="admin-grids">
          <thead>
            <tr>
              <th>{dt("a.dept.code")}</th>
              <th>{dt("a.grid")}</th>
              <th>{dt("a.street")}</th>
              <th>{dt("a.tab.people")}</th>
            </tr>
          </thead>
          <tbody>
            {dir.grids.map((g) => {
              const team = dir.teams.find((t) => t.grid_id === g.id);
              return (
                <tr key={g.id} data-testid="admin-grid">
                  <td class="mono">{g.code}</td>
                  <td>{g.name}</td>
                  <td>{dir.streets.find((s) => s.id === g.street_id)?.name ?? ""}</td>
                  <td>
                    {team?.name ?? ""} · {dt("a.members", { n: team?.member_ids.length ?? 0 })}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>{dt("a.departments")}</h2>
        <table class="dk-table" data-testid="admin-departments">
          <thead>
            <tr>
              <th>{dt("a.dept.code")}</th>
              <th>{dt("a.dept.name")}</th>
              <th>{dt("a.dept.categories")}</th>
            </tr>
          </thead>
          <tbody>
            {dir.departments.map((d) => (
              <tr key={d.id} data-testid="admin-department">
                <td class="mono">{d.code}</td>
                <td>
                  {d.name}
                  <div class="sub">{d.name_en}</div>
                </td>
                <td>{d.categories.map(catName).join("、")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form class="dk-form" onSubmit={(e) => void submit(e)} data-testid="new-department">
          <h3>{dt("a.dept.new")}</h3>
          <div class="dk-form-grid">
            <label class="field">
              <span>{dt("a.dept.code")}</span>
              <input required value={form.code} onInput={(e) => setForm({ ...form, code: e.currentTarget.value })} data-testid="new-department-code" />
            </label>
            <label class="field">
              <span>{dt("a.dept.name")}</span>
              <input required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="new-department-name" />
            </label>
            <label class="field">
              <span>{dt("a.dept.name_en")}</span>
              <input value={form.name_en} onInput={(e) => setForm({ ...form, name_en: e.currentTarget.value })} />
            </label>
          </div>
          <fieldset class="field">
            <legend>{dt("a.dept.categories")}</legend>
            <div class="dk-checks">
              {cats.map((c) => (
                <label key={c.code} class="dk-check">
                  <input
                    type="checkbox"
                    checked={form.categories.includes(c.code)}
                    onChange={(e) =>
                      setForm({ ...form, categories: e.currentTarget.checked ? [...form.categories, c.code] : form.categories.filter((x) => x !== c.code) })
                    }
                  />
                  {localName(c)}
                </label>
              ))}
            </div>
          </fieldset>
          <button type="submit" class="btn btn-primary" data-testid="new-department-create">
            {dt("a.create")}
          </button>
        </form>
      </section>
    </div>
  );
}

/** An audit action in words ("users.update" → 修改用户). */
function actionText(action: string): string {
  const words: Record<string, [string, string]> = {
    "users.create": ["新建用户", "created a user"],
    "users.update": ["修改用户", "changed a user"],
    "device.revoke": ["停用设备", "revoked a device"],
    "grids.create": ["新建网格", "created a grid"],
    "grids.update": ["修改网格", "changed a grid"],
    "teams.create": ["新建小组", "created a team"],
    "teams.update": ["修改小组", "changed a team"],
    "departments.create": ["新建部门", "created a department"],
    "departments.update": ["修改部门", "changed a department"],
    "beats.create": ["新建包干区", "created a beat"],
    "beats.update": ["修改包干区", "changed a beat"],
    "streets.create": ["新建街道", "created a street"],
    "streets.update": ["修改街道", "changed a street"],
    "communities.create": ["新建社区", "created a community"],
    "communities.update": ["修改社区", "changed a community"],
    "intake.key_issued": ["签发接入密钥", "issued an intake key"],
    "intake.key_revoked": ["吊销接入密钥", "revoked an intake key"],
  };
  const pair = words[action];
  return pair ? (locale.value === "en" ? pair[1] : pair[0]) : action;
}

function changeText(data: Record<string, unknown> | null, dir: Directory): string {
  if (!data) return "";
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => {
      if (k === "grid_id") return `${dt("a.grid")}: ${dir.grids.find((g) => g.id === v)?.name ?? v}`;
      if (k === "active") return v ? dt("a.active") : dt("a.inactive");
      if (k === "password_hash") return dt("a.reset_password");
      if (k === "role") return `${dt("a.role")}: ${roleText(String(v))}`;
      return `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`;
    })
    .join("；");
}

function Audit({ dir }: { dir: Directory }) {
  const { api } = runtime();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  useEffect(() => void listAudit(api).then((b) => setEntries(b.items), () => setEntries([])), []);
  const who = (username: string) => dir.users.find((u) => u.username === username)?.display_name || username;
  const on = (e: AuditEntry) => {
    if (e.entity === "users") {
      const u = dir.users.find((x) => String(x.id) === e.entity_id);
      return u ? u.display_name || u.username : e.entity_id ?? "";
    }
    if (e.entity === "device") return e.entity_id ?? "";
    if (e.entity === "api_key") return `${String(e.data?.account ?? "")} ${String(e.data?.prefix ?? "")}…`.trim();
    if (e.entity === "grids") return dir.grids.find((g) => String(g.id) === e.entity_id)?.name ?? e.entity_id ?? "";
    if (e.entity === "departments") return dir.departments.find((d) => String(d.id) === e.entity_id)?.name ?? e.entity_id ?? "";
    return `${e.entity ?? ""} ${e.entity_id ?? ""}`;
  };
  if (entries && !entries.length) return <p class="hint">{dt("a.audit.empty")}</p>;
  return (
    <table class="dk-table" data-testid="admin-audit">
      <thead>
        <tr>
          <th>{dt("a.audit.when")}</th>
          <th>{dt("a.audit.who")}</th>
          <th>{dt("a.audit.what")}</th>
          <th>{dt("a.audit.on")}</th>
          <th>{dt("a.audit.changes")}</th>
        </tr>
      </thead>
      <tbody>
        {(entries ?? []).map((e) => (
          <tr key={e.seq} data-testid="audit-entry" data-action={e.action} data-entity-id={e.entity_id ?? ""}>
            <td>{whenText(e.at)}</td>
            <td>{who(e.actor)}</td>
            <td>{actionText(e.action)}</td>
            <td>{on(e)}</td>
            <td class="sub">{changeText(e.data, dir)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The admin screen, one section at a time (`#/admin/<section>`). */
export function Admin({ section }: { section?: string }) {
  const { api } = runtime();
  const online = useOnline();
  const current: Section = SECTIONS.includes(section as Section) ? (section as Section) : "people";
  const [dir, setDir] = useState<Directory | null>(null);
  const [message, setMessage] = useState<string>("");
  const [failed, setFailed] = useState<string>("");
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!online) return;
    void loadDirectory(api).then(
      (d) => {
        setDir(d);
        setFailed("");
      },
      (e) => setFailed(problem(e)),
    );
  }, [online, version]);
  const reload = () => setVersion((v) => v + 1);
  return (
    <main class="screen desk" data-testid="admin-screen" data-section={current}>
      <header class="dk-head">
        <h1>{dt("a.title")}</h1>
      </header>
      <nav class="dk-tabs" aria-label={dt("a.title")}>
        {SECTIONS.map((s) => (
          <a key={s} href={`#/admin/${s}`} class={s === current ? "dk-tab active" : "dk-tab"} aria-current={s === current ? "page" : undefined} data-testid={`admin-tab-${s}`}>
            {dt(`a.tab.${s}` as DeskKey)}
          </a>
        ))}
      </nav>
      {!online ? <p class="banner banner-warn">{dt("a.online_only")}</p> : null}
      {failed ? <p class="banner banner-error" role="alert">{dt("a.error", { why: failed })}</p> : null}
      {message ? (
        <p class="banner banner-info" role="status" data-testid="admin-message">
          <span>{message}</span>
          <button type="button" class="btn btn-secondary" onClick={() => setMessage("")}>
            {dt("out.dismiss")}
          </button>
        </p>
      ) : null}
      {dir ? (
        current === "people" ? (
          <People dir={dir} reload={reload} onMessage={setMessage} />
        ) : current === "devices" ? (
          <AllDevices dir={dir} onMessage={setMessage} />
        ) : current === "places" ? (
          <Places dir={dir} reload={reload} onMessage={setMessage} />
        ) : current === "intake" ? (
          <IntakeKeys dir={dir} onMessage={setMessage} />
        ) : (
          <Audit key={version} dir={dir} />
        )
      ) : online && !failed ? (
        <p class="hint">{dt("desk.refreshing")}</p>
      ) : null}
    </main>
  );
}
