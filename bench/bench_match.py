"""Match latency against an index of 10k, 100k and 1M rows on SQLite, or on PostgreSQL with
`--pg URL` (run by hand, not in tests).

Rows are inserted directly (as a scan would leave them: files + file_keys), with realistic
spreads: 5,000 photographers, ten years of dates, 300 cities, 40 agencies' credits, and the
notice's photographer on one file in 500 (2,000 same-photographer look-alikes at 1M rows).
Then three notices are matched end to end (`pipeline.match_notice`: prefilter, load, score, store):
a kill by transmission reference + date, a byline correction, a kill by event only.

    .venv/bin/python bench/bench_match.py [--sizes 10000,100000,1000000] [--dir /tmp/wfbench]
    .venv/bin/python bench/bench_match.py --sizes 1000000 --pg postgresql://postgres@127.0.0.1/x

With `--pg`, a scratch database (`wirefix_bench_match_<pid>`) is created on that server, filled
with one bulk COPY per table, ANALYZEd, matched against and dropped at the end; the URL's own
database is used only to create and drop it.

Measured 2026-12-02, PostgreSQL on the 2-core VM under load 13-14, 1,000,000 rows (built by
COPY in 501 s), median of 5 (max):

    kill by reference + date    81.5 ms (171.6)   1 candidate
    byline correction         2428.1 ms (3880.3)  2,000 candidates (the photographer's look-alikes)
    kill by event only         234.8 ms (1683.5)  1 candidate

Profile of the byline correction at 200k rows (400 candidates, 844 ms wall, 181 ms CPU):
scoring (`decide.match._score`, most in `agencies.agencies_in`), building and inserting the
candidate rows (`replace_candidates`), and waits on the server; the lookup itself is cheap.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from wirefix.flows.pipeline import match_notice
from wirefix.model import Correction, Event, Notice
from wirefix.storage import Database
from wirefix.tagmap import index_keys

WORDS = [
    "smoke",
    "fire",
    "rebels",
    "army",
    "city",
    "market",
    "children",
    "protest",
    "police",
    "crowd",
    "street",
    "bomb",
]


def _fields(rng: random.Random, i: int) -> dict[str, list[str]]:
    day = date(2014, 1, 1) + timedelta(days=rng.randrange(3650))
    # One file in 500 is by the notice's (prolific) photographer: 2,000 look-alikes at 1M.
    who = "ERIC FEFERBERG" if i % 500 == 0 else f"PHOTOGRAPHER {rng.randrange(5000)}"
    agency = f"AGENCY{rng.randrange(40)}"
    return {
        "byline": [who],
        "credit": [f"{who}/{agency}"],
        "source": [agency],
        "caption": [" ".join(rng.choice(WORDS) for _ in range(20)) + f" / {agency} / {who}"],
        "date": [day.isoformat()],
        "city": [f"City{rng.randrange(300)}"],
        "country": ["Country"],
        "transmission_ref": [f"000_{i:08X}"],
        "object_name": [f"SLUG-{rng.randrange(2000)}"],
    }


TARGET = {
    "byline": ["ERIC FEFERBERG"],
    "credit": ["ERIC FEFERBERG/AFP"],
    "source": ["AFP"],
    "caption": [
        "Smoke billows after a car bomb in Daraa on February 20, 2017. / AFP / ERIC FEFERBERG"
    ],
    "date": ["2017-02-20"],
    "city": ["Daraa"],
    "country": ["Syria"],
    "transmission_ref": ["000_NG3LP"],
    "object_name": ["SYRIA-CONFLICT"],
}


def build(path: Path, rows: int) -> str:
    if path.exists():
        path.unlink()
    url = f"sqlite:///{path}"
    db = Database(url)
    db.ensure_schema()
    db.ensure_root("store", "/srv/store")
    db.close()
    insert_rows(path, range(1, rows + 1), target=rows // 2)
    return url


def insert_rows(
    path: Path, ids: range, target: int | None = None, root: str = "store", prefix: str = ""
) -> None:
    """Index rows as a scan would leave them (files + file_keys) for ids `ids` of `root`;
    row `target` is the notice's photo."""
    rng = random.Random(len(ids))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = "2026-11-25 00:00:00.000000"
    for start in range(ids.start, ids.stop, 50_000):
        files, keys = [], []
        for i in range(start, min(ids.stop, start + 50_000)):
            fields = TARGET if i == target else _fields(rng, i)
            rel = f"{prefix}d{i // 500:05d}/photo-{i:07d}.jpg"
            files.append(
                (i, root, rel, rel.rpartition("/")[0], 1, 1, i, "indexed", "fast",
                 fields["byline"][0].casefold(), fields["transmission_ref"][0],
                 fields["object_name"][0], fields["date"][0], 640, 427, json.dumps(fields), now)
            )  # fmt: skip
            keys.extend((i, k, v) for k, v in index_keys(fields, rel))
        conn.executemany(
            "INSERT INTO files (id, root, rel_path, dir, size, mtime_ns, inode, state, reader, "
            "byline_norm, transmission_ref, object_name, date_created, width, height, fields, "
            "indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            files,
        )
        conn.executemany("INSERT INTO file_keys (file_id, kind, value) VALUES (?,?,?)", keys)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def rows_for(ids: range, target: int | None, root: str = "store") -> Iterator[tuple[tuple, list]]:
    """(files row, file_keys rows) per id, as `insert_rows` writes them."""
    rng = random.Random(len(ids))
    now = "2026-11-25 00:00:00.000000"
    for i in ids:
        fields = TARGET if i == target else _fields(rng, i)
        rel = f"d{i // 500:05d}/photo-{i:07d}.jpg"
        row = (i, root, rel, rel.rpartition("/")[0], 1, 1, i, "indexed", "fast",
               fields["byline"][0].casefold(), fields["transmission_ref"][0],
               fields["object_name"][0], fields["date"][0], 640, 427, json.dumps(fields),
               now)  # fmt: skip
        yield row, [(i, k, v) for k, v in index_keys(fields, rel)]


