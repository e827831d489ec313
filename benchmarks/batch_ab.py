#!/usr/bin/env python3
"""Batch `analyze` of two builds, alternated round by round (issue 5), with the ffmpeg peer.

  benchmarks/batch_ab.py BASE_BIN NEW_BIN [--rounds 12] [--seconds 120]

Each round runs `taskset -c 0 BIN analyze CLIP --db TMP --force --json` for both binaries (the
order alternates between rounds, so a drift of the machine's speed does not always favour one),
then `ffmpeg -threads 1 -skip_frame nokey -i CLIP -f null -`. One warm-up round is not counted.
The clip is the one `cases_bench.py batch` makes (1080p 25 fps H.264, GOP 50). Prints wall-clock
min / median / max, × real time, and the median per-round speed-up of NEW over BASE.
"""
import argparse, os, statistics, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cases_bench import make_clip, timed  # noqa: E402


def wall(cmd):
    return timed(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base"); ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--seconds", type=int, default=120)
    a = ap.parse_args()
    clip = make_clip(a.seconds, f"bench-1080p25-gop50-{a.seconds}s.mp4")
    tmp = tempfile.mkdtemp(prefix="sw-ab-")
    bins = [("base", a.base), ("new", a.new)]
    res = {"base": [], "new": [], "ffmpeg": []}
    for r in range(a.rounds + 1):
        for name, b in (bins if r % 2 == 0 else bins[::-1]):
            dt = wall(["taskset", "-c", "0", b, "analyze", clip, "--db", os.path.join(tmp, name + ".sqlite"), "--force", "--json"])
            if r: res[name].append(dt)
        dt = wall(["taskset", "-c", "0", "ffmpeg", "-v", "error", "-threads", "1", "-skip_frame", "nokey", "-i", clip, "-f", "null", "-"])
        if r: res["ffmpeg"].append(dt)
    for k, v in res.items():
        m = statistics.median(v)
        print(f"{k:7s} wall s {min(v):.3f}/{m:.3f}/{max(v):.3f}  x real time median {a.seconds / m:.0f} "
              f"(min {a.seconds / max(v):.0f}, max {a.seconds / min(v):.0f})")
    print("per-round speed-up new/base: median %.3f" % statistics.median([b / n for b, n in zip(res["base"], res["new"])]))
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
