//! `juno eval learning`: does JUNO learn what its teams want?
//!
//! A simulated organisation ([`org`]) runs for a year. Every working day at 09:00 the
//! agent cycle runs over it (sync, triage, governance, execution, learning); at 11:00 the
//! simulated approvers ([`approvers`]) decide what waits in their queues by the teams'
//! hidden preferences, and a team reverts an action JUNO carried out on its own that it
//! did not want. The same seeded year is run three times:
//!
//! - **no learning** — [`CycleOptions::learning`] off (memory's preferences, the track
//!   record and the confidence calibration stay at their defaults) and no cooldown after
//!   a rejection;
//! - **JUNO as built** — the product's defaults: outcomes into memory (preferences, track
//!   records, the context-keyed recent outcomes the decide stage reads), calibration per
//!   action kind, a 14-day cooldown after a rejection;
//! - **oracle** — JUNO as built, plus a veto that knows the hidden preferences and the
//!   approvers' habits (not the noise): the ceiling.
//!
//! # What is counted
//!
//! Per proposal (one approval request), by the calendar month it was made in: *accepted*
//! (a person approved it, or it was auto-approved and the team's preference wanted it),
//! *rejected* (a person rejected it), *unwanted auto* (auto-approved, and the team's
//! preference did not want it: the cost of autonomy; the team reverts it, or — for a
//! comment, which cannot be taken back — records through memory that it did not want
//! it, as a host's "not wanted" button would), *expired*, and
//! still *pending* at the end. The **acceptance rate** is accepted ÷ (accepted + rejected +
//! unwanted auto); expired and pending proposals have no verdict and are left out of it.
//! The approvers' **workload** is their decisions on JUNO's proposals per week.

pub mod approvers;
pub mod org;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use juno_core::agent::CycleOptions;
use juno_core::config::DatabaseUrl;
use juno_core::governance::RequestStatus;
use juno_core::memory::{Outcome, OutcomeRecord};
use juno_core::model::{ImpactLevel, Role};
use juno_core::stats::SplitMix64;
use juno_core::{Config, Error, Juno, ManualClock, Result};
use serde::{Deserialize, Serialize};

use approvers::{ApproversFile, Verdict};
use org::{Org, OrgExecutor, OrgSource, lead_of};

/// One arm of the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// Learning off, no cooldown after a rejection.
    NoLearning,
    /// The product as built.
    Juno,
    /// The product, plus a veto that knows the hidden preferences.
    Oracle,
}

impl std::str::FromStr for Arm {
    type Err = Error;

    /// `no_learning` (or `no-learning`), `juno`, `oracle`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "no_learning" | "no-learning" => Ok(Arm::NoLearning),
            "juno" => Ok(Arm::Juno),
            "oracle" => Ok(Arm::Oracle),
            _ => Err(Error::invalid(
                "arms",
                format!("unknown arm `{s}`; one of no_learning, juno, oracle"),
            )),
        }
    }
}

impl Arm {
    /// The arm's name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::NoLearning => "no learning",
            Arm::Juno => "JUNO",
            Arm::Oracle => "oracle",
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct LearningOptions {
    /// The approvers and the organisation.
    pub approvers: ApproversFile,
    /// Overrides the file's `organisation.days`.
    pub days: Option<u32>,
    /// Overrides the file's `organisation.teams`.
    pub teams: Option<u32>,
    /// The arms, in order (all three by default).
    pub arms: Vec<Arm>,
    /// Write `learning.svg` (the acceptance curves) into this folder.
    pub plot: Option<PathBuf>,
}

impl LearningOptions {
    /// The default file, all three arms.
    ///
    /// # Errors
    /// Only if the shipped approvers file were malformed.
    pub fn new() -> Result<Self> {
        Ok(LearningOptions {
            approvers: ApproversFile::default_file()?,
            days: None,
            teams: None,
            arms: vec![Arm::NoLearning, Arm::Juno, Arm::Oracle],
            plot: None,
        })
    }
}

/// Counts over some proposals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Proposals made (approval requests submitted).
    pub proposals: u64,
    /// Approved by a person, or auto-approved and wanted.
    pub accepted: u64,
    /// Rejected by a person.
    pub rejected: u64,
    /// Auto-approved (carried out without a person).
    pub auto: u64,
    /// Auto-approved, and the team's preference did not want it.
    pub unwanted_auto: u64,
    /// Expired with no decision.
    pub expired: u64,
    /// Still waiting at the end.
    pub pending: u64,
    /// Decisions people made on them.
    pub person_decisions: u64,
}

