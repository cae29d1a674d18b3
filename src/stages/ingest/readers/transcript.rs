//! 千牛 chat-history `.txt` exports (CONTRACT §3). Each message is a header line
//! with the sender's nick and time, then its content lines. Agent nicks carry the
//! shop (`店铺:客服`); buyer nicks do not.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{read_bytes, Fields, Reader, RowSink, Value};
use crate::core::error::{KefuError, Result};
use crate::core::model::{MsgType, Sender};
use crate::stages::ingest::decode::decode_owned;
use crate::stages::ingest::schema::{InputSchema, MsgCol};

static HEADERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    const T: &str = r"\d{4}[-/]\d{1,2}[-/]\d{1,2} \d{1,2}:\d{2}:\d{2}";
    [
        format!(r"^(?P<nick>\S.*?)\s*[(（](?P<time>{T})[)）]\s*[:：]?\s*$"),
        format!(r"^(?P<time>{T})\s+(?P<nick>\S.*?)\s*$"),
        format!(r"^(?P<nick>\S.*?)\s+(?P<time>{T})\s*$"),
    ]
    .iter()
    .map(|p| Regex::new(p).expect("built-in header regex"))
    .collect()
});

static ITEM_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^https?://\S*(item\.taobao\.com|detail\.tmall\.com|item\.jd\.com|detail\.m\.tmall\.com|h5\.m\.taobao\.com)\S*$")
        .expect("item url regex")
});

const BOT_MARKERS: &[&str] = &["[自动回复]", "【自动回复】", "（自动回复）", "(自动回复)"];

/// Placeholder content the client writes for non-text messages.
fn placeholder_type(content: &str) -> Option<MsgType> {
    match content.trim() {
        "[图片]" => Some(MsgType::Image),
        "[表情]" => Some(MsgType::Emoji),
        "[语音]" => Some(MsgType::Voice),
        "[商品链接]" | "[商品]" => Some(MsgType::ItemCard),
        "[订单]" | "[订单链接]" => Some(MsgType::OrderCard),
        c if ITEM_URL.is_match(c) => Some(MsgType::ItemCard),
        _ => None,
    }
}

fn is_agent_nick(nick: &str) -> bool {
    nick.contains(':') || nick.contains('：')
}

fn shop_of_nick(nick: &str) -> &str {
    nick.split([':', '：']).next().unwrap_or(nick)
}

/// The 千牛 `.txt` reader. `shop` is the `--shop` / `[input] shop` fallback;
/// `header` a job's own header regex, tried before the built-in ones.
pub struct Transcript<'a> {
    pub header: Option<&'a Regex>,
    pub shop: Option<&'a str>,
}

/// One message header and its content lines.
struct Parsed {
    line: u64,
    nick: String,
    time: String,
    content: Vec<String>,
    raw_header: String,
    /// Buyer named by the section's `消息对象:` line, if any.
    section_buyer: Option<String>,
    section: usize,
}

/// A row to hand on: a message, or a line that cannot be one.
enum Row {
    Message {
        line: u64,
        shop: String,
        buyer: String,
        agent: Option<String>,
        sender: Sender,
        time: String,
        content: String,
        msg_type: MsgType,
        raw: String,
    },
    Bad {
        line: u64,
        reason: String,
        raw: String,
    },
}

impl Row {
    fn line(&self) -> u64 {
        match self {
            Row::Message { line, .. } | Row::Bad { line, .. } => *line,
        }
    }
}

impl Reader for Transcript<'_> {
    fn read<P: RowSink>(
        &self,
        path: &Path,
        _schema: &InputSchema,
        new_part: &(dyn Fn() -> P + Sync),
        done: &mut dyn FnMut(P),
    ) -> Result<&'static str> {
        let (text, encoding) = decode_owned(read_bytes(path)?).map_err(|e| KefuError::input(path, None, e))?;
        let (msgs, mut rows) = self.parse(&text);
        let file_shop = self.file_shop(path, &msgs);
        rows.extend(messages(msgs, &file_shop));
        rows.sort_by_key(Row::line);
        let mut part = new_part();
        for r in &rows {
            hand_on(r, &mut part);
        }
        done(part);
        Ok(encoding)
    }
}

