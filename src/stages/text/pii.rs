//! PII masking, applied to every text column kefu writes (content,
//! evidence, tokens, reject rows and reasons, first questions, hot words):
//! one definition of what is personal, [`spans`], found on the text as
//! written. Masked: mobile numbers in any writing (`138-1234-5678`,
//! `138 1234 5678`, `+86`, full-width digits) keep their first digit
//! (`1**********`); ID-card and bank-card numbers (spaces allowed), e-mail
//! addresses, QQ numbers, WeChat ids, landlines, the name after 收件人 /
//! 收货人 / 联系人 / 姓名 and a colon, and the street part of an address after
//! 省/市/区/县 are masked whole.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// A digit as written, ASCII or full-width.
const D: &str = "[0-9０-９]";

fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace("\\d", D)).expect("built-in PII regex")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("email regex"));
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[\p{Han}A-Za-z0-9--[省市区县镇]]{1,12}?(?:路|街|大道|道|巷|弄|胡同|村|小区|花园|大厦))\s*(?:[0-9一二三四五六七八九十百零-]+(?:号|栋|幢|单元|楼|室|层|号楼)?\s*)*")
        .expect("street regex")
});
/// Numbers written in groups or with a country code: (regex, mask).
static GROUPED: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"(?:\+?86[-\s]?)?1[3-9]\d[-\s]\d{4}[-\s]\d{4}"), "1**********"),
        (re(r"\+?86[-\s]?1[3-9]\d{9}"), "1**********"),
        (
            re(r"\d{6}\s\d{8}\s\d{3}[\dXx]|\d{6}(?:\s\d{4}){3}[\dXx]?"),
            "******************",
        ),
        (re(r"\d{4}(?:[\s-]\d{4}){3}(?:[\s-]?\d{1,3})?"), "****************"),
        (re(r"0\d{2,3}-\d{7,8}"), "0***-********"),
    ]
});
/// A cheap test a text must pass before a labelled regex is worth running:
/// most messages hold none of the labels, and this runs on every message
/// and every counted word.
type Gate = fn(&str) -> bool;

/// Ids named by a label: the label stays, the id (group 1) is masked.
static LABELLED: LazyLock<Vec<(Gate, Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (
            |t| t.contains(['q', 'Q', '扣']),
            re(r"(?i)(?:qq|扣扣)\s*(?:号码|号)?\s*[:：]?\s*([1-9]\d{4,10})"),
            "***",
        ),
        (
            |t| t.contains(['微', '威', '薇', '信', 'x', 'X', 'w', 'W']),
            Regex::new(
                r"(?i)(?:微信|威信|薇信|v信|vx|wx|weixin|wechat)\s*(?:号)?\s*[:：]?\s*([A-Za-z][-_A-Za-z0-9]{5,19})",
            )
            .expect("wechat regex"),
            "***",
        ),
        (
            |t| t.contains("wxid_"),
            Regex::new(r"(wxid_[A-Za-z0-9]{4,})").expect("wxid regex"),
            "wxid_***",
        ),
        (
            |t| t.contains([':', '：']) && t.contains(['人', '名']),
            Regex::new(r"(?:收件人|收货人|联系人|姓名)\s*[:：]\s*(\p{Han}{2,4})").expect("name regex"),
            "**",
        ),
    ]
});

/// Masks personal data before anything is written (see the module doc).
pub fn mask_pii(text: &str) -> Cow<'_, str> {
    apply(text, &spans(text))
}

/// `text` with each of its [`spans`] replaced by its mask.
pub fn apply<'a>(text: &'a str, spans: &[Span]) -> Cow<'a, str> {
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&text[at..s.range.start]);
        out.push_str(&s.mask);
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// An id (a buyer nick, a session id built from it) with its personal data
/// masked and tagged by a hash of what was masked (`1**********~3f9a1c2e`):
/// the same nick masks the same way in every table and every run, so
/// sessions, messages and orders still join, yet the number is not written.
/// The tag is a plain SHA-256, so it pseudonymises and does not encrypt: a
/// phone number can be found again by trying them all.
pub fn mask_id(id: &str) -> Cow<'_, str> {
    let digits = id.bytes().filter(u8::is_ascii_digit).count();
    if digits < 5 && !id.contains('@') && !id.chars().any(|c| ('０'..='９').contains(&c)) {
        return Cow::Borrowed(id);
    }
    let spans = spans(id);
    if spans.is_empty() {
        return Cow::Borrowed(id);
    }
    use sha2::{Digest, Sha256};
    let mut out = String::with_capacity(id.len() + 16);
    let mut at = 0;
    for s in &spans {
        out.push_str(&id[at..s.range.start]);
        out.push_str(&s.mask);
        out.push('~');
        let h = Sha256::digest(id[s.range.clone()].as_bytes());
        out.extend(h.iter().take(4).map(|b| format!("{b:02x}")));
        at = s.range.end;
    }
    out.push_str(&id[at..]);
    Cow::Owned(out)
}

