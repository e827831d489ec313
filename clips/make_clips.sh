#!/usr/bin/env bash
# Sample clips for `make run`: clips/generated/*.mp4 + *.gt.json (ground truth).
# By default the committed clips in clips/samples (made by clips/make_clips.py) are copied.
# FORCE=1 rebuilds them with clips/make_clips.py, which needs the ffmpeg CLI, Debian's opencv-doc
# (vtest.avi as a backdrop) and a Python with numpy + pillow (the training venv .venv has both).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p generated
if [ "${FORCE:-0}" = 1 ]; then
  for py in ../.venv/bin/python "${PYTHON:-python3}"; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy, PIL' 2>/dev/null; then
      exec "$py" make_clips.py generated
    fi
  done
  echo "make_clips.sh: FORCE=1 needs a Python with numpy and pillow (run 'make train' once)" >&2
  exit 1
fi
for f in samples/*.mp4 samples/*.gt.json; do
  [ -e "generated/$(basename "$f")" ] || cp "$f" generated/
done