fn hand_on(r: &Row, part: &mut impl RowSink) {
    match r {
        Row::Bad { line, reason, raw } => part.row(*line, Err(reason.clone()), &|| raw.clone()),
        Row::Message {
            line,
            shop,
            buyer,
            agent,
            sender,
            time,
            content,
            msg_type,
            raw,
        } => {
            let mut f = Fields::default();
            f.set(MsgCol::ShopId, Some(Value::Text(shop)));
            f.set(MsgCol::BuyerId, Some(Value::Text(buyer)));
            f.set(MsgCol::AgentId, agent.as_deref().map(Value::Text));
            f.set(MsgCol::Sender, Some(Value::Sender(*sender)));
            f.set(MsgCol::SentAt, Some(Value::Text(time)));
            f.set(MsgCol::Content, Some(Value::Text(content)));
            f.set(MsgCol::MsgType, Some(Value::MsgType(*msg_type)));
            part.row(*line, Ok(&f), &|| raw.clone());
        }
    }
}

/// What a header line names: the sender's nick and the time, or why a
/// header regex matched without them.
fn header(caps: &regex::Captures) -> std::result::Result<(String, String), &'static str> {
    let nick = caps
        .name("nick")
        .ok_or("the header regex matched but its (?P<nick>…) group took no part")?;
    let time = caps
        .name("time")
        .ok_or("the header regex matched but its (?P<time>…) group took no part")?;
    Ok((nick.as_str().trim().to_owned(), time.as_str().replace('/', "-")))
}

impl Transcript<'_> {
    /// Splits the text into messages (header and content lines). Content
    /// before any header is a bad row; so is a header the job's regex matched
    /// without a nick or time, with its content lines.
    fn parse(&self, text: &str) -> (Vec<Parsed>, Vec<Row>) {
        let mut msgs: Vec<Parsed> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        let mut section = (0usize, None::<String>);
        let mut after_blank = false;
        // Whether content lines now belong to a bad header (the last of `rows`).
        let mut in_bad = false;
        for (i, l) in text.lines().enumerate() {
            let line = i as u64 + 1;
            let t = l.trim_end_matches('\r');
            let trimmed = t.trim();
            if trimmed.is_empty() {
                after_blank = true;
                continue;
            }
            if trimmed.len() >= 3 && trimmed.chars().all(|c| c == '=' || c == '-' || c == '—') {
                continue;
            }
            if let Some(rest) = trimmed
                .strip_prefix("消息对象:")
                .or_else(|| trimmed.strip_prefix("消息对象："))
            {
                let b = rest.trim();
                section = (section.0 + 1, (!b.is_empty()).then(|| b.to_owned()));
                continue;
            }
            let caps = self
                .header
                .and_then(|r| r.captures(t))
                .or_else(|| HEADERS.iter().find_map(|r| r.captures(t)));
            if let Some(c) = caps {
                after_blank = false;
                in_bad = header(&c).is_err();
                match header(&c) {
                    Ok((nick, time)) => msgs.push(Parsed {
                        line,
                        nick,
                        time,
                        content: Vec::new(),
                        raw_header: t.to_owned(),
                        section_buyer: section.1.clone(),
                        section: section.0,
                    }),
                    Err(reason) => rows.push(Row::Bad {
                        line,
                        reason: format!("transcript: {reason}"),
                        raw: t.to_owned(),
                    }),
                }
                continue;
            }
            content_line(t, line, in_bad, after_blank, &mut msgs, &mut rows);
            after_blank = false;
        }
        (msgs, rows)
    }

    /// The shop: from any agent nick in the file, else the flag, else the file name.
    fn file_shop(&self, path: &Path, msgs: &[Parsed]) -> String {
        msgs.iter()
            .find(|m| is_agent_nick(&m.nick))
            .map(|m| shop_of_nick(&m.nick).to_owned())
            .or_else(|| self.shop.map(str::to_owned))
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
    }
}

