//! The agent cycle against a real HTTP stand-in for Jira on 127.0.0.1: sync from Jira,
//! propose, a dry run that writes nothing, the approved writes made once (attributed, with
//! the idempotency marker), and a crash between Jira's write and its record that, after a
//! rerun, leaves exactly one write in the stand-in's log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/jira_standin.rs"]
mod jira_standin;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::agent::{CycleOptions, CycleReport};
use juno_core::config::{DatabaseUrl, Secret};
use juno_core::executor::jira::{JiraExecutor, MARKER};
use juno_core::governance::{Applied, Approval, Executor, RequestStatus};
use juno_core::source::jira::{Flavor, JiraSettings, JiraSource};
use juno_core::{Config, Juno, ManualClock};
use serde_json::Value;

use jira_standin::{Standin, alpha, base64};

const TOKEN: &str = "tok-cycle-123";
const EMAIL: &str = "bot@acme.test";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-08T14:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn settings(url: &str) -> JiraSettings {
    JiraSettings {
        base_url: url.to_owned(),
        flavor: Flavor::Cloud,
        email: Some(EMAIL.into()),
        token: Secret::new(TOKEN),
        projects: vec!["ALPHA".into()],
        max_requests_per_second: 0.0,
        timeout_secs: 5.0,
        backoff_ms: 5,
        juno_account: Some(jira_standin::BOT_ACCOUNT.into()),
        ..JiraSettings::default()
    }
}

fn standin() -> Standin {
    Standin::start(
        alpha(),
        &format!("Basic {}", base64(&format!("{EMAIL}:{TOKEN}"))),
    )
}

fn open(db: &Path) -> Juno {
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Sqlite(db.to_owned());
    Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now())))
}

fn cycle(juno: &Juno, url: &str, exec: &mut dyn Executor, dry_run: bool) -> CycleReport {
    let mut source = JiraSource::new(settings(url)).unwrap();
    let options = CycleOptions {
        dry_run,
        ..CycleOptions::default()
    };
    juno.agent()
        .run_cycle(Some(&mut source), exec, &options)
        .unwrap()
}

/// Approves the first proposal that writes a comment; returns its request id and ticket.
fn approve_one(juno: &Juno, report: &CycleReport) -> (i64, String) {
    let p = report
        .proposals
        .iter()
        .find(|p| {
            p.writes
                .iter()
                .any(|w| matches!(w, juno_core::executor::Write::Comment { .. }))
        })
        .expect("a proposal with a comment");
    let id = p.request_id.unwrap();
    let r = juno.governance().get(id).unwrap();
    juno.governance()
        .assign_role("lea", p.waits_for.unwrap(), &[&p.team], "admin")
        .unwrap();
    juno.governance().approve(id, "lea", &r.digest).unwrap();
    (id, p.target.clone())
}

fn comment_posts(site: &Standin, key: &str) -> usize {
    site.log()
        .iter()
        .filter(|r| r.method == "POST" && r.path == format!("/rest/api/3/issue/{key}/comment"))
        .count()
}

fn writes(site: &Standin) -> usize {
    site.log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("/properties/"))
        .count()
}

#[test]
fn approved_actions_reach_jira_once_attributed_and_marked() {
    let site = standin();
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&dir.path().join("juno.db"));
    let mut jira = JiraExecutor::new(settings(&site.url)).unwrap();

    // A dry run reads Jira (and stores what it read), shows the writes, and writes
    // nothing to Jira or to governance.
    let dry = cycle(&juno, &site.url, &mut jira, true);
    assert_eq!(dry.sync.as_ref().unwrap().stored.tickets, 250);
    assert!(!dry.proposals.is_empty());
    assert_eq!(writes(&site), 0);
    assert!(juno.governance().pending(None, None).unwrap().is_empty());

    // The real cycle proposes; nothing is written until a person approves.
    let first = cycle(&juno, &site.url, &mut jira, false);
    assert_eq!(writes(&site), 0);
    assert_eq!(first.proposals.len(), dry.proposals.len());
    let (id, key) = approve_one(&juno, &first);

    let second = cycle(&juno, &site.url, &mut jira, false);
    assert_eq!(second.executed.len(), 1, "{:?}", second.executed);
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executed
    );
    assert_eq!(comment_posts(&site, &key), 1);
    // The comment is Atlassian Document Format and says which approval authorised it.
    let body = site
        .data(|d| {
            d.comments
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, b)| b.clone())
        })
        .unwrap();
    assert_eq!(body["type"], "doc");
    let text = body.to_string();
    assert!(text.contains(&format!("approval request #{id}")), "{text}");
    assert!(text.contains("approved by lea"));
    // The marker in Jira holds the action's digest, nothing pending.
    let digest = juno.governance().get(id).unwrap().digest;
    let marker = site
        .data(|d| d.properties.get(&(key.clone(), MARKER.to_owned())).cloned())
        .unwrap();
    assert_eq!(marker["applied"], serde_json::json!([digest]));
    assert_eq!(marker["pending"], Value::Null);
    // The incremental sync asked only for what changed, and nothing runs twice.
    let before = writes(&site);
    let third = cycle(&juno, &site.url, &mut jira, false);
    assert!(third.executed.is_empty());
    assert_eq!(writes(&site), before);
    assert!(third.sync.as_ref().unwrap().since.is_some());
    // JUNO's own comment is on the issue and moved Jira's `updated`, yet the stored ticket
    // did not become fresh: its own writes never reset the staleness clock.
    let stored = juno
        .source()
        .snapshot()
        .unwrap()
        .tickets
        .into_iter()
        .find(|t| t.key == key)
        .unwrap();
    let commented = DateTime::parse_from_rfc3339("2026-01-08T15:00:00Z").unwrap();
    assert!(stored.updated.unwrap() < commented, "{:?}", stored.updated);
    assert!(stored.last_comment.is_none_or(|c| c < commented));
    // The token never reached the database.
    let raw = std::fs::read(dir.path().join("juno.db")).unwrap();
    assert!(!raw.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
}

