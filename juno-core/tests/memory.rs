//! Memory-layer behaviour through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Duration;
use juno_core::config::{Config, DatabaseUrl};
use juno_core::memory::{
    HistoryEvent, MemoryKind, MemoryUpdate, NewMemory, Outcome, OutcomeRecord, RecallQuery, Stance,
};
use juno_core::{ErrorKind, Juno, ManualClock};
use proptest::prelude::*;

const T0: i64 = 1_767_225_600_000;

fn engine() -> (Juno, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at_millis(T0));
    (
        Juno::open_in_memory().unwrap().with_clock(clock.clone()),
        clock,
    )
}

fn outcome(team: &str, action: &str, o: Outcome) -> OutcomeRecord {
    OutcomeRecord {
        team: team.into(),
        action: action.into(),
        outcome: o,
        subject: Some("ABC-1".into()),
        note: None,
        context: Vec::new(),
    }
}

#[test]
fn update_and_delete_keep_a_history() {
    let (juno, clock) = engine();
    let m = juno.memory();
    let a = m
        .store(NewMemory::new(MemoryKind::Semantic, "a", "first wording"))
        .unwrap();
    clock.advance(Duration::minutes(5));
    let b = m
        .update(
            a.id,
            MemoryUpdate {
                text: Some("second wording".into()),
                importance: Some(0.9),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(b.version, 2);
    assert_eq!(b.created_at, a.created_at);
    assert!(b.updated_at > a.updated_at);
    m.delete(a.id).unwrap();
    let h = m.history(a.id).unwrap();
    let events: Vec<HistoryEvent> = h.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        [
            HistoryEvent::Created,
            HistoryEvent::Updated,
            HistoryEvent::Deleted
        ]
    );
    assert_eq!(h[0].after.as_ref().unwrap().text, "first wording");
    assert_eq!(h[1].before.as_ref().unwrap().text, "first wording");
    assert_eq!(h[1].after.as_ref().unwrap().text, "second wording");
    assert_eq!(h[2].before.as_ref().unwrap().importance, 0.9);
    assert_eq!(m.get(a.id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(m.delete(a.id).unwrap_err().kind(), ErrorKind::NotFound);
    // The deleted memory is gone from recall too.
    assert!(m.recall(&RecallQuery::text("wording")).unwrap().is_empty());
}

#[test]
fn recall_counts_accesses_and_frequency_lifts_the_score() {
    let (juno, _) = engine();
    let m = juno.memory();
    let a = m
        .store(NewMemory::new(
            MemoryKind::Semantic,
            "a",
            "retro action items live in confluence",
        ))
        .unwrap();
    let b = m
        .store(NewMemory::new(
            MemoryKind::Semantic,
            "a",
            "retro action items live in jira",
        ))
        .unwrap();
    // Touch only `b` a few times through targeted queries.
    for _ in 0..3 {
        m.recall(&RecallQuery::text("jira").team("a")).unwrap();
    }
    let hits = m
        .recall(&RecallQuery::text("retro action items").team("a"))
        .unwrap();
    assert_eq!(
        hits[0].memory.id, b.id,
        "frequently recalled memory ranks first"
    );
    assert_eq!(hits[0].memory.access_count, 3);
    assert_eq!(m.get(a.id).unwrap().access_count, 1);
    let access = &hits[0].explanation.components[3];
    assert_eq!(access.name, "access");
    assert!(access.value > 0.0);
    // touch=false leaves counts alone.
    let mut q = RecallQuery::text("jira").team("a");
    q.touch = false;
    m.recall(&q).unwrap();
    assert_eq!(m.get(b.id).unwrap().access_count, 4);
}

#[test]
fn recency_decays_older_memories() {
    let (juno, clock) = engine();
    let m = juno.memory();
    let old = m
        .store(NewMemory::new(
            MemoryKind::Episodic,
            "a",
            "sprint 40 missed its goal",
        ))
        .unwrap();
    clock.advance(Duration::days(60));
    let new = m
        .store(NewMemory::new(
            MemoryKind::Episodic,
            "a",
            "sprint 42 missed its goal",
        ))
        .unwrap();
    let hits = m
        .recall(&RecallQuery::text("missed goal").team("a"))
        .unwrap();
    assert_eq!(hits[0].memory.id, new.id);
    assert_eq!(hits[1].memory.id, old.id);
    let r = &hits[1].explanation.components[1];
    assert!((r.value - 0.25).abs() < 1e-9, "two half-lives: {}", r.value);
    assert!(hits[0].explanation.render().contains("recency"));
}

#[test]
fn query_text_is_words_not_syntax() {
    let (juno, _) = engine();
    let m = juno.memory();
    m.store(NewMemory::new(
        MemoryKind::Semantic,
        "a",
        "release train leaves on thursday",
    ))
    .unwrap();
    for q in [
        "thursday\" OR 1=1 --",
        "NEAR(release train)",
        "text : thursday",
        "release*",
        "'; DROP TABLE memories; --",
    ] {
        let res = m.recall(&RecallQuery::text(q));
        assert!(res.is_ok(), "{q}: {res:?}");
    }
    assert_eq!(
        m.recall(&RecallQuery::text("NEAR(release train)"))
            .unwrap()
            .len(),
        1
    );
    // A search box with nothing searchable in it finds nothing; it is not an error.
    for q in ["!!! ???", "", "   "] {
        assert!(m.recall(&RecallQuery::text(q)).unwrap().is_empty(), "{q:?}");
    }
    assert_eq!(m.stats().unwrap().total, 1);
}

#[test]
fn bad_queries_are_typed_errors() {
    let (juno, _) = engine();
    let m = juno.memory();
    for json in [
        r#"{"limit": 0}"#,
        r#"{"min_confidence": 2}"#,
        r#"{"tags": ["x; DROP"]}"#,
        r#"{"kinds": ["dream"]}"#,
        r#"{"team": "a", "colour": "red"}"#,
        r#"{"text": "#,
    ] {
        let err = RecallQuery::from_json(json)
            .and_then(|q| m.recall(&q))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{json}: {err}");
    }
}

#[test]
fn store_many_is_all_or_nothing_and_names_the_bad_item() {
    let (juno, _) = engine();
    let m = juno.memory();
    m.store(NewMemory::new(MemoryKind::Semantic, "a", "already here"))
        .unwrap();
    let batch = vec![
        NewMemory::new(MemoryKind::Semantic, "a", "fine"),
        NewMemory::new(MemoryKind::Semantic, "a", "bad").with_importance(-0.1),
    ];
    let err = m.store_many(batch).unwrap_err();
    assert!(err.to_string().contains("items[1].importance"), "{err}");
    assert_eq!(m.stats().unwrap().total, 1);
    // A single store names the field without a batch index.
    let err = m
        .store(NewMemory::new(MemoryKind::Semantic, "a", "bad").with_importance(2.0))
        .unwrap_err();
    assert!(
        matches!(err, juno_core::Error::InvalidInput { ref field, .. } if field == "importance"),
        "{err}"
    );
}

#[test]
fn working_memories_end_with_their_session_or_ttl() {
    let (juno, clock) = engine();
    let m = juno.memory();
    m.store(NewMemory::new(MemoryKind::Working, "a", "scratch one").with_session("s1"))
        .unwrap();
    m.store(
        NewMemory::new(MemoryKind::Working, "a", "scratch two")
            .with_session("s2")
            .with_ttl_seconds(60),
    )
    .unwrap();
    assert_eq!(m.end_session("s1").unwrap(), 1);
    assert_eq!(m.recall(&RecallQuery::text("scratch")).unwrap().len(), 1);
    clock.advance(Duration::seconds(61));
    assert!(m.recall(&RecallQuery::text("scratch")).unwrap().is_empty());
    assert_eq!(m.stats().unwrap().expired, 1);
    assert_eq!(m.cleanup().unwrap(), 1);
    assert_eq!(m.stats().unwrap().total, 0);
}

#[test]
fn retention_removes_untouched_memories_only() {
    let clock = Arc::new(ManualClock::at_millis(T0));
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Memory;
    config.memory_retention_days = 30;
    let juno = Juno::open(config).unwrap().with_clock(clock.clone());
    let m = juno.memory();
    let kept = m
        .store(NewMemory::new(MemoryKind::Semantic, "a", "still in use"))
        .unwrap();
    m.store(NewMemory::new(MemoryKind::Semantic, "a", "forgotten fact"))
        .unwrap();
    clock.advance(Duration::days(20));
    m.recall(&RecallQuery::text("use")).unwrap();
    clock.advance(Duration::days(15));
    // 35 days after storing: the untouched one is past retention and is not recalled.
    assert!(
        m.recall(&RecallQuery::text("forgotten"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(m.cleanup().unwrap(), 1);
    assert_eq!(m.get(kept.id).unwrap().text, "still in use");
}

#[test]
fn preference_confidence_rises_with_evidence() {
    let (juno, _) = engine();
    let m = juno.memory();
    let mut last = 0.0;
    for round in 0..4 {
        for o in [
            Outcome::Rejected,
            Outcome::Rejected,
            Outcome::Approved,
            Outcome::Rejected,
            Outcome::Rejected,
        ] {
            m.record_outcome(&outcome("alpha", "auto_reassign", o))
                .unwrap();
        }
        let p = m.preference("alpha", "auto_reassign").unwrap().unwrap();
        assert_eq!(p.stance, Stance::Avoids);
        assert_eq!(p.total, 5 * (round + 1));
        assert!(
            p.confidence > last,
            "round {round}: {} <= {last}",
            p.confidence
        );
        last = p.confidence;
    }
    // One preference memory, not twenty.
    let prefs = m
        .recall(&RecallQuery::default().tags(["preference"]).limit(100))
        .unwrap();
    assert_eq!(prefs.len(), 1);
    assert_eq!(prefs[0].memory.provenance.derived_from.len(), 20);
    assert!(m.preference("alpha", "never_seen").unwrap().is_none());
}

#[test]
fn preference_learning_can_be_turned_off() {
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Memory;
    config.team_preference_learning = false;
    let juno = Juno::open(config).unwrap();
    let learned = juno
        .memory()
        .record_outcome(&outcome("a", "split_ticket", Outcome::Approved))
        .unwrap();
    assert!(learned.preference.is_none());
    assert!(
        juno.memory()
            .preference("a", "split_ticket")
            .unwrap()
            .is_none()
    );
}

#[test]
fn patterns_need_support_and_disappear_when_it_fades() {
    let (juno, _) = engine();
    let m = juno.memory();
    // 2 of 3 approved: support 0.67 < 0.7 → no pattern.
    for o in [Outcome::Approved, Outcome::Approved, Outcome::Rejected] {
        m.record_outcome(&outcome("beta", "split_ticket", o))
            .unwrap();
    }
    assert!(m.recognize_patterns(Some("beta")).unwrap().is_empty());
    // 4 of 5: a pattern.
    for o in [Outcome::Approved, Outcome::Approved] {
        m.record_outcome(&outcome("beta", "split_ticket", o))
            .unwrap();
    }
    let p = m.recognize_patterns(Some("beta")).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].result, "approved");
    let id = p[0].memory_id;
    assert_eq!(m.get(id).unwrap().kind, MemoryKind::Procedural);
    // Recognising again changes nothing.
    assert_eq!(m.recognize_patterns(None).unwrap(), p);
    assert_eq!(m.get(id).unwrap().version, 1);
    // Three rejections drop support to 4 of 8 = 0.5: the pattern is removed.
    for _ in 0..3 {
        m.record_outcome(&outcome("beta", "split_ticket", Outcome::Rejected))
            .unwrap();
    }
    assert!(m.recognize_patterns(Some("beta")).unwrap().is_empty());
    assert_eq!(m.get(id).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn disabled_memory_layer_says_so() {
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Memory;
    config.memory_enabled = false;
    let juno = Juno::open(config).unwrap();
    let err = juno
        .memory()
        .store(NewMemory::new(MemoryKind::Semantic, "a", "x"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert!(err.to_string().contains("MEMORY_ENABLED"));
}

#[test]
fn stats_count_by_kind_and_team() {
    let (juno, clock) = engine();
    let m = juno.memory();
    m.store(NewMemory::new(MemoryKind::Semantic, "a", "one"))
        .unwrap();
    clock.advance(Duration::hours(1));
    m.store(NewMemory::new(MemoryKind::Episodic, "b", "two"))
        .unwrap();
    let s = m.stats().unwrap();
    assert_eq!(s.total, 2);
    assert_eq!(s.by_kind["semantic"], 1);
    assert_eq!(s.by_kind["working"], 0);
    assert_eq!(s.by_team["b"]["episodic"], 1);
    assert_eq!(s.oldest.unwrap().timestamp_millis(), T0);
    assert_eq!(s.newest.unwrap().timestamp_millis(), T0 + 3_600_000);
    assert!(s.database_bytes > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever is stored and however time moves: recall never returns an expired memory,
    /// results are sorted, and cleanup deletes exactly what had expired.
    #[test]
    fn expired_memories_never_come_back(
        items in prop::collection::vec((1i64..500, 0.0f64..=1.0, prop::bool::ANY, 0usize..3), 1..40),
        advance in 0i64..600,
    ) {
        let (juno, clock) = engine();
        let m = juno.memory();
        let words = ["deploy", "review", "estimate"];
        let batch: Vec<NewMemory> = items
            .iter()
            .map(|(ttl, imp, expiring, w)| {
                let n = NewMemory::new(MemoryKind::Semantic, "a", format!("{} item", words[*w])).with_importance(*imp);
                if *expiring { n.with_ttl_seconds(*ttl) } else { n }
            })
            .collect();
        m.store_many(batch).unwrap();
        clock.advance(Duration::seconds(advance));
        let expected_expired = items.iter().filter(|(ttl, _, e, _)| *e && *ttl <= advance).count() as u64;
        let mut q = RecallQuery::text("deploy review estimate item").limit(1000);
        q.touch = false;
        let hits = m.recall(&q).unwrap();
        let now = juno.now();
        for h in &hits {
            prop_assert!(h.memory.expires_at.is_none_or(|e| e > now));
        }
        for w in hits.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
        }
        prop_assert_eq!(hits.len() as u64, items.len() as u64 - expected_expired);
        prop_assert_eq!(m.cleanup().unwrap(), expected_expired);
    }
}

/// Cleanup has two strategies (re-index survivors when most rows go, delete index rows one
/// by one otherwise); both must leave a consistent, searchable index.
#[test]
fn cleanup_keeps_the_index_consistent_either_way() {
    for (expiring, live) in [(90usize, 10usize), (10, 90)] {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::at_millis(T0));
        let juno = Juno::open_path(dir.path().join("c.db"))
            .unwrap()
            .with_clock(clock.clone());
        let m = juno.memory();
        let mut batch: Vec<NewMemory> = (0..expiring)
            .map(|i| {
                NewMemory::new(MemoryKind::Episodic, "a", format!("temporary note {i}"))
                    .with_ttl_seconds(60)
            })
            .collect();
        batch.extend((0..live).map(|i| {
            NewMemory::new(
                MemoryKind::Semantic,
                if i % 2 == 0 { "a" } else { "b" },
                format!("durable note {i}"),
            )
            .with_user("ana")
        }));
        m.store_many(batch).unwrap();
        clock.advance(Duration::seconds(120));
        assert_eq!(m.cleanup().unwrap(), expiring as u64);
        assert!(juno.check().unwrap().ok, "index check after cleanup");
        let mut q = RecallQuery::text("note").limit(1000);
        assert_eq!(m.recall(&q).unwrap().len(), live);
        q.team = Some("a".into());
        assert_eq!(m.recall(&q).unwrap().len(), live / 2);
        q.user = Some("ana".into());
        assert_eq!(m.recall(&q).unwrap().len(), live / 2);
        assert!(
            m.recall(&RecallQuery::text("temporary"))
                .unwrap()
                .is_empty()
        );
    }
}

/// BM25's IDF is (almost) zero for a word in more than half of a team's memories; a
/// matching memory must still earn text relevance for the words it contains.
#[test]
fn a_matching_memory_in_a_small_team_earns_text_relevance() {
    let (juno, _) = engine();
    let m = juno.memory();
    m.store(NewMemory::new(
        MemoryKind::Semantic,
        "solo",
        "alpha splits stories above 8 points",
    ))
    .unwrap();
    let hits = m
        .recall(&RecallQuery::text("split stories").team("solo"))
        .unwrap();
    let text = &hits[0].explanation.components[0];
    assert!(
        (text.value - 0.25).abs() < 1e-3,
        "one of two words present: {}",
        text.value
    );
    let terms = &hits[0].explanation.terms;
    assert_eq!(terms[0].term, "split");
    assert!(
        terms[0].contribution < 1e-6,
        "`split` is not a word of the memory"
    );
    assert!(terms[1].contribution > 0.1, "`stories` is");
    assert!(
        text.evidence.contains("1 of 2 query words"),
        "{}",
        text.evidence
    );
}
