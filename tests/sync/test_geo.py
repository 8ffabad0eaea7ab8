"""Distances, geohashes and the spatial index behind duplicate detection."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.geo import (
    SpatialIndex,
    cell_size_m,
    geohash_bounds,
    geohash_encode,
    geohash_neighbours,
    haversine_m,
    precision_for_radius,
)

HANGZHOU = (30.2741, 120.1551)


def test_haversine_of_one_hundredth_degree_of_latitude_is_about_1112_metres():
    assert haversine_m(30.27, 120.15, 30.28, 120.15) == pytest.approx(1111.95, abs=0.1)


def test_haversine_is_zero_for_the_same_point():
    assert haversine_m(*HANGZHOU, *HANGZHOU) == 0.0


def test_haversine_crosses_the_antimeridian_the_short_way():
    assert haversine_m(0.0, 179.999, 0.0, -179.999) == pytest.approx(222.4, abs=0.5)


def test_geohash_matches_the_published_reference_value():
    assert geohash_encode(57.64911, 10.40744, 11) == "u4pruydqqvj"


def test_geohash_cell_contains_its_point():
    south, west, north, east = geohash_bounds(geohash_encode(*HANGZHOU, 7))
    assert south <= HANGZHOU[0] < north and west <= HANGZHOU[1] < east


def test_geohash_rejects_out_of_range_coordinates():
    with pytest.raises(ValueError):
        geohash_encode(91.0, 0.0)


def test_geohash_has_eight_neighbours_touching_its_cell():
    cell = geohash_encode(*HANGZHOU, 7)
    south, west, north, east = geohash_bounds(cell)
    neighbours = geohash_neighbours(cell)
    assert list(neighbours) == ["n", "ne", "e", "se", "s", "sw", "w", "nw"]
    assert geohash_bounds(neighbours["n"])[0] == pytest.approx(north)
    assert geohash_bounds(neighbours["e"])[1] == pytest.approx(east)
    assert geohash_bounds(neighbours["sw"])[2:] == pytest.approx((south, west))


def test_geohash_neighbours_wrap_around_the_antimeridian():
    cell = geohash_encode(0.0, 179.9999, 5)
    assert geohash_bounds(geohash_neighbours(cell)["e"])[1] == pytest.approx(-180.0)


def test_geohash_cell_on_the_pole_has_no_neighbours_beyond_it():
    assert set(geohash_neighbours(geohash_encode(89.99, 0.0, 3))) == {"e", "se", "s", "sw", "w"}


def test_precision_seven_cells_are_about_150_metres():
    assert cell_size_m(7)[0] == pytest.approx(152.7, abs=0.1)
    assert precision_for_radius(150) == 7


def test_cells_are_at_least_half_the_search_radius_tall():
    assert precision_for_radius(300) == 7
    assert precision_for_radius(400) == 6
    assert precision_for_radius(30) == 8


def test_index_finds_only_items_within_the_radius():
    index = SpatialIndex(radius_m=100)
    index.add("here", *HANGZHOU)
    index.add("50m_north", HANGZHOU[0] + 50 / 111_195, HANGZHOU[1])
    index.add("500m_north", HANGZHOU[0] + 500 / 111_195, HANGZHOU[1])
    assert sorted(index.near(*HANGZHOU, 100)) == ["50m_north", "here"]


def test_index_forgets_removed_items():
    index = SpatialIndex()
    index.add("a", *HANGZHOU)
    index.remove("a")
    index.remove("never-added")
    assert index.near(*HANGZHOU, 10) == [] and len(index) == 0


def test_index_moves_an_item_added_again():
    index = SpatialIndex()
    index.add("a", *HANGZHOU)
    index.add("a", HANGZHOU[0] + 0.1, HANGZHOU[1])
    assert index.near(*HANGZHOU, 1000) == [] and len(index) == 1


def _offset(lat, lon, north_m, east_m):
    return (
        lat + north_m / 111_195,
        lon + east_m / (111_195 * max(0.01, math.cos(math.radians(lat)))),
    )


# Far-flung points in many cells, so that queries enumerate their covering cells
# instead of falling back to scanning every occupied cell of a sparse index.
_FILLER = [(lat + 0.37, lon + 0.53) for lat in range(-85, 86, 10) for lon in range(-180, 179, 10)]


def _index_with_filler(points, **kwargs):
    index = SpatialIndex(**kwargs)
    everything = _FILLER + list(points)
    for n, (lat, lon) in enumerate(everything):
        index.add(n, lat, lon)
    return index, everything


def _brute_force(points, lat, lon, radius):
    return [n for n, (plat, plon) in enumerate(points) if haversine_m(lat, lon, plat, plon) <= radius]


# Points land on, just inside and just outside the edges of precision-7 cells:
# the base point is snapped to a cell corner before the offsets are applied.
_corner_points = st.builds(
    lambda base, offsets: [
        _offset(*geohash_bounds(geohash_encode(*base, 7))[:2], dn, de) for dn, de in offsets
    ],
    st.tuples(st.floats(-60, 60), st.floats(-179, 179)),
    st.lists(st.tuples(st.floats(-400, 400), st.floats(-400, 400)), min_size=1, max_size=40),
)


@settings(max_examples=80, deadline=None)
@given(points=_corner_points, query=st.integers(0, 39), radius=st.floats(0, 600))
def test_index_near_equals_brute_force_around_cell_corners(points, query, radius):
    index, everything = _index_with_filler(points, radius_m=150)
    qlat, qlon = points[query % len(points)]
    assert sorted(index.near(qlat, qlon, radius)) == _brute_force(everything, qlat, qlon, radius)


_anywhere = st.tuples(st.floats(-90, 90), st.floats(-180, 180))


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(_anywhere, min_size=1, max_size=30),
    query=_anywhere,
    radius=st.floats(0, 3_000_000),
    precision=st.integers(2, 8),
)
def test_index_near_equals_brute_force_anywhere_on_earth(points, query, radius, precision):
    index, everything = _index_with_filler(points, precision=precision)
    assert sorted(index.near(*query, radius)) == _brute_force(everything, *query, radius)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180, 180),
    spread=st.lists(st.tuples(st.floats(-0.02, 0.02), st.floats(-0.05, 0.05)), min_size=1, max_size=30),
    radius=st.floats(0, 2_000),
)
def test_index_near_equals_brute_force_near_poles_and_antimeridian(lat, lon, spread, radius):
    points = []
    for dlat, dlon in spread:
        plat = max(-90.0, min(90.0, lat + dlat))
        plon = (lon + dlon + 180.0) % 360.0 - 180.0
        points.append((plat, plon))
    index, everything = _index_with_filler(points, radius_m=150)
    assert sorted(index.near(lat, lon, radius)) == _brute_force(everything, lat, lon, radius)


def _destination(lat, lon, bearing_deg, distance_m):
    delta = distance_m / 6_371_008.8
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    )
    return math.degrees(phi2), (math.degrees(lam2) + 540.0) % 360.0 - 180.0


@settings(max_examples=150, deadline=None)
@given(
    base=st.tuples(st.floats(-70, 70), st.floats(-179, 179)),
    corner_side=st.tuples(st.sampled_from([-1e-9, 1e-9]), st.sampled_from([-1e-9, 1e-9])),
    bearing=st.sampled_from([0, 90, 180, 270]),
    jitter=st.floats(-0.5, 0.5),
    radius=st.floats(1, 800),
    precision=st.integers(6, 8),
)
def test_index_finds_an_item_on_the_circle_edge_just_across_a_cell_corner(
    base, corner_side, bearing, jitter, radius, precision
):
    south, west, _, _ = geohash_bounds(geohash_encode(*base, precision))
    item = (south + corner_side[0], west + corner_side[1])
    query = _destination(*item, bearing + jitter, radius * (1 - 1e-7))
    index, everything = _index_with_filler([item], precision=precision)
    assert sorted(index.near(*query, radius)) == _brute_force(everything, *query, radius)
