//! The default lexicons, compiled in from `pipelines/lexicons/` so that a job
//! file anywhere works without naming them (and `kefu run` works in any
//! folder). A file the job names replaces the built-in one at run time, with
//! no recompilation.

use std::path::Path;

use crate::core::error::{KefuError, Result};

/// Every built-in lexicon: its name (the file's stem) and its text.
const BUILTIN: &[(&str, &str)] = &[
    ("user_dict", include_str!("../../pipelines/lexicons/user_dict.txt")),
    ("question", include_str!("../../pipelines/lexicons/question.txt")),
    ("request", include_str!("../../pipelines/lexicons/request.txt")),
    ("greeting", include_str!("../../pipelines/lexicons/greeting.txt")),
    ("filler", include_str!("../../pipelines/lexicons/filler.txt")),
    ("fact", include_str!("../../pipelines/lexicons/fact.txt")),
    ("particles", include_str!("../../pipelines/lexicons/particles.txt")),
    ("after_sales", include_str!("../../pipelines/lexicons/after_sales.txt")),
    ("insale", include_str!("../../pipelines/lexicons/insale.txt")),
    ("problem", include_str!("../../pipelines/lexicons/problem.txt")),
    ("step", include_str!("../../pipelines/lexicons/step.txt")),
    ("later", include_str!("../../pipelines/lexicons/later.txt")),
    ("closing", include_str!("../../pipelines/lexicons/closing.txt")),
    ("give_up", include_str!("../../pipelines/lexicons/give_up.txt")),
    ("intents", include_str!("../../pipelines/lexicons/intents.txt")),
    ("stopwords", include_str!("../../pipelines/lexicons/stopwords.txt")),
    ("pay_urge", include_str!("../../pipelines/lexicons/pay_urge.txt")),
    (
        "invite_review",
        include_str!("../../pipelines/lexicons/invite_review.txt"),
    ),
    (
        "after_sales_reasons",
        include_str!("../../pipelines/lexicons/after_sales_reasons.txt"),
    ),
    ("welcome", include_str!("../../pipelines/lexicons/welcome.txt")),
    ("farewell", include_str!("../../pipelines/lexicons/farewell.txt")),
    (
        "off_platform",
        include_str!("../../pipelines/lexicons/off_platform.txt"),
    ),
    (
        "false_promise",
        include_str!("../../pipelines/lexicons/false_promise.txt"),
    ),
    ("urge", include_str!("../../pipelines/lexicons/urge.txt")),
    ("follow_up", include_str!("../../pipelines/lexicons/follow_up.txt")),
    ("pushback", include_str!("../../pipelines/lexicons/pushback.txt")),
    ("complaint", include_str!("../../pipelines/lexicons/complaint.txt")),
    ("argue", include_str!("../../pipelines/lexicons/argue.txt")),
    ("apology", include_str!("../../pipelines/lexicons/apology.txt")),
    ("remedy", include_str!("../../pipelines/lexicons/remedy.txt")),
    ("forbidden", include_str!("../../pipelines/lexicons/forbidden.txt")),
    ("transfer", include_str!("../../pipelines/lexicons/transfer.txt")),
    ("unhappy", include_str!("../../pipelines/lexicons/unhappy.txt")),
];

/// The text layer's lexicons, by their `[text]` key, in the order their
/// phrases reach the segmenter and the job hash. Rule lexicons come from the
/// rule registry.
pub const TEXT_LEXICONS: [&str; 19] = [
    "user_dict",
    "question",
    "request",
    "greeting",
    "filler",
    "fact",
    "particles",
    "after_sales",
    "insale",
    "problem",
    "step",
    "later",
    "closing",
    "give_up",
    "intents",
    "stopwords",
    "pay_urge",
    "invite_review",
    "after_sales_reasons",
];

/// The built-in text of lexicon `name`.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The text of a lexicon: the file when one is named, else the built-in one.
pub fn text(name: &str, path: Option<&Path>) -> Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| KefuError::io(p, e)),
        None => builtin(name)
            .map(str::to_owned)
            .ok_or_else(|| KefuError::config(format!("lexicon {name}"), "kefu has no built-in lexicon of this name")),
    }
}

#[cfg(test)]
mod tests {
    /// Every lexicon a rule or the text layer names is built in.
    #[test]
    fn every_named_lexicon_is_built_in() {
        let rules = crate::core::registry::RULES.iter().filter_map(|r| r.lexicon);
        for name in super::TEXT_LEXICONS.into_iter().chain(rules) {
            assert!(super::builtin(name).is_some(), "{name}");
        }
    }
}
