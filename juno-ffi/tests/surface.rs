//! The parity table `tests/surface.json` against the Rust handles and `include/juno.h`:
//! every public operation of a handle (`juno.rs`, `<noun>/api.rs`) is listed, every C
//! function in the header is listed (as an operation's `c` or under `c_only`), every listed
//! C function exists, and a surface without an operation says why. The Python side is
//! checked by `python/tests/test_surface.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn table() -> Value {
    let text = std::fs::read_to_string(root().join("tests/surface.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `Type.method` for every `pub fn` of every `impl` block in the handle files.
fn core_operations() -> BTreeSet<String> {
    let src = root().join("juno-core/src");
    let mut files = vec![src.join("juno.rs")];
    for entry in std::fs::read_dir(&src).unwrap() {
        let api = entry.unwrap().path().join("api.rs");
        if api.is_file() {
            files.push(api);
        }
    }
    let mut ops = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let mut current: Option<String> = None;
        for line in code.lines() {
            if let Some(rest) = line.strip_prefix("impl") {
                // `impl<'a> Memories<'a> {`, `impl Juno {`, `impl TriageProposal {`; not
                // trait impls (`impl Executor for …`).
                if !line.contains(" for ") && line.ends_with('{') {
                    let name = rest
                        .trim_start_matches(|c: char| c != ' ')
                        .trim()
                        .split(['<', ' ', '{'])
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    current = Some(name);
                }
            } else if line == "}" {
                current = None;
            } else if let (Some(ty), Some(rest)) = (&current, line.strip_prefix("    pub fn ")) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                ops.insert(format!("{ty}.{name}"));
            }
        }
    }
    ops
}

/// Every function the header declares.
fn header_functions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("include/juno.h")).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with('*') || l.starts_with("/*") || l.starts_with("#") {
            continue;
        }
        // The name before the first `(`: `juno_status juno_open(…`, `void juno_free(…`.
        let Some(paren) = l.find('(') else { continue };
        let name = l[..paren]
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .trim_start_matches('*');
        if name.starts_with("juno_") {
            out.insert(name.to_owned());
        }
    }
    out
}

#[test]
fn every_core_operation_is_in_the_table() {
    let t = table();
    let listed: BTreeSet<String> = t["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["core"].as_str().unwrap().to_owned())
        .collect();
    let core = core_operations();
    assert!(core.len() > 50, "found only {core:?}");
    let missing: Vec<&String> = core.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "core operations missing from tests/surface.json: {missing:?}"
    );
}

#[test]
fn the_header_and_the_table_agree() {
    let t = table();
    let header = header_functions();
    assert!(
        header.contains("juno_open") && header.len() > 50,
        "{header:?}"
    );
    let mut listed: BTreeSet<String> = t["c_only"].as_object().unwrap().keys().cloned().collect();
    for o in t["operations"].as_array().unwrap() {
        if let Some(c) = o["c"].as_str() {
            listed.insert(c.to_owned());
        }
    }
    let unlisted: Vec<&String> = header.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "C functions missing from tests/surface.json: {unlisted:?}"
    );
    let unknown: Vec<&String> = listed.difference(&header).collect();
    assert!(
        unknown.is_empty(),
        "tests/surface.json names C functions the header lacks: {unknown:?}"
    );
}

#[test]
fn a_missing_surface_says_why() {
    for o in table()["operations"].as_array().unwrap() {
        for surface in ["c", "python"] {
            if o[surface].is_null() {
                assert!(
                    o["why"].as_str().is_some_and(|w| !w.is_empty()),
                    "{}: no {surface} and no `why`",
                    o["core"]
                );
            }
        }
    }
}