@contextmanager
def pg_scratch(admin_url: str, rows: int) -> Iterator[str]:
    """A scratch PostgreSQL database with `rows` index rows, bulk-copied; dropped afterwards."""
    import psycopg

    name = f"wirefix_bench_match_{os.getpid()}"
    admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        db = Database(url)
        db.ensure_schema()
        db.ensure_root("store", "/srv/store")
        db.close()
        with psycopg.connect(url) as conn, conn.cursor() as cur:
            keys: list[tuple] = []
            with cur.copy(
                "COPY files (id, root, rel_path, dir, size, mtime_ns, inode, state, reader, "
                "byline_norm, transmission_ref, object_name, date_created, width, height, "
                "fields, indexed_at) FROM STDIN"
            ) as copy:
                for row, row_keys in rows_for(range(1, rows + 1), rows // 2):
                    copy.write_row(row)
                    keys.extend(row_keys)
            with cur.copy("COPY file_keys (file_id, kind, value) FROM STDIN") as copy:
                for key in keys:
                    copy.write_row(key)
            cur.execute("SELECT setval(pg_get_serial_sequence('files', 'id'), %s)", (rows,))
            conn.commit()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def notices() -> dict[str, Notice]:
    common = {
        "agency": "AFP",
        "language": "en",
        "urgency": None,
        "status": "parsed",
        "source": "bench",
        "source_kind": "text",
    }
    daraa = Event(date="2017-02-20", city="Daraa", country="Syria")
    caption = (
        "Smoke billows after a car bomb in Daraa on February 20, 2017. / AFP / MOHAMAD ABAZEED"
    )
    return {
        "kill by reference + date": Notice(
            kind="kill", corrections=[], identifiers={"transmission_ref": "000_NG3LP"},
            event=daraa, photographer=None, text="kill 000_NG3LP", **common,
        ),
        "byline correction": Notice(
            kind="correction",
            corrections=[Correction("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")],
            identifiers={}, event=daraa, photographer="MOHAMAD ABAZEED", caption=caption,
            text="correction ERIC FEFERBERG", **common,
        ),
        "kill by event only": Notice(
            kind="kill", corrections=[], identifiers={}, event=daraa, photographer=None,
            caption=caption, text="kill by event", **common,
        ),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dir", default="/tmp/wirefix-bench-match")
    parser.add_argument("--pg", help="PostgreSQL server URL: match there, in a scratch database")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(f"backend {'postgresql' if args.pg else 'sqlite'}, load {os.getloadavg()}")
    for size in [int(s) for s in args.sizes.split(",")]:
        with contextlib.ExitStack() as stack:
            t0 = time.perf_counter()
            if args.pg:
                url = stack.enter_context(pg_scratch(args.pg, size))
            else:
                url = build(folder / f"index-{size}.db", size)
            match_all(url, size, time.perf_counter() - t0)


def match_all(url: str, size: int, built: float) -> None:
    """Each notice matched five times; median and max latency."""
    db = Database(url)
    for name, notice in notices().items():
        notice_id, _ = db.add_notice(notice)
        times, result = [], []
        for _ in range(5):
            t = time.perf_counter()
            result = match_notice(db, notice_id)
            times.append(time.perf_counter() - t)
        decided = {d: sum(c.decision == d for c in result) for d in ("auto", "review", "no")}
        print(
            f"{size:>9,} rows  {name:<26} median {statistics.median(times) * 1000:7.1f} ms"
            f"  max {max(times) * 1000:7.1f} ms  candidates {len(result)} {decided}"
            f"  (index built in {built:.0f} s)"
        )
    db.close()


if __name__ == "__main__":
    main()
