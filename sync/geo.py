"""Distances, geohashes and a bucketed spatial index, in plain Python.

Duplicate detection only ever asks "what else was reported near here?", so the
index buckets points by geohash cell and answers a radius query by visiting the
cells that cover the circle's bounding box, then checking the exact great-circle
distance. The cells visited are computed from integer cell indices rather than
by walking neighbour strings, which keeps queries correct for any radius, near
cell edges, across the antimeridian and close to the poles.
"""

from __future__ import annotations

import math
from typing import Hashable, Iterator

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), the usual haversine choice

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
_BASE32_INDEX = {c: i for i, c in enumerate(_BASE32)}

# Neighbour order returned by geohash_neighbours: clockwise from north.
_NEIGHBOUR_STEPS = (
    ("n", 1, 0),
    ("ne", 1, 1),
    ("e", 0, 1),
    ("se", -1, 1),
    ("s", -1, 0),
    ("sw", -1, -1),
    ("w", 0, -1),
    ("nw", 1, -1),
)


def point_in_polygon(lat: float, lon: float, polygon: dict | None) -> bool | None:
    """Whether a WGS84 point lies inside a GeoJSON Polygon's outer ring (ray casting).

    None when there is no polygon to test against. Coordinates are GeoJSON's
    ``[lon, lat]``; a grid is small enough for the plane approximation.
    """
    if not polygon or polygon.get("type") != "Polygon":
        return None
    ring = polygon["coordinates"][0]
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (spherical Earth)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    # min() guards against h creeping above 1 by rounding for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def _bits(precision: int) -> tuple[int, int]:
    """(latitude bits, longitude bits) of a geohash of this many characters."""
    total = 5 * precision
    return total // 2, total - total // 2


def cell_size_m(precision: int) -> tuple[float, float]:
    """(height, width at the equator) in metres of a geohash cell."""
    lat_bits, lon_bits = _bits(precision)
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    return 180 / (1 << lat_bits) * metres_per_degree, 360 / (1 << lon_bits) * metres_per_degree


def precision_for_radius(radius_m: float) -> int:
    """The finest geohash precision whose cells are at least half ``radius_m`` tall.

    A query of that radius then visits at most five rows of cells (about 5 x 6 at
    mid latitudes): few enough cells to enumerate cheaply, small enough that
    the points checked lie mostly inside the circle. Precision 7 (153 m cells)
    serves radii from about 40 to 300 m.
    """
    for precision in range(12, 0, -1):
        if 2 * cell_size_m(precision)[0] >= radius_m:
            return precision
    return 1


def _cell_indices(lat: float, lon: float, precision: int) -> tuple[int, int]:
    lat_bits, lon_bits = _bits(precision)
    n_lat, n_lon = 1 << lat_bits, 1 << lon_bits
    i = min(n_lat - 1, max(0, int((lat + 90.0) / 180.0 * n_lat)))
    j = min(n_lon - 1, max(0, int((lon + 180.0) / 360.0 * n_lon)))
    return i, j


def _spread_bits(x: int) -> int:
    """Put the bits of a 32-bit integer on the even bit positions of a 64-bit one."""
    x = (x | (x << 16)) & 0x0000FFFF0000FFFF
    x = (x | (x << 8)) & 0x00FF00FF00FF00FF
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0F
    x = (x | (x << 2)) & 0x3333333333333333
    return (x | (x << 1)) & 0x5555555555555555


def _hash_from_indices(i: int, j: int, precision: int) -> str:
    """Interleave the longitude and latitude cell indices, longitude bit first."""
    total = 5 * precision
    if total % 2 == 0:
        value = (_spread_bits(j) << 1) | _spread_bits(i)
    else:  # one more longitude bit than latitude bits: longitude takes the even positions
        value = _spread_bits(j) | (_spread_bits(i) << 1)
    return "".join(_BASE32[(value >> shift) & 31] for shift in range(total - 5, -1, -5))


def _indices_from_hash(geohash: str) -> tuple[int, int]:
    value = 0
    for c in geohash.lower():
        try:
            value = (value << 5) | _BASE32_INDEX[c]
        except KeyError:
            raise ValueError(f"not a geohash character: {c!r}") from None
    total = 5 * len(geohash)
    i = j = 0
    for k in range(total):
        bit = (value >> (total - 1 - k)) & 1
        if k % 2 == 0:
            j = (j << 1) | bit
        else:
            i = (i << 1) | bit
    return i, j


def geohash_encode(lat: float, lon: float, precision: int = 7) -> str:
    """The geohash of a point, ``precision`` characters long (7 ≈ 150 m cells)."""
    if not 1 <= precision <= 12:
        raise ValueError("geohash precision must be between 1 and 12")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: {lat}, {lon}")
    return _hash_from_indices(*_cell_indices(lat, lon, precision), precision)


