//! Replays `tests/fixtures/engines_fixture.json`, which the C and Python tests replay too:
//! the reasoning, velocity and triage components of a [`Juno`] and the Monte Carlo
//! simulation, against expected outputs that are checked by hand where possible.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::forecast::{MonteCarloInput, monte_carlo};
use juno_core::memory::{Outcome, OutcomeRecord};
use juno_core::reasoning::{Calibration, Confidence, Evidence, ExplanationLevel};
use juno_core::triage::{Ticket, TriageSettings};
use juno_core::velocity::SprintRecord;
use juno_core::{Error, Juno, ManualClock};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/engines_fixture.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `got` contains `want`: the fixture's subset comparison (see its description).
fn matches(got: &Value, want: &Value, tol: f64, path: &str) -> Result<(), String> {
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

fn check(case: &Value, got: &impl serde::Serialize, want: &Value, tol: f64) {
    let exact = case["exact"].as_bool().unwrap_or(false);
    let got = serde_json::to_value(got).unwrap();
    if let Err(e) = matches(&got, want, if exact { 0.0 } else { tol }, "") {
        panic!("{}: {e}\ngot {got}", case["name"]);
    }
}

/// The `explain` map: each level's text contains each string.
fn check_explain(case: &Value, explain: impl Fn(ExplanationLevel) -> String) {
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
fn parse<T: DeserializeOwned>(v: &Value, what: &str) -> juno_core::Result<T> {
    serde_json::from_value(v.clone()).map_err(|e| Error::json(what, &e))
}

fn check_error<T: std::fmt::Debug>(case: &Value, res: juno_core::Result<T>) {
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

fn engine(f: &Value) -> Juno {
    let juno = Juno::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(
            f["now_ms"].as_i64().unwrap(),
        )));
    for o in f["outcomes"].as_array().unwrap() {
        for (outcome, n) in [
            (Outcome::Approved, "approved"),
            (Outcome::Rejected, "rejected"),
        ] {
            for _ in 0..o[n].as_u64().unwrap_or(0) {
                juno.memory()
                    .record_outcome(&OutcomeRecord {
                        team: o["team"].as_str().unwrap().into(),
                        action: o["action"].as_str().unwrap().into(),
                        outcome,
                        subject: None,
                        note: None,
                    })
                    .unwrap();
            }
        }
    }
    juno
}

/// A calibration case's (confidence, right) pairs: the right ones, then the wrong ones.
fn pairs(groups: &Value) -> Vec<(f64, bool)> {
    let mut out = Vec::new();
    for g in groups.as_array().unwrap() {
        let p = g["confidence"].as_f64().unwrap();
        out.extend(std::iter::repeat_n(
            (p, true),
            g["right"].as_u64().unwrap() as usize,
        ));
        out.extend(std::iter::repeat_n(
            (p, false),
            g["wrong"].as_u64().unwrap() as usize,
        ));
    }
    out
}

/// The confidence a reasoning case asks for, as every surface computes it.
fn confidence(
    juno: &Juno,
    case: &Value,
    calibrations: &BTreeMap<String, Calibration>,
) -> juno_core::Result<Confidence> {
    let evidence: Evidence = parse(&case["evidence"], "evidence")?;
    let r = juno.reasoning();
    let c = match (case["team"].as_str(), case["action"].as_str()) {
        (Some(team), Some(action)) => r.confidence_for(&evidence, team, action)?,
        _ => r.confidence(&evidence)?,
    };
    match &case["calibration"] {
        Value::Null => Ok(c),
        Value::String(name) => r.calibrated(c, &calibrations[name]),
        map => r.calibrated(c, &parse(map, "calibration")?),
    }
}

#[test]
fn reasoning_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    let mut calibrations = BTreeMap::new();
    for case in f["reasoning"]["calibrate"].as_array().unwrap() {
        let cal = juno.reasoning().calibrate(&pairs(&case["groups"])).unwrap();
        check(case, &cal, &case["expect"], tol);
        calibrations.insert(case["name"].as_str().unwrap().to_owned(), cal);
    }
    for case in f["reasoning"]["confidence"].as_array().unwrap() {
        let c = confidence(&juno, case, &calibrations).unwrap();
        check(case, &c, &case["expect"], tol);
        check_explain(case, |level| c.explain(level));
        // The confidence crosses the surfaces as JSON and explains the same from there.
        let back: Confidence = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(
            back.explain(ExplanationLevel::Verbose),
            c.explain(ExplanationLevel::Verbose)
        );
    }
    for case in f["reasoning"]["invalid"].as_array().unwrap() {
        match case["call"].as_str().unwrap() {
            "confidence" => check_error(case, confidence(&juno, case, &calibrations)),
            "calibrate" => check_error(
                case,
                parse::<Vec<(f64, bool)>>(&case["pairs"], "pairs")
                    .and_then(|p| juno.reasoning().calibrate(&p)),
            ),
            "explain" => check_error(
                case,
                case["level"].as_str().unwrap().parse::<ExplanationLevel>(),
            ),
            other => panic!("unknown call {other}"),
        }
    }
}