/// Runs the Jira executor, then dies (or dies first) — what a crash does.
struct Crash {
    inner: JiraExecutor,
    before_writes: bool,
}

impl Executor for Crash {
    fn execute(&mut self, action: &juno_core::governance::Action) -> Result<Value, String> {
        self.inner.execute(action)
    }
    fn execute_approved(&mut self, approval: &Approval<'_>) -> Result<Value, String> {
        if !self.before_writes {
            self.inner.execute_approved(approval)?;
        }
        std::process::abort();
    }
}

/// The child process of the crash tests: one cycle with the crashing executor. It does
/// nothing unless the parent test started it.
#[test]
fn crash_child() {
    let (Ok(db), Ok(url)) = (
        std::env::var("JUNO_CRASH_DB"),
        std::env::var("JUNO_CRASH_URL"),
    ) else {
        return;
    };
    let before_writes = std::env::var("JUNO_CRASH_BEFORE").is_ok();
    let juno = open(Path::new(&db));
    let mut crash = Crash {
        inner: JiraExecutor::new(settings(&url)).unwrap(),
        before_writes,
    };
    cycle(&juno, &url, &mut crash, false);
    unreachable!("the executor aborts the process");
}

fn crash_then_rerun(before_writes: bool) -> (Standin, Juno, i64, String, CycleReport) {
    let site = standin();
    let dir = tempfile::tempdir().unwrap().keep();
    let db = dir.join("juno.db");
    let juno = open(&db);
    let mut jira = JiraExecutor::new(settings(&site.url)).unwrap();
    let first = cycle(&juno, &site.url, &mut jira, false);
    let (id, key) = approve_one(&juno, &first);

    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("JUNO_CRASH_DB", &db)
        .env("JUNO_CRASH_URL", &site.url);
    if before_writes {
        child.env("JUNO_CRASH_BEFORE", "1");
    }
    let status = child
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child was meant to die");
    // The crash left the request claimed, its intent recorded, its outcome not.
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executing
    );
    let record = juno.executor().record(id).unwrap().unwrap();
    assert!(record.done_at.is_none());

    let rerun = cycle(&juno, &site.url, &mut jira, false);
    (site, juno, id, key, rerun)
}

#[test]
fn a_crash_after_the_jira_write_is_recovered_without_writing_twice() {
    let (site, juno, id, key, rerun) = crash_then_rerun(false);
    // Jira has the write once; the rerun read the marker and recorded it.
    assert_eq!(comment_posts(&site, &key), 1);
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executed
    );
    assert!(
        rerun
            .executed
            .iter()
            .any(|e| e.request_id == id && e.detail["recovered"] == true)
    );
    let record = juno.executor().record(id).unwrap().unwrap();
    assert_eq!(record.ok, Some(true));
    assert!(
        juno.audit()
            .entries_for(&format!("request:{id}"))
            .unwrap()
            .iter()
            .any(|e| e.event == "request_recovered")
    );
    assert!(juno.audit().verify(None).unwrap().ok);
}

#[test]
fn a_crash_before_any_write_runs_the_action_once_on_the_rerun() {
    let (site, juno, id, key, rerun) = crash_then_rerun(true);
    assert_eq!(comment_posts(&site, &key), 1);
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executed
    );
    assert!(rerun.executed.iter().any(|e| e.request_id == id));
}

#[test]
fn the_marker_answers_whether_an_action_was_applied() {
    let site = standin();
    let mut jira = JiraExecutor::new(settings(&site.url)).unwrap();
    let action = juno_core::governance::Action {
        kind: "triage.request_info".into(),
        team: "alpha".into(),
        target: Some("ALPHA-3".into()),
        parameters: serde_json::json!({ "writes": [
            { "op": "comment", "key": "ALPHA-3", "body": "JUNO: needs an estimate" },
            { "op": "set_priority", "key": "ALPHA-3", "from": null, "to": "High" }
        ]}),
    };
    let digest = action.digest();
    let approval = Approval {
        request_id: 7,
        action: &action,
        digest: &digest,
        approved_by: "lea",
    };
    assert_eq!(jira.applied(&approval).unwrap(), Applied::No);
    let result = jira.execute_approved(&approval).unwrap();
    assert_eq!(jira.applied(&approval).unwrap(), Applied::Yes);
    // The change records what Jira really had before, for revert.
    let from = &result["changes"][1]["from"];
    assert!(from.is_string(), "{result}");
    // A second call writes nothing.
    let posts = comment_posts(&site, "ALPHA-3");
    let again = jira.execute_approved(&approval).unwrap();
    assert_eq!(again["already_applied"], true);
    assert_eq!(comment_posts(&site, "ALPHA-3"), posts);
    // A marker left pending (a crash mid-action) is reported as partial, never retried.
    site.data(|d| {
        d.properties.insert(
            ("ALPHA-4".into(), MARKER.into()),
            serde_json::json!({ "applied": [], "pending": "x" }),
        );
    });
    let other = juno_core::governance::Action {
        target: Some("ALPHA-4".into()),
        parameters: serde_json::json!({ "writes": [
            { "op": "comment", "key": "ALPHA-4", "body": "JUNO" }
        ]}),
        ..action.clone()
    };
    let approval = Approval {
        request_id: 8,
        action: &other,
        digest: "x",
        approved_by: "lea",
    };
    assert_eq!(jira.applied(&approval).unwrap(), Applied::Partial);
}
