"""A large district generated with bulk SQL on PostgreSQL, for the statistics and export benches.

200 grids (10 streets of 5 communities of 4 grids), 6 members a grid, 4
departments, and a year of records: 1,000,000 reports, 100,000 tickets (70%
dispatched, with their dispatch, acknowledge and resolve entries in the audit
trail), about 300,000 check-ins and 100,000 visits, plus one audit entry per
report as the write path leaves. Everything is made by ``INSERT … SELECT``
over ``generate_series`` — the API would take hours for a million reports —
and deterministic: row i's values are arithmetic on i, so runs compare.
Rows are written in time order, as records arrive in practice, so a
month's records sit together in the table as they would in production.
Times fall in the year before ``anchor`` (now), so this month has data.
Tickets older than a month are closed, as they are in practice; the
month's own are spread over the workflow's steps.
"""

from __future__ import annotations

import time

from sqlalchemy import text

CATEGORIES = ("city_appearance", "sanitation", "public_order", "public_safety", "traffic_parking",
              "illegal_construction", "disputes_noise", "livelihood", "facilities_damage")
STREETS, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY, MEMBERS = 10, 5, 4, 6
GRIDS = STREETS * COMMUNITIES_PER_STREET * GRIDS_PER_COMMUNITY
YEAR_MINUTES = 365 * 24 * 60
ZONE = "Asia/Shanghai"


def _cats() -> str:
    return "ARRAY[" + ",".join(f"'{c}'" for c in CATEGORIES) + "]"


