"""A grid's day set up through the API, as the team's phones would push it: for the huddle's
screenshots (a realistic day) and its timing bench (200 reports in 40 clusters)."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from server.seed import GRID_CENTRES

PASSWORD = "gridwalk-demo"
ZONE = ZoneInfo("Asia/Shanghai")


class Phone:
    """One member's phone talking to the API: log-in, photo upload, push."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        self.device_id = f"day-{username}-{uuid.uuid4().hex[:8]}"
        body = requests.post(f"{base}/api/auth/login", json={"username": username, "password": PASSWORD,
                                                             "device_id": self.device_id}, timeout=30).json()
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        self._tick = 0

    def hlc(self, wall_ms: int | None = None) -> str:
        self._tick += 1
        return f"{wall_ms or int(time.time() * 1000):015d}:{self._tick % 100000:05d}:{self.device_id}"

    def me(self) -> dict:
        return requests.get(f"{self.base}/api/me", headers=self.headers, timeout=30).json()

    def photo(self, jpeg: bytes) -> str:
        sha = hashlib.sha256(jpeg).hexdigest()
        response = requests.put(f"{self.base}/api/photos/{sha}", data=jpeg, timeout=60,
                                headers={**self.headers, "Content-Type": "image/jpeg"})
        assert response.status_code in (200, 201), response.text
        return sha

    def push(self, *mutations: dict) -> list[dict]:
        answer = requests.post(f"{self.base}/api/sync/push", json={"device_id": self.device_id,
                                                                   "mutations": list(mutations)},
                               headers=self.headers, timeout=120).json()
        bad = [r for r in answer["results"] if r["status"] not in ("applied", "conflict")]
        assert not bad, bad
        return answer["results"]

    def create(self, entity: str, data: dict, entity_id: str | None = None) -> dict:
        return {"id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id or str(uuid.uuid4()),
                "op": "create", "hlc": self.hlc(), "base_version": None, "data": data}

    def update(self, entity: str, entity_id: str, base_version: int, data: dict) -> dict:
        return {"id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id, "op": "update",
                "hlc": self.hlc(), "base_version": base_version, "data": data}


def jpeg(seed: int, size: tuple[int, int] = (800, 600)) -> bytes:
    """A photo-like JPEG (the photo tests' generator), different for each seed."""
    from tests.photos.conftest import encode, photographic

    return encode(photographic(*size, seed=seed), "JPEG", quality=80)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """A point some metres north and east of another."""
    return lat + north_m / 111_195, lon + east_m / (111_195 * math.cos(math.radians(lat)))


def today_at(hour: float) -> str:
    """An ISO time today (district time), clamped to now so no phone files from the future."""
    day = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    return min(day + timedelta(hours=hour), datetime.now(ZONE)).isoformat(timespec="seconds")


def report(phone: Phone, grid: int, north_m: float, east_m: float, hour: float, **data) -> dict:
    lat, lon = offset(*GRID_CENTRES[grid - 1], north_m, east_m)
    return phone.create("report", {"grid_id": grid, "lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": 8,
                                   "severity": 1, "device_time": today_at(hour), **data})


TEXTS = {
    "zh": {
        "bins": ("3幢楼下垃圾桶满溢，垃圾散落一地", "3号楼垃圾桶满了，溢出来了", "Rubbish bins overflowing at block 3"),
        "manhole": ("7幢门口井盖松动，踩上去有响声", "7幢井盖松动"),
        "stall": "沿街商铺占道经营，影响通行",
        "stall_edits": ("沿街商铺占道经营，摊位堵住盲道", "沿街两家商铺占道经营"),
        "clutter": "2单元楼道堆放杂物，已清理",
        "lamp": "12幢东侧路灯不亮",
        "place": ("3幢", "7幢", "沿街商铺1号", "2单元", "12幢"),
        "visit": ("3幢2单元501", "沿街商铺2号"),
    },
    "en": {
        "bins": ("Rubbish bins overflowing by block 3", "Bins at block 3 are full and spilling over", "3幢楼下垃圾桶满溢"),
        "manhole": ("Loose manhole cover at the door of block 7, it rattles", "Manhole cover loose at block 7"),
        "stall": "Shop goods spread over the pavement, blocking the way",
        "stall_edits": ("Shop goods block the tactile paving", "Two shops spread goods over the pavement"),
        "clutter": "Junk piled in the stairwell of unit 2, cleared",
        "lamp": "Street lamp out on the east side of block 12",
        "place": ("Block 3", "Block 7", "Shop 1", "Unit 2", "Block 12"),
        "visit": ("Block 3, unit 2, flat 501", "Shop 2"),
    },
}


