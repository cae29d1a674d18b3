//! Stage 1, ingest (dbt's staging layer): find the input files, read each
//! with the reader its extension names, validate every row once into
//! [`Message`], [`Order`] and [`Agent`], send every row that cannot be used
//! to `rejects` with file, line and reason, and keep exact duplicates once.
//! Every row read is accounted for, per file:
//! `rows_read = rows_used + rows_rejected + rows_deduplicated`.

pub mod decode;
mod dedup;
pub mod discover;
pub mod readers;
mod refunds;
mod reviews;
mod route;
pub mod schema;
pub mod spill;
pub mod validate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use self::discover::{discover, Format};
use self::readers::{Csv, Fields, Jsonl, Parquet, Reader, RowSink, Transcript};
use self::route::{Foreign, RowRoute, Shopless};
use self::schema::{InputSchema, AGENTS, BUYERS, MESSAGES, ORDERS, RATINGS, REFUNDS, REVIEWS, TARGETS};
use self::spill::Spill;
use crate::core::error::Result;
use crate::core::model::{Agent, BuyerInfo, Interner, Message, Name, Order, Rating, Refund, Reject, Review, Target};
use crate::core::settings::Settings;

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
    /// Sorted by agent_id.
    pub agents: Vec<Agent>,
    /// The optional CRM buyers, sorted by (shop_id, buyer_id).
    pub buyers: Vec<BuyerInfo>,
    /// The optional sales targets, sorted by (shop_id, holder, period).
    pub targets: Vec<Target>,
    /// The optional satisfaction ratings, sorted by (shop_id, session_id,
    /// buyer_id, rated_at); matched to sessions by the conversion stage.
    /// `None` when no ratings input is named (their columns are then null,
    /// not 0).
    pub ratings: Option<Vec<Rating>>,
    /// The optional reviews, each joined to its order, sorted by (shop_id,
    /// order_id); `None` when no reviews input is named.
    pub reviews: Option<Vec<Review>>,
    /// Sorted by (file, line).
    pub rejects: Vec<Reject>,
    /// Indexed by the rows' `file_idx`.
    pub files: Vec<InputFile>,
}

/// A row type staging produces: knows where it came from.
trait Placed {
    fn place(&mut self, file_idx: u32, line: u64);
    /// (order id, shop) for orders: what a partitioned pass remembers of
    /// other buckets' orders (see [`route`]).
    fn order_key(&self) -> Option<(&str, &Name)> {
        None
    }
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
    fn order_key(&self) -> Option<(&str, &Name)> {
        Some((&self.order_id, &self.shop_id))
    }
}
/// `Placed` for row types with `file_idx` and `line` fields.
macro_rules! placed {
    ($($t:ty),*) => {$(
        impl Placed for $t {
            fn place(&mut self, file_idx: u32, line: u64) {
                self.file_idx = file_idx;
                self.line = line;
            }
        }
    )*};
}
placed!(Agent, Refund, BuyerInfo, Target, Rating, Review);

/// Validation of one table's rows.
type Parse<'a, T> = dyn Fn(&Fields, &mut Interner) -> std::result::Result<T, String> + Sync + 'a;

/// Rows staged from one file, or one chunk of it: validated rows (with
/// shared ids) and rejects, never the file's rows as text.
struct Part<'a, T> {
    parse: &'a Parse<'a, T>,
    file: &'a str,
    file_idx: u32,
    good: Vec<T>,
    rejects: Vec<Reject>,
    names: Interner,
    rows_read: u64,
    /// A partitioned run's routing (none: every row is this pass's).
    route: Option<RowRoute>,
    /// Whether to remember other buckets' valid orders in `foreign`.
    remember_foreign: bool,
    foreign: Vec<(Box<str>, Name)>,
}

impl<'a, T> Part<'a, T> {
    fn new(parse: &'a Parse<'a, T>, file: &'a str, file_idx: u32, route: &Routing) -> Self {
        Part {
            parse,
            file,
            file_idx,
            good: Vec::new(),
            rejects: Vec::new(),
            names: Interner::default(),
            rows_read: 0,
            route: route.rows,
            remember_foreign: route.remember_foreign,
            foreign: Vec::new(),
        }
    }

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
        self.foreign.extend(p.foreign);
    }
}

