"""The measures, defined once, as data; the ranking's weight table; the flags.

Every measure is a count or a ratio of the **base counts** that
``server.services.stats.queries`` takes with SQL group-bys (one number per
grid, or per department). Base counts add up, so a community's, a street's
or a district's measures are those of the sum of its grids' counts: one
definition serves every scope. Each measure carries its own definition
(``doc``), shown to users in their language beside its name.

Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

# The base counts, each as the SQL in queries.py counts it.
BASE_COUNTS: dict[str, str] = {
    "found": "reports filed in the period (by the report's local day), deleted ones left out",
    "solved_on_site": "reports of the period solved on the spot (status solved_on_site)",
    "opened": "tickets created in the period (by their local day)",
    "closed": "tickets whose status is closed and whose closing time falls in the period",
    "closed_on_time": "closed tickets of the period closed no later than their due time",
    "closed_reopened": "closed tickets of the period that were reopened (sent back for rework) at least once",
    "closed_first_time": "closed tickets of the period never reopened",
    "open_overdue": "tickets created before the period's end (or now), past due then and not closed by then",
    "closed_grid": "tickets of the period closed at grid level",
    "closed_community": "tickets of the period closed at community level",
    "closed_street": "tickets of the period closed at street level",
    "closed_district": "tickets of the period closed at district level",
    "visits": "home and shop visits of the period",
    "checkin_days": "days of the period on which a team member checked in at least once, summed over members",
    "member_days": "team members (patrollers and leads) times the days of the period begun so far",
    "open_green": "tickets not yet finished, green now", "open_yellow": "tickets not yet finished, yellow now",
    "open_orange": "tickets not yet finished, orange now", "open_red": "tickets not yet finished, red (past due) now",
}


@dataclass(frozen=True)
class Measure:
    """One measure: a count (``numerator`` alone) or a ratio ``numerator / denominator``.

    ``numerator`` and ``denominator`` name base counts, summed. A ratio with a
    zero denominator has no value (None), never 0 or 100%. ``higher_is_better``
    tells screens which way an arrow is good news. ``of_field_records``: the
    measure counts reports, check-ins or visits, which belong to grids, so a
    department's figures have no value for it.
    """

    key: str
    zh: str
    en: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    doc_zh: str = ""
    doc_en: str = ""
    higher_is_better: bool = True
    of_field_records: bool = False

    @property
    def is_rate(self) -> bool:
        return bool(self.denominator)

    def parts(self, counts: Mapping[str, int]) -> tuple[int, int | None]:
        """(numerator, denominator) from ``counts`` (denominator None for a count)."""
        num = sum(int(counts.get(k) or 0) for k in self.numerator)
        if not self.denominator:
            return num, None
        return num, sum(int(counts.get(k) or 0) for k in self.denominator)

    def value(self, counts: Mapping[str, int]) -> float | int | None:
        """The measure's value on ``counts``: an int for a count, a fraction (0..) or None for a rate."""
        num, den = self.parts(counts)
        if den is None:
            return num
        return num / den if den else None

    def label(self, lang: str) -> str:
        return self.zh if is_chinese(lang) else self.en

    def doc(self, lang: str) -> str:
        return self.doc_zh if is_chinese(lang) else self.doc_en


def is_chinese(lang: str) -> bool:
    """Whether the UI language ``lang`` (zh-CN, en, …) is Chinese."""
    return (lang or "").lower().startswith("zh")


MEASURES: tuple[Measure, ...] = (
    Measure("found", "发现问题", "Problems found", ("found",),
            doc_zh="本期上报的问题数（按上报当地日期计，已删除的不计）。",
            doc_en="Reports filed in the period, by their local day; deleted reports are not counted.",
            of_field_records=True),
    Measure("opened", "立案", "Tickets opened", ("opened",),
            doc_zh="本期新建的交接单数。",
            doc_en="Handoff tickets created in the period."),
    Measure("closed", "结案", "Tickets closed", ("closed",),
            doc_zh="本期销号（状态为已结案，结案时间在本期内）的交接单数。",
            doc_en="Tickets closed (status closed) with their closing time in the period."),
    Measure("closed_on_time", "按期结案", "Closed on time", ("closed_on_time",),
            doc_zh="本期结案且结案时间不晚于处置时限的交接单数。",
            doc_en="Tickets closed in the period no later than their due time."),
    Measure("open_overdue", "超期未结案", "Open and overdue", ("open_overdue",),
            doc_zh="截至本期末（或此刻）已超过时限仍未结案的交接单数。",
            doc_en="Tickets past due at the period's end (or now) and not closed by then.",
            higher_is_better=False),
    Measure("closing_rate", "结案率", "Closing rate", ("closed",), ("opened",),
            doc_zh="结案数 ÷ 立案数。结清往期积案时可超过100%。",
            doc_en="Tickets closed ÷ tickets opened in the period; above 100% when older tickets are cleared."),
    Measure("on_time_rate", "按期结案率", "On-time closing rate", ("closed_on_time",), ("closed", "open_overdue"),
            doc_zh="按期结案数 ÷（结案数 + 超期未结案数）。超期不结的单子计入分母，拖着不结不会拉高比率。",
            doc_en="Closed on time ÷ (closed + open and overdue). Overdue tickets left open count against "
                   "the rate, so keeping late tickets open does not flatter it."),
    Measure("rework_rate", "返工率", "Rework rate", ("closed_reopened",), ("closed",),
            doc_zh="本期结案的交接单中曾被退回返工（复查未通过或重新打开）的比例。",
            doc_en="Share of the period's closed tickets that were reopened (failed verification or "
                   "reopened) at least once.",
            higher_is_better=False),
    Measure("first_time_rate", "一次完成率", "First-time fix rate", ("closed_first_time",), ("closed",),
            doc_zh="本期结案的交接单中从未返工的比例。",
            doc_en="Share of the period's closed tickets never reopened."),
    Measure("grid_solved_rate", "网格内解决率", "Solved within the grid",
            ("solved_on_site", "closed_grid"),
            ("solved_on_site", "closed_grid", "closed_community", "closed_street", "closed_district"),
            doc_zh="就地解决的问题与在网格层级结案的交接单，占本期全部解决数的比例（小事不出网格）。",
            doc_en="Problems solved on the spot plus tickets closed at grid level, as a share of all "
                   "solved in the period (small matters stay in the grid).",
            of_field_records=True),
    Measure("checkin_compliance", "打卡率", "Check-in compliance", ("checkin_days",), ("member_days",),
            doc_zh="网格成员实际打卡的人·天数 ÷ 应打卡人·天数（本期已开始的天数）。",
            doc_en="Member-days with at least one check-in ÷ members × days of the period begun so far.",
            of_field_records=True),
    Measure("visits", "入户走访", "Visits", ("visits",),
            doc_zh="本期入户、走访商铺的次数。",
            doc_en="Home and shop visits in the period.", of_field_records=True),
)

