//! The text layer: jieba segmentation with the shop's dictionary, phrase
//! lexicons matched on token boundaries (so 不好 never matches 好的), the
//! per-message flags the definitions rely on, and PII masking.
//!
//! One [`TextEngine`] is built per run (loading jieba takes ~200 ms) and shared
//! read-only across rayon threads.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use jieba_rs::Jieba;
use regex::Regex;

use crate::config::TextConfig;
use crate::error::{KefuError, Result};
use crate::model::{MsgType, Sender};

/// A list of words and phrases from a lexicon file.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub words: Vec<String>,
    set: HashSet<String>,
}

impl Lexicon {
    pub fn from_words<I: IntoIterator<Item = S>, S: Into<String>>(words: I) -> Self {
        let mut l = Lexicon::default();
        for w in words {
            let w: String = w.into();
            if l.set.insert(w.clone()) {
                l.words.push(w);
            }
        }
        l
    }

    /// Lexicon `name` from the named file, or the built-in copy.
    pub fn named(name: &str, path: Option<&std::path::PathBuf>) -> Result<Self> {
        Ok(Self::parse(&crate::lexicons::text(name, path.map(|p| p.as_path()))?))
    }

    /// Entries are separated by newlines or whitespace; `#` starts a comment.
    pub fn parse(text: &str) -> Self {
        Self::from_words(
            text.lines()
                .flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace())
                .map(str::to_owned),
        )
    }

    pub fn contains(&self, token: &str) -> bool {
        self.set.contains(token)
    }
}

/// Finds lexicon phrases in a text, counting a hit only when the phrase starts
/// and ends on token boundaries.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    ac: Option<AhoCorasick>,
    lex: Lexicon,
}

impl PhraseMatcher {
    pub fn new(lex: Lexicon) -> Self {
        let ac = (!lex.words.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&lex.words)
                .expect("lexicon automaton")
        });
        PhraseMatcher { ac, lex }
    }

    /// The phrases found in a message that start and end on token boundaries.
    pub fn find<'a>(&'a self, tk: &Tokens) -> Vec<&'a str> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let mut hits = Vec::new();
        for m in ac.find_overlapping_iter(tk.text) {
            if tk.is_boundary(m.start()) && tk.is_boundary(m.end()) {
                let w = self.lex.words[m.pattern().as_usize()].as_str();
                if !hits.contains(&w) {
                    hits.push(w);
                }
            }
        }
        hits
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lex
    }
}

/// Tokens of one message: jieba's own token vector, kept as it is (no second
/// vector per message), with boundaries answered from its byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Tokens<'a> {
    pub text: &'a str,
    cut: Vec<jieba_rs::Token<'a>>,
}

impl<'a> Tokens<'a> {
    pub fn tokens(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.cut.iter().map(|t| t.word)
    }

    /// Tokens that carry meaning: not whitespace, punctuation or emoji.
    pub fn words(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.tokens().filter(|t| is_word(t))
    }

    /// Whether a token starts or ends at byte `pos`.
    pub fn is_boundary(&self, pos: usize) -> bool {
        pos == self.text.len() || self.cut.binary_search_by_key(&pos, |t| t.byte_start).is_ok()
    }

    /// The tokens separated by single spaces.
    pub fn joined(&self) -> String {
        let mut s = String::with_capacity(self.text.len() + self.cut.len());
        self.push_joined(&mut s);
        s
    }
    /// Appends the tokens, space-separated, to `out`.
    pub fn push_joined(&self, out: &mut String) {
        for (i, t) in self.cut.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(t.word);
        }
    }
}

/// A token is a word when it has a letter, digit or ideograph.
pub fn is_word(t: &str) -> bool {
    t.chars().any(|c| c.is_alphanumeric())
}

/// Per-message flags used by sessions, conversion and rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Buyer asks something (CONTRACT §4 "Question").
    pub is_question: bool,
    /// Buyer only greets (在吗, 你好).
    pub is_greeting: bool,
    /// Buyer only closes (好的, 谢谢, 拜拜): needs no answer.
    pub is_closing: bool,
    /// Buyer talks about an order already placed (refund, logistics, damage …).
    pub is_after_sales: bool,
    /// Agent sends only filler (好的亲, 稍等, 嗯我看一下).
    pub is_filler: bool,
    /// Agent sends a real answer: non-filler text, an image, an item or order card, a voice message.
    pub is_substantive: bool,
}