impl<T: Placed> Part<'_, T> {
    /// Remembers another bucket's row where it is a valid order (see [`route`]).
    fn remember(&mut self, fields: Option<&Fields>) {
        if !self.remember_foreign {
            return;
        }
        if let Some(Ok(v)) = fields.map(|f| (self.parse)(f, &mut self.names)) {
            if let Some((id, shop)) = v.order_key() {
                self.foreign.push((id.into(), shop.clone()));
            }
        }
    }
}

/// How one table's rows are routed in this pass.
struct Routing {
    rows: Option<RowRoute>,
    remember_foreign: bool,
}

impl Routing {
    /// Tables without a shop column (the agent roster) are read whole by
    /// every pass and accounted in bucket 0 ([`stage`]).
    fn new(schema: &InputSchema, settings: &Settings, spill: Option<&Spill>) -> Routing {
        if spill.is_some() {
            // The spill holds only this pass's rows, and every valid order.
            return Routing {
                rows: None,
                remember_foreign: false,
            };
        }
        let route = settings.input.route;
        let shop_col = schema.names().position(|c| c == "shop_id");
        let rows = route.zip(shop_col).map(|(route, shop_col)| RowRoute {
            route,
            shop_col,
            shopless: match schema.is_required("shop_id") {
                true => Shopless::Bucket0,
                false => Shopless::ByOrder,
            },
        });
        Routing {
            rows,
            remember_foreign: schema.name == ORDERS.name && resolves_by_order(settings),
        }
    }
}

/// One file's or table's staged rows.
struct Rows<T> {
    good: Vec<T>,
    rejects: Vec<Reject>,
    infos: Vec<InputFile>,
    foreign: Vec<(Box<str>, Name)>,
}

impl<T: Placed + Send> RowSink for Part<'_, T> {
    fn row(&mut self, line: u64, fields: std::result::Result<&Fields, String>, raw: &dyn Fn() -> String) {
        if let Some(r) = &self.route {
            if !r.keeps(fields.as_ref().ok().copied()) {
                self.remember(fields.ok());
                return;
            }
        }
        self.rows_read += 1;
        match fields.and_then(|f| (self.parse)(f, &mut self.names)) {
            Ok(mut v) => {
                v.place(self.file_idx, line);
                self.good.push(v);
            }
            Err(reason) => self.rejects.push(Reject {
                file: self.file.to_owned(),
                line,
                reason,
                raw: raw(),
            }),
        }
    }
}

/// Reads and validates one file as its rows stream past.
fn stage_file<'a, T: Placed + Send>(
    (path, format): &(PathBuf, Format),
    schema: &InputSchema,
    (settings, spill): (&Settings, Option<&Spill>),
    file_idx: u32,
    parse: &'a Parse<'a, T>,
) -> Result<Rows<T>> {
    let file = path.display().to_string();
    let routing = Routing::new(schema, settings, spill);
    let mut all = Part::new(parse, &file, file_idx, &routing);
    let new_part = || Part::new(parse, &file, file_idx, &routing);
    let mut done = |p: Part<T>| all.append(p);
    let replay = spill.zip(settings.input.route).map(|(s, r)| (s, r.bucket));
    let encoding = read(path, *format, schema, settings, replay, &new_part, &mut done)?;
    let info = InputFile {
        path: file.clone(),
        table: schema.name,
        format: *format,
        encoding,
        rows_read: all.rows_read,
        rows_used: all.good.len() as u64,
        rows_rejected: all.rejects.len() as u64,
        rows_deduplicated: 0,
    };
    Ok(Rows {
        good: all.good,
        rejects: all.rejects,
        infos: vec![info],
        foreign: all.foreign,
    })
}