#[test]
fn velocity_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    let v = &f["velocity"];
    for case in v["analyze"].as_array().unwrap() {
        let sprints: Vec<SprintRecord> = parse(&case["sprints"], "sprints").unwrap();
        let report = juno.velocity().analyze(&sprints).unwrap();
        check(case, &report, &case["expect"], tol);
        check_explain(case, |level| report.explain(level));
    }
    for case in v["analyze_teams"].as_array().unwrap() {
        let teams: BTreeMap<String, Vec<SprintRecord>> = parse(&case["teams"], "teams").unwrap();
        let reports = juno.velocity().analyze_teams(&teams).unwrap();
        let names: Vec<&str> = reports.keys().map(String::as_str).collect();
        let want: Vec<&str> = case["expect_teams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(names, want);
        check(case, &reports, &case["expect"], tol);
    }
    for case in v["invalid"].as_array().unwrap() {
        check_error(
            case,
            parse::<Vec<SprintRecord>>(&case["sprints"], "sprints")
                .and_then(|s| juno.velocity().analyze(&s)),
        );
    }
}

fn scan(
    juno: &Juno,
    tickets: &Value,
    case: &Value,
) -> juno_core::Result<Vec<juno_core::triage::TriageProposal>> {
    let tickets: Vec<Ticket> = parse(tickets, "tickets")?;
    let settings: TriageSettings = match &case["settings"] {
        Value::Null => TriageSettings::default(),
        s => parse(s, "settings")?,
    };
    match case["now"].as_str() {
        Some(now) => {
            let now: DateTime<Utc> = now.parse().unwrap();
            // The C replay reads the same time as milliseconds.
            assert_eq!(Some(now.timestamp_millis()), case["now_ms"].as_i64());
            juno.triage().scan_at(&tickets, &settings, now)
        }
        None => juno.triage().scan(&tickets, &settings),
    }
}

#[test]
fn triage_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    let t = &f["triage"];
    for case in t["scans"].as_array().unwrap() {
        let proposals = scan(&juno, &t["tickets"], case).unwrap();
        if let Some(want) = case.get("expect") {
            check(case, &proposals, want, tol);
        }
        if let Some(keys) = case.get("expect_keys") {
            let got: Vec<&str> = proposals.iter().map(|p| p.key.as_str()).collect();
            let want: Vec<&str> = keys
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap())
                .collect();
            assert_eq!(got, want, "{}", case["name"]);
        }
        if let Some(first) = proposals.first() {
            check_explain(case, |level| first.explain(level));
        }
    }
    for case in t["invalid"].as_array().unwrap() {
        let tickets = match case.get("ticket") {
            Some(ticket) => Value::Array(vec![ticket.clone()]),
            None => t["tickets"].clone(),
        };
        check_error(case, scan(&juno, &tickets, case));
    }
}

#[test]
fn monte_carlo_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let mc = &f["monte_carlo"];
    for case in mc["cases"].as_array().unwrap() {
        let input: MonteCarloInput = parse(&case["input"], "monte carlo input").unwrap();
        check(case, &monte_carlo(&input), &case["expect"], tol);
    }
    for case in mc["invalid"].as_array().unwrap() {
        let parsed = parse::<MonteCarloInput>(&case["input"], "monte carlo input");
        if case["refused_by"] == "validate" {
            // Well-formed JSON that the one check every surface runs refuses, by field.
            let input = parsed.unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
            check_error(case, input.validate());
        } else {
            check_error(case, parsed.and_then(|i| i.validate()));
        }
    }
}
