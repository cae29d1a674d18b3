//! PII masking, applied to every text column kefu writes: mobile numbers
//! keep their first digit (`1**********`), ID-card numbers and e-mail
//! addresses are masked whole, and the street part of an address after
//! 省/市/区/县 becomes `***`.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("email regex"));
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[\p{Han}A-Za-z0-9--[省市区县镇]]{1,12}?(?:路|街|大道|道|巷|弄|胡同|村|小区|花园|大厦))(?:[0-9一二三四五六七八九十百零-]+(?:号|栋|幢|单元|楼|室|层|号楼)?)*")
        .expect("street regex")
});

/// Masks personal data before anything is written: mobile numbers keep their
/// first digit (`1**********`), ID-card numbers and e-mail addresses are masked
/// whole, and the street part of an address after 省/市/区/县 becomes `***`.
pub fn mask_pii(text: &str) -> Cow<'_, str> {
    // Most messages hold nothing to mask: skip the scans and the copy.
    if !text.bytes().any(|b| b.is_ascii_digit() || b == b'@') && !text.contains(['省', '市', '区', '县']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || (i - start == 17 && matches!(chars[i], 'X' | 'x'))) {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let n = i - start;
            if n == 11 && run.starts_with('1') && matches!(chars[start + 1], '3'..='9') {
                out.push('1');
                out.push_str(&"*".repeat(10));
            } else if n == 18 || n == 15 {
                out.push_str(&"*".repeat(n));
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    let out = EMAIL.replace_all(&out, "***@***").into_owned();
    if out.contains(['省', '市', '区', '县']) {
        Cow::Owned(STREET.replace_all(&out, "***").into_owned())
    } else {
        Cow::Owned(out)
    }
}

/// A stretch of personal data in a text: its byte range and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    pub mask: String,
}

/// Where [`mask_pii`] finds personal data in `text`, found on the text as
/// written (a token list splits an e-mail or an address into pieces that no
/// longer look like one), sorted and merged where they overlap.
pub fn spans(text: &str) -> Vec<Span> {
    if !text.bytes().any(|b| b.is_ascii_digit() || b == b'@') && !text.contains(['省', '市', '区', '县']) {
        return Vec::new();
    }
    let mut found: Vec<Span> = digit_spans(text);
    found.extend(EMAIL.find_iter(text).map(|m| Span {
        range: m.range(),
        mask: "***@***".into(),
    }));
    if text.contains(['省', '市', '区', '县']) {
        found.extend(STREET.find_iter(text).map(|m| Span {
            range: m.range(),
            mask: "***".into(),
        }));
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

/// Mobile and ID-card numbers: the digit runs [`mask_pii`] masks.
fn digit_spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || (i - start == 17 && matches!(b[i], b'X' | b'x'))) {
            i += 1;
        }
        let n = i - start;
        let mask = if n == 11 && b[start] == b'1' && matches!(b[start + 1], b'3'..=b'9') {
            format!("1{}", "*".repeat(10))
        } else if n == 18 || n == 15 {
            "*".repeat(n)
        } else {
            continue;
        };
        out.push(Span { range: start..i, mask });
    }
    out
}

/// Tokens (`(byte_start, word)`, in order) joined by single spaces, each
/// stretch of personal data in `text` written once, masked, in place of the
/// tokens it touches.
pub fn mask_tokens<'a>(text: &str, tokens: impl Iterator<Item = (usize, &'a str)>) -> String {
    let spans = spans(text);
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
            mask_tokens(&w.concat(), tokens(&w).into_iter()),
            "邮箱 ***@*** 电话 1**********"
        );
        let w = ["寄到", "浙江省", "杭州市", "西湖区", "文三路", "478", "号", "谢谢"];
        assert_eq!(
            mask_tokens(&w.concat(), tokens(&w).into_iter()),
            "寄到 浙江省 杭州市 西湖区 *** 谢谢"
        );
        let w = ["有", "货", "吗"];
        assert_eq!(mask_tokens(&w.concat(), tokens(&w).into_iter()), "有 货 吗");
    }
}
