//! The agent handle, `juno.agent()`: one cycle through every stage, over one store.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{Duration, Utc};
use serde_json::json;

use super::{CycleOptions, CycleReport, Learned, ProposalReport, Seen, Skipped, plan_writes};
use crate::error::{Error, Result};
use crate::executor::Write;
use crate::flow::{StatusCategories, StatusCategory};
use crate::governance::{ApprovalRequest, Executor, Proposal, RequestStatus};
use crate::juno::Juno;
use crate::memory::RecentOutcome;
use crate::model::{AutomationLevel, Ticket};
use crate::source::{Source, SyncProgress};
use crate::store::agent as sql;
use crate::store::governance::requests_where;
use crate::store::to_ms;

use super::analyze::{sprints_by_team, workload};
use super::learn::{context_param, memory_action};
use super::lease::host_name;
use super::prefer::{self, context_of};

/// Outcomes per team the decide stage reads from memory (newest first): enough for every
/// action and facet list of [`super::PreferenceSettings::window`] at its default.
const OUTCOMES_READ: usize = 2000;

/// Where a running cycle is: one event as a stage starts and one as it ends.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// `observe`, `analyze`, `decide`, `govern`, `act` or `learn`.
    pub stage: String,
    /// The stage's number, 1–6.
    pub step: u32,
    /// How many stages there are (6).
    pub of: u32,
    /// Whether the stage has ended.
    pub done: bool,
    /// How long it took, when it has ended.
    pub millis: Option<f64>,
    /// During `observe`, how far the source's sync has got (one event per page it
    /// fetches); `None` otherwise.
    pub sync: Option<SyncProgress>,
}

impl Progress {
    fn start(stage: &str, step: u32) -> Self {
        Progress {
            stage: stage.into(),
            step,
            of: 6,
            done: false,
            millis: None,
            sync: None,
        }
    }

    fn done(stage: &str, step: u32, millis: f64) -> Self {
        Progress {
            millis: Some(millis),
            done: true,
            ..Progress::start(stage, step)
        }
    }
}

/// The lease two schedulers (or two hosts) on one database take before a cycle, so that
/// only one cycle runs at a time.
pub const LEASE_NAME: &str = "agent_cycle";

/// The agent cycle of one [`Juno`]: `juno.agent()`.
///
/// # Examples
///
/// ```
/// use juno_core::Juno;
/// use juno_core::agent::CycleOptions;
/// use juno_core::executor::RecordingExecutor;
/// use juno_core::source::sim::{SimSettings, SimSource};
/// let settings = SimSettings { teams: 2, ..SimSettings::default() };
/// let juno = Juno::open_in_memory()?
///     .with_clock(std::sync::Arc::new(juno_core::ManualClock::new(settings.end)));
/// let mut sim = SimSource::new(settings)?;
/// let mut executor = RecordingExecutor::new();
/// let report = juno.agent().run_cycle(Some(&mut sim), &mut executor, &CycleOptions::default())?;
/// assert_eq!(report.seen.teams, 2);
/// assert!(!report.proposals.is_empty());
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Agent<'a> {
    pub(super) juno: &'a Juno,
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

