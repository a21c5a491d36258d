//! The executor outbox under crashes (issue #12): a process killed between an action's
//! approval and its record as executed — once after the executor made its write, once
//! before — leaves the action to the next cycle, which runs each approved action exactly
//! once: the write made before the crash is recognised by the executor's idempotency
//! marker and never repeated, the one not made is made once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use juno_core::agent::CycleOptions;
use juno_core::config::DatabaseUrl;
use juno_core::executor::RecordingExecutor;
use juno_core::governance::{Action, Applied, Approval, Executor, RequestStatus};
use juno_core::source::sim::{SimSettings, SimSource};
use juno_core::{Config, Juno, ManualClock};

const CHILD_DIR: &str = "JUNO_OUTBOX_CHILD_DIR";
const CHILD_KILL: &str = "JUNO_OUTBOX_CHILD_KILL";

fn settings() -> SimSettings {
    SimSettings {
        teams: 2,
        ..SimSettings::default()
    }
}

fn open(dir: &Path, hours_later: i64) -> Juno {
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Sqlite(dir.join("juno.db"));
    let at = settings().end + chrono::Duration::hours(hours_later);
    Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(at)))
}

/// An executor whose "remote system" is a directory: each write appends the request id
/// to `writes.log` (synced) after leaving a marker file named by the approval's digest,
/// the way the Jira executor leaves an issue property. `kill` makes it SIGKILL its own
/// process at its first action, `before` or `after` the write.
struct FileExecutor {
    dir: PathBuf,
    kill: Option<String>,
}

impl FileExecutor {
    fn marker(&self, approval: &Approval<'_>) -> PathBuf {
        self.dir.join(format!("applied-{}", approval.digest))
    }

    fn die(&self) -> ! {
        let _ = Command::new("kill")
            .args(["-9", &std::process::id().to_string()])
            .status();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

impl Executor for FileExecutor {
    fn execute(&mut self, _: &Action) -> Result<serde_json::Value, String> {
        Err("this executor runs approved actions only".into())
    }

    fn execute_approved(&mut self, approval: &Approval<'_>) -> Result<serde_json::Value, String> {
        if self.kill.as_deref() == Some("before") {
            self.die();
        }
        let marker = std::fs::File::create(self.marker(approval)).unwrap();
        marker.sync_all().unwrap();
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("writes.log"))
            .unwrap();
        writeln!(log, "{}", approval.request_id).unwrap();
        log.sync_all().unwrap();
        if self.kill.as_deref() == Some("after") {
            self.die();
        }
        Ok(serde_json::json!({ "executor": "file" }))
    }

    fn applied(&mut self, approval: &Approval<'_>) -> Result<Applied, String> {
        Ok(if self.marker(approval).exists() {
            Applied::Yes
        } else {
            Applied::No
        })
    }
}

fn writes(dir: &Path) -> Vec<i64> {
    std::fs::read_to_string(dir.join("writes.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

/// Child half of the test: does nothing unless spawned by it. Runs one cycle and is
/// killed by its own executor.
#[test]
fn outbox_child() {
    let (Ok(dir), Ok(kill)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_KILL)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let juno = open(&dir, 1);
    let mut exec = FileExecutor {
        dir: dir.clone(),
        kill: Some(kill),
    };
    let _ = juno
        .agent()
        .run_cycle(None, &mut exec, &CycleOptions::default());
    panic!("the executor should have killed this process");
}

fn child(dir: &Path, kill: &str) {
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "outbox_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_KILL, kill)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child was meant to die");
}

#[test]
fn an_action_interrupted_around_its_write_runs_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    // A cycle proposes; a lead approves everything that waits for a person.
    let approved: Vec<i64> = {
        let juno = open(dir, 0);
        let mut options = CycleOptions::default();
        options.triage.max_proposals = 8;
        let mut sim = SimSource::new(settings()).unwrap();
        let report = juno
            .agent()
            .run_cycle(Some(&mut sim), &mut RecordingExecutor::new(), &options)
            .unwrap();
        let g = juno.governance();
        let mut ids = Vec::new();
        for p in report.proposals.iter().filter(|p| p.status == "pending") {
            let id = p.request_id.unwrap();
            let r = g.get(id).unwrap();
            g.assign_role("lea", r.role, &[p.team.as_str()], "admin")
                .unwrap();
            g.approve(id, "lea", &r.digest).unwrap();
            ids.push(id);
        }
        ids
    };
    assert!(approved.len() >= 3, "{approved:?}");

    // Killed after its first write, before JUNO recorded it.
    child(dir, "after");
    let first = writes(dir);
    assert_eq!(first.len(), 1);
    let executing = |juno: &Juno| {
        approved
            .iter()
            .filter(|id| juno.governance().get(**id).unwrap().status == RequestStatus::Executing)
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(executing(&open(dir, 1)), first, "left executing");

    // The next process recovers it (the marker says it was applied), then is killed
    // before its next write.
    child(dir, "before");
    assert_eq!(writes(dir), first, "nothing was written twice");
    let juno = open(dir, 1);
    assert_eq!(
        juno.governance().get(first[0]).unwrap().status,
        RequestStatus::Executed
    );
    assert_eq!(
        executing(&juno).len(),
        1,
        "the second action was interrupted"
    );

    // Ordinary cycles finish the rest, each action once.
    let mut exec = FileExecutor {
        dir: dir.to_path_buf(),
        kill: None,
    };
    for _ in 0..3 {
        juno.agent()
            .run_cycle(None, &mut exec, &CycleOptions::default())
            .unwrap();
    }
    let mut done = writes(dir);
    done.sort_unstable();
    let mut want = approved.clone();
    want.sort_unstable();
    assert_eq!(done, want, "each approved action written exactly once");
    for id in &approved {
        assert_eq!(
            juno.governance().get(*id).unwrap().status,
            RequestStatus::Executed
        );
    }
    assert!(juno.audit().verify(None).unwrap().ok);
    assert_eq!(juno.governance().compliance_report().unwrap().violations, 0);
}
