//! What flow analysis returns, per team.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// Time spent in one status by one team's tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusDwell {
    /// The status's category.
    pub category: StatusCategory,
    /// Finished stays.
    pub visits: usize,
    /// Tickets in it at `now`.
    pub ongoing: usize,
    /// All time spent in it, finished and running, in days.
    pub total_days: f64,
    /// Median finished stay in days.
    pub median_days: Option<f64>,
    /// 85th-percentile finished stay in days.
    pub p85_days: Option<f64>,
}

/// The status where a team's time goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    /// The status.
    pub status: String,
    /// Its category.
    pub category: StatusCategory,
    /// Its total dwell in days.
    pub total_days: f64,
    /// Its share of the total dwell it was chosen among, in [0, 1].
    pub share: f64,
}

/// A distribution of durations in days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Samples.
    pub count: usize,
    /// Median.
    pub median_days: Option<f64>,
    /// 85th percentile.
    pub p85_days: Option<f64>,
}

/// Which percentile an ageing ticket exceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeingBasis {
    /// Its time in the current status is above the p85 finished stay there.
    StatusDwell,
    /// Its time since first becoming active is above the p85 cycle time.
    CycleTime,
}

/// An open, active ticket older than the team usually lets work get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgeingItem {
    /// The ticket.
    pub key: String,
    /// Its status now.
    pub status: String,
    /// That status's category.
    pub category: StatusCategory,
    /// Days in the current status.
    pub status_age_days: f64,
    /// The team's p85 finished stay in that status, when there are enough samples.
    pub status_p85_days: Option<f64>,
    /// Percentile rank (0–100) of `status_age_days` among those stays.
    pub status_age_percentile: Option<f64>,
    /// Days since it first became active.
    pub wip_age_days: f64,
    /// The team's p85 cycle time, when there are enough samples.
    pub cycle_p85_days: Option<f64>,
    /// Percentile rank (0–100) of `wip_age_days` among cycle times.
    pub wip_age_percentile: Option<f64>,
    /// Which thresholds it exceeds (at least one).
    pub exceeds: Vec<AgeingBasis>,
}

/// A queue count at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePoint {
    /// The snapshot time.
    pub at: DateTime<Utc>,
    /// Tickets in the queue then.
    pub count: usize,
}

/// How a review or qa queue moved over the last weeks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueTrend {
    /// [`StatusCategory::Review`] or [`StatusCategory::Qa`].
    pub category: StatusCategory,
    /// Weekly snapshots, oldest first.
    pub weeks: Vec<QueuePoint>,
    /// Theil–Sen slope in tickets per week.
    pub theil_sen_per_week: f64,
    /// Slope ≥ the settings' rise threshold.
    pub rising: bool,
}

/// One sprint's outcome and circumstances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintFlow {
    /// The sprint.
    pub id: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Distinct member tickets.
    pub members: usize,
    /// Completed members.
    pub completed: usize,
    /// Members not completed.
    pub carried_over: usize,
    /// carried_over / members.
    pub carry_over_rate: Option<f64>,
    /// completed / members.
    pub completion_rate: Option<f64>,
    /// Calendar holidays within it.
    pub holidays: Vec<NaiveDate>,
    /// Everyone who held a member ticket during it.
    pub assignees: Vec<String>,
    /// Assignees not in the previous sprint.
    pub joined: Vec<String>,
    /// Assignees of the previous sprint not in this one.
    pub left: Vec<String>,
    /// Enough turnover to count as a team change.
    pub team_change: bool,
}

/// A circumstance that can recur across sprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// At least one calendar holiday in the sprint.
    Holiday,
    /// Team membership changed (see [`SprintFlow::team_change`]).
    TeamChange,
}

/// A factor's association with sprint completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalFactor {
    /// The factor.
    pub factor: FactorKind,
    /// Sprints with it.
    pub sprints: Vec<String>,
    /// Mean completion rate of sprints with it.
    pub mean_completion_with: Option<f64>,
    /// Mean completion rate of sprints without it.
    pub mean_completion_without: Option<f64>,
    /// with − without.
    pub difference: Option<f64>,
    /// Touched at least `factor_min_sprints` sprints.
    pub recurring: bool,
    /// Recurring and completion at least `factor_min_drop` lower with it.
    pub associated_with_lower_completion: bool,
}

/// One team's flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamFlow {
    /// Tickets analysed.
    pub tickets: usize,
    /// Tickets not in a done status at `now`.
    pub open_tickets: usize,
    /// Dwell per non-done status.
    pub statuses: BTreeMap<String, StatusDwell>,
    /// The non-done status with the most dwell.
    pub bottleneck: Option<Bottleneck>,
    /// The active status with the most dwell.
    pub work_bottleneck: Option<Bottleneck>,
    /// First active → done.
    pub cycle_time: Distribution,
    /// Ageing work in progress, oldest first.
    pub ageing_wip: Vec<AgeingItem>,
    /// Review then qa queue.
    pub queues: Vec<QueueTrend>,
    /// Sprints, ordered by start.
    pub sprints: Vec<SprintFlow>,
    /// Mean carry-over rate over sprints with members.
    pub mean_carry_over_rate: Option<f64>,
    /// Holiday and team-change factors (only when there are sprints).
    pub external_factors: Vec<ExternalFactor>,
}

/// The flow report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowReport {
    /// The moment analysed.
    pub now: DateTime<Utc>,
    /// Per team.
    pub teams: BTreeMap<String, TeamFlow>,
    /// Status names no phrase matched (tolerated as `other`).
    pub unknown_statuses: Vec<String>,
}
