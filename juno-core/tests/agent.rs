//! The agent cycle end to end over the simulated organisation: sync → analyze → propose →
//! govern → execute exactly once → learn, through one SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use juno_core::agent::{CycleOptions, CycleReport};
use juno_core::config::DatabaseUrl;
use juno_core::executor::{GuardRails, RecordingExecutor, Write};
use juno_core::governance::RequestStatus;
use juno_core::model::Role;
use juno_core::source::sim::{SimSettings, SimSource};
use juno_core::{Config, Error, Juno, ManualClock};

fn settings() -> SimSettings {
    SimSettings {
        teams: 3,
        ..SimSettings::default()
    }
}

fn open(dir: &tempfile::TempDir, config: Config) -> (Juno, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(settings().end));
    let mut config = config;
    config.database_url = DatabaseUrl::Sqlite(dir.path().join("juno.db"));
    let juno = Juno::open(config).unwrap().with_clock(clock.clone());
    (juno, clock)
}

fn cycle(juno: &Juno, exec: &mut RecordingExecutor, options: &CycleOptions) -> CycleReport {
    let mut sim = SimSource::new(settings()).unwrap();
    juno.agent()
        .run_cycle(Some(&mut sim), exec, options)
        .unwrap()
}

/// Options that propose every finding (no cap in the way).
fn everything() -> CycleOptions {
    let mut o = CycleOptions::default();
    o.triage.max_proposals = 10_000;
    o
}

#[test]
fn a_cycle_reads_the_store_proposes_and_waits_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let report = cycle(&juno, &mut exec, &CycleOptions::default());

    // Observe: everything the simulation holds was stored and read back.
    assert_eq!(report.seen.teams, 3);
    assert_eq!(report.seen.active_sprints, 3);
    assert_eq!(report.seen.finished_sprints, 3 * 26);
    assert!(report.sync.as_ref().unwrap().stored.tickets > 100);
    // Analyze: one team report and one forecast each.
    assert_eq!(report.teams.len(), 3);
    assert!(
        report
            .teams
            .iter()
            .all(|t| t.sprints == 20 && t.mean_velocity > 0.0)
    );
    assert_eq!(report.risks.len(), 3);
    assert!(
        report
            .risks
            .windows(2)
            .all(|w| w[0].p_deliver_80 <= w[1].p_deliver_80)
    );
    // Decide + govern: the abandoned carry-over is proposed, and with autonomous actions
    // off (the default) every proposal waits for a person.
    assert!(!report.proposals.is_empty());
    for p in &report.proposals {
        assert_eq!(p.status, "pending");
        assert!(p.waits_for.is_some() && p.request_id.is_some());
        assert!(!p.writes.is_empty());
    }
    // Act: nothing approved, nothing executed.
    assert!(report.executed.is_empty() && exec.log.is_empty());
    // Learn: the finished sprints trained a model.
    assert_eq!(report.learned.sprints_recorded, 3 * 26);
    assert_eq!(report.learned.retrained_version, Some(1));
    assert!(report.cycle.is_some());
    assert_eq!(juno.agent().cycles(5).unwrap().len(), 1);
    // The audit log proves every submission.
    let verify = juno.audit().verify(None).unwrap();
    assert!(verify.ok);
    assert!(verify.entries >= report.proposals.len() as u64);
}