/// A line that is no header: content of the message above (after a blank
/// line, kept as a paragraph break: nothing is dropped), or of a bad header,
/// or a bad row of its own before any header.
fn content_line(t: &str, line: u64, in_bad: bool, after_blank: bool, msgs: &mut [Parsed], rows: &mut Vec<Row>) {
    match (in_bad, msgs.last_mut(), rows.last_mut()) {
        (true, _, Some(Row::Bad { raw, .. })) => {
            raw.push('\n');
            raw.push_str(t);
        }
        (false, Some(m), _) => {
            if after_blank && !m.content.is_empty() {
                m.content.push(String::new());
            }
            m.content.push(t.to_owned());
        }
        _ => rows.push(Row::Bad {
            line,
            reason: "transcript: content line before any message header".into(),
            raw: t.to_owned(),
        }),
    }
}

/// The parsed messages as rows: each section's buyer is its 消息对象, else
/// its first non-agent nick; everyone else in it writes for the shop.
fn messages(msgs: Vec<Parsed>, file_shop: &str) -> Vec<Row> {
    let mut section_first_buyer: std::collections::HashMap<usize, String> = Default::default();
    for m in &msgs {
        let is_buyer = match &m.section_buyer {
            Some(b) => &m.nick == b,
            None => !is_agent_nick(&m.nick),
        };
        if is_buyer {
            section_first_buyer.entry(m.section).or_insert_with(|| m.nick.clone());
        }
    }
    msgs.into_iter()
        .map(|m| {
            let buyer = m
                .section_buyer
                .clone()
                .or_else(|| section_first_buyer.get(&m.section).cloned());
            message(m, buyer, file_shop)
        })
        .collect()
}

fn message(m: Parsed, buyer: Option<String>, file_shop: &str) -> Row {
    let content = m.content.join("\n");
    let raw = if content.is_empty() {
        m.raw_header.clone()
    } else {
        format!("{}\n{}", m.raw_header, content)
    };
    let Some(buyer) = buyer else {
        return Row::Bad {
            line: m.line,
            reason: "transcript: no buyer nick in this conversation".into(),
            raw,
        };
    };
    let from_buyer = m.nick == buyer && !is_agent_nick(&m.nick);
    // Agent nicks carry the shop (CONTRACT §3); a colon-free nick writes for
    // the shop only as its main account. Any other is a second buyer with no
    // 消息对象 line, or a content line shaped like a header (下单时间
    // 2026-11-14 09:00:00): read as an agent either would invent replies.
    if !from_buyer && !is_agent_nick(&m.nick) && m.nick != file_shop {
        return Row::Bad {
            line: m.line,
            reason: format!(
                "transcript: nick {:?} is neither this conversation's buyer ({buyer:?}), an agent (店铺:客服) nor the shop's main account ({file_shop:?}); a second buyer needs its own 消息对象 line",
                m.nick
            ),
            raw,
        };
    }
    let (sender, agent, content) = if from_buyer {
        (Sender::Buyer, None, content)
    } else {
        match BOT_MARKERS.iter().find_map(|p| content.trim_start().strip_prefix(p)) {
            Some(rest) => (Sender::Bot, Some(m.nick.clone()), rest.trim_start().to_owned()),
            None => (Sender::Agent, Some(m.nick.clone()), content),
        }
    };
    let msg_type = placeholder_type(&content).unwrap_or(MsgType::Text);
    let shop = if is_agent_nick(&m.nick) {
        shop_of_nick(&m.nick).to_owned()
    } else {
        file_shop.to_owned()
    };
    Row::Message {
        line: m.line,
        shop,
        buyer,
        agent,
        sender,
        time: m.time,
        content,
        msg_type,
        raw,
    }
}
