//! The root crate's layers (see `src/lib.rs`): a module imports nothing from a layer above its
//! own, nor from a layer beside it. Every `crate::` path in `src/` (use declarations and paths
//! in code; comments and string literals are not code) is checked against [`LAYERS`], and so
//! is every `super::` path that climbs out of a top-level module.

use std::path::{Path, PathBuf};

/// Every top-level module of the crate with its layer's rank, lowest first. A module may use
/// its own layer and layers of a lower rank; two layers of the same rank are side by side and
/// use nothing of each other.
const LAYERS: &[(&str, u8)] = &[
    // The kube client, watch, submit, liveness and the read-only gate.
    ("k8s", 1),
    // The model and its parts, messages, commands, keymap and theme as data.
    ("state", 2),
    // Changing the model, and drawing it.
    ("update", 3),
    ("view", 3),
    // Running effects, owning the terminal.
    ("runtime", 4),
    // The config file, read at the start.
    ("config", 5),
    // Starting it all: the command line, and the crate root itself.
    ("cli", 6),
    ("lib", 6),
    ("main", 6),
];

fn rank(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// A reference from one file to a top-level module.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    /// 1-based.
    line: usize,
    /// The top-level module referred to.
    module: String,
    /// The path as written, for the report.
    path: String,
}

/// The source files under `src/`, with their module paths (`src/state/store/mod.rs` is
/// `["state", "store"]`, `src/cli.rs` is `["cli"]`).
fn sources() -> Vec<(PathBuf, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&root).unwrap().with_extension("");
                let mut module: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if module.len() > 1 && module.last().is_some_and(|m| m == "mod") {
                    module.pop();
                }
                out.push((path, module));
            }
        }
    }
    out.sort();
    out
}

