//! Replays `tests/fixtures/forecast_fixture.json`, which the C and Python tests replay too:
//! sprint forecasts whose category scores follow the formulas of `forecast::risk`, batches,
//! bad input, a record → retrain → forecast round trip through a stored model, and the
//! flow analysis of `tests/fixtures/flow_fixture.json`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::flow::{FlowInput, FlowReport, FlowSettings, analyze};
use juno_core::forecast::{SprintForecast, SprintObservation, SprintState, TeamHistory};
use juno_core::reasoning::ExplanationLevel;
use juno_core::{Juno, ManualClock};
use serde_json::Value;

use common::{check, check_error, check_explain, parse, read};

fn fixture() -> Value {
    read("forecast_fixture.json")
}

/// A history as the surfaces read one: `null` or absent is no history.
fn history(v: &Value) -> juno_core::Result<TeamHistory> {
    match v {
        Value::Null => Ok(TeamHistory::default()),
        h => parse(h, "history"),
    }
}

fn engine(f: &Value) -> Juno {
    Juno::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(
            f["now_ms"].as_i64().unwrap(),
        )))
}

fn forecast(juno: &Juno, state: &Value, hist: &Value) -> juno_core::Result<SprintForecast> {
    let state: SprintState = parse(state, "state")?;
    juno.forecast().sprint(&state, &history(hist)?)
}

fn items(v: &Value) -> juno_core::Result<Vec<(SprintState, TeamHistory)>> {
    v.as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let what = format!("items[{i}]");
            Ok((parse(&item["state"], &what)?, history(&item["history"])?))
        })
        .collect()
}

#[test]
fn sprint_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    for case in f["sprint"].as_array().unwrap() {
        let fc = forecast(&juno, &case["state"], &case["history"]).unwrap();
        check(&case["name"], &fc, &case["expect"], tol);
        check_explain(case, |level| fc.explain(level));
        // Each category's contribution is score × weight and the overall is their sum.
        let sum: f64 = fc.categories.iter().map(|c| c.factor.contribution).sum();
        assert!((sum - fc.overall).abs() < 1e-12, "{}", case["name"]);
        // The forecast crosses the surfaces as JSON and explains the same from there.
        let back: SprintForecast =
            serde_json::from_value(serde_json::to_value(&fc).unwrap()).unwrap();
        assert_eq!(back, fc);
        assert_eq!(
            back.explain(ExplanationLevel::Verbose),
            fc.explain(ExplanationLevel::Verbose)
        );
    }
    for case in f["sprints"].as_array().unwrap() {
        let batch = juno
            .forecast()
            .sprints(&items(&case["items"]).unwrap())
            .unwrap();
        check(&case["name"], &batch, &case["expect"], tol);
        // A batch is the single forecasts, in order.
        for (fc, item) in batch.iter().zip(case["items"].as_array().unwrap()) {
            assert_eq!(
                fc,
                &forecast(&juno, &item["state"], &item["history"]).unwrap()
            );
        }
    }
}

#[test]
fn invalid_cases_are_refused_by_field() {
    let f = fixture();
    let juno = engine(&f);
    let first = &f["sprint"][0];
    let fc = forecast(&juno, &first["state"], &first["history"]).unwrap();
    for case in f["invalid"].as_array().unwrap() {
        match case["call"].as_str().unwrap() {
            "sprint" => check_error(case, forecast(&juno, &case["state"], &case["history"])),
            "sprints" => check_error(
                case,
                items(&case["items"]).and_then(|i| juno.forecast().sprints(&i)),
            ),
            "record" => check_error(
                case,
                parse::<SprintObservation>(&case["observation"], "observation")
                    .and_then(|o| juno.forecast().record(&o)),
            ),
            "explain" => check_error(
                case,
                case["level"]
                    .as_str()
                    .unwrap()
                    .parse::<ExplanationLevel>()
                    .map(|l| fc.explain(l)),
            ),
            other => panic!("unknown call {other}"),
        }
    }
    // Nothing invalid was recorded.
    assert!(juno.forecast().observations().unwrap().is_empty());
}

#[test]
fn record_retrain_forecast_round_trip() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    let rt = &f["round_trip"];
    let observations: Vec<SprintObservation> = parse(&rt["observations"], "observations").unwrap();
    assert!(observations.len() >= 30);
    for (n, step) in rt["steps"].as_array().unwrap().iter().enumerate() {
        let name = Value::String(format!("round_trip.steps[{n}] {}", step["do"]));
        match step["do"].as_str().unwrap() {
            "record" => {
                let range = step["range"].as_array().unwrap();
                let (from, to) = (
                    range[0].as_u64().unwrap() as usize,
                    range[1].as_u64().unwrap() as usize,
                );
                for o in &observations[from..to] {
                    let replaced = juno.forecast().record(o).unwrap();
                    check(
                        &name,
                        &serde_json::json!({ "replaced": replaced }),
                        &step["expect"],
                        tol,
                    );
                }
            }
            "retrain" => check(
                &name,
                &juno.forecast().retrain().unwrap(),
                &step["expect"],
                tol,
            ),
            "model" => check(
                &name,
                &juno.forecast().model().unwrap(),
                &step["expect"],
                tol,
            ),
            "observations" => {
                let got: Vec<String> = juno
                    .forecast()
                    .observations()
                    .unwrap()
                    .into_iter()
                    .map(|o| o.state.sprint)
                    .collect();
                let want: Vec<String> = parse(&step["expect_sprints"], "sprints").unwrap();
                assert_eq!(got, want);
            }
            "forecast" => {
                let fc = forecast(&juno, &step["state"], &step["history"]).unwrap();
                check(&name, &fc, &step["expect"], tol);
                if let Some(range) = step["p_deliver_80_between"].as_array() {
                    let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
                    assert!(
                        (lo..=hi).contains(&fc.p_deliver_80),
                        "{name}: p = {} outside [{lo}, {hi}]",
                        fc.p_deliver_80
                    );
                }
            }
            other => panic!("unknown step {other}"),
        }
    }
}

fn flow_case(juno: &Juno, case: &Value, base: &Value) -> juno_core::Result<FlowReport> {
    let input: FlowInput = match case.get("input") {
        Some(i) => parse(i, "input")?,
        None => parse(&base["input"], "input")?,
    };
    let settings: FlowSettings = match case.get("settings") {
        Some(s) => parse(s, "settings")?,
        None => FlowSettings::default(),
    };
    let now: DateTime<Utc> = match case["now_ms"].as_i64() {
        Some(ms) => DateTime::from_timestamp_millis(ms).unwrap(),
        None => juno.now(),
    };
    analyze(&input, &settings, now)
}

#[test]
fn flow_cases_replay() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let juno = engine(&f);
    let flow = &f["flow"];
    let base = read(flow["input_from"].as_str().unwrap());
    for case in flow["cases"].as_array().unwrap() {
        let report = flow_case(&juno, case, &base).unwrap();
        check(&case["name"], &report, &case["expect"], tol);
    }
    for case in flow["invalid"].as_array().unwrap() {
        check_error(case, flow_case(&juno, case, &base));
    }
}
