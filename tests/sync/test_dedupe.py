"""Duplicate scoring, clustering and the open-problem index."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sync.dedupe as dedupe
from sync.dedupe import (
    Cluster,
    OpenProblemIndex,
    PairScore,
    ReportFeatures,
    cluster_reports,
    group_reasons,
    score_pair,
)

BASE_LAT, BASE_LON = 30.2741, 120.1551
T0 = 1_767_225_600_000
HOUR = 3_600_000
DAY = 24 * HOUR
MANHOLE_PHOTO = "0f0f0f0f0f0f0f0f"


def _at(north_m: float = 0.0, east_m: float = 0.0) -> dict:
    return {
        "lat": BASE_LAT + north_m / 111_195,
        "lon": BASE_LON + east_m / (111_195 * math.cos(math.radians(BASE_LAT))),
    }


def report(id: str, **overrides) -> ReportFeatures:
    """A manhole report at the base point; override what the test is about."""
    fields = {
        "id": id,
        "category": "facilities_damage",
        "at_ms": T0,
        "description": "楼下井盖破损",
        "reporter": "g1-1",
        **_at(),
    }
    fields.update(overrides)
    return ReportFeatures(**fields)


def _flip(hex_hash: str, bits: int) -> str:
    return f"{int(hex_hash, 16) ^ ((1 << bits) - 1):016x}"


# --- score_pair ---------------------------------------------------------------


def test_same_problem_nearby_with_paraphrased_text_scores_high():
    a = report("a")
    b = report("b", reporter="g1-2", description="井盖破了，在楼下", at_ms=T0 + 2 * HOUR, **_at(15, 5))
    assert score_pair(a, b).score >= 0.8


def test_same_category_next_door_is_not_a_duplicate():
    a = report("a", description="3号楼下路灯不亮")
    b = report("b", reporter="g1-2", description="井盖松动", at_ms=T0 + HOUR, **_at(130))
    assert score_pair(a, b).score < 0.2


def test_same_place_different_problem_is_not_a_duplicate():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report(
        "b", reporter="g1-2", category="sanitation", description="垃圾桶满溢没人清理",
        photo_hashes=("a3c1e2f4b5d60718",), at_ms=T0 + HOUR, **_at(5),
    )
    assert score_pair(a, b).score < 0.05


def test_different_categories_without_photo_match_and_weak_text_score_low():
    a = report("a")
    b = report("b", reporter="g1-2", category="public_safety", description="楼道堆放杂物", **_at(10))
    assert score_pair(a, b).score < 0.1


def test_matching_photos_outweigh_a_wrong_category():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", reporter="g1-2", category="public_safety", photo_hashes=(_flip(MANHOLE_PHOTO, 3),), **_at(10))
    assert score_pair(a, b).score >= 0.5


def test_unrelated_photos_count_against_a_match():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", reporter="g1-2", photo_hashes=("f0f0f0f0f0f0f0f0",), **_at(10))
    without_photos = score_pair(report("a"), report("b", reporter="g1-2", **_at(10)))
    assert score_pair(a, b).score < without_photos.score


def test_photo_distance_is_the_closest_pair_of_photos():
    a = report("a", photo_hashes=("ffffffffffffffff", MANHOLE_PHOTO))
    b = report("b", photo_hashes=(_flip(MANHOLE_PHOTO, 4), "0000000000000000"))
    assert "photo_distance=4" in score_pair(a, b).reasons


def test_malformed_photo_hashes_are_ignored():
    a = report("a", photo_hashes=("not-a-hash", MANHOLE_PHOTO, "1" * 20))
    b = report("b", photo_hashes=(MANHOLE_PHOTO,))
    assert "photo_distance=0" in score_pair(a, b).reasons


def test_reasons_carry_category_distance_time_text_and_photo_values():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", at_ms=T0 + 3 * HOUR, photo_hashes=(_flip(MANHOLE_PHOTO, 2),), **_at(18))
    reasons = score_pair(a, b).reasons
    assert reasons[0] == "same_category"
    assert "distance_m=18" in reasons and "hours_apart=3" in reasons
    assert "text_similarity=1.00" in reasons and "photo_distance=2" in reasons
    assert "same_reporter" in reasons


def test_missing_location_is_said_and_scored_without_distance():
    pair = score_pair(report("a", lat=None, lon=None), report("b", reporter="g1-2"))
    assert "no_location" in pair.reasons and pair.score > 0.5


def test_chinese_and_english_text_is_not_held_against_a_match():
    a = report("a")
    b = report("b", reporter="g1-2", description="Broken manhole cover downstairs", **_at(10))
    pair = score_pair(a, b)
    assert "different_languages" in pair.reasons and pair.score >= 0.5


def test_different_building_numbers_count_against_a_match():
    a = report("a", description="3号楼下井盖破损", lat=None, lon=None)
    same = score_pair(a, report("b", reporter="g1-2", description="3号楼下井盖坏了"))
    other = score_pair(a, report("b", reporter="g1-2", description="5号楼下井盖坏了"))
    assert "different_address_number" in other.reasons and other.score < 0.5 <= same.score


def test_reports_in_the_same_ticket_score_one():
    pair = score_pair(report("a", ticket_id="t1"), report("b", ticket_id="t1", category="sanitation"))
    assert pair == PairScore(1.0, ("same_ticket",))


def test_a_phone_clock_in_the_future_does_not_push_reports_apart():
    a = report("a")
    b = report("b", reporter="g1-2", at_ms=T0 + 5 * DAY)
    assert "hours_apart=0" in score_pair(a, b, now_ms=T0).reasons


def test_score_pair_is_symmetric():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", reporter="g1-2", description="井盖坏了", at_ms=T0 + 7 * HOUR, **_at(40, 12))
    assert score_pair(a, b) == score_pair(b, a)


# --- cluster_reports ----------------------------------------------------------


def test_same_manhole_reported_by_three_people_forms_one_cluster():
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", description="井盖坏了，在楼下", at_ms=T0 + HOUR, **_at(12, -8)),
        report("r3", reporter="g1-3", description="楼下窨井盖破损", at_ms=T0 + 3 * HOUR,
               photo_hashes=(_flip(MANHOLE_PHOTO, 3),), **_at(-20, 10)),
    ]
    [cluster] = cluster_reports(reports)
    assert cluster.report_ids == ("r1", "r2", "r3")
    assert cluster.kind == "many_reporters"
    assert "reports=3" in cluster.reasons and "reporters=3" in cluster.reasons


def test_same_reporter_filing_again_days_later_is_found():
    first = report("r1", description="3号楼下路灯不亮")
    again = report("r2", description="3号楼下的路灯还是不亮", at_ms=T0 + 4 * DAY, **_at(10))
    [cluster] = cluster_reports([first, again])
    assert cluster.kind == "same_reporter" and "same_reporter" in cluster.reasons


def test_different_reporters_days_apart_are_not_linked():
    first = report("r1", description="3号楼下路灯不亮")
    later = report("r2", reporter="g1-2", description="3号楼下的路灯还是不亮", at_ms=T0 + 4 * DAY, **_at(10))
    assert cluster_reports([first, later]) == []


def test_same_reporter_window_is_configurable():
    first = report("r1", description="3号楼下路灯不亮")
    again = report("r2", description="3号楼下的路灯还是不亮", at_ms=T0 + 4 * DAY, **_at(10))
    assert cluster_reports([first, again], same_reporter_window_h=48) == []


def test_repeat_by_one_reporter_joins_the_cluster_of_others():
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", at_ms=T0 + HOUR, photo_hashes=(_flip(MANHOLE_PHOTO, 2),), **_at(10)),
        report("r3", at_ms=T0 + 3 * DAY, description="楼下井盖还是坏的",
               photo_hashes=(_flip(MANHOLE_PHOTO, 4),), **_at(-10)),
    ]
    [cluster] = cluster_reports(reports)
    assert cluster.report_ids == ("r1", "r2", "r3") and cluster.kind == "mixed"


def test_same_place_different_problems_form_separate_clusters():
    reports = [
        report("m1"),
        report("m2", reporter="g1-2", description="井盖坏了，在楼下", **_at(8)),
        report("s1", category="sanitation", description="垃圾堆放没人清理", **_at(3)),
        report("s2", reporter="g1-3", category="sanitation", description="楼下垃圾乱堆", **_at(-5)),
    ]
    assert sorted(c.report_ids for c in cluster_reports(reports)) == [("m1", "m2"), ("s1", "s2")]


def test_chain_of_lookalikes_along_a_street_is_not_one_cluster():
    # Same text every 70 m: neighbours look alike, the ends plainly do not.
    reports = [
        report(f"r{k}", reporter=f"g1-{k + 1}", description="路边井盖破损", **_at(70 * k)) for k in range(4)
    ]
    clusters = cluster_reports(reports)
    assert clusters and all(len(c.report_ids) <= 2 for c in clusters)


def test_reports_without_coordinates_are_compared_within_their_category():
    reports = [
        report("r1", description="3号楼下井盖破损"),
        report("r2", reporter="g1-2", description="3号楼下井盖坏了", lat=None, lon=None, at_ms=T0 + HOUR),
        report("r3", reporter="g1-3", category="sanitation", description="3号楼下井盖坏了", lat=None, lon=None),
    ]
    [cluster] = cluster_reports(reports)
    assert cluster.report_ids == ("r1", "r2")


def test_a_single_report_forms_no_cluster():
    assert cluster_reports([report("r1")]) == []


def test_clusters_are_sorted_by_score_then_first_id():
    reports = [
        report("b1", **_at(1000)),
        report("b2", reporter="g1-2", **_at(1010)),
        report("a1", **_at(2000)),
        report("a2", reporter="g1-2", **_at(2010)),
        report("c1", description="楼下井盖松动", **_at(3000)),
        report("c2", reporter="g1-2", description="井盖坏了", **_at(3040)),
    ]
    clusters = cluster_reports(reports)
    assert [c.report_ids for c in clusters] == [("a1", "a2"), ("b1", "b2"), ("c1", "c2")]
    assert clusters[0].score == clusters[1].score > clusters[2].score


def test_duplicate_report_ids_are_rejected():
    with pytest.raises(ValueError):
        cluster_reports([report("r1"), report("r1")])


def test_candidates_come_from_the_index_not_from_all_pairs(monkeypatch):
    rng = random.Random(3)
    reports = [
        report(f"r{k}", reporter=f"g1-{k % 6 + 1}", at_ms=T0 + rng.randrange(DAY), **_at(rng.uniform(0, 10_000), rng.uniform(0, 10_000)))
        for k in range(400)
    ]
    calls = []
    real_score = dedupe._score
    monkeypatch.setattr(dedupe, "_score", lambda *args: calls.append(1) or real_score(*args))
    cluster_reports(reports)
    assert len(calls) < 400 * 399 / 2 / 20


_jitter = st.tuples(st.floats(-150, 150), st.floats(-150, 150), st.integers(0, 60), st.integers(0, 5))


@settings(max_examples=40, deadline=None)
@given(
    jitters=st.lists(_jitter, min_size=2, max_size=12),
    unlocated=st.sets(st.integers(0, 11), max_size=3),
    seed=st.randoms(use_true_random=False),
)
def test_clusters_do_not_depend_on_input_order(jitters, unlocated, seed):
    texts = ("楼下井盖破损", "井盖坏了", "路灯不亮", "垃圾堆放")
    reports = [
        report(
            f"r{k}",
            reporter=f"g1-{reporter + 1}",
            description=texts[k % len(texts)],
            category="sanitation" if k % 4 == 3 else "facilities_damage",
            at_ms=T0 + hours * HOUR,
            **({"lat": None, "lon": None} if k in unlocated else _at(north, east)),
        )
        for k, (north, east, hours, reporter) in enumerate(jitters)
    ]
    shuffled = list(reports)
    seed.shuffle(shuffled)
    assert cluster_reports(shuffled) == cluster_reports(reports)


@settings(max_examples=40, deadline=None)
@given(jitters=st.lists(_jitter, min_size=2, max_size=12))
def test_clusters_are_disjoint_and_each_holds_at_least_two_sorted_ids(jitters):
    reports = [
        report(f"r{k}", reporter=f"g1-{r + 1}", at_ms=T0 + h * HOUR, **_at(n, e))
        for k, (n, e, h, r) in enumerate(jitters)
    ]
    clusters = cluster_reports(reports)
    seen = [i for c in clusters for i in c.report_ids]
    assert len(seen) == len(set(seen))
    assert all(len(c.report_ids) >= 2 and list(c.report_ids) == sorted(c.report_ids) for c in clusters)
    assert all(isinstance(c, Cluster) and 0.0 <= c.score <= 1.0 for c in clusters)


def test_a_report_split_out_of_a_cluster_is_not_linked_again():
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", description="井盖坏了，在楼下", at_ms=T0 + HOUR, **_at(12, -8)),
        report("r3", reporter="g1-3", description="楼下窨井盖破损", at_ms=T0 + 3 * HOUR,
               photo_hashes=(_flip(MANHOLE_PHOTO, 3),), **_at(-20, 10)),
    ]
    [cluster] = cluster_reports(reports, apart=[("r3", "r1"), ("r3", "r2")])
    assert cluster.report_ids == ("r1", "r2")


def test_splitting_one_of_two_leaves_no_cluster():
    pair = [report("r1"), report("r2", reporter="g1-2", description="井盖坏了，在楼下", **_at(8))]
    assert cluster_reports(pair) and cluster_reports(pair, apart=[("r2", "r1")]) == []


def test_kept_apart_ids_that_are_not_among_the_reports_are_ignored():
    pair = [report("r1"), report("r2", reporter="g1-2", description="井盖坏了，在楼下", **_at(8))]
    assert cluster_reports(pair, apart=[("r1", "gone"), ("r2", "r2")]) == cluster_reports(pair)


@settings(max_examples=40, deadline=None)
@given(
    jitters=st.lists(_jitter, min_size=3, max_size=12),
    picks=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=6),
)
def test_no_cluster_ever_holds_a_pair_kept_apart(jitters, picks):
    reports = [
        report(f"r{k}", reporter=f"g1-{r + 1}", at_ms=T0 + h * HOUR, **_at(n / 4, e / 4))
        for k, (n, e, h, r) in enumerate(jitters)
    ]
    apart = [(f"r{a % len(reports)}", f"r{b % len(reports)}") for a, b in picks]
    clusters = cluster_reports(reports, apart=apart)
    for a, b in apart:
        assert not any(a in c.report_ids and b in c.report_ids for c in clusters if a != b)
    seen = [i for c in clusters for i in c.report_ids]
    assert len(seen) == len(set(seen)) and all(len(c.report_ids) >= 2 for c in clusters)


# --- OpenProblemIndex -----------------------------------------------------------


def _open_index(n: int = 2000, seed: int = 5) -> OpenProblemIndex:
    rng = random.Random(seed)
    index = OpenProblemIndex()
    categories = ("sanitation", "public_safety", "traffic_parking", "facilities_damage")
    for k in range(n):
        index.add(report(
            f"o{k}", category=rng.choice(categories), description=rng.choice(("垃圾堆放", "机动车乱停放", "楼道堆放杂物")),
            at_ms=T0 - rng.randrange(20 * DAY), **_at(rng.uniform(-3000, 3000), rng.uniform(-3000, 3000)),
        ))
    return index


def test_open_problem_index_finds_the_open_ticket_for_a_new_report():
    index = _open_index()
    index.add(report("t1", ticket_id="t1", at_ms=T0 - 10 * DAY, photo_hashes=(MANHOLE_PHOTO,), **_at(20)))
    new = report("new", reporter="g1-4", description="井盖坏了，在楼下", photo_hashes=(_flip(MANHOLE_PHOTO, 5),))
    [(best_id, best), *_] = index.match(new)
    assert best_id == "t1" and best.score >= 0.9


def test_open_problem_index_forgets_removed_entries():
    index = OpenProblemIndex()
    index.add(report("t1", **_at(10)))
    index.remove("t1")
    index.remove("never-added")
    assert index.match(report("new", reporter="g1-2")) == [] and len(index) == 0


def test_open_problem_index_returns_at_most_limit_best_first():
    index = OpenProblemIndex()
    for k in range(8):
        index.add(report(f"o{k}", reporter=f"g1-{k % 6 + 1}", **_at(5 * k)))
    matches = index.match(report("new", reporter="g1-2"), limit=3)
    assert len(matches) == 3
    assert [m[1].score for m in matches] == sorted((m[1].score for m in matches), reverse=True)


def test_open_problem_index_matches_a_report_without_coordinates_by_category_and_text():
    index = _open_index(500)
    index.add(report("t1", description="3号楼下井盖破损", **_at(50)))
    new = report("new", reporter="g1-2", description="3号楼下井盖坏了", lat=None, lon=None)
    assert index.match(new)[0][0] == "t1"


def test_open_problem_index_matches_a_wrong_category_at_the_same_spot_by_photo():
    index = OpenProblemIndex()
    index.add(report("t1", category="public_safety", photo_hashes=(MANHOLE_PHOTO,), **_at(15)))
    new = report("new", reporter="g1-2", photo_hashes=(_flip(MANHOLE_PHOTO, 2),))
    assert [item_id for item_id, _ in index.match(new)] == ["t1"]


def test_open_problem_index_replaces_an_entry_added_again():
    index = OpenProblemIndex()
    index.add(report("t1"))
    index.add(report("t1", **_at(5000)))
    assert len(index) == 1 and "t1" in index
    assert index.match(report("new", reporter="g1-2")) == []


@pytest.mark.parametrize("metres", [80, 100, 150, 250])
def test_different_categories_beyond_the_cross_category_radius_never_cluster(metres):
    """Same text, same photo, other category, further apart than CROSS_CATEGORY_RADIUS_M: two problems."""
    assert metres > dedupe.CROSS_CATEGORY_RADIUS_M
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    other = report("r2", reporter="g1-2", category="sanitation", at_ms=T0 + HOUR,
                   photo_hashes=(MANHOLE_PHOTO,), **_at(metres))
    assert cluster_reports([first, other]) == []
    # The same pair in one category at that distance is one problem.
    same = report("r2", reporter="g1-2", at_ms=T0 + HOUR, photo_hashes=(MANHOLE_PHOTO,), **_at(metres))
    assert [c.report_ids for c in cluster_reports([first, same])] == [("r1", "r2")]


def test_different_categories_within_the_cross_category_radius_may_cluster_on_a_matching_photo():
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    other = report("r2", reporter="g1-2", category="sanitation", at_ms=T0 + HOUR,
                   photo_hashes=(MANHOLE_PHOTO,), **_at(dedupe.CROSS_CATEGORY_RADIUS_M - 20))
    assert [c.report_ids for c in cluster_reports([first, other])] == [("r1", "r2")]


# --- reasons of a group someone made (a ticket's reports) ---------------------


def test_a_tickets_reports_give_the_reasons_their_cluster_gave():
    reports = [
        report("a", reporter="g1-2", photo_hashes=(MANHOLE_PHOTO,)),
        report("b", reporter="g1-3", at_ms=T0 + 2 * HOUR, photo_hashes=(MANHOLE_PHOTO,), **_at(north_m=12)),
        report("c", reporter="g1-4", at_ms=T0 + 3 * HOUR, description="3幢楼下井盖坏了", **_at(east_m=8)),
    ]
    [cluster] = cluster_reports(reports)
    assert group_reasons(reports) == cluster.reasons
    assert group_reasons(list(reversed(reports))) == cluster.reasons


def test_a_group_far_apart_in_time_still_says_why_it_was_made():
    # Merged by hand though days apart: the reasons describe the group, however weak.
    reasons = group_reasons([report("a"), report("b", at_ms=T0 + 5 * DAY, reporter="g1-5")])
    assert reasons[:3] == ("reports=2", "reporters=2", "same_category")
    assert "hours_apart=120" in reasons


def test_one_report_or_none_was_merged_with_nothing_and_has_no_reasons():
    assert group_reasons([report("a", reporter="g1-2")]) == ()
    assert group_reasons([]) == ()


@settings(max_examples=40, deadline=None)
@given(st.permutations(range(4)), st.integers(min_value=0, max_value=3))
def test_group_reasons_do_not_depend_on_order(order, same_reporter):
    reports = [report(str(i), reporter=f"g1-{min(i, same_reporter) + 2}", at_ms=T0 + i * HOUR, **_at(north_m=5 * i))
               for i in range(4)]
    assert group_reasons([reports[i] for i in order]) == group_reasons(reports)