/// Reads one file with the reader of its format, or replays a bucket's
/// rows of it from the spill.
fn read<P: RowSink>(
    path: &Path,
    format: Format,
    schema: &InputSchema,
    settings: &Settings,
    replay: Option<(&Spill, u32)>,
    new_part: &(dyn Fn() -> P + Sync),
    done: &mut dyn FnMut(P),
) -> Result<&'static str> {
    if let Some((spill, bucket)) = replay {
        if let Some(encoding) = spill.replay(schema.name, path, bucket, new_part, done)? {
            return Ok(encoding);
        }
    }
    match format {
        Format::Csv => Csv.read(path, schema, new_part, done),
        Format::Jsonl => Jsonl.read(path, schema, new_part, done),
        Format::Parquet => Parquet.read(path, schema, new_part, done),
        Format::Transcript => Transcript {
            header: settings.input.transcript_header.as_ref(),
            shop: settings.input.shop.as_deref(),
        }
        .read(path, schema, new_part, done),
    }
}

/// Stages every file (in parallel), numbering files from `first_idx`; rows
/// come out in file order.
fn stage_files<T: Placed + Send>(
    files: &[(PathBuf, Format)],
    schema: &InputSchema,
    pass: (&Settings, Option<&Spill>),
    first_idx: u32,
    parse: &Parse<T>,
) -> Result<Rows<T>> {
    let per_file: Vec<Rows<T>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| stage_file(f, schema, pass, first_idx + i as u32, parse))
        .collect::<Result<_>>()?;
    let mut all = Rows {
        good: Vec::new(),
        rejects: Vec::new(),
        infos: Vec::with_capacity(per_file.len()),
        foreign: Vec::new(),
    };
    for r in per_file {
        if all.good.is_empty() {
            all.good = r.good;
        } else {
            all.good.extend(r.good);
        }
        all.rejects.extend(r.rejects);
        all.infos.extend(r.infos);
        all.foreign.extend(r.foreign);
    }
    Ok(all)
}

/// Discovers, reads and validates one optional table, adding its files'
/// accounting and rejects.
fn stage_table<T: Placed + Send>(
    paths: &[PathBuf],
    schema: &InputSchema,
    pass: (&Settings, Option<&Spill>),
    parse: &Parse<T>,
    files: &mut Vec<InputFile>,
    rejects: &mut Vec<Reject>,
) -> Result<Vec<T>> {
    let found = discover(paths, false)?;
    let rows = stage_files(&found, schema, pass, files.len() as u32, parse)?;
    rejects.extend(rows.rejects);
    files.extend(rows.infos);
    Ok(rows.good)
}

/// What the optional inputs give besides refunds.
struct Optional {
    buyers: Vec<BuyerInfo>,
    targets: Vec<Target>,
    ratings: Option<Vec<Rating>>,
    reviews: Option<Vec<Review>>,
}

/// The optional inputs: refunds and reviews (joined to the orders), CRM
/// buyers, sales targets and ratings (each kept once per key).
fn stage_optional(
    pass @ (settings, _): (&Settings, Option<&Spill>),
    foreign: &Foreign,
    orders: &mut [Order],
    files: &mut Vec<InputFile>,
    rejects: &mut Vec<Reject>,
) -> Result<Optional> {
    let (input, zone) = (&settings.input, &settings.metrics.zone);
    let refunds = stage_table(
        &input.refunds,
        &REFUNDS,
        pass,
        &|f, n| validate::refund(f, zone, n),
        files,
        rejects,
    )?;
    let own = own_shops(orders, settings);
    let refunds = route::own_shopless(
        refunds,
        input.route,
        foreign,
        |id| own.get(id).copied().unwrap_or(0),
        |r: &Refund| (r.shop_id.as_ref(), &r.order_id, r.file_idx),
        files,
    );
    // Exact repeats (same order, time, amount, stage and reason) are one refund.
    let refunds = dedup::by_key(
        refunds,
        |x: &Refund| {
            let r = x.clone();
            (r.order_id, r.shop_id, r.refund_ts, r.amount_fen, r.stage, r.reason)
        },
        |x| (x.file_idx, x.line),
        |_, _| true,
        "refund",
        files,
        rejects,
    );
    refunds::join(orders, refunds, files, rejects);
    let buyers = stage_table(
        &input.buyers,
        &BUYERS,
        pass,
        &|f, n| validate::buyer(f, zone, n),
        files,
        rejects,
    )?;
    let buyers = dedup::by_key(
        buyers,
        |x: &BuyerInfo| (x.shop_id.clone(), x.buyer_id.clone()),
        |x| (x.file_idx, x.line),
        |a, b| (a.first_paid_ts, &a.member_level) == (b.first_paid_ts, &b.member_level),
        "shop_id and buyer_id",
        files,
        rejects,
    );
    let targets = stage_table(&input.targets, &TARGETS, pass, &validate::target, files, rejects)?;
    let targets = dedup::by_key(
        targets,
        |x: &Target| (x.shop_id.clone(), x.holder.clone(), x.period),
        |x| (x.file_idx, x.line),
        |a, b| a.target_fen == b.target_fen,
        "shop_id, agent_id or team and period",
        files,
        rejects,
    );
    Ok(Optional {
        buyers,
        targets,
        ratings: stage_ratings(pass, files, rejects)?,
        reviews: stage_reviews(pass, (foreign, &own), orders, files, rejects)?,
    })
}