/// A stretch of personal data in a text: its byte range and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    pub mask: String,
}

/// A digit as written: ASCII or full-width.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Whether the match at `r` stands alone: no digit right before or after
/// (a longer run is some other number, or matched as a whole elsewhere).
fn isolated(text: &str, r: &Range<usize>) -> bool {
    !text[..r.start].chars().next_back().is_some_and(is_digit) && !text[r.end..].chars().next().is_some_and(is_digit)
}

/// Where [`mask_pii`] finds personal data in `text`, found on the text as
/// written (a token list splits an e-mail or an address into pieces that no
/// longer look like one), sorted and merged where they overlap.
///
/// Each family of patterns runs only on a text that could hold it (every
/// numbered form has at least 7 digits, an e-mail an `@`, a label its
/// characters), so a message with none costs a few character scans.
pub fn spans(text: &str) -> Vec<Span> {
    let mut found: Vec<Span> = Vec::new();
    let span = |range: Range<usize>, mask: &str| Span {
        range,
        mask: mask.into(),
    };
    if text.chars().filter(|&c| is_digit(c)).nth(6).is_some() {
        found.extend(digit_spans(text));
        for (r, mask) in GROUPED.iter() {
            let isolated = r.find_iter(text).map(|m| m.range()).filter(|m| isolated(text, m));
            found.extend(isolated.map(|m| span(m, mask)));
        }
    }
    for (_, r, mask) in LABELLED.iter().filter(|(gate, _, _)| gate(text)) {
        found.extend(
            r.captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|m| span(m.range(), mask)),
        );
    }
    if text.contains('@') {
        found.extend(EMAIL.find_iter(text).map(|m| span(m.range(), "***@***")));
    }
    if text.contains(['省', '市', '区', '县']) {
        found.extend(STREET.find_iter(text).map(|m| span(m.range(), "***")));
    }
    found.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    let mut merged: Vec<Span> = Vec::with_capacity(found.len());
    for s in found {
        match merged.last_mut() {
            Some(last) if s.range.start < last.range.end => last.range.end = last.range.end.max(s.range.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// Runs of digits (ASCII or full-width): a mobile (11, or 13 with 86 in
/// front), an ID card (15 or 18, an X last), a bank card (16, 17 or 19).
fn digit_spans(text: &str) -> Vec<Span> {
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let ascii = |c: char| {
        if ('０'..='９').contains(&c) {
            char::from(b'0' + (c as u32 - '０' as u32) as u8)
        } else {
            c
        }
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(chars[i].1) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (digit(chars[i].1) || (i - start == 17 && matches!(chars[i].1, 'X' | 'x'))) {
            i += 1;
        }
        let run: Vec<char> = chars[start..i].iter().map(|&(_, c)| ascii(c)).collect();
        let mobile = |d: &[char]| d.len() == 11 && d[0] == '1' && matches!(d[1], '3'..='9');
        let mask = match run.len() {
            11 if mobile(&run) => format!("1{}", "*".repeat(10)),
            13 if run[..2] == ['8', '6'] && mobile(&run[2..]) => format!("1{}", "*".repeat(10)),
            n @ (15..=19) => "*".repeat(n),
            _ => continue,
        };
        let end = chars.get(i).map_or(text.len(), |&(b, _)| b);
        out.push(Span {
            range: chars[start].0..end,
            mask,
        });
    }
    out
}

/// Tokens (`(byte_start, word)`, in order) joined by single spaces, each
/// stretch of personal data in `text` (its [`spans`]) written once, masked,
/// in place of the tokens it touches.
pub fn mask_tokens<'a>(text: &str, spans: &[Span], tokens: impl Iterator<Item = (usize, &'a str)>) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let (mut k, mut written) = (0usize, None);
    for (start, word) in tokens {
        let end = start + word.len();
        while k < spans.len() && spans[k].range.end <= start {
            k += 1;
        }
        let piece = match spans.get(k).filter(|s| s.range.start < end) {
            Some(_) if written == Some(k) => continue,
            Some(s) => {
                written = Some(k);
                s.mask.as_str()
            }
            None => word,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_pii() {
        assert_eq!(mask_pii("电话13812345678谢谢"), "电话1**********谢谢");
        assert_eq!(mask_pii("身份证11010519491231002X"), "身份证******************");
        assert_eq!(mask_pii("邮箱 abc.d@qq.com"), "邮箱 ***@***");
        assert_eq!(mask_pii("订单123456 共2件"), "订单123456 共2件");
        assert_eq!(
            mask_pii("寄到浙江省杭州市西湖区文三路478号"),
            "寄到浙江省杭州市西湖区***"
        );
    }

    /// Every form issue 16 found surviving, each embedded in a sentence.
    #[test]
    fn masks_every_written_form() {
        let cases = [
            ("电话138-1234-5678谢谢", "电话1**********谢谢"),
            ("电话 138 1234 5678", "电话 1**********"),
            ("+8613812345678", "1**********"),
            ("手机１３８１２３４５６７８", "手机1**********"),
            ("号码8613812345678", "号码1**********"),
            ("身份证110105 19491231 002X", "身份证******************"),
            ("卡号6222 0212 3456 7890 123", "卡号****************"),
            ("卡号6222021234567890123", "卡号*******************"),
            ("座机0571-88888888", "座机0***-********"),
            ("加我QQ：12345678", "加我QQ：***"),
            ("vx: abc_123456", "vx: ***"),
            ("微信号wxid_ab12cd34", "微信号***"),
            ("wxid_ab12cd34", "wxid_***"),
            ("收件人：张小三 电话", "收件人：** 电话"),
            ("浙江省杭州市西湖区文三路 478号 2单元", "浙江省杭州市西湖区***"),
        ];
        for (text, want) in cases {
            assert_eq!(mask_pii(text), want, "{text}");
        }
        // Ids keep joining: the same nick, the same mask, in a session id too.
        let phone = mask_id("13812345678");
        assert!(phone.starts_with("1**********~") && phone.len() == 20, "{phone}");
        assert_eq!(
            mask_id("13812345678/20261116T100000"),
            format!("{phone}/20261116T100000")
        );
        assert_ne!(mask_id("13812345679"), phone);
        assert_eq!(mask_id("小王/20261116T100000"), "小王/20261116T100000");
        // Not personal: an order number, a price, a size, a time.
        for text in ["订单123456789012 共2件", "¥199.00", "XL码 身高175", "10:30前发货"] {
            assert_eq!(mask_pii(text), text);
        }
    }

    fn tokens(words: &[&'static str]) -> Vec<(usize, &'static str)> {
        let mut at = 0;
        words
            .iter()
            .map(|w| {
                let t = (at, *w);
                at += w.len();
                t
            })
            .collect()
    }

    /// A token list hides an e-mail or an address in pieces; they are masked whole.
    #[test]
    fn masks_token_lists() {
        let w = ["邮箱", "abc", ".", "d", "@", "qq", ".", "com", "电话", "13812345678"];
        assert_eq!(
            mask_tokens(&w.concat(), &spans(&w.concat()), tokens(&w).into_iter()),
            "邮箱 ***@*** 电话 1**********"
        );
        let w = ["寄到", "浙江省", "杭州市", "西湖区", "文三路", "478", "号", "谢谢"];
        assert_eq!(
            mask_tokens(&w.concat(), &spans(&w.concat()), tokens(&w).into_iter()),
            "寄到 浙江省 杭州市 西湖区 *** 谢谢"
        );
        let w = ["有", "货", "吗"];
        assert_eq!(
            mask_tokens(&w.concat(), &spans(&w.concat()), tokens(&w).into_iter()),
            "有 货 吗"
        );
    }
}
