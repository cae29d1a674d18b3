//! Text from the data reaches a terminal (`explain`, `tokenize`, error
//! messages that quote a row). A chat line may carry ANSI / OSC escapes, a
//! `\r` that rewrites the line, or bidi overrides that reorder what is shown:
//! printed raw, a hostile message could retitle the window, hide a warning
//! or fake output. Everything not printable is shown escaped instead.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: control characters (C0,
/// DEL, C1) other than newline and tab, and the bidi embedding, override and
/// isolate marks.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as its escape (`\u{1b}`, `\r`).
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert_eq!(safe("好的亲\n稍等\t哦"), "好的亲\n稍等\t哦");
        assert_eq!(safe("\x1b]0;pwned\x07hi"), "\\u{1b}]0;pwned\\u{7}hi");
        assert_eq!(safe("ok\rFAKE"), "ok\\rFAKE");
        assert_eq!(safe("a\u{202e}b\u{9b}c\u{7f}"), "a\\u{202e}b\\u{9b}c\\u{7f}");
    }
}
