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
//! with no status events, its [`Ticket::status`]); each status event switches it to
//! its `to`. Events are ordered by time; events at the same instant are chained (the one
//! whose `from` is the current status goes first). A `from` that disagrees with the
//! previous `to` is tolerated: the `to` wins. Only `status` and `assignee` events are read
//! (field names case-insensitive); other fields are ignored.
//!
//! # Outputs per team (team = [`Ticket::team`])
//!
//! | output | definition |
//! |---|---|
//! | dwell per status | every non-done status: `total_days` = all time spent in it (finished stays plus the running stay of tickets still in it at `now`); `median_days` / `p85_days` = the 50th / 85th percentile of *finished* stays (linear interpolation between order statistics, as numpy's default); `visits` finished stays, `ongoing` running ones |
//! | `bottleneck` | the non-done status with the largest `total_days`, with its `share` of all non-done dwell |
//! | `work_bottleneck` | the same among active statuses only (where started work waits) |
//! | cycle time | per finished ticket, first entry into an active status → first entry into a done status after it; count, median, p85 |
//! | ageing WIP | open tickets now in an active status whose time in that status exceeds the team's p85 finished stay in it, or whose time since first becoming active exceeds the team's p85 cycle time; each percentile needs at least [`FlowSettings::min_samples`] samples. Listed with both ages, the thresholds and the ages' percentile ranks (100 × share of samples ≤ the age); oldest WIP first |
//! | review / qa queues | count of the team's tickets in a review (resp. qa) status at [`FlowSettings::queue_weeks`] weekly snapshots ending at `now`; the Theil–Sen slope (tickets per week, [`crate::stats::theil_sen`]); `rising` when the slope ≥ [`FlowSettings::queue_rise_per_week`] |
//! | sprints | per sprint (ordered by start, end, id): members; completed = the given [`Sprint::completed`](crate::model::Sprint::completed) set, or else members whose status at sprint end is done; `carry_over_rate` = (members − completed) / members; `completion_rate` = completed / members; holidays = calendar dates (global or the team's) from start date to end date inclusive; assignees = everyone who held a member ticket at some moment in [start, end]; `joined` / `left` against the previous sprint; `team_change` when joined + left ≥ [`FlowSettings::team_change_min_share`] × \|previous ∪ current\| (and > 0) |
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
//! use juno_core::flow::{analyze, FlowInput, FlowSettings, Ticket, TicketEvent};
//!
//! let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
//! let ev = |t: &str, from: &str, to: &str| TicketEvent {
//!     at: at(t), field: "status".into(), from: from.into(), to: to.into(),
//! };
//! let input = FlowInput {
//!     tickets: vec![Ticket {
//!         key: "A-1".into(),
//!         team: "alpha".into(),
//!         created: Some(at("2024-01-01T00:00:00Z")),
//!         events: vec![
//!             ev("2024-01-02T00:00:00Z", "Open", "In Progress"),
//!             ev("2024-01-05T00:00:00Z", "In Progress", "Done"),
//!         ],
//!         ..Ticket::default()
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

mod history;
mod input;
mod report;
mod team;

use history::*;
pub use input::*;
pub use report::*;
use team::*;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::stats::{self, percentile};

/// The percentile that ageing work is compared against (the team's own p85).
pub const AGEING_PERCENTILE: f64 = 0.85;

const DAY: f64 = 86_400.0;

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
    settings.validate().map_err(|e| e.within("settings."))?;
    let mut unknown = BTreeSet::new();
    let mut by_key: BTreeMap<&str, Prepared<'_>> = BTreeMap::new();
    for (i, t) in input.tickets.iter().enumerate() {
        let at = format!("input.tickets[{i}].");
        if t.key.is_empty() {
            return Err(Error::invalid("key", "a ticket has an empty key").within(&at));
        }
        let p = prepare(t, settings, now, &mut unknown).map_err(|e| e.within(&at))?;
        if by_key.insert(t.key.as_str(), p).is_some() {
            return Err(Error::invalid("key", format!("duplicate ticket `{}`", t.key)).within(&at));
        }
    }
    let mut teams: BTreeMap<&str, Vec<&Prepared<'_>>> = BTreeMap::new();
    for p in by_key.values() {
        teams.entry(p.ticket.team.as_str()).or_default().push(p);
    }
    let mut sprints: BTreeMap<&str, Vec<Span<'_>>> = BTreeMap::new();
    for (i, s) in input.sprints.iter().enumerate() {
        let (start, end) = s
            .check_span()
            .map_err(|e| e.within(&format!("input.sprints[{i}].")))?;
        sprints.entry(s.team.as_str()).or_default().push(Span {
            sprint: s,
            start,
            end,
        });
        // A team with sprints but no tickets still gets a report.
        teams.entry(s.team.as_str()).or_default();
    }
    for list in sprints.values_mut() {
        list.sort_by(|a, b| (a.start, a.end, &a.sprint.id).cmp(&(b.start, b.end, &b.sprint.id)));
        let mut ids = BTreeSet::new();
        for s in list.iter() {
            if !ids.insert(s.sprint.id.as_str()) {
                return Err(Error::invalid(
                    "input.sprints",
                    format!(
                        "duplicate sprint `{}` in team `{}`",
                        s.sprint.id, s.sprint.team
                    ),
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
