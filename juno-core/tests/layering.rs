//! The layering rules of `ARCHITECTURE.md`, checked on the source the way the header drift
//! test checks `juno.h`: a change that breaks a rule fails CI with the file and the line.
//!
//! 1. Engines are leaves: outside their `api.rs` (the handle) and their tests, `reasoning`,
//!    `forecast`, `velocity`, `flow` and `triage` name only `model`, `config`, `error`,
//!    `stats` and themselves — never the facade, `store` or another engine.
//! 2. `stats` names nothing in the crate; `model` names only `error`.
//! 3. Only `juno.rs`, `lib.rs` and `<noun>/api.rs` name the facade `Juno`.
//! 4. SQL appears only under `store/`.
//! 5. The evaluation harness is not part of the shipped model: no module of the core names
//!    `eval` (it lives in the `juno-eval` crate).
//! 6. Sources only observe: outside their `api.rs`, `source` names only `model`,
//!    `config`, `error` and `stats` — it does not analyse, decide or store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// The engines and what they may name besides themselves.
const ENGINES: [&str; 5] = ["reasoning", "forecast", "velocity", "flow", "triage"];
const ENGINE_MAY_NAME: [&str; 4] = ["model", "config", "error", "stats"];
const SQL_WORDS: [&str; 8] = [
    "SELECT ",
    "INSERT INTO",
    "UPDATE ",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE INDEX",
    "PRAGMA ",
    "BEGIN IMMEDIATE",
];

/// One source file: its path relative to `src/` and its code lines (number, text) with
/// comments and the `#[cfg(test)]` module removed.
struct Source {
    rel: String,
    code: Vec<(usize, String)>,
}

fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        // Tests may build fixtures with anything; the rules are about shipped code.
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let code = match line.find("//") {
            // A `//` inside a string literal (a URL) is rare in this crate; counting quotes
            // keeps those lines whole.
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        };
        out.push((i + 1, code.to_owned()));
    }
    out
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Source {
                rel,
                code: code_lines(&std::fs::read_to_string(&p).unwrap()),
            });
        }
    }
}

/// The top-level module a file belongs to (`forecast/risk.rs` → `forecast`).
fn module_of(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// Every `crate::<module>` a line names.
fn crate_modules(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `juno_crate::x` or `my_crate::x` are not this crate.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name == "{" || rest.starts_with('{') {
            // `crate::{a, b}`: every name in the braces.
            let inner = rest[1..].split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let n: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !n.is_empty() {
                    out.push(n);
                }
            }
        } else if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

fn names_juno(line: &str) -> bool {
    line.match_indices("Juno").any(|(at, _)| {
        let before = line[..at].chars().last();
        let after = line[at + 4..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Every broken rule, as `file:line: what`.
fn violations(files: &[Source]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files {
        let module = module_of(&f.rel);
        let is_api = f.rel.ends_with("/api.rs");
        for (n, line) in &f.code {
            let at = format!("{}:{n}", f.rel);
            let named = crate_modules(line);
            if ENGINES.contains(&module) && !is_api {
                for m in &named {
                    if m != module && !ENGINE_MAY_NAME.contains(&m.as_str()) {
                        bad.push(format!("{at}: engine `{module}` names `crate::{m}`"));
                    }
                }
            }
            if module == "source" && !is_api {
                for m in &named {
                    if m != "source" && !ENGINE_MAY_NAME.contains(&m.as_str()) {
                        bad.push(format!("{at}: source `{module}` names `crate::{m}`"));
                    }
                }
            }
            if module == "stats" && !named.is_empty() {
                bad.push(format!("{at}: `stats` is a leaf but names {named:?}"));
            }
            if module == "model" {
                for m in named.iter().filter(|m| *m != "error" && *m != "model") {
                    bad.push(format!("{at}: `model` names `crate::{m}`"));
                }
            }
            if module != "lib" && named.iter().any(|m| m == "eval") {
                bad.push(format!("{at}: the core names the evaluation harness"));
            }
            let may_name_juno = is_api || f.rel == "juno.rs" || f.rel == "lib.rs";
            if !may_name_juno && names_juno(line) {
                bad.push(format!("{at}: only juno.rs and <noun>/api.rs name `Juno`"));
            }
            if module != "store" {
                for w in SQL_WORDS {
                    if line.contains(w) && line.contains('"') {
                        bad.push(format!("{at}: SQL (`{}`) outside store", w.trim()));
                    }
                }
            }
        }
    }
    bad
}

#[test]
fn the_core_keeps_its_layers() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(
        files.iter().any(|f| f.rel == "forecast/mod.rs") && files.len() > 30,
        "the source tree was not found under {}",
        root.display()
    );
    let bad = violations(&files);
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

/// The checker itself catches each kind of break (so an empty report means something).
#[test]
fn each_rule_catches_its_break() {
    let file = |rel: &str, text: &str| Source {
        rel: rel.to_owned(),
        code: code_lines(text),
    };
    let cases = [
        (
            file("flow/mod.rs", "use crate::velocity::percentile;"),
            "names `crate::velocity`",
        ),
        (
            file("source/sim.rs", "use crate::forecast::SplitMix64;"),
            "source `source` names `crate::forecast`",
        ),
        (
            file("triage/mod.rs", "use crate::{model::Evidence, store};"),
            "names `crate::store`",
        ),
        (file("velocity/mod.rs", "fn f(j: &Juno) {}"), "name `Juno`"),
        (file("stats.rs", "use crate::error::Error;"), "is a leaf"),
        (
            file("memory/recall.rs", r#"let q = "SELECT id FROM memories";"#),
            "SQL (`SELECT`) outside store",
        ),
        (
            file("forecast/model.rs", "use crate::eval::metrics;"),
            "evaluation harness",
        ),
    ];
    for (f, want) in cases {
        let got = violations(std::slice::from_ref(&f));
        assert!(
            got.iter().any(|v| v.contains(want)),
            "{}: expected a violation containing {want:?}, got {got:?}",
            f.rel
        );
    }
    // What the rules allow: an engine's handle, comments and tests.
    let allowed = [
        file(
            "forecast/api.rs",
            "use crate::juno::Juno;\nuse crate::store;",
        ),
        file("flow/mod.rs", "// see crate::velocity\nuse crate::stats;"),
        file(
            "triage/mod.rs",
            "use crate::model::Evidence;\n#[cfg(test)]\nmod tests { use crate::Juno; }",
        ),
    ];
    for f in allowed {
        let got = violations(std::slice::from_ref(&f));
        assert!(got.is_empty(), "{}: {got:?}", f.rel);
    }
}
