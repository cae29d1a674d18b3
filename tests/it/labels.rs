//! Precision and recall of every text judgment kefu makes, on two sets:
//! `tests/labeled/messages.tsv` (written by hand, see its README) and
//! `tests/labeled/real.tsv` (1,300 real JD messages drawn at random and
//! labelled by `tests/labeled/GUIDE.md`; the texts are read from
//! `../shared/data`). The real set's `held` half is what kefu is judged on:
//! its misses are never printed, so no lexicon change can look at them.

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::*;
use kefu::core::model::{MsgType, Sender};
use kefu::core::registry::RuleId;
use kefu::stages::text::TextEngine;

const BUYER_LABELS: &[&str] = &["question", "greeting", "closing", "urge", "complaint", "unhappy"];
const AGENT_LABELS: &[&str] = &[
    "filler",
    "substantive",
    "welcome",
    "farewell",
    "apology",
    "remedy",
    "pushback",
    "argue",
    "forbidden",
    "follow_up",
    "transfer",
    "off_platform",
    "false_promise",
    "invite_review",
];
const STAGES: &[&str] = &["presale", "insale", "aftersale"];

#[derive(Default, Clone, Copy)]
struct Count {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Count {
    fn add(&mut self, gold: bool, pred: bool) {
        match (gold, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            _ => {}
        }
    }
    fn precision(&self) -> f64 {
        match self.tp + self.fp {
            0 => 1.0,
            n => self.tp as f64 / n as f64,
        }
    }
    fn recall(&self) -> f64 {
        match self.tp + self.fn_ {
            0 => 1.0,
            n => self.tp as f64 / n as f64,
        }
    }
    fn support(&self) -> u32 {
        self.tp + self.fn_
    }
}

/// What kefu says of one message: its labels, a buyer message's stage and a
/// buyer question's intent.
struct Said {
    labels: BTreeSet<&'static str>,
    stage: Option<&'static str>,
    intent: Option<String>,
    tokens: String,
}

fn judge(engine: &TextEngine, sender: Sender, msg: &str) -> Said {
    let tk = engine.tokenize(msg);
    let fl = engine.flags(sender, MsgType::Text, &tk);
    // A flag is what a rule charges (`=` entries only alone), save
    // follow_up, whose label is the promise wherever it stands.
    let found = engine.hits.find(&tk);
    let (lexicon, hits) = engine.hits.of(&tk, &found, &engine.substance(&tk));
    let pred: Vec<(&'static str, bool)> = match sender {
        Sender::Buyer => vec![
            ("question", fl.is_question),
            ("greeting", fl.is_greeting),
            ("closing", fl.is_closing),
            ("urge", hits.contains(RuleId::Urged)),
            ("complaint", hits.contains(RuleId::Complaint)),
            ("unhappy", hits.contains(RuleId::UnhappyEnd)),
        ],
        _ => vec![
            ("filler", fl.is_filler),
            ("substantive", fl.is_substantive),
            ("welcome", hits.contains(RuleId::NoGreeting)),
            ("farewell", hits.contains(RuleId::NoClosing)),
            ("apology", hits.contains(RuleId::NoApology)),
            ("remedy", hits.contains(RuleId::NoSolution)),
            ("pushback", hits.contains(RuleId::Pushback) && !fl.carries_fact),
            ("argue", hits.contains(RuleId::Argue)),
            ("forbidden", hits.contains(RuleId::ForbiddenPhrase)),
            ("follow_up", lexicon.contains(RuleId::MissedFollowUp)),
            ("transfer", hits.contains(RuleId::QuietAfterTransfer)),
            ("off_platform", hits.contains(RuleId::OffPlatform)),
            ("false_promise", hits.contains(RuleId::FalsePromise)),
            ("invite_review", fl.is_review_invite),
        ],
    };
    let buyer = sender == Sender::Buyer;
    Said {
        labels: pred.into_iter().filter(|p| p.1).map(|p| p.0).collect(),
        stage: buyer.then(|| fl.stage.name()),
        intent: (buyer && fl.is_question).then(|| {
            let after_sales = fl.stage == kefu::core::model::Stage::Aftersale;
            engine
                .intents
                .name(engine.intents.classify(&tk, after_sales))
                .to_owned()
        }),
        tokens: tk.tokens().collect::<Vec<_>>().join("|"),
    }
}

/// One labelled message.
struct Gold<'a> {
    sender: Sender,
    labels: BTreeSet<&'a str>,
    stage: Option<&'a str>,
    intent: Option<&'a str>,
}

