//! Why a message was read the way it was: for each judgment the text stage
//! made of it, the phrase or feature that made the call (`messages.why`,
//! shown by `kefu explain`) — so a manager can check a flag against the
//! words, and a lexicon owner can see which entry to change.

use super::engine::{TextEngine, Tokens};
use super::flags::Flags;
use crate::core::model::{MsgType, Sender, Stage};
use crate::core::registry::{RuleBits, RULES};
use crate::lexicon::{PhraseMatcher, Segmented};

/// `label「phrase」`.
fn said(out: &mut Vec<String>, label: &str, phrase: &str) {
    out.push(format!("{label}「{phrase}」"));
}

fn first(out: &mut Vec<String>, label: &str, m: &PhraseMatcher, tk: &Tokens) -> bool {
    match m.first(tk) {
        Some((_, s, e)) => {
            said(out, label, &tk.text()[s..e]);
            true
        }
        None => false,
    }
}

impl TextEngine {
    /// The reasons behind a message's flags and lexicon hits, space-separated;
    /// `None` when it was flagged with nothing.
    pub fn why(&self, sender: Sender, msg_type: MsgType, tk: &Tokens, f: &Flags, hits: RuleBits) -> Option<String> {
        let mut out = Vec::new();
        if msg_type == MsgType::Text {
            match sender {
                Sender::Buyer => self.why_buyer(&mut out, tk, f),
                Sender::Agent => self.why_agent(&mut out, tk, f),
                _ => {}
            }
        }
        // Named by lexicon (welcome, apology …): two rules may read one.
        let mut seen: Vec<&str> = Vec::new();
        let found = if hits == RuleBits::default() {
            Vec::new()
        } else {
            self.hits.find(tk)
        };
        for r in RULES.iter().filter(|r| hits.contains(r.id)) {
            let name = r.lexicon.unwrap_or(r.name);
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if let Some((s, e)) = self.hits.first_of(r.id, &found) {
                said(&mut out, name, &tk.text()[s..e]);
            }
        }
        (!out.is_empty()).then(|| out.join(" "))
    }

    fn why_buyer(&self, out: &mut Vec<String>, tk: &Tokens, f: &Flags) {
        match f.stage {
            Stage::Aftersale => _ = first(out, "售后", &self.after_sales, tk),
            Stage::Insale => _ = first(out, "售中", &self.insale, tk),
            Stage::Presale => {}
        }
        if f.is_question {
            let mark = tk.text.contains(['?', '？']).then_some("？");
            let word = tk.words().find(|t| self.is_interrogative(t));
            match mark.or(word) {
                Some(w) => said(out, "问", w),
                None if first(out, "请求", &self.request, tk) => {}
                None if first(out, "问", &self.question_phrases, tk) => {}
                None => said(out, "问", "句式"),
            }
        }
        if f.is_closing && !first(out, "结束", &self.give_up, tk) {
            said(out, "结束", tk.words().last().unwrap_or_default());
        }
        if f.is_greeting {
            said(out, "打招呼", tk.words().next().unwrap_or_default());
        }
    }

    fn why_agent(&self, out: &mut Vec<String>, tk: &Tokens, f: &Flags) {
        if f.is_filler {
            said(out, "敷衍", tk.text.trim());
        }
        if f.carries_fact && !first(out, "具体", &self.fact, tk) {
            let digits: String = tk.text.chars().filter(|c| c.is_numeric()).take(8).collect();
            said(out, "具体", &digits);
        }
        if f.is_review_invite {
            first(out, "邀评", &self.invite_review, tk);
        }
    }
}
