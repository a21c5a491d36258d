//! Wiring: the agent cycle, observe → analyze → decide → govern → act → learn.
//!
//! `juno.agent().run_cycle(…)` (in `api.rs`) syncs a source into the store, reads the
//! stored nouns back, runs the engines over them (velocity and flow per team, a forecast
//! per active sprint, triage over the open tickets), turns triage findings into
//! [`crate::model::Proposal`]s whose action carries the exact [`Write`]s it would make,
//! routes each through governance, executes what is approved (now or between cycles)
//! through the outbox and the guard rails, and takes decisions and finished sprints into
//! memory and the forecaster. It returns a [`CycleReport`] and stores it.
//!
//! # Calibrated proposal confidence
//!
//! A proposal's confidence decides auto-approval, so it is calibrated against what people
//! did with earlier proposals of the same action kind. The learn stage collects, per kind,
//! the pairs (raw score the request was submitted with, did a person approve it) of every
//! request a person approved or rejected — auto-approved, expired and cancelled requests
//! are no one's verdict and are left out — and from [`MIN_CALIBRATION_OUTCOMES`] pairs
//! on, whenever a kind has more of them than its newest map was fitted on, fits a new map
//! ([`crate::reasoning::Calibration::fit`], isotonic) and stores it as the kind's next
//! version. The analyze stage of a later cycle maps each triage proposal's raw score
//! through the newest map of its kind created by then, so a map only ever scores proposals
//! made after the decisions it was fitted on. The request keeps the raw score, and it and
//! the auto-approval decision name the map used ([`crate::model::CalibrationRef`]), or
//! `null` while the kind has none. [`Agent::confidence_calibrations`] reads the maps.
//!
//! [`MIN_CALIBRATION_OUTCOMES`]: crate::reasoning::MIN_CALIBRATION_OUTCOMES
//!
//! # What a team keeps turning down
//!
//! Calibration is per action kind, across teams; a team's own "no" is read separately.
//! Every outcome the learn stage records carries the proposal's context facets
//! ([`context_of`]: priority, labels, assigned, blocked, weekday), and the decide stage
//! reads each team's newest outcomes back from memory
//! ([`crate::memory::Memories::recent_outcomes`]) to hold back what the team keeps
//! turning down, for the action or only in a narrower context ([`PreferenceSettings`]
//! says exactly when, and how a probe asks again). People's decisions since the last
//! cycle are learned before the decide stage, so the newest "no" already counts. The cap
//! on proposals applies after these holds. `juno eval learning` (in `juno-eval`) measures
//! the effect on a simulated year; [`CycleOptions::learning`] turns all of it off for its
//! baseline.
//!
//! This module holds the cycle's options, its report and the pure planning of writes; it
//! owns no state of its own beyond the stored reports and the scheduler's lease.

mod act;
mod analyze;
pub mod api;
mod learn;
mod lease;
mod plan;
pub mod prefer;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::executor::{GuardRails, Write};
use crate::model::{CalibrationRef, ImpactLevel, RiskLevel, Role};
use crate::reasoning::Calibration;
use crate::source::api::SyncReport;
use crate::triage::TriageSettings;

pub use api::{Agent, LEASE_NAME, Progress};
pub use plan::plan_writes;
pub use prefer::{PreferenceSettings, context_of};

/// A cycle report lists at most this many skipped findings (the rest are counted in
/// `skipped_unlisted`), so a large backlog of held-back tickets does not make every stored
/// report large.
pub const MAX_SKIPPED_LISTED: usize = 1000;

/// How a cycle runs. In JSON every field is optional and defaults as below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CycleOptions {
    /// Decide everything, change nothing: no request is submitted, nothing executes, nothing
    /// is learned; the report lists the exact writes the cycle would make.
    pub dry_run: bool,
    /// Who the cycle's proposals are requested by (`juno`).
    pub requester: String,
    /// What the executor may do.
    pub guard_rails: GuardRails,
    /// Triage thresholds and the proposal cap.
    pub triage: TriageSettings,
    /// Days after a rejection (or an execution) before the same action on the same ticket
    /// may be proposed again (14), 0–3650.
    pub cooldown_days: f64,
    /// Retrain the forecaster after this many newly recorded sprints (10).
    pub retrain_every: u32,
    /// Finished sprints per team the analysis reads, newest (20).
    pub history_sprints: usize,
    /// Learn from people's decisions (true): record them in memory (the teams' preferences,
    /// track records and recent outcomes), fit and apply each action kind's confidence
    /// calibration, and read the teams' recent outcomes before proposing (`preferences`).
    /// `false` records nothing, fits and applies no calibration map, and holds nothing
    /// back; memory's track records are still read as they stand. The baseline of `juno
    /// eval learning`.
    pub learning: bool,
    /// How the teams' recent outcomes hold proposals back (see [`PreferenceSettings`]).
    pub preferences: PreferenceSettings,
}

