//! `kefu tokenize`: each input line's tokens separated by single spaces,
//! with the segmenter `run` uses (the job's dictionaries and lexicons).

use std::io::{BufRead, Write};

use crate::cli::TokenizeArgs;
use crate::config::{self, Overrides};
use crate::core::error::{KefuError, Result};
use crate::stages::text::TextEngine;

pub fn run(a: TokenizeArgs) -> Result<()> {
    let settings = config::job(a.config.as_deref(), Overrides::default())?;
    let engine = TextEngine::for_settings(&settings)?;
    let input: Box<dyn BufRead> = match &a.file {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| KefuError::io(p, e))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let source = a.file.clone().unwrap_or_else(|| "stdin".into());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in input.lines() {
        let line = line.map_err(|e| KefuError::io(&source, e))?;
        let tk = engine.tokenize(line.trim_end_matches('\r'));
        let words: Vec<&str> = tk.tokens().filter(|t| !t.trim().is_empty()).collect();
        writeln!(out, "{}", crate::core::term::safe(&words.join(" "))).map_err(|e| KefuError::io("stdout", e))?;
    }
    out.flush().map_err(|e| KefuError::io("stdout", e))
}
