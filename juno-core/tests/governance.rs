//! Governance and audit through the public API: the authorisation matrix, policy paths,
//! a state-machine property test, races between processes, and tampering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use juno_core::config::DatabaseUrl;
use juno_core::config::Quorum;
use juno_core::governance::{Action, ApprovalRequest, Executor, Proposal, RequestStatus};
use juno_core::model::{ImpactLevel, Role};
use juno_core::{Clock, Config, ErrorKind, Juno, ManualClock};
use proptest::prelude::*;
use serde_json::{Value, json};

const T0: i64 = 1_767_225_600_000;

fn engine_with(settings: &[(&str, &str)]) -> (Juno, Arc<ManualClock>) {
    engine_configured(settings, |_| {})
}

/// An in-memory engine from flat settings, then `adjust` (for nested rules such as the
/// quorum, which hosts set in a config file).
fn engine_configured(
    settings: &[(&str, &str)],
    adjust: impl FnOnce(&mut Config),
) -> (Juno, Arc<ManualClock>) {
    let map: BTreeMap<String, String> = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut config = Config::from_settings(&map).unwrap();
    adjust(&mut config);
    config.database_url = DatabaseUrl::Memory;
    let clock = Arc::new(ManualClock::at_millis(T0));
    (Juno::open(config).unwrap().with_clock(clock.clone()), clock)
}

fn action(team: &str, target: &str) -> Action {
    Action {
        kind: "reassign".into(),
        team: team.into(),
        target: Some(target.into()),
        parameters: json!({ "assignee": "ana" }),
    }
}

fn request(team: &str, impact: ImpactLevel, confidence: f64, requester: &str) -> Proposal {
    Proposal {
        action: action(team, "T-1"),
        impact,
        confidence,
        explanation: String::new(),
        requester: requester.into(),
        raw_confidence: None,
        calibration: None,
    }
}

#[derive(Default)]
struct Recorder(Vec<Action>);

impl Executor for Recorder {
    fn execute(&mut self, action: &Action) -> Result<Value, String> {
        self.0.push(action.clone());
        Ok(json!({ "ok": true }))
    }
}

const ROLES: [Role; 5] = [
    Role::TeamLead,
    Role::ProjectManager,
    Role::EngineeringManager,
    Role::Director,
    Role::Admin,
];
const IMPACTS: [ImpactLevel; 4] = [
    ImpactLevel::Low,
    ImpactLevel::Medium,
    ImpactLevel::High,
    ImpactLevel::Critical,
];

fn rank(r: Role) -> u8 {
    match r {
        Role::TeamLead => 1,
        Role::ProjectManager => 2,
        Role::EngineeringManager => 3,
        Role::Director => 4,
        _ => 0,
    }
}

/// Every role × impact × team scope: who may approve is exactly who should.
#[test]
fn authorisation_matrix_in_full() {
    let (juno, _) = engine_with(&[]);
    let gov = juno.governance();
    for role in ROLES {
        gov.assign_role(&format!("{role}@home"), role, &["team_a"], "admin")
            .unwrap();
        gov.assign_role(&format!("{role}@away"), role, &["team_b"], "admin")
            .unwrap();
    }
    let rules = juno.config().approval_rules.clone();
    let mut refused = 0;
    for impact in IMPACTS {
        let needed = rules.route[&impact];
        for role in ROLES {
            for (scope, same_team) in [("home", true), ("away", false)] {
                let req = gov.submit(request("team_a", impact, 0.5, "juno")).unwrap();
                assert_eq!(req.role, needed);
                let user = format!("{role}@{scope}");
                let allowed = rank(role) >= rank(needed)
                    && rank(role) > 0
                    && (same_team || role == Role::Director);
                let res = gov.approve(req.id, &user, &req.digest);
                if allowed {
                    assert_eq!(
                        res.unwrap().status,
                        RequestStatus::Approved,
                        "{user} {impact}"
                    );
                } else {
                    let e = res.unwrap_err();
                    assert_eq!(
                        e.kind(),
                        ErrorKind::PermissionDenied,
                        "{user} {impact}: {e}"
                    );
                    assert_eq!(gov.get(req.id).unwrap().status, RequestStatus::Pending);
                    refused += 1;
                }
            }
        }
    }
    // Every refusal is in the audit log.
    let logged = juno
        .audit()
        .entries(1, 100_000)
        .unwrap()
        .iter()
        .filter(|e| e.event == "refused")
        .count();
    assert_eq!(logged, refused);
    assert!(juno.audit().verify(None).unwrap().ok);
}

#[test]
fn auto_approval_needs_every_condition_and_says_why() {
    // Off by default.
    let (juno, _) = engine_with(&[]);
    let r = juno
        .governance()
        .submit(request("a", ImpactLevel::Low, 0.99, "juno"))
        .unwrap();
    assert_eq!(r.status, RequestStatus::Pending);
    // On, but below threshold, or at a level not allowed.
    let (juno, _) = engine_with(&[("AUTONOMOUS_ACTIONS", "true")]);
    let gov = juno.governance();
    assert_eq!(
        gov.submit(request("a", ImpactLevel::Low, 0.89, "juno"))
            .unwrap()
            .status,
        RequestStatus::Pending
    );
    assert_eq!(
        gov.submit(request("a", ImpactLevel::High, 0.99, "juno"))
            .unwrap()
            .status,
        RequestStatus::Pending
    );
    let auto = gov
        .submit(request("a", ImpactLevel::Medium, 0.9, "juno"))
        .unwrap();
    assert_eq!(auto.status, RequestStatus::AutoApproved);
    let d = auto.decision.unwrap();
    assert_eq!(d["rule"], "auto_approval");
    assert_eq!(d["confidence"], 0.9);
    assert_eq!(d["threshold"], 0.9);
    // Supervisor mode sends everything to humans.
    let (juno, _) = engine_with(&[("AUTONOMOUS_ACTIONS", "true"), ("SUPERVISOR_MODE", "true")]);
    assert_eq!(
        juno.governance()
            .submit(request("a", ImpactLevel::Low, 1.0, "juno"))
            .unwrap()
            .status,
        RequestStatus::Pending
    );
}

#[test]
fn deadlines_escalate_up_the_chain_then_expire_and_never_approve() {
    let (juno, clock) = engine_with(&[]);
    let gov = juno.governance();
    let r = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    let mut seen = vec![r.role];
    for _ in 0..3 {
        let before = gov.get(r.id).unwrap().deadline.unwrap();
        clock.set(before);
        let rep = gov.process_deadlines().unwrap();
        assert_eq!(rep.escalated, vec![r.id]);
        let now = gov.get(r.id).unwrap();
        assert_eq!(now.status, RequestStatus::Pending);
        assert!(now.deadline.unwrap() > before, "fresh deadline");
        // In exactly one queue: its new role's.
        for role in ROLES {
            let in_queue = gov
                .pending(Some(role), None)
                .unwrap()
                .iter()
                .any(|p| p.id == r.id);
            assert_eq!(in_queue, role == now.role);
        }
        seen.push(now.role);
    }
    assert_eq!(
        seen,
        vec![
            Role::TeamLead,
            Role::ProjectManager,
            Role::EngineeringManager,
            Role::Director
        ]
    );
    clock.set(gov.get(r.id).unwrap().deadline.unwrap());
    assert_eq!(gov.process_deadlines().unwrap().expired, vec![r.id]);
    assert_eq!(gov.get(r.id).unwrap().status, RequestStatus::Expired);
    assert!(gov.pending(None, None).unwrap().is_empty());
    // Idempotent.
    assert_eq!(gov.process_deadlines().unwrap(), Default::default());

    let (juno, clock) = engine_with(&[("AUTO_ESCALATION", "false")]);
    let r = juno
        .governance()
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    clock.advance(Duration::hours(24));
    assert_eq!(
        juno.governance().process_deadlines().unwrap().expired,
        vec![r.id]
    );
}