/// `text` with comments, string literals and character literals blanked out (newlines kept,
/// so lines still count).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let rest = |k: usize| c.get(i + k).copied();
        if c[i] == '/' && rest(1) == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && rest(1) == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && rest(1) == Some('r')))
            && (i == 0 || !is_ident(c[i - 1]))
            && {
                let start = if c[i] == 'b' { i + 2 } else { i + 1 };
                let hashes = c[start..].iter().take_while(|ch| **ch == '#').count();
                c.get(start + hashes) == Some(&'"')
            }
        {
            let start = if c[i] == 'b' { i + 2 } else { i + 1 };
            let hashes = c[start..].iter().take_while(|ch| **ch == '#').count();
            let body = start + hashes + 1;
            let mut end = body;
            while end < c.len()
                && !(c[end] == '"'
                    && c[end + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|ch| **ch == '#')
                        .count()
                        == hashes)
            {
                end += 1;
            }
            let end = (end + 1 + hashes).min(c.len());
            out.extend(c[i..end].iter().map(|ch| blank(*ch)));
            i = end;
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' && (rest(1) == Some('\\') || rest(2) == Some('\'')) {
            // A character literal ('x', '\n', '\'', '\u{1F600}'); a lifetime ('a) has no
            // closing quote.
            let mut end = if rest(1) == Some('\\') { i + 3 } else { i + 2 };
            while end < c.len() && c[end] != '\'' {
                end += 1;
            }
            let end = (end + 1).min(c.len());
            out.extend(c[i..end].iter().map(|ch| blank(*ch)));
            i = end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The first identifiers of the items of a `{ ... }` group starting at `text[0]`, and the group.
fn group_heads(text: &str) -> (Vec<String>, String) {
    let mut depth = 0;
    let mut heads = Vec::new();
    let mut item = String::new();
    let mut end = text.len();
    for (i, ch) in text.char_indices() {
        match ch {
            '{' => {
                depth += 1;
                if depth > 1 {
                    item.push(ch);
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    heads.push(std::mem::take(&mut item));
                    end = i + 1;
                    break;
                }
                item.push(ch);
            }
            ',' if depth == 1 => heads.push(std::mem::take(&mut item)),
            _ => item.push(ch),
        }
    }
    let heads = heads
        .iter()
        .map(|item| {
            item.trim()
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect::<String>()
        })
        .filter(|head| !head.is_empty())
        .collect();
    (heads, text[..end].to_string())
}

/// The path written at the start of `text` (identifiers and `::`, and a group that ends it),
/// for reports.
fn path_at(text: &str) -> String {
    let path: String = text
        .chars()
        .take_while(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == ':')
        .collect();
    let rest = &text[path.len()..];
    if rest.starts_with('{') {
        let (_, group) = group_heads(rest);
        format!(
            "{path}{}",
            group.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    } else {
        path
    }
}

/// Every reference of the code of a file whose module path is `module` to a top-level module:
/// `crate::x...`, `crate::{x..., y...}`, and `super::` paths that climb to the crate root.
fn references(module: &[String], text: &str) -> Vec<Reference> {
    let code = code_only(text);
    let bytes = code.as_bytes();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let starts = code
        .match_indices("crate::")
        .chain(code.match_indices("super::"));
    for (at, word) in starts {
        let follows_path = code[..at].ends_with("::");
        if follows_path
            || (at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_'))
        {
            continue;
        }
        let mut rest = &code[at..];
        if word == "super::" {
            // Only a chain of `super::` that leaves the top-level module matters.
            let mut climbs = 0;
            while let Some(after) = rest.strip_prefix("super::") {
                rest = after;
                climbs += 1;
            }
            if climbs < module.len() {
                continue;
            }
        } else {
            rest = &rest["crate::".len()..];
        }
        let written = path_at(&code[at..]);
        if rest.starts_with('{') {
            let (heads, _) = group_heads(rest);
            for head in heads {
                out.push(Reference {
                    line: line_of(at),
                    module: head,
                    path: written.clone(),
                });
            }
        } else {
            let head: String = rest
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect();
            if !head.is_empty() {
                out.push(Reference {
                    line: line_of(at),
                    module: head,
                    path: written,
                });
            }
        }
    }
    out.sort_by_key(|r| r.line);
    out
}

/// Every reference that breaks the layering, as `file:line: path (why)`.
fn violations(allowed: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (path, module) in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let own = &module[0];
        for r in references(&module, &text) {
            if !allowed(own, &r.module) {
                out.push(format!(
                    "{}:{}: {} ({own} may not use {})",
                    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap_or(&path)
                        .display(),
                    r.line,
                    r.path,
                    r.module
                ));
            }
        }
    }
    out
}

#[test]
fn every_module_is_in_a_layer() {
    let unknown: Vec<String> = sources()
        .into_iter()
        .filter(|(_, module)| rank(&module[0]).is_none())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(
        unknown.is_empty(),
        "in no layer (add them to LAYERS): {unknown:#?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer_or_one_beside_its_own() {
    let found = violations(|own, used| {
        own == used || matches!((rank(own), rank(used)), (Some(a), Some(b)) if b < a)
    });
    assert!(found.is_empty(), "upward imports:\n{}", found.join("\n"));
}

#[test]
fn k8s_uses_nothing_of_the_dashboard() {
    let found = violations(|own, used| own != "k8s" || used == "k8s");
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn view_uses_nothing_of_update() {
    let found = violations(|own, used| own != "view" || !matches!(used, "update" | "runtime"));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_scanner_finds_paths_in_code_only() {
    let module = ["state".to_string(), "model".to_string()];
    let text = r##"
use crate::state::store::Store;
use crate::{k8s::watch::WatchEvent, view::{self, layout}};
use crate::{
    runtime::engine,
};
// use crate::runtime::engine;
/* crate::runtime /* nested */ crate::runtime */
fn f<'a>(x: &'a str) -> char { let _ = "crate::runtime"; let _ = r#"crate::"runtime"#; '\'' }
fn g() { crate::update::update(); super::super::cli::run(); super::model::Model::new(); }
"##;
    let found: Vec<(usize, String)> = references(&module, text)
        .into_iter()
        .map(|r| (r.line, r.module))
        .collect();
    let want = [
        (2, "state"),
        (3, "k8s"),
        (3, "view"),
        (4, "runtime"),
        (10, "update"),
        (10, "cli"),
    ];
    assert_eq!(
        found,
        want.map(|(l, m)| (l, m.to_string())).to_vec(),
        "{text}"
    );
}

/// One write path: only `k8s/submit.rs` names the kube API's write parameters (create, patch,
/// delete, replace take one of them), so every create, merge patch and DELETE kbdash sends goes
/// through it, and through the read-only gate that wraps its client.
#[test]
fn only_submit_writes_to_the_api() {
    let writers: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| {
            let code = code_only(&std::fs::read_to_string(path).unwrap());
            ["PostParams", "PatchParams", "DeleteParams"]
                .iter()
                .any(|p| code.contains(p))
        })
        .map(|(_, module)| module.join("::"))
        .collect();
    assert_eq!(writers, ["k8s::submit"]);
}