impl<'a> Agent<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Agent { juno }
    }

    /// Runs one cycle as of the engine's clock: syncs `source` (if given) into the store,
    /// analyses what is stored, proposes, routes through governance, executes what is
    /// approved through `executor` (wrapped in the outbox, within the guard rails), learns
    /// from decisions and finished sprints, and stores the report.
    ///
    /// Two cycles never run at once on one database: the second gets
    /// [`Error::InvalidState`] naming the holder of the lease.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming a bad option; the source's error (nothing of the
    /// cycle runs then); storage errors.
    pub fn run_cycle(
        &self,
        source: Option<&mut dyn Source>,
        executor: &mut dyn Executor,
        options: &CycleOptions,
    ) -> Result<CycleReport> {
        self.run_cycle_with_progress(source, executor, options, &mut |_| {})
    }

    /// As [`Agent::run_cycle`], calling `progress` as each stage starts and ends (a
    /// command line draws its progress bar from it; a web host streams it).
    ///
    /// # Errors
    /// As [`Agent::run_cycle`].
    pub fn run_cycle_with_progress(
        &self,
        source: Option<&mut dyn Source>,
        executor: &mut dyn Executor,
        options: &CycleOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CycleReport> {
        self.run_cycle_vetted(source, executor, options, progress, &mut |_, _| None)
    }

    /// As [`Agent::run_cycle_with_progress`], asking `veto` about each proposal before it
    /// goes to governance: `Some(reason)` holds it back (listed under `skipped` with that
    /// reason), `None` lets it through. For a Rust host's own rules that JUNO cannot see —
    /// a change freeze, a ticket-level policy; `juno eval learning` passes the simulated
    /// teams' hidden preferences here for its oracle. A veto can only hold back; it never
    /// approves anything.
    ///
    /// # Errors
    /// As [`Agent::run_cycle`].
    pub fn run_cycle_vetted(
        &self,
        source: Option<&mut dyn Source>,
        executor: &mut dyn Executor,
        options: &CycleOptions,
        progress: &mut dyn FnMut(&Progress),
        veto: &mut dyn FnMut(&Proposal, &Ticket) -> Option<String>,
    ) -> Result<CycleReport> {
        options.validate()?;
        // Unique per call: two engines in one thread must not share a holder name.
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let holder = format!(
            "{}:{}:{:?}:{}:{}",
            host_name(),
            std::process::id(),
            std::thread::current().id(),
            to_ms(Utc::now()),
            CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        self.acquire(&holder)?;
        let result = self.cycle(source, executor, options, progress, veto);
        let released = self
            .juno
            .store()
            .write(|tx| sql::release_lease(tx, LEASE_NAME, &holder));
        let report = result?;
        released?;
        Ok(report)
    }

    /// Every stored confidence calibration map, by action kind, oldest version first: what
    /// the learn stage fitted on people's decisions (with each map's Brier score and
    /// expected calibration error before and after) and the analyze stage applies, the
    /// newest of each kind (see the [module docs](super)).
    ///
    /// # Errors
    /// Storage errors.
    pub fn confidence_calibrations(&self) -> Result<Vec<super::ConfidenceCalibration>> {
        self.juno
            .store()
            .read(|c| crate::store::calibrations::calibrations(c, None))
    }

    /// The stored reports of the newest `limit` cycles, newest first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn cycles(&self, limit: usize) -> Result<Vec<serde_json::Value>> {
        self.juno.store().read(|c| sql::cycles(c, limit))
    }

    fn cycle(
        &self,
        source: Option<&mut dyn Source>,
        executor: &mut dyn Executor,
        options: &CycleOptions,
        progress: &mut dyn FnMut(&Progress),
        veto: &mut dyn FnMut(&Proposal, &Ticket) -> Option<String>,
    ) -> Result<CycleReport> {
        let now = self.juno.now();
        let mut timings = BTreeMap::new();

        // Observe.
        let t = Instant::now();
        progress(&Progress::start("observe", 1));
        let sync = match source {
            Some(s) => Some(self.juno.source().sync_at_with_progress(s, now, &mut |p| {
                progress(&Progress {
                    sync: Some(p.clone()),
                    ..Progress::start("observe", 1)
                });
            })?),
            None => None,
        };
        let snap = self.juno.source().snapshot()?;
        // What people decided since the last cycle is taken in first, so that this
        // cycle's calibration and proposals already reflect it (the learn stage takes in
        // the rest).
        let mut learned = Learned::default();
        if options.learning && !options.dry_run {
            self.learn_decisions(&mut learned)?;
        }
        let ms = ms_since(t);
        timings.insert("observe".to_owned(), ms);
        progress(&Progress::done("observe", 1, ms));

        // Analyze.
        let t = Instant::now();
        progress(&Progress::start("analyze", 2));
        let categories = StatusCategories::default();
        let is_open = |tk: &Ticket| {
            tk.status
                .as_deref()
                .is_none_or(|s| categories.classify(s) != StatusCategory::Done)
        };
        let open: Vec<&Ticket> = snap.tickets.iter().filter(|tk| is_open(tk)).collect();
        let by_team = sprints_by_team(&snap, options.history_sprints);
        let teams = self.analyze_teams(&snap, &by_team, now)?;
        let risks = self.forecast_active(&snap, &by_team)?;
        let readable: Vec<Ticket> = open
            .iter()
            .filter(|tk| tk.validate().is_ok())
            .map(|tk| (*tk).clone())
            .collect();
        let seen = Seen {
            teams: snap.teams.len(),
            people: snap.people.len(),
            tickets: snap.tickets.len(),
            open_tickets: open.len(),
            finished_sprints: snap.sprints.len(),
            active_sprints: snap.active.len(),
            skipped_tickets: open.len() - readable.len(),
        };
        // Every finding, most urgent first: the cap applies to what the decide stage
        // proposes, so tickets it holds back (a pending request, a cooldown, a team's
        // no) never take the places of those it would propose.
        options
            .triage
            .validate()
            .map_err(|e| e.within("options.triage."))?;
        let uncapped = crate::triage::TriageSettings {
            max_proposals: readable.len().max(1),
            ..options.triage.clone()
        };
        let mut findings = self
            .juno
            .triage()
            .scan_at(&readable, &uncapped, now)
            .map_err(|e| e.within("options."))?;
        let calibrated = if options.learning {
            self.calibrate_findings(&mut findings, now)?
        } else {
            vec![None; findings.len()]
        };
        let ms = ms_since(t);
        timings.insert("analyze".to_owned(), ms);
        progress(&Progress::done("analyze", 2, ms));

        // Decide.
        let t = Instant::now();
        progress(&Progress::start("decide", 3));
        let cooldown = now - Duration::milliseconds((options.cooldown_days * 86_400_000.0) as i64);
        let recent = self.juno.store().read(|c| {
            requests_where(
                c,
                &[
                    RequestStatus::Pending,
                    RequestStatus::Approved,
                    RequestStatus::AutoApproved,
                    RequestStatus::Executing,
                    // A suggestion stands for the cooldown too: shown once, not every cycle.
                    RequestStatus::Suggested,
                ],
                Some(to_ms(cooldown)),
            )
        })?;
        let mut last: BTreeMap<(String, String), &ApprovalRequest> = BTreeMap::new();
        for r in &recent {
            if let Some(target) = &r.action.target {
                last.insert((r.action.kind.clone(), target.clone()), r);
            }
        }
        let workload = workload(&snap, &open);
        let by_key: BTreeMap<&str, &Ticket> =
            readable.iter().map(|t| (t.key.as_str(), t)).collect();
        let gate = options.learning && options.preferences.enabled;
        let mut outcomes: BTreeMap<String, Vec<RecentOutcome>> = BTreeMap::new();
        // Probes of held-back actions in the window: per team, (action, facet) keys.
        let probe_since =
            now - Duration::milliseconds((options.preferences.probe_days * 86_400_000.0) as i64);
        let probed_requests = if gate {
            self.juno
                .store()
                .read(|c| requests_where(c, &[], Some(to_ms(probe_since))))?
                .into_iter()
                .filter(|r| r.created_at >= probe_since)
                .collect()
        } else {
            Vec::new()
        };
        let mut probed_now: BTreeSet<(String, String, Option<String>)> = BTreeSet::new();
        let mut proposals = Vec::new();
        let mut skipped = Vec::new();
        let config = self.juno.config();
        for (f, calibration) in findings.iter().zip(calibrated) {
            if proposals.len() >= options.triage.max_proposals {
                break;
            }
            let mut base = f.to_proposal(&options.requester);
            base.calibration = calibration;
            let kind = base.action.kind.clone();
            if config.automation_level(&f.team, &kind) == AutomationLevel::Off {
                skipped.push(Skipped {
                    kind,
                    target: f.key.clone(),
                    reason: format!("automation is off for this kind on team {}", f.team),
                });
                continue;
            }
            if let Some(r) = last.get(&(kind.clone(), f.key.clone())) {
                skipped.push(Skipped {
                    kind,
                    target: f.key.clone(),
                    reason: format!(
                        "request #{} is {} (since {})",
                        r.id,
                        r.status,
                        r.updated_at.format("%Y-%m-%d")
                    ),
                });
                continue;
            }
            let Some(ticket) = by_key.get(f.key.as_str()) else {
                continue;
            };
            let context = context_of(ticket, now);
            let team = f.team.as_str().to_owned();
            let mut probe = None;
            if gate {
                if !outcomes.contains_key(&team) {
                    let recent = self.juno.memory().recent_outcomes(&team, OUTCOMES_READ)?;
                    outcomes.insert(team.clone(), recent);
                }
                let recent = outcomes.get(&team).map_or(&[][..], Vec::as_slice);
                let action = memory_action(&kind);
                let avoided = prefer::avoidances(recent, action, &context, &options.preferences);
                if let Some(worst) = avoided.first() {
                    probe = Some(worst.clone());
                    // A probe asks again once per window, for every list that says no.
                    let due = avoided.iter().all(|a| {
                        let (a_action, facet) = a.key();
                        let key = (team.clone(), a_action.clone(), facet.clone());
                        !probed_now.contains(&key)
                            && (a.recovering
                                || !probed_requests.iter().any(|r: &ApprovalRequest| {
                                    r.action.team.as_str() == team
                                        && (a_action == "*"
                                            || memory_action(&r.action.kind) == a_action)
                                        && facet.as_ref().is_none_or(|f| {
                                            context_param(&r.action).iter().any(|c| c == f)
                                        })
                                }))
                    });
                    if due {
                        for a in &avoided {
                            let (a_action, facet) = a.key();
                            probed_now.insert((team.clone(), a_action, facet));
                        }
                    } else {
                        skipped.push(Skipped {
                            kind,
                            target: f.key.clone(),
                            reason: format!(
                                "{}; held back (one probe every {} days)",
                                worst.describe(&team),
                                options.preferences.probe_days
                            ),
                        });
                        continue;
                    }
                }
            }
            let people = workload.get(f.team.as_str()).map_or(&[][..], Vec::as_slice);
            let writes = plan_writes(f, ticket, people);
            let mut p = base;
            if let Some(obj) = p.action.parameters.as_object_mut() {
                obj.insert("writes".into(), json!(writes));
                obj.insert("context".into(), json!(context));
            }
            // A probe asks again about what the team has been turning down: a person must
            // answer it, so its confidence is the team's recent acceptance there (below
            // any auto-approval threshold), and it says so.
            if let Some(worst) = &probe {
                let share = (worst.of - worst.against) as f64 / worst.of.max(1) as f64;
                p.confidence = p.confidence.min(share);
                p.explanation = format!(
                    "{}\n\nProbe: {}; asking again (confidence capped at the team's recent \
                     acceptance, {:.0}%).",
                    p.explanation,
                    worst.describe(&team),
                    100.0 * share
                );
            }
            if let Some(reason) = veto(&p, ticket) {
                skipped.push(Skipped {
                    kind,
                    target: f.key.clone(),
                    reason,
                });
                continue;
            }
            proposals.push((p, writes));
        }
        let skipped_unlisted = skipped.len().saturating_sub(super::MAX_SKIPPED_LISTED);
        skipped.truncate(super::MAX_SKIPPED_LISTED);
        let ms = ms_since(t);
        timings.insert("decide".to_owned(), ms);
        progress(&Progress::done("decide", 3, ms));

        // Govern.
        let t = Instant::now();
        progress(&Progress::start("govern", 4));
        let governance = self.juno.governance();
        let mut made = Vec::new();
        if options.dry_run {
            for (p, writes) in proposals {
                let routing = governance.route(&p);
                made.push(proposal_report(
                    &p,
                    None,
                    &routing.decision,
                    routing.role,
                    writes,
                ));
                // What submitting would do at automation level `suggest`: record it only.
                if routing.automation == AutomationLevel::Suggest
                    && let Some(last) = made.last_mut()
                {
                    last.status = RequestStatus::Suggested.as_str().to_owned();
                    last.waits_for = None;
                }
            }
        } else {
            let ids = governance.submit_many(proposals.iter().map(|(p, _)| p.clone()).collect())?;
            for ((p, writes), id) in proposals.into_iter().zip(ids) {
                let r = governance.get(id)?;
                made.push(proposal_report(&p, Some(r.id), &r.decision, r.role, writes));
                if let Some(last) = made.last_mut() {
                    last.status = r.status.as_str().to_owned();
                    if r.status != RequestStatus::Pending {
                        last.waits_for = None;
                    }
                }
            }
        }
        let ms = ms_since(t);
        timings.insert("govern".to_owned(), ms);
        progress(&Progress::done("govern", 4, ms));

        // Act.
        let t = Instant::now();
        progress(&Progress::start("act", 5));
        let all: BTreeMap<&str, &Ticket> =
            snap.tickets.iter().map(|t| (t.key.as_str(), t)).collect();
        let (executed, held, failed) = self.act(&all, &made, executor, options)?;
        let ms = ms_since(t);
        timings.insert("act".to_owned(), ms);
        progress(&Progress::done("act", 5, ms));

        // Learn.
        let t = Instant::now();
        progress(&Progress::start("learn", 6));
        let learned = if options.dry_run {
            learned
        } else {
            self.learn(&snap, options, learned)?
        };
        let ms = ms_since(t);
        timings.insert("learn".to_owned(), ms);
        progress(&Progress::done("learn", 6, ms));

        // Notices for what this cycle (and anyone since the last read) did: queued here,
        // sent by `notify().deliver()`, so a slow webhook never holds the cycle up.
        let notified = if options.dry_run {
            0
        } else {
            self.juno.notify().collect_with(&risks)?.queued
        };

        let mut waiting = BTreeMap::new();
        for r in governance.pending(None, None)? {
            *waiting.entry(r.role.as_str().to_owned()).or_insert(0) += 1;
        }
        let mut report = CycleReport {
            cycle: None,
            now,
            dry_run: options.dry_run,
            sync,
            seen,
            teams,
            risks,
            proposals: made,
            skipped,
            skipped_unlisted,
            executed,
            held,
            failed,
            waiting,
            learned,
            timings_ms: timings,
            notified,
        };
        if !options.dry_run {
            let finished = to_ms(self.juno.now());
            self.juno.store().write(|tx| {
                // The stored report carries its own id.
                let id = sql::insert_cycle(tx, to_ms(now), finished, false, &json!(null))?;
                report.cycle = Some(id);
                let value =
                    serde_json::to_value(&report).map_err(|e| Error::json("cycle report", &e))?;
                sql::set_cycle_report(tx, id, &value)
            })?;
        }
        log_cycle(&report);
        Ok(report)
    }
}

