"""What each exported table holds: its columns with zh-CN and English headers, as data.

A column reads one value from an exported row (the record's columns plus its
data) and a :class:`Labels` of names in the export's language. Personal data
of visits is masked here, for every reader: an exported file leaves the
system (``server.services.exports`` masks the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from server.catalogue import CATEGORIES, category_name
from server.services.exports import mask_name, mask_phone

STATUS_LABELS = {
    # Reports.
    "open": ("待处理", "Open"), "solved_on_site": ("现场解决", "Solved on site"),
    "needs_handoff": ("需交接", "Needs handoff"), "in_ticket": ("已转交接单", "In a ticket"),
    # Tickets.
    "draft": ("草稿", "Draft"), "submitted": ("已提交", "Submitted"), "approved": ("已审批", "Approved"),
    "returned": ("已退回", "Returned"), "dispatched": ("已派发", "Dispatched"),
    "sent_back": ("退回改派", "Sent back"), "acknowledged": ("部门已报到", "Acknowledged"),
    "resolved": ("已办结", "Resolved"), "verified": ("已核查", "Verified"), "reopened": ("返工", "Reopened"),
    "closed": ("已销号", "Closed"),
}
ACTION_LABELS = {
    "create": ("新建", "created"), "update": ("修改", "edited"), "delete": ("删除", "deleted"),
    "submit": ("提交", "submitted"), "approve": ("审批通过", "approved"), "return": ("退回", "returned"),
    "dispatch": ("派发", "dispatched"), "send_back": ("退回改派", "sent back"),
    "acknowledge": ("部门报到", "acknowledged"), "resolve": ("办结", "resolved"), "verify": ("核查", "verified"),
    "close": ("销号", "closed"), "reopen": ("重新打开", "reopened"), "escalate": ("上报", "escalated"),
}
LEVEL_LABELS = {"grid": ("网格", "Grid"), "community": ("社区", "Community"), "street": ("街道", "Street"),
                "district": ("区级", "District")}
COLOR_LABELS = {"green": ("绿", "green"), "yellow": ("黄", "yellow"), "orange": ("橙", "orange"), "red": ("红", "red")}
PLACE_KINDS = {"household": ("住户", "Household"), "shop": ("商铺", "Shop")}
SUBCATEGORIES = {s["code"]: (s["name_zh"], s["name_en"]) for c in CATEGORIES for s in c["subcategories"]}


@dataclass
class Labels:
    """Names an export writes instead of codes and ids, in one language and time zone."""

    zh: bool
    tz: ZoneInfo
    grids: dict[int, str]
    departments: dict[int, str]

    def pick(self, table: dict, code) -> str:
        if code is None or code == "":
            return ""
        pair = table.get(code)
        return (pair[0] if self.zh else pair[1]) if pair else str(code)

    def time(self, value) -> str:
        """A time as local wall-clock text (2026-11-02 09:10), for people reading a spreadsheet."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Column:
    """One exported column: its key, headers, and how its value is read from a row."""

    key: str
    zh: str
    en: str
    read: Callable[[dict, Labels], Any]

    def header(self, zh: bool) -> str:
        return self.zh if zh else self.en


def _d(name: str) -> Callable[[dict, Labels], Any]:
    return lambda row, _: row["data"].get(name)


def _yes_no(value, labels: Labels) -> str:
    if value is None:
        return ""
    return ("是" if value else "否") if labels.zh else ("yes" if value else "no")


def _joined(values) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) else ""


_ID = Column("id", "编号", "ID", lambda r, _: r["entity_id"])
_GRID = Column("grid", "网格", "Grid", lambda r, lb: lb.grids.get(r["grid_id"], r["grid_id"]))
_DAY = Column("day", "日期", "Day", lambda r, _: r["day"])
_LAT = Column("lat", "纬度", "Latitude", _d("lat"))
_LON = Column("lon", "经度", "Longitude", _d("lon"))

REPORT_COLUMNS = (
    _ID, _GRID, _DAY,
    Column("device_time", "上报时间", "Reported at", lambda r, lb: lb.time(r["data"].get("device_time") or r["created_at"])),
    Column("reporter", "上报人", "Reporter", _d("reporter")),
    Column("category", "类别", "Category", lambda r, lb: category_name(r["data"].get("category") or "",
                                                                      "zh" if lb.zh else "en")),
    Column("subcategory", "小类", "Subcategory", lambda r, lb: lb.pick(SUBCATEGORIES, r["data"].get("subcategory"))),
    Column("description", "问题描述", "Description", _d("description")),
    Column("place", "地点", "Place", _d("place")),
    _LAT, _LON,
    Column("severity", "严重程度", "Severity", _d("severity")),
    Column("status", "状态", "Status", lambda r, lb: lb.pick(STATUS_LABELS, r["data"].get("status"))),
    Column("ticket_id", "交接单", "Ticket", _d("ticket_id")),
    Column("photos", "照片数", "Photos", lambda r, _: len(r["data"].get("photos") or [])),
    Column("updated_at", "更新时间", "Updated at", lambda r, lb: lb.time(r["updated_at"])),
)