impl Counts {
    /// accepted ÷ (accepted + rejected + unwanted auto); `None` with nothing decided.
    pub fn acceptance(&self) -> Option<f64> {
        let n = self.accepted + self.rejected + self.unwanted_auto;
        (n > 0).then(|| self.accepted as f64 / n as f64)
    }

    /// unwanted auto ÷ auto; `None` with nothing auto-approved.
    pub fn unwanted_auto_share(&self) -> Option<f64> {
        (self.auto > 0).then(|| self.unwanted_auto as f64 / self.auto as f64)
    }

    fn add(&mut self, o: &Counts) {
        self.proposals += o.proposals;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.auto += o.auto;
        self.unwanted_auto += o.unwanted_auto;
        self.expired += o.expired;
        self.pending += o.pending;
        self.person_decisions += o.person_decisions;
    }
}

/// One month of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Month {
    /// `2026-03`.
    pub month: String,
    /// Working weeks in it that the run covered.
    pub weeks: f64,
    /// Over every team.
    pub all: Counts,
    /// Per team.
    pub teams: BTreeMap<String, Counts>,
}

impl Month {
    /// Person decisions per week.
    pub fn decisions_per_week(&self) -> f64 {
        if self.weeks > 0.0 {
            self.all.person_decisions as f64 / self.weeks
        } else {
            0.0
        }
    }
}

/// One arm's year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmReport {
    /// Which arm.
    pub arm: Arm,
    /// Per calendar month.
    pub months: Vec<Month>,
    /// The whole run.
    pub total: Counts,
    /// From the third month on.
    pub after_two_months: Counts,
    /// Acceptance per week (7-day bins from the start; `None` for a week with no verdict).
    pub weekly_acceptance: Vec<Option<f64>>,
    /// The 30 days before the drift, the 30 after, and days 30–60 after.
    pub drift: Option<[Counts; 3]>,
    /// Per action kind (`triage.reassign`) over the run.
    pub kinds: BTreeMap<String, Counts>,
    /// Per action kind, the proposals of the last three months (what the year settled on).
    pub kinds_last_quarter: BTreeMap<String, Counts>,
    /// Findings the decide stage held back because the team's recent outcomes said no,
    /// per action kind and the narrower list that said it, if any (`triage.reassign`,
    /// `triage.close label.customer`); a ticket held back on several days counts once a
    /// day.
    pub held_back: BTreeMap<String, u64>,
    /// Actions reverted by a team (unwanted auto-approvals).
    pub reverts: u64,
    /// Unwanted auto-approved actions that could not be reverted (a comment): the team
    /// recorded that it did not want them through memory instead.
    pub disowned: u64,
    /// Wall-clock seconds the arm took.
    pub seconds: f64,
}

/// One target of issue #16 and whether the run met it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What is measured.
    pub name: String,
    /// The figure.
    pub value: String,
    /// The goal.
    pub goal: String,
    /// Whether it was met.
    pub met: bool,
}

