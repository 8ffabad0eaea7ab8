import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { localDay } from "../../db/queries";
import { formatDateTime, formatTime, locale, t, type MessageKey } from "../../i18n";
import { zhCN } from "../../i18n/zh-CN";
import { describeConflict, valueText, type ConflictSide } from "../../sync/conflicts";
import { resolveConflict, type ConflictChoice } from "../../sync/huddleCommands";
import { displayName } from "../../sync/reference";
import { useBoard } from "./context";
import type { BoardView } from "./model";

/** A field's name in the lead's language where the catalogue has one (report.description …). */
function fieldLabel(entity: string, field: string): string {
  const key = `${entity || "report"}.${field}`;
  return key in zhCN ? t(key as MessageKey) : field;
}

function shown(field: string, value: unknown): string {
  if (field === "status" && typeof value === "string") {
    const key = `status.${value}` as MessageKey;
    return key in zhCN ? t(key) : value;
  }
  if (field === "severity" && (value === 1 || value === 2 || value === 3)) return t(`report.severity.${value}` as MessageKey);
  return valueText(value);
}

/** A time of today as the hour, an earlier one with its date. */
function when(at: number): string {
  return localDay(new Date(at)) === localDay(new Date()) ? formatTime(new Date(at).toISOString()) : formatDateTime(at);
}

function Side({ role, side, field, children }: { role: "kept" | "losing"; side: ConflictSide; field: string; children?: ComponentChildren }) {
  const { members } = useBoard();
  const who = displayName(members, side.actor) || t("huddle.conflict.someone");
  return (
    <div class={`hb-side-value hb-${role}`} data-testid={`conflict-${role}`}>
      <p class="sub">{t(role === "kept" ? "huddle.conflict.kept" : "huddle.conflict.losing")}</p>
      <p class="sub">{side.at ? t("huddle.conflict.who_when", { who, when: when(side.at) }) : who}</p>
      <blockquote>{shown(field, side.value)}</blockquote>
      {children}
    </div>
  );
}

function ConflictCard({ raw, view }: { raw: Record<string, unknown>; view: BoardView }) {
  const ctx = useBoard();
  const info = describeConflict(raw);
  const id = String(raw.id ?? "");
  const editable = info.kind === "concurrent_write" || info.kind === "";
  const [typing, setTyping] = useState(false);
  const [text, setText] = useState(valueText(info.kept.value));
  const losing = info.losing[0];
  const report = info.entity === "report" ? view.byId.get(info.entityId) : undefined;
  const described = report ? String(report.data.description ?? "") : "";
  const subject = report
    ? (described.length > 30 ? `${described.slice(0, 30)}…` : described) || ctx.catName(report.category)
    : t(`entity.${info.entity || "report"}` as MessageKey);
  const field = fieldLabel(info.entity, info.field);

  const resolve = async (choice: ConflictChoice, value?: unknown) => {
    await resolveConflict(ctx.db, ctx.node, id, choice, value);
    ctx.acted();
  };
  const typed = () => (typeof info.kept.value === "number" && text.trim() !== "" && !Number.isNaN(Number(text)) ? Number(text) : text);

  return (
    <li class="card hb-conflict" data-testid="conflict-card" data-conflict-id={id}>
      <p>
        <strong>{t("huddle.conflict.headline", { field: locale.value === "en" ? field.toLowerCase() : field, subject })}</strong>
      </p>
      <div class="hb-side-by-side">
        <Side role="kept" side={info.kept} field={info.field}>
          <button type="button" class="btn btn-secondary" onClick={() => void resolve("kept")} data-testid="conflict-keep-kept">
            {t("huddle.conflict.keep_this")}
          </button>
        </Side>
        {losing ? (
          <Side role="losing" side={losing} field={info.field}>
            {editable ? (
              <button type="button" class="btn btn-secondary" onClick={() => void resolve("losing")} data-testid="conflict-keep-losing">
                {t("huddle.conflict.keep_this")}
              </button>
            ) : (
              <p class="hint">{t("huddle.conflict.redo")}</p>
            )}
          </Side>
        ) : null}
      </div>
      {editable ? (
        typing ? (
          <div class="hb-new-value">
            <textarea value={text} rows={2} onInput={(e) => setText(e.currentTarget.value)} data-testid="conflict-new-value" aria-label={t("huddle.conflict.new_value")} />
            <button type="button" class="btn btn-primary" onClick={() => void resolve("value", typed())} data-testid="conflict-save-value">
              {t("huddle.conflict.save_value")}
            </button>
          </div>
        ) : (
          <button type="button" class="btn btn-secondary" onClick={() => setTyping(true)} data-testid="conflict-type-value">
            {t("huddle.conflict.new_value")}
          </button>
        )
      ) : null}
    </li>
  );
}

/** Sync conflicts side by side: the value kept and the one that lost, who wrote each and when. */
export function Conflicts({ view }: { view: BoardView }) {
  return (
    <section class="hb-section" aria-labelledby="hb-conflicts">
      <h2 id="hb-conflicts">
        {t("huddle.conflicts")} <span class="count">{view.conflicts.length}</span>
      </h2>
      {view.conflicts.length === 0 ? <p class="hint">{t("sync.conflicts_empty")}</p> : null}
      <ul class="hb-list">
        {view.conflicts.map((c) => (
          <ConflictCard key={String(c.id)} raw={c} view={view} />
        ))}
      </ul>
    </section>
  );
}
