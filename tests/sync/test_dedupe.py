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
from sync.geo import haversine_m

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


def _logistic(logit: float) -> float:
    """The score a sum of documented evidence gives, rounded as score_pair rounds it."""
    return round(1.0 / (1.0 + math.exp(-logit)), 4)


# Two people, 20 m apart, the same hour, the same words: prior -3, same category +1.5,
# within GPS noise +2.5, well inside the window +0.5, same text +3.
SAME_WORDS_NEARBY = -3.0 + 1.5 + 2.5 + 0.5 + 3.0


@pytest.mark.parametrize(
    "first, second, logit",
    [
        pytest.param({}, {}, SAME_WORDS_NEARBY, id="within-gps-noise"),
        pytest.param({}, _at(60), SAME_WORDS_NEARBY - 0.5, id="60m"),
        pytest.param({}, _at(80), SAME_WORDS_NEARBY - 1.5, id="80m-halfway-to-no-credit"),
        pytest.param({}, _at(100), SAME_WORDS_NEARBY - 2.5, id="100m-no-credit"),
        pytest.param({}, _at(200), SAME_WORDS_NEARBY - 2.5 - 4.0, id="200m"),
        pytest.param({}, _at(400), SAME_WORDS_NEARBY - 2.5 - 6.0, id="beyond-300m-held"),
        pytest.param({}, {"at_ms": T0 + 24 * HOUR}, SAME_WORDS_NEARBY, id="half-the-48h-window"),
        pytest.param({}, {"at_ms": T0 + 36 * HOUR}, SAME_WORDS_NEARBY - 0.75, id="36h"),
        pytest.param({}, {"at_ms": T0 + 48 * HOUR}, SAME_WORDS_NEARBY - 1.5, id="48h-window"),
        pytest.param({}, {"at_ms": T0 + 96 * HOUR}, SAME_WORDS_NEARBY - 2.5, id="twice-the-window"),
        pytest.param({}, {"at_ms": T0 + 9 * DAY}, SAME_WORDS_NEARBY - 2.5, id="beyond-twice-held"),
        pytest.param({}, {"reporter": "g1-1", "at_ms": T0 + 84 * HOUR}, SAME_WORDS_NEARBY, id="same-reporter-half-week"),
        pytest.param({}, {"reporter": "g1-1", "at_ms": T0 + 7 * DAY}, SAME_WORDS_NEARBY - 1.5, id="same-reporter-7-days"),
        pytest.param({}, {"description": "路灯不亮"}, SAME_WORDS_NEARBY - 5.0, id="nothing-in-common-said"),
        pytest.param({}, {"description": ""}, SAME_WORDS_NEARBY - 3.0, id="no-description"),
        pytest.param({}, {"description": "Broken manhole cover"}, SAME_WORDS_NEARBY - 3.0, id="other-language"),
        pytest.param({}, {"category": "sanitation"}, SAME_WORDS_NEARBY - 4.0, id="other-category"),
        pytest.param({"subcategory": "cover"}, {"subcategory": "cover"}, SAME_WORDS_NEARBY + 0.5, id="same-subcategory"),
        pytest.param({"subcategory": "cover"}, {"subcategory": "kerb"}, SAME_WORDS_NEARBY - 1.0, id="other-subcategory"),
        pytest.param({}, {"subcategory": "kerb"}, SAME_WORDS_NEARBY, id="one-subcategory-only"),
        pytest.param({"description": "3号楼下井盖破损"}, {"description": "3号楼下井盖破损"}, SAME_WORDS_NEARBY + 0.5,
                     id="same-building"),
        # The texts still count as the same words (similarity 0.86, past 0.75).
        pytest.param({"description": "3号楼下井盖破损"}, {"description": "5号楼下井盖破损"}, SAME_WORDS_NEARBY - 1.5,
                     id="other-building"),
        *(
            pytest.param({"photo_hashes": (MANHOLE_PHOTO,)}, {"photo_hashes": (_flip(MANHOLE_PHOTO, bits),)},
                         SAME_WORDS_NEARBY + evidence, id=f"photos-{bits}-bits-apart")
            for bits, evidence in ((0, 4.0), (6, 4.0), (10, 3.0), (15, 1.5), (20, 0.0), (25, -1.0), (30, -2.0), (40, -2.0))
        ),
    ],
)
def test_pair_score_is_the_documented_evidence_added_up(first, second, logit):
    a = report("a", **first)
    b = report("b", **{"reporter": "g1-2", **_at(20), **second})
    assert score_pair(a, b).score == _logistic(logit)


