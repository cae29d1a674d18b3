//! The default lexicons, compiled in from `pipelines/lexicons/` so that a job
//! file anywhere works without naming them. A file named in the TOML replaces
//! the built-in one at run time, no recompilation needed.

use std::path::Path;

use crate::error::{KefuError, Result};

/// The built-in text of lexicon `name` (`filler`, `pushback`, …).
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "user_dict" => include_str!("../pipelines/lexicons/user_dict.txt"),
        "question" => include_str!("../pipelines/lexicons/question.txt"),
        "greeting" => include_str!("../pipelines/lexicons/greeting.txt"),
        "filler" => include_str!("../pipelines/lexicons/filler.txt"),
        "particles" => include_str!("../pipelines/lexicons/particles.txt"),
        "after_sales" => include_str!("../pipelines/lexicons/after_sales.txt"),
        "closing" => include_str!("../pipelines/lexicons/closing.txt"),
        "urge" => include_str!("../pipelines/lexicons/urge.txt"),
        "follow_up" => include_str!("../pipelines/lexicons/follow_up.txt"),
        "pushback" => include_str!("../pipelines/lexicons/pushback.txt"),
        "complaint" => include_str!("../pipelines/lexicons/complaint.txt"),
        "argue" => include_str!("../pipelines/lexicons/argue.txt"),
        "apology" => include_str!("../pipelines/lexicons/apology.txt"),
        "remedy" => include_str!("../pipelines/lexicons/remedy.txt"),
        "forbidden" => include_str!("../pipelines/lexicons/forbidden.txt"),
        "transfer" => include_str!("../pipelines/lexicons/transfer.txt"),
        "unhappy" => include_str!("../pipelines/lexicons/unhappy.txt"),
        "intents" => include_str!("../pipelines/lexicons/intents.txt"),
        "stopwords" => include_str!("../pipelines/lexicons/stopwords.txt"),
        _ => return None,
    })
}

/// The text of a lexicon: the file when one is named, else the built-in one.
pub fn text(name: &str, path: Option<&Path>) -> Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| KefuError::io(p, e)),
        None => builtin(name)
            .map(str::to_owned)
            .ok_or_else(|| KefuError::Other(format!("no built-in lexicon {name:?}"))),
    }
}
