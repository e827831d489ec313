#!/usr/bin/env bash
# Decode benchmark (issue 2): streetwarden's in-process decode + scale against the ffmpeg CLI.
#
#   benchmarks/decode.sh [ROUNDS]        (default 5 rounds, after one warm-up round)
#   taskset -c 1 benchmarks/decode.sh 20 (both sides pinned to one core, as in RESULTS.md)
#
# Makes a 1920x1080, 25 fps, 20 s H.264 clip with a 2 s GOP (testsrc2, x264 defaults) once,
# then runs, interleaved in each round:
#   peer:       ffmpeg -nostdin -v error -threads 1 -i CLIP -f null -
#   all:        streetwarden bench decode CLIP --mode all --threads 1 --json        (decode + scale to 512x288)
#   keyframes:  streetwarden bench decode CLIP --mode keyframes --threads 1 --json
#   start-up:   streetwarden --help  and  ffmpeg -version  (process start and exit only: both
#               load FFmpeg's shared libraries and their ~130 dependencies)
# and prints min / median / max of each, with the ratio of medians. Wall time is measured
# around each whole process for both sides (process start, open and probe included).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
BIN=.build/release/streetwarden
WORK=${STREETWARDEN_BENCH_DIR:-${TMPDIR:-/tmp}/streetwarden-bench}
CLIP=$WORK/h264-1080p25-gop50-20s.mp4
mkdir -p "$WORK"
[ -x "$BIN" ] || make build
if [ ! -s "$CLIP" ]; then
  echo "making $CLIP" >&2
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 20 \
    -c:v libx264 -g 50 -keyint_min 50 -sc_threshold 0 -pix_fmt yuv420p "$CLIP.tmp.mp4"
  mv "$CLIP.tmp.mp4" "$CLIP"
fi
FRAMES=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$CLIP")
DURATION=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$CLIP")

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
wall() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); calc "$t1 - $t0"; }
# CPU seconds (user + system) of the last command run through cpu_of, from GNU time.
CPUF=$WORK/cpu.txt
cpu_of() { /usr/bin/time -f "%U %S" -o "$CPUF" "$@"; }
cpu_last() { awk '{ printf "%.3f", $1 + $2 }' "$CPUF"; }

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p') | $(nproc) cores | $(uname -r) | load $(cut -d' ' -f1-3 /proc/loadavg) | CPUs allowed $(taskset -pc $$ | sed 's/.*: //')"
echo "# ffmpeg: $(ffmpeg -version | head -1 | cut -d' ' -f1-3) | $(swift --version 2>&1 | head -1)"
echo "# build: make build (VideoIO: -O, default target CPU) | commit $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty)"
echo "# clip: $CLIP ($FRAMES frames, ${DURATION}s, 1920x1080 H.264 GOP 50) | rounds: $ROUNDS after 1 warm-up"

declare -a PEER ALL KEY ALL_IN KEY_IN UP_OURS UP_PEER RATIO PEER_CPU ALL_CPU
for round in $(seq 0 "$ROUNDS"); do
  # ABBA: odd rounds run the peer first, even rounds ours first, so that a slow drift of the
  # machine's speed (neighbours, frequency) does not always land on the same side.
  if (( round % 2 )); then order="peer all"; else order="all peer"; fi
  for side in $order; do
    if [ "$side" = peer ]; then
      p=$(wall cpu_of ffmpeg -nostdin -v error -threads 1 -i "$CLIP" -f null -); pc=$(cpu_last)
    else
      t0=$(now); a=$(cpu_of "$BIN" bench decode "$CLIP" --mode all --threads 1 --json); t1=$(now); ac=$(cpu_last)
    fi
  done
  aw=$(calc "$t1 - $t0")
  t0=$(now); k=$("$BIN" bench decode "$CLIP" --mode keyframes --threads 1 --json); t1=$(now)
  kw=$(calc "$t1 - $t0")
  uo=$(wall "$BIN" --help)
  up=$(wall ffmpeg -version)
  [ "$round" = 0 ] && continue   # warm-up
  PEER+=("$p"); ALL+=("$aw"); KEY+=("$kw"); UP_OURS+=("$uo"); UP_PEER+=("$up")
  RATIO+=("$(calc "$p / $aw")")   # same round, back to back: less exposed to slow load swings
  PEER_CPU+=("$pc"); ALL_CPU+=("$ac")
  ALL_IN+=("$(sed 's/.*"seconds":\([0-9.]*\).*/\1/' <<<"$a")")
  KEY_IN+=("$(sed 's/.*"seconds":\([0-9.]*\).*/\1/' <<<"$k")")
  echo "round $round: peer ${p}s (cpu ${pc}) | all ${aw}s (cpu ${ac}) ($a) | keyframes ${kw}s ($k)" >&2
done

stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.3f %.3f %.3f", v[1], m, v[NR]}'; }
read -r pmin pmed pmax <<<"$(stats "${PEER[@]}")"
read -r amin amed amax <<<"$(stats "${ALL[@]}")"
read -r kmin kmed kmax <<<"$(stats "${KEY[@]}")"
read -r aimin aimed aimax <<<"$(stats "${ALL_IN[@]}")"
read -r kimin kimed kimax <<<"$(stats "${KEY_IN[@]}")"
read -r uomin uomed uomax <<<"$(stats "${UP_OURS[@]}")"
read -r upmin upmed upmax <<<"$(stats "${UP_PEER[@]}")"
read -r rmin rmed rmax <<<"$(stats "${RATIO[@]}")"
read -r pcmin pcmed pcmax <<<"$(stats "${PEER_CPU[@]}")"
read -r acmin acmed acmax <<<"$(stats "${ALL_CPU[@]}")"
fps() { calc "$FRAMES / $1" | xargs printf '%.1f'; }
echo
echo "| case | wall s min / median / max | fps (median) | vs peer | real time (median) |"
echo "|---|---|---|---|---|"
echo "| peer: ffmpeg -threads 1 -i CLIP -f null - | $pmin / $pmed / $pmax | $(fps "$pmed") | 1.00x | $(calc "$DURATION / $pmed" | xargs printf '%.1f')x |"
echo "| all: decode + scale 512x288, 1 thread | $amin / $amed / $amax | $(fps "$amed") | $(calc "$pmed / $amed" | xargs printf '%.2f')x (best $(calc "$pmin / $amin" | xargs printf '%.2f')x) | $(calc "$DURATION / $amed" | xargs printf '%.1f')x |"
echo "| keyframes: decode + scale 512x288, 1 thread | $kmin / $kmed / $kmax | $(calc "($FRAMES / 50) / $kmed" | xargs printf '%.1f') | – | $(calc "$DURATION / $kmed" | xargs printf '%.1f')x |"
echo
echo "| start-up: streetwarden --help | $uomin / $uomed / $uomax | – | – | – |"
echo "| start-up: ffmpeg -version | $upmin / $upmed / $upmax | – | – | – |"
echo
echo "per-round ratio peer/all (wall): min $rmin / median $rmed / max $rmax"
echo "CPU seconds (user+sys): peer $pcmin / $pcmed / $pcmax; all $acmin / $acmed / $acmax; ratio of medians $(calc "$pcmed / $acmed" | xargs printf '%.3f')"
echo "in-process timing (bench's own 'seconds', open included): all $aimin / $aimed / $aimax s; keyframes $kimin / $kimed / $kimax s"
