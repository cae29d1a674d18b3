//! Bounded memory (`--memory-budget`, `--spill DIR`): a partitioned run
//! whose passes do not each reread the inputs. Every input file is read
//! once, through its own reader, and each row is written to the spill file
//! of its shop's bucket with its line, its fields as the reader found them
//! and its raw text; each bucket's pass then replays its rows to the same
//! validation a pass over the files would give them. A pass therefore sees
//! the rows, lines, order and encodings it would have seen, and the output
//! is the same; memory holds one bucket's rows, not the inputs.
//!
//! Rows that name their order but no shop (refunds, reviews) go to a file
//! every pass reads, as every pass over the files reads them, and the
//! spill remembers all valid orders so that each pass can tell whether it
//! owns such a row ([`Foreign`]).

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::discover::discover;
use super::readers::{Fields, RowSink, Value};
use super::route::{Dest, Foreign, RowRoute, Shopless};
use super::schema::{InputSchema, BUYERS, MAX_COLUMNS, MESSAGES, ORDERS, RATINGS, REFUNDS, REVIEWS, TARGETS};
use super::{read, validate, Parse};
use crate::core::bucket::{Route, Shard};
use crate::core::error::{KefuError, Result};
use crate::core::model::{Interner, MsgType, Name, Order, Sender};
use crate::core::settings::Settings;

/// A table's spill file: one per bucket, and `None` for the rows every pass reads.
type Slot = Option<u32>;

/// Buffered record bytes written out once this many are pending.
const FLUSH_AT: usize = 32 << 20;
/// Records a replay task validates at once, and tasks per window.
const REPLAY_PART: usize = 16_384;
const REPLAY_WINDOW: usize = 16 * REPLAY_PART;

