//! The house rule, as a test: every `crate::` (and `super::`) path in `src/`
//! is resolved to the layer it names, and a path against the rule fails:
//!
//! - `core` imports only `core`;
//! - `lexicon` imports `core` and itself; `config` also `lexicon`;
//! - each stage imports `core`, `lexicon` and the stages before it
//!   (ingest → text → sessions → conversion → rules → marts → sink);
//! - `pipeline.rs` imports `core` and the stages only;
//! - nothing but `main.rs` and `cmd/` itself imports `cmd/`.
//!
//! It also fails on an import loop between modules (at the depth of
//! `core::schema`, `stages::text`, `cmd::bench`, `config`, …).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::helpers::repo;

const STAGES: [&str; 7] = ["ingest", "text", "sessions", "conversion", "rules", "marts", "sink"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Core,
    Lexicon,
    Config,
    /// A stage by its position in [`STAGES`]; `stages/mod.rs` itself is `Stage(None)`.
    Stage(Option<usize>),
    Pipeline,
    Cmd,
    Cli,
    Lib,
}

fn layer(module: &[String]) -> Option<Layer> {
    Some(match module.first()?.as_str() {
        "core" => Layer::Core,
        "lexicon" => Layer::Lexicon,
        "config" => Layer::Config,
        "stages" => Layer::Stage(module.get(1).and_then(|s| STAGES.iter().position(|x| x == s))),
        "pipeline" => Layer::Pipeline,
        "cmd" => Layer::Cmd,
        "cli" => Layer::Cli,
        "lib" => Layer::Lib,
        _ => return None,
    })
}

/// Whether a module of layer `from` may import one of layer `to`.
fn allowed(from: Layer, to: Layer) -> bool {
    use Layer::*;
    match (from, to) {
        (_, Lib) => false,
        (Cmd, _) | (Lib, _) => true,
        (_, Cmd) => false,
        (Core, Core) | (Cli, Core) => true,
        (Lexicon, Core | Lexicon) => true,
        (Config, Core | Lexicon | Config) => true,
        (Stage(_), Core | Lexicon) => true,
        (Stage(Some(i)), Stage(Some(j))) => j <= i,
        (Stage(None), Stage(_)) => true,
        (Pipeline, Core | Stage(_)) => true,
        _ => false,
    }
}

/// `src/stages/ingest/readers/csv.rs` → `stages::ingest::readers::csv`; a `mod.rs` is its folder.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The source without comments (doc links name modules without importing them).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// Every module path a `crate::`/`super::` path in `code` names, as
/// segments from the crate root; braces (`crate::{a, b::c}`) are expanded.
fn imports(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (start, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        if start > 0 && code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut base: Vec<String> = Vec::new();
        let mut rest = &code[start..];
        if let Some(r) = rest.strip_prefix("crate::") {
            rest = r;
        } else {
            base = module.to_vec();
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
        }
        paths(base, rest, &mut out);
    }
    out
}

/// Follows `a::b::{c, d::e}` from `rest`, pushing each path it names.
fn paths(mut base: Vec<String>, mut rest: &str, out: &mut Vec<Vec<String>>) {
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths(base.clone(), group[item_start..i].trim_start(), out);
                        return;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths(base.clone(), group[item_start..i].trim_start(), out);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        let id = ident(rest);
        if id.is_empty() || id == "self" {
            out.push(base);
            return;
        }
        base.push(id.to_owned());
        rest = &rest[id.len()..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => {
                out.push(base);
                return;
            }
        }
    }
}

/// The module a path names, at the depth loops are checked: `core::schema`,
/// `stages::text`, `cmd::bench`, `config`, …
fn unit(path: &[String]) -> String {
    let depth = match path.first().map(String::as_str) {
        Some("core" | "stages" | "cmd" | "lexicon") => 2,
        _ => 1,
    };
    path.iter().take(depth).cloned().collect::<Vec<_>>().join("::")
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_import_follows_the_house_rule() {
    let src = repo().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    let (mut broken, mut graph) = (Vec::new(), BTreeMap::<String, BTreeSet<String>>::new());
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let text = std::fs::read_to_string(f).unwrap();
        if rel == Path::new("main.rs") {
            // The binary reaches the library through `kefu::` alone.
            for (i, _) in text.match_indices("kefu::") {
                let top = ident(&text[i + 6..]);
                if !["cli", "cmd", "core"].contains(&top) {
                    broken.push(format!("main.rs imports kefu::{top}"));
                }
            }
            continue;
        }
        let module = module_of(rel);
        let from = layer(&module).unwrap_or(Layer::Lib);
        for path in imports(&code(&text), &module) {
            let Some(to) = layer(&path) else { continue };
            if !allowed(from, to) {
                broken.push(format!("{} imports crate::{}", rel.display(), path.join("::")));
            }
            let (a, b) = (unit(&module), unit(&path));
            if a != b && !module.is_empty() {
                graph.entry(a).or_default().insert(b);
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the house rule:\n{}",
        broken.join("\n")
    );
    assert!(files.len() > 40, "found only {} files under src/", files.len());
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import loop: {}", cycle.join(" → "));
    }
}

/// A cycle in the module graph, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_owned());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_owned());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

/// The checker itself: a path against the rule is caught, braces and
/// `super::` included.
#[test]
fn the_rule_checker_catches_a_bad_import() {
    let module: Vec<String> = ["stages", "text", "engine"].map(String::from).to_vec();
    let found = imports(
        "use crate::{core::model, stages::{rules::Violation, ingest}};\nuse super::super::marts::x;",
        &module,
    );
    let layers: Vec<Layer> = found.iter().filter_map(|p| layer(p)).collect();
    assert_eq!(
        layers,
        [
            Layer::Core,
            Layer::Stage(Some(4)),
            Layer::Stage(Some(0)),
            Layer::Stage(Some(5))
        ]
    );
    let from = layer(&module).unwrap();
    let bad: Vec<bool> = layers.iter().map(|&to| allowed(from, to)).collect();
    assert_eq!(
        bad,
        [true, false, true, false],
        "text may import ingest, not rules or marts"
    );
    assert!(!allowed(Layer::Pipeline, Layer::Cmd) && !allowed(Layer::Core, Layer::Lexicon));
    let g: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(x, y)| (x.to_owned(), BTreeSet::from([y.to_owned()])))
        .collect();
    assert_eq!(find_cycle(&g).map(|c| c.len()), Some(4));
}
