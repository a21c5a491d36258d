//! What flow analysis reads: tickets with their change history, sprints, holidays, and the
//! settings (status vocabulary and thresholds).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::model::{Sprint, Ticket, TicketEvent};

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

pub(super) fn strings(v: &[&str]) -> Vec<String> {
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

pub(super) fn words(s: &str) -> Vec<String> {
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
    pub(super) fn validate(&self) -> Result<()> {
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

/// The old name of [`TicketEvent`], kept as an alias for one release.
pub type FlowEvent = TicketEvent;

/// The old name of [`Ticket`] as flow reads it, kept as an alias for one release.
pub type FlowTicket = Ticket;

/// The old name of a [`Sprint`] as flow reads it, kept as an alias for one release.
pub type FlowSprint = Sprint;

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

/// Everything [`analyze`](super::analyze) reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowInput {
    /// Tickets with their histories.
    pub tickets: Vec<Ticket>,
    /// Sprints, optional.
    #[serde(default)]
    pub sprints: Vec<Sprint>,
    /// Holiday calendar, optional.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}