/// Every spilled input of a run.
#[derive(Debug)]
pub struct Spill {
    dir: PathBuf,
    files: HashMap<(&'static str, PathBuf), Spilled>,
    /// All valid orders, when refunds or reviews may name theirs by id alone.
    pub(super) foreign: Foreign,
    /// Spilled bytes per bucket: what a pass holds grows with them.
    pub bucket_bytes: Vec<u64>,
    /// Rows written to the spill (each bucket's and the shared ones).
    pub rows: u64,
}

/// One input file: its encoding and where its rows lie in each spill file.
#[derive(Debug)]
struct Spilled {
    encoding: &'static str,
    ranges: HashMap<Slot, (u64, u64)>,
}

fn slot_path(dir: &Path, table: &str, slot: Slot) -> PathBuf {
    let name = slot.map_or_else(|| "every".to_owned(), |b| b.to_string());
    dir.join(table).join(format!("{name}.rows"))
}

/// The tables kept in the spill: every one with a shop column (the agent
/// roster has none; every pass reads it).
fn tables(settings: &Settings) -> [(&'static InputSchema, &[PathBuf], bool); 7] {
    let i = &settings.input;
    [
        (&MESSAGES, &i.messages, true),
        (&ORDERS, &i.orders, false),
        (&REFUNDS, &i.refunds, false),
        (&BUYERS, &i.buyers, false),
        (&TARGETS, &i.targets, false),
        (&RATINGS, &i.ratings, false),
        (&REVIEWS, &i.reviews, false),
    ]
}

/// Reads every input once into per-bucket spill files under `dir` (which
/// it creates), keeping the rows of `shard`'s buckets and the shared ones.
pub fn write(settings: &Settings, buckets: u32, shard: Shard, dir: &Path) -> Result<Spill> {
    let zone = &settings.metrics.zone;
    let by_order = !settings.input.refunds.is_empty() || !settings.input.reviews.is_empty();
    let parse_order = |f: &Fields, n: &mut Interner| validate::order(f, zone, n);
    remove_stale(dir)?;
    remove(dir)?;
    let mut spill = Spill {
        dir: dir.to_owned(),
        files: HashMap::new(),
        foreign: Foreign::default(),
        bucket_bytes: vec![0; buckets as usize],
        rows: 0,
    };
    for (schema, paths, transcripts) in tables(settings) {
        let Some(shop_col) = schema.names().position(|c| c == "shop_id") else {
            continue;
        };
        let route = RowRoute {
            route: Route { buckets, bucket: 0 },
            shop_col,
            shopless: match schema.is_required("shop_id") {
                true => Shopless::Bucket0,
                false => Shopless::ByOrder,
            },
        };
        let remember: Option<&Parse<Order>> = (by_order && schema.name == ORDERS.name).then_some(&parse_order);
        let table_dir = dir.join(schema.name);
        fs::create_dir_all(&table_dir).map_err(|e| KefuError::io(&table_dir, e))?;
        let mut w = Writer::new(dir, schema.name);
        for (path, format) in discover(paths, transcripts)? {
            let mut file = FileSink {
                w: &mut w,
                spill: &mut spill,
                ranges: HashMap::new(),
                err: None,
            };
            let new_part = || SpillPart::new(route, shard, remember);
            let encoding = read(&path, format, schema, settings, None, &new_part, &mut |p| file.take(p))?;
            if let Some(e) = file.err {
                return Err(e);
            }
            let ranges = file.ranges;
            spill.files.insert((schema.name, path), Spilled { encoding, ranges });
        }
        w.flush()?;
    }
    if let Some((b, n)) = spill.bucket_bytes.iter().enumerate().max_by_key(|(_, n)| **n) {
        tracing::info!(
            rows = spill.rows,
            largest_bucket = b,
            largest_mb = n >> 20,
            "inputs spilled"
        );
    }
    Ok(spill)
}

impl Spill {
    /// Replays `path`'s rows of `bucket` (and the shared ones) to the parts,
    /// in file order; `None` when the file was not spilled (read it instead).
    pub(super) fn replay<P: RowSink>(
        &self,
        table: &'static str,
        path: &Path,
        bucket: u32,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<Option<&'static str>> {
        let Some(s) = self.files.get(&(table, path.to_path_buf())) else {
            return Ok(None);
        };
        let own = self.load(table, Some(bucket), s)?;
        let every = self.load(table, None, s)?;
        let corrupt = |slot| KefuError::input(slot_path(&self.dir, table, slot), None, "spill file is corrupt");
        let own = split(&own).ok_or_else(|| corrupt(Some(bucket)))?;
        let every = split(&every).ok_or_else(|| corrupt(None))?;
        let recs = merge_by_line(own, every);
        for window in recs.chunks(REPLAY_WINDOW) {
            let parts: Vec<Option<P>> = window
                .par_chunks(REPLAY_PART)
                .map(|chunk| {
                    let mut part = new_part();
                    for r in chunk {
                        let (line, fields, raw) = decode(r)?;
                        part.row(line, fields.as_ref().map_err(|e| e.to_string()), &|| raw.to_owned());
                    }
                    Some(part)
                })
                .collect();
            for p in parts {
                done(p.ok_or_else(|| corrupt(Some(bucket)))?);
            }
        }
        Ok(Some(s.encoding))
    }

    /// One file's bytes in one spill file.
    fn load(&self, table: &str, slot: Slot, s: &Spilled) -> Result<Vec<u8>> {
        let Some(&(start, end)) = s.ranges.get(&slot) else {
            return Ok(Vec::new());
        };
        let path = slot_path(&self.dir, table, slot);
        let mut buf = vec![0; (end - start) as usize];
        let mut f = fs::File::open(&path).map_err(|e| KefuError::io(&path, e))?;
        f.seek(SeekFrom::Start(start))
            .and_then(|_| f.read_exact(&mut buf))
            .map_err(|e| KefuError::io(&path, e))?;
        Ok(buf)
    }
}

/// Deletes a spill folder (after the run, or after it failed).
pub fn remove(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(KefuError::io(dir, e)),
        _ => Ok(()),
    }
}

/// Removes the spill folders beside `dir` (named like it, `…spill-<pid>`)
/// of runs that died: their process is gone, and no one else removes them.
fn remove_stale(dir: &Path) -> Result<()> {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name().and_then(|n| n.to_str())) else {
        return Ok(());
    };
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let (Ok(entries), true) = (fs::read_dir(parent), Path::new("/proc/self").exists()) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let pid = name.to_str().and_then(|n| n.strip_prefix(prefix));
        if let Some(pid) = pid.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            if !Path::new("/proc").join(pid).exists() {
                remove(&e.path())?;
            }
        }
    }
    Ok(())
}

/// The bytes of every input a spill holds: what sizes its buckets.
pub fn input_bytes(settings: &Settings) -> Result<u64> {
    let mut n = 0;
    for (schema, paths, transcripts) in tables(settings) {
        if schema.names().any(|c| c == "shop_id") {
            for (path, _) in discover(paths, transcripts)? {
                n += fs::metadata(&path).map_err(|e| KefuError::io(&path, e))?.len();
            }
        }
    }
    Ok(n)
}

/// A table's spill files, buffered: records are appended in file order.
struct Writer<'a> {
    dir: &'a Path,
    table: &'static str,
    pending: HashMap<Slot, Vec<u8>>,
    written: HashMap<Slot, u64>,
    buffered: usize,
}

