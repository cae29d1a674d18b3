//! Lexicon entries beyond a fixed phrase, so that a lexicon can say what
//! real chats say in many ways without listing every wording:
//!
//! - `A…B` (or `A...B`): `A`, then `B` later in the same clause, at most
//!   [`MAX_GAP`] characters apart — `还有…帮您` covers 还有其他可以帮您,
//!   还有什么需要小妹帮您, 还有其他还可以帮到您;
//! - `-X`: an exclusion — a hit of the same lexicon that overlaps a match
//!   of `X` does not count (`有什么…帮您` is a welcome, but not inside
//!   `-还有…帮您`, the closing question);
//! - `=X`: alone — `X` is a hit wherever it is, but it charges its rule only
//!   when the message holds nothing else of substance (`=都可以` hands the
//!   choice back; 电子发票和增票都可以 answers);
//! - `~X`: alone in its clause's company — it charges when every *other*
//!   clause of the message is without substance (稍等，我看看库存 is a stall;
//!   正在查询，只能给您换开电子发票 already answers).
//!
//! Every part still starts and ends on a token boundary, and all parts of all
//! entries are found in one Aho-Corasick scan of the message.

use aho_corasick::AhoCorasick;

use super::{automaton, Segmented};
use crate::core::error::Result;

/// The most characters between two parts of a gapped entry.
pub const MAX_GAP: usize = 8;

/// Characters that end a clause: the parts of a gapped entry never span one.
const CLAUSE_BREAKS: &[char] = &['，', '。', '！', '？', '!', '?', ',', ';', '；', '\n', '~', '～'];

/// The gap mark between the parts of an entry.
const GAP: [&str; 2] = ["…", "..."];

struct Entry {
    /// Its position among the entries given.
    index: usize,
    /// Atom ids, in order.
    parts: Vec<usize>,
    exclude: bool,
    alone: Alone,
    /// The caller's tag: an entry index, a rule.
    owner: usize,
}

/// One entry found in a text: its position among the entries given, its
/// owner, and its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub entry: usize,
    pub owner: usize,
    pub start: usize,
    pub end: usize,
    /// An `=` or `~` entry: it charges only when the rest says nothing.
    pub alone: Alone,
}

/// How much of the message must be without substance for an entry to charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alone {
    /// A plain entry: it charges wherever it is.
    No,
    /// `=`: everything outside the match.
    Message,
    /// `~`: everything outside the match's clause.
    Clause,
}

/// A text's clause breaks, found once: the clause of each of many hits is
/// then a binary search, not a scan of the text (a message of thousands of
/// phrases with no punctuation must not cost their square).
pub struct Clauses {
    /// Byte range of each break character, in order.
    breaks: Vec<(usize, usize)>,
    len: usize,
}

impl Clauses {
    pub fn new(text: &str) -> Clauses {
        let breaks = text
            .char_indices()
            .filter(|(_, c)| CLAUSE_BREAKS.contains(c))
            .map(|(i, c)| (i, i + c.len_utf8()))
            .collect();
        Clauses {
            breaks,
            len: text.len(),
        }
    }

    /// Where the clause around bytes `start..end` begins (after the break
    /// before it) and ends (at the break after it).
    pub fn of(&self, start: usize, end: usize) -> (usize, usize) {
        let before = self.breaks.partition_point(|b| b.0 < start);
        let from = before.checked_sub(1).map_or(0, |k| self.breaks[k].1);
        let after = self.breaks.partition_point(|b| b.0 < end);
        let to = self.breaks.get(after).map_or(self.len, |b| b.0);
        (from, to)
    }
}

pub struct Patterns {
    ac: Option<AhoCorasick>,
    entries: Vec<Entry>,
    /// For each atom, the entries whose first part it is.
    starts: Vec<Vec<usize>>,
}

/// What an entry's text says: its parts, and whether it is an exclusion
/// (`-`) or counts alone (`=`).
pub struct Entryline<'a> {
    pub parts: Vec<&'a str>,
    pub exclude: bool,
    pub alone: Alone,
}

