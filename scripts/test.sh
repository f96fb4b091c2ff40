#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest on SQLite and, when
# WIREFIX_TEST_PG_URL is set, on that PostgreSQL too (started here if it is local and down).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The HTML report is tested in a real headless browser: Debian's chromium.
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing Debian's chromium for the report test"
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ -n "${WIREFIX_TEST_PG_URL:-}" ]; then
  bash scripts/postgres.sh "$WIREFIX_TEST_PG_URL"
fi
lint=()
for d in wirefix tests migrations samples bench; do [ -d "$d" ] && lint+=("$d"); done
.venv/bin/ruff check "${lint[@]}"
# The layout's import rules (docs/architecture.md).
.venv/bin/lint-imports --no-cache
# The types (pyproject.toml [tool.mypy]).
.venv/bin/mypy wirefix
# Two workers (the machine has two cores); each test file stays on one worker and the WordPress
# tests share one (tests/conftest.py, pytest_xdist_make_scheduler). `-n 0` runs in one process.
.venv/bin/python -m pytest -q -n 2 --dist loadfile "$@"
