//! Flow bottlenecks from ticket change history: where work waits, what is ageing, which
//! queues grow, and what recurs in the sprints a team misses.
//!
//! Pure: [`analyze`] is a function of its input, its [`FlowSettings`] and an injected `now`
//! (no clock, no I/O). Every map is a `BTreeMap` and every list is sorted, and sums are
//! taken in whole seconds, so the same history gives the same report byte for byte
//! whatever order tickets, events, sprints and holidays arrive in.
//!
//! # Status categories
//!
//! Each status name is put in a [`StatusCategory`] by [`StatusCategories::classify`]: the
//! name is lower-cased and split into words (letters, digits and `'`); every configured
//! phrase whose words appear contiguously in it matches; the longest matching phrase wins,
//! and ties go to done > qa > review > in-progress > to-do. So `Ready for Test` is `qa`,
//! `In Review` is `review`, `Selected for Development` is `to_do` (a three-word phrase
//! beats `development`). A name no phrase matches is `other`: tolerated and listed in
//! [`FlowReport::unknown_statuses`], or an error when
//! [`FlowSettings::unknown_status_is_error`] is set. *Active* (started, not finished)
//! means in-progress, review or qa.
//!
//! # Status timeline
//!
//! A ticket's status starts at `created` with the `from` of its first status event (or,
//! with no status events, its [`FlowTicket::status`]); each status event switches it to
//! its `to`. Events are ordered by time; events at the same instant are chained (the one
//! whose `from` is the current status goes first). A `from` that disagrees with the
//! previous `to` is tolerated: the `to` wins. Only `status` and `assignee` events are read
//! (field names case-insensitive); other fields are ignored.
//!
//! # Outputs per team (team = [`FlowTicket::team`])
//!
//! | output | definition |
//! |---|---|
//! | dwell per status | every non-done status: `total_days` = all time spent in it (finished stays plus the running stay of tickets still in it at `now`); `median_days` / `p85_days` = the 50th / 85th percentile of *finished* stays (linear interpolation between order statistics, as numpy's default); `visits` finished stays, `ongoing` running ones |
//! | `bottleneck` | the non-done status with the largest `total_days`, with its `share` of all non-done dwell |
//! | `work_bottleneck` | the same among active statuses only (where started work waits) |
//! | cycle time | per finished ticket, first entry into an active status → first entry into a done status after it; count, median, p85 |
//! | ageing WIP | open tickets now in an active status whose time in that status exceeds the team's p85 finished stay in it, or whose time since first becoming active exceeds the team's p85 cycle time; each percentile needs at least [`FlowSettings::min_samples`] samples. Listed with both ages, the thresholds and the ages' percentile ranks (100 × share of samples ≤ the age); oldest WIP first |
//! | review / qa queues | count of the team's tickets in a review (resp. qa) status at [`FlowSettings::queue_weeks`] weekly snapshots ending at `now`; the Theil–Sen slope (tickets per week, [`crate::stats::theil_sen`]); `rising` when the slope ≥ [`FlowSettings::queue_rise_per_week`] |
//! | sprints | per sprint (ordered by start, end, id): members; completed = the given [`FlowSprint::completed`] set, or else members whose status at sprint end is done; `carry_over_rate` = (members − completed) / members; `completion_rate` = completed / members; holidays = calendar dates (global or the team's) from start date to end date inclusive; assignees = everyone who held a member ticket at some moment in [start, end]; `joined` / `left` against the previous sprint; `team_change` when joined + left ≥ [`FlowSettings::team_change_min_share`] × \|previous ∪ current\| (and > 0) |
//! | external factors | for `holiday` (≥ 1 holiday date) and `team_change`: the sprints with the factor, mean completion rate with and without it, `difference` = with − without; `recurring` when it touched ≥ [`FlowSettings::factor_min_sprints`] sprints; `associated_with_lower_completion` when recurring, at least one sprint lacks it, and the difference ≤ −[`FlowSettings::factor_min_drop`] |
//!
//! # Bad input
//!
//! Errors ([`Error::InvalidInput`]): duplicate ticket keys, an empty key, a ticket created
//! after `now`, a status or assignee event before its ticket's creation or after `now`, a
//! ticket with neither status events nor a status, a sprint ending before it starts, a
//! duplicate sprint id within a team, a sprint without completed set naming an unknown
//! ticket, non-finite or out-of-range settings, and (when configured) unknown statuses.
//! Tolerated: events of other fields anywhere in time, `from`/`to` mismatches, unknown
//! ticket keys in a sprint whose completed set is given (they have no assignee).
//!
//! # Examples
//!
//! ```
//! use chrono::{DateTime, Utc};
//! use juno_core::flow::{analyze, FlowEvent, FlowInput, FlowSettings, FlowTicket};
//!
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
//! let ev = |t: &str, from: &str, to: &str| FlowEvent {
//!     at: at(t), field: "status".into(), from: from.into(), to: to.into(),
//! };
//! let input = FlowInput {
//!     tickets: vec![FlowTicket {
//!         key: "A-1".into(),
//!         team: "alpha".into(),
//!         created: at("2024-01-01T00:00:00Z"),
//!         status: None,
//!         assignee: None,
//!         events: vec![
//!             ev("2024-01-02T00:00:00Z", "Open", "In Progress"),
//!             ev("2024-01-05T00:00:00Z", "In Progress", "Done"),
//!         ],
//!     }],
//!     sprints: vec![],
//!     holidays: vec![],
//! };
//! let report = analyze(&input, &FlowSettings::default(), at("2024-02-01T00:00:00Z"))?;
//! let alpha = &report.teams["alpha"];
//! assert_eq!(alpha.statuses["In Progress"].total_days, 3.0);
//! assert_eq!(alpha.work_bottleneck.as_ref().map(|b| b.status.as_str()), Some("In Progress"));
//! # Ok::<(), juno_core::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::{self, percentile};

