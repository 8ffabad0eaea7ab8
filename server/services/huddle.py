"""The evening huddle: everything a team lead needs on one screen.

Today's reports, the suggested duplicate clusters (多人一诉 and 一人多诉), the
matches of today's reports to still-open tickets, unresolved conflicts, the
categories recurring across the grid or street this week (发现一处、整治一片),
and each member's check-in compliance.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from server.catalogue import category_name
from server.errors import DomainError
from server.extensions import db
from server.models import Beat, Grid, Photo, Record, User
from server.services.conflicts import open_conflicts
from server.services.listing import serialise
from server.services.photo_access import with_pending
from server.services.scope import street_grid_ids
from sync.dedupe import SUGGEST_THRESHOLD, OpenProblemIndex, ReportFeatures, cluster_reports
from sync.entities import REPORT_STATUS, TICKET_STATUS

# How far back reports are compared with today's (一人多诉 spans days).
LOOKBACK_DAYS = 7
# A category recurring this often in a week is flagged.
GRID_RECURRENCE = 3
STREET_RECURRENCE = 4
OPEN_TICKET_STATES = tuple(sorted(TICKET_STATUS.open_states))
# Check-in flags that mean "not where the beat says" (the others are about the fix: no GPS, poor accuracy).
OFF_BEAT_FLAGS = frozenset({"outside_grid", "not_my_checkpoint", "far_from_checkpoint"})
# What to do about a recurring problem, by how far it spreads: (code, English wording).
SUGGESTIONS = {
    "street": ("street_wide_check", "发现一处、整治一片: run the same check in every grid"),
    "grid": ("grid_wide_check", "recurring in this grid: check the whole grid"),
}


def _today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


def resolve_grid(scope, user, grid_id: int | None) -> Grid:
    grid_id = grid_id if grid_id is not None else user.grid_id
    if grid_id is None:
        raise DomainError("invalid", "Say which grid: ?grid=<id>.", {"grid": ["Missing."]})
    scope.require_grid(grid_id)
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        raise DomainError("not_found", f"No grid {grid_id}.")
    return grid


def _reports(grid_ids, first: date, last: date) -> list[Record]:
    return db.session.execute(
        select(Record).where(Record.entity == "report", Record.grid_id.in_(list(grid_ids)),
                             Record.deleted.is_(False), Record.day >= first.isoformat(),
                             Record.day <= last.isoformat())
        .order_by(Record.created_at)
    ).scalars().all()


def _at_ms(record: Record) -> int:
    value = record.data.get("device_time")
    if value:
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    return int(record.created_at.timestamp() * 1000)


def features(records: list[Record], photo_hashes: dict[str, tuple[str, ...]]) -> list[ReportFeatures]:
    """What duplicate scoring compares of each report; ``photo_hashes`` by report id (``photo_phashes``)."""
    return [
        ReportFeatures(
            id=r.entity_id, category=r.data.get("category") or "", lat=r.data.get("lat"), lon=r.data.get("lon"),
            at_ms=_at_ms(r), description=r.data.get("description") or "", reporter=r.data.get("reporter") or "",
            photo_hashes=photo_hashes.get(r.entity_id, ()),
            subcategory=r.data.get("subcategory"), status=r.data.get("status") or "open",
            ticket_id=r.data.get("ticket_id"),
        )
        for r in records
    ]


def photo_phashes(records: list[Record]) -> dict[str, tuple[str, ...]]:
    """Per report, the perceptual hashes of the photos its readers may see.

    A photo pending on a report (not uploaded, or listed by someone who does
    not hold it) lends it no likeness: otherwise listing another grid's hash
    would tell which of our photos it resembles.
    """
    shown = {r.entity_id: [h for h in r.data.get("photos") or [] if h not in pending]
             for r, pending in with_pending(records)}
    wanted = set().union(*shown.values())
    if not wanted:
        return {}
    phashes = dict(db.session.execute(
        select(Photo.sha256, Photo.phash).where(Photo.sha256.in_(sorted(wanted)))).all())
    return {rid: tuple(phashes[h] for h in hashes if h in phashes) for rid, hashes in shown.items()}


def _ticket_matches(grid: Grid, today_reports: list[ReportFeatures], by_id: dict) -> list[dict]:
    tickets = db.session.execute(
        select(Record).where(Record.entity == "ticket", Record.grid_id == grid.id, Record.deleted.is_(False),
                             Record.status.in_(OPEN_TICKET_STATES))
    ).scalars().all()
    if not tickets:
        return []
    index = OpenProblemIndex()
    for ticket in tickets:
        for rid in ticket.data.get("report_ids") or []:
            feature = by_id.get(rid)
            if feature is not None:
                # A ticket is found through each of its reports.
                index.add(ReportFeatures(
                    id=f"{ticket.entity_id}/{rid}", category=feature.category, lat=feature.lat,
                    lon=feature.lon, at_ms=feature.at_ms, description=feature.description,
                    reporter=feature.reporter, photo_hashes=feature.photo_hashes, ticket_id=ticket.entity_id))
    matches = []
    for report in today_reports:
        if report.ticket_id:
            continue
        best: dict[str, tuple] = {}
        for item_id, score in index.match(report, limit=5):
            ticket_id = item_id.split("/", 1)[0]
            if score.score >= SUGGEST_THRESHOLD and (ticket_id not in best or score.score > best[ticket_id][0]):
                best[ticket_id] = (score.score, score.reasons)
        for ticket_id, (score, reasons) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            matches.append({"report_id": report.id, "ticket_id": ticket_id, "score": round(score, 3),
                            "reasons": list(reasons)})
    return matches


def common_problems(grid: Grid, day: date) -> list[dict]:
    """Categories recurring this week in the grid or across its street."""
    monday = day - timedelta(days=day.weekday())
    street_grids = street_grid_ids(grid.community.street_id)
    counts: dict[str, dict[int, int]] = {}
    for r in _reports(street_grids, monday, day):
        category = r.data.get("category")
        if category:
            per_grid = counts.setdefault(category, {})
            per_grid[r.grid_id] = per_grid.get(r.grid_id, 0) + 1
    flagged = []
    for category, per_grid in counts.items():
        in_grid = per_grid.get(grid.id, 0)
        in_street = sum(per_grid.values())
        spread = len(per_grid)
        if in_grid >= GRID_RECURRENCE or (in_street >= STREET_RECURRENCE and spread >= 2):
            flagged.append({
                "category": category, "name_zh": category_name(category, "zh"),
                "name_en": category_name(category, "en"), "grid_count": in_grid, "street_count": in_street,
                "grids": sorted(per_grid), "scope": "street" if spread >= 2 else "grid",
                # The code is what screens translate; the English sentence stays for older clients.
                "suggestion_code": SUGGESTIONS["street" if spread >= 2 else "grid"][0],
                "suggestion": SUGGESTIONS["street" if spread >= 2 else "grid"][1],
            })
    return sorted(flagged, key=lambda f: (-f["street_count"], f["category"]))


def checkin_summary(grid: Grid, day: date) -> list[dict]:
    """Per member: first and last check-in, checkpoints covered, compliance."""
    members = db.session.execute(
        select(User).where(User.grid_id == grid.id, User.role.in_(("patroller", "lead"))).order_by(User.username)
    ).scalars().all()
    checkins = db.session.execute(
        select(Record).where(Record.entity == "checkin", Record.grid_id == grid.id, Record.deleted.is_(False),
                             Record.day == day.isoformat())
    ).scalars().all()
    out = []
    for member in members:
        mine = sorted((c for c in checkins if c.owner == member.username), key=lambda c: c.data.get("at") or "")
        beat = db.session.execute(select(Beat).filter_by(user_id=member.id)).scalar_one_or_none()
        checkpoint_ids = {cp.id for cp in beat.checkpoints} if beat else set()
        covered = {c.data.get("checkpoint_id") for c in mine
                   if c.data.get("checkpoint_id") in checkpoint_ids
                   and "far_from_checkpoint" not in (c.data.get("flags") or [])}
        out.append({
            "member": member.username, "display_name": member.display_name, "count": len(mine),
            "first": mine[0].data.get("at") if mine else None, "last": mine[-1].data.get("at") if mine else None,
            "checkpoints_covered": len(covered), "checkpoints_total": len(checkpoint_ids),
            "compliance": round(len(covered) / len(checkpoint_ids), 3) if checkpoint_ids else None,
            "flagged": sum(1 for c in mine if c.data.get("flags")),
            "off_beat": sum(1 for c in mine if OFF_BEAT_FLAGS.intersection(c.data.get("flags") or [])),
        })
    return out


def kept_apart(grid: Grid) -> list[tuple[str, str]]:
    """The pairs of reports the huddle split apart (``keep_apart`` records of the grid)."""
    rows = db.session.execute(
        select(Record.data).where(Record.entity == "keep_apart", Record.grid_id == grid.id,
                                  Record.deleted.is_(False))
    ).scalars()
    return [(data.get("report_id"), other) for data in rows for other in data.get("apart_from") or []
            if data.get("report_id")]


def grid_map(grid: Grid) -> dict:
    """What the board's map draws, all from our own data (WGS-84, as the phones' GPS gives it)."""
    beats = db.session.execute(
        select(Beat, User).join(User, Beat.user_id == User.id).where(Beat.grid_id == grid.id)
        .order_by(User.username)
    ).all()
    return {
        "boundary": grid.boundary,
        "center": [grid.center_lat, grid.center_lon] if grid.center_lat is not None else None,
        "beats": [
            {"member": user.username, "name": beat.name,
             "places": [p for p in beat.places or [] if p.get("lat") is not None and p.get("lon") is not None],
             "checkpoints": [{"id": c.id, "name": c.name, "lat": c.lat, "lon": c.lon, "radius_m": c.radius_m}
                             for c in beat.checkpoints]}
            for beat, user in beats
        ],
        "tile_url": current_app.config.get("GRIDWALK_TILE_URL") or None,
        "datum": "WGS-84",
    }


def huddle(scope, user, grid_id: int | None, day: date | None) -> dict:
    """Everything the evening huddle needs for one grid and one day (docs/PROTOCOL.md §12)."""
    grid = resolve_grid(scope, user, grid_id)
    tz = ZoneInfo(current_app.config["GRIDWALK_TIMEZONE"])
    day = day or _today(tz)
    window = _reports([grid.id], day - timedelta(days=LOOKBACK_DAYS), day)
    today = [r for r in window if r.day == day.isoformat()]
    phashes = photo_phashes(window)
    all_features = features(window, phashes)
    by_id = {f.id: f for f in all_features}
    today_ids = {r.entity_id for r in today}
    now_ms = int(datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).timestamp() * 1000)
    # Reports already in a ticket are matched to tickets instead.
    candidates = [f for f in all_features if f.ticket_id is None and f.status not in REPORT_STATUS.done]
    clusters = [
        {"report_ids": list(c.report_ids), "score": round(c.score, 3), "reasons": list(c.reasons),
         "kind": c.kind}
        for c in cluster_reports(candidates, now_ms=now_ms, apart=kept_apart(grid))
        if today_ids.intersection(c.report_ids)
    ]
    ticket_features = features(
        db.session.execute(select(Record).where(Record.entity == "report", Record.grid_id == grid.id,
                                                Record.status == "in_ticket")
                           ).scalars().all(), phashes)
    by_id.update({f.id: f for f in ticket_features})
    return {
        "grid": {"id": grid.id, "code": grid.code, "name": grid.name},
        "date": day.isoformat(),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "reports": [serialise(scope, r, []) for r in today],
        "clusters": clusters,
        "ticket_matches": _ticket_matches(grid, [by_id[r.entity_id] for r in today], by_id),
        "conflicts": open_conflicts(scope, grid=grid.id),
        "common_problems": common_problems(grid, day),
        "checkins": checkin_summary(grid, day),
        "visits": db.session.query(Record).filter(Record.entity == "visit", Record.grid_id == grid.id,
                                                  Record.day == day.isoformat(),
                                                  Record.deleted.is_(False)).count(),
        "map": grid_map(grid),
    }