/// Ratings, once per session: the session named by id, or by buyer and time.
fn stage_ratings(
    pass @ (settings, _): (&Settings, Option<&Spill>),
    files: &mut Vec<InputFile>,
    rejects: &mut Vec<Reject>,
) -> Result<Option<Vec<Rating>>> {
    if settings.input.ratings.is_empty() {
        return Ok(None);
    }
    let zone = &settings.metrics.zone;
    let parse = |f: &Fields, n: &mut Interner| validate::rating(f, zone, n);
    let ratings = stage_table(&settings.input.ratings, &RATINGS, pass, &parse, files, rejects)?;
    Ok(Some(dedup::by_key(
        ratings,
        |x: &Rating| {
            let by_time = x.session_id.is_none().then(|| (x.buyer_id.clone(), x.rated_ts));
            (x.shop_id.clone(), x.session_id.clone(), by_time)
        },
        |x| (x.file_idx, x.line),
        |a, b| (&a.agent_id, a.score) == (&b.agent_id, b.score),
        "rating of a session",
        files,
        rejects,
    )))
}

/// Reviews, one per order (an exact repeat is a duplicate, another a reject),
/// joined to their orders.
fn stage_reviews(
    pass @ (settings, _): (&Settings, Option<&Spill>),
    (foreign, own): (&Foreign, &HashMap<Box<str>, usize>),
    orders: &[Order],
    files: &mut Vec<InputFile>,
    rejects: &mut Vec<Reject>,
) -> Result<Option<Vec<Review>>> {
    if settings.input.reviews.is_empty() {
        return Ok(None);
    }
    let zone = &settings.metrics.zone;
    let parse = |f: &Fields, n: &mut Interner| validate::review(f, zone, n);
    let reviews = stage_table(&settings.input.reviews, &REVIEWS, pass, &parse, files, rejects)?;
    let reviews = route::own_shopless(
        reviews,
        settings.input.route,
        foreign,
        |id| own.get(id).copied().unwrap_or(0),
        |r: &Review| (r.shop_id.as_ref(), &r.order_id, r.file_idx),
        files,
    );
    let reviews = dedup::by_key(
        reviews,
        |x: &Review| (x.shop_id.clone(), x.order_id.clone()),
        |x| (x.file_idx, x.line),
        |a, b| (a.rating, &a.text, a.created_ts) == (b.rating, &b.text, b.created_ts),
        "review of an order",
        files,
        rejects,
    );
    Ok(Some(reviews::join(orders, reviews, files, rejects)))
}

/// Whether this pass may meet refunds or reviews that name their order by
/// id alone and must find the order's bucket (see [`route`]).
fn resolves_by_order(settings: &Settings) -> bool {
    let input = &settings.input;
    input.route.is_some() && (!input.refunds.is_empty() || !input.reviews.is_empty())
}

/// How many of this pass's orders (one per shop, once deduplicated) use
/// each order id; only a pass that [`resolves_by_order`] asks.
fn own_shops(orders: &[Order], settings: &Settings) -> HashMap<Box<str>, usize> {
    let mut n: HashMap<Box<str>, usize> = HashMap::new();
    if resolves_by_order(settings) {
        for o in orders {
            *n.entry(o.order_id.as_str().into()).or_default() += 1;
        }
    }
    n
}

