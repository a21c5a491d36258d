//! A sprint's issues to sprint figures: a closed sprint to a finished [`Sprint`], the
//! active one to a [`SprintState`] as of now. Shared by the REST source (members from the
//! sprint's issue list) and the export importer (members from the issues' sprint field).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};

use crate::model::{Sprint, SprintState, Team, Ticket, User};

use super::map::{Category, Issue, key_order};

/// What a sprint figure needs to know about the sprint itself.
#[derive(Debug, Clone)]
pub(crate) struct SprintFacts {
    pub name: String,
    pub team: Team,
    pub start: Option<DateTime<Utc>>,
    /// When it ended (closed), or is planned to end.
    pub end: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
}

/// Whether `issue` joined sprint `name` after it started, by its sprint changes (from the
/// searched history when there is one, else its own).
fn added_late(issue: &Issue, facts: &SprintFacts, history: &BTreeMap<String, Ticket>) -> bool {
    let Some(start) = facts.start else {
        return false;
    };
    let events = history
        .get(&issue.ticket.key)
        .map_or(&issue.ticket.events, |t| &t.events);
    let has = |list: &str| list.split(',').any(|s| s.trim() == facts.name);
    events
        .iter()
        .any(|e| e.field == "sprint" && e.at > start && has(&e.to) && !has(&e.from))
}

fn assignees(members: &[Issue]) -> u32 {
    let set: BTreeSet<&User> = members
        .iter()
        .filter_map(|m| m.ticket.assignee.as_ref())
        .collect();
    u32::try_from(set.len()).unwrap_or(u32::MAX)
}

/// A closed sprint from its issues: members, those done by its end, committed points
/// (members that were in it at the start) and delivered points (those done).
pub(crate) fn finished_sprint(
    facts: &SprintFacts,
    members: &[Issue],
    history: &BTreeMap<String, Ticket>,
) -> Sprint {
    let mut keys: Vec<String> = members.iter().map(|m| m.ticket.key.clone()).collect();
    keys.sort_by(|a, b| key_order(a).cmp(&key_order(b)));
    keys.dedup();
    let done = |m: &Issue| {
        m.category == Category::Done && m.resolved.is_none_or(|r| facts.end.is_none_or(|e| r <= e))
    };
    let mut completed: Vec<String> = members
        .iter()
        .filter(|m| done(m))
        .map(|m| m.ticket.key.clone())
        .collect();
    completed.sort_by(|a, b| key_order(a).cmp(&key_order(b)));
    completed.dedup();
    let pointed = members.iter().any(|m| m.points.is_some());
    let committed: f64 = members
        .iter()
        .filter(|m| !added_late(m, facts, history))
        .filter_map(|m| m.points)
        .sum();
    let delivered: f64 = members
        .iter()
        .filter(|m| done(m))
        .filter_map(|m| m.points)
        .sum();
    Sprint {
        id: facts.name.clone(),
        team: facts.team.clone(),
        start: facts.start,
        end: facts.end,
        members: keys,
        completed: Some(completed),
        committed_points: pointed.then_some(committed),
        delivered_points: pointed.then_some(delivered),
        days: facts.start.zip(facts.end).map(|(s, e)| working_days(s, e)),
        team_size: assignees(members),
    }
}

/// An active sprint's state as of `now`: points and issues by status category, committed
/// and added, working days elapsed and planned, people, blocked, defects, review queue.
pub(crate) fn active_state(
    facts: &SprintFacts,
    members: &[Issue],
    history: &BTreeMap<String, Ticket>,
    now: DateTime<Utc>,
) -> SprintState {
    let mut s = SprintState {
        team: facts.team.clone(),
        sprint: facts.name.clone(),
        team_size: assignees(members),
        ..SprintState::default()
    };
    for m in members {
        let p = m.points.unwrap_or(0.0);
        if added_late(m, facts, history) {
            s.added_points += p;
            s.added_issues += 1;
        } else {
            s.committed_points += p;
            s.committed_issues += 1;
        }
        match m.category {
            Category::ToDo => {
                s.todo_points += p;
                s.todo_issues += 1;
            }
            Category::InProgress => {
                s.in_progress_points += p;
                s.in_progress_issues += 1;
                s.review_queue += u32::from(m.in_review);
            }
            Category::Done => {
                s.done_points += p;
                s.done_issues += 1;
            }
        }
        s.blocked += u32::from(m.ticket.blocked && m.category != Category::Done);
        s.defects += u32::from(m.bug);
    }
    if let Some(start) = facts.start {
        s.days_elapsed = working_days(start, now.max(start));
        s.days_planned = facts
            .planned_end
            .map_or(0.0, |e| working_days(start, e.max(start)));
    }
    s
}

/// Working days from `a` to `b`: the weekdays from `a`'s date up to `b`'s date, plus
/// `b`'s date when it is a weekday and `b` is after noon.
pub(crate) fn working_days(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    let weekday = |d: chrono::NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let (from, to) = (a.date_naive(), b.date_naive());
    let mut n = 0u32;
    let mut d = from;
    while d < to {
        n += u32::from(weekday(d));
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    if to >= from && weekday(to) && b.hour() >= 12 {
        n += 1;
    }
    f64::from(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::jira::map::date;

    fn t(s: &str) -> DateTime<Utc> {
        date(s).unwrap_or_default()
    }

    #[test]
    fn a_two_week_sprint_is_ten_working_days() {
        // Monday 09:00 to the Friday a week later, 17:00.
        assert_eq!(
            working_days(t("2026-01-05T09:00:00Z"), t("2026-01-16T17:00:00Z")),
            10.0
        );
        assert_eq!(
            working_days(t("2026-01-05T10:00:00Z"), t("2026-01-19T10:00:00Z")),
            10.0
        );
    }
}
