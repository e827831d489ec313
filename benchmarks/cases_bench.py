#!/usr/bin/env python3
"""Benchmarks for issue 5 (cases and live). Not tests: run by hand, results go to RESULTS.md.

  batch: `streetwarden analyze` (keyframes, whole process, pinned to one core) on a 1080p 25 fps
         H.264 clip with a 2 s GOP, against the ffmpeg CLI decoding the same keyframes.
  live:  one `streetwarden watch` process pinned to 2 cores holding N 1080p streams that ffmpeg
         publishes on loopback (MPEG-TS over UDP or TCP, stream copy, real-time pace); counts samples per
         stream against the keyframes sent, and resident memory before and with the streams.

Usage: benchmarks/cases_bench.py batch [--runs 5] [--seconds 120] [--json]
       benchmarks/cases_bench.py live [--streams 32] [--seconds 60] [--transport udp|tcp] [--json]
"""
import argparse, json, os, platform, re, resource, signal, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("STREETWARDEN_BIN", os.path.join(ROOT, ".build/release/streetwarden"))
CACHE = os.path.join(ROOT, "benchmarks/.cache")


def header():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores_online": os.cpu_count(), "kernel": platform.release(), "commit": commit,
            "binary": os.path.relpath(BIN, ROOT), "build": "make build (kernels -O, target-cpu per ISA target)"}


def make_clip(seconds, name):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, name)
    if not os.path.exists(path):
        fmt = ["-f", "mpegts"] if path.endswith(".ts") else []
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25",
                        "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
                        "-sc_threshold", "0", "-b:v", "6M", "-pix_fmt", "yuv420p", *fmt, path], check=True)
    return path


