//! The C ABI is recorded in `juno-ffi/abi.txt`: every declaration of `include/juno.h` (the
//! header is itself checked against the source by `header.rs`), one per line, with the ABI
//! version the shared library's soname carries (`juno-ffi/build.rs`).
//!
//! Within one ABI version a declaration may be added (record it) but never removed or
//! changed: a program linked against `libjuno.so.0.1` must keep working with every later
//! `libjuno.so.0.1`. Removing or changing one fails here until the ABI version is bumped
//! (the minor version while it is 0.x, the major from 1.0).
//!
//! Record the ABI after an addition or a bump with:
//! `JUNO_UPDATE_ABI=1 cargo test -j2 -p juno-ffi --test abi`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The ABI version this build's soname carries (`juno-ffi/build.rs` derives it).
fn abi_version() -> String {
    env!("JUNO_ABI_VERSION").to_owned()
}

/// The header's declarations, comments and preprocessor lines removed, whitespace collapsed,
/// in header order. An enum gives one line for itself and one per constant, so that a new
/// status code is an addition, not a change.
fn declarations(header: &str) -> Vec<String> {
    // Comments out.
    let mut text = String::with_capacity(header.len());
    let mut rest = header;
    while let Some(i) = rest.find("/*") {
        text.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |e| &rest[i + e + 2..]);
    }
    text.push_str(rest);
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ");
    // Whole statements: `;` at brace depth 0 (skipping `extern "C" {` and its `}`).
    let code = code.replace("extern \"C\" {", " ");
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in code.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ';' if depth <= 0 => {
                let stmt = code[start..=i].split_whitespace().collect::<Vec<_>>();
                let stmt = stmt.join(" ");
                let stmt = stmt.trim_start_matches("} ").to_owned();
                if stmt != ";" && !stmt.is_empty() {
                    out.extend(split_enum(&stmt));
                }
                start = i + 1;
                depth = 0;
            }
            _ => {}
        }
    }
    out
}

/// `enum e : t { A = 0, B = 1, };` → `enum e : t;`, `enum e A = 0`, `enum e B = 1`.
fn split_enum(stmt: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (stmt.find('{'), stmt.rfind('}')) else {
        return vec![stmt.to_owned()];
    };
    if !stmt.starts_with("enum ") {
        return vec![stmt.to_owned()];
    }
    let head = stmt[..open].trim();
    let name = head.split_whitespace().nth(1).unwrap_or("");
    let mut out = vec![format!("{head};")];
    out.extend(
        stmt[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| format!("enum {name} {c}")),
    );
    out
}

/// What is wrong with `current` against the recorded ABI, if anything.
fn check(recorded: &str, current: &[String], abi: &str) -> Result<(), String> {
    let mut lines = recorded.lines().filter(|l| !l.starts_with('#'));
    let recorded_abi = lines
        .next()
        .and_then(|l| l.strip_prefix("abi "))
        .ok_or("juno-ffi/abi.txt has no `abi <version>` line")?;
    let before: BTreeSet<&str> = lines.collect();
    let now: BTreeSet<&str> = current.iter().map(String::as_str).collect();
    let gone: Vec<&&str> = before.difference(&now).collect();
    let new: Vec<&&str> = now.difference(&before).collect();
    if recorded_abi != abi {
        return Err(format!(
            "the ABI version is now {abi} (it was {recorded_abi}): record the new ABI"
        ));
    }
    if !gone.is_empty() {
        return Err(format!(
            "declarations removed or changed within ABI {abi} (programs linked against \
             libjuno.so.{abi} would break): {gone:#?}\nRestore them, or bump the ABI version \
             (the minor version while it is 0.x, the major from 1.0) and record the new ABI"
        ));
    }
    if !new.is_empty() {
        return Err(format!(
            "new declarations (compatible additions) not recorded yet: {new:#?}"
        ));
    }
    Ok(())
}

fn record(current: &[String], abi: &str) -> String {
    let mut s = String::from(
        "# The C ABI of libjuno: every declaration of include/juno.h, one per line, and the\n\
         # ABI version (the soname's). Checked by juno-ffi/tests/abi.rs; rewrite it with\n\
         # JUNO_UPDATE_ABI=1 cargo test -j2 -p juno-ffi --test abi\n",
    );
    s.push_str(&format!("abi {abi}\n"));
    for d in current {
        s.push_str(d);
        s.push('\n');
    }
    s
}

#[test]
fn the_abi_is_only_extended_within_an_abi_version() {
    let header = std::fs::read_to_string(crate_dir().join("../include/juno.h")).unwrap();
    let current = declarations(&header);
    let path = crate_dir().join("abi.txt");
    if std::env::var_os("JUNO_UPDATE_ABI").is_some() {
        std::fs::write(&path, record(&current, &abi_version())).unwrap();
        return;
    }
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    if let Err(e) = check(&recorded, &current, &abi_version()) {
        panic!("{e}\nRecord it with: JUNO_UPDATE_ABI=1 cargo test -j2 -p juno-ffi --test abi");
    }
}

/// The check catches what it is for, on the real header: a function dropped, a parameter
/// changed, a status code renumbered; it lets through a new function and a bump.
#[test]
fn the_check_fails_on_a_removal_or_a_change_without_a_bump() {
    let header = std::fs::read_to_string(crate_dir().join("../include/juno.h")).unwrap();
    let current = declarations(&header);
    let recorded = record(&current, "0.1");
    assert!(check(&recorded, &current, "0.1").is_ok());

    let dropped: Vec<String> = current
        .iter()
        .filter(|d| !d.contains(" juno_memory_recall("))
        .cloned()
        .collect();
    assert!(
        dropped.len() < current.len(),
        "juno_memory_recall is in the header"
    );
    let e = check(&recorded, &dropped, "0.1").unwrap_err();
    assert!(e.contains("juno_memory_recall") && e.contains("removed or changed"));

    let changed = declarations(&header.replacen("size_t query_len", "int query_len", 1));
    assert!(check(&recorded, &changed, "0.1").is_err());
    let renumbered =
        declarations(&header.replace("JUNO_STATUS_BUSY = 108", "JUNO_STATUS_BUSY = 120"));
    assert!(
        check(&recorded, &renumbered, "0.1")
            .unwrap_err()
            .contains("JUNO_STATUS_BUSY")
    );

    let mut added = current.clone();
    added.push("juno_status juno_new_thing(void);".into());
    assert!(
        check(&recorded, &added, "0.1")
            .unwrap_err()
            .contains("not recorded")
    );
    // After a bump, the old list no longer binds (it is recorded anew).
    assert!(
        check(&recorded, &dropped, "0.2")
            .unwrap_err()
            .contains("now 0.2")
    );
    assert!(check(&record(&dropped, "0.2"), &dropped, "0.2").is_ok());
}