impl<'a> Writer<'a> {
    fn new(dir: &'a Path, table: &'static str) -> Self {
        Writer {
            dir,
            table,
            pending: HashMap::new(),
            written: HashMap::new(),
            buffered: 0,
        }
    }

    /// Where the next record of `slot` starts.
    fn offset(&self, slot: Slot) -> u64 {
        self.written.get(&slot).copied().unwrap_or(0) + self.pending.get(&slot).map_or(0, |b| b.len() as u64)
    }

    fn push(&mut self, slot: Slot, rec: &[u8]) -> Result<()> {
        self.pending.entry(slot).or_default().extend_from_slice(rec);
        self.buffered += rec.len();
        if self.buffered >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        for (slot, buf) in self.pending.drain() {
            let path = slot_path(self.dir, self.table, slot);
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(&buf))
                .map_err(|e| KefuError::io(&path, e))?;
            *self.written.entry(slot).or_default() += buf.len() as u64;
        }
        self.buffered = 0;
        Ok(())
    }
}

/// Takes one file's finished parts, in file order.
struct FileSink<'w, 'a> {
    w: &'w mut Writer<'a>,
    spill: &'w mut Spill,
    ranges: HashMap<Slot, (u64, u64)>,
    err: Option<KefuError>,
}

impl FileSink<'_, '_> {
    fn take(&mut self, p: SpillPart) {
        if self.err.is_some() {
            return;
        }
        for (id, shop) in p.orders {
            self.spill.foreign.add(&id, &shop, self.spill.bucket_bytes.len() as u32);
        }
        for (slot, start, end) in p.recs {
            let at = self.w.offset(slot);
            self.ranges.entry(slot).or_insert((at, at)).1 = at + (end - start) as u64;
            if let Some(b) = slot {
                self.spill.bucket_bytes[b as usize] += (end - start) as u64;
            }
            self.spill.rows += 1;
            if let Err(e) = self.w.push(slot, &p.bytes[start..end]) {
                self.err = Some(e);
                return;
            }
        }
    }
}

/// One chunk of a file's rows, encoded for their spill files.
struct SpillPart<'a> {
    route: RowRoute,
    shard: Shard,
    bytes: Vec<u8>,
    recs: Vec<(Slot, usize, usize)>,
    /// Validates orders to remember the valid ones (see [`Foreign`]).
    remember: Option<&'a Parse<'a, Order>>,
    names: Interner,
    orders: Vec<(Box<str>, Name)>,
}

impl<'a> SpillPart<'a> {
    fn new(route: RowRoute, shard: Shard, remember: Option<&'a Parse<'a, Order>>) -> Self {
        SpillPart {
            route,
            shard,
            bytes: Vec::new(),
            recs: Vec::new(),
            remember,
            names: Interner::default(),
            orders: Vec::new(),
        }
    }
}

impl RowSink for SpillPart<'_> {
    fn row(&mut self, line: u64, fields: std::result::Result<&Fields, String>, raw: &dyn Fn() -> String) {
        if let (Some(parse), Ok(f)) = (self.remember, &fields) {
            if let Ok(o) = parse(f, &mut self.names) {
                self.orders.push((o.order_id.as_str().into(), o.shop_id.clone()));
            }
        }
        let slot = match self.route.dest(fields.as_ref().ok().copied()) {
            Dest::Bucket(b) if self.shard.has(b) => Some(b),
            Dest::Bucket(_) => return,
            Dest::Every => None,
        };
        let start = self.bytes.len();
        encode(&mut self.bytes, line, fields, &raw());
        self.recs.push((slot, start, self.bytes.len()));
    }
}