def _statements(reports: int, tickets: int, password_hash: str, anchor_iso: str) -> list[tuple[str, str]]:
    cats = _cats()
    local = f"(ts AT TIME ZONE '{ZONE}')"
    # Literals, not parameters: the statements are sent as they are (psycopg parses no placeholders
    # in a statement without parameters, and the SQL is full of % and :).
    pw = "'" + password_hash.replace("'", "''") + "'"
    anchor = f"'{anchor_iso}'::timestamptz"
    return [
        ("district", f"""
INSERT INTO districts (id, code, name, city) VALUES (1, 'BENCH', '基准区', '杭州市');
INSERT INTO streets (id, district_id, code, name)
  SELECT s, 1, 'S' || s, '基准街道' || s FROM generate_series(1, {STREETS}) s;
INSERT INTO communities (id, street_id, code, name)
  SELECT c, (c - 1) / {COMMUNITIES_PER_STREET} + 1, 'C' || c, '基准社区' || c
  FROM generate_series(1, {STREETS * COMMUNITIES_PER_STREET}) c;
INSERT INTO grids (id, community_id, code, name, kind, boundary, center_lat, center_lon, population, households,
                   buildings, shops)
  SELECT g, (g - 1) / {GRIDS_PER_COMMUNITY} + 1, 'G' || g, '基准网格' || g, 'residential',
         jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
           jsonb_build_array(lon - 0.0019, lat - 0.0019), jsonb_build_array(lon + 0.0019, lat - 0.0019),
           jsonb_build_array(lon + 0.0019, lat + 0.0019), jsonb_build_array(lon - 0.0019, lat + 0.0019),
           jsonb_build_array(lon - 0.0019, lat - 0.0019)))), lat, lon, 2000, 700, 15, 30
  FROM (SELECT g, 30.25 + ((g - 1) / 20) * 0.004 AS lat, 120.10 + ((g - 1) % 20) * 0.004 AS lon
        FROM generate_series(1, {GRIDS}) g) t;
INSERT INTO departments (id, district_id, code, name, name_en, categories) VALUES
  (1, 1, 'D1', '区城管局', 'City management', '[]'), (2, 1, 'D2', '区市场监管局', 'Market regulation', '[]'),
  (3, 1, 'D3', '区公安分局', 'Public security', '[]'), (4, 1, 'D4', '区水务集团', 'Water utilities', '[]');
INSERT INTO users (id, username, display_name, password_hash, role, district_id, active, created_at)
  VALUES (1, 'admin', '系统管理员', {pw}, 'admin', 1, true, now());
INSERT INTO users (id, username, display_name, password_hash, role, street_id, district_id, active, created_at)
  SELECT 1 + s, 'street' || s, '街道督办员' || s, {pw}, 'supervisor', s, 1, true, now()
  FROM generate_series(1, {STREETS}) s;
INSERT INTO users (id, username, display_name, password_hash, role, department_id, district_id, active, created_at)
  SELECT 100 + d, 'dept' || d, '部门值班员' || d, {pw}, 'department', d, 1, true, now() FROM generate_series(1, 4) d;
INSERT INTO users (id, username, display_name, password_hash, role, grid_id, street_id, district_id, active,
                   created_at)
  SELECT 1000 + (g - 1) * {MEMBERS} + m, 'g' || g || '-' || m, '网格员' || g || '-' || m, {pw},
         CASE WHEN m = 1 THEN 'lead' ELSE 'patroller' END, g,
         (g - 1) / ({COMMUNITIES_PER_STREET} * {GRIDS_PER_COMMUNITY}) + 1, 1, true, now()
  FROM generate_series(1, {GRIDS}) g, generate_series(1, {MEMBERS}) m;
"""),
        ("reports", f"""
INSERT INTO records (entity, entity_id, grid_id, version, seq, deleted, data, clocks, status, category, owner, day,
                     created_at, updated_at)
SELECT 'report', md5('r' || i)::uuid::text, g, 1, i, false,
       jsonb_build_object('category', cat, 'description', '基准问题描述 ' || i, 'severity', 2, 'status', st,
                          'lat', 30.25 + ((g - 1) / 20) * 0.004 + ((i % 7) - 3) * 0.0004,
                          'lon', 120.10 + ((g - 1) % 20) * 0.004 + ((i % 5) - 2) * 0.0005,
                          'device_time', to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
                          'reporter', 'g' || g || '-' || m, 'photos', '[]'::jsonb, 'tags', '[]'::jsonb),
       '{{}}'::jsonb, st, cat, 'g' || g || '-' || m, to_char({local}, 'YYYY-MM-DD'), ts, ts
FROM (SELECT i, 1 + (i * 119) % {GRIDS} AS g, 2 + i % 5 AS m, ({cats})[1 + (i * 31) % 9] AS cat,
             (ARRAY['open', 'solved_on_site', 'in_ticket', 'closed', 'closed', 'closed', 'solved_on_site',
                    'needs_handoff'])[1 + (i * 13) % 8] AS st,
             {anchor} - make_interval(mins => (i * 7) % {YEAR_MINUTES}) AS ts
      FROM generate_series(1, {reports}) i) t
ORDER BY ts;
"""),
        ("tickets", f"""
INSERT INTO records (entity, entity_id, grid_id, department_id, version, seq, deleted, data, clocks, status,
                     category, owner, day, due_at, done_at, level, reopens, created_at, updated_at)
SELECT 'ticket', md5('t' || i)::uuid::text, g, dept, 6, {reports} + i, false,
       jsonb_build_object('title', '基准交接单 ' || i, 'category', cat, 'severity', 2, 'status', st,
                          'level', lvl, 'department', dept, 'created_by', 'g' || g || '-1',
                          'due_at', to_char((ts + interval '48 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                          'done_at', CASE WHEN done IS NULL THEN NULL
                                     ELSE to_char(done AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') END,
                          'reopen_count', reopens, 'report_ids', jsonb_build_array(md5('r' || i)::uuid::text)),
       '{{}}'::jsonb, st, cat, 'g' || g || '-1', to_char({local}, 'YYYY-MM-DD'), ts + interval '48 hours', done,
       lvl, reopens, ts, coalesce(done, ts)
FROM (SELECT i, g, cat, st, lvl, reopens, ts,
             CASE WHEN st IN ('dispatched', 'acknowledged', 'resolved', 'closed', 'verified') THEN 1 + i % 4 END AS dept,
             CASE WHEN st IN ('resolved', 'closed', 'verified') THEN ts + make_interval(hours => 2 + (i * 17) % 80) END
               AS done
      FROM (SELECT i, 1 + (i * 119) % {GRIDS} AS g, ({cats})[1 + (i * 31) % 9] AS cat,
                   -- Tickets over a month old are closed but one in 500 (as in the rollouts, 99.8%),
                   -- the month's are at every step of the workflow.
                   CASE WHEN (i * 53) % {YEAR_MINUTES} > 43200
                        THEN CASE WHEN i % 500 = 0 THEN 'resolved' ELSE 'closed' END
                        ELSE (ARRAY['closed', 'closed', 'closed', 'closed', 'resolved', 'dispatched', 'acknowledged',
                                    'approved', 'submitted', 'draft'])[1 + (i * 11) % 10] END AS st,
                   (ARRAY['grid', 'grid', 'grid', 'grid', 'grid', 'grid', 'grid', 'community', 'community',
                          'street', 'district', 'street'])[1 + (i * 5) % 12] AS lvl,
                   CASE WHEN i % 10 = 3 THEN 1 ELSE 0 END AS reopens,
                   {anchor} - make_interval(mins => (i * 53) % {YEAR_MINUTES}) AS ts
            FROM generate_series(1, {tickets}) i) a) b
ORDER BY ts;
"""),
        ("checkins", f"""
INSERT INTO records (entity, entity_id, grid_id, version, seq, deleted, data, clocks, owner, day, created_at,
                     updated_at)
SELECT 'checkin', md5('c' || n)::uuid::text, g, 1, {reports + tickets} + n, false,
       jsonb_build_object('at', to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'), 'user', 'g' || g || '-' || m,
                          'lat', 30.25 + ((g - 1) / 20) * 0.004, 'lon', 120.10 + ((g - 1) % 20) * 0.004,
                          'flags', '[]'::jsonb, 'photos', '[]'::jsonb),
       '{{}}'::jsonb, 'g' || g || '-' || m, to_char({local}, 'YYYY-MM-DD'), ts, ts
FROM (SELECT row_number() OVER () AS n, g, m, date_trunc('day', {anchor}) - make_interval(days => d)
               + interval '1 hour' AS ts
      FROM generate_series(1, {GRIDS}) g, generate_series(1, {MEMBERS}) m, generate_series(0, 364) d
      WHERE (g * 31 + m * 17 + d * 7) % 10 < 7) t
ORDER BY ts;
"""),
        ("visits", f"""
INSERT INTO records (entity, entity_id, grid_id, version, seq, deleted, data, clocks, owner, day, created_at,
                     updated_at)
SELECT 'visit', md5('v' || i)::uuid::text, g, 1, 3000000 + i, false,
       jsonb_build_object('visited_at', to_char({local}, 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"'),
                          'visitor', 'g' || g || '-' || m, 'place_kind', 'household', 'place', (i % 30) || '幢',
                          'contact_name', '李秀英', 'contact_phone', '1380571' || lpad((i % 10000)::text, 4, '0'),
                          'people_met', 2, 'needs', '基准走访', 'photos', '[]'::jsonb),
       '{{}}'::jsonb, 'g' || g || '-' || m, to_char({local}, 'YYYY-MM-DD'), ts, ts
FROM (SELECT i, 1 + (i * 119) % {GRIDS} AS g, 1 + i % {MEMBERS} AS m,
             {anchor} - make_interval(mins => (i * 89) % {YEAR_MINUTES}) AS ts
      FROM generate_series(1, 100000) i) t
ORDER BY ts;
"""),
        ("audit", f"""
INSERT INTO audit_log (seq, at, actor_id, actor, device_id, action, entity, entity_id, data, prev_hash, hash, status,
                       version)
SELECT i, created_at, NULL, owner, 'bench', 'report.create', 'report', entity_id, NULL, md5(i::text) || md5('p'),
       md5('h' || i) || md5('q'), 'applied', 1
FROM (SELECT row_number() OVER (ORDER BY seq) AS i, created_at, owner, entity_id FROM records
      WHERE entity = 'report') r;
INSERT INTO audit_log (seq, at, actor_id, actor, device_id, action, entity, entity_id, data, prev_hash, hash, status,
                       version)
SELECT 2000000 + 3 * n + k, at, actor_id, actor, 'bench', action, 'ticket', entity_id, data,
       md5('x' || n || k) || md5('p'), md5('y' || n || k) || md5('q'), 'applied', 2 + k
FROM (SELECT row_number() OVER (ORDER BY seq) AS n, entity_id, department_id, created_at, status,
             ((seq * 7) % 9)::int AS ack_h, (2 + (seq * 17) % 80)::int AS fix_h
      FROM records WHERE entity = 'ticket' AND department_id IS NOT NULL) t,
     LATERAL (VALUES
       (0, t.created_at + interval '1 hour', 2, 'street1', 'ticket.dispatch',
        jsonb_build_object('department', t.department_id)),
       (1, t.created_at + interval '1 hour' + make_interval(hours => t.ack_h), 100 + t.department_id,
        'dept' || t.department_id, 'ticket.acknowledge', '{{}}'::jsonb),
       (2, t.created_at + interval '1 hour' + make_interval(hours => t.fix_h), 100 + t.department_id,
        'dept' || t.department_id, 'ticket.resolve', '{{}}'::jsonb)
     ) AS e(k, at, actor_id, actor, action, data)
WHERE e.k = 0 OR e.k = 1 OR t.status IN ('resolved', 'closed', 'verified');
"""),
        ("counters", """
INSERT INTO sync_counter (id, last_seq) VALUES (1, (SELECT max(seq) FROM records))
  ON CONFLICT (id) DO UPDATE SET last_seq = EXCLUDED.last_seq;
SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), (SELECT max(seq) FROM audit_log));
SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users));
SELECT setval(pg_get_serial_sequence('grids', 'id'), (SELECT max(id) FROM grids));
SELECT setval(pg_get_serial_sequence('streets', 'id'), (SELECT max(id) FROM streets));
SELECT setval(pg_get_serial_sequence('communities', 'id'), (SELECT max(id) FROM communities));
SELECT setval(pg_get_serial_sequence('districts', 'id'), (SELECT max(id) FROM districts));
SELECT setval(pg_get_serial_sequence('departments', 'id'), (SELECT max(id) FROM departments));
"""),
    ]