/// Interrogative morphemes that make any token starting with them a question word.
#[rustfmt::skip]
const INTERROGATIVE_PREFIXES: &[&str] = &["哪", "几", "多少", "怎么", "怎样", "什么", "啥", "为啥", "咋", "为什么", "是否", "谁"];
/// Interrogatives that make a question wherever they sit in a token (穿多大, 有没有货).
#[rustfmt::skip]
const INTERROGATIVE_INFIXES: &[&str] = &[
    "多大", "多少", "多久", "多长", "多高", "多重", "多厚", "有没有", "是不是", "能不能", "可不可以", "会不会",
    "要不要", "怎么", "什么", "为什么", "哪里", "哪个", "几天", "几号", "几点",
];
const NOT_INTERROGATIVE: &[&str] = &["几乎", "什么的", "怎么着", "哪怕", "谁知道"];
/// Sentence-final particles that make a question when glued to a word (人呢, 还有吗).
const FINAL_PARTICLES: &[char] = &['吗', '呢'];

/// `X不X` (热不热, 好不好): the A-not-A question form.
fn has_a_not_a(text: &str) -> bool {
    let c: Vec<char> = text.chars().collect();
    c.windows(3)
        .any(|w| w[1] == '不' && w[0] == w[2] && w[0] != '不' && !w[0].is_ascii())
}

/// Reads a jieba user dictionary (`word [freq] [tag]` a line); unlike jieba's
/// own loader it allows `#` comments and names the bad line.
fn load_user_dict(jieba: &mut Jieba, path: Option<&std::path::PathBuf>) -> Result<()> {
    let text = crate::lexicons::text("user_dict", path.map(|p| p.as_path()))?;
    let shown = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "built-in user_dict".into());
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let freq = match parts.next() {
            None => None,
            Some(f) => Some(f.parse::<usize>().map_err(|_| {
                KefuError::input(&shown, format!("line {}: frequency {f:?} is not a whole number", i + 1))
            })?),
        };
        jieba.add_word(word, freq, parts.next());
    }
    Ok(())
}

pub struct TextEngine {
    jieba: Jieba,
    hmm: bool,
    question: Lexicon,
    /// Multi-token interrogatives (能不能 may come out as 能|不能).
    question_phrases: PhraseMatcher,
    greeting: Lexicon,
    filler: Lexicon,
    particles: Lexicon,
    closing: Lexicon,
    after_sales: PhraseMatcher,
    pub intents: crate::topics::IntentModel,
    pub stopwords: Lexicon,
}

impl TextEngine {
    /// Builds jieba with its bundled dictionary, the user dictionary and every
    /// lexicon phrase as a word (so 我看一下 or 七天无理由 come out whole).
    pub fn load(cfg: &TextConfig) -> Result<Self> {
        let mut jieba = Jieba::new();
        load_user_dict(&mut jieba, cfg.user_dict.as_ref())?;
        let question = Lexicon::named("question", cfg.question.as_ref())?;
        let mut engine = TextEngine {
            jieba,
            hmm: cfg.hmm,
            question_phrases: PhraseMatcher::new(Lexicon::from_words(
                question.words.iter().filter(|w| w.chars().count() > 1).cloned(),
            )),
            question,
            greeting: Lexicon::named("greeting", cfg.greeting.as_ref())?,
            filler: Lexicon::named("filler", cfg.filler.as_ref())?,
            particles: Lexicon::named("particles", cfg.particles.as_ref())?,
            closing: Lexicon::named("closing", cfg.closing.as_ref())?,
            after_sales: PhraseMatcher::new(Lexicon::named("after_sales", cfg.after_sales.as_ref())?),
            intents: crate::topics::IntentModel::load(cfg.intents.as_ref())?,
            stopwords: Lexicon::named("stopwords", cfg.stopwords.as_ref())?,
        };
        let mut phrases = vec![engine.greeting.clone(), engine.filler.clone(), engine.closing.clone()];
        phrases.extend(engine.intents.words().cloned());
        for lex in &phrases {
            engine.add_words(lex);
        }
        Ok(engine)
    }

