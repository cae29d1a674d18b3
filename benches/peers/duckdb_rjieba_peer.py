#!/usr/bin/env python3
"""The strongest peer: DuckDB SQL (duckdb_peer.sql) plus rjieba (the jieba-rs
binding) tokenizing in every core's process, what a data engineer writes
today instead of Python jieba in one process.

Usage: duckdb_rjieba_peer.py DATA RESULT.json [WORKERS]   (default: every core)
"""
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import duckdb
import pandas as pd
import rjieba

from duckdb_peer import finish, load
from pandas_jieba import CLOSINGS, asks, stage

CHUNK = 20_000


def init() -> None:
    """rjieba with kefu's closings as words, as kefu segments them."""
    for w in sorted(CLOSINGS):
        if len(w) > 1:
            rjieba.add_word(w, None, None)  # freq and tag: jieba's suggestion, as jieba.add_word


def flag(rows):
    out, n = [], 0
    for rn, sender, c, kind in rows:
        tokens = rjieba.cut(c)
        n += len(tokens)
        out.append((rn, asks(c, kind, tokens), stage(sender, c, kind, tokens)))
    return out, n


def main(data: Path, result: Path, workers: int) -> None:
    timings = {}
    con = duckdb.connect()
    load(con, data, timings)
    t = time.perf_counter()
    rows = con.execute(
        "SELECT rn, sender, coalesce(content, ''), coalesce(msg_type, '') FROM m ORDER BY rn"
    ).fetchall()
    chunks = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    flags, n = [], 0
    init()  # here first: a Pool whose initializer fails respawns workers forever
    with Pool(workers, initializer=init) as pool:
        for f, k in pool.imap(flag, chunks):
            flags.extend(f)
            n += k
    asks_df = pd.DataFrame(flags, columns=["rn", "asks", "stage"])
    con.execute("CREATE TABLE a AS SELECT * FROM asks_df")
    timings["tokenize"] = time.perf_counter() - t
    finish(con, result, timings, n, {"workers": workers})


if __name__ == "__main__":
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count() or 1
    main(Path(sys.argv[1]), Path(sys.argv[2]), workers)