def spread(xs):
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def timed(cmd, **kw):
    """Runs cmd; returns (wall seconds, CPU seconds user+sys of the child, completed process)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, **kw)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), r


def batch(args):
    clip = make_clip(args.seconds, f"bench-1080p25-gop50-{args.seconds}s.mp4")
    tmp = tempfile.mkdtemp(prefix="sw-bench-")
    ours, peer, ours_cpu, peer_cpu = [], [], [], []
    cmd = ["taskset", "-c", "0", BIN, "analyze", clip, "--db", os.path.join(tmp, "b.sqlite"), "--force", "--json"]
    peer_cmd = ["taskset", "-c", "0", "ffmpeg", "-v", "error", "-threads", "1", "-skip_frame", "nokey", "-i", clip, "-f", "null", "-"]
    for i in range(args.runs + 1):  # first run is the warm-up
        dt, dc, r = timed(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"analyze failed: {r.stderr.strip()}")
        pt, pc, _ = timed(peer_cmd, check=True)
        if i > 0:
            ours.append(dt); peer.append(pt); ours_cpu.append(dc); peer_cpu.append(pc)
    res = {"header": header(), "clip": os.path.relpath(clip, ROOT), "media_seconds": args.seconds, "runs": args.runs,
           "commands": {"ours": " ".join(cmd), "peer": " ".join(peer_cmd)},
           "ours_wall_s": spread(ours), "peer_wall_s": spread(peer),
           "ours_x_realtime": spread([args.seconds / x for x in ours]),
           "peer_x_realtime": spread([args.seconds / x for x in peer]),
           "ours_cpu_s": spread(ours_cpu), "peer_cpu_s": spread(peer_cpu),
           "ours_x_realtime_cpu": spread([args.seconds / x for x in ours_cpu]),
           "peer_x_realtime_cpu": spread([args.seconds / x for x in peer_cpu]),
           "load_average": os.getloadavg()}
    print(json.dumps(res, indent=2) if args.json else
          f"analyze: {res['ours_x_realtime']['median']:.0f}x real time (min {res['ours_x_realtime']['min']:.0f}, max {res['ours_x_realtime']['max']:.0f}); "
          f"ffmpeg keyframe decode: {res['peer_x_realtime']['median']:.0f}x; CPU time: ours {res['ours_x_realtime_cpu']['median']:.0f}x, "
          f"ffmpeg {res['peer_x_realtime_cpu']['median']:.0f}x (load {res['load_average'][0]:.1f})")


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for m in re.finditer(r'^streetwarden_(\w+)\{camera="([^"]+)"\} ([0-9.]+)$', text, re.M):
        out.setdefault(m.group(2), {})[m.group(1)] = float(m.group(3))
    return out


def live(args):
    clip = make_clip(args.seconds, f"bench-1080p25-gop50-{args.seconds}s.ts")
    keyframes = int(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-skip_frame", "nokey", "-count_frames",
                                    "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", clip],
                                   capture_output=True, text=True, check=True).stdout.split()[0])
    tmp = tempfile.mkdtemp(prefix="sw-live-")
    base, mport = 41000, 9470
    udp = args.transport == "udp"
    url = (lambda p: f"udp://127.0.0.1:{p}?fifo_size=10000&overrun_nonfatal=1") if udp else (lambda p: f"tcp://127.0.0.1:{p}?listen=1")
    cams = "\n".join(f"  - id: s{i:02d}\n    url: {url(base + i)}\n"
                     f"    options: {{buffer_size: 8388608, read_timeout: 4, probesize: 500000, analyzeduration: 1000000}}" for i in range(args.streams))
    cfg = os.path.join(tmp, "live.yaml")
    open(cfg, "w").write(f"metrics: {{port: {mport}}}\ncameras:\n{cams}\n")
    watch = subprocess.Popen(["taskset", "-c", "0,1", BIN, "watch", "--config", cfg, "--db", os.path.join(tmp, "live.sqlite")],
                             stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "watch.log"), "w"), text=True)
    # Wait until every stream's UDP port is bound, so no publisher sends into the void.
    want = {base + i for i in range(args.streams)}
    for _ in range(300):
        bound = set()
        for line in open("/proc/net/udp" if udp else "/proc/net/tcp").readlines()[1:]:
            f = line.split()
            if udp or f[3] == "0A":  # TCP: LISTEN
                bound.add(int(f[1].split(":")[1], 16))
        if want <= bound:
            break
        time.sleep(0.1)
    else:
        sys.exit("watch did not bind every port")
    time.sleep(1)
    rss0 = rss_mb(watch.pid)
    dest = (lambda p: f"udp://127.0.0.1:{p}?pkt_size=1316") if udp else (lambda p: f"tcp://127.0.0.1:{p}")
    pubs = [subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-i", clip, "-c", "copy", "-f", "mpegts", dest(base + i)])
            for i in range(args.streams)]
    peak = rss0
    while any(p.poll() is None for p in pubs):
        time.sleep(1)
        peak = max(peak, rss_mb(watch.pid))
    time.sleep(2)
    m = metrics(mport)
    watch.send_signal(signal.SIGTERM)
    out, _ = watch.communicate(timeout=60)
    samples = [m.get(f"s{i:02d}", {}).get("samples_total", 0) for i in range(args.streams)]
    res = {"header": header(), "transport": args.transport, "streams": args.streams, "seconds": args.seconds, "keyframes_sent_per_stream": keyframes,
           "samples_per_stream": spread(samples), "streams_with_loss": sum(1 for s in samples if s < keyframes),
           "rss_before_mb": rss0, "rss_peak_mb": peak, "rss_growth_per_stream_mb": (peak - rss0) / args.streams,
           "watch_exit": watch.returncode, "watch_stdout": out.strip(),
           "inference_seconds_total": sum(v.get("inference_seconds_total", 0) for v in m.values())}
    print(json.dumps(res, indent=2) if args.json else
          f"{args.streams} streams: samples/stream {res['samples_per_stream']} of {keyframes} keyframes sent; "
          f"streams with loss {res['streams_with_loss']}; RSS {rss0:.0f} → {peak:.0f} MB "
          f"({res['rss_growth_per_stream_mb']:.1f} MB/stream); exit {watch.returncode}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["batch", "live"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=None)
    ap.add_argument("--streams", type=int, default=32)
    ap.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.seconds is None:
        a.seconds = 120 if a.what == "batch" else 60
    (batch if a.what == "batch" else live)(a)
