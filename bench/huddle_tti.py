"""Time to interactive of the huddle board on a slow tablet: 200 reports in 40 clusters, CPU throttled 4x.

    .venv/bin/python bench/huddle_tti.py                 # 5 runs of each case, prints the figures
    .venv/bin/python bench/huddle_tti.py --runs 7 --write   # and puts them into docs/BENCHMARKS.md

Starts the real server (gunicorn, migrated, seeded, SQLite in a temporary folder) and sets up a
day of grid 1 through the API: 40 problems, each reported by five members (200 reports, a photo
per problem). The team lead logs in on a tablet-sized Chromium (1024 x 768, /usr/bin/chromium,
nothing downloaded) and opens the board once, so the app is installed and its data synced; then
each run opens it again in a fresh tab with the CPU slowed 4x (CDP Emulation.setCPUThrottlingRate).

Time to interactive is measured as Lighthouse defines it, with the board's first screen (the first
cluster drawn) as the first useful paint: the end of the last long task (> 50 ms, the Long Tasks
API) before the first 5 s without one, from the start of the navigation (or the tap on the tab).
The board draws its 40 clusters a few at a time, one batch per task, so the time until all of them
are in the page ("all drawn") is reported too; runs end 5 s after that with no long task.
Three cases:

* ``cached``: the app started afresh on #/huddle, the day's data already on the tablet (every
  opening after the first, and every opening offline);
* ``fetched``: the same with no stored snapshot, so the board waits for GET /api/huddle;
* ``tab``: the app already running on 今日 (started, synced, settled), the lead taps 碰头会.

Scrolling: after each ``cached`` run the page is scrolled to the bottom in steps of 300 px per
frame; the frames' durations (requestAnimationFrame) give the share over 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine_line, replace_section  # noqa: E402
from tests.e2e.huddle_day import busy_day  # noqa: E402
from tests.live_server import LiveServer, prepare_database, server_env  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGET_MS = 1000
QUIET_MS = 5000

# Installed before the app's own scripts: records long tasks, the board's first screen and the whole board.
PROBE = """
(() => {
  const want = %d;
  const probe = (window.__tti = { longtasks: [], shown: null, rendered: null, started: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longtasks.push([e.startTime, e.startTime + e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {}
  const check = () => {
    const n = document.querySelectorAll('[data-testid="cluster-card"]').length;
    if (probe.shown === null && n > 0) probe.shown = performance.now();
    if (probe.rendered === null && n >= want) probe.rendered = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
})();
"""

# Resolves once the whole board is drawn and no long task has run for `quiet` ms. Time to interactive
# is then found as Lighthouse does: from the first screen of the board, the first window of `quiet` ms
# without a long task starts at the end of the last long task before it (or at the first screen).
SETTLED = """
(quiet) => new Promise((resolve) => {
  const probe = window.__tti;
  const tick = () => {
    const now = performance.now();
    const ends = probe.longtasks.map(([, e]) => e);
    if (probe.rendered !== null && now - Math.max(probe.rendered, ...ends) >= quiet) {
      let tti = probe.shown;
      for (const [s, e] of [...probe.longtasks].sort((a, b) => a[0] - b[0])) {
        if (e <= tti) continue;
        if (s - tti >= quiet) break;
        tti = e;
      }
      const after = probe.longtasks.filter(([s]) => s >= probe.shown);
      return resolve({ shown: probe.shown - probe.started, rendered: probe.rendered - probe.started,
                       interactive: tti - probe.started, longtasks: after.length,
                       longest: Math.max(0, ...after.map(([s, e]) => e - s)) });
    }
    setTimeout(tick, 100);
  };
  tick();
})
"""

# Resolves once no long task has run for `quiet` ms (the app has settled).
IDLE = """
(quiet) => new Promise((resolve) => {
  const tick = () => {
    const ends = window.__tti.longtasks.map(([, e]) => e);
    if (performance.now() - Math.max(0, ...ends) >= quiet) return resolve();
    setTimeout(tick, 100);
  };
  tick();
})
"""

SCROLL = """
() => new Promise((resolve) => {
  const frames = [];
  let last = performance.now();
  const step = (t) => {
    frames.push(t - last);
    last = t;
    const before = window.scrollY;
    window.scrollBy(0, 300);
    if (window.scrollY === before) return resolve(frames.slice(1));
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})
"""

DELETE_SNAPSHOTS = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("gridwalk");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction("meta", "readwrite");
    const store = tx.objectStore("meta");
    store.openCursor().onsuccess = (ev) => {
      const cursor = ev.target.result;
      if (!cursor) return;
      if (String(cursor.key).startsWith("huddle:")) cursor.delete();
      cursor.continue();
    };
    tx.oncomplete = () => { open.result.close(); resolve(); };
  };
})
"""


def throttled_page(context, rate: float):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return page


def run_cold(context, base: str, clusters: int, rate: float, *, fresh: bool) -> dict:
    if fresh:
        helper = context.new_page()
        helper.goto(f"{base}/#/sync")
        helper.evaluate(DELETE_SNAPSHOTS)
        helper.close()
    page = throttled_page(context, rate)
    page.goto(f"{base}/#/huddle")
    result = page.evaluate(SETTLED, QUIET_MS)
    frames = page.evaluate(SCROLL) if not fresh else []
    page.close()
    return {**result, "frames": frames}


def run_tab(context, base: str, rate: float) -> dict:
    page = throttled_page(context, rate)
    page.goto(f"{base}/#/today")
    page.wait_for_selector('[data-testid="tab-huddle"]')
    page.evaluate(IDLE, 2000)  # the app has started, synced and settled on Today
    page.evaluate("() => { window.__tti.started = performance.now(); "
                  "document.querySelector('[data-testid=\"tab-huddle\"]').click(); }")
    result = page.evaluate(SETTLED, QUIET_MS)
    page.close()
    return {**result, "frames": []}


def huddle_answer(base: str, times: int = 5) -> tuple[float, int]:
    """How long the server takes to answer the lead's GET /api/huddle (median), and its clusters."""
    import requests

    login = requests.post(f"{base}/api/auth/login", json={"username": "g1-1", "password": "gridwalk-demo",
                                                        "device_id": "bench-huddle-tti"}, timeout=30).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    spent, clusters = [], 0
    for _ in range(times):
        start = time.perf_counter()
        body = requests.get(f"{base}/api/huddle", headers=headers, timeout=60).json()
        spent.append((time.perf_counter() - start) * 1000)
        clusters = len(body["clusters"])
    return median(spent), clusters


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--per-cluster", type=int, default=5)
    parser.add_argument("--rate", type=float, default=4.0, help="CPU throttling rate (4 = four times slower)")
    parser.add_argument("--write", action="store_true", help="put the results into docs/BENCHMARKS.md")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    load = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = server_env(f"sqlite:///{tmp_path / 'bench.db'}", tmp_path / "media",
                         GRIDWALK_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                         GRIDWALK_LOGIN_LIMIT_PER_USER="1000 per minute")
        prepare_database(env)
        server = LiveServer(env, tmp_path / "server.log", workers=2)
        server.start()
        try:
            reports = busy_day(server.base, 1, clusters=args.clusters, per_cluster=args.per_cluster)
            answer_ms, found = huddle_answer(server.base)
            if found != args.clusters:
                sys.exit(f"the day should make {args.clusters} clusters, the server found {found}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                context = browser.new_context(viewport={"width": 1024, "height": 768}, device_scale_factor=1,
                                              is_mobile=True, has_touch=True, locale="zh-CN",
                                              timezone_id="Asia/Shanghai")
                context.add_init_script(PROBE % args.clusters)
                page = context.new_page()
                page.goto(f"{server.base}/")
                page.get_by_test_id("login-username").fill("g1-1")
                page.get_by_test_id("login-password").fill("gridwalk-demo")
                page.get_by_test_id("login-submit").click()
                page.wait_for_selector('[data-testid="tab-huddle"]', timeout=60_000)
                page.evaluate("navigator.serviceWorker.ready")
                page.goto(f"{server.base}/#/huddle")
                page.evaluate(SETTLED, QUIET_MS)
                shown = page.locator('[data-testid="board-report"]').count()
                page.close()
                cases: dict[str, list[dict]] = {"cached": [], "fetched": [], "tab": []}
                for _ in range(args.runs):
                    cases["cached"].append(run_cold(context, server.base, args.clusters, args.rate, fresh=False))
                    cases["fetched"].append(run_cold(context, server.base, args.clusters, args.rate, fresh=True))
                    cases["tab"].append(run_tab(context, server.base, args.rate))
                browser.close()
        finally:
            server.stop()

    rows = []
    for name, runs in cases.items():
        tti = [r["interactive"] for r in runs]
        rows.append((name, median([r["shown"] for r in runs]), median([r["rendered"] for r in runs]), median(tti),
                     max(tti), max(r["longest"] for r in runs)))
    frames = [f for r in cases["cached"] for f in r["frames"]]
    janky = sum(1 for f in frames if f > 50) / len(frames) if frames else 0.0
    p95 = sorted(frames)[int(0.95 * (len(frames) - 1))] if frames else float("nan")
    command = "python bench/huddle_tti.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    lines = [
        "## Huddle board: time to interactive on a slow tablet",
        "",
        f"Command: `.venv/bin/{command.strip()}`  ",
        f"Machine: {machine_line()}; Chromium {CHROMIUM}, CPU throttled {args.rate:g}x "
        f"(CDP `Emulation.setCPUThrottlingRate`), 1024 x 768; load average {load[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (the machine is shared)",
        "",
        f"A day of grid 1 with {reports} reports in {args.clusters} clusters ({shown} shown on the board, "
        f"one photo per problem), opened by the team lead; median of {args.runs} runs, times from the start "
        "of the navigation (or the tap on 碰头会). Interactive: the end of the last long task (> 50 ms) "
        f"before {QUIET_MS / 1000:g} s without one, counted from the board's first screen (Lighthouse's "
        "definition, the first cluster drawn as first useful paint). Target: < 1 s.",
        "",
        "| case | first screen (ms) | all 40 clusters drawn (ms) | interactive (ms) | worst run (ms) | longest task after first screen (ms) |",
        "|---|---|---|---|---|---|",
    ]
    words = {"cached": "app start on #/huddle, data on the tablet", "fetched": "app start on #/huddle, data fetched",
             "tab": "tap 碰头会 in the running app"}
    for name, shown_ms, rendered, tti, worst, longest in rows:
        lines.append(f"| {words[name]} | {shown_ms:,.0f} | {rendered:,.0f} | {tti:,.0f} | {worst:,.0f} | {longest:,.0f} |")
    lines += ["", f"The server (not throttled, SQLite, 2 gunicorn workers) answers that day's `GET /api/huddle` "
              f"in {answer_ms:,.0f} ms (median of 5), part of the `fetched` case."]
    lines += ["", f"Scrolling the whole board (300 px a frame, {len(frames)} frames over the `cached` runs): "
              f"p95 frame {p95:,.0f} ms, {janky:.0%} of frames over 50 ms."]
    lines += ["", "How the board keeps the tablet free: it draws its first four clusters at once and the rest two "
              "per task; the map (its pins one path per colour), the long lists and the check-in table come one "
              "per task after; thumbnails load in the background and go into the page without a redraw; a "
              "refresh that brings nothing new redraws nothing. On a cold start most of the time before the first "
              "screen is starting the app itself: its script, opening IndexedDB, the session, the board's chunk "
              "and the stored day. Long tasks are counted after the 4x slow-down, on a machine shared with other "
              "work (see the load averages), so one busy moment elsewhere can cost a run its 5 s window: compare "
              "the median with the worst run."]
    body = "\n".join(lines)
    print(body)
    verdict = all(tti < TARGET_MS for _, _, _, tti, _, _ in rows)
    print(f"\ntarget < {TARGET_MS} ms: {'met' if verdict else 'NOT met'}")
    if args.write:
        replace_section("huddle-tti", body)


if __name__ == "__main__":
    main()