#[test]
fn a_late_or_repeated_decision_is_refused_and_audited() {
    let (juno, clock) = engine_with(&[]);
    let gov = juno.governance();
    gov.assign_role("tl", Role::TeamLead, &["a"], "admin")
        .unwrap();
    let r = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    clock.advance(Duration::hours(25));
    let e = gov.approve(r.id, "tl", &r.digest).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    let entries = juno
        .audit()
        .entries_for(&format!("request:{}", r.id))
        .unwrap();
    assert_eq!(entries.last().unwrap().event, "refused");
    assert_eq!(entries.last().unwrap().actor, "tl");
    assert_eq!(gov.get(999).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn a_revoked_role_no_longer_approves_and_an_approval_before_revocation_is_flagged() {
    let (juno, clock) = engine_with(&[]);
    let gov = juno.governance();
    gov.assign_role("tl", Role::TeamLead, &["a"], "admin")
        .unwrap();
    let first = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    let second = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    clock.advance(Duration::minutes(10));
    gov.approve(first.id, "tl", &first.digest).unwrap();
    assert_eq!(
        gov.revoke_role("tl", Role::TeamLead, None, "admin")
            .unwrap(),
        vec!["a".to_string()]
    );
    assert_eq!(
        gov.approve(second.id, "tl", &second.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    gov.execute(first.id, &first.action, &mut Recorder::default())
        .unwrap();
    let report = gov.compliance_report().unwrap();
    assert_eq!(report.violations, 0);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "approver_role_revoked")
        .unwrap();
    assert_eq!(f.subject, format!("request:{}", first.id));
    assert_eq!(f.evidence.len(), 2);
}

#[test]
fn compliance_catches_an_execution_forged_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let id = {
        let juno = Juno::open_path(&path).unwrap();
        juno.governance()
            .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
            .unwrap()
            .id
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE approval_requests SET status = 'executed' WHERE id = ?1",
        [id],
    )
    .unwrap();
    drop(conn);
    let juno = Juno::open_path(&path).unwrap();
    let report = juno.governance().compliance_report().unwrap();
    assert_eq!(report.violations, 1);
    assert_eq!(report.findings[0].rule, "executed_without_approval");
}

// ---- tampering ------------------------------------------------------------------------

fn logged_db(
    dir: &std::path::Path,
    name: &str,
    requests: usize,
    confidence: f64,
) -> std::path::PathBuf {
    let path = dir.join(name);
    let juno = Juno::open_path(&path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0)));
    let reqs = (0..requests)
        .map(|_| request("a", ImpactLevel::Low, confidence, "juno"))
        .collect();
    juno.governance().submit_many(reqs).unwrap();
    path
}

fn attacker(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    // Someone with the file can drop the triggers; verification must not rely on them.
    conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn
}

#[test]
fn the_triggers_refuse_edits_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 3, 0.5);
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert!(
        conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM audit_log WHERE seq = 1", [])
            .is_err()
    );
    drop(conn);
    assert!(
        Juno::open_path(&path)
            .unwrap()
            .audit()
            .verify(None)
            .unwrap()
            .ok
    );
}

#[test]
fn one_changed_byte_is_detected_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 10, 0.5);
    let conn = attacker(&path);
    conn.execute("UPDATE audit_log SET actor = 'juna' WHERE seq = 6", [])
        .unwrap();
    drop(conn);
    let report = Juno::open_path(&path)
        .unwrap()
        .audit()
        .verify(None)
        .unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_seq, Some(6), "{report:?}");

    let path = logged_db(dir.path(), "p.db", 10, 0.5);
    let conn = attacker(&path);
    conn.execute(
        "UPDATE audit_log SET payload = replace(payload, '0.5', '0.9') WHERE seq = 4",
        [],
    )
    .unwrap();
    drop(conn);
    let report = Juno::open_path(&path)
        .unwrap()
        .audit()
        .verify(None)
        .unwrap();
    assert_eq!(report.first_bad_seq, Some(4), "{report:?}");
}

#[test]
fn a_deleted_row_is_detected_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 10, 0.5);
    attacker(&path)
        .execute("DELETE FROM audit_log WHERE seq = 7", [])
        .unwrap();
    let report = Juno::open_path(&path)
        .unwrap()
        .audit()
        .verify(None)
        .unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_seq, Some(7), "{report:?}");
}

#[test]
fn a_truncated_tail_is_detected_by_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 10, 0.5);
    let saved = Juno::open_path(&path)
        .unwrap()
        .audit()
        .checkpoint()
        .unwrap();
    assert_eq!(saved.size, 10);
    let conn = attacker(&path);
    conn.execute("DELETE FROM audit_log WHERE seq > 7", [])
        .unwrap();
    // A careful attacker removes the stored checkpoint too; the saved copy still tells.
    conn.execute("DELETE FROM audit_checkpoints", []).unwrap();
    drop(conn);
    let juno = Juno::open_path(&path).unwrap();
    assert!(
        juno.audit().verify(None).unwrap().ok,
        "the chain itself is consistent"
    );
    let report = juno.audit().verify(Some(&saved)).unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_seq, Some(8), "{report:?}");
    assert!(report.problems[0].contains("truncated"));
}

/// Replaces `path`'s audit log with a consistent alternative history of the same length,
/// built by the library itself (every hash checks out), optionally dropping the stored
/// checkpoints too.
fn replace_history(dir: &std::path::Path, path: &std::path::Path, drop_checkpoints: bool) {
    let forged = logged_db(dir, "forged.db", 10, 0.7);
    let conn = attacker(path);
    conn.execute("ATTACH DATABASE ?1 AS forged", [forged.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM forged.audit_log;",
    )
    .unwrap();
    if drop_checkpoints {
        conn.execute("DELETE FROM audit_checkpoints", []).unwrap();
    }
}

#[test]
fn rewritten_history_is_detected_by_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "victim.db", 10, 0.5);
    let saved = Juno::open_path(&path)
        .unwrap()
        .audit()
        .checkpoint()
        .unwrap();
    // Also drop the stored checkpoint: only the saved copy can tell.
    replace_history(dir.path(), &path, true);
    let juno = Juno::open_path(&path).unwrap();
    assert!(
        juno.audit().verify(None).unwrap().ok,
        "the forged chain is internally consistent"
    );
    let report = juno.audit().verify(Some(&saved)).unwrap();
    assert!(!report.ok);
    assert!(report.problems[0].contains("rewritten"), "{report:?}");
}

#[test]
fn inclusion_proofs_check_out_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 13, 0.5);
    let juno = Juno::open_path(&path).unwrap();
    let cp = juno.audit().checkpoint().unwrap();
    for seq in 1..=cp.size {
        let proof = juno.audit().inclusion_proof(seq, cp.size).unwrap();
        assert!(proof.verify(&cp.root), "seq {seq}");
        assert!(!proof.verify(&"0".repeat(64)));
    }
    assert_eq!(
        juno.audit()
            .inclusion_proof(cp.size + 1, cp.size)
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

// ---- processes racing -----------------------------------------------------------------

/// Child half of the race tests: does nothing unless spawned by them.
#[test]
fn race_child() {
    let (Ok(db), Ok(op), Ok(id)) = (
        std::env::var("JUNO_RACE_DB"),
        std::env::var("JUNO_RACE_OP"),
        std::env::var("JUNO_RACE_ID"),
    ) else {
        return;
    };
    let id: i64 = id.parse().unwrap();
    let mut config =
        Config::from_settings(&[("AUTO_ESCALATION".to_string(), "false".to_string())].into())
            .unwrap();
    config.database_url = DatabaseUrl::Sqlite(db.into());
    let at = if op == "expire" || op == "sweep" {
        T0 + 25 * 3_600_000
    } else {
        T0 + 60_000
    };
    let juno = Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(at)));
    let gov = juno.governance();
    let digest = gov.get(id).map(|r| r.digest).unwrap_or_default();
    let outcome = match op.as_str() {
        "approve" => gov.approve(id, "tl", &digest).map(|_| ()),
        "reject" => gov.reject(id, "pm", "no").map(|_| ()),
        "sweep" => gov.process_deadlines().map(|_| ()),
        _ => gov.process_deadline(id, "scheduler").map(|_| ()),
    };
    if let Err(e) = outcome {
        // The loser gets a clear, typed error.
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    }
}