/// The experiment's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningReport {
    /// The approvers file's seed.
    pub seed: u64,
    /// Its noise.
    pub noise: f64,
    /// Its drift day.
    pub drift_day: Option<u32>,
    /// The organisation run.
    pub organisation: org::OrgSettings,
    /// Per arm.
    pub arms: Vec<ArmReport>,
    /// The targets, when the JUNO arm ran (with the oracle and the baseline where needed).
    pub targets: Vec<Target>,
    /// The curve, when `plot` was given.
    pub plot: Option<PathBuf>,
}

/// One proposal as the experiment follows it.
#[derive(Debug, Clone)]
struct Followed {
    request_id: i64,
    team: String,
    kind: String,
    made: DateTime<Utc>,
    /// The day of the run it was made on (0-based).
    day: u32,
    auto: bool,
    wanted: bool,
}

/// Runs the experiment.
///
/// # Errors
/// [`Error::InvalidInput`] for bad options; any engine error (none is expected).
pub fn run(options: &LearningOptions) -> Result<LearningReport> {
    let mut file = options.approvers.clone();
    if let Some(d) = options.days {
        file.organisation.days = d;
    }
    if let Some(t) = options.teams {
        file.organisation.teams = t;
    }
    file.organisation.validate()?;
    if options.arms.is_empty() {
        return Err(Error::invalid("arms", "give at least one arm"));
    }
    let mut arms = Vec::new();
    for &arm in &options.arms {
        arms.push(run_arm(&file, arm)?);
    }
    let targets = targets(&arms, file.drift_day.is_some());
    let mut report = LearningReport {
        seed: file.seed,
        noise: file.noise,
        drift_day: file.drift_day,
        organisation: file.organisation.clone(),
        arms,
        targets,
        plot: None,
    };
    if let Some(dir) = &options.plot {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::invalid("plot", format!("{}: {e}", dir.display())))?;
        let path = dir.join("learning.svg");
        let svg = curve_svg(&report)?;
        std::fs::write(&path, svg)
            .map_err(|e| Error::invalid("plot", format!("{}: {e}", path.display())))?;
        report.plot = Some(path);
    }
    Ok(report)
}

/// Who holds `role` for `team`.
fn holder(role: Role, team: &str) -> String {
    match role {
        Role::TeamLead => lead_of(team),
        Role::ProjectManager => "pm".into(),
        Role::EngineeringManager => "em".into(),
        _ => "director".into(),
    }
}

fn short(kind: &str) -> &str {
    kind.strip_prefix("triage.").unwrap_or(kind)
}

