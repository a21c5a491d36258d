//! Replays `tests/fixtures/governance_fixture.json`, which the C and Python tests replay too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use juno_core::governance::{Action, Executor, Proposal, RequestId};
use juno_core::model::Role;
use juno_core::{Config, Juno, ManualClock};
use serde_json::Value;

/// Records what it was asked to run.
#[derive(Default)]
struct Recorder(Vec<Action>);

impl Executor for Recorder {
    fn execute(&mut self, action: &Action) -> Result<Value, String> {
        self.0.push(action.clone());
        Ok(serde_json::json!({ "ok": true }))
    }
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/governance_fixture.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check<T: std::fmt::Debug>(
    res: juno_core::Result<T>,
    step: &Value,
    status_of: impl Fn(&T) -> String,
) {
    let why = step["why"].as_str().unwrap_or("");
    match (&res, step.get("expect_error"), step.get("expect_status")) {
        (Err(e), Some(want), _) => {
            assert_eq!(e.kind().as_str(), want.as_str().unwrap(), "{why}: {e}")
        }
        (Ok(v), _, Some(want)) => assert_eq!(status_of(v), want.as_str().unwrap(), "{why}"),
        _ => panic!("step {step}: got {res:?}"),
    }
}

#[test]
fn governance_fixture_replays() {
    let f = fixture();
    let settings: BTreeMap<String, String> = serde_json::from_value(f["settings"].clone()).unwrap();
    let mut config = Config::from_settings(&settings).unwrap();
    config.database_url = juno_core::config::DatabaseUrl::Memory;
    let clock = Arc::new(ManualClock::at_millis(f["now_ms"].as_i64().unwrap()));
    let juno = Juno::open(config).unwrap().with_clock(clock.clone());
    let gov = juno.governance();

    for r in f["roles"].as_array().unwrap() {
        let role: Role = r["role"].as_str().unwrap().parse().unwrap();
        let teams: Vec<&str> = r["teams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        gov.assign_role(
            r["user"].as_str().unwrap(),
            role,
            &teams,
            "admin@company.com",
        )
        .unwrap();
    }

    let mut ids: BTreeMap<String, RequestId> = BTreeMap::new();
    let mut actions: BTreeMap<String, Action> = BTreeMap::new();
    for r in f["requests"].as_array().unwrap() {
        let req: Proposal = serde_json::from_value(r["request"].clone()).unwrap();
        let name = r["name"].as_str().unwrap().to_owned();
        actions.insert(name.clone(), req.action.clone());
        let stored = gov.submit(req).unwrap();
        assert_eq!(
            stored.status.as_str(),
            r["expect_status"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            stored.role.as_str(),
            r["expect_role"].as_str().unwrap(),
            "{name}"
        );
        ids.insert(name, stored.id);
    }

    for d in f["decisions"].as_array().unwrap() {
        let id = ids[d["request"].as_str().unwrap()];
        let user = d["user"].as_str().unwrap();
        let res = match d["op"].as_str().unwrap() {
            "approve" => {
                let digest = d["digest"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| gov.get(id).unwrap().digest);
                gov.approve(id, user, &digest)
            }
            "reject" => gov.reject(id, user, d["reason"].as_str().unwrap()),
            "cancel" => gov.cancel(id, user),
            other => panic!("unknown op {other}"),
        };
        check(res, d, |r| r.status.as_str().to_owned());
    }

    let names = |v: &[RequestId]| -> Vec<String> {
        v.iter()
            .map(|id| ids.iter().find(|(_, i)| *i == id).unwrap().0.clone())
            .collect()
    };
    for step in f["deadlines"].as_array().unwrap() {
        clock.advance(Duration::hours(step["advance_hours"].as_i64().unwrap()));
        let report = gov.process_deadlines().unwrap();
        let want = |k: &str| -> Vec<String> { serde_json::from_value(step[k].clone()).unwrap() };
        assert_eq!(
            names(&report.escalated),
            want("expect_escalated"),
            "{}",
            step["why"]
        );
        assert_eq!(
            names(&report.expired),
            want("expect_expired"),
            "{}",
            step["why"]
        );
    }

    let mut recorder = Recorder::default();
    for e in f["executions"].as_array().unwrap() {
        let name = e["request"].as_str().unwrap();
        let action: Action = if e["action"].is_null() {
            actions[name].clone()
        } else {
            serde_json::from_value(e["action"].clone()).unwrap()
        };
        let res = gov.execute(ids[name], &action, &mut recorder);
        check(res, e, |r| r.status.as_str().to_owned());
    }
    assert_eq!(
        recorder.0.len() as u64,
        f["expect_executed_actions"].as_u64().unwrap()
    );

    for (name, want) in f["expect_final_status"].as_object().unwrap() {
        assert_eq!(
            gov.get(ids[name]).unwrap().status.as_str(),
            want.as_str().unwrap(),
            "{name}"
        );
    }

    let verify = juno.audit().verify(None).unwrap();
    assert_eq!(
        verify.ok,
        f["expect_audit"]["ok"].as_bool().unwrap(),
        "{verify:?}"
    );
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for e in juno.audit().entries(1, 10_000).unwrap() {
        *counts.entry(e.event).or_default() += 1;
    }
    let want: BTreeMap<String, u64> =
        serde_json::from_value(f["expect_audit"]["events"].clone()).unwrap();
    assert_eq!(counts, want);

    let report = gov.compliance_report().unwrap();
    assert_eq!(
        report.violations,
        f["expect_compliance"]["violations"].as_u64().unwrap()
    );
    let rules: Vec<String> = report.findings.iter().map(|x| x.rule.clone()).collect();
    let want: Vec<String> =
        serde_json::from_value(f["expect_compliance"]["rules"].clone()).unwrap();
    assert_eq!(rules, want, "{report:#?}");
}