#[test]
fn an_approval_between_cycles_executes_once_and_nothing_is_proposed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let first = cycle(&juno, &mut exec, &everything());
    let p = &first.proposals[0];
    let id = p.request_id.unwrap();
    let request = juno.governance().get(id).unwrap();
    juno.governance()
        .assign_role("lea", p.waits_for.unwrap(), &[&p.team], "admin")
        .unwrap();
    juno.governance()
        .approve(id, "lea", &request.digest)
        .unwrap();

    clock.advance(chrono::Duration::hours(1));
    let second = cycle(&juno, &mut exec, &everything());
    // The approved action ran, exactly its writes, attributed to the approval.
    assert_eq!(second.executed.len(), 1);
    assert_eq!(second.executed[0].request_id, id);
    assert_eq!(second.executed[0].approved_by.as_deref(), Some("lea"));
    let logged: Vec<_> = exec.log.iter().filter(|(r, _)| *r == id).collect();
    assert_eq!(logged.len(), p.writes.len());
    let comment = logged.iter().find_map(|(_, w)| match w {
        Write::Comment { body, .. } => Some(body.clone()),
        _ => None,
    });
    assert!(
        comment
            .unwrap()
            .contains(&format!("approval request #{id}"))
    );
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executed
    );
    // Nothing made in the first cycle was proposed again.
    assert!(second.proposals.is_empty(), "{:?}", second.proposals);
    assert_eq!(second.skipped.len(), first.proposals.len());
    assert!(second.skipped.iter().any(|s| s.reason.contains("pending")));
    // The person's approval was learned for the team and action.
    let action = p.kind.trim_start_matches("triage.");
    assert!(second.learned.outcomes.contains(&(
        p.team.clone(),
        action.to_owned(),
        "approved".to_owned()
    )));
    let pref = juno.memory().preference(&p.team, action).unwrap().unwrap();
    assert_eq!(pref.approved, 1);

    // A third cycle executes nothing again.
    let third = cycle(&juno, &mut exec, &everything());
    assert!(third.executed.is_empty());
    assert_eq!(
        exec.log.iter().filter(|(r, _)| *r == id).count(),
        p.writes.len()
    );
    // And the outbox knows what it changed.
    let record = juno.executor().record(id).unwrap().unwrap();
    assert_eq!(record.ok, Some(true));
    assert!(record.done_at.is_some());
}

#[test]
fn a_rejection_is_learned_and_not_proposed_again_during_the_cooldown() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let first = cycle(&juno, &mut exec, &CycleOptions::default());
    let p = &first.proposals[0];
    let id = p.request_id.unwrap();
    let role = p.waits_for.unwrap();
    juno.governance()
        .assign_role("rita", role, &[&p.team], "admin")
        .unwrap();
    juno.governance()
        .reject(id, "rita", "we keep these")
        .unwrap();
    clock.advance(chrono::Duration::days(1));
    let second = cycle(&juno, &mut exec, &CycleOptions::default());
    assert!(
        !second
            .proposals
            .iter()
            .any(|q| q.target == p.target && q.kind == p.kind)
    );
    assert!(
        second
            .skipped
            .iter()
            .any(|s| s.target == p.target && s.reason.contains("rejected"))
    );
    let action = p.kind.trim_start_matches("triage.");
    assert_eq!(
        juno.memory()
            .preference(&p.team, action)
            .unwrap()
            .unwrap()
            .total,
        1
    );
}

#[test]
fn auto_approved_actions_execute_within_the_budget_and_guard_rails() {
    let dir = tempfile::tempdir().unwrap();
    // Everything low/medium impact is auto-approved at threshold 0.
    let mut config = Config::default();
    config.autonomous_actions = true;
    config.approval_rules.auto_approval_threshold = 0.0;
    let (juno, _) = open(&dir, config);
    let mut exec = RecordingExecutor::new();
    let mut options = CycleOptions {
        guard_rails: GuardRails {
            write_budget: 2,
            ..GuardRails::default()
        },
        ..CycleOptions::default()
    };
    // Past the escalations (high impact, never automatic) to the routine work.
    options.triage.max_proposals = 1000;
    let report = cycle(&juno, &mut exec, &options);
    let auto = report
        .proposals
        .iter()
        .filter(|p| p.status == "auto_approved")
        .count();
    assert!(auto > 2, "{auto}");
    assert_eq!(report.executed.len(), 2);
    assert_eq!(report.held.len(), auto - 2);
    assert!(
        report.held[0].detail["held"]
            .as_str()
            .unwrap()
            .contains("budget")
    );
    // A project JUNO may not write to holds everything.
    options.guard_rails = GuardRails {
        projects: vec!["NOPE".into()],
        ..GuardRails::default()
    };
    let report = cycle(&juno, &mut exec, &options);
    assert!(report.executed.is_empty());
    assert!(
        report.held[0].detail["held"]
            .as_str()
            .unwrap()
            .contains("not among the projects")
    );
}