MEASURE_BY_KEY = {m.key: m for m in MEASURES}

# The ladder of where problems were solved (小事不出网格、大事不出社区、难事不出街道).
LEVELS: tuple[tuple[str, str, str, str], ...] = (
    ("on_site", "solved_on_site", "就地解决", "Solved on the spot"),
    ("grid", "closed_grid", "网格", "Grid"),
    ("community", "closed_community", "社区", "Community"),
    ("street", "closed_street", "街道", "Street"),
    ("district", "closed_district", "区级部门", "District"),
)

COLORS: tuple[tuple[str, str, str], ...] = (
    ("green", "正常", "Green"), ("yellow", "黄牌", "Yellow"), ("orange", "橙牌", "Orange"), ("red", "红牌", "Red"),
)

# The ranking's composite score: weights of measures (rates in 0..1), as data.
# Documented in the README ("Statistics and rankings"); change them here only.
RANKING_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("on_time_rate", 0.35),
    ("closing_rate", 0.20),
    ("first_time_rate", 0.20),
    ("checkin_compliance", 0.15),
    ("grid_solved_rate", 0.10),
)
# How many units at each end carry a flag, at most; never more than half the ranked units each.
FLAGGED = 3
FLAGS = {"horse": ("骏马", "Fast horse"), "snail": ("蜗牛", "Snail")}


def add_counts(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The sum of several units' base counts (a street from its grids)."""
    total = dict.fromkeys(BASE_COUNTS, 0)
    for counts in parts:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + int(value or 0)
    return total


def score(counts: Mapping[str, int]) -> tuple[float | None, dict[str, float]]:
    """The composite score (0..100) of a unit, and what each weighted measure added to it.

    A measure with no value (nothing to divide by) is left out and the other
    weights share its part, so a grid with no tickets is judged on the rest
    and not pulled to the bottom by an empty ratio. Rates above 1 (a closing
    rate clearing old tickets) count as 1. None when no weighted measure has
    a value.
    """
    values = {key: MEASURE_BY_KEY[key].value(counts) for key, _ in RANKING_WEIGHTS}
    present = [(key, weight) for key, weight in RANKING_WEIGHTS if values[key] is not None]
    total_weight = sum(weight for _, weight in present)
    if not total_weight:
        return None, {}
    contributions = {key: 100.0 * weight * min(float(values[key]), 1.0) / total_weight for key, weight in present}
    return sum(contributions.values()), contributions


def rank(units: list[dict]) -> list[dict]:
    """Units (``{"id", "counts", ...}``) ranked by score with 骏马 / 蜗牛 flags.

    Ties are broken by the on-time closing rate, then by id, so a ranking is
    the same every time it is asked. Units without a score come last, unranked
    and unflagged. The top ``FLAGGED`` carry the horse flag and the bottom
    ``FLAGGED`` the snail flag, but never more than half the ranked units
    each, so no unit carries both.
    """
    scored = []
    for unit in units:
        value, contributions = score(unit["counts"])
        on_time = MEASURE_BY_KEY["on_time_rate"].value(unit["counts"])
        scored.append({**unit, "score": value, "contributions": contributions, "_on_time": on_time})
    ranked = sorted((u for u in scored if u["score"] is not None),
                    key=lambda u: (-round(u["score"], 9), -(u["_on_time"] or 0.0), u["id"]))
    unranked = sorted((u for u in scored if u["score"] is None), key=lambda u: u["id"])
    flagged = min(FLAGGED, len(ranked) // 2)
    for position, unit in enumerate(ranked, start=1):
        unit["rank"] = position
        unit["flag"] = ("horse" if position <= flagged
                        else "snail" if position > len(ranked) - flagged else None)
    for unit in unranked:
        unit["rank"] = None
        unit["flag"] = None
    for unit in ranked + unranked:
        unit.pop("_on_time")
    return ranked + unranked