/// The percentile that ageing work is compared against (the team's own p85).
pub const AGEING_PERCENTILE: f64 = 0.85;

const DAY: f64 = 86_400.0;

/// What kind of state a status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Not started (backlog, open, reopened…).
    ToDo,
    /// Being worked on.
    InProgress,
    /// Waiting for or in review.
    Review,
    /// Waiting for or in testing.
    Qa,
    /// Finished (done, closed, resolved…).
    Done,
    /// Matched no configured phrase.
    Other,
}

impl StatusCategory {
    /// Started and not finished: in progress, review or qa.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            StatusCategory::InProgress | StatusCategory::Review | StatusCategory::Qa
        )
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCategory::ToDo => "to_do",
            StatusCategory::InProgress => "in_progress",
            StatusCategory::Review => "review",
            StatusCategory::Qa => "qa",
            StatusCategory::Done => "done",
            StatusCategory::Other => "other",
        }
    }

    fn precedence(self) -> u8 {
        match self {
            StatusCategory::Done => 5,
            StatusCategory::Qa => 4,
            StatusCategory::Review => 3,
            StatusCategory::InProgress => 2,
            StatusCategory::ToDo => 1,
            StatusCategory::Other => 0,
        }
    }
}

/// The phrases that put a status name in each category (case-insensitive, whole words).
///
/// Missing lists take their defaults when deserialised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusCategories {
    /// Not started.
    pub to_do: Vec<String>,
    /// Being worked on.
    pub in_progress: Vec<String>,
    /// Review.
    pub review: Vec<String>,
    /// Testing.
    pub qa: Vec<String>,
    /// Finished.
    pub done: Vec<String>,
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for StatusCategories {
    fn default() -> Self {
        StatusCategories {
            to_do: strings(&[
                "to do",
                "todo",
                "open",
                "reopened",
                "new",
                "backlog",
                "received",
                "accepted",
                "selected for development",
                "ready",
                "triage",
                "planned",
                "waiting",
                "blocked",
                "on hold",
                "needed",
            ]),
            in_progress: strings(&[
                "in progress",
                "progress",
                "doing",
                "development",
                "in development",
                "implementing",
                "implementation",
                "started",
                "active",
                "working",
                "wip",
            ]),
            review: strings(&[
                "review",
                "in review",
                "code review",
                "reviewing",
                "peer review",
                "pull request",
            ]),
            qa: strings(&[
                "qa",
                "test",
                "testing",
                "tested",
                "in test",
                "verify",
                "verifying",
                "verification",
                "validation",
                "uat",
            ]),
            done: strings(&[
                "done",
                "closed",
                "resolved",
                "complete",
                "completed",
                "released",
                "fixed",
                "deployed",
                "cancelled",
                "canceled",
                "rejected",
                "won't fix",
                "duplicate",
            ]),
        }
    }
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'"))
        .collect()
}

