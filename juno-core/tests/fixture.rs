//! Replays `tests/fixtures/memory_fixture.json`, which the C and Python tests replay too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use juno_core::memory::{HistoryEvent, NewMemory, Outcome, OutcomeRecord, RecallQuery};
use juno_core::{Juno, ManualClock};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/memory_fixture.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(hits: &[juno_core::RecallHit]) -> Vec<String> {
    hits.iter().map(|h| h.memory.key.clone().unwrap()).collect()
}

fn check_recalls(juno: &Juno, cases: &Value) {
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let q: RecallQuery = serde_json::from_value(case["query"].clone()).unwrap();
        let hits = juno.memory().recall(&q).unwrap();
        let got = keys(&hits);
        if let Some(order) = case.get("expect_order") {
            let want: Vec<String> = serde_json::from_value(order.clone()).unwrap();
            assert_eq!(got, want, "{name}");
        }
        if let Some(first) = case.get("expect_first") {
            assert_eq!(got.first().map(String::as_str), first.as_str(), "{name}");
        }
        if let Some(set) = case.get("expect_set") {
            let want: BTreeSet<String> = serde_json::from_value(set.clone()).unwrap();
            assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), want, "{name}");
        }
        // Scores are sorted and each explanation adds up to its score.
        for pair in hits.windows(2) {
            assert!(pair[0].score >= pair[1].score, "{name}: not sorted");
        }
        for h in &hits {
            let sum: f64 = h
                .explanation
                .components
                .iter()
                .map(|c| c.contribution)
                .sum();
            assert!(
                (sum - h.score).abs() < 1e-9,
                "{name}: components do not add up"
            );
            if q.text.is_some() {
                let text = h.explanation.components[0].contribution;
                let terms: f64 = h.explanation.terms.iter().map(|t| t.contribution).sum();
                assert!(
                    (terms - text).abs() < 1e-6,
                    "{name}: terms {terms} != text {text}"
                );
            }
        }
    }
}

#[test]
fn memory_fixture_replays() {
    let f = fixture();
    let clock = Arc::new(ManualClock::at_millis(f["now_ms"].as_i64().unwrap()));
    let juno = Juno::open_in_memory().unwrap().with_clock(clock.clone());
    let mem = juno.memory();
    let items: Vec<NewMemory> = serde_json::from_value(f["memories"].clone()).unwrap();
    let n = items.len() as u64;
    mem.store_many(items).unwrap();
    assert_eq!(mem.stats().unwrap().total, n);

    check_recalls(&juno, &f["recalls_at_now"]);

    let up: NewMemory = serde_json::from_value(f["upsert"]["memory"].clone()).unwrap();
    let stored = mem.store(up).unwrap();
    assert_eq!(
        u64::from(stored.version),
        f["upsert"]["expect_version"].as_u64().unwrap()
    );
    assert_eq!(mem.stats().unwrap().total, n, "upsert must not duplicate");
    let events: Vec<Value> = mem
        .history(stored.id)
        .unwrap()
        .iter()
        .map(|h| serde_json::to_value(h.event).unwrap())
        .collect();
    assert_eq!(Value::Array(events), f["upsert"]["expect_history_events"]);

    for bad in f["invalid"].as_array().unwrap() {
        let res = NewMemory::from_json(bad["json"].as_str().unwrap()).and_then(|m| mem.store(m));
        let err = res.expect_err(bad["name"].as_str().unwrap());
        assert_eq!(
            err.kind().as_str(),
            bad["error_kind"].as_str().unwrap(),
            "{err}"
        );
        assert_eq!(
            mem.stats().unwrap().total,
            n,
            "a rejected input changed the store"
        );
    }

    clock.advance(chrono::Duration::seconds(
        f["advance_seconds"].as_i64().unwrap(),
    ));
    check_recalls(&juno, &f["recalls_after_advance"]);
    assert_eq!(
        mem.cleanup().unwrap(),
        f["cleanup_deleted"].as_u64().unwrap()
    );
    let stats = serde_json::to_value(mem.stats().unwrap()).unwrap();
    assert_eq!(stats["total"], f["stats_after_cleanup"]["total"]);
    assert_eq!(stats["by_kind"], f["stats_after_cleanup"]["by_kind"]);
}

#[test]
fn learning_fixture_replays() {
    let f = fixture();
    let l = &f["learning"];
    let juno = Juno::open_in_memory().unwrap();
    let mem = juno.memory();
    let team = l["team"].as_str().unwrap();
    let action = l["action"].as_str().unwrap();
    for o in l["outcomes"].as_array().unwrap() {
        let outcome: Outcome = serde_json::from_value(o.clone()).unwrap();
        mem.record_outcome(&OutcomeRecord {
            team: team.into(),
            action: action.into(),
            outcome,
            subject: None,
            note: None,
            context: Vec::new(),
        })
        .unwrap();
    }
    let p = serde_json::to_value(mem.preference(team, action).unwrap().unwrap()).unwrap();
    let want = &l["expect_preference"];
    for field in [
        "stance",
        "approved",
        "rejected",
        "reverted",
        "total",
        "acceptance_rate",
    ] {
        assert_eq!(p[field], want[field], "{field}");
    }
    let tol = want["confidence_tolerance"].as_f64().unwrap();
    assert!((p["confidence"].as_f64().unwrap() - want["confidence"].as_f64().unwrap()).abs() < tol);

    let patterns = mem.recognize_patterns(Some(team)).unwrap();
    assert_eq!(patterns.len(), 1);
    let got = serde_json::to_value(&patterns[0]).unwrap();
    for field in ["event", "result", "support", "supporting", "total"] {
        assert_eq!(got[field], l["expect_pattern"][field], "{field}");
    }
    // The pattern links to exactly the episodes that support it.
    let pm = mem.get(patterns[0].memory_id).unwrap();
    assert_eq!(pm.provenance.derived_from, patterns[0].episode_ids);
    for id in &patterns[0].episode_ids {
        assert!(
            mem.get(*id)
                .unwrap()
                .tags
                .contains(&"result:rejected".to_string())
        );
    }
    let _ = HistoryEvent::Created;
}