fn race(ops: [&str; 2], rounds: usize) -> Vec<(RequestStatus, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("race.db");
    let ids: Vec<i64> = {
        let juno = Juno::open_path(&db)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(T0)));
        juno.governance()
            .assign_role("tl", Role::TeamLead, &["a"], "admin")
            .unwrap();
        juno.governance()
            .assign_role("pm", Role::ProjectManager, &["a"], "admin")
            .unwrap();
        (0..rounds)
            .map(|_| {
                juno.governance()
                    .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
                    .unwrap()
                    .id
            })
            .collect()
    };
    let exe = std::env::current_exe().unwrap();
    let mut out = Vec::new();
    for id in ids {
        let children: Vec<_> = ops
            .iter()
            .map(|op| {
                std::process::Command::new(&exe)
                    .args(["--exact", "race_child", "--test-threads=1"])
                    .env("JUNO_RACE_DB", &db)
                    .env("JUNO_RACE_OP", op)
                    .env("JUNO_RACE_ID", id.to_string())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let juno = Juno::open_path(&db).unwrap();
        let req: ApprovalRequest = juno.governance().get(id).unwrap();
        let events = juno
            .audit()
            .entries_for(&format!("request:{id}"))
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert!(juno.audit().verify(None).unwrap().ok);
        out.push((req.status, events));
    }
    out
}

#[test]
fn two_processes_racing_to_approve_and_reject_one_request() {
    for (status, events) in race(["approve", "reject"], 4) {
        assert!(matches!(
            status,
            RequestStatus::Approved | RequestStatus::Rejected
        ));
        let decided = events
            .iter()
            .filter(|e| *e == "request_approved" || *e == "request_rejected")
            .count();
        assert_eq!(decided, 1, "{events:?}");
        // Both attempts are in the log: the winner's decision and the loser's refusal.
        assert_eq!(
            events.iter().filter(|e| *e == "refused").count(),
            1,
            "{events:?}"
        );
    }
}

#[test]
fn two_processes_racing_to_approve_and_expire_one_request() {
    for (status, events) in race(["approve", "expire"], 4) {
        match status {
            RequestStatus::Approved => {
                assert!(events.contains(&"request_approved".to_string()));
                assert!(!events.contains(&"request_expired".to_string()));
                // The expiry lost, got InvalidState, and the attempt is recorded.
                assert!(events.contains(&"refused".to_string()), "{events:?}");
            }
            RequestStatus::Expired => {
                assert!(!events.contains(&"request_approved".to_string()));
                // The approver lost, got InvalidState, and the attempt is recorded.
                assert!(events.contains(&"refused".to_string()), "{events:?}");
            }
            other => panic!("unexpected {other}"),
        }
    }
}

// ---- the state machine, at random -------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Submit(usize, u8, bool),
    Approve(usize, usize, bool),
    Reject(usize, usize),
    Escalate(usize, usize),
    Cancel(usize, usize),
    Revoke(usize),
    Advance(u8),
    Deadlines,
    Execute(usize, bool),
    Delegate(usize, usize, bool, u8),
    Undelegate(usize, usize),
}

/// A delegation in the model: id, delegator, delegate, team, until, revoked.
type ModelDelegation = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    chrono::DateTime<chrono::Utc>,
    bool,
);

/// The test's own model of who may decide what: the roles granted and not revoked, and
/// the delegations made and not revoked (indexes into `USERS`).
#[derive(Default)]
struct Authority {
    revoked: std::collections::BTreeSet<usize>,
    delegations: Vec<ModelDelegation>,
}

impl Authority {
    /// The highest rank `user` holds for `team` by their own roles (0: none).
    fn own(&self, user: &str, team: &str) -> u8 {
        USERS
            .iter()
            .enumerate()
            .filter(|(i, u)| u.0 == user && !self.revoked.contains(i))
            .filter(|(_, u)| u.2 == team || u.2 == "*" || u.1 == Role::Director)
            .map(|(_, u)| rank(u.1))
            .max()
            .unwrap_or(0)
    }

    /// Whether `user` may decide `req` at `now`, by the rules written independently here.
    fn may_decide(
        &self,
        user: &str,
        req: &ApprovalRequest,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let team = req.action.team.as_str();
        let needed = rank(req.role);
        if user == req.requester {
            return false;
        }
        let own = self.own(user, team);
        own >= needed
            || (own > 0
                && self
                    .delegations
                    .iter()
                    .any(|&(_, from, to, t, until, revoked)| {
                        !revoked
                            && to == user
                            && t == team
                            && now < until
                            && from != req.requester
                            && self.own(from, team) >= needed
                    }))
    }
}

const USERS: [(&str, Role, &str); 7] = [
    ("tl_a", Role::TeamLead, "a"),
    ("tl_b", Role::TeamLead, "b"),
    ("pm", Role::ProjectManager, "a"),
    ("em", Role::EngineeringManager, "a"),
    ("em2", Role::EngineeringManager, "a"),
    ("dir", Role::Director, "*"),
    ("admin", Role::Admin, "*"),
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0usize..4, 0u8..=100, prop::bool::ANY).prop_map(|(i, c, t)| Op::Submit(i, c, t)),
        4 => (0usize..16, 0usize..8, prop::bool::weighted(0.8)).prop_map(|(r, u, d)| Op::Approve(r, u, d)),
        1 => (0usize..16, 0usize..7).prop_map(|(r, u)| Op::Reject(r, u)),
        1 => (0usize..16, 0usize..7).prop_map(|(r, u)| Op::Escalate(r, u)),
        1 => (0usize..16, 0usize..7).prop_map(|(r, u)| Op::Cancel(r, u)),
        1 => (0usize..7).prop_map(Op::Revoke),
        2 => (1u8..30).prop_map(Op::Advance),
        2 => Just(Op::Deadlines),
        3 => (0usize..16, prop::bool::weighted(0.8)).prop_map(|(r, a)| Op::Execute(r, a)),
        // Mostly from the upper roles to the lower, where a delegation changes who may decide.
        2 => (prop_oneof![3 => 2usize..6, 1 => 0usize..7], prop_oneof![3 => 0usize..3, 1 => 0usize..7], prop::bool::weighted(0.7), 1u8..100)
            .prop_map(|(f, t, a, h)| Op::Delegate(f, t, a, h)),
        1 => (0usize..8, 0usize..7).prop_map(|(d, u)| Op::Undelegate(d, u)),
    ]
}