#[test]
fn a_dry_run_shows_the_writes_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let mut sim = SimSource::new(settings()).unwrap();
    juno.source().sync(&mut sim).unwrap();
    let audit_before = juno.audit().len().unwrap();
    let dry = juno
        .agent()
        .run_cycle(
            None,
            &mut exec,
            &CycleOptions {
                dry_run: true,
                ..CycleOptions::default()
            },
        )
        .unwrap();
    assert!(dry.dry_run && dry.cycle.is_none());
    assert!(!dry.proposals.is_empty());
    assert!(
        dry.proposals
            .iter()
            .all(|p| p.request_id.is_none() && !p.writes.is_empty())
    );
    assert_eq!(juno.audit().len().unwrap(), audit_before);
    assert!(juno.governance().pending(None, None).unwrap().is_empty());
    assert!(exec.log.is_empty());
    assert_eq!(juno.forecast().model_versions().unwrap(), 0);
    // The real cycle proposes exactly what the dry run showed.
    let real = juno
        .agent()
        .run_cycle(None, &mut exec, &CycleOptions::default())
        .unwrap();
    let keys = |r: &CycleReport| {
        r.proposals
            .iter()
            .map(|p| (p.kind.clone(), p.target.clone(), p.writes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&dry), keys(&real));
}

#[test]
fn an_executed_action_can_be_reverted_through_governance() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let mut options = CycleOptions::default();
    options.triage.max_proposals = 1000;
    let first = cycle(&juno, &mut exec, &options);
    let p = first
        .proposals
        .iter()
        .find(|p| p.writes.iter().any(|w| matches!(w, Write::Assign { .. })))
        .expect("a revertible proposal");
    let id = p.request_id.unwrap();
    let digest = juno.governance().get(id).unwrap().digest;
    for role in [
        Role::TeamLead,
        Role::ProjectManager,
        Role::EngineeringManager,
    ] {
        juno.governance()
            .assign_role("boss", role, &["*"], "admin")
            .unwrap();
    }
    juno.governance().approve(id, "boss", &digest).unwrap();
    cycle(&juno, &mut exec, &CycleOptions::default());
    assert_eq!(
        juno.governance().get(id).unwrap().status,
        RequestStatus::Executed
    );

    // Not before approval: a revert is an action like any other.
    let revert = juno.executor().propose_revert(id, "ops").unwrap();
    assert_eq!(revert.status, RequestStatus::Pending);
    match juno.executor().propose_revert(999_999, "boss") {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{other:?}"),
    }
    juno.governance()
        .approve(revert.id, "boss", &revert.digest)
        .unwrap();
    let after = cycle(&juno, &mut exec, &CycleOptions::default());
    assert!(after.executed.iter().any(|e| e.request_id == revert.id));
    let inverse: Vec<Write> = p.writes.iter().rev().filter_map(Write::inverse).collect();
    let reverted: Vec<Write> = exec
        .log
        .iter()
        .filter(|(r, w)| *r == revert.id && !matches!(w, Write::Comment { .. }))
        .map(|(_, w)| w.clone())
        .collect();
    assert_eq!(reverted, inverse);
    assert_eq!(
        juno.executor().record(id).unwrap().unwrap().reverted_by,
        Some(revert.id)
    );
    assert!(after.learned.outcomes.iter().any(|o| o.2 == "reverted"));
    // Twice is refused.
    match juno.executor().propose_revert(id, "ops") {
        Err(e) => assert_eq!(e.kind(), juno_core::ErrorKind::InvalidState),
        Ok(r) => panic!("{r:?}"),
    }
}

#[test]
fn two_cycles_never_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let (other, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    // The other engine is mid-cycle: it holds the lease (taken from a second connection
    // through a cycle whose source blocks until we have tried).
    struct Slow<'a>(&'a Juno, Option<Error>);
    impl juno_core::source::Source for Slow<'_> {
        fn name(&self) -> String {
            "slow".into()
        }
        fn pull(
            &mut self,
            _since: Option<chrono::DateTime<chrono::Utc>>,
            _now: chrono::DateTime<chrono::Utc>,
        ) -> juno_core::Result<juno_core::source::Snapshot> {
            let mut exec = RecordingExecutor::new();
            self.1 = self
                .0
                .agent()
                .run_cycle(None, &mut exec, &CycleOptions::default())
                .err();
            Ok(juno_core::source::Snapshot::default())
        }
    }
    let mut slow = Slow(&other, None);
    juno.agent()
        .run_cycle(Some(&mut slow), &mut exec, &CycleOptions::default())
        .unwrap();
    match slow.1 {
        Some(e) => {
            assert_eq!(e.kind(), juno_core::ErrorKind::InvalidState);
            assert!(e.to_string().contains("another agent cycle"));
        }
        None => panic!("the second cycle ran"),
    }
    // Once the first is over the lease is free again.
    other
        .agent()
        .run_cycle(None, &mut exec, &CycleOptions::default())
        .unwrap();
}