def test_a_pair_in_different_categories_gives_its_reasons_in_order():
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", reporter="g1-2", category="public_safety", at_ms=T0 + HOUR,
               photo_hashes=(_flip(MANHOLE_PHOTO, 2),), **_at(25))
    assert score_pair(a, b).reasons == (
        "different_category", "distance_m=25", "hours_apart=1", "text_similarity=1.00", "photo_distance=2",
    )


def test_subcategories_are_a_reason_only_when_both_reports_have_one():
    a = report("a", subcategory="cover")
    assert score_pair(a, report("b", subcategory="cover")).reasons[1] == "same_subcategory"
    assert score_pair(a, report("b", subcategory="kerb")).reasons[1] == "different_subcategory"
    assert not any("subcategory" in r for r in score_pair(a, report("b")).reasons)


def test_the_same_building_number_is_named_as_a_reason():
    pair = score_pair(report("a", description="3号楼下井盖破损"), report("b", description="3号楼下井盖坏了"))
    assert "same_address_number" in pair.reasons and "different_address_number" not in pair.reasons


def test_a_report_without_a_description_gives_no_text_reason():
    # A photo-only report: its missing words neither count for nor against the match.
    a = report("a", photo_hashes=(MANHOLE_PHOTO,))
    b = report("b", reporter="g1-2", description="", photo_hashes=(MANHOLE_PHOTO,), **_at(20))
    assert score_pair(a, b).reasons == ("same_category", "distance_m=20", "hours_apart=0", "photo_distance=0")


def test_time_apart_is_given_to_a_tenth_of_an_hour():
    pair = score_pair(report("a"), report("b", reporter="g1-2", at_ms=T0 + 45 * 60_000))
    assert "hours_apart=0.8" in pair.reasons


def test_the_smallest_and_largest_64_bit_hashes_count_and_a_longer_one_does_not():
    black = report("b", photo_hashes=("0000000000000000",))
    white = report("a", photo_hashes=("ffffffffffffffff",))
    assert "photo_distance=64" in score_pair(white, black).reasons
    too_long = report("a", photo_hashes=("10000000000000000",))  # 2**64: one bit more than a hash holds
    assert not any(r.startswith("photo_distance") for r in score_pair(too_long, black).reasons)


def test_a_phone_clock_in_the_future_is_taken_as_now_on_either_side():
    ahead = report("a", at_ms=T0 + 5 * DAY)
    assert "hours_apart=1" in score_pair(ahead, report("b", reporter="g1-2", at_ms=T0 - HOUR), now_ms=T0).reasons


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


def test_cluster_reasons_sum_up_the_group():
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", description="井盖破了，在楼下", at_ms=T0 + 30 * 60_000, **_at(12)),
        report("r3", reporter="g1-3", description="楼下窨井盖破损", at_ms=T0 + 45 * 60_000,
               photo_hashes=(_flip(MANHOLE_PHOTO, 3),), lat=None, lon=None),
    ]
    [cluster] = cluster_reports(reports)
    # Two located reports 12 m apart; 45 minutes from first to last; the mean of the
    # three text similarities (0.75, 0.79, 0.68); the closest photos.
    assert cluster.reasons == (
        "reports=3", "reporters=3", "same_category", "max_distance_m=12", "hours_apart=0.8",
        "text_similarity=0.74", "photo_distance=3",
    )
    pair_scores = [score_pair(a, b).score for k, a in enumerate(reports) for b in reports[k + 1:]]
    assert cluster.score == round(sum(pair_scores) / 3, 4) == 0.9366