/// Cases of the state-machine property: 256 in CI; `JUNO_PROPTEST_CASES` sets a long run
/// (`JUNO_PROPTEST_CASES=60000 cargo test --release -p juno-core --test governance
/// the_state_machine_stays_safe -- --nocapture` reaches a million steps, and prints them).
fn state_machine_cases() -> u32 {
    std::env::var("JUNO_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// Steps and cases run by the state-machine property so far (all cases, shrinking too).
static STEPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static CASES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Executions checked against an approval for exactly that action, and how many ran.
static EXECUTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_case(steps: usize, executed: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    let total = STEPS.fetch_add(steps as u64, Relaxed) + steps as u64;
    let executions = EXECUTIONS.fetch_add(executed as u64, Relaxed) + executed as u64;
    let cases = CASES.fetch_add(1, Relaxed) + 1;
    let last = cases == u64::from(state_machine_cases());
    if std::env::var("JUNO_PROPTEST_CASES").is_ok() && (cases % 5000 == 0 || last) {
        eprintln!(
            "{cases} cases, {total} steps, {executions} executions, each with a matching \
             approval; 0 unsafe"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: state_machine_cases(), ..ProptestConfig::default() })]

    /// Random sequences by random users never execute without a valid approval for that
    /// digest (nor after the approval's execution window, nor with fewer votes than the
    /// quorum), never let anyone decide without authority of their own or delegated by
    /// the rules, never leave a request in two queues or none, and always verify.
    #[test]
    fn the_state_machine_stays_safe(ops in prop::collection::vec(op(), 1..40)) {
        let steps = ops.len();
        // Critical requests need two approvals (or two rejections) from distinct people.
        let (juno, clock) = engine_configured(&[("AUTONOMOUS_ACTIONS", "true")], |c| {
            c.approval_rules.quorum.insert(ImpactLevel::Critical, Quorum { approvals: 2, rejections: 2 });
        });
        let gov = juno.governance();
        for (u, role, team) in USERS {
            gov.assign_role(u, role, &[team], "root").unwrap();
        }
        let users: Vec<&str> = USERS.iter().map(|u| u.0).chain(["juno"]).collect();
        let mut ids = Vec::new();
        let mut recorder = Recorder::default();
        let mut model = Authority::default();
        for op in ops {
            let pick = |i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
            // A decision that went through had authority, own or delegated.
            let decided = |id: i64, user: &str, before: &ApprovalRequest, model: &Authority| -> Result<(), TestCaseError> {
                let after = gov.get(id).unwrap();
                let voted = gov.votes(id).unwrap().iter().any(|v| v.user == user && v.at == clock.now());
                if after.status != before.status || voted {
                    prop_assert!(model.may_decide(user, before, clock.now()), "{} decided {:?} without authority", user, before);
                }
                Ok(())
            };
            match op {
                Op::Submit(i, c, team_a) => {
                    let r = request(if team_a { "a" } else { "b" }, IMPACTS[i], f64::from(c) / 100.0, users[i % users.len()]);
                    ids.push(gov.submit(r).unwrap().id);
                }
                Op::Approve(r, u, right) => if let Some(id) = pick(r) {
                    let before = gov.get(id).unwrap();
                    let digest = if right { before.digest.clone() } else { "f".repeat(64) };
                    let user = users[u % users.len()];
                    if gov.approve(id, user, &digest).is_ok() {
                        decided(id, user, &before, &model)?;
                    }
                },
                Op::Reject(r, u) => if let Some(id) = pick(r) {
                    let before = gov.get(id).unwrap();
                    let user = users[u % users.len()];
                    if gov.reject(id, user, "no").is_ok() {
                        decided(id, user, &before, &model)?;
                    }
                },
                Op::Delegate(f, t, team_a, h) => {
                    let (from, to, team) = (USERS[f].0, USERS[t].0, if team_a { "a" } else { "b" });
                    let until = clock.now() + Duration::hours(i64::from(h));
                    if let Ok(d) = gov.delegate(from, to, team, until) {
                        prop_assert!(model.own(from, team) > 0 && model.own(to, team) > 0);
                        model.delegations.push((d.id, from, to, team, until, false));
                    }
                }
                Op::Undelegate(d, u) => if !model.delegations.is_empty() {
                    let i = d % model.delegations.len();
                    if gov.revoke_delegation(model.delegations[i].0, USERS[u].0).is_ok() {
                        model.delegations[i].5 = true;
                    }
                },
                Op::Escalate(r, u) => if let Some(id) = pick(r) { let _ = gov.escalate(id, users[u % users.len()], "up"); },
                Op::Cancel(r, u) => if let Some(id) = pick(r) { let _ = gov.cancel(id, users[u % users.len()]); },
                Op::Revoke(u) => {
                    if gov.revoke_role(USERS[u].0, USERS[u].1, None, "root").is_ok() {
                        model.revoked.insert(u);
                    }
                }
                Op::Advance(h) => clock.advance(Duration::hours(i64::from(h))),
                Op::Deadlines => { gov.process_deadlines().unwrap(); }
                Op::Execute(r, right) => if let Some(id) = pick(r) {
                    let mut a = gov.get(id).unwrap().action;
                    if !right { a.parameters = json!({ "assignee": "mallory" }); }
                    let req = gov.get(id).unwrap();
                    let before = req.status;
                    let res = gov.execute(id, &a, &mut recorder);
                    let approved = matches!(before, RequestStatus::Approved | RequestStatus::AutoApproved);
                    // An approval is good for the execution window (72 h by default) only.
                    let fresh = req.decided_at.is_some_and(|d| clock.now() - d < Duration::hours(72));
                    prop_assert_eq!(res.is_ok(), approved && right && fresh, "execute {:?} from {:?}", id, before);
                    if approved && !fresh {
                        prop_assert_eq!(gov.get(id).unwrap().status, RequestStatus::Expired);
                    }
                },
            }
            // Queues: every pending request is in exactly its role's queue; nothing else is queued.
            let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
            for role in ROLES {
                for p in gov.pending(Some(role), None).unwrap() {
                    prop_assert_eq!(p.role, role);
                    *seen.entry(p.id).or_default() += 1;
                }
            }
            for id in &ids {
                let r = gov.get(*id).unwrap();
                let expected = usize::from(r.status == RequestStatus::Pending);
                prop_assert_eq!(seen.get(id).copied().unwrap_or(0), expected, "request {} is {}", id, r.status);
            }
        }
        // Everything executed was approved for exactly that digest, and only that ran.
        let report = gov.compliance_report().unwrap();
        prop_assert_eq!(report.violations, 0, "{:?}", report.findings);
        for a in &recorder.0 {
            prop_assert_eq!(&a.parameters, &json!({ "assignee": "ana" }));
        }
        // Nobody decided their own request.
        for id in &ids {
            let r = gov.get(*id).unwrap();
            if matches!(r.status, RequestStatus::Approved | RequestStatus::Rejected) {
                prop_assert_ne!(r.decided_by.as_deref(), Some(r.requester.as_str()));
            }
        }
        // Every human approval of a critical request had two distinct approving votes.
        for id in &ids {
            let r = gov.get(*id).unwrap();
            if r.impact == ImpactLevel::Critical && r.decided_by.as_deref() != Some("juno")
                && matches!(r.status, RequestStatus::Approved | RequestStatus::Executed | RequestStatus::ExecutionFailed)
            {
                let votes = gov.votes(*id).unwrap();
                // Distinct people: a delegate's vote is the delegator's.
                let yes: std::collections::BTreeSet<&str> = votes.iter()
                    .filter(|v| v.approve && v.role == r.role)
                    .map(|v| v.on_behalf_of.as_deref().unwrap_or(&v.user))
                    .collect();
                prop_assert!(yes.len() >= 2, "request {} approved with {:?}", id, votes);
            }
        }
        let executed = ids.iter().filter(|id| gov.get(**id).unwrap().status == RequestStatus::Executed).count();
        prop_assert_eq!(executed, recorder.0.len());
        prop_assert!(juno.audit().verify(None).unwrap().ok);
        count_case(steps, executed);
    }
}

#[test]
fn a_checkpoint_never_vouches_for_a_tampered_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = logged_db(dir.path(), "t.db", 10, 0.5);
    Juno::open_path(&path)
        .unwrap()
        .audit()
        .checkpoint()
        .unwrap();
    replace_history(dir.path(), &path, false);
    let juno = Juno::open_path(&path).unwrap();
    // The stored checkpoint catches the rewrite, and taking a new one cannot paper over it.
    assert!(!juno.audit().verify(None).unwrap().ok);
    assert_eq!(
        juno.audit().checkpoint().unwrap_err().kind(),
        ErrorKind::Corrupt
    );
    assert!(!juno.audit().verify(None).unwrap().ok);
}

#[test]
fn a_request_stuck_in_executing_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let id = {
        let juno = Juno::open_path(&path)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(T0)));
        juno.governance()
            .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
            .unwrap()
            .id
    };
    // As if the process died between claiming the request and recording the outcome.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE approval_requests SET status = 'executing' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let juno = Juno::open_path(&path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0 + 2 * 3_600_000)));
    let report = juno.governance().compliance_report().unwrap();
    assert!(
        report.findings.iter().any(|f| f.rule == "stuck_executing"),
        "{report:?}"
    );
    let again = juno
        .governance()
        .execute(id, &action("a", "T-1"), &mut Recorder::default());
    assert_eq!(again.unwrap_err().kind(), ErrorKind::InvalidState);
}

#[test]
fn two_processes_sweeping_deadlines_at_once_move_each_request_once() {
    // Each round's two sweeps see every still-pending request due; the first round expires
    // them all, later rounds find nothing. Either way: one expiry per request, never two.
    let results = race(["sweep", "sweep"], 3);
    for (status, events) in results {
        assert_eq!(status, RequestStatus::Expired);
        assert_eq!(
            events.iter().filter(|e| *e == "request_expired").count(),
            1,
            "{events:?}"
        );
    }
}

// ---- the execution window ---------------------------------------------------------------

#[test]
fn an_approval_lapses_after_the_execution_window() {
    let (juno, clock) = engine_with(&[("EXECUTION_WINDOW_HOURS", "6")]);
    let gov = juno.governance();
    gov.assign_role("lead", Role::TeamLead, &["a"], "root")
        .unwrap();
    let approve = |gov: &juno_core::governance::Governance<'_>| {
        let r = gov
            .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
            .unwrap();
        gov.approve(r.id, "lead", &r.digest).unwrap()
    };
    // Within the window: it runs.
    let fresh = approve(&gov);
    clock.advance(Duration::hours(5));
    let mut rec = Recorder::default();
    assert_eq!(
        gov.execute(fresh.id, &fresh.action, &mut rec)
            .unwrap()
            .status,
        RequestStatus::Executed
    );
    // Past it: refused, expired, audited; it never runs.
    let stale = approve(&gov);
    clock.advance(Duration::hours(6));
    let err = gov.execute(stale.id, &stale.action, &mut rec).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert!(err.to_string().contains("execution window"), "{err}");
    assert_eq!(gov.get(stale.id).unwrap().status, RequestStatus::Expired);
    assert_eq!(rec.0.len(), 1);
    let events: Vec<String> = juno
        .audit()
        .entries_for(&format!("request:{}", stale.id))
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events[events.len() - 2..],
        ["request_approval_lapsed".to_string(), "refused".to_string()]
    );
    // Approving it again is not possible: it must be proposed again.
    assert_eq!(
        gov.approve(stale.id, "lead", &stale.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState
    );

    // process_deadlines lapses what nobody tried to execute.
    let idle = approve(&gov);
    clock.advance(Duration::hours(7));
    let report = gov.process_deadlines().unwrap();
    assert_eq!(report.lapsed, [idle.id]);
    assert_eq!(gov.get(idle.id).unwrap().status, RequestStatus::Expired);
    assert!(
        gov.process_deadlines().unwrap().lapsed.is_empty(),
        "idempotent"
    );
    assert_eq!(gov.compliance_report().unwrap().violations, 0);
}

