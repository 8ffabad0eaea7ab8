"""The demo district: 拱墅区, Hangzhou — two streets, four communities, eight grids.

``seed_demo()`` is idempotent: it looks every record up by its code or username
and only creates what is missing, so running it twice changes nothing.
``seed_demo(grids=N)`` lays out a district of N grids of the same shape for load
tests: four grids to a street (two communities of two), a supervisor ``streetS``
per street, a team ``gN-1`` … ``gN-6`` per grid, the same four departments; the
first eight grids are the demo's own.
"""

from __future__ import annotations

from server.extensions import db
from server.models import (
    Beat, Checkpoint, Community, Department, District, Grid, Street, Team, User,
)
from server.models.people import TEAM_ROLES
from server.services.audit import record_audit
from server.services.intake_keys import seed_demo_intake
from server.services.passwords import hash_password

DEMO_PASSWORD = "gridwalk-demo"

STREETS = [
    ("S1", "米市巷街道", [("C1", "卖鱼桥社区"), ("C2", "左家新村社区")]),
    ("S2", "湖墅街道", [("C3", "湖墅新村社区"), ("C4", "德胜新村社区")]),
]

# Grid centres in Gongshu District, Hangzhou (WGS-84), a few hundred metres apart.
GRID_CENTRES = [
    (30.2985, 120.1498), (30.3012, 120.1531), (30.2957, 120.1556), (30.3040, 120.1479),
    (30.2921, 120.1462), (30.2896, 120.1510), (30.2868, 120.1547), (30.2842, 120.1489),
]
GRID_KINDS = ["residential", "commercial", "mixed", "campus"]
GRID_NAMES = ["卖鱼桥第一网格", "卖鱼桥第二网格", "左家新村第一网格", "左家新村第二网格",
              "湖墅新村第一网格", "湖墅新村第二网格", "德胜新村第一网格", "德胜新村第二网格"]

DEPARTMENTS = [
    ("D1", "区城管局", "City management", ["city_appearance", "sanitation", "illegal_construction", "traffic_parking"]),
    ("D2", "区市场监管局", "Market regulation", ["livelihood"]),
    ("D3", "区公安分局", "Public security", ["public_order", "public_safety", "disputes_noise"]),
    ("D4", "区水务集团", "Water utilities", ["facilities_damage"]),
]

RESPONSIBILITIES = {
    "street_cadre": ["主持每日碰头会", "协调跨部门问题", "审核交接单"],
    "community_liaison": ["对接社区居委会", "跟进群众诉求"],
    "party_secretary": ["党员联系户走访", "组织志愿服务"],
    "grid_worker": ["每日巡查包干区域", "采集问题上报", "入户走访"],
    "public_welfare": ["环境卫生巡查", "公共设施检查"],
    "property_manager": ["小区消防通道检查", "物业设施报修"],
}

NAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"]
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "明"]


def _square(lat: float, lon: float, half: float = 0.0018) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.execute(db.select(model).filter_by(**lookup)).scalar_one_or_none()
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def _user(username: str, password_hash: str, **values) -> User:
    return _get_or_create(User, {"username": username}, password_hash=password_hash, **values)


DEMO_GRIDS = len(GRID_CENTRES)
GRIDS_PER_COMMUNITY = 2
COMMUNITIES_PER_STREET = 2