#[test]
fn bad_options_are_refused_by_name() {
    let juno = Juno::open_in_memory().unwrap();
    let mut exec = RecordingExecutor::new();
    let bad = CycleOptions {
        cooldown_days: -1.0,
        ..CycleOptions::default()
    };
    match juno.agent().run_cycle(None, &mut exec, &bad) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "options.cooldown_days"),
        other => panic!("{other:?}"),
    }
    let opts: Result<CycleOptions, _> = serde_json::from_str(r#"{"dry_rnu": true}"#);
    assert!(opts.is_err());
}

#[test]
fn progress_is_reported_stage_by_stage() {
    let juno = Juno::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(settings().end)));
    let mut exec = RecordingExecutor::new();
    let mut sim = SimSource::new(settings()).unwrap();
    let mut seen = Vec::new();
    juno.agent()
        .run_cycle_with_progress(
            Some(&mut sim),
            &mut exec,
            &CycleOptions::default(),
            &mut |p| {
                let sync = p.sync.as_ref().map(|s| (s.phase.clone(), s.done));
                seen.push((p.stage.clone(), p.step, p.done, p.millis.is_some(), sync));
            },
        )
        .unwrap();
    let stages = ["observe", "analyze", "decide", "govern", "act", "learn"];
    let expected: Vec<_> = stages
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let step = i as u32 + 1;
            let mut events = vec![(s.to_string(), step, false, false, None)];
            if *s == "observe" {
                // The simulated organisation builds its nouns at once: the sync reports
                // only its end, inside the observe stage.
                events.push((
                    s.to_string(),
                    step,
                    false,
                    false,
                    Some(("stored".into(), true)),
                ));
            }
            events.push((s.to_string(), step, true, true, None));
            events
        })
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn data_validation_names_what_is_missing() {
    let juno = Juno::open_in_memory().unwrap();
    let empty = juno.source().validate().unwrap();
    assert!(!empty.ok());
    assert_eq!(empty.findings[0].check, "nothing_synced");
    let mut snap = juno_core::source::sim::simulate(&settings()).unwrap();
    snap.tickets[0].priority = None;
    for s in &mut snap.sprints {
        s.committed_points = None;
    }
    juno.source().store("host", &snap, settings().end).unwrap();
    let report = juno.source().validate().unwrap();
    assert!(!report.ok(), "no story points anywhere is an error");
    // The cycle still runs: triage needs no points.
    let cycle = juno
        .agent()
        .run_cycle(
            None,
            &mut RecordingExecutor::new(),
            &CycleOptions::default(),
        )
        .unwrap();
    assert!(cycle.teams.iter().all(|t| t.sprints == 0));
    assert!(!cycle.proposals.is_empty());
    let checks: Vec<_> = report.findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks[0], "no_story_points");
    let missing = report
        .findings
        .iter()
        .find(|f| f.check == "ticket_without_priority")
        .unwrap();
    assert_eq!(missing.count, 1);
    assert_eq!(missing.examples, vec![snap.tickets[0].key.clone()]);
    // The simulated organisation as it comes is complete.
    let clean = Juno::open_in_memory().unwrap();
    let mut sim = SimSource::new(settings()).unwrap();
    clean.source().sync(&mut sim).unwrap();
    let report = clean.source().validate().unwrap();
    assert!(
        report.ok() && report.findings.is_empty(),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_source_without_checkpoints_still_trains_the_forecaster_over_time() {
    // Jira does not rebuild a finished sprint's past state: the cycle keeps the active
    // sprint's state early on, and uses it once the sprint has finished.
    let juno = Juno::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(settings().end)));
    let mut snap = juno_core::source::sim::simulate(&settings()).unwrap();
    snap.checkpoints.clear();
    juno.source()
        .store("jira-like", &snap, settings().end)
        .unwrap();
    let mut exec = RecordingExecutor::new();
    let first = juno
        .agent()
        .run_cycle(None, &mut exec, &CycleOptions::default())
        .unwrap();
    assert_eq!(
        first.learned.sprints_recorded, 0,
        "no checkpoints: nothing to learn yet"
    );
    assert_eq!(
        first.learned.checkpoints_taken, 3,
        "each active sprint is 40% through"
    );
    // The sprints finish; the source reports them without a past state.
    let finished: Vec<juno_core::model::Sprint> = snap
        .active
        .iter()
        .map(|a| {
            let mut s = juno_core::model::Sprint::with_points(
                a.sprint.clone(),
                a.committed_points,
                a.committed_points * 0.9,
            );
            s.team = a.team.clone();
            s.end = Some(settings().end + chrono::Duration::days(6));
            s
        })
        .collect();
    let later = juno_core::source::Snapshot {
        now: settings().end + chrono::Duration::days(7),
        sprints: finished,
        ..juno_core::source::Snapshot::default()
    };
    juno.source().store("jira-like", &later, later.now).unwrap();
    let second = juno
        .agent()
        .run_cycle(None, &mut exec, &CycleOptions::default())
        .unwrap();
    assert_eq!(second.learned.sprints_recorded, 3);
    let observed = juno.forecast().observations().unwrap();
    assert_eq!(observed.len(), 3);
    assert!((observed[0].state.days_elapsed - 4.0).abs() < 1e-9);
}