#[test]
fn compliance_flags_an_execution_outside_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let open = |window: &str| {
        let map: BTreeMap<String, String> =
            [("EXECUTION_WINDOW_HOURS".to_string(), window.to_string())].into();
        let mut config = Config::from_settings(&map).unwrap();
        config.database_url = DatabaseUrl::Sqlite(path.clone());
        let clock = Arc::new(ManualClock::at_millis(T0));
        (Juno::open(config).unwrap().with_clock(clock.clone()), clock)
    };
    let id = {
        let (juno, clock) = open("24");
        let gov = juno.governance();
        gov.assign_role("lead", Role::TeamLead, &["a"], "root")
            .unwrap();
        let r = gov
            .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
            .unwrap();
        gov.approve(r.id, "lead", &r.digest).unwrap();
        clock.advance(Duration::hours(3));
        gov.execute(r.id, &r.action, &mut Recorder::default())
            .unwrap();
        assert_eq!(gov.compliance_report().unwrap().violations, 0);
        r.id
    };
    // Judged by a 2-hour window, that execution came an hour too late.
    let (juno, _) = open("2");
    let report = juno.governance().compliance_report().unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "executed_outside_window")
        .unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(f.subject, format!("request:{id}"));
    assert_eq!(f.evidence.len(), 2, "the approval and the execution");
    assert!(f.message.contains("3.0 h"), "{}", f.message);
}

// ---- quorum -------------------------------------------------------------------------------

fn quorum_engine(approvals: u32, rejections: u32) -> (Juno, Arc<ManualClock>) {
    let (juno, clock) = engine_configured(&[], |c| {
        c.approval_rules.quorum.insert(
            ImpactLevel::Critical,
            Quorum {
                approvals,
                rejections,
            },
        );
    });
    let gov = juno.governance();
    for u in ["em1", "em2", "em3"] {
        gov.assign_role(u, Role::EngineeringManager, &["a"], "root")
            .unwrap();
    }
    for u in ["dir1", "dir2"] {
        gov.assign_role(u, Role::Director, &["*"], "root").unwrap();
    }
    gov.assign_role("lead", Role::TeamLead, &["a"], "root")
        .unwrap();
    (juno, clock)
}

fn events_of(juno: &Juno, id: i64) -> Vec<String> {
    juno.audit()
        .entries_for(&format!("request:{id}"))
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect()
}

#[test]
fn a_quorum_needs_distinct_eligible_voters() {
    let (juno, _) = quorum_engine(2, 2);
    let gov = juno.governance();
    let r = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    assert_eq!(r.role, Role::EngineeringManager);

    // The first vote is recorded; the request waits for the second.
    let after_one = gov.approve(r.id, "em1", &r.digest).unwrap();
    assert_eq!(after_one.status, RequestStatus::Pending);
    assert_eq!(gov.votes(r.id).unwrap().len(), 1);
    // Nobody votes twice, either way; the ineligible and the requester cannot vote.
    for (user, approve) in [
        ("em1", true),
        ("em1", false),
        ("lead", true),
        ("juno", true),
    ] {
        let err = if approve {
            gov.approve(r.id, user, &r.digest).unwrap_err()
        } else {
            gov.reject(r.id, user, "no").unwrap_err()
        };
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{user}");
    }
    assert_eq!(
        gov.votes(r.id).unwrap().len(),
        1,
        "refused votes are not recorded"
    );
    // A second distinct eligible approver decides it.
    let approved = gov.approve(r.id, "em2", &r.digest).unwrap();
    assert_eq!(approved.status, RequestStatus::Approved);
    assert_eq!(approved.decided_by.as_deref(), Some("em2"));
    let events = events_of(&juno, r.id);
    assert!(
        events.ends_with(&[
            "request_voted".into(),
            "refused".into(),
            "refused".into(),
            "refused".into(),
            "refused".into(),
            "request_approved".into()
        ]),
        "{events:?}"
    );
    gov.execute(r.id, &r.action, &mut Recorder::default())
        .unwrap();

    // Two rejections reject.
    let q = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        gov.reject(q.id, "em1", "no").unwrap().status,
        RequestStatus::Pending
    );
    assert_eq!(
        gov.reject(q.id, "em3", "no").unwrap().status,
        RequestStatus::Rejected
    );
    // Other levels keep one vote.
    let low = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        gov.approve(low.id, "lead", &low.digest).unwrap().status,
        RequestStatus::Approved
    );
    assert!(gov.votes(low.id).unwrap().is_empty());
    assert_eq!(gov.compliance_report().unwrap().violations, 0);
    assert_eq!(gov.votes(999).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn an_escalated_request_starts_a_new_count() {
    let (juno, _) = quorum_engine(2, 1);
    let gov = juno.governance();
    let r = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    gov.approve(r.id, "em1", &r.digest).unwrap();
    let up = gov.escalate(r.id, "em2", "needs a director").unwrap();
    assert_eq!(
        (up.role, up.status),
        (Role::Director, RequestStatus::Pending)
    );
    assert_eq!(
        gov.approve(r.id, "dir1", &r.digest).unwrap().status,
        RequestStatus::Pending
    );
    assert_eq!(
        gov.approve(r.id, "dir2", &r.digest).unwrap().status,
        RequestStatus::Approved
    );
    let roles: Vec<Role> = gov.votes(r.id).unwrap().iter().map(|v| v.role).collect();
    assert_eq!(
        roles,
        [Role::EngineeringManager, Role::Director, Role::Director]
    );
}

#[test]
fn compliance_flags_an_execution_short_of_its_quorum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let open = |approvals: u32| {
        let mut config = Config::default();
        config.database_url = DatabaseUrl::Sqlite(path.clone());
        config.approval_rules.quorum.insert(
            ImpactLevel::Critical,
            Quorum {
                approvals,
                rejections: 1,
            },
        );
        Juno::open(config)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(T0)))
    };
    let id = {
        let juno = open(1);
        let gov = juno.governance();
        gov.assign_role("em1", Role::EngineeringManager, &["a"], "root")
            .unwrap();
        let r = gov
            .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
            .unwrap();
        gov.approve(r.id, "em1", &r.digest).unwrap();
        gov.execute(r.id, &r.action, &mut Recorder::default())
            .unwrap();
        assert_eq!(gov.compliance_report().unwrap().violations, 0);
        r.id
    };
    // Under a two-approval quorum, that single approval falls short.
    let report = open(2).governance().compliance_report().unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "quorum_not_met")
        .unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(f.subject, format!("request:{id}"));
    assert!(f.message.contains("1 of the 2"), "{}", f.message);
    assert_eq!(f.evidence.len(), 2, "the approval and the execution");
    // The quorum is validated.
    let mut bad = Config::default();
    bad.approval_rules.quorum.insert(
        ImpactLevel::High,
        Quorum {
            approvals: 0,
            rejections: 1,
        },
    );
    let err = bad.validate().unwrap_err();
    assert!(
        err.to_string()
            .contains("approval_rules.quorum.high.approvals"),
        "{err}"
    );
}

// ---- break-glass ----------------------------------------------------------------------------