def seed_demo(*, password: str = DEMO_PASSWORD, grids: int = DEMO_GRIDS) -> dict:
    """Create whatever of a district of ``grids`` grids is missing; answer what exists.

    Every seeded user shares one password hash (hashed once, at the configured
    argon2 cost), so a district of hundreds of grids costs one hash, not thousands.
    Grids not yet in the database are inserted in bulk, a few flushes for all of
    them; a grid that exists is checked member by member as before.
    """
    if grids < 1:
        raise ValueError("a district has at least one grid")
    pw = hash_password(password)
    district = _get_or_create(District, {"code": "GS"}, name="拱墅区", city="杭州市")
    _user("admin", pw, display_name="系统管理员", role="admin", district_id=district.id)
    departments = []
    for n, (code, name, name_en, cats) in enumerate(DEPARTMENTS, start=1):
        dept = _get_or_create(Department, {"code": code}, district_id=district.id, name=name,
                              name_en=name_en, categories=cats)
        departments.append(dept)
        _user(f"dept{n}", pw, display_name=f"{name}值班员", role="department",
              department_id=dept.id, district_id=district.id)
    per_street = GRIDS_PER_COMMUNITY * COMMUNITIES_PER_STREET
    existing = set(db.session.execute(db.select(Grid.code)).scalars())
    new_grids = []
    for s_no in range(1, -(-grids // per_street) + 1):
        s_code, s_name, communities = _street_plan(s_no)
        street = _get_or_create(Street, {"code": s_code}, district_id=district.id, name=s_name)
        _user(f"street{s_no}", pw, display_name=f"{s_name}督办员", role="supervisor",
              street_id=street.id, district_id=district.id)
        for c_no, (c_code, c_name) in enumerate(communities):
            first = (s_no - 1) * per_street + c_no * GRIDS_PER_COMMUNITY + 1
            numbers = [n for n in range(first, first + GRIDS_PER_COMMUNITY) if n <= grids]
            if not numbers:
                break
            community = _get_or_create(Community, {"code": c_code}, street_id=street.id, name=c_name)
            for n in numbers:
                if f"G{n}" in existing:
                    _seed_grid(n, community, street, district, pw)
                else:
                    new_grids.append((n, community, street))
    _seed_new_grids(new_grids, district, pw)
    seed_demo_intake(district.id)
    record_audit(actor="system", action="seed-demo")
    db.session.commit()
    return {"grids": grids, "departments": len(departments)}


def _street_plan(s_no: int) -> tuple[str, str, list[tuple[str, str]]]:
    """Street ``s_no``'s code, name and communities: the demo's for the first two."""
    if s_no <= len(STREETS):
        return STREETS[s_no - 1]
    first = (s_no - 1) * COMMUNITIES_PER_STREET + 1
    return (f"S{s_no}", f"第{s_no}街道",
            [(f"C{c}", f"第{c}社区") for c in range(first, first + COMMUNITIES_PER_STREET)])


def _grid_values(n: int) -> dict:
    """Grid ``n``'s fields: the demo's for the first eight, then a lattice east of them."""
    if n <= DEMO_GRIDS:
        lat, lon = GRID_CENTRES[n - 1]
        name = GRID_NAMES[n - 1]
    else:
        # 0.004° apart (about 400 m), wider than a grid's 0.0036° square, so none overlap.
        row, col = divmod(n - DEMO_GRIDS - 1, 25)
        lat, lon = 30.2800 + 0.004 * row, 120.1600 + 0.004 * col
        name = f"第{n}网格"
    return {"code": f"G{n}", "name": name, "kind": GRID_KINDS[(n - 1) % 4], "boundary": _square(lat, lon),
            "center_lat": lat, "center_lon": lon, "population": 1800 + 137 * n, "households": 620 + 41 * n,
            "buildings": 12 + n, "shops": 20 + 7 * n}


def _member_values(n: int, m: int, team_role: str) -> dict:
    # The demo's phone numbers are kept; larger districts use an 11-digit number of their own.
    phone = f"1380571{n:02d}{m:02d}" if n <= DEMO_GRIDS else f"139{n:06d}{m:02d}"
    return {"display_name": NAMES[(n + m) % len(NAMES)] + GIVEN[m - 1], "phone": phone,
            "role": "lead" if m == 1 else "patroller", "team_role": team_role}


def _seed_grid(n: int, community: Community, street: Street, district: District, pw: str) -> None:
    values = _grid_values(n)
    code = values.pop("code")
    grid = _get_or_create(Grid, {"code": code}, community_id=community.id, **values)
    team = _get_or_create(Team, {"grid_id": grid.id}, name=f"{grid.name}六人小组")
    for m, team_role in enumerate(TEAM_ROLES, start=1):
        user = _user(
            f"g{n}-{m}", pw, **_member_values(n, m, team_role),
            grid_id=grid.id, team_id=team.id, street_id=street.id, district_id=district.id,
        )
        if user.beat is None:
            _seed_beat(user, grid, m, grid.center_lat, grid.center_lon)


def _seed_new_grids(plan: list[tuple[int, Community, Street]], district: District, pw: str) -> None:
    """Insert grids that do not exist yet, with their teams, members and beats, in a few flushes.

    Each flush sends one class's rows as multi-row INSERTs; the ids they return
    feed the next class's foreign keys.
    """
    if not plan:
        return
    grids = [Grid(community_id=community.id, **_grid_values(n)) for n, community, _ in plan]
    db.session.add_all(grids)
    db.session.flush()
    teams = [Team(grid_id=grid.id, name=f"{grid.name}六人小组") for grid in grids]
    db.session.add_all(teams)
    db.session.flush()
    members = []
    for (n, _, street), grid, team in zip(plan, grids, teams, strict=True):
        for m, team_role in enumerate(TEAM_ROLES, start=1):
            members.append((m, grid, User(username=f"g{n}-{m}", password_hash=pw,
                                          **_member_values(n, m, team_role), grid_id=grid.id,
                                          team_id=team.id, street_id=street.id, district_id=district.id)))
    db.session.add_all([user for _, _, user in members])
    db.session.flush()
    for m, grid, user in members:
        db.session.add(_beat(user, grid, m, grid.center_lat, grid.center_lon))
    db.session.flush()


def _seed_beat(user: User, grid: Grid, m: int, lat: float, lon: float) -> None:
    db.session.add(_beat(user, grid, m, lat, lon))
    db.session.flush()


def _beat(user: User, grid: Grid, m: int, lat: float, lon: float) -> Beat:
    # Each member covers a slice of the grid: two buildings or shops and two checkpoints.
    dlat = (m - 3.5) * 0.0005
    places = [
        {"id": f"{grid.code}-B{2 * m - 1}", "name": f"{2 * m - 1}幢", "kind": "building",
         "lat": lat + dlat, "lon": lon - 0.0006},
        {"id": f"{grid.code}-B{2 * m}", "name": f"{2 * m}幢", "kind": "building",
         "lat": lat + dlat, "lon": lon + 0.0006},
        {"id": f"{grid.code}-S{m}", "name": f"沿街商铺{m}号", "kind": "shop",
         "lat": lat + dlat + 0.0002, "lon": lon},
    ]
    beat = Beat(user_id=user.id, grid_id=grid.id, name=f"{user.display_name}包干区",
                places=places, responsibilities=RESPONSIBILITIES[user.team_role])
    beat.checkpoints = [
        Checkpoint(name=f"{2 * m - 1}幢门口", lat=lat + dlat, lon=lon - 0.0006, radius_m=50),
        Checkpoint(name=f"{2 * m}幢门口", lat=lat + dlat, lon=lon + 0.0006, radius_m=50),
    ]
    return beat
