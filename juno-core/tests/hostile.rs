//! Hostile text reaches the database only as parameters (issue #12): SQL and full-text
//! query syntax in every text field a caller controls is either refused as invalid input
//! or stored and read back byte for byte, and the schema, the file's integrity and the
//! audit chain are unchanged by it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use juno_core::governance::{Action, Proposal, RequestStatus};
use juno_core::memory::{MemoryKind, NewMemory, RecallQuery};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Error, Juno};

/// Strings an attacker would try: statement breaks, comment tails, quote games, LIKE and
/// GLOB wildcards, FTS5 query syntax, control characters, non-ASCII and a long one.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "'; DROP TABLE memories; --",
        "Robert'); DROP TABLE audit_log;--",
        "\" OR 1=1 --",
        "x' OR '1'='1",
        "1; UPDATE approval_requests SET status='approved'",
        "%_%",
        "*",
        "\"unbalanced",
        "text: NEAR(a b, 2) OR team_text:*",
        "^start AND NOT x",
        "a\u{0}b",
        "tab\tnew\nline\r",
        "ünïcödé ✓ 名前",
        "/* comment */ SELECT 1",
        "') UNION SELECT sql FROM sqlite_master --",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push("'".repeat(10_000));
    v
}

fn schema(juno: &Juno, path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    drop(juno.check().unwrap());
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Either refused as invalid input naming a field, or `Ok`: never a storage error.
fn refused_or<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(Error::InvalidInput { field, reason }) => {
            assert!(!reason.is_empty(), "{what}: refused without a reason");
            assert!(!field.is_empty(), "{what}: refused without a field");
            None
        }
        Err(e) => panic!("{what}: {e:?}"),
    }
}

