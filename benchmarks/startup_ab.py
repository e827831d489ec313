#!/usr/bin/env python3
"""Fixed per-process cost of `analyze`: two builds alternated on a short clip (issue 5).

  benchmarks/startup_ab.py BASE_BIN NEW_BIN [--pairs 30] [--clip CLIP]

The default clip is the first 2 s (one GOP) of the 120 s clip `cases_bench.py batch` makes, cut
without re-encoding, so decode and inference are ~15 ms and the rest is start-up: dynamic
loading, argument parsing, model load, opening the store, the clip fingerprint, exit. Each pair
runs `perf stat -e task-clock,page-faults taskset -c 0 BIN analyze CLIP --db TMP --force --json`
for both binaries, the order alternating; one warm-up pair is not counted. Prints task-clock
min / median / max (CPU ms, less sensitive to the other core's load than wall time), median
page faults, and the median of the per-pair differences BASE − NEW. Run it through
/work/wt/quiet.sh on the shared machine.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases_bench import make_clip  # noqa: E402


def run(binary, clip, db):
    cmd = ["perf", "stat", "-x,", "-e", "task-clock,page-faults", "taskset", "-c", "0",
           binary, "analyze", clip, "--db", db, "--force", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{binary}: exit {out.returncode}: {out.stderr.strip()}")
    fields = {l.split(",")[2]: float(l.split(",")[0]) for l in out.stderr.splitlines() if l.count(",") >= 2}
    return fields["task-clock"], fields["page-faults"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base"); ap.add_argument("new")
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--clip")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="sw-startup-")
    clip = a.clip
    if clip is None:
        long_clip = make_clip(120, "bench-1080p25-gop50-120s.mp4")
        clip = os.path.join(tmp, "short.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", long_clip, "-t", "2", "-c", "copy", clip], check=True)
    bins = [("base", a.base), ("new", a.new)]
    res = {"base": [], "new": []}
    faults = {"base": [], "new": []}
    diffs = []
    for i in range(a.pairs + 1):
        got = {}
        for name, b in (bins if i % 2 == 0 else bins[::-1]):
            got[name] = run(b, clip, os.path.join(tmp, name + ".sqlite"))
        if i == 0:
            continue
        for name in got:
            res[name].append(got[name][0]); faults[name].append(got[name][1])
        diffs.append(got["base"][0] - got["new"][0])
    for name, b in bins:
        v = res[name]
        print(f"{name:4s} {b}: task-clock ms {min(v):.1f}/{statistics.median(v):.1f}/{max(v):.1f} "
              f"(min/median/max of {len(v)}), page faults median {statistics.median(faults[name]):.0f}")
    print(f"base - new: median of per-pair differences {statistics.median(diffs):.1f} ms, "
          f"difference of medians {statistics.median(res['base']) - statistics.median(res['new']):.1f} ms")
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