def geohash_bounds(geohash: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) edges in degrees of a geohash cell."""
    precision = len(geohash)
    i, j = _indices_from_hash(geohash)
    lat_bits, lon_bits = _bits(precision)
    dlat, dlon = 180.0 / (1 << lat_bits), 360.0 / (1 << lon_bits)
    south, west = -90.0 + i * dlat, -180.0 + j * dlon
    return south, west, south + dlat, west + dlon


def geohash_neighbours(geohash: str) -> dict[str, str]:
    """The cells around ``geohash`` keyed by direction (n, ne, e, se, s, sw, w, nw).

    Longitude wraps around the antimeridian; a cell on the polar edge has no
    neighbours beyond the pole, so those directions are left out.
    """
    precision = len(geohash)
    i, j = _indices_from_hash(geohash)
    lat_bits, lon_bits = _bits(precision)
    n_lat, n_lon = 1 << lat_bits, 1 << lon_bits
    out: dict[str, str] = {}
    for name, di, dj in _NEIGHBOUR_STEPS:
        ni = i + di
        if 0 <= ni < n_lat:
            out[name] = _hash_from_indices(ni, (j + dj) % n_lon, precision)
    return out


POLE_MARGIN = 1e-6  # degrees (about 0.1 m): see _covering_ranges


def _covering_ranges(
    lat: float, lon: float, radius_m: float, precision: int
) -> tuple[range, list[int] | None]:
    """Cell index ranges covering a circle: (latitude rows, longitude columns or None for all)."""
    lat_bits, lon_bits = _bits(precision)
    n_lon = 1 << lon_bits
    delta = radius_m / EARTH_RADIUS_M  # angular radius
    delta_deg = math.degrees(delta)
    pad = 1e-9  # degrees; absorbs rounding so the exact check, not the cover, decides
    south, north = lat - delta_deg - pad, lat + delta_deg + pad
    rows = range(_cell_indices(max(-90.0, south), lon, precision)[0],
                 _cell_indices(min(90.0, north), lon, precision)[0] + 1)
    cos_lat = math.cos(math.radians(lat))
    # A circle ending just short of a pole spans longitudes so fast-changing near its edge that
    # rounding in the distance outgrows `pad`: within POLE_MARGIN it counts as reaching the pole.
    if north >= 90.0 - POLE_MARGIN or south <= -90.0 + POLE_MARGIN or math.sin(delta) >= cos_lat:
        return rows, None  # the circle reaches a pole: every longitude is in play
    # Widest longitude extent of a spherical cap centred at `lat`.
    half_width = math.degrees(math.asin(math.sin(delta) / cos_lat)) + pad
    if half_width >= 180.0:
        return rows, None
    j_west = math.floor((lon - half_width + 180.0) / 360.0 * n_lon)
    j_east = math.floor((lon + half_width + 180.0) / 360.0 * n_lon)
    if j_east - j_west + 1 >= n_lon:
        return rows, None
    return rows, [j % n_lon for j in range(j_west, j_east + 1)]


class SpatialIndex:
    """Points bucketed by geohash cell, answering "which items lie within r metres?".

    The cell size is chosen from the typical search radius (``radius_m``) unless a
    ``precision`` is given; queries with any other radius remain exact, they only
    visit more or fewer cells.
    """

    def __init__(self, radius_m: float = 150.0, *, precision: int | None = None) -> None:
        self.precision = precision if precision is not None else precision_for_radius(radius_m)
        if not 1 <= self.precision <= 12:
            raise ValueError("geohash precision must be between 1 and 12")
        self._buckets: dict[str, dict[Hashable, tuple[float, float]]] = {}
        self._cells: dict[Hashable, str] = {}

    def __len__(self) -> int:
        return len(self._cells)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._cells

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._cells)

    def add(self, item_id: Hashable, lat: float, lon: float) -> None:
        """Insert or move an item."""
        cell = geohash_encode(lat, lon, self.precision)
        if item_id in self._cells:
            self.remove(item_id)
        self._cells[item_id] = cell
        self._buckets.setdefault(cell, {})[item_id] = (lat, lon)

    def remove(self, item_id: Hashable) -> None:
        """Drop an item; unknown ids are ignored."""
        cell = self._cells.pop(item_id, None)
        if cell is None:
            return
        bucket = self._buckets[cell]
        del bucket[item_id]
        if not bucket:
            del self._buckets[cell]

    def position(self, item_id: Hashable) -> tuple[float, float] | None:
        """The (lat, lon) an item was added at, or None."""
        cell = self._cells.get(item_id)
        return None if cell is None else self._buckets[cell][item_id]

    def near(self, lat: float, lon: float, radius_m: float) -> list[Hashable]:
        """Ids of the items within ``radius_m`` metres of the point (boundary included)."""
        return [item_id for item_id, _ in self.near_with_distance(lat, lon, radius_m)]

    def near_with_distance(
        self, lat: float, lon: float, radius_m: float
    ) -> list[tuple[Hashable, float]]:
        """(id, metres) of the items within ``radius_m`` of the point, in no set order."""
        if radius_m < 0 or not self._cells:
            return []
        out = []
        for bucket in self._candidate_buckets(lat, lon, radius_m):
            for item_id, (ilat, ilon) in bucket.items():
                d = haversine_m(lat, lon, ilat, ilon)
                if d <= radius_m:
                    out.append((item_id, d))
        return out

    def _candidate_buckets(self, lat: float, lon: float, radius_m: float):
        rows, cols = _covering_ranges(lat, lon, radius_m, self.precision)
        if cols is None or len(rows) * len(cols) > len(self._buckets):
            # A huge circle (or one over a pole): scanning the occupied cells is cheaper
            # than enumerating the cover, and trivially complete.
            return list(self._buckets.values())
        buckets = []
        for i in rows:
            for j in cols:
                bucket = self._buckets.get(_hash_from_indices(i, j, self.precision))
                if bucket:
                    buckets.append(bucket)
        return buckets
