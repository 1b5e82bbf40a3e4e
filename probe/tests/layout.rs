//! The layout of `probe/src`: modules import downward, never in a circle, and no source file
//! is longer than about 400 lines.
//!
//! Every path a module names is read from its code (comments and the trailing `#[cfg(test)]`
//! module excluded): `crate::a::b…` (also inside `use crate::{…}` braces), `super::…`, and the
//! names of its own child modules (`child::…`). Each resolves to the longest prefix that is a
//! module file; names re-exported by `lib.rs` (`pub use a::{b, c}`) resolve to their source.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, with its module path (`dataset::read`; `""` for lib.rs).
fn modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let join = |n: &str| if prefix.is_empty() { n.to_string() } else { format!("{prefix}::{n}") };
        if p.is_dir() {
            modules(&p, &join(&name), out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let m = match name.as_str() {
                "main" => continue,
                "lib" | "mod" => prefix.to_string(),
                _ => join(&name),
            };
            out.insert(m, p);
        }
    }
}

/// The code of a file: no comment lines, nothing from `#[cfg(test)]` on.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

fn ident(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())
}

/// The module paths named after each occurrence of `anchor::` (`a::b::c`, and for
/// `anchor::{x, y::z}` each `x`, `y::z`).
fn paths_after(code: &str, anchor: &str) -> Vec<String> {
    let mut found = Vec::new();
    let pat = format!("{anchor}::");
    let mut rest = code;
    while let Some(i) = rest.find(&pat) {
        let before = rest[..i].chars().last();
        rest = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut path = Vec::new();
        let mut s = rest;
        loop {
            let n = ident(s);
            if n == 0 {
                break;
            }
            path.push(s[..n].to_string());
            s = &s[n..];
            if let Some(t) = s.strip_prefix("::") {
                s = t;
            } else {
                break;
            }
        }
        if let Some(inner) = s.strip_prefix('{') {
            let inner = &inner[..inner.find('}').unwrap_or(inner.len())];
            for item in inner.split(',') {
                let mut p = path.clone();
                p.extend(item.split("::").map(|x| x.trim().to_string()).filter(|x| !x.is_empty()));
                found.push(p.join("::"));
            }
        }
        found.push(path.join("::"));
    }
    found
}

/// `pub use a::{b, c};` / `pub use a::b;` in lib.rs: `b → a::b`.
fn aliases(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in lib.lines().filter_map(|l| l.trim().strip_prefix("pub use ")) {
        let line = line.trim_end_matches(';');
        let (base, items) = match line.split_once("::{") {
            Some((b, i)) => (b.to_string(), i.trim_end_matches('}').split(',').map(str::trim).collect()),
            None => {
                let (b, i) = line.rsplit_once("::").unwrap();
                (b.to_string(), vec![i])
            }
        };
        for i in items {
            map.insert(i.to_string(), format!("{base}::{i}"));
        }
    }
    map
}

fn resolve(path: &str, mods: &BTreeMap<String, PathBuf>) -> Option<String> {
    let segs: Vec<&str> = path.split("::").collect();
    (1..=segs.len()).rev().map(|n| segs[..n].join("::")).find(|p| mods.contains_key(p))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut mods = BTreeMap::new();
    modules(&src(), "", &mut mods);
    let alias = aliases(&code(&mods[""]));
    let mut g = BTreeMap::new();
    for (m, file) in &mods {
        let c = code(file);
        let mut targets = Vec::new();
        for p in paths_after(&c, "crate") {
            let first = p.split("::").next().unwrap_or("");
            let p = match alias.get(first) {
                Some(a) => p.replacen(first, a, 1),
                None => p,
            };
            targets.push(p);
        }
        let parent = m.rsplit_once("::").map_or("", |x| x.0).to_string();
        for p in paths_after(&c, "super") {
            targets.push(if parent.is_empty() { p } else { format!("{parent}::{p}") });
        }
        for (child, _) in mods.iter().filter(|(k, _)| k.rsplit_once("::").map_or("", |x| x.0) == m) {
            let name = child.rsplit("::").next().unwrap();
            if !m.is_empty() && !paths_after(&c, name).is_empty() {
                targets.push(child.clone());
            }
        }
        let edges: BTreeSet<String> =
            targets.iter().filter_map(|t| resolve(t, &mods)).filter(|t| t != m && !t.is_empty()).collect();
        g.insert(m.clone(), edges);
    }
    g
}

fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for t in g.get(n).into_iter().flatten() {
            match state.get(t.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|s| s == t).unwrap();
                    let mut c = stack[i..].to_vec();
                    c.push(t.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(t, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_import_cycle_among_modules() {
    let g = graph();
    assert!(g.len() > 20, "{g:?}");
    // The checker sees real edges: a command uses the pipeline, dataset::mod its read module.
    assert!(g["commands::run"].contains("commands::pipeline"), "{:?}", g["commands::run"]);
    assert!(g["dataset"].contains("dataset::read"), "{:?}", g["dataset"]);
    assert!(g["dataset::split"].contains("dataset::read"), "{:?}", g["dataset::split"]);
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle: {}", c.join(" → "));
    }
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    let p = paths_after("use crate::eval::{Representation, pca::Pca};\nnotcrate::no", "crate");
    assert!(p.contains(&"eval::pca::Pca".to_string()) && p.contains(&"eval".to_string()), "{p:?}");
    assert!(!p.iter().any(|x| x == "no"), "{p:?}");
}

#[test]
fn no_source_file_over_400_lines() {
    let mut mods = BTreeMap::new();
    modules(&src(), "", &mut mods);
    let long: Vec<String> = mods
        .values()
        .map(|p| (p, std::fs::read_to_string(p).unwrap().lines().count()))
        .filter(|(_, n)| *n > MAX_LINES)
        .map(|(p, n)| format!("{} ({n} lines)", p.display()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}
