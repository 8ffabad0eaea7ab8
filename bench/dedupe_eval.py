"""How well does cluster_reports find duplicate reports? A labelled synthetic set.

Generates, from a fixed seed, a fortnight of reports by one six-person grid team
around Hangzhou: problems in the nine catalogue categories, each reported 1-4
times by different members with GPS noise (5-40 m), paraphrased Chinese (and
some English) descriptions, photos whose perceptual hashes differ by a few bits
between shots of the same problem, and some members filing the same thing
again days later (一人多诉). Around the real duplicates it plants the near
misses that make the job hard: the same kind of problem next door (80-200 m),
a different problem at the same spot, and the same category on the same street
the same day. It then clusters everything and prints pairwise and cluster-level
precision and recall.

    .venv/bin/python bench/dedupe_eval.py [--seed 7] [--problems 400] [--write]

``--write`` replaces this benchmark's section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.report import replace_section  # noqa: E402
from sync.dedupe import DEFAULT_THRESHOLD, ReportFeatures, cluster_reports  # noqa: E402

TEAM = ("g1-1", "g1-2", "g1-3", "g1-4", "g1-5", "g1-6")
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 Asia/Shanghai is 16:00 UTC the day before; any day will do
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# category -> subcategory (one specific problem) -> (Chinese paraphrases, English paraphrases)
CATALOGUE: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "facilities_damage": {
        "manhole": (("井盖破损", "井盖坏了", "窨井盖缺失", "井盖破了", "下水道井盖破损塌陷", "井盖裂开了"),
                    ("broken manhole cover", "manhole cover missing", "manhole cover cracked")),
        "streetlight": (("路灯不亮", "路灯坏了", "晚上路灯一直不亮", "路灯损坏不亮", "这一排路灯都不亮了"),
                        ("street light not working", "streetlight is out", "lamp post light broken")),
        "pavement": (("人行道地砖松动", "地砖破损翘起", "人行道砖块松动缺失", "人行道地砖坏了", "路面地砖破损"),
                     ("pavement tiles loose", "broken paving stones", "loose paving on the sidewalk")),
        "railing": (("护栏损坏", "栏杆断了", "隔离护栏倒了", "护栏被撞坏", "路边栏杆损坏"),
                    ("railing broken", "guardrail knocked over", "damaged railing")),
        "fitness": (("健身器材损坏", "健身器材坏了", "小区健身器械损坏", "健身器材松动损坏"),
                    ("fitness equipment broken", "exercise equipment damaged")),
    },
    "sanitation": {
        "garbage": (("垃圾堆放", "垃圾乱堆没人清理", "生活垃圾堆积", "垃圾堆积没清运", "路边堆了很多垃圾"),
                    ("garbage piled up", "rubbish not collected", "trash dumped by the road")),
        "bins": (("垃圾桶满溢", "垃圾桶满了溢出来", "垃圾箱爆满", "分类垃圾桶满了装不下"),
                 ("bins overflowing", "trash can full and overflowing")),
        "sewage": (("污水外溢", "下水道堵塞，污水横流", "污水冒出来了", "下水道堵了污水漫到路上"),
                   ("sewage overflowing", "blocked drain, dirty water on the road")),
        "debris": (("建筑垃圾乱倒", "装修垃圾乱堆", "建筑装修垃圾堆放没人清运", "乱倒建筑垃圾"),
                   ("construction waste dumped", "renovation debris left outside")),
        "dog": (("狗粪便没人清理", "地上有狗屎", "宠物粪便没有清理"),
                ("dog mess not cleaned up",)),
    },
    "city_appearance": {
        "flyers": (("乱张贴小广告", "墙上贴满小广告", "到处贴小广告", "牛皮癣小广告"),
                   ("illegal flyers on the wall", "ads stuck everywhere")),
        "signboard": (("店招脱落", "店铺招牌掉下来了", "门头招牌脱落", "招牌松动快掉了"),
                      ("shop sign coming loose", "shop sign fell down")),
        "vendor": (("流动摊贩占道经营", "路边有人摆摊占道", "摊贩占道经营", "有人占道摆摊卖水果"),
                   ("street vendor blocking the pavement", "stall on the sidewalk")),
        "laundry": (("沿街晾晒衣物", "在行道树上晾衣服", "沿街乱晾晒被子衣服"),
                    ("laundry hung along the street",)),
        "graffiti": (("墙面乱涂乱画", "墙上被涂鸦", "外墙乱写乱画"),
                     ("graffiti on the wall",)),
    },
    "public_order": {
        "drinking": (("有人聚众喝酒闹事", "有人喝醉酒闹事", "醉汉闹事", "几个人喝酒吵闹闹事"),
                     ("drunk people fighting", "group drinking and making trouble")),
        "vagrant": (("流浪人员露宿", "有流浪汉在这里露宿", "流浪人员睡在路边"),
                    ("homeless person sleeping rough",)),
        "gambling": (("有人聚众赌博", "疑似聚众赌博", "有人在打牌赌博"),
                     ("suspected gambling",)),
        "scam": (("有人发放诈骗传单", "有人发诈骗小卡片", "陌生人发传单骗老人"),
                 ("people handing out scam leaflets",)),
    },
    "public_safety": {
        "corridor": (("楼道堆放杂物", "楼道杂物堆积", "楼道里堆满杂物纸箱", "楼梯间堆放杂物"),
                     ("stairwell blocked by clutter", "junk piled in the corridor")),
        "charging": (("电动车飞线充电", "楼道内给电瓶车充电", "私拉电线给电动车充电", "电动车在楼道充电"),
                     ("e-bike charged with a cable from the window", "electric bike charging in the stairwell")),
        "fire_lane": (("消防通道被占用", "车辆堵塞消防通道", "消防通道被车堵了"),
                      ("fire lane blocked", "car parked in the fire lane")),
        "gas": (("闻到煤气味", "有煤气泄漏的味道", "燃气泄漏有异味"),
                ("smell of gas", "gas leak smell")),
        "falling": (("外墙瓷砖脱落", "外墙瓷砖掉下来了", "外墙砖脱落有坠落危险"),
                    ("wall tiles falling off", "tiles dropping from the facade")),
    },
    "traffic_parking": {
        "car": (("机动车乱停放", "汽车违停占用人行道", "车辆乱停乱放", "汽车停在人行道上", "机动车违停"),
                ("car parked on the pavement", "illegal parking")),
        "bikes": (("共享单车乱停", "共享单车堆积", "共享单车乱停乱放", "共享单车堵住路口"),
                  ("shared bikes piled up", "shared bikes blocking the way")),
        "zombie": (("僵尸车长期停放", "废弃车辆长期占用车位", "一辆废弃车停了好几个月没动"),
                   ("abandoned car", "car left for months")),
    },
    "illegal_construction": {
        "rooftop": (("楼顶违章搭建", "屋顶加盖彩钢房", "顶楼违建", "楼顶私自加盖"),
                    ("illegal rooftop structure", "steel shed built on the roof")),
        "yard": (("一楼住户私自扩建院子", "一楼私自圈占绿地扩建", "一楼住户违规扩建院子"),
                 ("ground-floor flat extended into the green space",)),
        "shed": (("违规搭建棚子", "私搭乱建棚子", "违章搭建简易棚"),
                 ("unauthorised shed built",)),
    },
    "disputes_noise": {
        "neighbour": (("楼上噪音扰民", "楼上邻居太吵", "楼上半夜噪音很大", "楼上噪音影响休息"),
                      ("noisy neighbours upstairs", "loud noise from upstairs at night")),
        "dance": (("广场舞音响太响", "跳广场舞声音大", "广场舞噪音扰民"),
                  ("square dance music too loud",)),
        "site": (("工地夜间施工噪音", "晚上施工太吵", "工地半夜还在施工"),
                 ("construction noise at night",)),
        "leak": (("楼上漏水到楼下引发纠纷", "邻里因漏水吵架", "楼上漏水，邻居不肯修"),
                 ("water leaking from upstairs, neighbours arguing",)),
    },
    "livelihood": {
        "elderly": (("独居老人需要帮助", "独居老人生活困难", "独居老人行动不便需要上门帮助"),
                    ("elderly person living alone needs help",)),
        "water": (("小区停水", "自来水没水", "家里停水了", "停水没有通知"),
                  ("no running water", "water cut off")),
        "elevator": (("电梯故障停运", "电梯坏了", "电梯故障困人", "电梯又坏了停运"),
                     ("lift out of order", "elevator broken")),
    },
}

STREETS = ("文三路", "学院路", "教工路", "文一西路", "古翠路", "莫干山路", "天目山路", "保俶北路", "益乐路", "文二路")
ESTATES = ("翠苑一区", "翠苑二区", "文鼎苑", "嘉绿苑", "古荡新村", "益乐新村", "骆家庄", "庆丰新村")
PREFIXES = ("", "", "", "发现", "巡查发现", "居民反映", "今天")
TAILS = ("", "", "", "，存在安全隐患", "，请尽快处理", "，已经好几天了", "，影响居民出行", "。", "！", "，需要处理")


@dataclass
class Place:
    lat: float
    lon: float
    street: str
    estate: str
    building: int
    number: int

    def phrases_zh(self) -> list[str]:
        return [
            f"{self.estate}{self.building}幢",
            f"{self.building}号楼下",
            f"{self.estate}{self.building}号楼旁",
            f"{self.building}幢单元门口",
            f"{self.street}{self.number}号",
            f"{self.street}{self.number}号门口",
        ]

    def phrases_en(self) -> list[str]:
        return [f"near building {self.building}", f"outside No. {self.number}", f"at block {self.building}"]


@dataclass
class Problem:
    key: int
    category: str
    subcategory: str
    place: Place
    day: int
    hour: float
    photo_base: int
    kind: str = "plain"  # plain | next_door | same_place_other | same_street
    reports: list[ReportFeatures] = field(default_factory=list)


def _offset(lat: float, lon: float, metres: float, bearing: float) -> tuple[float, float]:
    north, east = metres * math.cos(bearing), metres * math.sin(bearing)
    return lat + north / 111_195, lon + east / (111_195 * math.cos(math.radians(lat)))


def _describe(rng: random.Random, problem: Problem, english: bool) -> str:
    zh, en = CATALOGUE[problem.category][problem.subcategory]
    if english:
        what = rng.choice(en)
        where = rng.choice(problem.place.phrases_en())
        text = f"{what} {where}" if rng.random() < 0.7 else f"{where.capitalize()}: {what}"
        return text[0].upper() + text[1:]
    what = rng.choice(zh)
    where = rng.choice(problem.place.phrases_zh()) if rng.random() < 0.75 else ""
    if where and rng.random() < 0.3:
        body = f"{what}，在{where}"
    else:
        body = f"{where}{what}"
    return rng.choice(PREFIXES) + body + rng.choice(TAILS)


def _photos(rng: random.Random, base: int) -> tuple[str, ...]:
    if rng.random() < 0.15:
        return ()  # some reports go in without a photo
    shots = []
    for _ in range(rng.randint(1, 3)):
        value = base
        for bit in rng.sample(range(64), rng.randint(1, 5)):
            value ^= 1 << bit
        shots.append(f"{value:016x}")
    return tuple(shots)


def _file_reports(rng: random.Random, problem: Problem, next_id) -> None:
    n = rng.choices((1, 2, 3, 4), weights=(35, 30, 22, 13))[0]
    reporters = rng.sample(TEAM, n)
    for k, reporter in enumerate(reporters):
        hours = problem.hour + (0 if k == 0 else rng.uniform(0, 6) if rng.random() < 0.85 else rng.uniform(12, 30))
        _add_report(rng, problem, reporter, problem.day * DAY_MS + int(hours * HOUR_MS), next_id)
    if rng.random() < 0.15:  # 一人多诉: one of them files it again a few days later
        again = problem.day * DAY_MS + int((problem.hour + rng.uniform(24, 5 * 24)) * HOUR_MS)
        _add_report(rng, problem, rng.choice(reporters), again, next_id)


def _add_report(rng: random.Random, problem: Problem, reporter: str, offset_ms: int, next_id) -> None:
    located = rng.random() >= 0.05
    lat = lon = None
    if located:
        lat, lon = _offset(problem.place.lat, problem.place.lon, rng.uniform(5, 40), rng.uniform(0, 2 * math.pi))
    category = problem.category
    if rng.random() < 0.02:  # picked the wrong category on the phone
        category = rng.choice([c for c in CATALOGUE if c != problem.category])
    problem.reports.append(
        ReportFeatures(
            id=next_id(),
            category=category,
            subcategory=problem.subcategory if category == problem.category and rng.random() < 0.5 else None,
            lat=lat,
            lon=lon,
            at_ms=START_MS + offset_ms,
            description=_describe(rng, problem, english=rng.random() < 0.1),
            reporter=reporter,
            photo_hashes=_photos(rng, problem.photo_base),
        )
    )


def _random_place(rng: random.Random) -> Place:
    return Place(
        lat=rng.uniform(30.27, 30.33),
        lon=rng.uniform(120.12, 120.18),
        street=rng.choice(STREETS),
        estate=rng.choice(ESTATES),
        building=rng.randint(1, 40),
        number=rng.randint(1, 300),
    )


def generate(seed: int, n_problems: int, days: int = 14) -> list[Problem]:
    """Problems with their reports; about a third are planted near misses of another."""
    rng = random.Random(seed)
    counter = itertools.count(1)

    def next_id() -> str:
        return f"r{next(counter):05d}"

    problems: list[Problem] = []
    while len(problems) < n_problems:
        key = len(problems)
        anchor = rng.choice(problems) if problems and rng.random() < 0.35 else None
        if anchor is None:
            category = rng.choice(list(CATALOGUE))
            problem = Problem(key, category, rng.choice(list(CATALOGUE[category])), _random_place(rng),
                              rng.randrange(days), rng.uniform(8, 18), rng.getrandbits(64))
        else:
            problem = _near_miss(rng, key, anchor)
        _file_reports(rng, problem, next_id)
        problems.append(problem)
    return problems


def _near_miss(rng: random.Random, key: int, anchor: Problem) -> Problem:
    kind = rng.choice(("next_door", "same_place_other", "same_street"))
    a = anchor.place
    hour = anchor.hour + rng.uniform(-3, 3)
    if kind == "next_door":  # the same kind of problem 80-200 m away
        lat, lon = _offset(a.lat, a.lon, rng.uniform(80, 200), rng.uniform(0, 2 * math.pi))
        place = Place(lat, lon, a.street, a.estate, rng.randint(1, 40), rng.randint(1, 300))
        sub = anchor.subcategory if rng.random() < 0.5 else rng.choice(list(CATALOGUE[anchor.category]))
        return Problem(key, anchor.category, sub, place, anchor.day, hour, rng.getrandbits(64), kind)
    if kind == "same_place_other":  # something else wrong at the very same spot
        lat, lon = _offset(a.lat, a.lon, rng.uniform(0, 20), rng.uniform(0, 2 * math.pi))
        place = Place(lat, lon, a.street, a.estate, a.building, a.number)
        category = rng.choice([c for c in CATALOGUE if c != anchor.category])
        return Problem(key, category, rng.choice(list(CATALOGUE[category])), place, anchor.day, hour,
                       rng.getrandbits(64), kind)
    # same category, same street, same day, a different problem 50-300 m along
    lat, lon = _offset(a.lat, a.lon, rng.uniform(50, 300), rng.uniform(0, 2 * math.pi))
    place = Place(lat, lon, a.street, rng.choice(ESTATES), rng.randint(1, 40), rng.randint(1, 300))
    others = [s for s in CATALOGUE[anchor.category] if s != anchor.subcategory]
    return Problem(key, anchor.category, rng.choice(others), place, anchor.day, hour, rng.getrandbits(64), kind)


def _pairs(groups) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in itertools.combinations(g, 2)}


def evaluate(problems: list[Problem], threshold: float) -> dict:
    """Cluster all reports and compare with the labels."""
    reports = [r for p in problems for r in p.reports]
    truth_of = {r.id: p.key for p in problems for r in p.reports}
    true_groups = [tuple(sorted(r.id for r in p.reports)) for p in problems if len(p.reports) > 1]
    started = time.perf_counter()
    clusters = cluster_reports(reports, threshold=threshold)
    elapsed = time.perf_counter() - started
    predicted = [c.report_ids for c in clusters]
    true_pairs, predicted_pairs = _pairs(true_groups), _pairs(predicted)
    hits = true_pairs & predicted_pairs
    reporter_of = {r.id: r.reporter for r in reports}
    same_reporter_pairs = {p for p in true_pairs if reporter_of[p[0]] == reporter_of[p[1]]}
    false_by_kind: Counter[str] = Counter()
    kind_of = {p.key: p.kind for p in problems}
    for a, b in predicted_pairs - true_pairs:
        kinds = {kind_of[truth_of[a]], kind_of[truth_of[b]]} - {"plain"}
        false_by_kind[next(iter(kinds)) if kinds else "unrelated"] += 1
    pure = sum(1 for c in predicted if len({truth_of[i] for i in c}) == 1)
    exact = len(set(predicted) & set(true_groups))
    return {
        "reports": len(reports),
        "problems": len(problems),
        "near_misses": sum(1 for p in problems if p.kind != "plain"),
        "true_pairs": len(true_pairs),
        "predicted_pairs": len(predicted_pairs),
        "pair_precision": len(hits) / len(predicted_pairs) if predicted_pairs else 1.0,
        "pair_recall": len(hits) / len(true_pairs) if true_pairs else 1.0,
        "same_reporter_recall": (len(hits & same_reporter_pairs) / len(same_reporter_pairs)
                                 if same_reporter_pairs else 1.0),
        "same_reporter_pairs": len(same_reporter_pairs),
        "true_clusters": len(true_groups),
        "predicted_clusters": len(predicted),
        "cluster_purity": pure / len(predicted) if predicted else 1.0,
        "cluster_exact_recall": exact / len(true_groups) if true_groups else 1.0,
        "false_pairs_by_near_miss": dict(sorted(false_by_kind.items())),
        "seconds": elapsed,
    }


def machine_description() -> str:
    """CPU model, core count, Python version and OS, for the benchmark record."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{model} ({platform.machine()}, {os.cpu_count()} CPUs), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def format_results(result: dict, command: str) -> str:
    machine = machine_description()
    return "\n".join([
        "## Duplicate detection (`bench/dedupe_eval.py`)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine}",
        "",
        f"{result['reports']} reports of {result['problems']} problems "
        f"({result['near_misses']} planted near misses) over 14 days; "
        f"`cluster_reports` took {result['seconds'] * 1000:.0f} ms.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| pairwise precision | {result['pair_precision']:.3f} |",
        f"| pairwise recall | {result['pair_recall']:.3f} |",
        f"| true / predicted duplicate pairs | {result['true_pairs']} / {result['predicted_pairs']} |",
        f"| recall on 一人多诉 pairs (same reporter) | {result['same_reporter_recall']:.3f} "
        f"({result['same_reporter_pairs']} pairs) |",
        f"| cluster purity (predicted clusters from one problem) | {result['cluster_purity']:.3f} |",
        f"| clusters recovered exactly | {result['cluster_exact_recall']:.3f} "
        f"({result['true_clusters']} true, {result['predicted_clusters']} predicted) |",
        f"| false pairs by near-miss kind | {result['false_pairs_by_near_miss'] or 'none'} |",
        "",
        f"Target pairwise precision and recall >= 0.9: {'met' if _meets_target(result) else 'missed'}.",
    ])


def _meets_target(result: dict) -> bool:
    return result["pair_precision"] >= 0.9 and result["pair_recall"] >= 0.9


def write_section(path: str, name: str, body: str) -> None:
    """Replace the text between this benchmark's markers, leaving every other section alone."""
    replace_section(name, body, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--problems", type=int, default=400)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    result = evaluate(generate(args.seed, args.problems), args.threshold)
    command = f".venv/bin/python bench/dedupe_eval.py --seed {args.seed} --problems {args.problems}"
    if args.threshold != DEFAULT_THRESHOLD:
        command += f" --threshold {args.threshold}"
    text = format_results(result, command)
    print(text)
    if args.write:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        write_section(os.path.join(root, "docs", "BENCHMARKS.md"), "dedupe-eval", text)
    return 0 if _meets_target(result) else 1


if __name__ == "__main__":
    sys.exit(main())