impl Default for CycleOptions {
    fn default() -> Self {
        CycleOptions {
            dry_run: false,
            requester: "juno".into(),
            guard_rails: GuardRails::default(),
            triage: TriageSettings::default(),
            cooldown_days: 14.0,
            retrain_every: 10,
            history_sprints: 20,
            learning: true,
            preferences: PreferenceSettings::default(),
        }
    }
}

impl CycleOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming the option (`options.cooldown_days`).
    pub fn validate(&self) -> crate::Result<()> {
        use crate::error::Error;
        crate::model::check_name("options.requester", &self.requester)?;
        self.triage
            .validate()
            .map_err(|e| e.within("options.triage."))?;
        if !(0.0..=prefer::MAX_DAYS).contains(&self.cooldown_days) {
            return Err(Error::invalid(
                "options.cooldown_days",
                format!(
                    "must be a number of days in 0..={}, got {}",
                    prefer::MAX_DAYS,
                    self.cooldown_days
                ),
            ));
        }
        if self.retrain_every == 0 {
            return Err(Error::invalid(
                "options.retrain_every",
                "must be at least 1",
            ));
        }
        self.preferences
            .validate()
            .map_err(|e| e.within("options."))?;
        if !(1..=1000).contains(&self.history_sprints) {
            return Err(Error::invalid(
                "options.history_sprints",
                format!("must be in 1..=1000, got {}", self.history_sprints),
            ));
        }
        Ok(())
    }
}

/// What the cycle read from the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// Teams.
    pub teams: usize,
    /// People.
    pub people: usize,
    /// Tickets, open or not.
    pub tickets: usize,
    /// Tickets not in a done status.
    pub open_tickets: usize,
    /// Finished sprints.
    pub finished_sprints: usize,
    /// Sprints in progress.
    pub active_sprints: usize,
    /// Open tickets triage could not read (no priority or no update time), skipped.
    pub skipped_tickets: usize,
}

/// One team's delivery, from `velocity` and `flow`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamReport {
    /// The team.
    pub team: String,
    /// Finished sprints read.
    pub sprints: usize,
    /// Mean delivered points.
    pub mean_velocity: f64,
    /// `improving`, `stable`, `declining` or `volatile`.
    pub trend: String,
    /// The next sprint's delivery, P50, when velocity can forecast it.
    pub next_sprint_points: Option<f64>,
    /// The status work waits in longest, with its share of the time.
    pub bottleneck: Option<(String, f64)>,
    /// Median cycle time in days.
    pub cycle_time_days: Option<f64>,
    /// Work in progress older than the team's usual.
    pub ageing_wip: usize,
}

/// One active sprint's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintRisk {
    /// The team.
    pub team: String,
    /// The sprint.
    pub sprint: String,
    /// P(delivering ≥ 80% of the commitment).
    pub p_deliver_80: f64,
    /// `model v<N>` or `monte_carlo`.
    pub basis: String,
    /// Risk level.
    pub level: RiskLevel,
    /// The flagged categories, worst first (`scope: 0.62`).
    pub drivers: Vec<String>,
    /// What to do about it.
    pub recommendations: Vec<String>,
}

/// One proposal the cycle made (or, in a dry run, would make).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalReport {
    /// The approval request (`None` in a dry run).
    pub request_id: Option<i64>,
    /// The action kind (`triage.reassign`).
    pub kind: String,
    /// The team.
    pub team: String,
    /// The ticket.
    pub target: String,
    /// Impact level.
    pub impact: ImpactLevel,
    /// Confidence: calibrated when `calibration` names a map, else the raw score.
    pub confidence: f64,
    /// The raw (uncalibrated) score.
    #[serde(default)]
    pub raw_confidence: f64,
    /// The calibration map applied (`None` while the kind has no fitted map).
    #[serde(default)]
    pub calibration: Option<CalibrationRef>,
    /// `auto_approved` or `pending`.
    pub status: String,
    /// The role whose queue it waits in (pending only).
    pub waits_for: Option<Role>,
    /// The auto-approval rule and numbers (auto-approved only).
    pub decision: Option<serde_json::Value>,
    /// The exact writes it would make.
    pub writes: Vec<Write>,
    /// Why, in words.
    pub explanation: String,
}