fn run_arm(file: &ApproversFile, arm: Arm) -> Result<ArmReport> {
    let started = Instant::now();
    let settings = file.organisation.clone();
    let start = settings.start;
    let org = Rc::new(RefCell::new(Org::new(settings.clone(), file.seed)?));
    let clock = Arc::new(ManualClock::new(start));
    let mut config = Config::default();
    config.database_url = DatabaseUrl::Memory;
    config.autonomous_actions = true;
    let juno = Juno::open(config)?.with_clock(clock.clone());
    let g = juno.governance();
    let teams: Vec<String> = org.borrow().teams().to_vec();
    for t in &teams {
        g.assign_role(&lead_of(t), Role::TeamLead, &[t.as_str()], "admin")?;
    }
    g.assign_role("pm", Role::ProjectManager, &["*"], "admin")?;
    g.assign_role("em", Role::EngineeringManager, &["*"], "admin")?;
    g.assign_role("director", Role::Director, &["*"], "admin")?;

    let mut options = CycleOptions::default();
    options.triage.exempt_labels.push("juno-deferred".into());
    if arm == Arm::NoLearning {
        options.learning = false;
        options.cooldown_days = 0.0;
    }
    let mut source = OrgSource(org.clone());
    let mut executor = OrgExecutor(org.clone());
    // Who is away, and the noise: one stream per arm, drawn in a fixed order.
    let mut rng = SplitMix64::new(file.seed ^ 0x5EED_0FA9_9E0E);
    let mut followed: BTreeMap<i64, Followed> = BTreeMap::new();
    let mut reverts = 0;
    let mut disowned = 0;
    let mut held_back: BTreeMap<String, u64> = BTreeMap::new();
    let mut person_decided: BTreeMap<i64, bool> = BTreeMap::new();
    let watched: Vec<String> = file
        .approvers
        .iter()
        .filter(|a| a.away > 0.0)
        .map(|a| a.user.clone())
        .collect();

    for day in 0..settings.days {
        let date = start + Duration::days(i64::from(day));
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let morning = date + Duration::hours(9);
        clock.set(morning);
        org.borrow_mut().set_now(morning);
        g.process_deadlines()?;

        // What each proposal's team wants is judged on the ticket as it stood when the
        // proposal was made (before anything executed), in every arm: the veto sees every
        // proposal the decide stage would submit.
        let mut wanted_of: BTreeMap<(String, String), bool> = BTreeMap::new();
        let mut veto =
            |p: &juno_core::governance::Proposal, t: &juno_core::model::Ticket| -> Option<String> {
                let team = p.action.team.as_str();
                let preference = file.preference(team, short(&p.action.kind), t, day);
                wanted_of.insert(
                    (p.action.kind.clone(), t.key.clone()),
                    preference == Verdict::Approve,
                );
                if arm != Arm::Oracle {
                    return None;
                }
                if preference == Verdict::Reject {
                    return Some("oracle: the team does not want it".into());
                }
                let to_lead = matches!(p.impact, ImpactLevel::Low | ImpactLevel::Medium);
                if to_lead
                    && file.decision(&lead_of(team), Verdict::Approve, morning) == Verdict::Reject
                {
                    return Some("oracle: the approver turns everything down today".into());
                }
                None
            };
        let report = juno.agent().run_cycle_vetted(
            Some(&mut source),
            &mut executor,
            &options,
            &mut |_| {},
            &mut veto,
        )?;
        for sk in report
            .skipped
            .iter()
            .filter(|s| s.reason.contains("turned down"))
        {
            // `team alpha turned down 6 of its last 7 reassign proposals (label.customer);
            // held back (…)`: the facet, when there is one, closes the first part.
            let head = sk.reason.split("; held back").next().unwrap_or("");
            let facet = head
                .strip_suffix(')')
                .and_then(|h| h.rsplit_once('('))
                .map_or("", |(_, f)| f);
            *held_back
                .entry(format!("{} {}", sk.kind, facet).trim().to_owned())
                .or_default() += 1;
        }
        for p in &report.proposals {
            let Some(id) = p.request_id else { continue };
            let Some(&wanted) = wanted_of.get(&(p.kind.clone(), p.target.clone())) else {
                continue;
            };
            followed.insert(
                id,
                Followed {
                    request_id: id,
                    team: p.team.clone(),
                    kind: p.kind.clone(),
                    made: morning,
                    day,
                    auto: p.status == "auto_approved",
                    wanted,
                },
            );
        }

        // 11:00: the approvers go through their queues.
        let late = date + Duration::hours(11);
        clock.set(late);
        org.borrow_mut().set_now(late);
        let away: Vec<&String> = watched
            .iter()
            .filter(|u| rng.unit() < file.approver(u).away)
            .collect();
        for r in g.pending(None, None)? {
            let Some(f) = followed.get(&r.id) else {
                continue;
            };
            let user = holder(r.role, &f.team);
            if away.contains(&&user) {
                continue;
            }
            let preference = if f.wanted {
                Verdict::Approve
            } else {
                Verdict::Reject
            };
            let mut verdict = file.decision(&user, preference, late);
            if rng.unit() < file.noise {
                verdict = match verdict {
                    Verdict::Approve => Verdict::Reject,
                    Verdict::Reject => Verdict::Approve,
                };
            }
            match verdict {
                Verdict::Approve => g.approve(r.id, &user, &r.digest)?,
                Verdict::Reject => g.reject(r.id, &user, "not for us")?,
            };
            person_decided.insert(r.id, verdict == Verdict::Approve);
        }
        // What JUNO did alone that the team did not want is reverted the same day.
        for act in report
            .executed
            .iter()
            .filter(|a| a.approved_by.as_deref() == Some("juno"))
        {
            let Some(f) = followed.get(&act.request_id) else {
                continue;
            };
            if f.wanted {
                continue;
            }
            let requester = format!("{}.dev01", f.team);
            match juno.executor().propose_revert(act.request_id, &requester) {
                Ok(revert) => {
                    if revert.status == RequestStatus::Pending {
                        let user = holder(revert.role, &f.team);
                        g.approve(revert.id, &user, &revert.digest)?;
                    }
                    reverts += 1;
                }
                // A comment cannot be taken back: the team says so instead, as a host's
                // "not wanted" button would, through memory (not in the arm that learns
                // nothing).
                Err(Error::InvalidState { .. }) => {
                    disowned += 1;
                    if arm != Arm::NoLearning {
                        let r = g.get(act.request_id)?;
                        let context = r.action.parameters["context"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        juno.memory().record_outcome(&OutcomeRecord {
                            team: f.team.clone(),
                            action: short(&f.kind).to_owned(),
                            outcome: Outcome::Rejected,
                            subject: r.action.target.clone(),
                            note: Some("not wanted, after the fact".into()),
                            context,
                        })?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    // Where each proposal ended.
    let mut by_month: BTreeMap<(i32, u32), Month> = BTreeMap::new();
    let mut total = Counts::default();
    let mut after = Counts::default();
    let weeks = (settings.days as usize).div_ceil(7);
    let mut weekly = vec![Counts::default(); weeks];
    let mut drift = [Counts::default(), Counts::default(), Counts::default()];
    let mut kinds: BTreeMap<String, Counts> = BTreeMap::new();
    let mut kinds_last: BTreeMap<String, Counts> = BTreeMap::new();
    let last_quarter = start + Duration::days(i64::from(settings.days)) - Duration::days(91);
    let third_month = {
        let (y, m) = (start.year(), start.month());
        let (y, m) = if m >= 11 { (y + 1, m - 10) } else { (y, m + 2) };
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(start, |d| d.and_utc())
    };
    for f in followed.values() {
        let r = g.get(f.request_id)?;
        let mut c = Counts {
            proposals: 1,
            ..Counts::default()
        };
        if f.auto {
            c.auto = 1;
            if f.wanted {
                c.accepted = 1;
            } else {
                c.unwanted_auto = 1;
            }
        } else {
            match (r.status, person_decided.get(&f.request_id)) {
                (_, Some(true)) => {
                    c.accepted = 1;
                    c.person_decisions = 1;
                }
                (_, Some(false)) => {
                    c.rejected = 1;
                    c.person_decisions = 1;
                }
                (RequestStatus::Expired, None) => c.expired = 1,
                (RequestStatus::Pending, None) => c.pending = 1,
                _ => {}
            }
        }
        let key = (f.made.year(), f.made.month());
        let m = by_month.entry(key).or_insert_with(|| Month {
            month: format!("{:04}-{:02}", key.0, key.1),
            weeks: 0.0,
            all: Counts::default(),
            teams: BTreeMap::new(),
        });
        m.all.add(&c);
        m.teams.entry(f.team.clone()).or_default().add(&c);
        total.add(&c);
        kinds.entry(f.kind.clone()).or_default().add(&c);
        if f.made >= last_quarter {
            kinds_last.entry(f.kind.clone()).or_default().add(&c);
        }
        if f.made >= third_month {
            after.add(&c);
        }
        let w = ((f.made - start).num_days() / 7) as usize;
        if let Some(wc) = weekly.get_mut(w) {
            wc.add(&c);
        }
        if let Some(d) = file.drift_day {
            let since = i64::from(f.day) - i64::from(d);
            let slot = match since {
                -30..=-1 => Some(0),
                0..=29 => Some(1),
                30..=59 => Some(2),
                _ => None,
            };
            if let Some(s) = slot {
                drift[s].add(&c);
            }
        }
    }
    // Working weeks per month the run covered.
    for day in 0..settings.days {
        let date = start + Duration::days(i64::from(day));
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        if let Some(m) = by_month.get_mut(&(date.year(), date.month())) {
            m.weeks += 0.2;
        }
    }
    Ok(ArmReport {
        arm,
        months: by_month.into_values().collect(),
        total,
        after_two_months: after,
        weekly_acceptance: weekly.iter().map(Counts::acceptance).collect(),
        drift: file.drift_day.map(|_| drift),
        kinds,
        kinds_last_quarter: kinds_last,
        held_back,
        reverts,
        disowned,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn targets(arms: &[ArmReport], has_drift: bool) -> Vec<Target> {
    let get = |a: Arm| arms.iter().find(|r| r.arm == a);
    let mut out = Vec::new();
    let Some(juno) = get(Arm::Juno) else {
        return out;
    };
    let acc = juno.after_two_months.acceptance();
    out.push(Target {
        name: "JUNO acceptance after the first two months".into(),
        value: pct(acc),
        goal: "≥ 85%".into(),
        met: acc.is_some_and(|a| a >= 0.85),
    });
    if let Some(oracle) = get(Arm::Oracle) {
        let o = oracle.after_two_months.acceptance();
        let gap = match (acc, o) {
            (Some(a), Some(o)) => Some(o - a),
            _ => None,
        };
        out.push(Target {
            name: "gap to the oracle after two months".into(),
            value: gap.map_or("–".into(), |g| format!("{:.1} points", 100.0 * g)),
            goal: "≤ 5 points".into(),
            met: gap.is_some_and(|g| g <= 0.05),
        });
    }
    if let Some(base) = get(Arm::NoLearning) {
        let b = base.after_two_months.acceptance();
        out.push(Target {
            name: "no-learning acceptance after two months (reported)".into(),
            value: pct(b),
            goal: "far below JUNO".into(),
            met: matches!((acc, b), (Some(a), Some(b)) if a - b >= 0.10),
        });
    }
    let unwanted = juno.total.unwanted_auto_share();
    out.push(Target {
        name: "auto-approved actions the team did not want".into(),
        value: format!(
            "{} ({} of {})",
            pct(unwanted),
            juno.total.unwanted_auto,
            juno.total.auto
        ),
        goal: "< 2%".into(),
        met: unwanted.is_none_or(|u| u < 0.02),
    });
    if has_drift && let Some(d) = &juno.drift {
        let rec = d[2].acceptance();
        out.push(Target {
            name: "acceptance 30–60 days after the drift".into(),
            value: format!("{} (first 30 days: {})", pct(rec), pct(d[1].acceptance())),
            goal: "≥ 80%".into(),
            met: rec.is_some_and(|r| r >= 0.80),
        });
    }
    let n = juno.months.len();
    if n >= 6 {
        let quarter = |ms: &[Month]| {
            let mut c = Counts::default();
            let mut weeks = 0.0;
            for m in ms {
                c.add(&m.all);
                weeks += m.weeks;
            }
            (c, weeks)
        };
        // The first and last three full months (a run that ends early in a month leaves
        // that month out).
        let full: Vec<Month> = juno
            .months
            .iter()
            .filter(|m| m.weeks >= 3.0)
            .cloned()
            .collect();
        if full.len() >= 6 {
            let (first, fw) = quarter(&full[..3]);
            let (last, lw) = quarter(&full[full.len() - 3..]);
            let per_week = |c: &Counts, w: f64| c.person_decisions as f64 / w.max(1e-9);
            let unwanted = |c: &Counts| {
                let n = c.accepted + c.rejected + c.unwanted_auto;
                (c.rejected + c.unwanted_auto) as f64 / (n.max(1)) as f64
            };
            out.push(Target {
                name: "approver workload, first vs last quarter".into(),
                value: format!(
                    "{:.1} → {:.1} decisions/week; unwanted share {:.1}% → {:.1}%",
                    per_week(&first, fw),
                    per_week(&last, lw),
                    100.0 * unwanted(&first),
                    100.0 * unwanted(&last)
                ),
                goal: "falls, unwanted share not up".into(),
                met: per_week(&last, lw) < per_week(&first, fw)
                    && unwanted(&last) <= unwanted(&first),
            });
        }
    }
    out
}

impl LearningReport {
    /// The arm's report, if it ran.
    pub fn arm(&self, arm: Arm) -> Option<&ArmReport> {
        self.arms.iter().find(|a| a.arm == arm)
    }

    /// Acceptance by team and month, each arm side by side.
    fn team_grid(&self, s: &mut String) {
        let teams: Vec<String> = self
            .arms
            .iter()
            .flat_map(|a| a.months.iter().flat_map(|m| m.teams.keys().cloned()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if teams.is_empty() {
            return;
        }
        let _ = writeln!(s);
        let _ = write!(s, "{:<8}", "accept.");
        for a in &self.arms {
            let _ = write!(s, " | {:^w$}", a.arm.as_str(), w = 7 * teams.len() - 1);
        }
        let _ = writeln!(s);
        let _ = write!(s, "{:<8}", "by team");
        for _ in &self.arms {
            let _ = write!(s, " |");
            for t in &teams {
                let _ = write!(s, " {:>6}", t.chars().take(6).collect::<String>());
            }
        }
        let _ = writeln!(s);
        for m in self.arms.first().map_or(&[][..], |a| a.months.as_slice()) {
            let _ = write!(s, "{:<8}", m.month);
            for a in &self.arms {
                let _ = write!(s, " |");
                let month = a.months.iter().find(|x| x.month == m.month);
                for t in &teams {
                    let v = month
                        .and_then(|x| x.teams.get(t))
                        .and_then(Counts::acceptance);
                    let _ = write!(s, " {:>6}", pct(v));
                }
            }
            let _ = writeln!(s);
        }
    }

    /// The report as text: per arm and month (acceptance, proposals, decisions per week,
    /// auto and unwanted auto), per team over the run, then the targets.
    pub fn render_table(&self) -> String {
        let mut s = String::new();
        let o = &self.organisation;
        let _ = writeln!(
            s,
            "learning: {} teams, {:.1} tickets per team per working day, {} days from {}; seed {}, noise {:.0}%{}",
            o.teams,
            o.arrivals_per_day,
            o.days,
            o.start.format("%Y-%m-%d"),
            self.seed,
            100.0 * self.noise,
            self.drift_day
                .map_or(String::new(), |d| format!(", preferences drift on day {d}"))
        );
        let _ = writeln!(
            s,
            "acceptance = accepted ÷ (accepted + rejected + unwanted auto); auto = carried out without a person"
        );
        let _ = writeln!(s);
        let months: Vec<&String> = self
            .arms
            .first()
            .map(|a| a.months.iter().map(|m| &m.month).collect())
            .unwrap_or_default();
        let _ = write!(s, "{:<8}", "month");
        for a in &self.arms {
            let _ = write!(s, " | {:^38}", a.arm.as_str());
        }
        let _ = writeln!(s);
        let _ = write!(s, "{:<8}", "");
        for _ in &self.arms {
            let _ = write!(
                s,
                " | {:>6} {:>5} {:>5} {:>3} {:>5} {:>4} {:>5}",
                "accept", "made", "rej", "exp", "dec/w", "auto", "unw"
            );
        }
        let _ = writeln!(s);
        for m in months {
            let _ = write!(s, "{m:<8}");
            for a in &self.arms {
                match a.months.iter().find(|x| &x.month == m) {
                    Some(x) => {
                        let _ = write!(
                            s,
                            " | {:>6} {:>5} {:>5} {:>3} {:>5.1} {:>4} {:>5}",
                            pct(x.all.acceptance()),
                            x.all.proposals,
                            x.all.rejected,
                            x.all.expired,
                            x.decisions_per_week(),
                            x.all.auto,
                            x.all.unwanted_auto
                        );
                    }
                    None => {
                        let _ = write!(s, " | {:>38}", "");
                    }
                }
            }
            let _ = writeln!(s);
        }
        self.team_grid(&mut s);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<12} {:<8} {:>6} {:>6} {:>7} {:>6} {:>6} {:>5} {:>7}",
            "arm", "team", "made", "accept", "rejected", "auto", "unw", "exp", "after2m"
        );
        for a in &self.arms {
            let mut teams: BTreeMap<&String, Counts> = BTreeMap::new();
            for m in &a.months {
                for (t, c) in &m.teams {
                    teams.entry(t).or_default().add(c);
                }
            }
            let rows = teams.iter().map(|(t, c)| (t.as_str(), c, None)).chain([(
                "all",
                &a.total,
                a.after_two_months.acceptance(),
            )]);
            for (t, c, after) in rows {
                let _ = writeln!(
                    s,
                    "{:<12} {:<8} {:>6} {:>6} {:>7} {:>6} {:>6} {:>5} {:>7}",
                    a.arm.as_str(),
                    t,
                    c.proposals,
                    pct(c.acceptance()),
                    c.rejected,
                    c.auto,
                    c.unwanted_auto,
                    c.expired,
                    after.map_or(String::new(), |v| pct(Some(v)))
                );
            }
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<12} {:<22} {:>6} {:>6} {:>7} {:>6} {:>6} | last 3 months: {:>5} {:>6} {:>5}",
            "arm", "action", "made", "accept", "rejected", "auto", "unw", "made", "accept", "auto"
        );
        for a in &self.arms {
            for (k, c) in &a.kinds {
                let l = a.kinds_last_quarter.get(k).cloned().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{:<12} {:<22} {:>6} {:>6} {:>7} {:>6} {:>6} | {:>21} {:>6} {:>5}",
                    a.arm.as_str(),
                    k,
                    c.proposals,
                    pct(c.acceptance()),
                    c.rejected,
                    c.auto,
                    c.unwanted_auto,
                    l.proposals,
                    pct(l.acceptance()),
                    l.auto
                );
            }
        }
        if !self.targets.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(s, "targets (issue #16):");
            for t in &self.targets {
                let _ = writeln!(
                    s,
                    "  [{}] {}: {} (goal {})",
                    if t.met { "met" } else { "NOT met" },
                    t.name,
                    t.value,
                    t.goal
                );
            }
        }
        if let Some(p) = &self.plot {
            let _ = writeln!(s, "\ncurve: {}", p.display());
        }
        s
    }
}

/// The acceptance curves of every arm over the run, by week, as SVG.
///
/// # Errors
/// [`Error::InvalidInput`] when there is nothing to draw.
pub fn curve_svg(report: &LearningReport) -> Result<String> {
    let series: Vec<(String, Vec<(f64, f64)>)> = report
        .arms
        .iter()
        .map(|a| {
            (
                a.arm.as_str().to_owned(),
                a.weekly_acceptance
                    .iter()
                    .enumerate()
                    .filter_map(|(w, v)| v.map(|v| (w as f64 + 0.5, 100.0 * v)))
                    .collect(),
            )
        })
        .collect();
    crate::plot::lines_svg(
        "Acceptance of JUNO's proposals, by week",
        "week of the simulated year",
        "accepted (%)",
        &series,
        report.drift_day.map(|d| f64::from(d) / 7.0),
    )
}