    /// Words that say nothing about what buyers want, left out of hot words:
    /// stop words, particles, greetings, closings and filler.
    pub fn uninformative(&self) -> Lexicon {
        Lexicon::from_words(
            [
                &self.stopwords,
                &self.particles,
                &self.greeting,
                &self.closing,
                &self.filler,
            ]
            .into_iter()
            .flat_map(|l| l.words.iter().cloned()),
        )
    }

    /// Adds phrases as single words to the segmenter (rule lexicons do this so
    /// 看您自己 or 不是我们的问题 match on token boundaries).
    pub fn add_words(&mut self, lex: &Lexicon) {
        for w in &lex.words {
            if w.chars().count() > 1 && !w.contains(char::is_whitespace) {
                self.jieba.add_word(w, None, None);
            }
        }
    }

    pub fn tokenize<'a>(&self, text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            cut: self.jieba.cut(text, self.hmm),
        }
    }

    fn is_interrogative(&self, t: &str) -> bool {
        if NOT_INTERROGATIVE.contains(&t) {
            return false;
        }
        self.question.contains(t)
            || INTERROGATIVE_PREFIXES.iter().any(|p| t.starts_with(p))
            || INTERROGATIVE_INFIXES.iter().any(|p| t.contains(p))
            || (t.chars().count() > 1 && t.ends_with(FINAL_PARTICLES))
    }

    /// `A还是B` at the end of a message (S还是M, 现货还是预售): an alternative
    /// question; `还是不行` is not one.
    fn is_alternative(&self, words: &[&str]) -> bool {
        let n = words.len();
        n >= 3 && words[n - 2] == "还是" && !words[n - 1].starts_with(['不', '没'])
    }

    /// Flags of one message from its tokens.
    pub fn flags(&self, sender: Sender, msg_type: MsgType, tk: &Tokens) -> Flags {
        let mut f = Flags::default();
        match sender {
            Sender::Buyer => {
                if msg_type != MsgType::Text {
                    return f;
                }
                let content: Vec<&str> = tk.words().filter(|t| !self.particles.contains(t)).collect();
                let after_greeting: Vec<&str> =
                    content.iter().copied().filter(|t| !self.greeting.contains(t)).collect();
                f.is_greeting = !content.is_empty() && after_greeting.is_empty();
                f.is_closing = !content.is_empty() && content.iter().all(|t| self.closing.contains(t));
                let has_mark = tk.text.contains('?') || tk.text.contains('？');
                // Question particles (吗/呢/么) are also in the particle list, so test all words.
                let asks = tk
                    .words()
                    .filter(|t| !self.greeting.contains(t))
                    .any(|t| self.is_interrogative(t));
                let words: Vec<&str> = tk.words().collect();
                // 周末有人吗: a greeting-question at the end asks about what came before it.
                let trailing_greeting_question = !after_greeting.is_empty()
                    && words
                        .last()
                        .is_some_and(|w| self.greeting.contains(w) && w.ends_with(FINAL_PARTICLES));
                let asks = asks
                    || !self.question_phrases.find(tk).is_empty()
                    || has_a_not_a(tk.text)
                    || self.is_alternative(&words)
                    || trailing_greeting_question;
                f.is_question = !after_greeting.is_empty() && !f.is_closing && (has_mark || asks);
                f.is_after_sales = !self.after_sales.find(tk).is_empty();
            }
            Sender::Agent => match msg_type {
                MsgType::Image | MsgType::ItemCard | MsgType::OrderCard | MsgType::Voice => f.is_substantive = true,
                MsgType::Emoji | MsgType::System => f.is_filler = true,
                MsgType::Text => {
                    f.is_filler = tk
                        .words()
                        .all(|t| self.filler.contains(t) || self.particles.contains(t));
                    f.is_substantive = !f.is_filler;
                }
            },
            Sender::Bot | Sender::System => {}
        }
        f
    }

    /// Meaningful tokens for question similarity: no punctuation, particles,
    /// greetings or stop words.
    pub fn content_words<'a>(&self, tk: &Tokens<'a>) -> Vec<&'a str> {
        tk.tokens()
            .filter(|t| {
                is_word(t) && !self.particles.contains(t) && !self.greeting.contains(t) && !self.stopwords.contains(t)
            })
            .collect()
    }
}

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
