"""Distances, geohashes and the spatial index behind duplicate detection."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.geo import (
    EARTH_RADIUS_M,
    SpatialIndex,
    _covering_ranges,
    _hash_from_indices,
    _indices_from_hash,
    cell_size_m,
    geohash_bounds,
    geohash_encode,
    geohash_neighbours,
    haversine_m,
    point_in_polygon,
    precision_for_radius,
)

HANGZHOU = (30.2741, 120.1551)


def test_haversine_of_one_hundredth_degree_of_latitude_is_about_1112_metres():
    assert haversine_m(30.27, 120.15, 30.28, 120.15) == pytest.approx(1111.95, abs=0.1)


def test_haversine_is_zero_for_the_same_point():
    assert haversine_m(*HANGZHOU, *HANGZHOU) == 0.0


def test_haversine_crosses_the_antimeridian_the_short_way():
    assert haversine_m(0.0, 179.999, 0.0, -179.999) == pytest.approx(222.4, abs=0.5)


def test_haversine_of_one_degree_of_longitude_at_60_north_is_about_half_that_at_the_equator():
    # 2R asin(cos 60 * sin 0.5 deg), with cos 60 = 1/2: about half of 111.2 km (the
    # great circle cuts half a metre off the parallel).
    assert haversine_m(60.0, 0.0, 60.0, 1.0) == pytest.approx(55_597.0, abs=0.1)
    assert haversine_m(60.0, 0.0, 61.0, 1.0) == haversine_m(61.0, 1.0, 60.0, 0.0)


@pytest.mark.parametrize(
    "here, antipode",
    [(HANGZHOU, (-30.2741, -59.8449)), ((45.0, 45.0), (-45.0, -135.0)), ((-87.5, 0.0), (87.5, 180.0))],
)
def test_haversine_of_antipodal_points_is_half_the_circumference(here, antipode):
    assert haversine_m(*here, *antipode) == pytest.approx(math.pi * EARTH_RADIUS_M, abs=1.0)


def test_geohash_matches_the_published_reference_value():
    assert geohash_encode(57.64911, 10.40744, 11) == "u4pruydqqvj"


def test_coarser_geohashes_are_prefixes_of_finer_ones():
    # Odd and even lengths interleave the bits differently; both must match.
    for precision in range(1, 12):
        assert geohash_encode(57.64911, 10.40744, precision) == "u4pruydqqvj"[:precision]


def test_geohash_defaults_to_seven_characters():
    assert geohash_encode(*HANGZHOU) == geohash_encode(*HANGZHOU, 7) == "wtmknpn"


def test_geohash_of_the_extreme_corners_and_the_antimeridian():
    # Every bit of a north-east corner is 1, of a south-west corner 0; at (0, 180)
    # the longitude bits are all 1 and the latitude bits 1000...
    assert geohash_encode(90.0, 180.0, 12) == "zzzzzzzzzzzz"
    assert geohash_encode(-90.0, -180.0, 12) == "000000000000"
    assert geohash_encode(90.0, 180.0, 1) == "z"
    assert geohash_encode(0.0, 180.0, 5) == "xbpbp"


def test_geohash_of_a_pole_lies_in_the_polar_row():
    assert geohash_bounds(geohash_encode(90.0, 10.0, 5))[2] == 90.0
    assert geohash_bounds(geohash_encode(-90.0, 10.0, 5))[0] == -90.0


def test_geohash_cell_contains_its_point():
    south, west, north, east = geohash_bounds(geohash_encode(*HANGZHOU, 7))
    assert south <= HANGZHOU[0] < north and west <= HANGZHOU[1] < east


def test_geohash_rejects_out_of_range_coordinates():
    with pytest.raises(ValueError):
        geohash_encode(91.0, 0.0)


@pytest.mark.parametrize("lat, lon", [(-90.000001, 0.0), (90.000001, 0.0), (0.0, -180.000001), (0.0, 180.000001)])
def test_geohash_rejects_coordinates_just_beyond_the_range(lat, lon):
    with pytest.raises(ValueError, match=r"^coordinates out of range: "):
        geohash_encode(lat, lon)


@pytest.mark.parametrize("precision", [0, 13])
def test_geohash_rejects_precisions_outside_one_to_twelve(precision):
    with pytest.raises(ValueError, match=r"^geohash precision must be between 1 and 12$"):
        geohash_encode(*HANGZHOU, precision)


def test_geohash_decoding_ignores_case():
    assert geohash_bounds("U4PRUYD") == geohash_bounds("u4pruyd")
    assert geohash_neighbours("WTMKNPN") == geohash_neighbours("wtmknpn")


def test_geohash_decoding_names_the_bad_character():
    # "a" is one of the letters (a, i, l, o) geohash's base 32 leaves out.
    with pytest.raises(ValueError, match=r"^not a geohash character: 'a'$"):
        geohash_bounds("u4pa")


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


def test_geohash_neighbours_wrap_westwards_around_the_antimeridian():
    cell = geohash_encode(0.0, -179.9999, 5)
    assert geohash_bounds(geohash_neighbours(cell)["w"])[3] == pytest.approx(180.0)
    assert geohash_bounds(geohash_neighbours(cell)["nw"])[3] == pytest.approx(180.0)


def test_geohash_cell_on_the_pole_has_no_neighbours_beyond_it():
    assert set(geohash_neighbours(geohash_encode(89.99, 0.0, 3))) == {"e", "se", "s", "sw", "w"}


def test_geohash_cell_on_the_south_pole_has_its_own_row_but_nothing_south():
    neighbours = geohash_neighbours(geohash_encode(-89.99, 0.0, 3))
    assert set(neighbours) == {"n", "ne", "e", "w", "nw"}
    assert geohash_bounds(neighbours["e"])[0] == geohash_bounds(neighbours["w"])[0] == -90.0


def test_precision_seven_cells_are_about_150_metres():
    assert cell_size_m(7)[0] == pytest.approx(152.7, abs=0.1)
    assert precision_for_radius(150) == 7


def test_cells_are_at_least_half_the_search_radius_tall():
    assert precision_for_radius(300) == 7
    assert precision_for_radius(400) == 6
    assert precision_for_radius(30) == 8


def test_cell_sizes_at_an_even_and_an_odd_precision():
    # Six characters: 15 bits each way, so cells are twice as wide as tall;
    # one character: 2 latitude and 3 longitude bits, 45 x 45 degrees.
    assert cell_size_m(6) == pytest.approx((610.8, 1221.6), abs=0.1)
    assert cell_size_m(1) == pytest.approx((5_003_778.6, 5_003_778.6), abs=0.1)


def test_precision_is_chosen_by_cell_height_not_width():
    # Precision-6 cells are 611 m tall (though 1222 m wide): too short for 2 km.
    assert precision_for_radius(2000) == 5


def test_a_radius_of_exactly_two_cell_heights_still_uses_those_cells():
    twice = 2 * cell_size_m(7)[0]
    assert precision_for_radius(twice) == 7
    assert precision_for_radius(twice + 0.01) == 6


def test_radii_beyond_the_finest_and_coarsest_cells_use_precision_twelve_and_one():
    assert precision_for_radius(0) == 12
    assert precision_for_radius(0.03) == 12
    assert precision_for_radius(2 * cell_size_m(1)[0]) == 1
    assert precision_for_radius(20_000_000) == 1


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


def test_index_knows_its_items_and_where_they_were_added():
    index = SpatialIndex()
    index.add("a", *HANGZHOU)
    index.add("b", 31.2304, 121.4737)
    assert "a" in index and "b" in index and "c" not in index
    assert sorted(index) == ["a", "b"]
    assert index.position("b") == (31.2304, 121.4737)
    assert index.position("c") is None


def test_index_keeps_the_other_items_of_a_cell_when_one_is_removed():
    index = SpatialIndex()
    index.add("a", *HANGZHOU)
    index.add("b", HANGZHOU[0] + 1e-6, HANGZHOU[1])  # same precision-7 cell
    index.remove("a")
    assert index.near(*HANGZHOU, 10) == ["b"]
    assert index.position("b") == (HANGZHOU[0] + 1e-6, HANGZHOU[1]) and "a" not in index


def test_index_with_a_negative_radius_finds_nothing():
    index = SpatialIndex()
    index.add("a", 60.0, 0.0)
    assert index.near(60.0, 0.0, -1.0) == []
    assert index.near(60.0, 0.0, -5_000_000.0) == []


def test_index_uses_the_precision_it_is_given():
    assert SpatialIndex(precision=5).precision == 5
    assert SpatialIndex(radius_m=2000).precision == 5
    assert SpatialIndex().precision == 7


@pytest.mark.parametrize("precision", [1, 12])
def test_index_accepts_the_coarsest_and_finest_precisions(precision):
    index = SpatialIndex(precision=precision)
    index.add("a", *HANGZHOU)
    assert index.near(*HANGZHOU, 1) == ["a"]


@pytest.mark.parametrize("precision", [0, 13])
def test_index_rejects_precisions_outside_one_to_twelve(precision):
    with pytest.raises(ValueError, match=r"^geohash precision must be between 1 and 12$"):
        SpatialIndex(precision=precision)


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


@pytest.mark.parametrize("direction", [-1, 1])
def test_index_finds_an_item_a_hair_across_a_row_edge_exactly_on_the_circle(direction):
    # The item sits 1e-10 degrees beyond the south (north) edge of the query's
    # cell, and the radius is exactly its distance: the exact check accepts it, so
    # the cover must reach into the neighbouring row.
    south, west, north, east = geohash_bounds(geohash_encode(*HANGZHOU, 7))
    lon = (west + east) / 2
    item = (south - 1e-10, lon) if direction < 0 else (north + 1e-10, lon)
    query = ((south + north) / 2, lon)
    radius = haversine_m(*query, *item)
    index, everything = _index_with_filler([item], radius_m=150)
    assert index.near(*query, radius) == _brute_force(everything, *query, radius) == [len(_FILLER)]


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_index_finds_items_on_the_far_side_of_a_pole_the_circle_reaches(pole):
    # The circle's edge runs exactly through the pole, so it takes in points of every
    # longitude there. Whether sin(radius) >= cos(latitude) holds for such a circle
    # is decided by rounding, differently from one latitude to the next.
    far_side = (pole, -170.0)
    index, everything = _index_with_filler([far_side, (pole, 10.0)], precision=1)
    for tenths in range(1, 900, 3):
        lat = math.copysign(tenths / 10, pole)
        radius = haversine_m(lat, 10.0, *far_side)
        found = sorted(index.near(lat, 10.0, radius))
        assert found == _brute_force(everything, lat, 10.0, radius)
        assert len(_FILLER) in found


def _cells_of_cover(lat, lon, radius, precision):
    rows, cols = _covering_ranges(lat, lon, radius, precision)
    assert len(set(cols)) == len(cols)
    return [_hash_from_indices(i, j, precision) for i in rows for j in cols]


@pytest.mark.parametrize("near", [HANGZHOU, (0.0005, 179.9999), (-0.0005, -179.9999)])
def test_cover_of_150_metres_from_a_cell_centre_is_the_cell_and_its_neighbours(near):
    # Precision-7 cells are 152.7 m tall and (below 35 degrees) over 125 m wide; from
    # the middle of one, 150 m reaches into the next cell each way but not beyond.
    # At the antimeridian the cover wraps around to the other side.
    cell = geohash_encode(*near, 7)
    south, west, north, east = geohash_bounds(cell)
    cover = _cells_of_cover((south + north) / 2, (west + east) / 2, 150, 7)
    assert len(cover) == 9
    assert set(cover) == {cell, *geohash_neighbours(cell).values()}


def test_cover_of_300_metres_spans_five_rows_and_five_columns_at_hangzhou():
    # The radius the docstring quotes for precision 7: 76 + 153 m < 300 m < 76 + 2 x 153 m
    # up and down; 66 + 132 m < 300 m < 66 + 2 x 132 m sideways at 30 degrees north.
    cell = geohash_encode(*HANGZHOU, 7)
    i, j = _indices_from_hash(cell)
    south, west, north, east = geohash_bounds(cell)
    rows, cols = _covering_ranges((south + north) / 2, (west + east) / 2, 300, 7)
    assert rows == range(i - 2, i + 3)
    assert cols == [j - 2, j - 1, j, j + 1, j + 2]


@pytest.mark.parametrize("inside", [True, False])
def test_cover_takes_the_next_rows_only_when_the_circle_crosses_into_them(inside):
    # From the middle of a cell, the circle stops 1e-7 degrees (1 cm) short of the
    # cell's south and north edges, or crosses them by as much.
    cell = geohash_encode(*HANGZHOU, 7)
    i = _indices_from_hash(cell)[0]
    south, west, north, east = geohash_bounds(cell)
    lat = (south + north) / 2
    reach = (lat - south) + (-1e-7 if inside else 1e-7)
    rows, _ = _covering_ranges(lat, (west + east) / 2, math.radians(reach) * EARTH_RADIUS_M, 7)
    assert rows == (range(i, i + 1) if inside else range(i - 1, i + 2))


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_cover_of_a_circle_over_a_pole_is_the_polar_rows_at_every_longitude(pole):
    # 150 m from a point 0.0005 degrees (56 m) from the pole: the two polar rows
    # of precision-7 cells (0.00137 degrees each), all the way round.
    rows, cols = _covering_ranges(math.copysign(89.9995, pole), 0.0, 150, 7)
    top = 2**17
    assert rows == (range(top - 2, top) if pole > 0 else range(0, 2))
    assert cols is None


@settings(max_examples=100, deadline=None)
@given(
    centre=_anywhere,
    precision=st.integers(2, 8),
    cells=st.floats(0, 20),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_cover_contains_the_cell_of_every_point_of_the_circle(centre, precision, cells, bearing, fraction):
    radius = cells * cell_size_m(precision)[0]
    point = _destination(*centre, bearing, radius * fraction)
    rows, cols = _covering_ranges(*centre, radius, precision)
    i, j = _indices_from_hash(geohash_encode(*point, precision))
    assert i in rows and (cols is None or j in cols)


# GeoJSON polygons list [lon, lat] pairs, the ring closed by repeating its first point.
def _polygon(*points):
    return {"type": "Polygon", "coordinates": [[*map(list, points), list(points[0])]]}


# A grid near Hangzhou, 0.01 degrees of longitude by 0.01 of latitude.
_SQUARE = _polygon((120.15, 30.27), (120.16, 30.27), (120.16, 30.28), (120.15, 30.28))


def test_point_in_polygon_inside_and_outside_a_grid():
    assert point_in_polygon(30.275, 120.155, _SQUARE) is True
    assert point_in_polygon(30.275, 120.165, _SQUARE) is False  # east: no edge crossed
    assert point_in_polygon(30.275, 120.145, _SQUARE) is False  # west: two edges crossed
    assert point_in_polygon(30.285, 120.155, _SQUARE) is False


def test_point_in_polygon_reads_geojson_coordinates_as_lon_lat():
    # 0.1 degrees of longitude wide, 0.002 of latitude tall: read the other way round,
    # the point would fall far outside.
    strip = _polygon((120.10, 30.274), (120.20, 30.274), (120.20, 30.276), (120.10, 30.276))
    assert point_in_polygon(30.275, 120.15, strip) is True
    assert point_in_polygon(30.275 + 0.05, 120.15, strip) is False


def test_point_in_polygon_follows_slanted_edges():
    # A triangle with its apex at the top; at 30.1 N its sides are at 120.05 and 120.15 E.
    triangle = _polygon((120.0, 30.0), (120.2, 30.0), (120.1, 30.2))
    assert point_in_polygon(30.1, 120.14, triangle) is True
    assert point_in_polygon(30.1, 120.06, triangle) is True
    assert point_in_polygon(30.1, 120.16, triangle) is False
    assert point_in_polygon(30.1, 120.04, triangle) is False


def test_point_in_polygon_on_a_concave_grid():
    # A U open to the north: the notch between the arms is outside.
    u_shape = _polygon(
        (120.0, 30.0), (120.3, 30.0), (120.3, 30.3), (120.2, 30.3),
        (120.2, 30.1), (120.1, 30.1), (120.1, 30.3), (120.0, 30.3),
    )
    assert point_in_polygon(30.2, 120.15, u_shape) is False
    assert point_in_polygon(30.2, 120.05, u_shape) is True
    assert point_in_polygon(30.2, 120.25, u_shape) is True
    assert point_in_polygon(30.05, 120.15, u_shape) is True
    assert point_in_polygon(30.2, 120.35, u_shape) is False


def test_point_in_polygon_at_the_latitude_of_a_vertex():
    # A diamond whose east and west corners lie on the point's latitude: the ray
    # meets the boundary at a corner and must count it once, not twice or never.
    diamond = _polygon((120.1, 30.0), (120.2, 30.1), (120.1, 30.2), (120.0, 30.1))
    assert point_in_polygon(30.1, 120.1, diamond) is True
    assert point_in_polygon(30.1, 119.9, diamond) is False
    assert point_in_polygon(30.1, 120.3, diamond) is False


def test_point_on_a_border_between_two_grids_belongs_to_exactly_one():
    # Like geohash cells, a grid holds its south and west edges, not its north and
    # east ones, so grids that tile a district share no point.
    west = _polygon((120.14, 30.27), (120.15, 30.27), (120.15, 30.28), (120.14, 30.28))
    south = _polygon((120.15, 30.26), (120.16, 30.26), (120.16, 30.27), (120.15, 30.27))
    assert point_in_polygon(30.275, 120.15, _SQUARE) is True
    assert point_in_polygon(30.275, 120.15, west) is False
    assert point_in_polygon(30.27, 120.155, _SQUARE) is True
    assert point_in_polygon(30.27, 120.155, south) is False


@pytest.mark.parametrize(
    "polygon",
    [None, {}, {"type": "Point", "coordinates": [120.155, 30.275]}, {"type": "MultiPolygon", "coordinates": []}],
)
def test_point_in_polygon_without_a_polygon_is_unknown(polygon):
    assert point_in_polygon(30.275, 120.155, polygon) is None


def test_a_circle_ending_a_hair_short_of_a_pole_still_finds_what_its_distance_accepts():
    # The longitude span of such a circle changes so fast near its edge that rounding in the
    # distance outgrew the cover's padding: this item, at exactly the radius, was missed.
    item = (89.99955387079494, 90.0)
    index, everything = _index_with_filler([item], precision=2)
    query = (38.495979812557216, 0.0003548149458361524)
    radius = haversine_m(*query, *item)
    assert len(_FILLER) in index.near(*query, radius)
    assert sorted(index.near(*query, radius)) == _brute_force(everything, *query, radius)
