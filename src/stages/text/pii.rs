//! PII masking, applied to every text column kefu writes: mobile numbers
//! keep their first digit (`1**********`), ID-card numbers and e-mail
//! addresses are masked whole, and the street part of an address after
//! 省/市/区/县 becomes `***`.

use std::borrow::Cow;
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
}