def realistic_day(base: str, grid: int, lang: str) -> dict:
    """A team's day: a 多人一诉 cluster, a second cluster, a flagged handoff with a conflict, a problem
    solved on the spot, check-ins (one member missing, one off the beat) and visits."""
    words = TEXTS[lang]
    phones = {n: Phone(base, f"g{grid}-{n}") for n in range(2, 7)}
    bins_photo = phones[2].photo(jpeg(grid * 10 + 1))
    manhole_photo = phones[5].photo(jpeg(grid * 10 + 2))
    stall_photo = phones[2].photo(jpeg(grid * 10 + 3))
    before, after = phones[3].photo(jpeg(grid * 10 + 4)), phones[3].photo(jpeg(grid * 10 + 5))
    for n, (text, north, east, hour) in zip((2, 3, 4), zip(words["bins"], (0, 6, -4), (0, 5, 8), (9.2, 10.5, 14.1))):
        phones[n].push(report(phones[n], grid, north, east, hour, category="sanitation", description=text,
                              place=words["place"][0], severity=2, photos=[bins_photo]))
    for n, (text, hour) in zip((5, 6), zip(words["manhole"], (8.7, 16.3))):
        phones[n].push(report(phones[n], grid, 120, -80 + n, hour, category="facilities_damage", description=text,
                              place=words["place"][1], severity=3, photos=[manhole_photo]))
    stall = report(phones[2], grid, -110, 90, 11.4, category="city_appearance", description=words["stall"],
                   place=words["place"][2], status="needs_handoff", photos=[stall_photo])
    phones[2].push(stall)
    for n, text in zip((5, 6), words["stall_edits"]):
        phones[n].push(phones[n].update("report", stall["entity_id"], 1, {"description": text}))
    phones[3].push(report(phones[3], grid, -60, -120, 15.0, category="public_safety", description=words["clutter"],
                          place=words["place"][3], status="solved_on_site", photos=[before], after_photos=[after]))
    phones[4].push(report(phones[4], grid, 150, 140, 17.2, category="facilities_damage", description=words["lamp"],
                          place=words["place"][4]))
    for n in (2, 3, 4, 5):
        checkpoints = phones[n].me()["beat"]["checkpoints"]
        for k, cp in enumerate(checkpoints):
            lat, lon = (cp["lat"], cp["lon"]) if not (n == 4 and k == 1) else offset(cp["lat"], cp["lon"], 300, 0)
            phones[n].push(phones[n].create("checkin", {"grid_id": grid, "at": today_at(8 + n * 0.3 + k * 6),
                                                        "lat": lat, "lon": lon, "accuracy_m": 10,
                                                        "checkpoint_id": cp["id"]}))
    for place in words["visit"]:
        phones[2].push(phones[2].create("visit", {"grid_id": grid, "visited_at": today_at(13.5), "place_kind": "household",
                                                  "place": place, "people_met": 2, "follow_up": False}))
    return {"stall": stall["entity_id"]}


PROBLEMS = [
    ("sanitation", "垃圾桶满溢"), ("city_appearance", "占道经营"), ("public_safety", "楼道堆放杂物"),
    ("traffic_parking", "机动车乱停放"), ("facilities_damage", "井盖破损"), ("illegal_construction", "违章搭建"),
    ("disputes_noise", "夜间施工噪音"), ("livelihood", "独居老人需要帮助"),
]


def busy_day(base: str, grid: int, clusters: int = 40, per_cluster: int = 5, photos: bool = True) -> int:
    """``clusters`` problems, each reported once by ``per_cluster`` members at the same spot: a day of
    clusters x per_cluster reports. Spots are 200 m apart on a lattice, each its own problem."""
    phones = [Phone(base, f"g{grid}-{n}") for n in range(2, 2 + per_cluster)]
    side = math.ceil(math.sqrt(clusters))
    mutations: dict[str, list[dict]] = {p.username: [] for p in phones}
    for c in range(clusters):
        category, problem = PROBLEMS[c % len(PROBLEMS)]
        north, east = (c // side - side / 2) * 200, (c % side - side / 2) * 200
        shots = [phones[0].photo(jpeg(1000 + c, (640, 480)))] if photos else []
        for k, phone in enumerate(phones):
            text = f"{c + 1}号楼{problem}" + ("" if k % 2 else f"，第{k + 1}次发现")
            mutations[phone.username].append(report(phone, grid, north + k * 3, east - k * 2, 8 + (c % 10) * 0.8 + k * 0.1,
                                                    category=category, description=text, photos=shots,
                                                    place=f"{c + 1}号楼"))
    for phone in phones:
        phone.push(*mutations[phone.username])
    return clusters * per_cluster
