#!/usr/bin/env python3
"""DuckDB SQL (duckdb_peer.sql) plus Python jieba: what a data team writes.

Usage: duckdb_peer.py DATA RESULT.json
"""
import json
import sys
import time
from pathlib import Path

import duckdb
import jieba
import pandas as pd

from pandas_jieba import asks, init_jieba, stage


def load(con, data: Path, timings: dict) -> None:
    """The messages (numbered in file order) and orders, all as text first."""
    t = time.perf_counter()
    files = [str(f) for f in sorted((data / "messages").rglob("*.csv"))]
    con.execute(
        "CREATE TABLE m AS SELECT row_number() OVER () AS rn, * FROM read_csv(?, all_varchar = true, header = true)",
        [files],
    )
    orders = [str(f) for f in sorted((data / "orders").rglob("*.csv"))]
    con.execute(
        """CREATE TABLE o AS SELECT order_id, shop_id, buyer_id, created_at,
               epoch_ms(created_at::TIMESTAMP) AS created_ts, coalesce(paid_at, '') <> '' AS paid,
               CASE WHEN coalesce(paid_at, '') <> '' THEN epoch_ms(paid_at::TIMESTAMP) END AS paid_ts,
               round(amount::DOUBLE * 100)::BIGINT AS fen
           FROM read_csv(?, all_varchar = true, header = true)""",
        [orders],
    )
    timings["load"] = time.perf_counter() - t


def main(data: Path, result: Path) -> None:
    timings = {}
    con = duckdb.connect()
    load(con, data, timings)
    t = time.perf_counter()
    init_jieba()
    n = 0
    rows = con.execute(
        "SELECT rn, sender, coalesce(content, ''), coalesce(msg_type, '') FROM m ORDER BY rn"
    ).fetchall()
    flags = []
    for rn, sender, c, kind in rows:
        tokens = jieba.lcut(c)
        n += len(tokens)
        flags.append((rn, asks(c, kind, tokens), stage(sender, c, kind, tokens)))
    asks_df = pd.DataFrame(flags, columns=["rn", "asks", "stage"])
    con.execute("CREATE TABLE a AS SELECT * FROM asks_df")
    timings["tokenize"] = time.perf_counter() - t
    finish(con, result, timings, n)


def finish(con, result: Path, timings: dict, n: int, extra: dict | None = None) -> None:
    """The SQL (sessions, turns, credit), then the figures kefu must agree with."""
    t = time.perf_counter()
    con.execute((Path(__file__).parent / "duckdb_peer.sql").read_text())
    timings["sql"] = time.perf_counter() - t

    t = time.perf_counter()
    f = con.execute(
        """SELECT (SELECT count(*) FROM sessions), count(*), count(*) FILTER (WHERE rt IS NULL),
                  count(*) FILTER (WHERE rt IS NOT NULL AND in_hours),
                  coalesce(sum(least(rt, 600000)) FILTER (WHERE rt IS NOT NULL AND in_hours), 0),
                  coalesce(sum(rt) FILTER (WHERE turn_no = 1 AND first_person = 'buyer'), 0)
           FROM turns"""
    ).fetchone()
    figures = dict(
        zip(
            ["sessions", "turns", "unanswered_turns", "in_hours_answered_turns", "response_capped_sum_ms",
             "first_response_sum_ms"],
            [int(x) for x in f],
        )
    )
    rows = con.execute(
        """SELECT shop_id || '|' || agent_id, count(*), count(*) FILTER (WHERE paid),
                  coalesce(sum(fen) FILTER (WHERE paid), 0)
           FROM credited GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    figures["agents"] = {k: [int(a), int(b), int(c)] for k, a, b, c in rows}
    rows = con.execute("SELECT * FROM funnel ORDER BY k").fetchall()
    figures["funnel"] = {r[0]: [int(x) for x in r[1:]] for r in rows}
    timings["figures"] = time.perf_counter() - t
    out = {"figures": figures, "timings_s": timings, "tokens": n, **(extra or {})}
    result.write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
