#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest on SQLite and, when
# WIREFIX_TEST_PG_URL is set, on that PostgreSQL too (started here if it is local and down).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${WIREFIX_TEST_PG_URL:-}" ]; then
  bash scripts/postgres.sh "$WIREFIX_TEST_PG_URL"
fi
lint=()
for d in wirefix tests migrations samples bench; do [ -d "$d" ] && lint+=("$d"); done
.venv/bin/ruff check "${lint[@]}"
.venv/bin/python -m pytest -q "$@"