impl StatusCategories {
    /// The category of `status`: longest matching phrase, ties by done > qa > review >
    /// in-progress > to-do; [`StatusCategory::Other`] when nothing matches.
    pub fn classify(&self, status: &str) -> StatusCategory {
        let w = words(status);
        let mut best: Option<(usize, u8, StatusCategory)> = None;
        for (cat, list) in [
            (StatusCategory::Done, &self.done),
            (StatusCategory::Qa, &self.qa),
            (StatusCategory::Review, &self.review),
            (StatusCategory::InProgress, &self.in_progress),
            (StatusCategory::ToDo, &self.to_do),
        ] {
            for phrase in list {
                let p = words(phrase);
                if p.is_empty() || p.len() > w.len() {
                    continue;
                }
                if w.windows(p.len()).any(|win| win == p.as_slice()) {
                    let cand = (p.len(), cat.precedence(), cat);
                    if best.is_none_or(|b| (cand.0, cand.1) > (b.0, b.1)) {
                        best = Some(cand);
                    }
                }
            }
        }
        best.map_or(StatusCategory::Other, |b| b.2)
    }
}

/// Thresholds and vocabulary of the flow analysis.
///
/// Missing fields take their defaults when deserialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowSettings {
    /// Status vocabulary.
    pub categories: StatusCategories,
    /// Reject statuses no phrase matches instead of tolerating them as `other`.
    pub unknown_status_is_error: bool,
    /// Samples a percentile needs before ageing is judged against it (default 5).
    pub min_samples: usize,
    /// Weekly queue snapshots, ending at `now` (default 8, at least 2).
    pub queue_weeks: usize,
    /// A Theil–Sen queue slope at or above this many tickets per week is rising (default 0.25).
    pub queue_rise_per_week: f64,
    /// Share of the combined membership that must join or leave for a team change (default 0.25).
    pub team_change_min_share: f64,
    /// A factor recurs when it touches at least this many sprints (default 2).
    pub factor_min_sprints: usize,
    /// Completion this much lower (absolute, 0.10 = 10 points) with the factor is an association (default 0.10).
    pub factor_min_drop: f64,
}

impl Default for FlowSettings {
    fn default() -> Self {
        FlowSettings {
            categories: StatusCategories::default(),
            unknown_status_is_error: false,
            min_samples: 5,
            queue_weeks: 8,
            queue_rise_per_week: 0.25,
            team_change_min_share: 0.25,
            factor_min_sprints: 2,
            factor_min_drop: 0.10,
        }
    }
}

impl FlowSettings {
    fn validate(&self) -> Result<()> {
        if self.min_samples == 0 {
            return Err(Error::invalid("min_samples", "must be at least 1"));
        }
        if self.queue_weeks < 2 {
            return Err(Error::invalid("queue_weeks", "must be at least 2"));
        }
        if !self.queue_rise_per_week.is_finite() {
            return Err(Error::invalid("queue_rise_per_week", "must be finite"));
        }
        if !(0.0..=1.0).contains(&self.team_change_min_share) {
            return Err(Error::invalid(
                "team_change_min_share",
                "must be between 0 and 1",
            ));
        }
        if self.factor_min_sprints == 0 {
            return Err(Error::invalid("factor_min_sprints", "must be at least 1"));
        }
        if !(self.factor_min_drop.is_finite() && self.factor_min_drop >= 0.0) {
            return Err(Error::invalid(
                "factor_min_drop",
                "must be finite and not negative",
            ));
        }
        Ok(())
    }
}

/// One change of one field of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Which field (`status`, `assignee`; others are ignored).
    pub field: String,
    /// The value before (empty = none).
    #[serde(default)]
    pub from: String,
    /// The value after (empty = none).
    #[serde(default)]
    pub to: String,
}