/// Reads, validates, deduplicates and sorts all inputs named in the settings
/// (a partitioned pass: its bucket's rows, from the spill when there is one).
pub fn stage(settings: &Settings, spill: Option<&Spill>) -> Result<Staged> {
    let pass = (settings, spill);
    let input = &settings.input;
    let zone = &settings.metrics.zone;
    let msg_files = discover(&input.messages, true)?;
    let order_files = discover(&input.orders, false)?;
    let agent_files = match &input.agents {
        Some(p) => discover(std::slice::from_ref(p), false)?,
        None => Vec::new(),
    };

    let t0 = std::time::Instant::now();
    let read = stage_files(&msg_files, &MESSAGES, pass, 0, &|f, n| validate::message(f, zone, n))?;
    let (mut messages, mut rejects, mut files) = (read.good, read.rejects, read.infos);
    tracing::debug!(
        ms = t0.elapsed().as_millis() as u64,
        rows = messages.len(),
        "messages read and validated"
    );
    // One buyer's messages of one second in different files: the files'
    // paths order them, not the order the files were named in.
    let mut by_path: Vec<usize> = (0..files.len()).collect();
    by_path.sort_by(|a, b| files[*a].path.cmp(&files[*b].path));
    let mut rank = vec![0usize; files.len()];
    for (r, i) in by_path.into_iter().enumerate() {
        rank[i] = r;
    }
    let key = |m: &Message| (rank[m.file_idx as usize], m.line);
    messages.par_sort_unstable_by(|a, b| {
        (&a.shop_id, &a.buyer_id, a.ts, key(a)).cmp(&(&b.shop_id, &b.buyer_id, b.ts, key(b)))
    });
    dedup::messages(&mut messages, &mut files);

    let first = files.len() as u32;
    let read = stage_files(&order_files, &ORDERS, pass, first, &|f, n| validate::order(f, zone, n))?;
    rejects.extend(read.rejects);
    files.extend(read.infos);
    let mut remembered = Foreign::default();
    let buckets = input.route.map_or(1, |r| r.buckets);
    for (id, shop) in &read.foreign {
        remembered.add(id, shop, buckets);
    }
    let foreign = spill.map_or(&remembered, |s| &s.foreign);
    let mut orders = dedup::orders(read.good, &mut files, &mut rejects);
    orders.sort_by(|a, b| {
        (&a.shop_id, &a.buyer_id, a.created_ts, &a.order_id).cmp(&(&b.shop_id, &b.buyer_id, b.created_ts, &b.order_id))
    });

    let first = files.len() as u32;
    let read = stage_files(&agent_files, &AGENTS, pass, first, &validate::agent)?;
    files.extend(read.infos);
    let mut agents = dedup::agents(read.good, &mut files);
    agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    if input.route.is_none_or(|r| r.accounts_shopless()) {
        rejects.extend(read.rejects);
    } else {
        // The roster has no shop: every pass reads it, bucket 0 accounts for it.
        for f in &mut files[first as usize..] {
            (f.rows_read, f.rows_used, f.rows_rejected, f.rows_deduplicated) = (0, 0, 0, 0);
        }
    }

    let opt = stage_optional(pass, foreign, &mut orders, &mut files, &mut rejects)?;
    rejects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(Staged {
        messages,
        orders,
        agents,
        buyers: opt.buyers,
        targets: opt.targets,
        ratings: opt.ratings,
        reviews: opt.reviews,
        rejects,
        files,
    })
}

/// A row that a later stage found unusable (a rating that names no session):
/// where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateReject {
    pub file_idx: u32,
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

impl Staged {
    /// Moves rows a later stage could not use from used to rejected, so the
    /// manifest still reconciles and `rejects` stays in (file, line) order.
    pub fn reject_late(&mut self, late: Vec<LateReject>) {
        if late.is_empty() {
            return;
        }
        for r in late {
            let f = &mut self.files[r.file_idx as usize];
            f.rows_used -= 1;
            f.rows_rejected += 1;
            self.rejects.push(Reject {
                file: f.path.clone(),
                line: r.line,
                reason: r.reason,
                raw: r.raw,
            });
        }
        self.rejects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }
}
