//! The agent handle, `juno.agent()`: one cycle through every stage, over one store.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{
    ActReport, CycleOptions, CycleReport, Learned, ProposalReport, Seen, Skipped, SprintRisk,
    TeamReport, plan_writes,
};
use crate::error::{Error, Result};
use crate::executor::api::REVERT_KIND;
use crate::executor::{Write, writes_of};
use crate::flow::{self, FlowInput, FlowSettings, StatusCategories, StatusCategory};
use crate::forecast::{SprintObservation, TeamHistory};
use crate::governance::{Action, Applied, ApprovalRequest, Executor, Proposal, RequestStatus};
use crate::juno::Juno;
use crate::memory::{Outcome, OutcomeRecord};
use crate::model::{Sprint, Ticket, User};
use crate::source::{Snapshot, Source};
use crate::store::agent as sql;
use crate::store::governance::requests_where;
use crate::store::to_ms;

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
}

impl Progress {
    fn start(stage: &str, step: u32) -> Self {
        Progress {
            stage: stage.into(),
            step,
            of: 6,
            done: false,
            millis: None,
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

/// How far through an active sprint (share of its planned days) the cycle remembers its
/// state as the sprint's checkpoint: the forecast's prediction time (the evaluation's 30%).
const CHECKPOINT_SHARE: f64 = 0.3;

/// How long a lease lasts when its holder dies without giving it back.
const LEASE_MINUTES: i64 = 15;

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
    juno: &'a Juno,
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// The memory action name of an action kind: `triage.reassign` → `reassign` (the name
/// triage reads its track record under).
fn memory_action(kind: &str) -> &str {
    kind.strip_prefix("triage.").unwrap_or(kind)
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
        let result = self.cycle(source, executor, options, progress);
        let released = self
            .juno
            .store()
            .write(|tx| sql::release_lease(tx, LEASE_NAME, &holder));
        let report = result?;
        released?;
        Ok(report)
    }

    /// Takes the cycle lease for `holder`.
    fn acquire(&self, holder: &str) -> Result<()> {
        let now = Utc::now();
        let got = self.juno.store().write(|tx| {
            sql::acquire_lease(
                tx,
                LEASE_NAME,
                holder,
                to_ms(now),
                to_ms(now + Duration::minutes(LEASE_MINUTES)),
            )
        })?;
        if got {
            return Ok(());
        }
        // A holder on this machine whose process is gone (it crashed mid-cycle) keeps no
        // lease: take it over rather than wait for it to expire.
        let current = self
            .juno
            .store()
            .read(|c| sql::lease_holder(c, LEASE_NAME))?;
        if let Some(dead) = current.filter(|h| holder_is_dead(h)) {
            let took = self.juno.store().write(|tx| {
                sql::take_lease(
                    tx,
                    LEASE_NAME,
                    &dead,
                    holder,
                    to_ms(now + Duration::minutes(LEASE_MINUTES)),
                )
            })?;
            if took {
                return Ok(());
            }
        }
        Err(Error::InvalidState {
            reason: "another agent cycle is running on this database".into(),
        })
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
    ) -> Result<CycleReport> {
        let now = self.juno.now();
        let mut timings = BTreeMap::new();

        // Observe.
        let t = Instant::now();
        progress(&Progress::start("observe", 1));
        let sync = match source {
            Some(s) => Some(self.juno.source().sync_at(s, now)?),
            None => None,
        };
        let snap = self.juno.source().snapshot()?;
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
        let findings = self
            .juno
            .triage()
            .scan_at(&readable, &options.triage, now)
            .map_err(|e| e.within("options."))?;
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
        let mut proposals = Vec::new();
        let mut skipped = Vec::new();
        for f in &findings {
            let base = f.to_proposal(&options.requester);
            let kind = base.action.kind.clone();
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
            let people = workload.get(f.team.as_str()).map_or(&[][..], Vec::as_slice);
            let writes = plan_writes(f, ticket, people);
            let mut p = base;
            if let Some(obj) = p.action.parameters.as_object_mut() {
                obj.insert("writes".into(), json!(writes));
            }
            proposals.push((p, writes));
        }
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
        let (executed, held, failed) = self.act(&made, executor, options)?;
        let ms = ms_since(t);
        timings.insert("act".to_owned(), ms);
        progress(&Progress::done("act", 5, ms));

        // Learn.
        let t = Instant::now();
        progress(&Progress::start("learn", 6));
        let learned = if options.dry_run {
            Learned::default()
        } else {
            self.learn(&snap, options)?
        };
        let ms = ms_since(t);
        timings.insert("learn".to_owned(), ms);
        progress(&Progress::done("learn", 6, ms));

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
            executed,
            held,
            failed,
            waiting,
            learned,
            timings_ms: timings,
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
        Ok(report)
    }

    /// Velocity and flow per team.
    fn analyze_teams(
        &self,
        snap: &Snapshot,
        by_team: &BTreeMap<String, Vec<Sprint>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TeamReport>> {
        let velocity = self.juno.velocity().analyze_teams(by_team)?;
        let input = FlowInput {
            tickets: snap
                .tickets
                .iter()
                .filter(|t| t.created.is_some())
                .cloned()
                .collect(),
            sprints: by_team
                .values()
                .flatten()
                .filter(|s| s.check_span().is_ok())
                .cloned()
                .collect(),
            holidays: Vec::new(),
        };
        // Flow is advice: a ticket it cannot read costs the team its flow figures, not the
        // cycle.
        let flow = flow::analyze(&input, &FlowSettings::default(), now).ok();
        Ok(snap
            .teams
            .iter()
            .map(|team| {
                let v = velocity.get(team.as_str());
                let f = flow.as_ref().and_then(|f| f.teams.get(team.as_str()));
                TeamReport {
                    team: team.as_str().to_owned(),
                    sprints: v.map_or(0, |v| v.sprints),
                    mean_velocity: v.map_or(0.0, |v| v.mean),
                    trend: v
                        .and_then(|v| serde_json::to_value(v.classification).ok())
                        .and_then(|c| c.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    next_sprint_points: v.and_then(|v| v.forecast.as_ref()).map(|f| f.expected),
                    bottleneck: f
                        .and_then(|f| f.work_bottleneck.as_ref().or(f.bottleneck.as_ref()))
                        .map(|b| (b.status.clone(), b.share)),
                    cycle_time_days: f.and_then(|f| f.cycle_time.median_days),
                    ageing_wip: f.map_or(0, |f| f.ageing_wip.len()),
                }
            })
            .collect())
    }

    /// A forecast per active sprint, riskiest first.
    fn forecast_active(
        &self,
        snap: &Snapshot,
        by_team: &BTreeMap<String, Vec<Sprint>>,
    ) -> Result<Vec<SprintRisk>> {
        let pairs: Vec<_> = snap
            .active
            .iter()
            .map(|a| {
                let sprints = by_team.get(a.team.as_str()).cloned().unwrap_or_default();
                (
                    a.clone(),
                    TeamHistory {
                        sprints,
                        ..TeamHistory::default()
                    },
                )
            })
            .collect();
        let forecasts = self.juno.forecast().sprints(&pairs)?;
        let mut risks: Vec<SprintRisk> = forecasts
            .into_iter()
            .map(|f| {
                let mut flagged: Vec<_> = f.categories.iter().filter(|c| c.flagged).collect();
                flagged.sort_by(|a, b| b.factor.value.total_cmp(&a.factor.value));
                SprintRisk {
                    team: f.team.as_str().to_owned(),
                    sprint: f.sprint.clone(),
                    p_deliver_80: f.p_deliver_80,
                    basis: f.probability_basis.clone(),
                    level: f.level,
                    drivers: flagged
                        .iter()
                        .map(|c| format!("{}: {:.2}", c.factor.name, c.factor.value))
                        .collect(),
                    recommendations: f.recommendations.iter().map(|r| r.text.clone()).collect(),
                }
            })
            .collect();
        risks.sort_by(|a, b| {
            a.p_deliver_80
                .total_cmp(&b.p_deliver_80)
                .then_with(|| a.team.cmp(&b.team))
        });
        Ok(risks)
    }

    /// Executes every approved action that carries writes (this cycle's and those approved
    /// since the last), oldest first, within the guard rails and the budget. A dry run
    /// lists what would execute: the approved ones and this cycle's would-be
    /// auto-approvals.
    fn act(
        &self,
        made: &[ProposalReport],
        executor: &mut dyn Executor,
        options: &CycleOptions,
    ) -> Result<(Vec<ActReport>, Vec<ActReport>, Vec<ActReport>)> {
        let rails = &options.guard_rails;
        let (mut executed, mut held, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        let mut outbox = self.juno.executor().outbox(executor, "cycle");
        // First what a crash interrupted: released actions then run with the rest.
        if !options.dry_run {
            self.recover(&mut outbox, &mut executed, &mut held)?;
        }
        let approved = self.juno.store().read(|c| {
            requests_where(
                c,
                &[RequestStatus::Approved, RequestStatus::AutoApproved],
                None,
            )
        })?;
        // Each entry: the stored action to execute (none in a dry run) and its report.
        let mut queue: Vec<(Option<Action>, ActReport)> = Vec::new();
        for r in &approved {
            if let Ok(writes) = writes_of(&r.action) {
                let report = ActReport {
                    request_id: r.id,
                    kind: r.action.kind.clone(),
                    target: r.action.target.clone(),
                    approved_by: r.decided_by.clone(),
                    writes,
                    detail: json!(null),
                };
                queue.push((Some(r.action.clone()), report));
            }
        }
        // Undoing comes before doing more: reverts first, then oldest approval first.
        queue.sort_by_key(|(_, r)| (r.kind != REVERT_KIND, r.request_id));
        if options.dry_run {
            for p in made.iter().filter(|p| p.status == "auto_approved") {
                let report = ActReport {
                    request_id: 0,
                    kind: p.kind.clone(),
                    target: Some(p.target.clone()),
                    approved_by: Some("juno".into()),
                    writes: p.writes.clone(),
                    detail: json!(null),
                };
                queue.push((None, report));
            }
        }
        let mut budget = rails.write_budget;

        for (action, mut report) in queue {
            let ticket = match &report.target {
                Some(k) => self
                    .juno
                    .store()
                    .read(|c| crate::store::sync::ticket(c, k))?,
                None => None,
            };
            if let Some(why) = rails.refusal(&report.writes, ticket.as_ref()) {
                report.detail = json!({ "held": why });
                held.push(report);
                continue;
            }
            if budget == 0 {
                report.detail = json!({ "held": format!("the write budget of {} actions per cycle is used", rails.write_budget) });
                held.push(report);
                continue;
            }
            budget -= 1;
            let Some(action) = action.filter(|_| !options.dry_run) else {
                report.detail = json!({ "dry_run": true });
                executed.push(report);
                continue;
            };
            let id = report.request_id;
            match self.juno.governance().execute(id, &action, &mut outbox) {
                Ok(r) if r.status == RequestStatus::Executed => {
                    report.detail = r.result.unwrap_or(json!(null));
                    executed.push(report);
                }
                Ok(r) => {
                    report.detail = r.result.unwrap_or(json!(null));
                    failed.push(report);
                }
                // Another process executed it first: not ours to report.
                Err(e) if e.kind() == crate::ErrorKind::InvalidState => {}
                Err(e) => return Err(e),
            }
        }
        Ok((executed, held, failed))
    }

    /// Resolves actions a crash left `executing` (claimed, intent recorded, outcome not):
    /// the executor's marker says whether their writes were made. Made: recorded as
    /// executed, nothing written again. Not made: released to run in this cycle. Partly
    /// made, or unknown: held for a person (never retried automatically).
    fn recover(
        &self,
        outbox: &mut dyn Executor,
        executed: &mut Vec<ActReport>,
        held: &mut Vec<ActReport>,
    ) -> Result<()> {
        let stuck = self
            .juno
            .store()
            .read(|c| requests_where(c, &[RequestStatus::Executing], None))?;
        for r in stuck {
            let Some(record) = self.juno.executor().record(r.id)? else {
                continue;
            };
            if record.done_at.is_some() {
                continue;
            }
            let approved_by = r.decided_by.clone().unwrap_or_else(|| "juno".into());
            let approval = crate::governance::Approval {
                request_id: r.id,
                action: &r.action,
                digest: &r.digest,
                approved_by: &approved_by,
            };
            let mut report = ActReport {
                request_id: r.id,
                kind: r.action.kind.clone(),
                target: r.action.target.clone(),
                approved_by: r.decided_by.clone(),
                writes: writes_of(&r.action).unwrap_or_default(),
                detail: json!(null),
            };
            match outbox.applied(&approval) {
                Ok(Applied::Yes) => {
                    let result = json!({ "recovered": true, "changes": report.writes });
                    self.juno
                        .governance()
                        .recover_execution(r.id, true, &result)?;
                    self.juno.store().write(|tx| {
                        sql::record_done(
                            tx,
                            r.id,
                            true,
                            result.get("changes"),
                            to_ms(self.juno.now()),
                        )
                    })?;
                    report.detail = result;
                    executed.push(report);
                }
                Ok(Applied::No) => {
                    self.juno.governance().recover_execution(
                        r.id,
                        false,
                        &json!({ "recovered": true }),
                    )?;
                }
                Ok(other) => {
                    report.detail = json!({ "held": format!(
                        "interrupted while executing and the executor's marker says {}: a person must check the ticket",
                        serde_json::to_value(other).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                    ) });
                    held.push(report);
                }
                Err(e) => {
                    report.detail = json!({ "held": format!("interrupted while executing; the marker could not be read: {e}") });
                    held.push(report);
                }
            }
        }
        Ok(())
    }

    /// Takes people's decisions into memory (approvals and rejections by a person, reverts)
    /// and finished sprints into the forecaster; retrains when enough new sprints arrived.
    fn learn(&self, snap: &Snapshot, options: &CycleOptions) -> Result<Learned> {
        let mut learned = Learned::default();
        let decided = self.juno.store().read(|c| {
            requests_where(
                c,
                &[
                    RequestStatus::Approved,
                    RequestStatus::Rejected,
                    RequestStatus::Executing,
                    RequestStatus::Executed,
                    RequestStatus::ExecutionFailed,
                    RequestStatus::Expired,
                ],
                None,
            )
        })?;
        let done: BTreeSet<i64> = self.juno.store().read(sql::learned_ids)?;
        let now_ms = to_ms(self.juno.now());
        for r in decided.iter().filter(|r| !done.contains(&r.id)) {
            let by_person = r.decided_by.as_deref().is_some_and(|d| d != "juno");
            let (outcome, team, action, subject) = if r.action.kind == REVERT_KIND {
                if r.status != RequestStatus::Executed {
                    continue;
                }
                let orig = r
                    .action
                    .parameters
                    .get("reverts")
                    .and_then(serde_json::Value::as_i64);
                let Some(orig) = orig.and_then(|o| decided.iter().find(|x| x.id == o)) else {
                    continue;
                };
                (
                    Some(Outcome::Reverted),
                    orig.action.team.clone(),
                    orig.action.kind.clone(),
                    orig.action.target.clone(),
                )
            } else {
                let o = match r.status {
                    RequestStatus::Rejected if by_person => Some(Outcome::Rejected),
                    RequestStatus::Expired | RequestStatus::Rejected => None,
                    _ if by_person => Some(Outcome::Approved),
                    _ => None,
                };
                (
                    o,
                    r.action.team.clone(),
                    r.action.kind.clone(),
                    r.action.target.clone(),
                )
            };
            if let Some(outcome) = outcome {
                self.juno.memory().record_outcome(&OutcomeRecord {
                    team: team.as_str().to_owned(),
                    action: memory_action(&action).to_owned(),
                    outcome,
                    subject,
                    note: r.reason.clone(),
                })?;
                learned.outcomes.push((
                    team.as_str().to_owned(),
                    memory_action(&action).to_owned(),
                    outcome.as_str().to_owned(),
                ));
            }
            let label = outcome.map_or("none", Outcome::as_str);
            self.juno
                .store()
                .write(|tx| sql::mark_learned(tx, r.id, label, now_ms))?;
        }

        // An active sprint about 30% through is remembered as it stands: once it finishes,
        // that is its training row (a source like Jira cannot rebuild the past state).
        let at = to_ms(self.juno.now());
        for a in snap
            .active
            .iter()
            .filter(|a| a.days_planned > 0.0 && a.days_elapsed >= CHECKPOINT_SHARE * a.days_planned)
        {
            if self
                .juno
                .store()
                .write(|tx| crate::store::sync::take_checkpoint(tx, a, at))?
            {
                learned.checkpoints_taken += 1;
            }
        }
        // Finished sprints become training rows: the state at the checkpoint, with the
        // history before it.
        let unobserved = self
            .juno
            .store()
            .read(crate::store::sync::unobserved_sprints)?;
        let mut observations = Vec::new();
        for (sprint, checkpoint) in unobserved {
            let (Some(ended_at), Some(delivered)) = (sprint.end, sprint.delivered_points) else {
                continue;
            };
            let history: Vec<Sprint> = snap
                .sprints
                .iter()
                .filter(|s| s.team == sprint.team && s.end.is_some_and(|e| e < ended_at))
                .filter(|s| s.check_history().is_ok())
                .cloned()
                .collect();
            let keep = history.len().saturating_sub(options.history_sprints);
            let observation = SprintObservation {
                state: checkpoint,
                history: TeamHistory {
                    sprints: history[keep..].to_vec(),
                    ..TeamHistory::default()
                },
                delivered_points: delivered,
                ended_at,
            };
            // A sprint the forecaster cannot read (a checkpoint with odd numbers) is left
            // out rather than costing the others.
            if crate::forecast::Forecaster::check_observation(&observation).is_ok() {
                observations.push(observation);
            }
        }
        // One transaction for them all: a first sync brings a year of sprints.
        self.juno.forecast().record_many(&observations)?;
        learned.sprints_recorded = observations.len();
        let has_model = self.juno.forecast().model()?.is_some();
        if learned.sprints_recorded >= options.retrain_every as usize
            || (!has_model && learned.sprints_recorded > 0)
        {
            let r = self.juno.forecast().retrain()?;
            learned.retrained_version = r.model.map(|m| m.version);
            learned.retrain_note = r.reason;
        }
        Ok(learned)
    }
}

/// This machine's name (for the lease holder), or `localhost` when it cannot be read.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a lease `holder` (`host:pid:thread:ms`) is a process of this machine that no
/// longer runs. Only answerable where `/proc` lists processes (Linux); elsewhere a lease
/// waits for its expiry.
fn holder_is_dead(holder: &str) -> bool {
    let mut parts = holder.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let proc_root = std::path::Path::new("/proc/self");
    host == host_name()
        && proc_root.exists()
        && pid
            .parse::<u32>()
            .is_ok_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
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

/// Each team's finished sprints, oldest first, the newest `keep`.
fn sprints_by_team(snap: &Snapshot, keep: usize) -> BTreeMap<String, Vec<Sprint>> {
    let mut by: BTreeMap<String, Vec<Sprint>> = BTreeMap::new();
    // A sprint without points (a board with no story points) cannot be counted; `juno
    // data validate` reports it.
    for s in snap.sprints.iter().filter(|s| s.check_history().is_ok()) {
        by.entry(s.team.as_str().to_owned())
            .or_default()
            .push(s.clone());
    }
    for v in by.values_mut() {
        v.sort_by(|a, b| a.end.cmp(&b.end).then_with(|| a.id.cmp(&b.id)));
        let drop = v.len().saturating_sub(keep);
        v.drain(..drop);
    }
    by
}

/// Each team's people with their open assigned tickets.
fn workload(snap: &Snapshot, open: &[&Ticket]) -> BTreeMap<String, Vec<(User, usize)>> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for t in open {
        if let Some(a) = &t.assignee {
            *count.entry(a.as_str()).or_insert(0) += 1;
        }
    }
    let mut by: BTreeMap<String, Vec<(User, usize)>> = BTreeMap::new();
    for m in &snap.people {
        if let Some(team) = &m.team {
            let n = count.get(m.user.as_str()).copied().unwrap_or(0);
            by.entry(team.as_str().to_owned())
                .or_default()
                .push((m.user.clone(), n));
        }
    }
    by
}