/// A ticket with its change history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowTicket {
    /// Its key.
    pub key: String,
    /// Its team (or project).
    pub team: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Its status, used only when it has no status events.
    #[serde(default)]
    pub status: Option<String>,
    /// Its assignee, used only when it has no assignee events.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Its changes, in any order.
    #[serde(default)]
    pub events: Vec<FlowEvent>,
}

/// One sprint of one team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSprint {
    /// Its id or name (unique within the team).
    pub id: String,
    /// Its team.
    pub team: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End (actual or planned).
    pub end: DateTime<Utc>,
    /// Keys of the tickets in it.
    pub members: Vec<String>,
    /// Keys completed in it; when absent, members whose status at `end` is done.
    #[serde(default)]
    pub completed: Option<Vec<String>>,
}

/// A non-working day from the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The date.
    pub date: NaiveDate,
    /// The team it applies to; everyone when absent.
    #[serde(default)]
    pub team: Option<String>,
}

/// Everything [`analyze`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowInput {
    /// Tickets with their histories.
    pub tickets: Vec<FlowTicket>,
    /// Sprints, optional.
    #[serde(default)]
    pub sprints: Vec<FlowSprint>,
    /// Holiday calendar, optional.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

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

/// 100 × share of sorted samples ≤ `x`.
fn rank(sorted: &[f64], x: f64) -> Option<f64> {
    (!sorted.is_empty())
        .then(|| 100.0 * sorted.partition_point(|v| *v <= x) as f64 / sorted.len() as f64)
}

fn days(d: Duration) -> f64 {
    d.num_seconds() as f64 / DAY
}

/// Orders events by time, chaining same-instant events from the current value.
fn ordered(mut ev: Vec<&FlowEvent>) -> Vec<&FlowEvent> {
    ev.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then_with(|| a.from.cmp(&b.from))
            .then_with(|| a.to.cmp(&b.to))
    });
    let mut out = Vec::with_capacity(ev.len());
    let mut current: Option<&str> = None;
    let mut i = 0;
    while i < ev.len() {
        let j = i + ev[i..].iter().take_while(|e| e.at == ev[i].at).count();
        let mut run: Vec<&FlowEvent> = ev[i..j].to_vec();
        while !run.is_empty() {
            let pick = run
                .iter()
                .position(|e| Some(e.from.as_str()) == current)
                .or_else(|| {
                    run.iter()
                        .position(|e| !run.iter().any(|o| o.to == e.from && o.from != e.from))
                })
                .unwrap_or(0);
            let e = run.remove(pick);
            current = Some(e.to.as_str());
            out.push(e);
        }
        i = j;
    }
    out
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A ticket with its status and assignee timelines resolved.
struct Prepared<'a> {
    ticket: &'a FlowTicket,
    /// (since, status, category); the first starts at `created`.
    status: Vec<(DateTime<Utc>, &'a str, StatusCategory)>,
    /// (since, assignee); the first starts at `created`.
    assignee: Vec<(DateTime<Utc>, Option<String>)>,
}

impl Prepared<'_> {
    fn status_at(&self, t: DateTime<Utc>) -> Option<(&str, StatusCategory)> {
        if t < self.ticket.created {
            return None;
        }
        let i = self.status.partition_point(|s| s.0 <= t);
        self.status.get(i.saturating_sub(1)).map(|s| (s.1, s.2))
    }

    /// Everyone who held it at some moment in [from, to].
    fn assignees_during(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if to < self.ticket.created {
            return out;
        }
        let start = self
            .assignee
            .partition_point(|a| a.0 <= from)
            .saturating_sub(1);
        for (since, who) in &self.assignee[start..] {
            if *since > to {
                break;
            }
            if let Some(w) = who {
                out.insert(w.clone());
            }
        }
        out
    }
}

