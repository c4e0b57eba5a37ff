"""Replay benchmark: how fast `fayuan.replay.replay` applies an event stream, on one core.

Generates synthetic, valid rosters and event streams (SPEC.md §12) deterministically from a seed,
at three sizes, and measures each size in a fresh subprocess pinned to one core (so peak memory
is per run): the replay itself, and a bare baseline that only parses every event line and writes
one JSON line per decision (the floor for any implementation in Python).

    .venv/bin/python benchmarks/replay_bench.py                      # district and large
    .venv/bin/python benchmarks/replay_bench.py --sizes stress       # minutes
    .venv/bin/python benchmarks/replay_bench.py --profile large      # cProfile, top 25

Data goes to benchmarks/data/<size>/ (gitignored) and is reused while GENERATOR_VERSION and the
seed match. See benchmarks/README.md for the columns.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
DEFAULT_SEED = 20230410
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
POLICY = "beibei-2023"


@dataclass(frozen=True)
class Size:
    name: str
    institutions: int
    cases: int


SIZES = {
    "district": Size("district", 30, 3_000),
    "large": Size("large", 300, 100_000),
    "stress": Size("stress", 1_000, 1_000_000),
}

# ----------------------------------------------------------------------------------------------
# Synthetic data (SPEC §12 formats)

CST = timezone(timedelta(hours=8))
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2026, 12, 20)  # the calendar covers 2026 at most: every deadline stays inside
DAY_START_MIN = 8 * 60 + 30  # cases start between 08:30 and 18:00
DAY_MINUTES = 18 * 60 - DAY_START_MIN

LOCALITIES = (
    "天生街道",
    "北温泉街道",
    "朝阳街道",
    "龙凤桥街道",
    "蔡家岗街道",
    "童家溪镇",
    "歇马街道",
    "澄江镇",
    "静观镇",
    "水土镇",
    "复兴镇",
    "东阳街道",
)
SPECIALTIES = (
    "劳动争议",
    "婚姻家庭",
    "交通事故",
    "工伤赔偿",
    "农民工讨薪",
    "医疗纠纷",
    "合同纠纷",
    "房屋租赁",
    "未成年人保护",
    "行政诉讼",
)
SPECIALTIES_BY_CATEGORY = {
    "civil": ("婚姻家庭", "交通事故", "医疗纠纷", "合同纠纷", "房屋租赁", "未成年人保护"),
    "labor_arbitration": ("劳动争议", "工伤赔偿", "农民工讨薪"),
    "administrative": ("行政诉讼",),
    "non_litigation": SPECIALTIES,
}
NON_CRIMINAL = (
    ("civil", 0.50),
    ("labor_arbitration", 0.25),
    ("administrative", 0.08),
    ("non_litigation", 0.17),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰红玉飞鹏辉波宁健斌婷雪琳晶燕萍凤云"
    "莉梅建国志文德海峰亮成林东春"
)
COMPANY_A = "渝北嘉陵缙云温泉天府蔡家两江渝西巴山金刀"
COMPANY_B = ("建筑工程", "物业管理", "劳务", "机械制造", "物流", "餐饮管理", "汽车服务", "商贸")
REGIONS = ("500109", "500106", "500112", "500103", "500105", "500107")  # 北碚 first
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
BIRTH_BASE = date(1950, 1, 1)
BIRTH_DAYS = 20_000  # 1950-01-01 .. 2004-10
ID_SPACE = BIRTH_DAYS * 1000 * len(REGIONS)
ID_STRIDE = 7_919_003  # coprime with ID_SPACE: person k ↦ a distinct id number


def id_number(k: int) -> str:
    """A valid GB 11643 number, distinct for each k < ID_SPACE."""
    n = (k * ID_STRIDE + 1_234_567) % ID_SPACE
    region = REGIONS[n // (BIRTH_DAYS * 1000)]
    n %= BIRTH_DAYS * 1000
    born = BIRTH_BASE + timedelta(days=n % BIRTH_DAYS)
    body = f"{region}{born:%Y%m%d}{n // BIRTH_DAYS:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


class People:
    """Fresh persons, plus pools of recent aided and opposing persons so that some cases name as
    opposing party someone another held case aids (and the reverse): held-case conflicts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0
        self.recent_aided: deque[dict[str, str]] = deque(maxlen=3_000)
        self.recent_opposing: deque[dict[str, str]] = deque(maxlen=3_000)

    def name(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.8 else "")
        return r.choice(SURNAMES) + given

    def fresh(self, with_id: bool = True) -> dict[str, str]:
        self.count += 1
        person = {"name": self.name()}
        if with_id:
            person["id_number"] = id_number(self.count)
        return person

    def aided(self) -> dict[str, Any]:
        r = self.rng
        if self.recent_opposing and r.random() < 0.02:
            person = r.choice(self.recent_opposing)
        else:
            person = self.fresh(with_id=r.random() < 0.97)
        self.recent_aided.append(person)
        return {**person, "role": "aided"}

    def opposing(self, company: bool) -> dict[str, Any]:
        r = self.rng
        if company:
            name = f"重庆{r.choice(COMPANY_A)}{r.choice(COMPANY_A)}{r.choice(COMPANY_B)}有限公司"
            return {"name": name, "role": "opposing"}
        if self.recent_aided and r.random() < 0.04:
            person = r.choice(self.recent_aided)
        else:
            person = self.fresh(with_id=r.random() < 0.85)
        self.recent_opposing.append(person)
        return {**person, "role": "opposing"}


