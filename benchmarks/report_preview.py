"""The report's first PDF page as a PNG, for a person to look at (issue 10: "the report's first
page"), with the time each step took.

    .venv/bin/python benchmarks/report_preview.py [--month 2026-12] [--out DIR]

Loads the fictional demo (`fayuan demo --no-serve`) into a fresh database in a temporary
FAYUAN_HOME, writes the center's report for the month (`fayuan manage report`, default: this
month, Beijing time), and renders its first page with poppler's `pdftoppm` (110 dpi). Prints the
path of the PNG (default folder: var/report-preview/, gitignored)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAYUAN = REPO / ".venv" / "bin" / "fayuan"


def step(what: str, argv: list[str], env: dict[str, str]) -> None:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{what} failed ({done.returncode})")
    print(f"{what}: {took:.2f} s", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    this_month = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")
    parser.add_argument("--month", default=this_month)
    parser.add_argument("--center", default="demo")  # fayuan.demo.CENTER_CODE
    parser.add_argument("--out", type=Path, default=REPO / "var" / "report-preview")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: apt-get install poppler-utils")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fayuan-preview-") as home:
        env = {**os.environ, "FAYUAN_HOME": home, "FAYUAN_DEMO_PASSWORD": "preview-only-1"}
        env.pop("DATABASE_URL", None)
        step("demo data", [str(FAYUAN), "demo", "--no-serve"], env)
        step(
            "report",
            [
                str(FAYUAN),
                "manage",
                "report",
                "--center",
                args.center,
                "--month",
                args.month,
                "--out",
                str(args.out),
            ],
            env,
        )
    pdf = args.out / f"report-{args.center}-{args.month}.pdf"
    stem = args.out / f"report-{args.center}-{args.month}-page1"
    step(
        "pdftoppm",
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        dict(os.environ),
    )
    print(f"{stem}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
