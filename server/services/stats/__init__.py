"""Statistics for the dashboards: measures for a unit and a period, grid rankings, the department league.

The measures are data (``measures.MEASURES``, each with its definition); the
numbers under them are base counts taken by SQL group-bys (``queries``), a
row per grid, added up for a community, street or district. Everything is
answered in the UI's language (``lang``: zh-CN or en) and only over what the
caller may see (``units.resolve_unit``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from server.catalogue import category_name
from server.errors import DomainError
from server.services.scope import Scope
from server.services.stats import queries
from server.services.stats.measures import (
    BASE_COUNTS, COLORS, FLAGS, LEVELS, MEASURE_BY_KEY, MEASURES, RANKING_WEIGHTS, add_counts, is_chinese, rank,
)
from server.services.stats.periods import Period, PeriodError, make_period
from server.services.stats.units import Unit, department_names, resolve_unit, streets_of

# How many categories the 高发问题 list shows.
TOP_CATEGORIES = 5


def _now() -> datetime:
    return datetime.now(timezone.utc)


def period_of(query: dict) -> Period:
    """The period asked for (default: this month), or a 422 naming the field at fault."""
    tz = ZoneInfo(current_app.config["GRIDWALK_TIMEZONE"])
    try:
        return make_period(query.get("period") or "month", tz, _now().astimezone(tz).date(),
                           anchor=query.get("date"), first=query.get("date_from"), last=query.get("date_to"))
    except PeriodError as exc:
        raise DomainError("invalid", exc.message, {exc.field: [exc.message]}) from exc


def grid_counts(target: queries.Target, period: Period, now: datetime, *, with_colors: bool = True,
                members: list[dict] | None = None, checked: dict | None = None) -> dict[int, dict[str, int]]:
    """Every base count of the period, by grid (a department's figures: by the grids its tickets are in).

    ``members`` and ``checked`` (the team members and their check-in days) are
    passed in when the caller has read them already.
    """
    out: dict[int, dict[str, int]] = {}

    def merge(part: dict[int, dict[str, int]]) -> None:
        for grid_id, counts in part.items():
            out.setdefault(grid_id, {}).update(counts)

    merge(queries.report_counts(target, period))
    merge(queries.ticket_counts(target, period, now))
    merge(queries.visit_counts(target, period))
    if with_colors:
        merge(queries.open_by_color(target, now))
    days = period.days_until(now)
    checked = queries.checkin_days(target, period) if checked is None else checked
    per_grid: dict[int, int] = {}
    for member in queries.members(target) if members is None else members:
        per_grid[member["grid_id"]] = per_grid.get(member["grid_id"], 0) + 1
    for grid_id, n in per_grid.items():
        merge({grid_id: {"member_days": n * days}})
    for (grid_id, _owner), n in checked.items():
        counts = out.setdefault(grid_id, {})
        counts["checkin_days"] = counts.get("checkin_days", 0) + n
    return out


def _measure_rows(total: dict, before: dict, lang: str, *, field_records: bool) -> list[dict]:
    rows = []
    for m in MEASURES:
        num, den = m.parts(total)
        known = field_records or not m.of_field_records
        rows.append({"key": m.key, "label": m.label(lang), "doc": m.doc(lang), "rate": m.is_rate,
                     "higher_is_better": m.higher_is_better, "value": m.value(total) if known else None,
                     "numerator": num, "denominator": den, "previous": m.value(before) if known else None})
    return rows


def _levels(total: dict, lang: str) -> list[dict]:
    solved = sum(total.get(count, 0) for _, count, _, _ in LEVELS)
    return [{"level": key, "label": zh if is_chinese(lang) else en, "count": total.get(count, 0),
             "share": (total.get(count, 0) / solved) if solved else None}
            for key, count, zh, en in LEVELS]


def _colors(total: dict, lang: str) -> list[dict]:
    return [{"color": key, "label": zh if is_chinese(lang) else en, "count": total.get(f"open_{key}", 0)}
            for key, zh, en in COLORS]


def _top_categories(target, period, now, lang, days: dict) -> list[dict]:
    rows = sorted(queries.category_counts(target, period, now, days), key=lambda r: (-r["count"], r["category"]))
    out = []
    for r in rows[:TOP_CATEGORIES]:
        if not r["count"]:
            break
        change = (r["this_week"] - r["last_week"]) / r["last_week"] if r["last_week"] else None
        out.append({**r, "label": category_name(r["category"], lang), "week_change": change})
    return out


def department_league(target, period, now, lang) -> list[dict]:
    """Departments by how fast they acknowledge and fix, with what they hold open now."""
    timed = queries.durations(target, period)
    ack, fix = timed["ticket.acknowledge"], timed["ticket.resolve"]
    load = queries.department_load(target, now)
    names = department_names(lang)
    ids = sorted(set(ack) | set(fix) | set(load))
    if target.department_id is not None:
        ids = [target.department_id]
    empty = {"count": 0, "median_hours": None, "p90_hours": None}
    rows = []
    for d in ids:
        a, f, held = ack.get(d, empty), fix.get(d, empty), load.get(d, {"open": 0, "overdue": 0})
        rows.append({"department_id": d, "name": names.get(d, str(d)),
                     "acknowledged": a["count"], "ack_median_hours": a["median_hours"],
                     "ack_p90_hours": a["p90_hours"], "resolved": f["count"],
                     "resolve_median_hours": f["median_hours"], "resolve_p90_hours": f["p90_hours"],
                     "open": held["open"], "overdue": held["overdue"]})
    # The league: quickest to fix first; departments that fixed nothing last.
    rows.sort(key=lambda r: (r["resolve_median_hours"] is None, r["resolve_median_hours"] or 0.0,
                             r["ack_median_hours"] or 0.0, r["department_id"]))
    return rows


def _checkins(unit: Unit, members: list[dict], checked: dict, period, now) -> dict:
    days = period.days_until(now)
    names = {g.id: g.name for g in unit.grids}
    by_grid: dict[int, dict] = {g.id: {"grid_id": g.id, "name": g.name, "members": 0, "checkin_days": 0,
                                       "member_days": 0} for g in unit.grids}
    by_member = []
    for m in members:
        n = checked.get((m["grid_id"], m["username"]), 0)
        row = by_grid.setdefault(m["grid_id"], {"grid_id": m["grid_id"], "name": names.get(m["grid_id"], ""),
                                                "members": 0, "checkin_days": 0, "member_days": 0})
        row["members"] += 1
        row["checkin_days"] += n
        row["member_days"] += days
        by_member.append({"grid_id": m["grid_id"], "username": m["username"], "display_name": m["display_name"],
                          "team_role": m["team_role"], "checkin_days": n, "days": days,
                          "rate": n / days if days else None})
    for row in by_grid.values():
        row["rate"] = row["checkin_days"] / row["member_days"] if row["member_days"] else None
    # A member list is for one grid; a street's or district's would be hundreds of lines.
    return {"by_grid": list(by_grid.values()), "by_member": by_member if unit.kind == "grid" else []}


def _grid_map(unit: Unit, counts: dict[int, dict]) -> list[dict]:
    on_time, closing = MEASURE_BY_KEY["on_time_rate"], MEASURE_BY_KEY["closing_rate"]
    out = []
    for g in unit.grids:
        c = counts.get(g.id, {})
        out.append({"id": g.id, "code": g.code, "name": g.name, "boundary": g.boundary,
                    "center": [g.center_lat, g.center_lon] if g.center_lat is not None else None,
                    "found": c.get("found", 0), "open": sum(c.get(f"open_{k}", 0) for k, _, _ in COLORS),
                    "open_overdue": c.get("open_overdue", 0), "on_time_rate": on_time.value(c),
                    "closing_rate": closing.value(c)})
    return out


def statistics(scope: Scope, user, query: dict) -> dict:
    """The dashboard's figures for one unit and period, with the period before for comparison."""
    lang = query.get("lang") or "zh-CN"
    unit = resolve_unit(scope, user, query.get("scope"), query.get("id"), lang)
    period = period_of(query)
    previous = period.previous()
    now = _now()
    members = queries.members(unit.target)
    checked = queries.checkin_days(unit.target, period)
    current = grid_counts(unit.target, period, now, members=members, checked=checked)
    before = grid_counts(unit.target, previous, now, with_colors=False, members=members)
    # One scan of the reports by day and category serves the trend and the top categories.
    days = queries.report_days(unit.target, *queries.category_window(period, now))
    total, total_before = add_counts(current.values()), add_counts(before.values())
    return {
        "scope": unit.to_dict(), "period": period.to_dict(), "previous_period": previous.to_dict(),
        "as_of": period.as_of(now).isoformat(), "lang": lang,
        "measures": _measure_rows(total, total_before, lang, field_records=unit.target.has_field_records),
        "counts": total,
        "levels": _levels(total, lang),
        "open_by_color": _colors(total, lang),
        "trend": queries.trend(unit.target, period, now, days),
        "top_categories": _top_categories(unit.target, period, now, lang, days),
        "departments": department_league(unit.target, period, now, lang),
        "checkins": _checkins(unit, members, checked, period, now),
        "grids": _grid_map(unit, current),
    }


def rankings(scope: Scope, user, query: dict) -> dict:
    """Grids of a community or street (or streets or grids of a district) ranked, with 骏马 / 蜗牛 flags."""
    lang = query.get("lang") or "zh-CN"
    unit = resolve_unit(scope, user, query.get("scope"), query.get("id"), lang)
    if unit.kind not in ("community", "street", "district"):
        raise DomainError("invalid", "Rank the grids of a community or street, or the streets of a district.",
                       {"scope": ["One of community, street, district."]})
    by = query.get("unit") or ("street" if unit.kind == "district" else "grid")
    if by == "street" and unit.kind != "district":
        raise DomainError("invalid", "Streets are ranked within a district.", {"unit": ["Use grid."]})
    period = period_of(query)
    counts = grid_counts(unit.target, period, _now(), with_colors=False)
    if by == "grid":
        units = [{"id": g.id, "name": g.name, "counts": add_counts([counts.get(g.id, {})])} for g in unit.grids]
    else:
        grouped: dict[int, dict] = {}
        for grid_id, (street_id, name) in streets_of(unit.grids).items():
            entry = grouped.setdefault(street_id, {"id": street_id, "name": name, "parts": []})
            entry["parts"].append(counts.get(grid_id, {}))
        units = [{"id": e["id"], "name": e["name"], "counts": add_counts(e["parts"])} for e in grouped.values()]
    items = []
    for u in rank(units):
        flag = u["flag"]
        items.append({
            "rank": u["rank"], "id": u["id"], "name": u["name"], "score": u["score"], "flag": flag,
            "flag_label": (FLAGS[flag][0] if is_chinese(lang) else FLAGS[flag][1]) if flag else None,
            "measures": {key: MEASURE_BY_KEY[key].value(u["counts"]) for key in MEASURE_BY_KEY},
            "contributions": u["contributions"],
        })
    return {"scope": unit.to_dict(), "unit": by, "period": period.to_dict(), "lang": lang,
            "weights": weight_table(lang), "items": items}


def weight_table(lang: str) -> list[dict]:
    """The ranking's weights, with each measure's name in the UI language."""
    return [{"measure": key, "label": MEASURE_BY_KEY[key].label(lang), "weight": weight}
            for key, weight in RANKING_WEIGHTS]


def definitions(lang: str) -> dict:
    """Every measure with its definition, the base counts and the ranking weights."""
    return {"lang": lang,
            "measures": [{"key": m.key, "label": m.label(lang), "doc": m.doc(lang), "rate": m.is_rate,
                          "numerator": list(m.numerator), "denominator": list(m.denominator),
                          "higher_is_better": m.higher_is_better} for m in MEASURES],
            "counts": dict(BASE_COUNTS), "weights": weight_table(lang)}