#[test]
fn automation_levels_decide_what_the_cycle_proposes_and_runs() {
    use juno_core::model::AutomationLevel;
    // `suggest` everywhere, even with autonomy on and a zero threshold: every proposal is
    // recorded as suggested, nothing executes, and the next cycle does not repeat them.
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.autonomous_actions = true;
    config.approval_rules.auto_approval_threshold = 0.0;
    config.automation.default = Some(AutomationLevel::Suggest);
    let (juno, _) = open(&dir, config);
    let mut exec = RecordingExecutor::new();
    // A dry run shows what submitting would do.
    let dry = cycle(
        &juno,
        &mut exec,
        &CycleOptions {
            dry_run: true,
            ..everything()
        },
    );
    assert!(!dry.proposals.is_empty());
    assert!(
        dry.proposals
            .iter()
            .all(|p| p.status == "suggested" && p.waits_for.is_none())
    );
    let report = cycle(&juno, &mut exec, &everything());
    assert!(!report.proposals.is_empty());
    assert!(
        report.proposals.iter().all(|p| p.status == "suggested"),
        "{:?}",
        report.proposals
    );
    assert!(report.executed.is_empty() && exec.log.is_empty());
    let again = cycle(&juno, &mut exec, &everything());
    assert!(again.proposals.is_empty());
    assert!(again.skipped.iter().all(|s| s.reason.contains("suggested")));
    // `off` for one team: nothing is proposed for it, and the report says why.
    let first_team = report.proposals[0].team.clone();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.automation.teams.insert(
        first_team.clone(),
        juno_core::config::TeamAutomation {
            level: Some(AutomationLevel::Off),
            ..Default::default()
        },
    );
    let (juno, _) = open(&dir, config);
    let report = cycle(&juno, &mut exec, &everything());
    assert!(report.proposals.iter().all(|p| p.team != first_team));
    assert!(!report.proposals.is_empty());
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason.contains("automation is off"))
    );
}

/// The (team, kind) with the most proposals in `report`, and those proposals' request ids.
fn busiest(report: &CycleReport) -> ((String, String), Vec<i64>) {
    let mut by: std::collections::BTreeMap<(String, String), Vec<i64>> = Default::default();
    for p in &report.proposals {
        by.entry((p.team.clone(), p.kind.clone()))
            .or_default()
            .push(p.request_id.unwrap());
    }
    by.into_iter().max_by_key(|(_, ids)| ids.len()).unwrap()
}

