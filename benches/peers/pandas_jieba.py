#!/usr/bin/env python3
"""The pandas + jieba notebook a shop's analyst writes, as a script.

Reads kefu-generated CSVs (DATA/messages/*.csv, DATA/orders/*.csv), tokenizes
every message with jieba, and computes sessions, turns, response times and
per-agent conversion by kefu's definitions (CONTRACT §4): 30-minute gap unless
the buyer is waiting (a buyer message since the last agent message asks
something: not a closing from kefu's closing.txt, not an emoji), 24 h hard split, bot/system messages do not end a turn,
service hours 08:00-23:00, 600 s cap, inquiry = buyer-started session with an
agent message that stayed 售前 (no buyer message hits kefu's after_sales.txt or
insale.txt phrases on token boundaries), attribution until the end of the inquiry's day + 1, last-agent
credit. Writes the figures and its stage timings as JSON.

Usage: pandas_jieba.py DATA RESULT.json
"""
import json
import sys
import time
from pathlib import Path

import jieba
import pandas as pd

GAP, MAX_WAIT, CAP, DAY = 30 * 60_000, 24 * 3_600_000, 600_000, 86_400_000
LEXICONS = Path(__file__).resolve().parents[2] / "pipelines" / "lexicons"


def lexicon(name: str) -> set:
    lines = (LEXICONS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return {w.strip() for w in lines if w.strip() and not w.startswith("#")}


CLOSINGS, PARTICLES = lexicon("closing"), lexicon("particles")
AFTER_SALES, INSALE = lexicon("after_sales"), lexicon("insale")


def hits(content: str, tokens: list, phrases: set) -> bool:
    """A phrase of `phrases` in `content` starting and ending on token boundaries."""
    bounds, at = {0}, 0
    for t in tokens:
        at += len(t)
        bounds.add(at)
    for p in phrases:
        start = content.find(p)
        while start >= 0:
            if start in bounds and start + len(p) in bounds:
                return True
            start = content.find(p, start + 1)
    return False


def stage(sender: str, content: str, msg_type: str, tokens: list) -> int:
    """kefu's stage of a buyer text message: 2 售后, 1 售中, 0 售前."""
    if sender != "buyer" or msg_type not in ("", "text"):
        return 0
    if hits(content, tokens, AFTER_SALES):
        return 2
    return 1 if hits(content, tokens, INSALE) else 0


def asks(content: str, msg_type: str, tokens: list) -> bool:
    """kefu's Turn::asks for one buyer message: a closing (好的谢谢) or an emoji asks nothing."""
    if msg_type == "emoji":
        return False
    if msg_type not in ("", "text"):
        return True
    if not content.strip():
        return False
    words = [t for t in tokens if any(c.isalnum() for c in t) and t not in PARTICLES]
    return not (words and all(w in CLOSINGS for w in words))


def init_jieba() -> None:
    """jieba with kefu's closings as words, as kefu segments them."""
    jieba.initialize()
    for w in sorted(CLOSINGS):
        if len(w) > 1:
            jieba.add_word(w)


def main(data: Path, result: Path) -> None:
    timings = {}
    t = time.perf_counter()
    files = sorted((data / "messages").rglob("*.csv"))
    msgs = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)
    orders = pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted((data / "orders").rglob("*.csv"))],
        ignore_index=True,
    )
    msgs["ts"] = pd.to_datetime(msgs["sent_at"]).astype("datetime64[ms]").astype("int64")
    orders["created"] = pd.to_datetime(orders["created_at"]).astype("datetime64[ms]").astype("int64")
    orders["paid"] = orders["paid_at"] != ""
    orders["paid_ts"] = [
        pd.Timestamp(p).value // 1_000_000 if p else 0 for p in orders["paid_at"]
    ]
    orders["fen"] = (orders["amount"].astype(float) * 100).round().astype("int64")
    timings["load"] = time.perf_counter() - t

    t = time.perf_counter()
    init_jieba()
    msgs["tokens"] = [jieba.lcut(c) for c in msgs["content"]]
    msgs["asks"] = [asks(c, t, k) for c, t, k in zip(msgs["content"], msgs["msg_type"], msgs["tokens"])]
    msgs["stage"] = [
        stage(s, c, t, k) for s, c, t, k in zip(msgs["sender"], msgs["content"], msgs["msg_type"], msgs["tokens"])
    ]
    timings["tokenize"] = time.perf_counter() - t

    t = time.perf_counter()
    msgs = msgs.sort_values(["shop_id", "buyer_id", "ts"], kind="stable").reset_index(drop=True)
    shop, buyer, sender, agent, ts, asking, stages = (
        msgs[c].tolist() for c in ["shop_id", "buyer_id", "sender", "agent_id", "ts", "asks", "stage"]
    )
    sessions = []  # dicts
    turns = []  # (session index, start ts, response ms or None, agent)
    cur = None
    waiting = False
    open_turn = None
    last_agent = None
    routed = None

    def close_session():
        nonlocal open_turn
        if open_turn is not None:
            turns.append((len(sessions) - 1, open_turn, None, routed or last_agent))
            open_turn = None

    for i in range(len(msgs)):
        same = cur is not None and shop[i] == shop[i - 1] and buyer[i] == buyer[i - 1]
        gap = ts[i] - ts[i - 1] if same else None
        new = not same or gap > MAX_WAIT or (sender[i] == "buyer" and gap > GAP and not waiting)
        if new:
            close_session()
            cur = {"shop": shop[i], "buyer": buyer[i], "start": ts[i], "agents": [], "first_person": None, "stage": 0}
            sessions.append(cur)
            waiting, last_agent, routed = False, None, None
        s = sender[i]
        cur["stage"] = max(cur["stage"], stages[i])
        if s in ("buyer", "agent") and cur["first_person"] is None:
            cur["first_person"] = s
        if s == "buyer":
            waiting = waiting or asking[i]
            if open_turn is None:
                open_turn, routed = ts[i], None
            if agent[i]:
                routed = agent[i]
        elif s == "agent":
            waiting = False
            cur["agents"].append((ts[i], agent[i]))
            if open_turn is not None:
                turns.append((len(sessions) - 1, open_turn, ts[i] - open_turn, agent[i]))
                open_turn = None
            last_agent = agent[i]
    close_session()
    timings["sessions_turns"] = time.perf_counter() - t

    t = time.perf_counter()
    # Times are naive wall-clock (Asia/Shanghai), so the day and hour come straight from them.
    in_hours = lambda ms: 8 * 3_600_000 <= ms % DAY < 23 * 3_600_000
    answered = [x for x in turns if x[2] is not None]
    figures = {
        "sessions": len(sessions),
        "turns": len(turns),
        "unanswered_turns": sum(1 for x in turns if x[2] is None),
        "in_hours_answered_turns": sum(1 for x in answered if in_hours(x[1])),
        "response_capped_sum_ms": sum(min(x[2], CAP) for x in answered if in_hours(x[1])),
    }
    first_turn = {}
    for x in turns:
        first_turn.setdefault(x[0], x)
    figures["first_response_sum_ms"] = sum(
        x[2] for si, x in first_turn.items() if x[2] is not None and sessions[si]["first_person"] == "buyer"
    )
    timings["response_times"] = time.perf_counter() - t

    t = time.perf_counter()
    inquiries = {}
    for s in sessions:
        if s["first_person"] == "buyer" and s["agents"] and s["stage"] == 0:
            inquiries.setdefault((s["shop"], s["buyer"]), []).append(s)
    per_agent = {}
    buyers = {}  # (agent key, inquiry day, buyer) -> [paid, paid day 0, paid by day 1, ordered fen, unpaid fen]
    for o in orders.itertuples():
        best = None
        for s in inquiries.get((o.shop_id, o.buyer_id), []):
            window_end = (s["start"] // DAY + 2) * DAY
            if s["start"] < o.created < window_end:
                best = s
        if best is None:
            continue
        before = [a for (at, a) in best["agents"] if at <= o.created]
        credited = before[-1] if before else best["agents"][0][1]
        c = per_agent.setdefault(f"{o.shop_id}|{credited}", [0, 0, 0])
        c[0] += 1
        if o.paid:
            c[1] += 1
            c[2] += int(o.fen)
        day = best["start"] // DAY
        b = buyers.setdefault((f"{o.shop_id}|{credited}", day, o.buyer_id), [False, False, False, 0, 0])
        b[3] += int(o.fen)
        if o.paid:
            b[0] = True
            b[1] |= o.paid_ts < (day + 1) * DAY
            b[2] |= o.paid_ts < (day + 2) * DAY
        else:
            b[4] += int(o.fen)
    figures["agents"] = dict(sorted(per_agent.items()))
    funnel = {}
    for (k, _, _), (paid, d0, d1, ordered_fen, unpaid_fen) in buyers.items():
        f = funnel.setdefault(k, [0] * 7)
        f[0] += 1
        f[1] += paid
        f[2] += not paid
        f[3] += d0
        f[4] += d1
        f[5] += ordered_fen
        f[6] += 0 if paid else unpaid_fen
    figures["funnel"] = {k: [int(x) for x in v] for k, v in sorted(funnel.items())}
    timings["conversion"] = time.perf_counter() - t
    result.write_text(json.dumps({"figures": figures, "timings_s": timings}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
