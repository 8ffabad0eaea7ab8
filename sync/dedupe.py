"""Suggested duplicates: which reports describe the same problem.

At the evening huddle the team lead should find the broken manhole that three
people reported (多人一诉) and the patroller who filed the same complaint again
three days later (一人多诉) already grouped, each group saying why. This module
scores pairs of reports and groups them; it reads plain ``ReportFeatures`` built
by the server and never touches a database or a clock (pass ``now_ms``).

Scoring is a hand-set logistic model: each piece of evidence adds to or takes
from a log-odds sum, and the score is its sigmoid. The evidence tables below are
data, tuned against ``bench/dedupe_eval.py``:

* category — same or different (a wrong category happens, so different is a
  strong penalty rather than a veto); same or different subcategory;
* distance — full credit within GPS noise (30 m), none at 100 m, strongly
  against from 150 m: the same kind of problem next door is a different problem;
* time apart — relative to the reporting window (48 h between different
  reporters, 7 days for one reporter filing again);
* text — character n-gram similarity (``sync.textsim``), not held against a
  pair when one description is Chinese and the other English; building and
  street numbers named in both ("3号楼" vs "5号楼") agree or disagree;
* photos — the smallest perceptual-hash Hamming distance between the two
  reports' photos; up to 10 bits of 64 is strong evidence of the same scene,
  clearly unrelated photos count against.

Clustering links pairs that score at least the threshold, then splits each
linked group by average linkage so that look-alikes along a street do not chain
into one cluster. ``OpenProblemIndex`` answers the same question for one new
report against every open problem of a district.
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Literal, Sequence

from sync.geo import SpatialIndex, haversine_m
from sync.textsim import TextProfile, address_agreement, profile_similarity, text_profile

DEFAULT_THRESHOLD = 0.5
# Scores at or above this are worth showing as "maybe the same as open ticket …".
SUGGEST_THRESHOLD = 0.3
OTHER_REPORTER_WINDOW_H = 48.0
SAME_REPORTER_WINDOW_H = 7 * 24.0
SEARCH_RADIUS_M = 300.0
# Reports in different categories are only compared when this close: a wrong
# category is plausible for the same spot, not for something down the street.
CROSS_CATEGORY_RADIUS_M = 60.0

_PRIOR = -3.0
_SAME_CATEGORY, _DIFFERENT_CATEGORY = 1.5, -2.5
_SAME_SUBCATEGORY, _DIFFERENT_SUBCATEGORY = 0.5, -1.0
# Building / street numbers named in both descriptions ("3号楼" vs "5号楼").
_SAME_ADDRESS, _DIFFERENT_ADDRESS = 0.5, -1.5
# (x, log-odds) knots, interpolated linearly and held flat beyond the ends.
_DISTANCE_M = ((0.0, 2.5), (30.0, 2.5), (60.0, 2.0), (100.0, 0.0), (150.0, -3.0), (300.0, -6.0))
_TEXT_SIMILARITY = ((0.0, -2.0), (0.3, 0.0), (0.5, 1.4), (0.75, 3.0))
_PHOTO_BITS = ((0.0, 4.0), (6.0, 4.0), (10.0, 3.0), (20.0, 0.0), (30.0, -2.0))
_PHOTO_RESEMBLES_BITS = 20  # closer than this, photos still count in favour
# Time apart as a fraction of the applicable window.
_TIME_FRACTION = ((0.0, 0.5), (0.5, 0.5), (1.0, -1.0), (2.0, -2.0))

ClusterKind = Literal["many_reporters", "same_reporter", "mixed"]


@dataclass(frozen=True)
class ReportFeatures:
    """What duplicate detection knows of a report (or of an open ticket).

    ``status`` is carried for the caller and not scored; two entries with the
    same ``ticket_id`` are already merged and score 1.
    """

    id: str
    category: str
    lat: float | None
    lon: float | None
    at_ms: int  # when it was reported, epoch milliseconds
    description: str
    reporter: str
    photo_hashes: tuple[str, ...] = ()  # 64-bit perceptual hashes, 16 hex characters; others ignored
    subcategory: str | None = None
    status: str = "open"
    ticket_id: str | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class PairScore:
    """How likely two reports are the same problem, and the evidence for it."""

    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    """A suggested group of duplicate reports."""

    report_ids: tuple[str, ...]
    score: float
    reasons: tuple[str, ...]
    kind: ClusterKind


@dataclass(frozen=True)
class _Prepared:
    """A report with the parts scoring needs computed once."""

    report: ReportFeatures
    at_ms: int
    profile: TextProfile
    photos: tuple[int, ...]


def _prepare(report: ReportFeatures, now_ms: int | None) -> _Prepared:
    # A phone whose clock runs ahead must not make its report look days apart.
    at_ms = report.at_ms if now_ms is None else min(report.at_ms, now_ms)
    return _Prepared(
        report=report,
        at_ms=at_ms,
        profile=text_profile(report.description),
        photos=tuple(_parse_hashes(report.photo_hashes)),
    )


_PHASH = re.compile(r"[0-9a-fA-F]{16}")


def _parse_hashes(hashes: Iterable[str]) -> Iterator[int]:
    # A malformed hash (a client bug, a photo still uploading) is ignored rather than
    # allowed to fail the whole huddle.
    # Exactly 16 hex digits: int() alone also reads "0x…", "_" separators, spaces and a
    # truncated hash, which would then be compared as if it were a whole one.
    for text in hashes:
        if isinstance(text, str) and _PHASH.fullmatch(text):
            yield int(text, 16)


def _interpolate(knots: Sequence[tuple[float, float]], x: float) -> float:
    if x <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in zip(knots, knots[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return knots[-1][1]


def _fmt(value: float) -> str:
    return f"{round(value, 1):g}"


def _window_h(a: _Prepared, b: _Prepared, window_h: float, same_reporter_window_h: float) -> float:
    return same_reporter_window_h if a.report.reporter == b.report.reporter else window_h


def _score(
    a: _Prepared, b: _Prepared, window_h: float, same_reporter_window_h: float
) -> PairScore:
    if a.report.id > b.report.id:
        a, b = b, a  # the same float arithmetic whichever way round it is asked
    ra, rb = a.report, b.report
    if ra.ticket_id is not None and ra.ticket_id == rb.ticket_id:
        return PairScore(1.0, ("same_ticket",))
    logit = _PRIOR
    reasons: list[str] = []
    if ra.category == rb.category:
        logit += _SAME_CATEGORY
        reasons.append("same_category")
    else:
        logit += _DIFFERENT_CATEGORY
        reasons.append("different_category")
    if ra.subcategory and rb.subcategory:
        same_sub = ra.subcategory == rb.subcategory
        logit += _SAME_SUBCATEGORY if same_sub else _DIFFERENT_SUBCATEGORY
        reasons.append("same_subcategory" if same_sub else "different_subcategory")
    if ra.located and rb.located:
        metres = haversine_m(ra.lat, ra.lon, rb.lat, rb.lon)  # type: ignore[arg-type]
        logit += _interpolate(_DISTANCE_M, metres)
        reasons.append(f"distance_m={round(metres)}")
    else:
        reasons.append("no_location")
    hours = abs(a.at_ms - b.at_ms) / 3_600_000
    logit += _interpolate(_TIME_FRACTION, hours / _window_h(a, b, window_h, same_reporter_window_h))
    reasons.append(f"hours_apart={_fmt(hours)}")
    if a.profile and b.profile and {a.profile.script, b.profile.script} == {"han", "latin"}:
        # A Chinese and an English description share no n-grams whatever they say.
        reasons.append("different_languages")
    elif a.profile and b.profile:
        similarity = profile_similarity(a.profile, b.profile)
        logit += _interpolate(_TEXT_SIMILARITY, similarity)
        reasons.append(f"text_similarity={similarity:.2f}")
    agreement = address_agreement(a.profile.addresses, b.profile.addresses)
    if agreement is not None:
        logit += _SAME_ADDRESS if agreement > 0 else _DIFFERENT_ADDRESS
        reasons.append("same_address_number" if agreement > 0 else "different_address_number")
    if a.photos and b.photos:
        bits = min((x ^ y).bit_count() for x in a.photos for y in b.photos)
        logit += _interpolate(_PHOTO_BITS, bits)
        reasons.append(f"photo_distance={bits}")
    if ra.reporter == rb.reporter:
        reasons.append("same_reporter")
    return PairScore(round(1.0 / (1.0 + math.exp(-logit)), 4), tuple(reasons))


def score_pair(
    a: ReportFeatures,
    b: ReportFeatures,
    *,
    now_ms: int | None = None,
    window_h: float = OTHER_REPORTER_WINDOW_H,
    same_reporter_window_h: float = SAME_REPORTER_WINDOW_H,
) -> PairScore:
    """Score in [0, 1] that ``a`` and ``b`` report the same problem, with reasons.

    Reasons are short codes, some with values: ``same_category``,
    ``different_category``, ``same_subcategory``, ``different_subcategory``,
    ``distance_m=18`` or ``no_location``, ``hours_apart=3``,
    ``text_similarity=0.62``, ``photo_distance=4``, ``same_reporter``,
    ``same_ticket``. Report times after ``now_ms`` are taken as ``now_ms``.
    Symmetric: ``score_pair(a, b) == score_pair(b, a)``.
    """
    return _score(_prepare(a, now_ms), _prepare(b, now_ms), window_h, same_reporter_window_h)


def _worth_comparing_unlocated(a: _Prepared, b: _Prepared) -> bool:
    """Without a distance only the content can link two reports: do they share any?"""
    if not a.profile.content.isdisjoint(b.profile.content):
        return True
    return any((x ^ y).bit_count() <= _PHOTO_RESEMBLES_BITS for x in a.photos for y in b.photos)


def _candidate_pairs(
    items: Sequence[_Prepared], radius_m: float, widest_h: float
) -> set[tuple[int, int]]:
    """Index pairs (i < j) worth scoring: near in space (or unlocated) and in time.

    Located reports meet through a spatial index; a different category is only
    compared at the same spot. A report without coordinates is compared with
    the reports of its category inside the time window that share some
    distinctive text or a resembling photo with it.
    """
    widest_ms = widest_h * 3_600_000
    pairs: set[tuple[int, int]] = set()
    index = SpatialIndex(radius_m)
    for i, item in enumerate(items):
        if item.report.located:
            index.add(i, item.report.lat, item.report.lon)
    for i, item in enumerate(items):
        if not item.report.located:
            continue
        for j, metres in index.near_with_distance(item.report.lat, item.report.lon, radius_m):
            if j <= i or abs(item.at_ms - items[j].at_ms) > widest_ms:
                continue
            if item.report.category == items[j].report.category or metres <= CROSS_CATEGORY_RADIUS_M:
                pairs.add((i, j))

    timelines: dict[str, list[tuple[int, int]]] = {}
    for i, item in enumerate(items):
        timelines.setdefault(item.report.category, []).append((item.at_ms, i))
    for timeline in timelines.values():
        timeline.sort()
    for i, item in enumerate(items):
        if item.report.located:
            continue
        timeline = timelines[item.report.category]
        lo = bisect.bisect_left(timeline, (item.at_ms - widest_ms, -1))
        hi = bisect.bisect_right(timeline, (item.at_ms + widest_ms, len(items)))
        for _, j in timeline[lo:hi]:
            if j != i and _worth_comparing_unlocated(item, items[j]):
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find) with two or more members."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _well_connected(group: list[int], score_of, threshold: float) -> bool:
    """Does every member score at least ``threshold`` with half the others or more?"""
    if len(group) < 3:
        return True
    for m in group:
        agreeing = sum(1 for o in group if o != m and score_of(m, o) >= threshold)
        if 2 * agreeing < len(group) - 1:
            return False
    return True


def _average_linkage(
    members: list[int],
    neighbours: dict[int, dict[int, float]],
    threshold: float,
    apart: frozenset[frozenset[int]] = frozenset(),
) -> list[list[int]]:
    """Split a component into groups whose average pairwise score stays >= threshold.

    Plain union-find over edges would chain A~B~C~D into one group even when A
    and D are plainly different problems; average linkage merges the closest
    groups first and only while the mean score across them is high enough, and
    a merge is refused when some member would agree with fewer than half of the
    others. Pairs never scored (too far apart in space or time) count as 0.
    Two groups holding a pair in ``apart`` (index pairs) never merge.
    """
    position = {m: k for k, m in enumerate(members)}
    groups = {k: [m] for k, m in enumerate(members)}
    version = dict.fromkeys(groups, 0)
    between: dict[int, dict[int, float]] = {k: {} for k in groups}  # symmetric sums
    heap: list[tuple[float, int, int, int, int]] = []
    for a, i in enumerate(members):
        for j, score in neighbours.get(i, {}).items():
            b = position.get(j)
            if b is not None and a < b:
                between[a][b] = between[b][a] = score
                heapq.heappush(heap, (-score, a, b, 0, 0))

    def score_of(i: int, j: int) -> float:
        return neighbours.get(i, {}).get(j, 0.0)

    while heap:
        negative, a, b, va, vb = heapq.heappop(heap)
        if a not in groups or b not in groups or version[a] != va or version[b] != vb:
            continue  # a stale entry: one side has merged since
        if -negative < threshold:
            break
        if not _well_connected(groups[a] + groups[b], score_of, threshold):
            continue  # stays apart unless one side changes (then it is pushed again)
        if apart and any(frozenset((i, j)) in apart for i in groups[a] for j in groups[b]):
            continue  # someone decided these are different problems
        groups[a].extend(groups.pop(b))
        version[a] += 1
        merged = between[a]
        merged.pop(b, None)
        for c, total in between.pop(b).items():
            if c != a:
                merged[c] = merged.get(c, 0.0) + total
        for c, total in merged.items():
            between[c].pop(b, None)
            between[c][a] = total
            mean = total / (len(groups[a]) * len(groups[c]))
            lo, hi = min(a, c), max(a, c)
            heapq.heappush(heap, (-mean, lo, hi, version[lo], version[hi]))
    return [sorted(g) for g in groups.values() if len(g) > 1]


def _kind(reports: Sequence[ReportFeatures]) -> ClusterKind:
    reporters = {r.reporter for r in reports}
    if len(reporters) == 1:
        return "same_reporter"
    return "many_reporters" if len(reporters) == len(reports) else "mixed"


def _cluster_reasons(
    group: Sequence[_Prepared], pair_scores: Sequence[PairScore], kind: ClusterKind
) -> tuple[str, ...]:
    reports = [p.report for p in group]
    reasons = [f"reports={len(reports)}", f"reporters={len({r.reporter for r in reports})}"]
    categories = {r.category for r in reports}
    reasons.append("same_category" if len(categories) == 1 else f"categories={len(categories)}")
    located = [r for r in reports if r.located]
    if len(located) > 1:
        widest = max(
            haversine_m(a.lat, a.lon, b.lat, b.lon)  # type: ignore[arg-type]
            for k, a in enumerate(located)
            for b in located[k + 1 :]
        )
        reasons.append(f"max_distance_m={round(widest)}")
    times = [p.at_ms for p in group]
    reasons.append(f"hours_apart={_fmt((max(times) - min(times)) / 3_600_000)}")

    def values(code: str) -> list[float]:
        prefix = code + "="
        return [float(r[len(prefix) :]) for s in pair_scores for r in s.reasons if r.startswith(prefix)]

    if text := values("text_similarity"):
        reasons.append(f"text_similarity={sum(text) / len(text):.2f}")
    if photo := values("photo_distance"):
        reasons.append(f"photo_distance={int(min(photo))}")
    if kind == "same_reporter":
        reasons.append("same_reporter")
    return tuple(reasons)


def group_reasons(reports: Sequence[ReportFeatures], *, now_ms: int | None = None) -> tuple[str, ...]:
    """Why these reports are one problem, in the codes a cluster gives (``reports=3``,
    ``same_category``, ``max_distance_m=18``, ``text_similarity=0.62`` …).

    For a group someone already made (a ticket's reports, merged at the huddle):
    every pair is scored, whatever its distance or time apart, so the reasons
    describe the group as it is. Empty for fewer than two reports: one report
    was merged with nothing.
    """
    items = [_prepare(r, now_ms) for r in sorted(reports, key=lambda r: r.id)]
    if len(items) < 2:
        return ()
    pairs = [
        _score(a, b, OTHER_REPORTER_WINDOW_H, SAME_REPORTER_WINDOW_H)
        for k, a in enumerate(items)
        for b in items[k + 1 :]
    ]
    return _cluster_reasons(items, pairs, _kind([p.report for p in items]))


def cluster_reports(
    reports: Iterable[ReportFeatures],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    now_ms: int | None = None,
    window_h: float = OTHER_REPORTER_WINDOW_H,
    same_reporter_window_h: float = SAME_REPORTER_WINDOW_H,
    radius_m: float = SEARCH_RADIUS_M,
    apart: Iterable[tuple[str, str]] = (),
) -> list[Cluster]:
    """Group reports that look like the same problem (only groups of two or more).

    Candidate pairs come from a spatial index and category buckets, never from
    all pairs: located reports within ``radius_m`` (different categories only at
    the same spot); a report without coordinates against the reports of its
    category that share distinctive text or a resembling photo. Two reports by
    different people are linked within ``window_h`` hours of each other, by the
    same person within ``same_reporter_window_h`` (一人多诉).
    Pairs scoring at least ``threshold`` are joined, and each connected group is
    then split by average linkage so that a chain of look-alikes does not become
    one cluster. ``apart`` holds pairs of report ids a person has said are
    different problems (the huddle's split): such a pair is never linked nor
    put in one cluster, whatever it scores; ids not among ``reports`` are
    ignored. The result does not depend on input order: ids sorted within a
    cluster, clusters by score (highest first) then first id.
    """
    items = sorted((_prepare(r, now_ms) for r in reports), key=lambda p: p.report.id)
    ids = [p.report.id for p in items]
    if len(set(ids)) != len(ids):
        raise ValueError("report ids must be unique")
    position = {rid: k for k, rid in enumerate(ids)}
    kept_apart = frozenset(
        frozenset((position[a], position[b]))
        for a, b in apart
        if a in position and b in position and a != b
    )
    scores: dict[tuple[int, int], PairScore] = {}

    def pair_score(i: int, j: int) -> PairScore:
        key = (i, j) if i < j else (j, i)
        if key not in scores:
            scores[key] = _score(items[key[0]], items[key[1]], window_h, same_reporter_window_h)
        return scores[key]

    # Candidates span the widest window so that, say, a colleague's report of a
    # problem its first reporter files again days later still counts in the
    # linkage; only pairs inside their own window become links.
    candidates = _candidate_pairs(items, radius_m, max(window_h, same_reporter_window_h))
    edges = []
    for i, j in sorted(candidates):
        limit_ms = _window_h(items[i], items[j], window_h, same_reporter_window_h) * 3_600_000
        if frozenset((i, j)) in kept_apart:
            continue
        if pair_score(i, j).score >= threshold and abs(items[i].at_ms - items[j].at_ms) <= limit_ms:
            edges.append((i, j))
    neighbours: dict[int, dict[int, float]] = {}
    for (i, j), pair in scores.items():
        score = 0.0 if frozenset((i, j)) in kept_apart else pair.score
        neighbours.setdefault(i, {})[j] = neighbours.setdefault(j, {})[i] = score
    clusters = []
    for component in _components(len(items), edges):
        for group in _average_linkage(component, neighbours, threshold, kept_apart):
            pairs = [pair_score(i, j) for k, i in enumerate(group) for j in group[k + 1 :]]
            members = [items[i] for i in group]
            kind = _kind([m.report for m in members])
            clusters.append(
                Cluster(
                    report_ids=tuple(ids[i] for i in group),
                    score=round(sum(s.score for s in pairs) / len(pairs), 4),
                    reasons=_cluster_reasons(members, pairs, kind),
                    kind=kind,
                )
            )
    clusters.sort(key=lambda c: (-c.score, c.report_ids[0]))
    return clusters


class OpenProblemIndex:
    """Still-open reports and tickets, searchable for "is this new report one of these?".

    Entries are ``ReportFeatures``; a ticket is entered with its own id, its
    ``ticket_id`` set, and the place, category and text of its problem. Located
    entries live in one spatial index per category (searched to ``radius_m``)
    and one across categories (searched to ``CROSS_CATEGORY_RADIUS_M``).
    Where one side has no coordinates only category, time and content can
    tell, so every entry is also posted under the distinctive n-grams and
    address numbers of its text, per category: such a report is compared with
    the ``max_unlocated_candidates`` entries sharing most of them. An open
    problem persists until it is closed, so the windows default to 30 days.
    """

    def __init__(
        self,
        *,
        radius_m: float = SEARCH_RADIUS_M,
        window_h: float = 30 * 24.0,
        same_reporter_window_h: float = 30 * 24.0,
        max_unlocated_candidates: int = 200,
    ) -> None:
        self.radius_m = radius_m
        self.window_h = window_h
        self.same_reporter_window_h = same_reporter_window_h
        self.max_unlocated_candidates = max_unlocated_candidates
        self._items: dict[str, _Prepared] = {}
        self._by_category: dict[str, SpatialIndex] = {}
        self._anywhere = SpatialIndex(CROSS_CATEGORY_RADIUS_M)
        # (category, located, text feature) -> ids: the comparisons without a location.
        self._postings: dict[tuple[str, bool, str], set[str]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def add(self, item: ReportFeatures) -> None:
        """Insert an open report or ticket, replacing an entry with the same id."""
        self.remove(item.id)
        prepared = _prepare(item, None)
        self._items[item.id] = prepared
        if item.located:
            category_index = self._by_category.get(item.category)
            if category_index is None:
                category_index = self._by_category[item.category] = SpatialIndex(self.radius_m)
            category_index.add(item.id, item.lat, item.lon)
            self._anywhere.add(item.id, item.lat, item.lon)
        for feature in prepared.profile.content:
            self._postings.setdefault((item.category, item.located, feature), set()).add(item.id)

    def remove(self, item_id: str) -> None:
        """Drop an entry (closed, merged, deleted); unknown ids are ignored."""
        prepared = self._items.pop(item_id, None)
        if prepared is None:
            return
        item = prepared.report
        if item.located:
            self._by_category[item.category].remove(item_id)
            self._anywhere.remove(item_id)
        for feature in prepared.profile.content:
            key = (item.category, item.located, feature)
            self._postings[key].discard(item_id)
            if not self._postings[key]:
                del self._postings[key]

    def _sharing_text(self, new: _Prepared, located: bool) -> list[str]:
        """Entries of the category sharing the most distinctive text with ``new``."""
        shared: dict[str, int] = {}
        category = new.report.category
        for feature in new.profile.content:
            for item_id in self._postings.get((category, located, feature), ()):
                shared[item_id] = shared.get(item_id, 0) + 1
        items = self._items
        best = heapq.nsmallest(
            self.max_unlocated_candidates,
            shared.items(),
            key=lambda e: (-e[1], abs(items[e[0]].at_ms - new.at_ms), e[0]),
        )
        return [item_id for item_id, _ in best]

    def _candidates(self, new: _Prepared) -> set[str]:
        report = new.report
        found: set[str] = set()
        if report.located:
            category_index = self._by_category.get(report.category)
            if category_index is not None:
                found.update(category_index.near(report.lat, report.lon, self.radius_m))
            found.update(self._anywhere.near(report.lat, report.lon, CROSS_CATEGORY_RADIUS_M))
        else:
            found.update(self._sharing_text(new, located=True))
        found.update(self._sharing_text(new, located=False))
        found.discard(report.id)
        return found

    def match(
        self,
        report: ReportFeatures,
        *,
        limit: int = 5,
        min_score: float = SUGGEST_THRESHOLD,
        now_ms: int | None = None,
    ) -> list[tuple[str, PairScore]]:
        """The open entries most likely to be the same problem as ``report``.

        At most ``limit`` of them, each scoring at least ``min_score``, best first
        (ties by id).
        """
        new = _prepare(report, now_ms)
        scored = []
        for item_id in self._candidates(new):
            pair = _score(new, self._items[item_id], self.window_h, self.same_reporter_window_h)
            if pair.score >= min_score:
                scored.append((-pair.score, item_id, pair))
        return [(item_id, pair) for _, item_id, pair in heapq.nsmallest(limit, scored)]