/// A proposal the cycle did not make again, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The action kind.
    pub kind: String,
    /// The ticket.
    pub target: String,
    /// Why (`request #12 is pending`).
    pub reason: String,
}

/// One approved action the act stage handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActReport {
    /// The request.
    pub request_id: i64,
    /// The action kind.
    pub kind: String,
    /// The ticket.
    pub target: Option<String>,
    /// Who approved it (`juno` for the policy).
    pub approved_by: Option<String>,
    /// The writes (made, or that would be made).
    pub writes: Vec<Write>,
    /// What the executor reported, or why it failed or was held.
    pub detail: serde_json::Value,
}

/// What the learn stage took in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    /// Decisions recorded as outcomes in memory (team, action, outcome).
    pub outcomes: Vec<(String, String, String)>,
    /// Finished sprints recorded as forecast observations.
    pub sprints_recorded: usize,
    /// Active sprints whose state was kept as their checkpoint this cycle.
    pub checkpoints_taken: usize,
    /// The model version trained this cycle, if one was.
    pub retrained_version: Option<i64>,
    /// Why no model was trained when a retrain was due.
    pub retrain_note: Option<String>,
    /// Confidence calibration maps fitted this cycle (one per action kind with new person
    /// decisions, from [`MIN_CALIBRATION_OUTCOMES`](crate::reasoning::MIN_CALIBRATION_OUTCOMES) on).
    #[serde(default)]
    pub calibrations: Vec<CalibrationRef>,
}

/// One stored calibration map of proposal confidence for one action kind (see the module
/// docs): fitted by the learn stage on the person decisions of that kind, applied by later
/// cycles to that kind's proposals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceCalibration {
    /// The action kind (`triage.reassign`).
    pub kind: String,
    /// Its version for that kind, from 1.
    pub version: i64,
    /// The map, with the number of decisions it was fitted on (`outcomes`) and its Brier
    /// score and expected calibration error before and after, on those decisions.
    pub map: Calibration,
    /// The newest person decision it was fitted on.
    pub decided_through: DateTime<Utc>,
    /// When it was fitted: it applies to proposals made from then on.
    pub created_at: DateTime<Utc>,
}

impl ConfidenceCalibration {
    /// How a proposal and its request name this map: kind, version, outcomes.
    pub fn reference(&self) -> CalibrationRef {
        CalibrationRef {
            kind: self.kind.clone(),
            version: self.version,
            outcomes: self.map.outcomes,
        }
    }
}

/// Everything one cycle saw, proposed, decided, executed and learned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleReport {
    /// The stored report's id (`None` for a dry run, which stores nothing).
    pub cycle: Option<i64>,
    /// The moment the cycle ran as of.
    pub now: DateTime<Utc>,
    /// Whether it was a dry run.
    pub dry_run: bool,
    /// The sync, when a source was given.
    pub sync: Option<SyncReport>,
    /// What was read.
    pub seen: Seen,
    /// Per team, by name.
    pub teams: Vec<TeamReport>,
    /// Per active sprint, riskiest first.
    pub risks: Vec<SprintRisk>,
    /// Proposals made, most urgent first.
    pub proposals: Vec<ProposalReport>,
    /// Findings not proposed, and why, most urgent first: at most [`MAX_SKIPPED_LISTED`].
    pub skipped: Vec<Skipped>,
    /// Findings not proposed beyond those listed in `skipped`.
    #[serde(default)]
    pub skipped_unlisted: usize,
    /// Approved actions executed (in a dry run: those that would be).
    pub executed: Vec<ActReport>,
    /// Approved actions held back by a guard rail or the budget (they stay approved).
    pub held: Vec<ActReport>,
    /// Approved actions whose execution failed.
    pub failed: Vec<ActReport>,
    /// Requests waiting for a person, by role.
    pub waiting: BTreeMap<String, u64>,
    /// What was learned.
    pub learned: Learned,
    /// Milliseconds per stage (`observe`, `analyze`, `decide`, `govern`, `act`, `learn`).
    pub timings_ms: BTreeMap<String, f64>,
    /// Notification messages queued for what this cycle did (0 with no channel
    /// configured, and in a dry run); `juno.notify().deliver()` sends them.
    #[serde(default)]
    pub notified: usize,
}
