//! Precision and recall of the message flags and buyer intents on the
//! hand-labeled set in `tests/labeled/messages.tsv` (see its README).

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::*;
use kefu::core::model::{MsgType, Sender};
use kefu::core::registry::RuleId;
use kefu::stages::text::TextEngine;

const BUYER_FLAGS: &[&str] = &["question", "greeting", "closing", "after_sales", "urge", "complaint"];
const AGENT_FLAGS: &[&str] = &[
    "filler",
    "substantive",
    "pushback",
    "apology",
    "remedy",
    "argue",
    "forbidden",
];

#[derive(Default)]
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
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

#[test]
fn flags_and_intents_on_the_labeled_set() {
    let f = Fixture::new();
    let engine = TextEngine::for_settings(&f.settings()).unwrap();
    let text = std::fs::read_to_string(repo().join("tests/labeled/messages.tsv")).unwrap();
    let mut counts: BTreeMap<String, Count> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut n = 0;
    for line in text
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{line}");
        let (sender, gold_flags, gold_intent, msg) = (cols[0], cols[1], cols[2], cols[3]);
        n += 1;
        let gold: BTreeSet<&str> = gold_flags.split(' ').filter(|s| *s != "-").collect();
        let tk = engine.tokenize(msg);
        let sender = if sender == "buyer" {
            Sender::Buyer
        } else {
            Sender::Agent
        };
        let fl = engine.flags(sender, MsgType::Text, &tk);
        let hits = engine.hits.of(&tk);
        let pred: Vec<(&str, bool)> = match sender {
            Sender::Buyer => vec![
                ("question", fl.is_question),
                ("greeting", fl.is_greeting),
                ("closing", fl.is_closing),
                ("after_sales", fl.is_after_sales),
                ("urge", hits.contains(RuleId::Urged)),
                ("complaint", hits.contains(RuleId::Complaint)),
            ],
            _ => vec![
                ("filler", fl.is_filler),
                ("substantive", fl.is_substantive),
                ("pushback", hits.contains(RuleId::Pushback)),
                ("apology", hits.contains(RuleId::NoApology)),
                ("remedy", hits.contains(RuleId::NoSolution)),
                ("argue", hits.contains(RuleId::Argue)),
                ("forbidden", hits.contains(RuleId::ForbiddenPhrase)),
            ],
        };
        for g in &gold {
            assert!(
                BUYER_FLAGS.contains(g) || AGENT_FLAGS.contains(g),
                "unknown label {g} in {line}"
            );
        }
        for (flag, p) in pred {
            let g = gold.contains(flag);
            counts.entry(flag.to_string()).or_default().add(g, p);
            if g != p {
                misses.push(format!(
                    "{flag:<12} gold={g:<5} {msg}  [{}]",
                    tk.tokens().collect::<Vec<_>>().join("|")
                ));
            }
        }
        if sender == Sender::Buyer {
            let pred_intent = fl
                .is_question
                .then(|| engine.intents.names[engine.intents.classify(&tk, fl.is_after_sales) as usize].clone());
            let gold_intent = (gold_intent != "-").then(|| gold_intent.to_string());
            for name in engine.intents.names.iter() {
                let g = gold_intent.as_deref() == Some(name);
                let p = pred_intent.as_deref() == Some(name);
                counts.entry(format!("intent {name}")).or_default().add(g, p);
                if g != p && (g || p) && gold_intent.is_some() {
                    misses.push(format!(
                        "intent {name:<8} gold={g:<5} {msg}  [{}]",
                        tk.tokens().collect::<Vec<_>>().join("|")
                    ));
                }
            }
        }
    }
    assert!(n >= 300, "the labeled set has {n} lines");
    let mut report = format!("{n} labeled messages\n| label | precision | recall | support |\n|---|---|---|---|\n");
    for (k, c) in &counts {
        report.push_str(&format!(
            "| {k} | {:.3} | {:.3} | {} |\n",
            c.precision(),
            c.recall(),
            c.tp + c.fn_
        ));
    }
    eprintln!("{report}");
    misses.sort();
    misses.dedup();
    eprintln!("{}", misses.join("\n"));
    for (k, c) in &counts {
        assert!(
            c.precision() >= 0.9 && c.recall() >= 0.9,
            "{k}: P={:.3} R={:.3}\n{report}",
            c.precision(),
            c.recall()
        );
    }
}