def test_a_cluster_across_two_categories_counts_them():
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    other = report("r2", reporter="g1-2", category="public_safety", at_ms=T0 + HOUR,
                   photo_hashes=(_flip(MANHOLE_PHOTO, 2),), **_at(25))
    [cluster] = cluster_reports([first, other])
    assert cluster.reasons == (
        "reports=2", "reporters=2", "categories=2", "max_distance_m=25", "hours_apart=1",
        "text_similarity=1.00", "photo_distance=2",
    )


def test_clusters_with_equal_scores_are_ordered_by_their_first_id():
    reports = [
        report("b1", **_at(1000)),
        report("b2", reporter="g1-2", **_at(1010)),
        report("a1", **_at(2000)),
        report("c2", reporter="g1-2", **_at(2010)),
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [("a1", "c2"), ("b1", "b2")]


def test_a_phone_clock_in_the_future_does_not_keep_reports_out_of_a_cluster():
    reports = [report("r1"), report("r2", reporter="g1-2", at_ms=T0 + 5 * DAY)]
    assert cluster_reports(reports) == []
    assert [c.report_ids for c in cluster_reports(reports, now_ms=T0 + HOUR)] == [("r1", "r2")]


def test_duplicate_report_ids_are_rejected_with_a_message_saying_so():
    with pytest.raises(ValueError) as raised:
        cluster_reports([report("r1"), report("r1", reporter="g1-2")])
    assert str(raised.value) == "report ids must be unique"


# --- cluster_reports: boundaries of the threshold, the windows and the radii ----------


def test_a_report_scoring_exactly_the_threshold_with_a_pair_joins_it():
    pair = [report("r1"), report("r2", reporter="g1-2")]
    third = report("r3", reporter="g1-3", at_ms=T0 + HOUR, **_at(120))
    threshold = score_pair(pair[0], third).score
    assert score_pair(pair[1], third).score == threshold < score_pair(*pair).score
    [cluster] = cluster_reports([*pair, third], threshold=threshold)
    assert cluster.report_ids == ("r1", "r2", "r3")
    [cluster] = cluster_reports([*pair, third], threshold=threshold + 0.0001)
    assert cluster.report_ids == ("r1", "r2")


@pytest.mark.parametrize("reporter, window_h", [("g1-2", 48), ("g1-1", 7 * 24)])
def test_reports_exactly_the_window_apart_cluster_and_a_millisecond_more_do_not(reporter, window_h):
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    for apart_ms, clustered in ((window_h * HOUR, True), (window_h * HOUR + 1, False)):
        again = report("r2", reporter=reporter, at_ms=T0 + apart_ms, photo_hashes=(MANHOLE_PHOTO,))
        assert score_pair(first, again).score > 0.99
        assert bool(cluster_reports([first, again])) is clustered


def test_a_repeat_without_location_exactly_seven_days_later_is_found():
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    again = report("r2", at_ms=T0 + 7 * DAY, photo_hashes=(MANHOLE_PHOTO,), lat=None, lon=None)
    assert [c.report_ids for c in cluster_reports([first, again])] == [("r1", "r2")]


@pytest.mark.parametrize("beyond_ms, expected", [(0, ("r1", "r2", "r3")), (1, ("r1", "r2"))])
def test_reports_further_apart_than_seven_days_count_as_never_compared(beyond_ms, expected):
    # One patroller files the same problem three times, three and a half days apart.
    # Past seven days the first and the third were never compared: that pair counts 0,
    # and the third agrees with the first two on average only half as well.
    reports = [
        report(f"r{k + 1}", at_ms=T0 + k * 84 * HOUR + (beyond_ms if k == 2 else 0), photo_hashes=(MANHOLE_PHOTO,))
        for k in range(3)
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [expected]


def test_reports_without_location_at_both_ends_of_more_than_seven_days_are_never_compared():
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,), lat=None, lon=None),
        report("r2", at_ms=T0 + 4 * DAY, photo_hashes=(MANHOLE_PHOTO,)),
        report("r3", at_ms=T0 + 8 * DAY, photo_hashes=(MANHOLE_PHOTO,), lat=None, lon=None),
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [("r1", "r2")]