/// The labels `messages.tsv` was written with (the later ones it leaves out).
const HAND_LABELS: &[&str] = &[
    "question",
    "greeting",
    "closing",
    "urge",
    "complaint",
    "filler",
    "substantive",
    "pushback",
    "apology",
    "remedy",
    "argue",
    "forbidden",
];

/// Counts per label (and per stage and intent class) over a set, with its misses.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<String, Count>,
    misses: Vec<String>,
    n: u32,
    /// When set, the only plain labels the set was labelled with.
    only: Option<&'static [&'static str]>,
}

impl Tally {
    fn add(&mut self, engine: &TextEngine, gold: &Gold, msg: &str) {
        self.n += 1;
        let said = judge(engine, gold.sender, msg);
        let names = match gold.sender {
            Sender::Buyer => BUYER_LABELS,
            _ => AGENT_LABELS,
        };
        for g in &gold.labels {
            assert!(names.contains(g), "label {g} is not a {:?} label ({msg})", gold.sender);
        }
        let mut pairs: Vec<(String, bool, bool)> = names
            .iter()
            .filter(|l| self.only.is_none_or(|only| only.contains(l)))
            .map(|l| (l.to_string(), gold.labels.contains(l), said.labels.contains(l)))
            .collect();
        if gold.sender == Sender::Buyer {
            for s in STAGES {
                pairs.push((format!("stage {s}"), gold.stage == Some(s), said.stage == Some(s)));
            }
            for name in &engine.intents.names {
                let (g, p) = (gold.intent == Some(name), said.intent.as_deref() == Some(name));
                // Intent is judged on the questions both agree are questions' gold.
                if gold.intent.is_some() {
                    pairs.push((format!("intent {name}"), g, p));
                }
            }
        }
        for (label, g, p) in pairs {
            self.counts.entry(label.clone()).or_default().add(g, p);
            if g != p {
                self.misses
                    .push(format!("{label:<16} gold={g:<5} {msg}  [{}]", said.tokens));
            }
        }
    }

    fn table(&self, title: &str) -> String {
        let mut t = format!(
            "{title}: {} messages\n| label | precision (95% CI) | recall (95% CI) | support |\n|---|---|---|---|\n",
            self.n
        );
        for (k, c) in &self.counts {
            let (pl, ph) = wilson(c.tp, c.tp + c.fp);
            let (rl, rh) = wilson(c.tp, c.support());
            t.push_str(&format!(
                "| {k} | {:.3} ({pl:.2}–{ph:.2}) | {:.3} ({rl:.2}–{rh:.2}) | {} |\n",
                c.precision(),
                c.recall(),
                c.support()
            ));
        }
        t
    }
}

fn parse_labels(s: &str) -> BTreeSet<&str> {
    s.split(' ').filter(|x| !x.is_empty() && *x != "-").collect()
}

fn engine() -> TextEngine {
    TextEngine::for_settings(&Fixture::new().settings()).unwrap()
}

#[test]
fn labels_on_the_hand_written_set() {
    let engine = engine();
    let text = std::fs::read_to_string(repo().join("tests/labeled/messages.tsv")).unwrap();
    let mut tally = Tally {
        only: Some(HAND_LABELS),
        ..Tally::default()
    };
    for line in text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "{line}");
        let sender = if cols[0] == "buyer" {
            Sender::Buyer
        } else {
            Sender::Agent
        };
        let gold = Gold {
            sender,
            labels: parse_labels(cols[1]),
            stage: (sender == Sender::Buyer).then_some(cols[2]),
            intent: (cols[3] != "-").then_some(cols[3]),
        };
        tally.add(&engine, &gold, cols[4]);
    }
    assert!(tally.n >= 280, "the hand-written set has {} lines", tally.n);
    let report = tally.table("hand-written set");
    eprintln!("{report}");
    tally.misses.sort();
    eprintln!("{}", tally.misses.join("\n"));
    for (k, c) in &tally.counts {
        assert!(
            c.support() == 0 || (c.precision() >= 0.9 && c.recall() >= 0.9),
            "{k}: P={:.3} R={:.3}\n{report}",
            c.precision(),
            c.recall()
        );
    }
}

/// The texts of a shared-data file by line number (1-based).
fn source_lines(rel: &str) -> Option<Vec<String>> {
    let p = shared_data(rel)?;
    Some(
        std::fs::read_to_string(p)
            .unwrap()
            .split('\n')
            .map(str::to_owned)
            .collect(),
    )
}