def make_roster(size: Size, rng: random.Random) -> dict[str, Any]:
    n = size.institutions
    firms = round(n * 0.75)
    sequence = list(range(1, n + 1))
    rng.shuffle(sequence)
    institutions: list[dict[str, Any]] = []
    practitioners: list[dict[str, Any]] = []
    for k in range(n):
        law_firm = k < firms
        iid = f"F{k + 1:04d}" if law_firm else f"G{k - firms + 1:04d}"
        locality = rng.choice(LOCALITIES)
        name = (
            f"重庆{rng.choice(SURNAMES)}{rng.choice(GIVEN)}律师事务所"
            if law_firm
            else f"重庆市北碚区{locality}法律服务所"
        )
        institutions.append(
            {
                "id": iid,
                "name": name,
                "kind": "law_firm" if law_firm else "grassroots_office",
                "locality": locality,
                "sequence": sequence[k],
                "active": rng.random() >= 0.03,
            }
        )
        for _ in range(rng.randint(2, 15)):
            pid = f"{'L' if law_firm else 'J'}{len(practitioners) + 1:06d}"
            licensed = date(2000, 1, 1) + timedelta(days=rng.randrange(26 * 365))
            practitioners.append(
                {
                    "id": pid,
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "institution": iid,
                    "kind": "lawyer" if law_firm else "grassroots_worker",
                    "licensed_on": licensed.isoformat(),
                    "criminal_defense_cases": rng.randint(0, 60) if law_firm else 0,
                    "specialties": rng.sample(SPECIALTIES, rng.randint(0, 3)),
                    "quality": rng.randint(60, 99),
                    "active": rng.random() >= 0.03,
                }
            )
    return {
        "center": {"id": "beibei", "name": "重庆市北碚区法律援助中心"},
        "institutions": institutions,
        "practitioners": practitioners,
    }


def _pick_category(rng: random.Random) -> str:
    if rng.random() < 0.45:
        return "criminal"
    x = rng.random()
    for category, share in NON_CRIMINAL:
        if x < share:
            return category
        x -= share
    return NON_CRIMINAL[-1][0]