pub fn parse_entry(text: &str) -> Entryline<'_> {
    let marked = |p: char| text.strip_prefix(p).filter(|r| !r.is_empty());
    let (body, exclude, alone) = match (marked('-'), marked('='), marked('~')) {
        (Some(rest), _, _) => (rest, true, Alone::No),
        (_, Some(rest), _) => (rest, false, Alone::Message),
        (_, _, Some(rest)) => (rest, false, Alone::Clause),
        _ => (text, false, Alone::No),
    };
    let mut parts = vec![body];
    for g in GAP {
        parts = parts.iter().flat_map(|p| p.split(g)).collect();
    }
    Entryline {
        parts: parts.into_iter().filter(|p| !p.is_empty()).collect(),
        exclude,
        alone,
    }
}

impl Patterns {
    /// `entries`: (entry text, owner) in order; `name` names the lexicon in errors.
    pub fn new<'a>(name: &str, entries: impl IntoIterator<Item = (&'a str, usize)>) -> Result<Self> {
        let mut atoms: Vec<String> = Vec::new();
        let mut atom_ids: std::collections::HashMap<String, usize> = Default::default();
        let mut list = Vec::new();
        for (index, (text, owner)) in entries.into_iter().enumerate() {
            let Entryline { parts, exclude, alone } = parse_entry(text);
            if parts.is_empty() {
                continue;
            }
            let parts = parts
                .into_iter()
                .map(|p| {
                    *atom_ids.entry(p.to_owned()).or_insert_with(|| {
                        atoms.push(p.to_owned());
                        atoms.len() - 1
                    })
                })
                .collect();
            list.push(Entry {
                index,
                parts,
                exclude,
                alone,
                owner,
            });
        }
        let mut starts = vec![Vec::new(); atoms.len()];
        for (i, e) in list.iter().enumerate() {
            starts[e.parts[0]].push(i);
        }
        Ok(Patterns {
            ac: automaton(name, &atoms)?,
            entries: list,
            starts,
        })
    }

    /// Every entry found in the text (exclusions applied), in order of start.
    pub fn find(&self, tk: &impl Segmented) -> Vec<Hit> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let text = tk.text();
        let on_edge = |pos: usize, long: bool| tk.is_boundary(pos) || (long && tk.is_soft_boundary(pos));
        let atoms: Vec<(usize, usize, usize)> = ac
            .find_overlapping_iter(text)
            .filter(|m| {
                let long = text[m.start()..m.end()].chars().nth(1).is_some();
                on_edge(m.start(), long) && on_edge(m.end(), long)
            })
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        // By start (stable: equal starts keep the matcher's order), for the
        // gapped entries' nearest-next-part search.
        let mut by_start = atoms.clone();
        by_start.sort_by_key(|a| a.1);
        let mut hits = Vec::new();
        let mut excluded: Vec<Hit> = Vec::new();
        for &(atom, start, end) in &atoms {
            for &e in &self.starts[atom] {
                let entry = &self.entries[e];
                let Some(end) = self.extend(text, &by_start, &entry.parts[1..], end) else {
                    continue;
                };
                let hit = Hit {
                    entry: entry.index,
                    owner: entry.owner,
                    start,
                    end,
                    alone: entry.alone,
                };
                match entry.exclude {
                    true => excluded.push(hit),
                    false => hits.push(hit),
                }
            }
        }
        // An exclusion cancels the hits of its lexicon that overlap it. Only
        // exclusions starting within the longest one's length before a hit
        // can reach it: a binary search, not a scan of them all per hit.
        excluded.sort_by_key(|x| x.start);
        let longest = excluded.iter().map(|x| x.end - x.start).max().unwrap_or(0);
        hits.retain(|h| {
            let from = excluded.partition_point(|x| x.start + longest <= h.start);
            !excluded[from..]
                .iter()
                .take_while(|x| x.start < h.end)
                .any(|x| x.owner == h.owner && h.start < x.end)
        });
        hits.sort_by_key(|h| (h.start, h.entry));
        hits
    }

    /// The end of the rest of a gapped entry's parts after byte `from`, each
    /// the nearest one within [`MAX_GAP`] characters and the same clause.
    /// `atoms` are sorted by start: only those within `MAX_GAP` characters
    /// (at most 4 bytes each) of `from` are looked at.
    fn extend(&self, text: &str, atoms: &[(usize, usize, usize)], rest: &[usize], mut from: usize) -> Option<usize> {
        for &part in rest {
            let first = atoms.partition_point(|a| a.1 < from);
            let next = atoms[first..]
                .iter()
                .take_while(|a| a.1 <= from + 4 * MAX_GAP)
                .find(|a| a.0 == part)?;
            let gap = &text[from..next.1];
            if gap.chars().count() > MAX_GAP || gap.contains(CLAUSE_BREAKS) {
                return None;
            }
            from = next.2;
        }
        Some(from)
    }

    /// The entry's text parts, to add to a segmenter as words.
    pub fn atoms_of(text: &str) -> Vec<&str> {
        parse_entry(text).parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text cut at the given byte offsets (and its ends).
    struct Cut<'a>(&'a str, Vec<usize>);
    impl Segmented for Cut<'_> {
        fn text(&self) -> &str {
            self.0
        }
        fn is_boundary(&self, pos: usize) -> bool {
            pos == 0 || pos == self.0.len() || self.1.contains(&pos)
        }
    }
    /// Every character a token.
    fn chars(s: &str) -> Cut<'_> {
        Cut(s, s.char_indices().map(|(i, _)| i).collect())
    }
    fn found(p: &Patterns, s: &str) -> Vec<usize> {
        p.find(&chars(s)).iter().map(|h| h.entry).collect()
    }

    #[test]
    fn gaps_clauses_and_exclusions() {
        let p = Patterns::new("t", [("有什么…帮您", 0), ("-还有…帮您", 0), ("稍等", 1)]).unwrap();
        assert_eq!(found(&p, "您好有什么问题我可以帮您"), [0]);
        // Inside the exclusion: the closing question is no welcome.
        assert_eq!(found(&p, "请问还有什么可以帮您"), Vec::<usize>::new());
        // A clause break between the parts, or a gap over MAX_GAP characters.
        assert_eq!(found(&p, "有什么问题，我可以帮您"), Vec::<usize>::new());
        assert_eq!(found(&p, "有什么一二三四五六七八九帮您"), Vec::<usize>::new());
        assert_eq!(found(&p, "您稍等"), [2]);
    }

    #[test]
    fn parts_sit_on_token_boundaries() {
        let p = Patterns::new("t", [("好的", 0)]).unwrap();
        // 不好|的 : 好的 starts inside a token.
        let t = Cut("不好的", vec![6]);
        assert!(p.find(&t).is_empty());
        let e = parse_entry("-a...b…c");
        assert_eq!((e.parts, e.exclude, e.alone), (vec!["a", "b", "c"], true, Alone::No));
        let e = parse_entry("=都可以");
        assert_eq!((e.parts, e.exclude, e.alone), (vec!["都可以"], false, Alone::Message));
        let e = parse_entry("~稍等");
        assert_eq!((e.parts, e.exclude, e.alone), (vec!["稍等"], false, Alone::Clause));
        let t = "好的，稍等我看看库存，马上回复";
        let s = t.find("稍等").unwrap();
        let c = Clauses::new(t);
        let of = |s: usize, e: usize| &t[c.of(s, e).0..c.of(s, e).1];
        assert_eq!(of(s, s + 6), "稍等我看看库存");
        assert_eq!(of(0, 6), "好的");
        assert_eq!(of(t.len() - 6, t.len()), "马上回复");
        assert_eq!(of(0, t.len()), t);
    }
}