#[test]
fn hostile_text_in_every_field_is_data_not_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.db");
    let juno = Juno::open_path(&path).unwrap();
    let g = juno.governance();
    g.assign_role("ana", Role::TeamLead, &["alpha"], "admin")
        .unwrap();
    let before = schema(&juno, &path);
    let (mut stored, mut full, mut requests) = (0, 0, 0);
    for (i, s) in hostile().into_iter().enumerate() {
        // Memory: text, content, key, tags, user, project, session; the team as given.
        let m = NewMemory::new(MemoryKind::Semantic, "alpha", s.clone())
            .with_key(format!("k{i}-{s}"))
            .with_content(serde_json::json!({ "note": s }))
            .with_user(s.clone())
            .with_project(s.clone());
        if let Some(m) = refused_or(juno.memory().store(m), "store") {
            stored += 1;
            full += 1;
            let back = juno.memory().get(m.id).unwrap();
            assert_eq!(back.text, s);
            assert_eq!(back.content["note"], serde_json::json!(s));
            assert_eq!(back.key.as_deref(), Some(format!("k{i}-{s}").as_str()));
        }
        let working =
            NewMemory::new(MemoryKind::Working, "alpha", "scratch").with_session(s.clone());
        if let Some(m) = refused_or(juno.memory().store(working), "store(session)") {
            stored += 1;
            assert_eq!(
                juno.memory().get(m.id).unwrap().session.as_deref(),
                Some(s.as_str())
            );
        }
        // Tags have a character set: refused, or kept as given.
        let tagged = NewMemory::new(MemoryKind::Semantic, "alpha", "tagged").with_tags([s.clone()]);
        if let Some(m) = refused_or(juno.memory().store(tagged), "store(tags)") {
            stored += 1;
            assert_eq!(juno.memory().get(m.id).unwrap().tags, vec![s.clone()]);
        }
        // Plain text only (no optional fields), so it is surely stored.
        let m = juno
            .memory()
            .store(NewMemory::new(MemoryKind::Episodic, "alpha", s.clone()))
            .unwrap();
        stored += 1;
        assert_eq!(juno.memory().get(m.id).unwrap().text, s);
        // A team named by an attacker: refused or kept apart, never interpreted.
        let team = NewMemory::new(MemoryKind::Episodic, s.clone(), "x");
        if refused_or(juno.memory().store(team), "store(team)").is_some() {
            stored += 1;
        }
        // Search with the string as the query text, the team and a tag.
        // Query syntax and wildcards never widen a search past its team.
        let hits = refused_or(
            juno.memory()
                .recall(&RecallQuery::text(s.clone()).team("alpha")),
            "recall(text)",
        )
        .unwrap_or_default();
        assert!(hits.iter().all(|h| h.memory.scope.team == "alpha"));
        let hits = refused_or(
            juno.memory()
                .recall(&RecallQuery::text("x").team(s.clone())),
            "recall(team)",
        )
        .unwrap_or_default();
        assert!(
            hits.iter().all(|h| h.memory.scope.team == s),
            "{s:?} matched other teams"
        );
        refused_or(
            juno.memory()
                .recall(&RecallQuery::text("note").tags([s.clone()])),
            "recall(tags)",
        );
        // Governance: kind, target, parameters, explanation, requester, reasons, users.
        let p = Proposal {
            action: Action {
                kind: "triage.escalate".into(),
                team: "alpha".into(),
                target: Some(s.clone()),
                parameters: serde_json::json!({ "why": s }),
            },
            impact: ImpactLevel::Medium,
            confidence: 0.5,
            explanation: s.clone(),
            requester: format!("juno-{i}").into(),
            raw_confidence: None,
            calibration: None,
        };
        if let Some(r) = refused_or(g.submit(p), "submit") {
            requests += 1;
            let back = g.get(r.id).unwrap();
            assert_eq!(back.action.target.as_deref(), Some(s.as_str()));
            assert_eq!(back.explanation, s);
            assert_eq!(back.action.parameters["why"], serde_json::json!(s));
            if let Some(r) = refused_or(g.reject(r.id, "ana", &s), "reject(reason)") {
                assert_eq!(r.reason.as_deref(), Some(s.as_str()));
                let trail = juno
                    .audit()
                    .entries_for(&format!("request:{}", r.id))
                    .unwrap();
                assert!(trail.iter().any(|e| {
                    e.payload
                        .to_string()
                        .contains(serde_json::to_string(&s).unwrap().trim_matches('"'))
                }));
            }
        }
        let kinds = Proposal {
            action: Action {
                kind: s.clone(),
                team: s.clone().into(),
                target: None,
                parameters: serde_json::json!({}),
            },
            impact: ImpactLevel::Low,
            confidence: 0.5,
            explanation: String::new(),
            requester: s.clone().into(),
            raw_confidence: None,
            calibration: None,
        };
        if refused_or(g.submit(kinds), "submit(kind, team, requester)").is_some() {
            requests += 1;
        }
        // A hostile approver name without a role decides nothing (it gets one just below).
        let fresh = g
            .submit(Proposal {
                action: Action {
                    kind: "triage.escalate".into(),
                    team: "alpha".into(),
                    target: Some(format!("ALPHA-{i}")),
                    parameters: serde_json::json!({}),
                },
                impact: ImpactLevel::Medium,
                confidence: 0.5,
                explanation: String::new(),
                requester: "juno".into(),
                raw_confidence: None,
                calibration: None,
            })
            .unwrap();
        requests += 1;
        assert!(g.approve(fresh.id, &s, &fresh.digest).is_err());
        assert!(g.reject(fresh.id, &s, "no").is_err());
        assert_eq!(g.get(fresh.id).unwrap().status, RequestStatus::Pending);
        refused_or(
            g.assign_role(&s, Role::TeamLead, &["alpha"], "admin"),
            "assign_role(user)",
        );
        refused_or(
            g.assign_role("bo", Role::TeamLead, &[s.as_str()], &s),
            "assign_role(team, by)",
        );
        // Only requests of a team by that exact name are listed under it.
        let listed = g.pending(None, Some(&s)).unwrap();
        assert!(listed.iter().all(|r| r.action.team.as_str() == s));
    }
    // Only the two strings with control characters and the 10,000-character one are
    // refused as a user.
    assert_eq!(full, hostile().len() - 3, "stored with every field: {full}");
    assert!(requests >= hostile().len(), "requests {requests}");
    assert_eq!(schema(&juno, &path), before, "the schema changed");
    assert!(juno.check().unwrap().ok);
    assert!(juno.audit().verify(None).unwrap().ok);
    assert_eq!(juno.memory().stats().unwrap().total as usize, stored);
    // Nothing breaks a governance rule, and no request was decided by any of it but the
    // rejections above.
    assert_eq!(juno.governance().compliance_report().unwrap().violations, 0);
    assert!(
        g.pending(None, None)
            .unwrap()
            .iter()
            .all(|r| r.status == RequestStatus::Pending)
    );
}
