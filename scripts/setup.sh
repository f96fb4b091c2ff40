#!/usr/bin/env bash
# Set up wirefix on a Debian/Ubuntu machine: ExifTool (if missing), a virtualenv in .venv and the
# Python packages. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v exiftool >/dev/null 2>&1; then
  echo "setup: installing ExifTool (Debian package libimage-exiftool-perl)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    echo "setup: installing python3-venv"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
    rm -rf .venv
    "$PY" -m venv .venv
  fi
fi

# Reinstall only when the declared dependencies changed.
stamp=.venv/.wirefix-deps
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c 'import wirefix' 2>/dev/null; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # pip warns about every missing local package index configured on some machines; not ours.
  .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | { grep -v "is ignored: it is neither" || true; }
  .venv/bin/python -c 'import wirefix' || { echo "setup: package install failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
echo "setup: ready ($(.venv/bin/wirefix --version), ExifTool $(exiftool -ver))"
