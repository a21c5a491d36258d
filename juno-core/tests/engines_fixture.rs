//! Replays `tests/fixtures/engines_fixture.json`, which the C and Python tests replay too:
//! the reasoning, velocity and triage components of a [`Juno`] and the Monte Carlo
//! simulation, against expected outputs that are checked by hand where possible.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::forecast::{MonteCarloInput, monte_carlo};
use juno_core::memory::{Outcome, OutcomeRecord};
use juno_core::reasoning::{Calibration, Confidence, Evidence, ExplanationLevel};
use juno_core::triage::{Ticket, TriageSettings};
use juno_core::velocity::SprintRecord;
use juno_core::{Juno, ManualClock};
use serde_json::Value;

use common::{check_error, check_explain, parse};

fn fixture() -> Value {
    common::read("engines_fixture.json")
}

/// `common::check` within `tol`, or exactly when the case says `"exact": true`.
fn check(case: &Value, got: &impl serde::Serialize, want: &Value, tol: f64) {
    let exact = case["exact"].as_bool().unwrap_or(false);
    common::check(&case["name"], got, want, if exact { 0.0 } else { tol });
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
                        context: Vec::new(),
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
        let input: MonteCarloInput = parse(&case["input"], "input").unwrap();
        check(case, &monte_carlo(&input), &case["expect"], tol);
    }
    for case in mc["invalid"].as_array().unwrap() {
        let parsed = parse::<MonteCarloInput>(&case["input"], "input");
        if case["refused_by"] == "validate" {
            // Well-formed JSON that the one check every surface runs refuses, by field.
            let input = parsed.unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
            check_error(case, input.validate());
        } else {
            check_error(case, parsed.and_then(|i| i.validate()));
        }
    }
}