#[test]
fn break_glass_approves_outside_the_chain_with_a_reason_and_is_reported() {
    let (juno, _) = quorum_engine(2, 1);
    let gov = juno.governance();
    gov.assign_role("pm", Role::ProjectManager, &["a"], "root")
        .unwrap();
    let r = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    assert_eq!(r.role, Role::TeamLead);

    // Refusals: no reason; a role below ENGINEERING_MANAGER; the requester; another digest.
    let err = gov.break_glass(r.id, "em1", &r.digest, "  ").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("reason"), "{err}");
    for (user, digest) in [
        ("pm", r.digest.as_str()),
        ("lead", r.digest.as_str()),
        ("juno", r.digest.as_str()),
    ] {
        let err = gov.break_glass(r.id, user, digest, "outage").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{user}");
    }
    let wrong = "f".repeat(64);
    assert_eq!(
        gov.break_glass(r.id, "em1", &wrong, "outage")
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(gov.get(r.id).unwrap().status, RequestStatus::Pending);

    let done = gov
        .break_glass(r.id, "em1", &r.digest, "sprint outage")
        .unwrap();
    assert_eq!(done.status, RequestStatus::Approved);
    assert_eq!(done.decided_by.as_deref(), Some("em1"));
    assert_eq!(done.reason.as_deref(), Some("sprint outage"));
    let entry = juno
        .audit()
        .entries_for(&format!("request:{}", r.id))
        .unwrap()
        .into_iter()
        .rfind(|e| e.event == "request_approved")
        .unwrap();
    assert_eq!(entry.payload["break_glass"], true);
    // Everyone who could have decided it at TEAM_LEAD for team a, but the approver.
    assert_eq!(
        entry.payload["skipped_approvers"],
        serde_json::json!(["dir1", "dir2", "em2", "em3", "lead", "pm"])
    );
    assert_eq!(
        gov.break_glass(r.id, "em2", &r.digest, "again")
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState
    );

    // A critical request under a quorum of two: break-glass needs one, and the report
    // lists the use without calling it a quorum violation.
    let c = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    gov.break_glass(c.id, "dir1", &c.digest, "security fix")
        .unwrap();
    gov.execute(c.id, &c.action, &mut Recorder::default())
        .unwrap();
    let report = gov.compliance_report().unwrap();
    assert_eq!(report.violations, 0, "{:?}", report.findings);
    let uses: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "break_glass")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        uses,
        [format!("request:{}", r.id), format!("request:{}", c.id)]
    );
}

// ---- delegation ---------------------------------------------------------------------------

/// The last audit entry of `event` about request `id`.
fn last_entry(juno: &Juno, id: i64, event: &str) -> juno_core::audit::AuditEntry {
    juno.audit()
        .entries_for(&format!("request:{id}"))
        .unwrap()
        .into_iter()
        .rfind(|e| e.event == event)
        .unwrap()
}

#[test]
fn delegation_is_refused_outside_its_rules() {
    let (juno, clock) = quorum_engine(1, 1);
    let gov = juno.governance();
    gov.assign_role("lead_b", Role::TeamLead, &["b"], "root")
        .unwrap();
    let week = clock.now() + Duration::days(7);
    for (from, to, team, until, field) in [
        ("em1", "lead", "*", week, "team"),
        ("em1", "em1", "a", week, "delegate"),
        ("em1", "lead", "a", clock.now(), "until"),
        (
            "em1",
            "lead",
            "a",
            clock.now() + Duration::days(91),
            "until",
        ),
        ("", "lead", "a", week, "delegator"),
    ] {
        let err = gov.delegate(from, to, team, until).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{from}->{to} {team}");
        assert!(err.to_string().contains(field), "{err}");
    }
    // Nobody delegates authority they lack, nor to someone outside the team.
    for (from, to) in [("nobody", "lead"), ("em1", "lead_b"), ("em1", "nobody")] {
        let err = gov.delegate(from, to, "a", week).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{from}->{to}");
    }
    let d = gov.delegate("em1", "lead", "a", week).unwrap();
    assert_eq!((d.delegator.as_str(), d.delegate.as_str()), ("em1", "lead"));
    assert_eq!(
        gov.delegate("em1", "lead", "a", week).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    // Revocation: only the delegator or an ADMIN; once.
    gov.assign_role("admin", Role::Admin, &["*"], "root")
        .unwrap();
    assert_eq!(
        gov.revoke_delegation(d.id, "em2").unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    assert_eq!(
        gov.revoke_delegation(d.id, "lead").unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    let revoked = gov.revoke_delegation(d.id, "em1").unwrap();
    assert_eq!(revoked.revoked_by.as_deref(), Some("em1"));
    assert_eq!(
        gov.revoke_delegation(d.id, "em1").unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    assert_eq!(
        gov.revoke_delegation(999, "em1").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let again = gov.delegate("em1", "lead", "a", week).unwrap();
    gov.revoke_delegation(again.id, "admin").unwrap();
    assert!(gov.delegations(None, false).unwrap().is_empty());
    assert_eq!(gov.delegations(Some("lead"), true).unwrap().len(), 2);
    // Every refusal above that reached the store is in the log.
    let refusals = juno
        .audit()
        .entries(1, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "refused")
        .count();
    assert_eq!(refusals, 3 + 1 + 2 + 1);
}

#[test]
fn a_delegate_decides_for_the_delegator_only_within_the_delegation() {
    let (juno, clock) = quorum_engine(1, 1);
    let gov = juno.governance();
    gov.assign_role("lead_b", Role::TeamLead, &["b"], "root")
        .unwrap();
    gov.assign_role("lead2", Role::TeamLead, &["a"], "root")
        .unwrap();
    let critical = |team: &str, by: &str| {
        gov.submit(request(team, ImpactLevel::Critical, 0.5, by))
            .unwrap()
    };
    // A TEAM_LEAD cannot decide an ENGINEERING_MANAGER's request on their own…
    let r = critical("a", "juno");
    assert_eq!(
        gov.approve(r.id, "lead", &r.digest).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    // …but can for em1 while em1's delegation is in force: "approved by lead for em1".
    let d = gov
        .delegate("em1", "lead", "a", clock.now() + Duration::hours(48))
        .unwrap();
    let done = gov.approve(r.id, "lead", &r.digest).unwrap();
    assert_eq!(done.status, RequestStatus::Approved);
    assert_eq!(done.decided_by.as_deref(), Some("lead"));
    assert_eq!(done.on_behalf_of.as_deref(), Some("em1"));
    assert_eq!(gov.get(r.id).unwrap().on_behalf_of.as_deref(), Some("em1"));
    let entry = last_entry(&juno, r.id, "request_approved");
    assert_eq!(entry.actor, "lead");
    assert_eq!(entry.payload["on_behalf_of"], "em1");
    assert_eq!(entry.payload["delegation"], d.id);
    gov.execute(r.id, &r.action, &mut Recorder::default())
        .unwrap();
    // Rejections too.
    let q = critical("a", "juno");
    let rejected = gov.reject(q.id, "lead", "not now").unwrap();
    assert_eq!(rejected.status, RequestStatus::Rejected);
    assert_eq!(rejected.on_behalf_of.as_deref(), Some("em1"));

    // Never another team; never a request the delegator made.
    let other = critical("b", "juno");
    assert_eq!(
        gov.approve(other.id, "lead", &other.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    let own = critical("a", "em1");
    assert_eq!(
        gov.approve(own.id, "lead", &own.digest).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    // Not passed on: lead can delegate their own TEAM_LEAD authority, not em1's.
    gov.delegate("lead", "lead2", "a", clock.now() + Duration::hours(48))
        .unwrap();
    let fresh = critical("a", "juno");
    assert_eq!(
        gov.approve(fresh.id, "lead2", &fresh.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    // A DIRECTOR's delegation for team b reaches b's requests only.
    gov.delegate("dir1", "lead_b", "b", clock.now() + Duration::hours(48))
        .unwrap();
    assert_eq!(
        gov.approve(other.id, "lead_b", &other.digest)
            .unwrap()
            .on_behalf_of
            .as_deref(),
        Some("dir1")
    );
    assert_eq!(
        gov.approve(fresh.id, "lead_b", &fresh.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    // The delegation follows the delegator's roles: revoke em1's and it carries nothing.
    gov.revoke_role("em1", Role::EngineeringManager, None, "root")
        .unwrap();
    assert_eq!(
        gov.approve(fresh.id, "lead", &fresh.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    gov.assign_role("em1", Role::EngineeringManager, &["a"], "root")
        .unwrap();
    // It runs out.
    clock.advance(Duration::hours(47));
    let late = critical("a", "juno");
    clock.advance(Duration::hours(2));
    assert_eq!(
        gov.approve(late.id, "lead", &late.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
    // The report lists each delegated decision, and none is a violation.
    let report = gov.compliance_report().unwrap();
    assert_eq!(report.violations, 0, "{:?}", report.findings);
    let delegated: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "delegated_decision")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(delegated.len(), 3, "{delegated:?}");
    assert!(
        delegated
            .contains(&format!("approved by `lead` for `em1` under delegation {}", d.id).as_str())
    );
}

#[test]
fn a_delegate_votes_once_and_for_the_delegator() {
    let (juno, clock) = quorum_engine(2, 2);
    let gov = juno.governance();
    gov.delegate("em1", "lead", "a", clock.now() + Duration::days(1))
        .unwrap();
    let r = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        gov.approve(r.id, "lead", &r.digest).unwrap().status,
        RequestStatus::Pending
    );
    // em1's vote has been cast (by lead); lead has voted too.
    for user in ["em1", "lead"] {
        let err = gov.approve(r.id, user, &r.digest).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{user}");
        assert!(err.to_string().contains("already voted"), "{err}");
    }
    let done = gov.approve(r.id, "em2", &r.digest).unwrap();
    assert_eq!(done.status, RequestStatus::Approved);
    assert_eq!(done.on_behalf_of, None);
    let votes = gov.votes(r.id).unwrap();
    assert_eq!(votes[0].user, "lead");
    assert_eq!(votes[0].on_behalf_of.as_deref(), Some("em1"));
    assert_eq!(votes[1].user, "em2");
    gov.execute(r.id, &r.action, &mut Recorder::default())
        .unwrap();
    let report = gov.compliance_report().unwrap();
    assert_eq!(report.violations, 0, "{:?}", report.findings);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "delegated_decision"
                && f.message.starts_with("voted on by `lead` for `em1`"))
    );
}

#[test]
fn a_delegation_written_behind_governance_is_a_violation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let juno = Juno::open_path(&path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0)));
    let gov = juno.governance();
    gov.assign_role("em", Role::EngineeringManager, &["a"], "root")
        .unwrap();
    gov.assign_role("lead", Role::TeamLead, &["a"], "root")
        .unwrap();
    // A delegation inserted with SQL: no `delegation_granted` entry vouches for it.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO delegations (delegator, delegate, team, created_at, until) \
             VALUES ('em', 'lead', 'a', ?1, ?2)",
            [T0 - 1, T0 + 3_600_000],
        )
        .unwrap();
    let r = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    gov.approve(r.id, "lead", &r.digest).unwrap();
    let report = gov.compliance_report().unwrap();
    let bad: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "delegation_invalid")
        .collect();
    assert_eq!(bad.len(), 1, "{:?}", report.findings);
    assert!(
        bad[0].message.contains("never granted"),
        "{}",
        bad[0].message
    );
    assert_eq!(report.violations, 1);
}

// ---- reminders and the fallback approver ------------------------------------------------

#[test]
fn reminders_go_before_the_deadline_once_each_and_start_again_on_escalation() {
    let (juno, clock) = engine_configured(&[], |c| {
        c.approval_rules.reminder_hours_before = vec![6.0, 2.0];
    });
    let gov = juno.governance();
    gov.assign_role("lead", Role::TeamLead, &["a"], "root")
        .unwrap();
    gov.assign_role("pm", Role::ProjectManager, &["a"], "root")
        .unwrap();
    gov.assign_role("lead_b", Role::TeamLead, &["b"], "root")
        .unwrap();
    // TEAM_LEAD has 24 hours: reminders at 18 h and 22 h.
    let r = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "lead"))
        .unwrap();
    let at = |h: f64| {
        clock.set(chrono::DateTime::from_timestamp_millis(T0 + (h * 3_600_000.0) as i64).unwrap())
    };
    let sweep = || gov.process_deadlines().unwrap().reminded;
    at(17.9);
    assert!(sweep().is_empty());
    at(18.0);
    let first = sweep();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].request, r.id);
    assert_eq!(first[0].role, Role::TeamLead);
    // Who can decide it: not the requester, not another team's lead.
    assert_eq!(first[0].recipients, ["pm"]);
    assert_eq!((first[0].number, first[0].of), (1, 2));
    assert!(sweep().is_empty(), "a reminder goes once");
    at(22.5);
    assert_eq!(sweep()[0].number, 2);
    at(23.9);
    assert!(sweep().is_empty(), "two configured, two sent");
    assert_eq!(gov.get(r.id).unwrap().reminders, 2);
    // Escalated to PROJECT_MANAGER (12 h): the count starts again.
    at(24.0);
    let report = gov.process_deadlines().unwrap();
    assert_eq!(report.escalated, [r.id]);
    assert_eq!(gov.get(r.id).unwrap().reminders, 0);
    at(30.0);
    let again = sweep();
    assert_eq!((again[0].role, again[0].number), (Role::ProjectManager, 1));
    assert_eq!(again[0].recipients, ["pm"]);

    // A sweep that runs late sends one reminder, not a burst.
    let late = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    at(30.0 + 23.0);
    let one: Vec<_> = sweep()
        .into_iter()
        .filter(|x| x.request == late.id)
        .collect();
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].number, one[0].of), (2, 2));
    assert_eq!(one[0].recipients, ["lead", "pm"]);
    let entries: Vec<_> = juno
        .audit()
        .entries_for(&format!("request:{}", late.id))
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "request_reminded")
        .collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].payload["recipients"], json!(["lead", "pm"]));
    assert!(sweep().iter().all(|x| x.request != late.id));
}

