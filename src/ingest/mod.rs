//! Staging: finds the input files, reads them with the reader their extension
//! names, validates every row into [`Message`], [`Order`] and [`Agent`] once,
//! and sends every row it cannot use to `rejects` with file, line and reason.
//! Exact duplicate messages are kept once. Every row read is accounted for:
//! `rows_read = rows_used + rows_rejected + rows_deduplicated` per file.

pub mod decode;
mod readers;
pub mod transcript;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Settings;
use crate::error::{KefuError, Result};
use crate::model::{Agent, Interner, Message, MsgType, Order, OrderStatus, Reject, Sender};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
    Transcript,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "parquet" => Some(Format::Parquet),
            "txt" => Some(Format::Transcript),
            _ => None,
        }
    }
}

pub struct TableSchema {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    pub required_columns: &'static [&'static str],
}

pub const MESSAGES: TableSchema = TableSchema {
    name: "messages",
    columns: &[
        "shop_id",
        "buyer_id",
        "agent_id",
        "sender",
        "sent_at",
        "content",
        "msg_type",
        "session_id",
    ],
    required_columns: &["shop_id", "buyer_id", "sender", "sent_at", "content"],
};
pub const ORDERS: TableSchema = TableSchema {
    name: "orders",
    columns: &[
        "order_id",
        "shop_id",
        "buyer_id",
        "created_at",
        "paid_at",
        "amount",
        "status",
        "refund_amount",
    ],
    required_columns: &["order_id", "shop_id", "buyer_id", "created_at", "amount"],
};
pub const AGENTS: TableSchema = TableSchema {
    name: "agents",
    columns: &["agent_id", "name", "team"],
    required_columns: &["agent_id"],
};

/// The widest input schema: readers split rows into a fixed array this long.
pub const MAX_COLUMNS: usize = 8;

/// What a reader calls for every row, in file order: the row's line, its
/// fields in the schema's column order (or why it could not be split into
/// fields), and a way to get its text for `rejects` (only built for rejects).
pub type OnRow<'a> = dyn FnMut(u64, std::result::Result<&[Option<&str>], String>, &dyn Fn() -> String) + 'a;

/// One row as the transcript reader saw it, fields in the schema's column
/// order, or the reason it could not split it into fields.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub fields: std::result::Result<Vec<Option<String>>, String>,
    pub raw: String,
}

impl RawRow {
    pub fn ok(line: u64, fields: Vec<Option<String>>, raw: String) -> Self {
        RawRow {
            line,
            fields: Ok(fields),
            raw,
        }
    }
    pub fn bad(line: u64, reason: String, raw: String) -> Self {
        RawRow {
            line,
            fields: Err(reason),
            raw,
        }
    }
}

/// Row accounting for one input file, as written to the manifest.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub table: &'static str,
    pub format: Format,
    pub encoding: &'static str,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub rows_deduplicated: u64,
}

/// Everything staging produced.
#[derive(Debug, Default)]
pub struct Staged {
    /// Sorted by (shop_id, buyer_id, ts, file order): the order sessions need.
    pub messages: Vec<Message>,
    /// Sorted by (shop_id, buyer_id, created_ts, order_id).
    pub orders: Vec<Order>,
    pub agents: Vec<Agent>,
    pub rejects: Vec<Reject>,
    pub files: Vec<InputFile>,
}

/// Lists the supported files under each path (a file or a folder, recursively),
/// sorted so that runs are reproducible. A path that does not exist is a usage error.
pub fn discover(paths: &[PathBuf], allow_transcripts: bool) -> Result<Vec<(PathBuf, Format)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            let f = Format::of(p)
                .filter(|f| allow_transcripts || *f != Format::Transcript)
                .ok_or_else(|| KefuError::Config(format!("{}: unsupported file type", p.display())))?;
            out.push((p.clone(), f));
        } else if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found).map_err(|e| KefuError::io(p, e))?;
            found.sort();
            for f in found {
                if let Some(fmt) = Format::of(&f).filter(|f| allow_transcripts || *f != Format::Transcript) {
                    out.push((f, fmt));
                }
            }
        } else {
            return Err(KefuError::Config(format!("{}: no such file or folder", p.display())));
        }
    }
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if e.file_type()?.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn field<'a>(f: &[Option<&'a str>], i: usize) -> Option<&'a str> {
    f[i].map(str::trim).filter(|s| !s.is_empty())
}

fn required<'a>(f: &[Option<&'a str>], i: usize, name: &str) -> std::result::Result<&'a str, String> {
    field(f, i).ok_or_else(|| format!("missing {name}"))
}