/// What one team's history of saying no does over three cycles under `options`: how many
/// times the busiest (team, kind) was asked again in cycles two and three, how many of its
/// tickets were held back, the team's recorded outcomes, and the kind.
fn saying_no(
    mut options: CycleOptions,
) -> (usize, usize, Vec<juno_core::memory::RecentOutcome>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    options.triage.max_proposals = 12;
    let learning = options.learning && options.preferences.enabled;
    let first = cycle(&juno, &mut exec, &options);
    let ((team, kind), ids) = busiest(&first);
    assert!(ids.len() >= 3, "{:?}", first.proposals);
    let g = juno.governance();
    for &id in &ids {
        let r = g.get(id).unwrap();
        g.assign_role("lea", r.role, &[&team], "admin").unwrap();
        g.reject(id, "lea", "not for us").unwrap();
    }
    clock.advance(chrono::Duration::hours(1));
    // Learns the rejections (and proposes what the cap left out).
    let second = cycle(&juno, &mut exec, &options);
    clock.advance(chrono::Duration::hours(1));
    let third = cycle(&juno, &mut exec, &options);
    let same = |r: &CycleReport| {
        r.proposals
            .iter()
            .filter(|p| p.team == team && p.kind == kind)
            .count()
    };
    let held = third
        .skipped
        .iter()
        .chain(&second.skipped)
        .filter(|s| s.kind == kind && s.reason.contains("turned down"))
        .count();
    let recent = juno.memory().recent_outcomes(&team, 50).unwrap();
    let probes: Vec<_> = second
        .proposals
        .iter()
        .chain(&third.proposals)
        .filter(|p| p.team == team && p.kind == kind)
        .cloned()
        .collect();
    if learning && held > 0 {
        // A probe asks a person: its confidence is the team's recent acceptance there.
        for p in &probes {
            assert!(p.explanation.contains("Probe: team"), "{}", p.explanation);
            assert!(p.confidence < 0.5 && p.status == "pending", "{p:?}");
        }
    }
    (same(&second) + same(&third), held, recent, kind)
}

/// A team that turned down an action three times running is not asked again (one probe
/// aside), the report says why, and the outcomes carry the situation they were made in.
/// With `learning` off the same history changes nothing.
#[test]
fn a_team_that_keeps_saying_no_is_not_asked_again() {
    let run = |learning: bool| {
        saying_no(CycleOptions {
            learning,
            ..CycleOptions::default()
        })
    };
    let (asked, held, recent, kind) = run(true);
    assert!(asked <= 1, "asked again {asked} times");
    assert!(held >= 1);
    let action = kind.trim_start_matches("triage.");
    assert!(recent.iter().filter(|o| o.action == action).count() >= 3);
    assert!(
        recent
            .iter()
            .all(|o| o.context.iter().any(|c| c.starts_with("weekday."))),
        "{recent:?}"
    );
    let (asked, held, recent, _) = run(false);
    assert!(asked >= 2, "learning off asked only {asked} times");
    assert_eq!(held, 0);
    assert!(recent.is_empty());
}

/// A host's veto holds proposals back, names its reason, and never approves anything.
#[test]
fn a_veto_holds_back_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let mut sim = SimSource::new(settings()).unwrap();
    let mut asked = 0;
    let report = juno
        .agent()
        .run_cycle_vetted(
            Some(&mut sim),
            &mut exec,
            &CycleOptions::default(),
            &mut |_| {},
            &mut |p, t| {
                asked += 1;
                assert_eq!(p.action.target.as_deref(), Some(t.key.as_str()));
                // The context the decide stage signs is in the action it asks about.
                assert!(p.action.parameters["context"].is_array());
                p.action
                    .kind
                    .ends_with("escalate")
                    .then(|| "change freeze on escalations".to_owned())
            },
        )
        .unwrap();
    assert!(asked > 0);
    assert!(!report.proposals.is_empty());
    assert!(
        report
            .proposals
            .iter()
            .all(|p| !p.kind.ends_with("escalate"))
    );
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason == "change freeze on escalations")
    );
}