#[test]
fn the_fallback_approver_decides_only_what_nobody_else_can() {
    let (juno, clock) = engine_configured(&[("FALLBACK_APPROVER", "fb")], |c| {
        c.approval_rules.quorum.insert(
            ImpactLevel::Critical,
            Quorum {
                approvals: 2,
                rejections: 2,
            },
        );
    });
    let gov = juno.governance();
    gov.assign_role("lead", Role::TeamLead, &["a"], "root")
        .unwrap();
    // Nobody holds ENGINEERING_MANAGER for team a: the fallback may decide, alone.
    let orphan = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    // …but not what someone else can decide, nor their own request.
    let low = gov
        .submit(request("a", ImpactLevel::Low, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        gov.approve(low.id, "fb", &low.digest).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    let own = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "fb"))
        .unwrap();
    assert_eq!(
        gov.approve(own.id, "fb", &own.digest).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    // Its reminders go to the fallback approver (EM has 4 hours; reminded 2 hours before).
    clock.advance(Duration::hours(2));
    let reminded = gov.process_deadlines().unwrap().reminded;
    let to_orphan = reminded.iter().find(|x| x.request == orphan.id).unwrap();
    assert_eq!(to_orphan.recipients, ["fb"]);
    let done = gov.approve(orphan.id, "fb", &orphan.digest).unwrap();
    assert_eq!(
        done.status,
        RequestStatus::Approved,
        "alone, under a quorum of two"
    );
    assert_eq!(
        last_entry(&juno, orphan.id, "request_approved").payload["fallback"],
        true
    );
    gov.execute(orphan.id, &orphan.action, &mut Recorder::default())
        .unwrap();
    let report = gov.compliance_report().unwrap();
    assert_eq!(report.violations, 0, "{:?}", report.findings);
    let fallbacks: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "fallback_decision")
        .collect();
    assert_eq!(fallbacks.len(), 1);
    assert_eq!(fallbacks[0].subject, format!("request:{}", orphan.id));
    // Once someone holds the role, the fallback steps back.
    gov.assign_role("em", Role::EngineeringManager, &["a"], "root")
        .unwrap();
    let next = gov
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        gov.approve(next.id, "fb", &next.digest).unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    // Without FALLBACK_APPROVER nobody is the fallback.
    let (plain, _) = engine_with(&[]);
    let r = plain
        .governance()
        .submit(request("a", ImpactLevel::Critical, 0.5, "juno"))
        .unwrap();
    assert_eq!(
        plain
            .governance()
            .approve(r.id, "fb", &r.digest)
            .unwrap_err()
            .kind(),
        ErrorKind::PermissionDenied
    );
}

// ---- automation levels --------------------------------------------------------------------