def generate(engine, anchor, password_hash: str, *, reports: int = 1_000_000, tickets: int = 100_000,
             log=print) -> dict:
    """Fill an empty, migrated database; answer how long each part took (seconds) and the row counts.

    Every user's password is the one ``password_hash`` hashes ("gridwalk-bench" in the benches).
    """
    import psycopg

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    timings = {}
    with psycopg.connect(url) as conn:
        for name, sql in _statements(reports, tickets, password_hash, anchor.isoformat()):
            started = time.perf_counter()
            for statement in [s for s in sql.split(";\n") if s.strip()]:
                conn.execute(statement)
            conn.commit()
            timings[name] = time.perf_counter() - started
            log(f"  {name}: {timings[name]:.1f} s")
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.perf_counter() - started
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT entity, count(*) FROM records GROUP BY entity")).all())
        counts["audit_log"] = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
    return {"timings": timings, "counts": counts}


def is_generated(engine, reports: int) -> bool:
    """Whether the database already holds this district (so a second bench can reuse it)."""
    with engine.connect() as conn:
        try:
            n = conn.execute(text("SELECT count(*) FROM records WHERE entity = 'report'")).scalar()
            district = conn.execute(text("SELECT code FROM districts WHERE id = 1")).scalar()
        except Exception:  # noqa: BLE001 - no schema yet
            return False
    return n == reports and district == "BENCH"