def test_a_report_without_location_does_not_stop_the_located_reports_from_clustering():
    reports = [
        report("a", description="路灯不亮", lat=None, lon=None),
        report("b1"),
        report("b2", reporter="g1-2", description="井盖坏了，在楼下", **_at(8)),
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [("b1", "b2")]


def test_a_different_category_exactly_at_the_cross_category_radius_is_compared():
    # A point the distance formula puts exactly 60 m from the base point.
    lat, lon = 30.27410000563933, 120.15572480027464
    assert haversine_m(BASE_LAT, BASE_LON, lat, lon) == dedupe.CROSS_CATEGORY_RADIUS_M
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    other = report("r2", reporter="g1-2", category="sanitation", photo_hashes=(MANHOLE_PHOTO,), lat=lat, lon=lon)
    assert [c.report_ids for c in cluster_reports([first, other])] == [("r1", "r2")]


def test_a_report_without_location_sharing_no_distinctive_words_or_photo_is_not_compared():
    first = report("r1", description="路灯不亮")
    unlocated = report("r2", reporter="g1-2", lat=None, lon=None)
    assert score_pair(first, unlocated).score > 0.01
    assert cluster_reports([first, unlocated], threshold=0.01) == []


def test_a_photo_only_report_without_location_joins_the_report_with_the_same_photo():
    first = report("r1", photo_hashes=(MANHOLE_PHOTO,))
    photo_only = report("r2", reporter="g1-2", description="", photo_hashes=(MANHOLE_PHOTO,), lat=None, lon=None)
    assert [c.report_ids for c in cluster_reports([first, photo_only])] == [("r1", "r2")]


@pytest.mark.parametrize("bits, clustered", [(20, True), (21, False)])
def test_photos_up_to_twenty_bits_apart_are_enough_to_compare_a_report_without_location(bits, clustered):
    # Scored, 20 bits apart is 0.27 and 21 bits 0.23: both pass a threshold of 0.2,
    # but only photos that still resemble get a report without location compared.
    first = report("r1", description="", photo_hashes=(MANHOLE_PHOTO,))
    other = report("r2", reporter="g1-2", description="", photo_hashes=(_flip(MANHOLE_PHOTO, bits),),
                   lat=None, lon=None)
    assert score_pair(first, other).score >= 0.2
    assert bool(cluster_reports([first, other], threshold=0.2)) is clustered


# --- cluster_reports: average linkage --------------------------------------------------


def test_three_in_a_row_cluster_when_each_end_agrees_with_half_the_others():
    # 70 m apart along a street: the ends agree only with the middle (one of two), which is enough.
    reports = [
        report(f"r{k}", reporter=f"g1-{k + 1}", description="路边井盖破损", **_at(70 * k)) for k in range(3)
    ]
    assert score_pair(reports[0], reports[2]).score < 0.5
    assert [c.report_ids for c in cluster_reports(reports)] == [("r0", "r1", "r2")]


def _three_reports_of_a_manhole() -> list[ReportFeatures]:
    return [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", **_at(5)),
        report("r3", reporter="g1-3", **_at(-5)),
    ]


def test_a_report_agreeing_with_one_member_of_three_stays_out_whatever_the_average():
    # A street-light report 40 m away with a photo of the manhole: it agrees with r1
    # (0.97) but not with r2 or r3 (0.34); the average (0.55) is above the threshold.
    stray = report("r4", reporter="g1-4", description="路灯不亮", photo_hashes=(MANHOLE_PHOTO,), **_at(0, 40))
    clusters = cluster_reports([*_three_reports_of_a_manhole(), stray])
    assert [c.report_ids for c in clusters] == [("r1", "r2", "r3")]
    # A report of the same street light, 132 m further on, still pairs with it.
    light = report("r5", reporter="g1-5", description="路灯不亮", **_at(0, 172))
    clusters = cluster_reports([*_three_reports_of_a_manhole(), stray, light])
    assert [c.report_ids for c in clusters] == [("r1", "r2", "r3"), ("r4", "r5")]


def test_a_report_agreeing_with_two_of_three_stays_out_when_the_average_is_low():
    # 110 m away, the photo of r1 and r2 but a street-light text: 0.60 with each of
    # them, 0.03 with r3, 0.41 on average.
    reports = [
        report("r1", photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", photo_hashes=(MANHOLE_PHOTO,), **_at(3)),
        report("r3", reporter="g1-3", **_at(-3)),
        report("r4", reporter="g1-4", description="路灯不亮", photo_hashes=(MANHOLE_PHOTO,), **_at(0, 110)),
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [("r1", "r2", "r3")]


def test_a_report_never_compared_with_one_of_a_pair_joins_only_on_the_average():
    # r3 repeats r1 after 167 h; r2, a colleague's report 2 h before r1, is 169 h
    # before r3 and so never compared with it: r3's average with the pair is just under 0.5.
    reports = [
        report("r1", at_ms=T0 + 2 * HOUR, photo_hashes=(MANHOLE_PHOTO,)),
        report("r2", reporter="g1-2", photo_hashes=(MANHOLE_PHOTO,)),
        report("r3", at_ms=T0 + 169 * HOUR, photo_hashes=(MANHOLE_PHOTO,)),
    ]
    assert score_pair(reports[0], reports[2]).score > 0.99
    assert [c.report_ids for c in cluster_reports(reports)] == [("r1", "r2")]


def test_a_report_never_compared_with_most_of_a_cluster_stays_out_at_a_low_threshold():
    # r2 repeats r1 exactly seven days later, and two colleagues report it an hour after
    # r2: r1 was never compared with theirs, so it agrees with one member of three.
    reports = [
        report("r1"),
        report("r2", at_ms=T0 + 7 * DAY),
        report("r3", reporter="g1-2", at_ms=T0 + 7 * DAY + HOUR),
        report("r4", reporter="g1-3", at_ms=T0 + 7 * DAY + HOUR),
    ]
    assert [c.report_ids for c in cluster_reports(reports, threshold=0.3)] == [("r2", "r3", "r4")]


def test_two_problems_each_reported_by_the_same_two_people_stay_two_clusters():
    # Two patrollers report a manhole together, and four days later another one 120 m
    # further on. Each patroller's own two reports agree (0.63, one reporter's window is
    # seven days), the others' do not (0.15): on average the two spots are two problems.
    reports = [
        report("a1"),
        report("a2", reporter="g1-2"),
        report("b1", at_ms=T0 + 100 * HOUR, **_at(120)),
        report("b2", reporter="g1-2", at_ms=T0 + 100 * HOUR, **_at(120)),
    ]
    assert [c.report_ids for c in cluster_reports(reports)] == [("a1", "a2"), ("b1", "b2")]


def test_a_report_split_from_a_cluster_still_pairs_with_another_report():
    # The huddle said r1 and r4 are different problems; r4 and r5 report the second one.
    reports = [
        report("r1"),
        report("r2", reporter="g1-2", **_at(5)),
        report("r3", reporter="g1-3", **_at(-5)),
        report("r4", reporter="g1-4", **_at(0, 20)),
        report("r5", reporter="g1-5", **_at(0, 150)),
    ]
    clusters = cluster_reports(reports, apart=[("r1", "r4")])
    assert [c.report_ids for c in clusters] == [("r1", "r2", "r3"), ("r4", "r5")]


def test_splitting_one_pair_leaves_the_other_clusters_alone():
    reports = [
        report("m1"),
        report("m2", reporter="g1-2", description="井盖坏了，在楼下", **_at(8)),
        report("s1", category="sanitation", description="垃圾堆放没人清理", **_at(500)),
        report("s2", reporter="g1-3", category="sanitation", description="垃圾堆放没人清理", **_at(505)),
    ]
    assert [c.report_ids for c in cluster_reports(reports, apart=[("m2", "m1")])] == [("s1", "s2")]


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


def test_open_problem_index_finds_a_same_category_ticket_beyond_the_cross_category_radius():
    index = OpenProblemIndex()
    index.add(report("t1", ticket_id="t1", photo_hashes=(MANHOLE_PHOTO,), **_at(100)))
    index.add(report("t2", ticket_id="t2", **_at(2000)))  # added later, elsewhere
    new = report("new", reporter="g1-2", photo_hashes=(MANHOLE_PHOTO,))
    assert [item_id for item_id, _ in index.match(new)] == ["t1"]


@pytest.mark.parametrize("new_at", [{}, {"lat": None, "lon": None}], ids=["located", "unlocated"])
def test_open_problem_index_matches_an_entry_without_location_by_its_text(new_at):
    index = OpenProblemIndex()
    index.add(report("t1", description="3号楼下井盖破损", lat=None, lon=None))
    new = report("new", reporter="g1-2", description="3号楼下井盖坏了", **new_at)
    assert [item_id for item_id, _ in index.match(new)] == ["t1"]


def test_a_report_already_in_the_index_is_not_its_own_duplicate():
    index = OpenProblemIndex()
    index.add(report("r1"))
    index.add(report("r2", reporter="g1-2", **_at(10)))
    assert [item_id for item_id, _ in index.match(report("r1"))] == ["r2"]


def test_open_problem_index_suggests_five_at_most_by_default():
    index = OpenProblemIndex()
    for k in range(7):
        index.add(report(f"o{k}", reporter=f"g1-{k + 2}", **_at(3 * k)))
    assert len(index.match(report("new"))) == 5


def test_open_problem_index_keeps_an_entry_scoring_exactly_the_minimum():
    index = OpenProblemIndex()
    ticket = report("t1", **_at(110))
    index.add(ticket)
    new = report("new", reporter="g1-2")
    minimum = score_pair(ticket, new).score
    assert [item_id for item_id, _ in index.match(new, min_score=minimum)] == ["t1"]
    assert index.match(new, min_score=minimum + 0.0001) == []


def test_open_problem_index_takes_a_phone_clock_in_the_future_as_now():
    index = OpenProblemIndex()
    index.add(report("t1", **_at(10)))
    new = report("new", reporter="g1-2", at_ms=T0 + 40 * DAY)
    [(_, pair)] = index.match(new, now_ms=T0 + HOUR)
    assert "hours_apart=1" in pair.reasons


def _unlocated(id: str, description: str, at_ms: int = T0, **overrides) -> ReportFeatures:
    return report(id, description=description, at_ms=at_ms, lat=None, lon=None, **overrides)


def test_a_report_without_location_is_compared_with_the_entries_sharing_most_of_its_text():
    index = OpenProblemIndex(max_unlocated_candidates=1)
    index.add(_unlocated("o1", "3号楼井盖松动", at_ms=T0 - HOUR))  # shares 3号楼 and 井盖
    index.add(_unlocated("o2", "3号楼下井盖破损", at_ms=T0 - 9 * DAY))  # shares all of it
    new = _unlocated("new", "3号楼下井盖破损", reporter="g1-2")
    assert [item_id for item_id, _ in index.match(new)] == ["o2"]


def test_among_entries_sharing_as_much_text_the_nearest_in_time_is_compared():
    index = OpenProblemIndex(max_unlocated_candidates=1)
    index.add(_unlocated("o1", "3号楼下井盖破损", at_ms=T0 - 9 * DAY))
    index.add(_unlocated("o2", "3号楼下井盖破损", at_ms=T0 - DAY))
    new = _unlocated("new", "3号楼下井盖破损", reporter="g1-2")
    assert [item_id for item_id, _ in index.match(new)] == ["o2"]


def test_among_entries_sharing_as_much_text_at_the_same_time_the_first_ids_are_compared():
    index = OpenProblemIndex(max_unlocated_candidates=3)
    for k in range(30):
        index.add(_unlocated(f"o{k:02d}", "3号楼下井盖破损", at_ms=T0 - DAY))
    new = _unlocated("new", "3号楼下井盖破损", reporter="g1-2")
    assert [item_id for item_id, _ in index.match(new)] == ["o00", "o01", "o02"]


def test_a_report_without_location_is_compared_with_200_entries_sharing_its_text_by_default():
    def filled(**options) -> OpenProblemIndex:
        index = OpenProblemIndex(**options)
        for k in range(200):
            index.add(report(f"o{k:03d}", reporter="g1-3", at_ms=T0 - k * 60_000))
        # The oldest has the new report's photo, but 200 others are nearer in time.
        index.add(report("old", reporter="g1-3", at_ms=T0 - 20 * DAY, photo_hashes=(MANHOLE_PHOTO,)))
        return index

    new = report("new", reporter="g1-2", photo_hashes=(MANHOLE_PHOTO,), lat=None, lon=None)
    assert "old" not in [item_id for item_id, _ in filled().match(new)]
    assert filled(max_unlocated_candidates=201).match(new)[0][0] == "old"


def test_a_ticket_entered_again_in_another_category_and_then_closed_is_gone():
    index = OpenProblemIndex()
    index.add(report("t1", category="sanitation", description="垃圾堆放没人清理"))
    index.add(report("t1", description="3号楼下井盖破损", **_at(5000)))  # re-categorised, moved
    index.remove("t1")
    assert index.match(report("new", category="sanitation", reporter="g1-2", description="垃圾堆放没人清理")) == []
    assert index.match(_unlocated("new", "垃圾堆放没人清理", category="sanitation", reporter="g1-2")) == []
    assert len(index) == 0


def test_closing_one_of_two_tickets_with_the_same_words_leaves_the_other_findable():
    index = OpenProblemIndex()
    index.add(_unlocated("t1", "3号楼下井盖破损"))
    index.add(_unlocated("t2", "3号楼下井盖破损", reporter="g1-3"))
    index.remove("t1")
    assert [item_id for item_id, _ in index.match(_unlocated("new", "3号楼下井盖破损", reporter="g1-2"))] == ["t2"]


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


def test_a_group_filed_by_one_reporter_says_so():
    reasons = group_reasons([report("a"), report("b", at_ms=T0 + 3 * DAY, **_at(10))])
    assert reasons[1] == "reporters=1" and reasons[-1] == "same_reporter"


def test_a_groups_reasons_take_a_phone_clock_in_the_future_as_now():
    reasons = group_reasons([report("a"), report("b", reporter="g1-2", at_ms=T0 + 5 * DAY)], now_ms=T0 + HOUR)
    assert "hours_apart=1" in reasons


@pytest.mark.parametrize("malformed", ["1", "0f0f0f0f", "0x0f0f0f0f0f0f0f", " 0f0f0f0f0f0f0f0f\n",
                                       "0f0f_0f0f_0f0f_0f0f", "0f0f0f0f0f0f0f0g", "０f0f0f0f0f0f0f0f"])
def test_a_photo_hash_that_is_not_16_hex_digits_is_ignored_not_compared(malformed):
    # A truncated or garbled hash compared as a whole one would count for or against a match.
    a = report("a", photo_hashes=("0f0f0f0f0f0f0f0f",))
    b = report("b", reporter="g1-2", photo_hashes=(malformed,), **_at(10))
    assert not any(r.startswith("photo_distance") for r in score_pair(a, b).reasons)
    assert score_pair(a, b).score == score_pair(a, report("b", reporter="g1-2", **_at(10))).score