/// The preference settings are checked by name.
#[test]
fn bad_preference_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (juno, _) = open(&dir, Config::default());
    let mut exec = RecordingExecutor::new();
    let mut options = CycleOptions::default();
    options.preferences.window = 0;
    let mut sim = SimSource::new(settings()).unwrap();
    match juno.agent().run_cycle(Some(&mut sim), &mut exec, &options) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "options.preferences.window"),
        other => panic!("{other:?}"),
    }
    for (json, field) in [
        (
            r#"{"preferences": {"probe_days": 1e9}}"#,
            "options.preferences.probe_days",
        ),
        (r#"{"cooldown_days": 1e12}"#, "options.cooldown_days"),
        (
            r#"{"preferences": {"min_against": 0}}"#,
            "options.preferences.min_against",
        ),
    ] {
        let options: CycleOptions = serde_json::from_str(json).unwrap();
        let mut sim = SimSource::new(settings()).unwrap();
        match juno.agent().run_cycle(Some(&mut sim), &mut exec, &options) {
            Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{json}: {other:?}"),
        }
    }
    let o: CycleOptions =
        serde_json::from_str(r#"{"learning": false, "preferences": {"probe_days": 7}}"#).unwrap();
    assert!(!o.learning);
    assert_eq!(o.preferences.probe_days, 7.0);
    assert_eq!(o.preferences.window, 10);
}

/// What anyone can put in a request's parameters, or in memory, never stops the cycle
/// from learning or deciding: bad context facets are dropped, and a memory merely tagged
/// `outcome` is not read as one.
#[test]
fn odd_context_and_look_alike_memories_do_not_break_a_cycle() {
    use juno_core::governance::{Action, Proposal};
    use juno_core::memory::{MemoryKind, NewMemory};
    use juno_core::model::ImpactLevel;
    let dir = tempfile::tempdir().unwrap();
    let (juno, clock) = open(&dir, Config::default());
    let g = juno.governance();
    g.assign_role("lea", Role::TeamLead, &["alpha"], "admin")
        .unwrap();
    let long = "x".repeat(200);
    let mut context: Vec<String> = vec!["has space".into(), long, "label.ok".into()];
    context.extend((0..30).map(|i| format!("f{i}")));
    let r = g
        .submit(Proposal {
            action: Action {
                kind: "triage.close".into(),
                team: "alpha".into(),
                target: Some("ALPHA-1".into()),
                parameters: serde_json::json!({ "context": context }),
            },
            impact: ImpactLevel::Medium,
            confidence: 0.5,
            explanation: String::new(),
            requester: "ops".into(),
            raw_confidence: None,
            calibration: None,
        })
        .unwrap();
    g.reject(r.id, "lea", "no").unwrap();
    juno.memory()
        .store(
            NewMemory::new(MemoryKind::Episodic, "alpha", "a note that says outcome")
                .with_tags(["outcome".to_owned()]),
        )
        .unwrap();
    clock.advance(chrono::Duration::hours(1));
    let mut exec = RecordingExecutor::new();
    let report = cycle(&juno, &mut exec, &CycleOptions::default());
    assert!(
        report
            .learned
            .outcomes
            .contains(&("alpha".into(), "close".into(), "rejected".into()))
    );
    let recent = juno.memory().recent_outcomes("alpha", 100).unwrap();
    let ours = recent.iter().find(|o| o.action == "close").unwrap();
    assert!(ours.context.contains(&"label.ok".to_owned()));
    assert!(!ours.context.iter().any(|c| c.contains(' ') || c.len() > 60));
    assert!(ours.context.len() <= juno_core::memory::MAX_CONTEXT_FACETS);
    assert!(recent.iter().all(|o| !o.action.is_empty()));
}

/// Each preference setting changes what is held back: with `enabled` off the outcomes are
/// still recorded but nothing is held back; a `window` shorter than `min_against`, or a
/// `min_against` above the rejections, never says no; with `probe_days` 0 every cycle
/// probes again, where the default 14 days probes once.
#[test]
fn each_preference_setting_takes_effect() {
    let with = |f: &dyn Fn(&mut CycleOptions)| {
        let mut o = CycleOptions::default();
        f(&mut o);
        saying_no(o)
    };
    let (asked, held, recent, _) = with(&|o| o.preferences.enabled = false);
    assert!(asked >= 2, "disabled preferences asked only {asked} times");
    assert_eq!(held, 0);
    assert!(recent.len() >= 3, "outcomes are still learned");
    for f in [
        &(|o: &mut CycleOptions| o.preferences.window = 2) as &dyn Fn(&mut CycleOptions),
        &|o| o.preferences.min_against = 1000,
    ] {
        let (asked, held, _, _) = with(f);
        assert!(asked >= 2 && held == 0, "asked {asked}, held {held}");
    }
    let (asked, held, _, _) = with(&|o| o.preferences.probe_days = 0.0);
    assert_eq!(asked, 2, "one probe in each of two cycles");
    assert!(held >= 1);
}