/// Parses a CNY amount into fen, exactly (no float rounding).
pub fn parse_fen(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches(['¥', '￥']).replace(',', "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_owned()),
        None => (false, s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    // More than two decimals must be zeros: a fen is the smallest unit.
    if frac.len() > 2 && frac[2..].chars().any(|c| c != '0') {
        return None;
    }
    let mut frac2: String = frac.chars().take(2).collect();
    while frac2.len() < 2 {
        frac2.push('0');
    }
    let v = int
        .parse::<i64>()
        .unwrap_or(0)
        .checked_mul(100)?
        .checked_add(frac2.parse::<i64>().ok()?)?;
    Some(if neg { -v } else { v })
}

fn message_of(f: &[Option<&str>], settings: &Settings, names: &mut Interner) -> std::result::Result<Message, String> {
    let shop_id = names.name(required(f, 0, "shop_id")?);
    let buyer_id = names.name(required(f, 1, "buyer_id")?);
    let sender_s = required(f, 3, "sender")?;
    let sender = Sender::parse(sender_s)
        .ok_or_else(|| format!("unknown sender {sender_s:?} (expected buyer, agent, bot or system)"))?;
    let agent_id = field(f, 2).map(|a| names.name(a));
    if sender == Sender::Agent && agent_id.is_none() {
        return Err("missing agent_id on an agent message".into());
    }
    let (ts, local) = settings
        .zone
        .parse_time(required(f, 4, "sent_at")?)
        .map_err(|e| format!("sent_at: {e}"))?;
    let content = Box::from(f[5].unwrap_or_default());
    let msg_type = match field(f, 6) {
        None => MsgType::Text,
        Some(s) => MsgType::parse(s).ok_or_else(|| format!("unknown msg_type {s:?}"))?,
    };
    Ok(Message {
        shop_id,
        buyer_id,
        agent_id,
        sender,
        ts,
        local,
        content,
        msg_type,
        session_id: field(f, 7).map(|s| names.name(s)),
        file_idx: 0,
        line: 0,
    })
}

fn order_of(f: &[Option<&str>], settings: &Settings, names: &mut Interner) -> std::result::Result<Order, String> {
    let order_id = required(f, 0, "order_id")?.to_owned();
    let shop_id = names.name(required(f, 1, "shop_id")?);
    let buyer_id = names.name(required(f, 2, "buyer_id")?);
    let (created_ts, created_local) = settings
        .zone
        .parse_time(required(f, 3, "created_at")?)
        .map_err(|e| format!("created_at: {e}"))?;
    let (paid_ts, paid_local) = match field(f, 4) {
        None => (None, None),
        Some(s) => {
            let (t, l) = settings.zone.parse_time(s).map_err(|e| format!("paid_at: {e}"))?;
            (Some(t), Some(l))
        }
    };
    let amount_s = required(f, 5, "amount")?;
    let amount_fen = parse_fen(amount_s).ok_or_else(|| format!("unparsable amount {amount_s:?}"))?;
    if amount_fen < 0 {
        return Err(format!("negative amount {amount_s:?}"));
    }
    let status = match field(f, 6) {
        None => None,
        Some(s) => Some(OrderStatus::parse(s).ok_or_else(|| format!("unknown status {s:?}"))?),
    };
    let refund_fen = match field(f, 7) {
        None => None,
        Some(s) => Some(parse_fen(s).ok_or_else(|| format!("unparsable refund_amount {s:?}"))?),
    };
    Ok(Order {
        order_id,
        shop_id,
        buyer_id,
        created_ts,
        created_local,
        paid_ts,
        paid_local,
        amount_fen,
        status,
        refund_fen,
        file_idx: 0,
        line: 0,
    })
}

fn agent_of(f: &[Option<&str>], _: &mut Interner) -> std::result::Result<Agent, String> {
    Ok(Agent {
        agent_id: required(f, 0, "agent_id")?.to_owned(),
        name: field(f, 1).map(str::to_owned),
        team: field(f, 2).map(str::to_owned),
    })
}

/// A row type staging produces: knows where it came from.
trait Placed {
    fn place(&mut self, file_idx: u32, line: u64);
}
impl Placed for Message {
    fn place(&mut self, file_idx: u32, line: u64) {
        self.file_idx = file_idx;
        self.line = line;
    }
}
impl Placed for Order {
    fn place(&mut self, file_idx: u32, line: u64) {
        self.file_idx = file_idx;
        self.line = line;
    }
}
impl Placed for Agent {
    fn place(&mut self, _: u32, _: u64) {}
}

/// Rows staged from one file, or one chunk of it.
struct Part<T> {
    good: Vec<T>,
    rejects: Vec<Reject>,
    names: Interner,
    rows_read: u64,
}

impl<T> Default for Part<T> {
    fn default() -> Self {
        Part {
            good: Vec::new(),
            rejects: Vec::new(),
            names: Interner::default(),
            rows_read: 0,
        }
    }
}

impl<T> Part<T> {
    /// Adds the next chunk's or file's rows (file order). The first one's rows
    /// become the base, so one large file is never copied.
    fn append(&mut self, p: Part<T>) {
        if self.good.is_empty() {
            self.good = p.good;
        } else {
            self.good.extend(p.good);
        }
        self.rejects.extend(p.rejects);
        self.rows_read += p.rows_read;
    }
}

type Parse<'a, T> = dyn Fn(&[Option<&str>], &mut Interner) -> std::result::Result<T, String> + Sync + 'a;

/// Reads and validates one file as its rows stream past: only validated rows
/// (with shared ids) and rejects are kept, never the file's rows as text.
fn stage_file<T: Placed + Send>(
    (path, format): &(PathBuf, Format),
    schema: &TableSchema,
    settings: &Settings,
    file_idx: u32,
    parse: &Parse<T>,
) -> Result<(Part<T>, InputFile)> {
    assert!(schema.columns.len() <= MAX_COLUMNS, "schema wider than MAX_COLUMNS");
    let file = path.display().to_string();
    let row =
        |p: &mut Part<T>, line: u64, fields: std::result::Result<&[Option<&str>], String>, raw: &dyn Fn() -> String| {
            p.rows_read += 1;
            match fields.and_then(|f| parse(f, &mut p.names)) {
                Ok(mut v) => {
                    v.place(file_idx, line);
                    p.good.push(v);
                }
                Err(reason) => p.rejects.push(Reject {
                    file: file.clone(),
                    line,
                    reason,
                    raw: raw(),
                }),
            }
        };
    let mut all = Part::default();
    let encoding = match format {
        Format::Csv => {
            let bytes = std::fs::read(path).map_err(|e| KefuError::io(path, e))?;
            readers::read_csv(path, bytes, schema, Part::default, row, |p| all.append(p))?
        }
        Format::Transcript => {
            let (rows, encoding) = transcript::read_transcript(
                path,
                settings.transcript_header.as_ref(),
                settings.config.input.shop.as_deref(),
            )?;
            for r in rows {
                let raw = || r.raw.clone();
                match &r.fields {
                    Ok(f) => row(
                        &mut all,
                        r.line,
                        Ok(&f.iter().map(|x| x.as_deref()).collect::<Vec<_>>()),
                        &raw,
                    ),
                    Err(e) => row(&mut all, r.line, Err(e.clone()), &raw),
                }
            }
            encoding
        }
        _ => readers::read(path, *format, schema, &mut |l, f, r| row(&mut all, l, f, r))?,
    };
    let info = InputFile {
        path: file,
        table: schema.name,
        format: *format,
        encoding,
        rows_read: all.rows_read,
        rows_used: all.good.len() as u64,
        rows_rejected: all.rejects.len() as u64,
        rows_deduplicated: 0,
    };
    Ok((all, info))
}

/// Stages every file (in parallel), numbering files from `first_idx`; rows
/// come out in file order.
fn stage_files<T: Placed + Send>(
    files: &[(PathBuf, Format)],
    schema: &TableSchema,
    settings: &Settings,
    first_idx: u32,
    parse: &Parse<T>,
) -> Result<(Vec<T>, Vec<Reject>, Vec<InputFile>)> {
    let per_file: Vec<(Part<T>, InputFile)> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| stage_file(f, schema, settings, first_idx + i as u32, parse))
        .collect::<Result<_>>()?;
    let mut all = Part::default();
    let mut infos = Vec::with_capacity(per_file.len());
    for (part, info) in per_file {
        all.append(part);
        infos.push(info);
    }
    Ok((all.good, all.rejects, infos))
}

/// Reads, validates, deduplicates and sorts all inputs named in the settings.
pub fn stage(settings: &Settings) -> Result<Staged> {
    let input = &settings.config.input;
    let msg_files = discover(&input.messages, true)?;
    let order_files = discover(&input.orders, false)?;
    let agent_files = match &input.agents {
        Some(p) => discover(std::slice::from_ref(p), false)?,
        None => Vec::new(),
    };

    let t0 = std::time::Instant::now();
    let (mut messages, mut rejects, mut files) =
        stage_files(&msg_files, &MESSAGES, settings, 0, &|f, n| message_of(f, settings, n))?;
    tracing::debug!(
        ms = t0.elapsed().as_millis() as u64,
        rows = messages.len(),
        "messages read and validated"
    );
    let t0 = std::time::Instant::now();
    messages.par_sort_unstable_by(|a, b| {
        (&a.shop_id, &a.buyer_id, a.ts, a.file_idx, a.line).cmp(&(&b.shop_id, &b.buyer_id, b.ts, b.file_idx, b.line))
    });
    // Exact duplicates share shop, buyer and time, so they sit within one run of
    // equal (shop, buyer, ts) after the sort; the first in file order is kept.
    // Marked first and removed in place: no second copy of the messages.
    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "messages sorted");
    let t0 = std::time::Instant::now();
    let mut dup = vec![false; messages.len()];
    let mut run_start = 0usize;
    for i in 0..messages.len() {
        let m = &messages[i];
        let head = &messages[run_start];
        if head.shop_id != m.shop_id || head.buyer_id != m.buyer_id || head.ts != m.ts {
            run_start = i;
        }
        if (run_start..i).any(|j| !dup[j] && messages[j].dedup_key() == m.dedup_key()) {
            dup[i] = true;
            let fi = &mut files[m.file_idx as usize];
            fi.rows_deduplicated += 1;
            fi.rows_used -= 1;
        }
    }
    let mut is_dup = dup.into_iter();
    messages.retain(|_| !is_dup.next().unwrap_or(false));

    tracing::debug!(ms = t0.elapsed().as_millis() as u64, "messages deduplicated");
    let n_msg_files = files.len() as u32;
    let (mut orders, order_rejects, order_infos) =
        stage_files(&order_files, &ORDERS, settings, n_msg_files, &|f, n| {
            order_of(f, settings, n)
        })?;
    rejects.extend(order_rejects);
    files.extend(order_infos);
    orders.sort_by(|a, b| {
        (&a.shop_id, &a.order_id, a.file_idx, a.line).cmp(&(&b.shop_id, &b.order_id, b.file_idx, b.line))
    });
    let mut kept: Vec<Order> = Vec::with_capacity(orders.len());
    for o in orders {
        if let Some(prev) = kept
            .last()
            .filter(|p| p.shop_id == o.shop_id && p.order_id == o.order_id)
        {
            let same = Order {
                file_idx: prev.file_idx,
                line: prev.line,
                ..o.clone()
            } == *prev;
            let fi = &mut files[o.file_idx as usize];
            fi.rows_used -= 1;
            if same {
                fi.rows_deduplicated += 1;
            } else {
                fi.rows_rejected += 1;
                rejects.push(Reject {
                    file: fi.path.clone(),
                    line: o.line,
                    reason: format!(
                        "order_id {} repeated with different values (first at {}:{})",
                        o.order_id, files[prev.file_idx as usize].path, prev.line
                    ),
                    raw: format!("{},{},{}", o.order_id, o.shop_id, o.buyer_id),
                });
            }
            continue;
        }
        kept.push(o);
    }
    let mut orders = kept;
    orders.sort_by(|a, b| {
        (&a.shop_id, &a.buyer_id, a.created_ts, &a.order_id).cmp(&(&b.shop_id, &b.buyer_id, b.created_ts, &b.order_id))
    });

    let first_agent_idx = files.len() as u32;
    let (agents_all, agent_rejects, agent_infos) =
        stage_files(&agent_files, &AGENTS, settings, first_agent_idx, &agent_of)?;
    rejects.extend(agent_rejects);
    files.extend(agent_infos);
    let mut agents: Vec<Agent> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The roster has no line numbers on Agent; duplicates are counted against the roster file.
    for a in agents_all {
        if seen.contains_key(&a.agent_id) {
            if let Some(fi) = files.iter_mut().rev().find(|f| f.table == "agents") {
                fi.rows_used -= 1;
                fi.rows_deduplicated += 1;
            }
            continue;
        }
        seen.insert(a.agent_id.clone(), agents.len());
        agents.push(a);
    }
    agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));

    rejects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(Staged {
        messages,
        orders,
        agents,
        rejects,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_fen;

    #[test]
    fn amounts_are_exact_fen() {
        assert_eq!(parse_fen("199.9"), Some(19990));
        assert_eq!(parse_fen("¥1,299.00"), Some(129900));
        assert_eq!(parse_fen("0.01"), Some(1));
        assert_eq!(parse_fen("12"), Some(1200));
        assert_eq!(parse_fen("1.005"), None);
        assert_eq!(parse_fen("abc"), None);
        assert_eq!(parse_fen(""), None);
    }
}
