#!/usr/bin/env python3
"""Draws the real evaluation sample once (tests/labeled/real.tsv), reproducibly.

Every message of ../shared/data/jddc2019/chat_0.1per.txt (real JD buyer and
agent turns) and ../shared/data/jddc2020/buyer_utterances.tsv (real JD buyer
utterances) with non-empty text is ranked by SHA-256 of
"kefu-real-sample-v1|<source>|<line>"; the first 950 of jddc2019 and 350 of
jddc2020 are the sample. The sample is then ranked by SHA-256 of
"kefu-real-half-v1|<source>|<line>": the first half is `tune` (lexicon and rule
changes may look at it), the rest `held` (only its totals are ever printed).

Only (source, line, half, sender) is written: the texts stay in ../shared/data
(research-only licences). With --batches DIR it also writes labelling batches
with the text and the session context to DIR, which must be outside the
repository.

Usage: draw_sample.py [--batches DIR] [--per-batch N]
"""
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data"
SOURCES = {
    "jddc2019": ("jddc2019/chat_0.1per.txt", 950),
    "jddc2020": ("jddc2020/buyer_utterances.tsv", 350),
}


def rank(salt: str, source: str, line: int) -> str:
    return hashlib.sha256(f"{salt}|{source}|{line}".encode()).hexdigest()


def messages(source: str):
    """(line, sender, session, text) of every usable message, line 1-based."""
    rel, _ = SOURCES[source]
    lines = (DATA / rel).read_text(encoding="utf-8").split("\n")
    for i, raw in enumerate(lines, start=1):
        f = raw.split("\t")
        if source == "jddc2019":
            if len(f) != 7 or not f[6].strip():
                continue
            yield i, ("agent" if f[2] == "1" else "buyer"), f[0], f[6]
        else:
            if i == 1 or not f[0].strip():
                continue
            yield i, "buyer", None, f[0]


def main() -> None:
    args = sys.argv[1:]
    batches = Path(args[args.index("--batches") + 1]) if "--batches" in args else None
    per_batch = int(args[args.index("--per-batch") + 1]) if "--per-batch" in args else 165
    sample, by_session = [], {}
    for source, (_, n) in SOURCES.items():
        msgs = list(messages(source))
        for m in msgs:
            if m[2]:
                by_session.setdefault(m[2], []).append(m)
        msgs.sort(key=lambda m: rank("kefu-real-sample-v1", source, m[0]))
        sample += [(source, *m) for m in msgs[:n]]
    sample.sort(key=lambda s: rank("kefu-real-half-v1", s[0], s[1]))
    half = len(sample) // 2
    rows = [(s, "tune" if i < half else "held") for i, s in enumerate(sample)]
    rows.sort(key=lambda r: (r[0][0], r[0][1]))
    out = ["source\tline\thalf\tsender\tlabels\tstage\tintent"]
    out += [f"{s[0]}\t{s[1]}\t{h}\t{s[2]}\t?\t?\t?" for s, h in rows]
    target = REPO / "tests" / "labeled" / "real.tsv"
    if not target.exists():
        target.write_text("\n".join(out) + "\n", encoding="utf-8")
    if batches:
        assert REPO not in batches.resolve().parents, "batches hold the texts: write them outside the repository"
        batches.mkdir(parents=True, exist_ok=True)
        for b in range(0, len(rows), per_batch):
            text = []
            for (source, line, sender, session, msg), _ in rows[b : b + per_batch]:
                ctx = ""
                if session:
                    conv = by_session[session]
                    k = next(j for j, m in enumerate(conv) if m[0] == line)
                    before = " | ".join(f"{m[1]}: {m[3]}" for m in conv[max(0, k - 3) : k])
                    after = " | ".join(f"{m[1]}: {m[3]}" for m in conv[k + 1 : k + 2])
                    ctx = f"BEFORE: {before}\nAFTER: {after}\n"
                text.append(f"### {source}:{line} sender={sender}\n{ctx}MESSAGE: {msg}\n")
            (batches / f"batch_{b // per_batch:02d}.txt").write_text("\n".join(text), encoding="utf-8")


if __name__ == "__main__":
    main()