fn prepare<'a>(
    t: &'a FlowTicket,
    settings: &FlowSettings,
    now: DateTime<Utc>,
    unknown: &mut BTreeSet<String>,
) -> Result<Prepared<'a>> {
    if t.created > now {
        return Err(Error::invalid(
            "created",
            format!(
                "ticket `{}` was created at {} after now ({now})",
                t.key, t.created
            ),
        ));
    }
    let mut status_ev = Vec::new();
    let mut assignee_ev = Vec::new();
    for e in &t.events {
        let which = if e.field.eq_ignore_ascii_case("status") {
            &mut status_ev
        } else if e.field.eq_ignore_ascii_case("assignee") {
            &mut assignee_ev
        } else {
            continue;
        };
        if e.at < t.created {
            return Err(Error::invalid(
                "events",
                format!(
                    "ticket `{}`: {} change at {} is before its creation at {}",
                    t.key, e.field, e.at, t.created
                ),
            ));
        }
        if e.at > now {
            return Err(Error::invalid(
                "events",
                format!(
                    "ticket `{}`: {} change at {} is after now ({now})",
                    t.key, e.field, e.at
                ),
            ));
        }
        which.push(e);
    }
    let status_ev = ordered(status_ev);
    let assignee_ev = ordered(assignee_ev);
    let first = match status_ev.first() {
        Some(e) => e.from.as_str(),
        None => t.status.as_deref().unwrap_or(""),
    };
    if first.is_empty() {
        return Err(Error::invalid(
            "status",
            format!("ticket `{}` has neither status events nor a status", t.key),
        ));
    }
    let mut classify = |s: &str| -> Result<StatusCategory> {
        let c = settings.categories.classify(s);
        if c == StatusCategory::Other {
            if settings.unknown_status_is_error {
                return Err(Error::invalid(
                    "status",
                    format!("ticket `{}`: unknown status `{s}`", t.key),
                ));
            }
            unknown.insert(s.to_owned());
        }
        Ok(c)
    };
    let mut status = vec![(t.created, first, classify(first)?)];
    for e in &status_ev {
        status.push((e.at, e.to.as_str(), classify(&e.to)?));
    }
    let mut assignee = vec![(
        t.created,
        match assignee_ev.first() {
            Some(e) => opt(&e.from),
            None => t.assignee.clone().filter(|a| !a.is_empty()),
        },
    )];
    assignee.extend(assignee_ev.iter().map(|e| (e.at, opt(&e.to))));
    Ok(Prepared {
        ticket: t,
        status,
        assignee,
    })
}

#[derive(Default)]
struct DwellAcc {
    category: Option<StatusCategory>,
    finished: Vec<f64>,
    ongoing: usize,
    total_secs: i64,
}