def make_events(size: Size, roster: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    """The stream in chronological order: cases, ~1% handler changes, a few suspensions."""
    institutions = [i["id"] for i in roster["institutions"]]
    firms = [i["id"] for i in roster["institutions"] if i["kind"] == "law_firm"]
    lawyers = [p["id"] for p in roster["practitioners"] if p["kind"] == "lawyer"]
    everyone = [p["id"] for p in roster["practitioners"]]
    people = People(rng)
    n = size.cases
    days = (LAST_DAY - FIRST_DAY).days + 1
    span = days * DAY_MINUTES
    recent_cases: deque[str] = deque(maxlen=2_000)
    suspensions = max(2, size.institutions // 15)
    suspend_at = {rng.randrange(n // 20, n - n // 20): None for _ in range(suspensions)}
    suspended: dict[str, int] = {}  # institution -> case index to reinstate at

    for i in range(n):
        offset = (i + rng.random()) * span / n  # minutes of office time since FIRST_DAY 08:30
        day, minute = divmod(int(offset), DAY_MINUTES)
        started = datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time(), CST)
        started += timedelta(minutes=DAY_START_MIN + minute, seconds=rng.randrange(60))
        at = started.isoformat()

        for inst, until in list(suspended.items()):
            if i >= until:
                del suspended[inst]
                yield {"type": "reinstate", "institution": inst, "at": at}
        if i in suspend_at:
            inst = rng.choice(institutions)
            if inst not in suspended:
                suspended[inst] = i + rng.randrange(n // 50 + 1, n // 8 + 2)
                yield {"type": "suspend", "institution": inst, "at": at}

        yield make_case(i, at, rng, people, institutions, firms, lawyers, everyone)
        recent_cases.append(f"C{i + 1:07d}")

        if rng.random() < 0.01 and len(recent_cases) > 1:
            yield {
                "type": "change_handler",
                "case": rng.choice(recent_cases),
                "at": at,
                "reason": "利益冲突" if rng.random() < 0.4 else "受援人与承办人沟通困难，申请更换",
                "consent": rng.random() < 0.9,
                "mode": "same_institution" if rng.random() < 0.5 else "other_institution",
                "bureau_approved": rng.random() < 0.1,
            }


def make_case(
    i: int,
    at: str,
    rng: random.Random,
    people: People,
    institutions: list[str],
    firms: list[str],
    lawyers: list[str],
    everyone: list[str],
) -> dict[str, Any]:
    category = _pick_category(rng)
    criminal = category == "criminal"
    r = rng.random
    case: dict[str, Any] = {
        "type": "case",
        "id": f"C{i + 1:07d}",
        "category": category,
        "source": ("notification" if r() < 0.6 else "application") if criminal else "application",
        "started_at": at,
        "aided_persons": 1,
        "locality": rng.choice(LOCALITIES),
        "specialty": None,
        "social_impact": False,
        "major_difficult": False,
        "life_sentence_possible": False,
        "stability_risk": False,
        "chosen_practitioner": None,
        "chosen_institution": None,
        "helped_by_institution": None,
        "conflicts": {"institutions": [], "practitioners": []},
        "parties": [],
    }
    parties = case["parties"]
    if criminal:
        if r() < 0.10:  # serious (第十一条): at least one ground
            grounds = ("social_impact", "major_difficult", "life_sentence_possible")
            for ground in rng.sample(grounds, rng.randint(1, 2)):
                case[ground] = True
        parties.append(people.aided())
        if r() < 0.4:
            parties.append(people.opposing(company=False))  # the victim
    else:
        if r() < 0.9:
            case["specialty"] = rng.choice(SPECIALTIES_BY_CATEGORY[category])
        group = r() < (0.12 if category == "labor_arbitration" else 0.02)
        if group:
            case["aided_persons"] = rng.randint(10, 80)
            case["stability_risk"] = r() < 0.2
            for _ in range(rng.randint(1, 3)):  # the representatives (代表人)
                parties.append(people.aided())
        else:
            parties.append(people.aided())
        case["major_difficult"] = r() < 0.05
        company = category in ("labor_arbitration", "administrative") or r() < 0.3
        parties.append(people.opposing(company=company))
        if r() < 0.30:
            case["helped_by_institution"] = rng.choice(institutions)
    if criminal and r() < 0.05:
        case["helped_by_institution"] = rng.choice(institutions)  # rule 2 skips criminal cases
    if r() < 0.15:  # 点援: the applicant's choice
        if r() < 0.5:
            case["chosen_practitioner"] = rng.choice(
                lawyers if criminal and r() < 0.95 else everyone
            )
        else:
            case["chosen_institution"] = rng.choice(
                firms if criminal and r() < 0.95 else institutions
            )
    if r() < 0.02:
        if r() < 0.5:
            case["conflicts"]["institutions"].append(rng.choice(institutions))
        else:
            case["conflicts"]["practitioners"].append(rng.choice(everyone))
    return case


def data_dir(size: str) -> Path:
    return DATA / size


def ensure_data(size: Size, seed: int, regenerate: bool) -> dict[str, Any]:
    """Generate roster.json and events.jsonl unless the meta file says they are current."""
    folder = data_dir(size.name)
    meta_path = folder / "meta.json"
    want = {"generator_version": GENERATOR_VERSION, "seed": seed, "size": size.name}
    if not regenerate and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        files_ok = (folder / "roster.json").exists() and (folder / "events.jsonl").exists()
        if files_ok and all(meta.get(k) == v for k, v in want.items()):
            return dict(meta)
    folder.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    started = time.perf_counter()
    print(f"generating {size.name} ({size.institutions} institutions, {size.cases:,} cases)…")
    rng = random.Random(f"{seed}:{size.name}")
    roster = make_roster(size, rng)
    (folder / "roster.json").write_text(
        json.dumps(roster, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    counts: dict[str, int] = {}
    lines = 0
    with (folder / "events.jsonl").open("w", encoding="utf-8") as out:
        for event in make_events(size, roster, rng):
            out.write(json.dumps(event, ensure_ascii=False))
            out.write("\n")
            counts[event["type"]] = counts.get(event["type"], 0) + 1
            lines += 1
    meta = {
        **want,
        "institutions": size.institutions,
        "practitioners": len(roster["practitioners"]),
        "cases": counts.get("case", 0),
        "change_handler": counts.get("change_handler", 0),
        "suspend": counts.get("suspend", 0),
        "reinstate": counts.get("reinstate", 0),
        "lines": lines,
    }
    meta_path.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    print(f"  done in {time.perf_counter() - started:.1f} s: {folder}")
    return meta


# ----------------------------------------------------------------------------------------------
# Children: one fresh process per measurement, pinned to one core


def pin_one_core() -> int:
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _replay_setup() -> tuple[Callable[..., Any], Any, Any]:
    from fayuan.policy.params import load_policy
    from fayuan.replay import replay
    from fayuan.workdays import WorkdayCalendar

    return replay, load_policy(POLICY), WorkdayCalendar.default()


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _instrument_deciles(lines: int, marks: list[tuple[float, float]]) -> bool:
    """Wrap fayuan.replay's line reader to note the time at every 10% of the stream's lines.
    Costs one comparison per line. False if the reader is not there (then no deciles)."""
    import fayuan.replay as module

    reader = getattr(module, "_read_events", None)
    if reader is None:
        return False
    bounds = [lines * k // 10 for k in range(1, 10)]

    def timed(path: Path) -> Iterator[tuple[int, str]]:
        marks.append(_now())
        b = 0
        for seen, item in enumerate(reader(path)):
            if b < len(bounds) and seen == bounds[b]:
                marks.append(_now())
                b += 1
            yield item
        marks.append(_now())

    module._read_events = timed  # type: ignore[attr-defined]
    return True


def child_replay(size: str, lines: int) -> dict[str, Any]:
    core = pin_one_core()
    replay, policy, calendar = _replay_setup()
    folder = data_dir(size)
    marks: list[tuple[float, float]] = []
    deciles = _instrument_deciles(lines, marks)
    started, cpu = _now()
    out = folder / "decisions.jsonl"
    result = replay(folder / "roster.json", folder / "events.jsonl", out, policy, calendar)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "core": core,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": peak_mib(),
        "decisions": result.decisions,
        "events": result.events,
        "by_status": dict(result.by_status),
        "by_rule": dict(result.by_rule),
        "by_route": dict(result.by_route),
        "decile_seconds": [b[0] - a[0] for a, b in itertools.pairwise(marks)]
        if deciles and len(marks) == 11
        else [],
        "decile_cpu_seconds": [b[1] - a[1] for a, b in itertools.pairwise(marks)]
        if deciles and len(marks) == 11
        else [],
    }


def child_baseline(size: str) -> dict[str, Any]:
    """Parse every line, write one decision-shaped JSON line per case or handler change, written
    beside and renamed like replay does. No rules at all: the floor."""
    core = pin_one_core()
    folder = data_dir(size)
    out_path = folder / "baseline.jsonl"
    started, cpu = _now()
    written = 0
    with (
        (folder / "events.jsonl").open(encoding="utf-8") as events,
        tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=".baseline.", delete=False
        ) as tmp,
    ):
        for line in events:
            if not line.strip():
                continue
            event = json.loads(line)
            kind = event["type"]
            if kind not in ("case", "change_handler"):
                continue
            decision = {
                "case": event["id"] if kind == "case" else event["case"],
                "status": "assigned",
                "institution": event.get("helped_by_institution"),
                "rule": "ranking",
                "eligible_practitioners": [],
                "handlers_required": 1,
                "route": "director",
                "deadline": event.get("started_at") or event.get("at"),
                "articles": ["第二条", "第五条", "第六条"],
                "declined": [],
            }
            tmp.write(json.dumps(decision, ensure_ascii=False))
            tmp.write("\n")
            written += 1
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, out_path)
    return {
        "core": core,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mib": peak_mib(),
        "decisions": written,
    }


def child_profile(size: str, top: int) -> dict[str, Any]:
    import cProfile
    import pstats

    core = pin_one_core()
    replay, policy, calendar = _replay_setup()
    folder = data_dir(size)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    out = folder / "decisions.jsonl"
    replay(folder / "roster.json", folder / "events.jsonl", out, policy, calendar)
    profiler.disable()
    seconds = time.perf_counter() - started
    stats_path = folder / "replay.pstats"
    profiler.dump_stats(stats_path)
    print(f"profiled replay of {size} on core {core}: {seconds:.1f} s under cProfile")
    print(f"full profile: {stats_path} (e.g. python -m pstats {stats_path})")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    return {"core": core, "seconds": seconds}


def run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"child {' '.join(args)} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------------------------
# Report


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "-"
    share = 100 * part / whole
    return f"{share:.0f}%" if share >= 10 else f"{share:.1f}%"


BUSY = 0.9  # CPU time below this share of wall time: the core was shared with other work


def report(rows: list[tuple[Size, dict[str, Any], dict[str, Any], dict[str, Any]]]) -> None:
    header = (
        f"{'size':<9} {'inst':>5} {'cases (events)':>21} {'replay s':>9} {'cpu s':>8} "
        f"{'cases/s':>8} {'µs/case':>8} {'peak MiB':>9} {'baseline s':>11} {'replay/base':>12}"
    )
    print()
    print(header)
    print("-" * len(header))
    busy = False
    for size, meta, rep, base in rows:
        cases = meta["cases"]
        counted = f"{cases:,} ({meta['lines']:,})"
        flag = " "
        if min(rep["cpu_seconds"] / rep["seconds"], base["cpu_seconds"] / base["seconds"]) < BUSY:
            flag, busy = "*", True
        print(
            f"{size.name:<9} {size.institutions:>5} {counted:>21} {rep['seconds']:>9.2f} "
            f"{rep['cpu_seconds']:>8.2f} {cases / rep['seconds']:>8,.0f} "
            f"{1e6 * rep['seconds'] / cases:>8.1f} {rep['peak_mib']:>9.1f} "
            f"{base['seconds']:>11.3f} {rep['seconds'] / base['seconds']:>11.1f}×{flag}"
        )
    if busy:
        print(
            f"* CPU time under {BUSY:.0%} of wall time: the core was shared with other work; "
            "the wall-clock figures are pessimistic, compare cpu s."
        )
    print()
    for size, meta, rep, _ in rows:
        d = rep["decisions"]
        rules = ", ".join(f"{k} {_pct(v, d)}" for k, v in sorted(rep["by_rule"].items()))
        status = ", ".join(f"{k} {_pct(v, d)}" for k, v in sorted(rep["by_status"].items()))
        routes = ", ".join(f"{k} {_pct(v, d)}" for k, v in sorted(rep["by_route"].items()))
        print(
            f"{size.name}: {d:,} decisions ({meta['change_handler']:,} handler changes, "
            f"{meta['suspend']} suspensions, {meta['practitioners']:,} practitioners)"
        )
        print(f"  status: {status}\n  rule: {rules}\n  route: {routes}")
    size, meta, rep, _ = rows[-1]
    if not rep["decile_seconds"]:
        print("\n(no per-tenth timings: fayuan.replay._read_events not found)")
        return
    per = meta["lines"] / 10
    print(f"\nper-event time by tenth of the {size.name} stream ({per:,.0f} lines each), µs:")
    for label, key in (("wall", "decile_seconds"), ("cpu", "decile_cpu_seconds")):
        us = [1e6 * s / per for s in rep[key]]
        print(f"  {label:<4} " + " ".join(f"{u:6.0f}" for u in us))
        print(
            f"       first 10%: {us[0]:.1f} µs/event; last 10%: {us[-1]:.1f} µs/event "
            f"(last/first {us[-1] / us[0]:.2f})"
        )


def source_version() -> str:
    """HEAD, and whether src/ has uncommitted changes (others may be editing the engine)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted src changes' if dirty else ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="district,large", help=f"some of {','.join(SIZES)}")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--regenerate", action="store_true", help="rewrite the data files")
    parser.add_argument("--profile", metavar="SIZE", choices=SIZES, help="cProfile one size")
    parser.add_argument("--top", type=int, default=25, help="functions to list with --profile")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, size, *rest = args.child
        if kind == "replay":
            result = child_replay(size, int(rest[0]))
        elif kind == "baseline":
            result = child_baseline(size)
        else:
            result = child_profile(size, int(rest[0]))
        # Kept beside the data too, so a long run's figures survive an interrupted parent.
        result["measured_at"] = datetime.now(CST).isoformat(timespec="seconds")
        line = json.dumps(result)
        (data_dir(size) / f"result_{kind}.json").write_text(line + "\n", encoding="utf-8")
        print(line)
        return 0

    if args.profile:
        ensure_data(SIZES[args.profile], args.seed, args.regenerate)
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "profile", args.profile, str(args.top)],
            check=False,
        )
        return proc.returncode

    names = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in names if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    names.sort(key=lambda s: SIZES[s].cases)
    metas = {s: ensure_data(SIZES[s], args.seed, args.regenerate) for s in names}
    print(
        f"\nreplay benchmark: policy {POLICY}, seed {args.seed}, generator v{GENERATOR_VERSION}, "
        f"Python {platform.python_version()}, {platform.machine()}, one core per run"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"source: {source_version()}; load average at start: {load} on {os.cpu_count()} CPUs")
    rows = []
    for s in names:
        meta = metas[s]
        print(f"measuring {s}…", flush=True)
        rep = run_child(["replay", s, str(meta["lines"])])
        base = run_child(["baseline", s])
        if base["decisions"] != rep["decisions"]:
            counts = f"baseline wrote {base['decisions']} lines, replay {rep['decisions']}"
            raise SystemExit(f"{s}: {counts}")
        rows.append((SIZES[s], meta, rep, base))
    print(f"(each run pinned to CPU {rows[0][2]['core']})")
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
