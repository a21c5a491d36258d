//! Replays `tests/fixtures/cycle_fixture.json`, which the C (`tests/c/test_cycle.c`) and
//! Python (`python/tests/test_cycle_fixture.py`) tests replay too: an agent cycle over the
//! seeded simulated organisation, an approval between cycles, a second cycle that executes
//! it, and a refused cycle. The expected reports were produced by this replay and are
//! hard-coded in the fixture, so this is also a regression test of the whole cycle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use chrono::Duration;
use juno_core::agent::{CycleOptions, CycleReport};
use juno_core::executor::{RecordingExecutor, Write};
use juno_core::source::sim::{SimSettings, SimSource};
use juno_core::{Juno, ManualClock};
use serde_json::Value;

fn fixture() -> Value {
    common::read("cycle_fixture.json")
}

/// One cycle as of the engine's clock, with the fixture's simulated organisation as the
/// source and the recording executor.
fn cycle(
    juno: &Juno,
    f: &Value,
    options: &CycleOptions,
    executor: &mut RecordingExecutor,
) -> juno_core::Result<CycleReport> {
    let settings: SimSettings = common::parse(&f["sim"], "settings")?;
    let mut sim = SimSource::new(settings)?;
    juno.agent().run_cycle(Some(&mut sim), executor, options)
}

/// The report contains `expect` (the subset rule, numbers within `tol`), and every `writes`
/// array of a proposal or an executed action is exactly the expected one.
fn check_report(stage: &str, report: &CycleReport, expect: &Value, tol: f64) {
    let got = serde_json::to_value(report).unwrap();
    if let Err(e) = common::matches(&got, expect, tol, stage) {
        panic!("{e}");
    }
    for list in ["proposals", "executed"] {
        let (got, want) = (
            got[list].as_array().unwrap(),
            expect[list].as_array().unwrap(),
        );
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert_eq!(g["writes"], w["writes"], "{stage}.{list}[{i}].writes");
        }
    }
    // The wall-clock fields the fixture leaves out are there, so leaving them out is a
    // choice, not a report that lacks them.
    assert!(got["timings_ms"].is_object() && got["sync"]["millis"].is_number());
}

#[test]
fn cycle_fixture_replays() {
    let f = fixture();
    let tol = f["tolerance"].as_f64().unwrap();
    let now_ms = f["now_ms"].as_i64().unwrap();
    let settings: SimSettings = common::parse(&f["sim"], "settings").unwrap();
    assert_eq!(
        settings.end.timestamp_millis(),
        now_ms,
        "the fixture's clock is the simulation's end"
    );
    assert_eq!(
        settings
            .end
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        f["now"].as_str().unwrap()
    );
    let options: CycleOptions = common::parse(&f["options"], "options").unwrap();
    let clock = Arc::new(ManualClock::at_millis(now_ms));
    let juno = Juno::open_in_memory().unwrap().with_clock(clock.clone());
    let mut executor = RecordingExecutor::new();

    // (1) The first cycle proposes and waits for people.
    let first = cycle(&juno, &f, &options, &mut executor).unwrap();
    check_report("first_cycle", &first, &f["first_cycle"]["expect"], tol);
    assert!(executor.log.is_empty(), "nothing was approved yet");

    // (2) A person with the role it waits for approves one proposal, by its digest.
    let a = &f["approve"];
    let p = &first.proposals[a["proposal"].as_u64().unwrap() as usize];
    let id = p.request_id.unwrap();
    let user = a["user"].as_str().unwrap();
    juno.governance()
        .assign_role(
            user,
            p.waits_for.unwrap(),
            &[&p.team],
            a["by"].as_str().unwrap(),
        )
        .unwrap();
    let digest = juno.governance().get(id).unwrap().digest;
    let approved = juno.governance().approve(id, user, &digest).unwrap();
    assert_eq!(
        approved.status.as_str(),
        a["expect_status"].as_str().unwrap()
    );

    // (3) An hour later the next cycle executes it, once, proposes nothing again, and
    // proposes what the first cycle's cap left out.
    let s = &f["second_cycle"];
    clock.advance(Duration::hours(s["advance_hours"].as_i64().unwrap()));
    let second = cycle(&juno, &f, &options, &mut executor).unwrap();
    check_report("second_cycle", &second, &s["expect"], tol);
    assert_eq!(
        juno.governance().get(id).unwrap().status.as_str(),
        s["expect_request_status"].as_str().unwrap()
    );
    // The recording executor made the approved writes once each (comments carry the
    // approval's attribution on top of the planned text).
    let logged: Vec<_> = executor.log.iter().filter(|(r, _)| *r == id).collect();
    assert_eq!(logged.len(), p.writes.len());
    for ((_, got), want) in logged.iter().zip(&p.writes) {
        match (got, want) {
            (Write::Comment { key, body }, Write::Comment { key: k, body: b }) => {
                assert!(key == k && body.starts_with(b.as_str()), "{got:?}");
                assert!(body.contains(&format!("approval request #{id}")), "{body}");
            }
            _ => assert_eq!(got, want),
        }
    }
    assert_eq!(executor.log.len(), logged.len(), "nothing else ran");

    // A refused cycle names its bad option and stores nothing.
    for case in f["invalid"].as_array().unwrap() {
        let options = common::parse::<CycleOptions>(&case["options"], "options");
        let res = options.and_then(|o| cycle(&juno, &f, &o, &mut executor));
        common::check_error(case, res);
    }
    assert_eq!(
        juno.agent().cycles(100).unwrap().len() as u64,
        f["expect_cycles_stored"].as_u64().unwrap()
    );
}