#[test]
fn automation_levels_per_team_and_kind_decide_how_far_juno_goes() {
    use juno_core::config::TeamAutomation;
    use juno_core::model::AutomationLevel as L;
    let (juno, _) = engine_configured(&[("AUTONOMOUS_ACTIONS", "true")], |c| {
        c.automation.default = Some(L::Approve);
        c.automation.teams.insert(
            "a".into(),
            TeamAutomation {
                level: Some(L::Auto),
                kinds: [
                    ("close".to_owned(), L::Suggest),
                    ("reopen".to_owned(), L::Off),
                ]
                .into_iter()
                .collect(),
            },
        );
    });
    let gov = juno.governance();
    gov.assign_role("lead", Role::TeamLead, &["a", "b"], "root")
        .unwrap();
    let of_kind = |team: &str, kind: &str| {
        let mut p = request(team, ImpactLevel::Low, 0.99, "juno");
        p.action.kind = kind.into();
        p
    };
    // Team a is at `auto`: policy approves; the decision names the level.
    let auto = gov.submit(of_kind("a", "reassign")).unwrap();
    assert_eq!(auto.status, RequestStatus::AutoApproved);
    assert_eq!(auto.decision.unwrap()["automation"], "auto");
    // Team b is at the default `approve`: a person decides, whatever the confidence.
    let b = gov.submit(of_kind("b", "reassign")).unwrap();
    assert_eq!(b.status, RequestStatus::Pending);
    assert_eq!(gov.route(&of_kind("b", "reassign")).automation, L::Approve);
    // `suggest`: recorded and shown, never approved or executed.
    let s = gov.submit(of_kind("a", "close")).unwrap();
    assert_eq!(s.status, RequestStatus::Suggested);
    assert_eq!(s.deadline, None);
    assert_eq!(
        gov.approve(s.id, "lead", &s.digest).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    let mut recorder = Recorder::default();
    assert_eq!(
        gov.execute(s.id, &s.action, &mut recorder)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState
    );
    assert!(recorder.0.is_empty());
    assert!(
        gov.pending(None, None)
            .unwrap()
            .iter()
            .all(|r| r.id != s.id)
    );
    let submitted = juno
        .audit()
        .entries_for(&format!("request:{}", s.id))
        .unwrap();
    assert_eq!(submitted[0].payload["automation"], "suggest");
    // `off`: refused, by name, and a batch holding one stores nothing.
    let err = gov.submit(of_kind("a", "reopen")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("automation is `off`"), "{err}");
    let before = gov.dashboard().unwrap().by_status.values().sum::<u64>();
    let err = gov
        .submit_many(vec![of_kind("a", "reassign"), of_kind("a", "reopen")])
        .unwrap_err();
    assert!(err.to_string().contains("items[1]"), "{err}");
    assert_eq!(
        gov.dashboard().unwrap().by_status.values().sum::<u64>(),
        before
    );
}

#[test]
fn without_levels_autonomous_actions_keeps_its_meaning_and_supervisor_mode_wins() {
    use juno_core::model::AutomationLevel as L;
    let (plain, _) = engine_with(&[]);
    let p = request("a", ImpactLevel::Low, 0.99, "juno");
    assert_eq!(plain.governance().route(&p).automation, L::Approve);
    let (autonomous, _) = engine_with(&[("AUTONOMOUS_ACTIONS", "true")]);
    let r = autonomous.governance().route(&p);
    assert_eq!(r.automation, L::Auto);
    assert!(r.decision.is_some());
    // `auto` never outruns the organisation-wide switches.
    let (supervised, _) = engine_with(&[
        ("AUTONOMOUS_ACTIONS", "true"),
        ("SUPERVISOR_MODE", "true"),
        ("AUTOMATION_LEVEL", "auto"),
    ]);
    assert!(supervised.governance().route(&p).decision.is_none());
    let (off, _) = engine_with(&[("AUTOMATION_LEVEL", "auto")]);
    assert!(off.governance().route(&p).decision.is_none());
    let err = juno_core::Config::from_settings(
        &[("AUTOMATION_LEVEL".to_owned(), "sometimes".to_owned())]
            .into_iter()
            .collect(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("AUTOMATION_LEVEL"), "{err}");
}

// ---- shadow mode --------------------------------------------------------------------------

#[test]
fn a_shadow_policy_is_logged_beside_the_live_one_and_replayed_over_the_past() {
    use juno_core::config::ShadowPolicy;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shadow.db");
    let open = |shadow: Option<ShadowPolicy>| {
        let map: BTreeMap<String, String> = [("AUTONOMOUS_ACTIONS".to_owned(), "true".to_owned())]
            .into_iter()
            .collect();
        let mut config = Config::from_settings(&map).unwrap();
        config.database_url = DatabaseUrl::Sqlite(path.clone());
        config.shadow = shadow;
        Juno::open(config)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(T0)))
    };
    // Before the shadow existed: a low-impact request at 0.7, which a person rejected.
    let past = {
        let juno = open(None);
        let gov = juno.governance();
        gov.assign_role("lead", Role::TeamLead, &["a"], "root")
            .unwrap();
        assert_eq!(
            gov.shadow_report().unwrap_err().kind(),
            ErrorKind::InvalidState
        );
        let r = gov
            .submit(request("a", ImpactLevel::Low, 0.7, "juno"))
            .unwrap();
        gov.reject(r.id, "lead", "not this one").unwrap();
        r.id
    };
    // The candidate: auto-approve low impact from 0.6, and nothing else.
    let juno = open(Some(ShadowPolicy {
        auto_approval_threshold: Some(0.6),
        auto_approve_levels: Some(vec![ImpactLevel::Low]),
        automation: None,
    }));
    let gov = juno.governance();
    // Live decisions are unchanged: the shadow is log-only.
    let approved_by_person = gov
        .submit(request("a", ImpactLevel::Low, 0.8, "juno"))
        .unwrap();
    assert_eq!(approved_by_person.status, RequestStatus::Pending);
    gov.approve(approved_by_person.id, "lead", &approved_by_person.digest)
        .unwrap();
    let same = gov
        .submit(request("a", ImpactLevel::Low, 0.95, "juno"))
        .unwrap();
    assert_eq!(same.status, RequestStatus::AutoApproved);
    let stricter = gov
        .submit(request("a", ImpactLevel::Medium, 0.95, "juno"))
        .unwrap();
    assert_eq!(stricter.status, RequestStatus::AutoApproved);
    let logged = &juno
        .audit()
        .entries_for(&format!("request:{}", stricter.id))
        .unwrap()[0];
    assert_eq!(
        logged.payload["shadow"],
        json!({ "outcome": "person", "live": "auto_approved", "differs": true })
    );

    let report = gov.shadow_report().unwrap();
    assert_eq!(report.requests, 4);
    let changed: Vec<(i64, &str, &str, Option<&str>)> = report
        .changed
        .iter()
        .map(|c| {
            (
                c.request,
                c.live.as_str(),
                c.shadow.as_str(),
                c.person.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            (past, "person", "auto_approved", Some("rejected")),
            (
                approved_by_person.id,
                "person",
                "auto_approved",
                Some("approved")
            ),
            (stricter.id, "auto_approved", "person", None),
        ]
    );
    assert_eq!(
        (
            report.auto_approve_rejected,
            report.auto_approve_approved,
            report.sent_to_person
        ),
        (1, 1, 1)
    );
    // The compliance report lists the divergences logged since the shadow ran.
    let compliance = gov.compliance_report().unwrap();
    let diverged: Vec<&str> = compliance
        .findings
        .iter()
        .filter(|f| f.rule == "shadow_divergence")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        diverged,
        [
            format!("request:{}", approved_by_person.id),
            format!("request:{}", stricter.id)
        ]
    );
    assert_eq!(compliance.violations, 0);
}

/// Pages of the pending queue: oldest first, filtered by role and teams, with the total.
#[test]
fn pending_pages_are_read_as_pages() {
    let (juno, _) = engine_with(&[]);
    let gov = juno.governance();
    for (i, team) in ["team_a", "team_b", "team_a", "team_c", "team_a"]
        .iter()
        .enumerate()
    {
        let mut p = request(team, ImpactLevel::Low, 0.3, "juno");
        p.action.target = Some(format!("T-{i}"));
        gov.submit(p).unwrap();
    }
    let all = gov.pending_page(None, None, 0, 10).unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(all.requests, gov.pending(None, None).unwrap());
    let teams = vec!["team_a".to_owned(), "team_c".to_owned()];
    let page = gov.pending_page(None, Some(&teams), 1, 2).unwrap();
    assert_eq!(page.total, 4);
    let targets: Vec<_> = page
        .requests
        .iter()
        .map(|r| r.action.target.clone().unwrap())
        .collect();
    assert_eq!(targets, ["T-2", "T-3"]);
    let none = gov.pending_page(Some(Role::Director), None, 0, 10).unwrap();
    assert_eq!((none.total, none.requests.len()), (0, 0));
    assert!(
        gov.pending_page(None, Some(&[]), 0, 10)
            .unwrap()
            .requests
            .is_empty()
    );
    for bad in [0, 10_001] {
        let e = gov.pending_page(None, None, 0, bad).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
    }
}