/// The message text of `line` in `source`, as `draw_sample.py` reads it.
fn real_text<'a>(source: &str, lines: &'a [String], line: usize) -> &'a str {
    let raw = &lines[line - 1];
    match source {
        "jddc2019" => raw.split('\t').nth(6).expect("7 fields"),
        _ => raw.split('\t').next().unwrap(),
    }
}

/// The target for labels with at least this support on the held-out half
/// (issue 11): P and R of 0.90. Labels still under it are listed, not failed:
/// see README, Text layer quality, for which and why.
const MIN_SUPPORT: u32 = 20;
const TARGET: f64 = 0.90;
/// Labels with at least this held-out support may not fall below the figures
/// in `tests/labeled/held_out_floor.tsv` (a ratchet: a lexicon change that
/// helps raises it with `KEFU_UPDATE_FLOOR=1`, one that hurts fails).
const FLOOR_SUPPORT: u32 = 10;
const FLOOR: &str = "tests/labeled/held_out_floor.tsv";

/// Checks the held-out figures against the floor, or writes the floor anew.
fn check_floor(held: &Tally) {
    let path = repo().join(FLOOR);
    let rows: Vec<(&String, &Count)> = held
        .counts
        .iter()
        .filter(|(_, c)| c.support() >= FLOOR_SUPPORT)
        .collect();
    if std::env::var("KEFU_UPDATE_FLOOR").is_ok() {
        let mut t = String::from("# Held-out precision and recall that no change may lower (tests/it/labels.rs).\nlabel\tprecision\trecall\tsupport\n");
        for (k, c) in &rows {
            t.push_str(&format!(
                "{k}\t{:.3}\t{:.3}\t{}\n",
                c.precision(),
                c.recall(),
                c.support()
            ));
        }
        std::fs::write(&path, t).unwrap();
        return;
    }
    let floor = std::fs::read_to_string(&path).unwrap();
    let mut lower = Vec::new();
    for line in floor.lines().skip(2) {
        let f: Vec<&str> = line.split('\t').collect();
        let (p, r): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        let c = held
            .counts
            .get(f[0])
            .unwrap_or_else(|| panic!("no label {} on the held-out half", f[0]));
        if c.precision() < p - 0.0005 || c.recall() < r - 0.0005 {
            lower.push(format!(
                "{}: P={:.3} R={:.3}, floor P={p:.3} R={r:.3}",
                f[0],
                c.precision(),
                c.recall()
            ));
        }
    }
    assert!(lower.is_empty(), "below the held-out floor:\n{}", lower.join("\n"));
}

#[test]
fn labels_on_real_chats_held_out() {
    let (Some(jd19), Some(jd20)) = (
        source_lines("jddc2019/chat_0.1per.txt"),
        source_lines("jddc2020/buyer_utterances.tsv"),
    ) else {
        return;
    };
    let engine = engine();
    let set = std::fs::read_to_string(repo().join("tests/labeled/real.tsv")).unwrap();
    let (mut tune, mut held) = (Tally::default(), Tally::default());
    for row in set.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let c: Vec<&str> = row.split('\t').collect();
        assert_eq!(c.len(), 7, "{row}");
        let lines = if c[0] == "jddc2019" { &jd19 } else { &jd20 };
        let msg = real_text(c[0], lines, c[1].parse().unwrap());
        let sender = if c[3] == "buyer" { Sender::Buyer } else { Sender::Agent };
        let gold = Gold {
            sender,
            labels: parse_labels(c[4]),
            stage: (sender == Sender::Buyer).then_some(c[5]),
            intent: (c[6] != "-").then_some(c[6]),
        };
        match c[2] {
            "tune" => tune.add(&engine, &gold, msg),
            "held" => held.add(&engine, &gold, msg),
            h => panic!("half {h} in {row}"),
        }
    }
    assert_eq!(tune.n + held.n, 1300);
    let report = format!(
        "{}\n{}",
        held.table("real chats, held-out half"),
        tune.table("real chats, tuning half")
    );
    eprintln!("{report}");
    // Only the tuning half's misses are shown: the held-out half is for judging.
    tune.misses.sort();
    eprintln!("tuning-half misses:\n{}", tune.misses.join("\n"));
    let under: Vec<String> = held
        .counts
        .iter()
        .filter(|(_, c)| c.support() >= MIN_SUPPORT && (c.precision() < TARGET || c.recall() < TARGET))
        .map(|(k, c)| {
            format!(
                "{k}: P={:.3} R={:.3} (support {})",
                c.precision(),
                c.recall(),
                c.support()
            )
        })
        .collect();
    eprintln!(
        "under the {TARGET:.2} target on the held-out half:\n{}",
        under.join("\n")
    );
    check_floor(&held);
}