fn proposal_report(
    p: &Proposal,
    id: Option<i64>,
    decision: &Option<serde_json::Value>,
    role: crate::model::Role,
    writes: Vec<Write>,
) -> ProposalReport {
    ProposalReport {
        request_id: id,
        kind: p.action.kind.clone(),
        team: p.action.team.as_str().to_owned(),
        target: p.action.target.clone().unwrap_or_default(),
        impact: p.impact,
        confidence: p.confidence,
        raw_confidence: p.raw_score(),
        calibration: p.calibration.clone(),
        status: if decision.is_some() {
            "auto_approved"
        } else {
            "pending"
        }
        .into(),
        waits_for: decision.is_none().then_some(role),
        decision: decision.clone(),
        writes,
        explanation: p.explanation.clone(),
    }
}

/// The cycle on the application and performance channels: what it did, how long each stage
/// took. Failed actions are a warning, each with its request and kind (never its payload).
fn log_cycle(r: &CycleReport) {
    use crate::log::{APPLICATION, PERFORMANCE};
    let cycle = r.cycle.unwrap_or(0);
    tracing::info!(target: APPLICATION, cycle, dry_run = r.dry_run,
        proposals = r.proposals.len(), executed = r.executed.len(), held = r.held.len(),
        failed = r.failed.len(),
        "cycle {cycle}{}: {} proposals, {} executed, {} held, {} failed",
        if r.dry_run { " (dry run)" } else { "" }, r.proposals.len(), r.executed.len(),
        r.held.len(), r.failed.len());
    for f in &r.failed {
        tracing::warn!(target: APPLICATION, cycle, request_id = f.request_id, kind = %f.kind,
            "cycle {cycle}: executing request {} ({}) failed", f.request_id, f.kind);
    }
    if tracing::enabled!(target: PERFORMANCE, tracing::Level::INFO) {
        let ms = |stage: &str| r.timings_ms.get(stage).copied().unwrap_or(0.0);
        let total: f64 = r.timings_ms.values().sum();
        tracing::info!(target: PERFORMANCE, cycle, operation = "cycle", ms = total,
            observe_ms = ms("observe"), analyze_ms = ms("analyze"), decide_ms = ms("decide"),
            govern_ms = ms("govern"), act_ms = ms("act"), learn_ms = ms("learn"),
            "cycle {cycle} took {total:.1} ms (observe {:.1}, analyze {:.1}, decide {:.1}, \
             govern {:.1}, act {:.1}, learn {:.1})",
            ms("observe"), ms("analyze"), ms("decide"), ms("govern"), ms("act"), ms("learn"));
    }
}