fn bottleneck(
    statuses: &BTreeMap<String, StatusDwell>,
    pick: fn(StatusCategory) -> bool,
) -> Option<Bottleneck> {
    let pool: Vec<(&String, &StatusDwell)> =
        statuses.iter().filter(|(_, d)| pick(d.category)).collect();
    let sum: f64 = pool.iter().map(|(_, d)| d.total_days).sum();
    pool.iter()
        .filter(|(_, d)| d.total_days > 0.0)
        // Ties go to the alphabetically first status, so the choice is stable.
        .max_by(|a, b| {
            a.1.total_days
                .total_cmp(&b.1.total_days)
                .then_with(|| b.0.cmp(a.0))
        })
        .map(|(s, d)| Bottleneck {
            status: (*s).clone(),
            category: d.category,
            total_days: d.total_days,
            share: if sum > 0.0 { d.total_days / sum } else { 0.0 },
        })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn team_flow(
    team: &str,
    tickets: &[&Prepared<'_>],
    by_key: &BTreeMap<&str, &Prepared<'_>>,
    sprints: &[&FlowSprint],
    holidays: &[&Holiday],
    settings: &FlowSettings,
    now: DateTime<Utc>,
) -> Result<TeamFlow> {
    let mut dwell: BTreeMap<&str, DwellAcc> = BTreeMap::new();
    let mut cycles = Vec::new();
    let mut open_tickets = 0;
    for p in tickets {
        for (i, (since, status, cat)) in p.status.iter().enumerate() {
            let until = p.status.get(i + 1).map(|n| n.0);
            if *cat == StatusCategory::Done {
                continue;
            }
            let acc = dwell.entry(status).or_default();
            acc.category = Some(*cat);
            let secs = (until.unwrap_or(now) - *since).num_seconds();
            acc.total_secs += secs;
            if until.is_some() {
                acc.finished.push(secs as f64 / DAY);
            } else {
                acc.ongoing += 1;
            }
        }
        let first_active = p.status.iter().position(|s| s.2.is_active());
        let done_after = first_active.and_then(|a| {
            p.status[a..]
                .iter()
                .find(|s| s.2 == StatusCategory::Done)
                .map(|d| days(d.0 - p.status[a].0))
        });
        cycles.extend(done_after);
        if p.status.last().is_some_and(|s| s.2 != StatusCategory::Done) {
            open_tickets += 1;
        }
    }
    cycles.sort_by(f64::total_cmp);
    let mut statuses = BTreeMap::new();
    let mut finished_by_status: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (status, mut acc) in dwell {
        acc.finished.sort_by(f64::total_cmp);
        statuses.insert(
            status.to_owned(),
            StatusDwell {
                category: acc.category.unwrap_or(StatusCategory::Other),
                visits: acc.finished.len(),
                ongoing: acc.ongoing,
                total_days: acc.total_secs as f64 / DAY,
                median_days: percentile(&acc.finished, 0.5),
                p85_days: percentile(&acc.finished, AGEING_PERCENTILE),
            },
        );
        finished_by_status.insert(status, acc.finished);
    }

    let enough = |v: &[f64]| v.len() >= settings.min_samples;
    let cycle_p85 = if enough(&cycles) {
        percentile(&cycles, AGEING_PERCENTILE)
    } else {
        None
    };
    let mut ageing_wip = Vec::new();
    for p in tickets {
        let Some(&(since, status, cat)) = p.status.last() else {
            continue;
        };
        if !cat.is_active() {
            continue;
        }
        let first_active = p
            .status
            .iter()
            .find(|s| s.2.is_active())
            .map_or(since, |s| s.0);
        let status_age = days(now - since);
        let wip_age = days(now - first_active);
        let stays = finished_by_status
            .get(status)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let status_p85 = if enough(stays) {
            percentile(stays, AGEING_PERCENTILE)
        } else {
            None
        };
        let mut exceeds = Vec::new();
        if status_p85.is_some_and(|q| status_age > q) {
            exceeds.push(AgeingBasis::StatusDwell);
        }
        if cycle_p85.is_some_and(|q| wip_age > q) {
            exceeds.push(AgeingBasis::CycleTime);
        }
        if exceeds.is_empty() {
            continue;
        }
        ageing_wip.push(AgeingItem {
            key: p.ticket.key.clone(),
            status: status.to_owned(),
            category: cat,
            status_age_days: status_age,
            status_p85_days: status_p85,
            status_age_percentile: status_p85.and_then(|_| rank(stays, status_age)),
            wip_age_days: wip_age,
            cycle_p85_days: cycle_p85,
            wip_age_percentile: cycle_p85.and_then(|_| rank(&cycles, wip_age)),
            exceeds,
        });
    }
    ageing_wip.sort_by(|a, b| {
        b.wip_age_days
            .total_cmp(&a.wip_age_days)
            .then_with(|| a.key.cmp(&b.key))
    });

    let queues = [StatusCategory::Review, StatusCategory::Qa]
        .into_iter()
        .map(|cat| {
            let weeks: Vec<QueuePoint> = (0..settings.queue_weeks)
                .rev()
                .map(|back| {
                    let at = now - Duration::weeks(back as i64);
                    let count = tickets
                        .iter()
                        .filter(|p| p.status_at(at).is_some_and(|s| s.1 == cat))
                        .count();
                    QueuePoint { at, count }
                })
                .collect();
            let counts: Vec<f64> = weeks.iter().map(|w| w.count as f64).collect();
            let slope = stats::theil_sen(&counts).map_or(0.0, |(slope, _)| slope);
            QueueTrend {
                category: cat,
                weeks,
                theil_sen_per_week: slope,
                rising: slope >= settings.queue_rise_per_week,
            }
        })
        .collect();

    let sprint_flows = sprint_flows(team, sprints, by_key, holidays, settings)?;
    let rates: Vec<f64> = sprint_flows
        .iter()
        .filter_map(|s| s.carry_over_rate)
        .collect();
    let external_factors = if sprint_flows.is_empty() {
        Vec::new()
    } else {
        [FactorKind::Holiday, FactorKind::TeamChange]
            .into_iter()
            .map(|f| factor(f, &sprint_flows, settings))
            .collect()
    };
    Ok(TeamFlow {
        tickets: tickets.len(),
        open_tickets,
        bottleneck: bottleneck(&statuses, |c| c != StatusCategory::Done),
        work_bottleneck: bottleneck(&statuses, StatusCategory::is_active),
        statuses,
        cycle_time: Distribution {
            count: cycles.len(),
            median_days: percentile(&cycles, 0.5),
            p85_days: percentile(&cycles, AGEING_PERCENTILE),
        },
        ageing_wip,
        queues,
        sprints: sprint_flows,
        mean_carry_over_rate: mean(&rates),
        external_factors,
    })
}

fn sprint_flows(
    team: &str,
    sprints: &[&FlowSprint],
    by_key: &BTreeMap<&str, &Prepared<'_>>,
    holidays: &[&Holiday],
    settings: &FlowSettings,
) -> Result<Vec<SprintFlow>> {
    let mut out: Vec<SprintFlow> = Vec::with_capacity(sprints.len());
    let mut previous: Option<BTreeSet<String>> = None;
    for s in sprints {
        let members: BTreeSet<&str> = s.members.iter().map(String::as_str).collect();
        let completed = match &s.completed {
            Some(done) => {
                let done: BTreeSet<&str> = done.iter().map(String::as_str).collect();
                members.intersection(&done).count()
            }
            None => {
                let mut n = 0;
                for m in &members {
                    let p = by_key.get(m).ok_or_else(|| {
                        Error::invalid(
                            "sprints",
                            format!(
                                "sprint `{}` of team `{team}` names unknown ticket `{m}` and gives no completed set",
                                s.id
                            ),
                        )
                    })?;
                    if p.status_at(s.end)
                        .is_some_and(|x| x.1 == StatusCategory::Done)
                    {
                        n += 1;
                    }
                }
                n
            }
        };
        let total = members.len();
        let ratio = |k: usize| (total > 0).then(|| k as f64 / total as f64);
        let (d0, d1) = (s.start.date_naive(), s.end.date_naive());
        let hol: BTreeSet<NaiveDate> = holidays
            .iter()
            .map(|h| h.date)
            .filter(|d| (d0..=d1).contains(d))
            .collect();
        let mut assignees = BTreeSet::new();
        for m in &members {
            if let Some(p) = by_key.get(m) {
                assignees.extend(p.assignees_during(s.start, s.end));
            }
        }
        let (joined, left, team_change) = match &previous {
            None => (Vec::new(), Vec::new(), false),
            Some(prev) => {
                let joined: Vec<String> = assignees.difference(prev).cloned().collect();
                let left: Vec<String> = prev.difference(&assignees).cloned().collect();
                let union = prev.union(&assignees).count();
                let moved = joined.len() + left.len();
                let change =
                    moved > 0 && moved as f64 >= settings.team_change_min_share * union as f64;
                (joined, left, change)
            }
        };
        out.push(SprintFlow {
            id: s.id.clone(),
            start: s.start,
            end: s.end,
            members: total,
            completed,
            carried_over: total - completed,
            carry_over_rate: ratio(total - completed),
            completion_rate: ratio(completed),
            holidays: hol.into_iter().collect(),
            assignees: assignees.iter().cloned().collect(),
            joined,
            left,
            team_change,
        });
        previous = Some(assignees);
    }
    Ok(out)
}

fn factor(kind: FactorKind, sprints: &[SprintFlow], settings: &FlowSettings) -> ExternalFactor {
    let has = |s: &SprintFlow| match kind {
        FactorKind::Holiday => !s.holidays.is_empty(),
        FactorKind::TeamChange => s.team_change,
    };
    let with: Vec<&SprintFlow> = sprints.iter().filter(|s| has(s)).collect();
    let rates = |pool: &mut dyn Iterator<Item = &SprintFlow>| -> Vec<f64> {
        pool.filter_map(|s| s.completion_rate).collect()
    };
    let with_rate = mean(&rates(&mut with.iter().copied()));
    let without_rate = mean(&rates(&mut sprints.iter().filter(|s| !has(s))));
    let difference = with_rate.zip(without_rate).map(|(a, b)| a - b);
    let recurring = with.len() >= settings.factor_min_sprints;
    ExternalFactor {
        factor: kind,
        sprints: with.iter().map(|s| s.id.clone()).collect(),
        mean_completion_with: with_rate,
        mean_completion_without: without_rate,
        difference,
        recurring,
        associated_with_lower_completion: recurring
            && difference.is_some_and(|d| d <= -settings.factor_min_drop),
    }
}

/// Analyses the flow of every team in `input` as of `now`.
///
/// # Errors
///
/// [`Error::InvalidInput`] for the bad input listed in the module docs; never panics.
pub fn analyze(
    input: &FlowInput,
    settings: &FlowSettings,
    now: DateTime<Utc>,
) -> Result<FlowReport> {
    settings.validate()?;
    let mut unknown = BTreeSet::new();
    let mut by_key: BTreeMap<&str, Prepared<'_>> = BTreeMap::new();
    for t in &input.tickets {
        if t.key.is_empty() {
            return Err(Error::invalid("key", "a ticket has an empty key"));
        }
        let p = prepare(t, settings, now, &mut unknown)?;
        if by_key.insert(t.key.as_str(), p).is_some() {
            return Err(Error::invalid(
                "key",
                format!("duplicate ticket `{}`", t.key),
            ));
        }
    }
    let mut teams: BTreeMap<&str, Vec<&Prepared<'_>>> = BTreeMap::new();
    for p in by_key.values() {
        teams.entry(p.ticket.team.as_str()).or_default().push(p);
    }
    let mut sprints: BTreeMap<&str, Vec<&FlowSprint>> = BTreeMap::new();
    for s in &input.sprints {
        if s.end < s.start {
            return Err(Error::invalid(
                "sprints",
                format!(
                    "sprint `{}` ends at {} before it starts at {}",
                    s.id, s.end, s.start
                ),
            ));
        }
        sprints.entry(s.team.as_str()).or_default().push(s);
        // A team with sprints but no tickets still gets a report.
        teams.entry(s.team.as_str()).or_default();
    }
    for list in sprints.values_mut() {
        list.sort_by(|a, b| (a.start, a.end, &a.id).cmp(&(b.start, b.end, &b.id)));
        let mut ids = BTreeSet::new();
        for s in list.iter() {
            if !ids.insert(s.id.as_str()) {
                return Err(Error::invalid(
                    "sprints",
                    format!("duplicate sprint `{}` in team `{}`", s.id, s.team),
                ));
            }
        }
    }
    let lookup: BTreeMap<&str, &Prepared<'_>> = by_key.iter().map(|(k, p)| (*k, p)).collect();
    let mut out = BTreeMap::new();
    for (team, tickets) in &teams {
        let hol: Vec<&Holiday> = input
            .holidays
            .iter()
            .filter(|h| h.team.as_deref().is_none_or(|t| t == *team))
            .collect();
        let team_sprints = sprints.get(team).map(Vec::as_slice).unwrap_or(&[]);
        out.insert(
            (*team).to_owned(),
            team_flow(team, tickets, &lookup, team_sprints, &hol, settings, now)?,
        );
    }
    Ok(FlowReport {
        now,
        teams: out,
        unknown_statuses: unknown.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_follows_the_documented_rules() {
        let c = StatusCategories::default();
        assert_eq!(c.classify("Ready for Test"), StatusCategory::Qa);
        assert_eq!(c.classify("In Review"), StatusCategory::Review);
        assert_eq!(c.classify("IN PROGRESS"), StatusCategory::InProgress);
        assert_eq!(c.classify("Selected for Development"), StatusCategory::ToDo);
        assert_eq!(c.classify("Won’t Fix"), StatusCategory::Done);
        assert_eq!(c.classify("Reopened"), StatusCategory::ToDo);
        assert_eq!(c.classify("Progressive"), StatusCategory::Other);
        assert_eq!(c.classify(""), StatusCategory::Other);
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), Some(3.0));
        // h = 4 × 0.85 = 3.4 → 4 + 0.4 × 1
        assert!(percentile(&v, 0.85).is_some_and(|p| (p - 4.4).abs() < 1e-12));
        assert_eq!(rank(&v, 3.0), Some(60.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