TICKET_COLUMNS = (
    _ID, _GRID,
    Column("title", "标题", "Title", _d("title")),
    Column("category", "类别", "Category", lambda r, lb: category_name(r["data"].get("category") or "",
                                                                      "zh" if lb.zh else "en")),
    Column("severity", "严重程度", "Severity", _d("severity")),
    Column("status", "状态", "Status", lambda r, lb: lb.pick(STATUS_LABELS, r["data"].get("status"))),
    Column("color", "督办颜色", "Colour", lambda r, lb: lb.pick(COLOR_LABELS, r["color"])),
    Column("level", "层级", "Level", lambda r, lb: lb.pick(LEVEL_LABELS, r["data"].get("level"))),
    Column("department", "承办部门", "Department",
           lambda r, lb: lb.departments.get(r["department_id"], "") if r["department_id"] else ""),
    Column("created_at", "立案时间", "Opened at", lambda r, lb: lb.time(r["created_at"])),
    Column("due_at", "处置时限", "Due at", lambda r, lb: lb.time(r["data"].get("due_at"))),
    Column("done_at", "办结时间", "Finished at", lambda r, lb: lb.time(r["data"].get("done_at"))),
    Column("reopen_count", "返工次数", "Reworked", lambda r, _: r["data"].get("reopen_count") or 0),
    Column("report_ids", "关联上报", "Reports", lambda r, _: _joined(r["data"].get("report_ids"))),
    Column("timeline", "处理过程", "Timeline", lambda r, lb: timeline_text(r["timeline"], lb)),
)

CHECKIN_COLUMNS = (
    _ID, _GRID, _DAY,
    Column("at", "打卡时间", "Checked in at", lambda r, lb: lb.time(r["data"].get("at") or r["created_at"])),
    Column("user", "人员", "Member", _d("user")),
    _LAT, _LON,
    Column("accuracy_m", "定位精度(米)", "Accuracy (m)", _d("accuracy_m")),
    Column("checkpoint_id", "打卡点", "Checkpoint", _d("checkpoint_id")),
    Column("distance_m", "距打卡点(米)", "Distance (m)", _d("distance_m")),
    Column("flags", "异常标记", "Flags", lambda r, _: _joined(r["data"].get("flags"))),
    Column("note", "备注", "Note", _d("note")),
)

VISIT_COLUMNS = (
    _ID, _GRID, _DAY,
    Column("visited_at", "走访时间", "Visited at", lambda r, lb: lb.time(r["data"].get("visited_at"))),
    Column("visitor", "走访人", "Visitor", _d("visitor")),
    Column("place_kind", "对象类型", "Place kind", lambda r, lb: lb.pick(PLACE_KINDS, r["data"].get("place_kind"))),
    Column("place", "地点", "Place", _d("place")),
    Column("people_met", "见面人数", "People met", _d("people_met")),
    Column("contact_name", "联系人", "Contact", lambda r, _: mask_name(r["data"].get("contact_name"))),
    Column("contact_phone", "联系电话", "Phone", lambda r, _: mask_phone(r["data"].get("contact_phone"))),
    Column("needs", "诉求", "Needs", _d("needs")),
    Column("notes", "备注", "Notes", _d("notes")),
    Column("follow_up", "需跟进", "Follow up", lambda r, lb: _yes_no(r["data"].get("follow_up"), lb)),
)

COLUMNS = {"reports": REPORT_COLUMNS, "tickets": TICKET_COLUMNS, "checkins": CHECKIN_COLUMNS,
           "visits": VISIT_COLUMNS}

# The tickets' second sheet in a workbook: one line per step of each ticket's history.
TIMELINE_COLUMNS = (
    Column("ticket_id", "交接单编号", "Ticket", lambda e, _: e["ticket_id"]),
    Column("at", "时间", "At", lambda e, lb: lb.time(e["at"])),
    Column("actor", "操作人", "By", lambda e, _: e["actor"]),
    Column("action", "操作", "Action", lambda e, lb: lb.pick(ACTION_LABELS, e["action"])),
    Column("note", "说明", "Note", lambda e, lb: step_note(e["data"], lb)),
)


def step_note(data: dict | None, labels: Labels) -> str:
    """What a history step said: whether a fix held, a reason or note, the department dispatched to."""
    data = data or {}
    parts = []
    if isinstance(data.get("fixed"), bool):
        parts.append(("已修好" if data["fixed"] else "未修好，返工") if labels.zh
                     else ("fixed" if data["fixed"] else "not fixed: rework"))
    for key in ("reason", "resolution_note", "verification_note", "note"):
        if isinstance(data.get(key), str) and data[key].strip():
            parts.append(data[key])
            break
    if isinstance(data.get("department"), int) and not isinstance(data.get("department"), bool):
        parts.append(labels.departments.get(data["department"], f"#{data['department']}"))
    return "; ".join(parts)


def timeline_text(steps: list[dict], labels: Labels) -> str:
    """A ticket's history in one cell, a line a step: ``2026-11-02 09:10 g1-1 提交``."""
    lines = []
    for e in steps:
        note = step_note(e["data"], labels)
        line = f"{labels.time(e['at'])} {e['actor']} {labels.pick(ACTION_LABELS, e['action'])}"
        lines.append(f"{line}: {note}" if note else line)
    return "\n".join(lines)
