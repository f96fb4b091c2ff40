#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then pytest on SQLite and, when
# WIREFIX_TEST_PG_URL is set, on that PostgreSQL too (started here if it is local and down).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${WIREFIX_TEST_PG_URL:-}" ]; then
  bash scripts/postgres.sh "$WIREFIX_TEST_PG_URL"
fi
.venv/bin/ruff check wirefix tests migrations samples bench
.venv/bin/python -m pytest -q "$@"