const SENDERS: [Sender; 4] = [Sender::Buyer, Sender::Agent, Sender::Bot, Sender::System];
const TYPES: [MsgType; 7] = [
    MsgType::Text,
    MsgType::Image,
    MsgType::Emoji,
    MsgType::ItemCard,
    MsgType::OrderCard,
    MsgType::Voice,
    MsgType::System,
];

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A record: its length (u32), line (u64), then either `0` and the fields
/// (a tag and value each) or `1` and the reason it has none, then the raw text.
fn encode(out: &mut Vec<u8>, line: u64, fields: std::result::Result<&Fields, String>, raw: &str) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&line.to_le_bytes());
    match fields {
        Ok(f) => {
            out.push(0);
            for c in 0..MAX_COLUMNS {
                match f.get(c) {
                    None => out.push(0),
                    Some(Value::Text(s)) => {
                        out.push(1);
                        put_str(out, s);
                    }
                    Some(Value::Instant(ms)) => {
                        out.push(2);
                        out.extend_from_slice(&ms.to_le_bytes());
                    }
                    Some(Value::Wall(ms)) => {
                        out.push(3);
                        out.extend_from_slice(&ms.to_le_bytes());
                    }
                    Some(Value::Sender(s)) => {
                        out.extend_from_slice(&[4, SENDERS.iter().position(|x| *x == s).unwrap_or(0) as u8])
                    }
                    Some(Value::MsgType(t)) => {
                        out.extend_from_slice(&[5, TYPES.iter().position(|x| *x == t).unwrap_or(0) as u8])
                    }
                }
            }
        }
        Err(reason) => {
            out.push(1);
            put_str(out, &reason);
        }
    }
    put_str(out, raw);
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

/// Reads a record's parts; `None` when the bytes are not one.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

type Decoded<'a> = (u64, std::result::Result<Fields<'a>, &'a str>, &'a str);

/// A record (without its length) back into line, fields and raw text.
fn decode(rec: &[u8]) -> Option<Decoded<'_>> {
    let mut c = Cursor(rec);
    let line = c.u64()?;
    let fields = match c.u8()? {
        0 => {
            let mut f = Fields::default();
            for col in 0..MAX_COLUMNS {
                let v = match c.u8()? {
                    0 => None,
                    1 => Some(Value::Text(c.str()?)),
                    2 => Some(Value::Instant(c.u64()? as i64)),
                    3 => Some(Value::Wall(c.u64()? as i64)),
                    4 => Some(Value::Sender(*SENDERS.get(usize::from(c.u8()?))?)),
                    5 => Some(Value::MsgType(*TYPES.get(usize::from(c.u8()?))?)),
                    _ => return None,
                };
                f.set(col, v);
            }
            Ok(f)
        }
        1 => Err(c.str()?),
        _ => return None,
    };
    Some((line, fields, c.str()?))
}

/// A spill file's records, each with its line.
fn split(buf: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut c = Cursor(buf);
    let mut out = Vec::new();
    while !c.0.is_empty() {
        let n = c.u32()? as usize;
        let rec = c.take(n)?;
        out.push((u64::from_le_bytes(rec.get(..8)?.try_into().ok()?), rec));
    }
    Some(out)
}

/// The bucket's rows and the shared ones, back in file order.
fn merge_by_line<'a>(own: Vec<(u64, &'a [u8])>, every: Vec<(u64, &'a [u8])>) -> Vec<&'a [u8]> {
    if every.is_empty() {
        return own.into_iter().map(|(_, r)| r).collect();
    }
    let mut out = Vec::with_capacity(own.len() + every.len());
    let (mut a, mut b) = (own.into_iter().peekable(), every.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.0 < x.0 => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some((_, r)) => out.push(r),
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of field comes back as it went in.
    #[test]
    fn records_round_trip() {
        let mut f = Fields::default();
        f.set(0usize, Some(Value::Text("悦然旗舰店")));
        f.set(2usize, Some(Value::Instant(-5)));
        f.set(3usize, Some(Value::Wall(1_763_000_000_000)));
        f.set(4usize, Some(Value::Sender(Sender::Bot)));
        f.set(5usize, Some(Value::MsgType(MsgType::OrderCard)));
        let mut buf = Vec::new();
        encode(&mut buf, 7, Ok(&f), "a,b");
        encode(&mut buf, 9, Err("expected 8 fields, found 2".into()), "x,y");
        let recs = split(&buf).unwrap();
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), [7, 9]);
        let (line, got, raw) = decode(recs[0].1).unwrap();
        let got = got.unwrap();
        assert_eq!((line, raw), (7, "a,b"));
        for c in 0..MAX_COLUMNS {
            assert_eq!(got.get(c), f.get(c), "column {c}");
        }
        let (line, got, raw) = decode(recs[1].1).unwrap();
        assert_eq!((line, got.unwrap_err(), raw), (9, "expected 8 fields, found 2", "x,y"));
        // A cut record is no record.
        assert!(split(&buf[..buf.len() - 1]).is_none());
    }

    #[test]
    fn merge_keeps_file_order() {
        let (a, b, c, d): (&[u8], &[u8], &[u8], &[u8]) = (b"a", b"b", b"c", b"d");
        let got = merge_by_line(vec![(2, a), (5, c)], vec![(1, b), (3, d)]);
        assert_eq!(got, vec![b, a, d, c]);
    }
}
