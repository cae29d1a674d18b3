//! 千牛 chat-history `.txt` exports (CONTRACT §3). Each message is a header line
//! with the sender's nick and time, then its content lines. Agent nicks carry the
//! shop (`店铺:客服`); buyer nicks do not.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use super::{decode::decode_owned, RawRow};
use crate::error::{KefuError, Result};

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
fn placeholder_type(content: &str) -> Option<&'static str> {
    match content.trim() {
        "[图片]" => Some("image"),
        "[表情]" => Some("emoji"),
        "[语音]" => Some("voice"),
        "[商品链接]" | "[商品]" => Some("item_card"),
        "[订单]" | "[订单链接]" => Some("order_card"),
        c if ITEM_URL.is_match(c) => Some("item_card"),
        _ => None,
    }
}

fn is_agent_nick(nick: &str) -> bool {
    nick.contains(':') || nick.contains('：')
}

fn shop_of_nick(nick: &str) -> &str {
    nick.split([':', '：']).next().unwrap_or(nick)
}

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

/// Reads one export. `shop` is the `--shop` / `[input] shop` fallback.
pub fn read_transcript(
    path: &Path,
    custom_header: Option<&Regex>,
    shop: Option<&str>,
) -> Result<(Vec<RawRow>, &'static str)> {
    let bytes = std::fs::read(path).map_err(|e| KefuError::io(path, e))?;
    let (text, encoding) = decode_owned(bytes).map_err(|e| KefuError::input(path, e))?;
    let mut msgs: Vec<Parsed> = Vec::new();
    let mut rows: Vec<RawRow> = Vec::new();
    let mut section = 0usize;
    let mut section_buyer: Option<String> = None;
    let mut after_blank = false;
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
            section += 1;
            let b = rest.trim();
            section_buyer = (!b.is_empty()).then(|| b.to_owned());
            continue;
        }
        let caps = custom_header
            .and_then(|r| r.captures(t))
            .or_else(|| HEADERS.iter().find_map(|r| r.captures(t)));
        if let Some(c) = caps {
            msgs.push(Parsed {
                line,
                nick: c["nick"].trim().to_owned(),
                time: c["time"].replace('/', "-"),
                content: Vec::new(),
                raw_header: t.to_owned(),
                section_buyer: section_buyer.clone(),
                section,
            });
            after_blank = false;
            continue;
        }
        match msgs.last_mut() {
            // A line after a blank line with no header of its own continues the
            // message above: nothing is dropped.
            Some(m) => {
                if after_blank && !m.content.is_empty() {
                    m.content.push(String::new());
                }
                m.content.push(t.to_owned());
            }
            None => rows.push(RawRow::bad(
                line,
                "transcript: content line before any message header".into(),
                t.to_owned(),
            )),
        }
        after_blank = false;
    }

    // The shop: from any agent nick in the file, else the flag, else the file name.
    let file_shop = msgs
        .iter()
        .find(|m| is_agent_nick(&m.nick))
        .map(|m| shop_of_nick(&m.nick).to_owned())
        .or_else(|| shop.map(str::to_owned))
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    // The buyer of each section: its 消息对象, else its first non-agent nick.
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
    for m in msgs {
        let buyer = m
            .section_buyer
            .clone()
            .or_else(|| section_first_buyer.get(&m.section).cloned());
        let content = m.content.join("\n");
        let raw = if content.is_empty() {
            m.raw_header.clone()
        } else {
            format!("{}\n{}", m.raw_header, content)
        };
        let Some(buyer) = buyer else {
            rows.push(RawRow::bad(
                m.line,
                "transcript: no buyer nick in this conversation".into(),
                raw,
            ));
            continue;
        };
        let from_buyer = m.nick == buyer && !is_agent_nick(&m.nick);
        let (sender, agent_id, content) = if from_buyer {
            ("buyer", None, content)
        } else {
            match BOT_MARKERS.iter().find_map(|p| content.trim_start().strip_prefix(p)) {
                Some(rest) => ("bot", Some(m.nick.clone()), rest.trim_start().to_owned()),
                None => ("agent", Some(m.nick.clone()), content),
            }
        };
        let msg_type = placeholder_type(&content).unwrap_or("text");
        let shop_id = if is_agent_nick(&m.nick) {
            shop_of_nick(&m.nick).to_owned()
        } else {
            file_shop.clone()
        };
        let fields = vec![
            Some(shop_id),
            Some(buyer),
            agent_id,
            Some(sender.to_owned()),
            Some(m.time),
            Some(content),
            Some(msg_type.to_owned()),
            None,
        ];
        rows.push(RawRow::ok(m.line, fields, raw));
    }
    rows.sort_by_key(|r| r.line);
    Ok((rows, encoding))
}
