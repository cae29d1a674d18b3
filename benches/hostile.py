#!/usr/bin/env python3
"""Linear-time check on hostile shapes of input (issue 16, item 5).

Generates three inputs and times `kefu run` on each, best of --runs:
  session  one buyer and one agent in a single session of N messages, every
           question met only by a promise (稍等亲 我查一下): the worst case for
           repeat_question, missed_follow_up and the unanswered turns;
  second   N distinct messages of one buyer in the same second (a bulk import
           or a bot): the worst case for duplicate removal;
  shops    N shops with one short chat each: the worst case for the report,
           which has a section per shop.
Writes the figures as JSON. Usage:
  python3 benches/hostile.py --kefu target/release/kefu --session 200000 \
      --second 200000 --shops 100000 --out benches/results/hostile-release.json
"""
import argparse, datetime, json, os, platform, subprocess, tempfile, time


def generate(kind, n, folder):
    os.makedirs(f"{folder}/messages", exist_ok=True)
    os.makedirs(f"{folder}/orders", exist_ok=True)
    with open(f"{folder}/orders/o.csv", "w") as f:
        f.write("order_id,shop_id,buyer_id,created_at,paid_at,amount,status\n")
    t0 = datetime.datetime(2026, 11, 16, 9, 0, 0)
    with open(f"{folder}/messages/m.csv", "w") as f:
        f.write("shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type\n")
        for i in range(n):
            if kind == "session":
                t = t0 + datetime.timedelta(seconds=2 * i)
                if i % 2 == 0:
                    f.write(f"店,b1,,buyer,{t:%Y-%m-%d %H:%M:%S},这个第{i}号有货吗,text\n")
                else:
                    f.write(f"店,b1,店:小美,agent,{t:%Y-%m-%d %H:%M:%S},稍等亲 我查一下,text\n")
            elif kind == "second":
                f.write(f"店,b1,,buyer,2026-11-16 10:00:00,第{i}条消息,text\n")
            else:
                f.write(f"店{i},b1,,buyer,2026-11-16 10:00:00,有货吗,text\n")
                f.write(f"店{i},b1,店{i}:小美,agent,2026-11-16 10:00:30,有的亲,text\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kefu", required=True)
    ap.add_argument("--session", type=int, default=200000)
    ap.add_argument("--second", type=int, default=200000)
    ap.add_argument("--shops", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out")
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n in (("session", a.session), ("second", a.second), ("shops", a.shops)):
            folder = f"{tmp}/{kind}"
            generate(kind, n, folder)
            times = []
            for _ in range(a.runs):
                t = time.monotonic()
                p = subprocess.run(
                    [a.kefu, "run", "--messages", f"{folder}/messages", "--orders", f"{folder}/orders",
                     "--out", f"{folder}/out"],
                    capture_output=True)
                times.append(time.monotonic() - t)
                if p.returncode != 0:
                    raise SystemExit(f"{kind}: exit {p.returncode}: {p.stderr.decode()[-500:]}")
            rows = 2 * n if kind == "shops" else n
            results.append({"shape": kind, "n": n, "message_rows": rows,
                            "best_secs": round(min(times), 3), "all_secs": [round(x, 3) for x in times]})
            print(f"{kind:8} n={n:>7}  best {min(times):.2f} s  runs {[round(x, 2) for x in times]}")
    doc = {"kefu": a.kefu, "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
           "date": datetime.date.today().isoformat(), "results": results}
    if a.out:
        with open(a.out, "w") as f:
            json.dump(doc, f, ensure_ascii=False, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
