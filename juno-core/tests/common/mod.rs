//! What the integration tests share. The fixture replays (`engines_fixture.rs`,
//! `forecast_fixture.rs`): reading a fixture of `tests/fixtures/` and comparing outputs by
//! its rules (see each fixture's description) — `expect` is a subset, `explain` maps levels
//! to strings the text must contain, an invalid case fails with its `error_kind` and names
//! its `field`. The tests on real data (`eval_sprint_risk.rs`, `eval_triage.rs`,
//! `flow.rs`): where that data is.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Each test crate that declares `mod common;` uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use juno_core::Error;
use juno_core::reasoning::ExplanationLevel;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `tests/fixtures/<name>` (shared with the C and Python tests) as JSON.
pub fn read(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `got` contains `want`: the fixture's subset comparison (see its description).
pub fn matches(got: &Value, want: &Value, tol: f64, path: &str) -> Result<(), String> {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            if (g - w).abs() <= tol {
                Ok(())
            } else {
                Err(format!("{path}: got {g}, want {w}"))
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                return Err(format!("{path}: {} items, want {}", g.len(), w.len()));
            }
            g.iter()
                .zip(w)
                .enumerate()
                .try_for_each(|(i, (g, w))| matches(g, w, tol, &format!("{path}[{i}]")))
        }
        (Value::Object(g), Value::Object(w)) => w.iter().try_for_each(|(k, w)| match g.get(k) {
            Some(g) => matches(g, w, tol, &format!("{path}.{k}")),
            None => Err(format!("{path}: no `{k}`")),
        }),
        (g, w) if g == w => Ok(()),
        (g, w) => Err(format!("{path}: got {g}, want {w}")),
    }
}

/// `got`, as JSON, contains `want` within `tol`; else panics naming the case.
pub fn check(name: &Value, got: &impl serde::Serialize, want: &Value, tol: f64) {
    let got = serde_json::to_value(got).unwrap();
    if let Err(e) = matches(&got, want, tol, "") {
        panic!("{name}: {e}\ngot {got}");
    }
}

/// The `explain` map: each level's text contains each string.
pub fn check_explain(case: &Value, explain: impl Fn(ExplanationLevel) -> String) {
    let Some(levels) = case["explain"].as_object() else {
        return;
    };
    for (level, wants) in levels {
        let text = explain(level.parse().unwrap());
        for want in wants.as_array().unwrap() {
            let want = want.as_str().unwrap();
            assert!(
                text.contains(want),
                "{} at {level}: `{want}` not in\n{text}",
                case["name"]
            );
        }
    }
}

/// Parses a fixture value the way the surfaces parse JSON input.
pub fn parse<T: DeserializeOwned>(v: &Value, what: &str) -> juno_core::Result<T> {
    // The same rule the C and Python surfaces apply.
    juno_core::json::from_value(what, v.clone())
}

/// `res` failed as the case says: its `error_kind`, and its `field` when given.
pub fn check_error<T: std::fmt::Debug>(case: &Value, res: juno_core::Result<T>) {
    let name = &case["name"];
    let err = res.expect_err(&format!("{name}: accepted"));
    assert_eq!(
        err.kind().as_str(),
        case["error_kind"].as_str().unwrap(),
        "{name}: {err}"
    );
    if let Some(field) = case["field"].as_str() {
        match &err {
            Error::InvalidInput { field: got, .. } => assert_eq!(got, field, "{name}: {err}"),
            other => panic!("{name}: {other} names no field"),
        }
    }
}

/// Where the real data sets are: `../shared/data` relative to the workspace, or
/// `$JUNO_SHARED_DATA`. Tests on them skip when their files are not there, unless
/// `JUNO_REQUIRE_DATA=1` (set by `.ci/run` when the folder exists): then a missing file
/// fails the test.
pub fn shared_data_dir() -> PathBuf {
    std::env::var_os("JUNO_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// The data folder when every one of `files` is in it; else `None` after a note that `run`
/// is skipped — or a panic naming the missing files when `JUNO_REQUIRE_DATA=1`.
pub fn data_files(run: &str, files: &[&str]) -> Option<PathBuf> {
    let dir = shared_data_dir();
    let missing: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    assert!(
        std::env::var("JUNO_REQUIRE_DATA").as_deref() != Ok("1"),
        "JUNO_REQUIRE_DATA=1 but {run} is missing {missing:?} in {}",
        dir.display()
    );
    println!("note: skipping {run}: no {missing:?} in {}", dir.display());
    None
}

/// The folder of the MSR2015 DuraSpace issues and events (see [`data_files`]).
pub fn msr2015_duraspace(run: &str) -> Option<PathBuf> {
    data_files(
        run,
        &[
            "msr2015_duraspace_issues.csv",
            "msr2015_duraspace_events.csv",
        ],
    )
}
