//! Replaying a [`History`]: each issue's state at any instant as the triage `Ticket`
//! it was then, and what happened to it afterwards.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use juno_core::flow::{StatusCategories, StatusCategory};
use juno_core::triage::{Priority, Staleness, Ticket, TriageAction, TriageSettings};

use super::*;

/// One issue with its events in time order.
pub(super) struct Issue<'a> {
    pub(super) row: &'a IssueRow,
    pub(super) events: Vec<&'a EventRow>,
}

pub(super) fn is(field: &str, name: &str) -> bool {
    field.eq_ignore_ascii_case(name)
}

impl<'a> Issue<'a> {
    /// The field's value at `t` (see the module docs), `fallback` when it never changed.
    pub(super) fn value_at(&self, field: &str, t: DateTime<Utc>, fallback: &'a str) -> &'a str {
        let mut last = None;
        for e in self.events.iter().filter(|e| is(&e.field, field)) {
            if e.at <= t {
                last = Some(e.to.as_str());
            } else {
                return last.unwrap_or(e.from.as_str());
            }
        }
        last.unwrap_or(fallback)
    }

    pub(super) fn status_at(&self, t: DateTime<Utc>) -> &'a str {
        self.value_at("status", t, &self.row.status)
    }
}

pub(super) struct Replay<'a> {
    pub(super) issues: Vec<Issue<'a>>,
    pub(super) by_key: BTreeMap<&'a str, usize>,
    /// Whether each status name seen in the files is done.
    pub(super) done: BTreeMap<&'a str, bool>,
}

impl<'a> Replay<'a> {
    pub(super) fn done(&self, status: &str) -> bool {
        self.done.get(status).copied().unwrap_or(false)
    }

    pub(super) fn open_at(&self, i: usize, t: DateTime<Utc>) -> bool {
        self.issues
            .get(i)
            .is_none_or(|issue| !self.done(issue.status_at(t)))
    }

    /// The ticket as triage would have seen it at `t`.
    pub(super) fn ticket_at(&self, i: usize, t: DateTime<Utc>, assume_estimated: bool) -> Ticket {
        let issue = &self.issues[i];
        let row = issue.row;
        let past: Vec<&EventRow> = issue.events.iter().copied().filter(|e| e.at <= t).collect();
        let assignee = issue
            .value_at("assignee", t, row.assignee.as_deref().unwrap_or(""))
            .trim();
        let assignee = (!assignee.is_empty()).then(|| assignee.to_owned());
        // Priority values in events were checked when the file was read.
        let priority = if issue.events.iter().any(|e| is(&e.field, "priority")) {
            parse_priority(issue.value_at("priority", t, "")).unwrap_or(row.priority)
        } else {
            row.priority
        };
        let last_comment = past
            .iter()
            .filter(|e| is(&e.field, "comment"))
            .map(|e| e.at)
            .max();
        let last_change = past
            .iter()
            .filter(|e| !is(&e.field, "comment"))
            .map(|e| e.at)
            .max();
        let assignee_last_activity = assignee
            .as_deref()
            .and_then(|a| past.iter().filter(|e| e.author == a).map(|e| e.at).max());
        let labels: Vec<String> = issue
            .value_at("labels", t, "")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let estimated = assume_estimated
            || ["Story Points", "timeestimate", "timeoriginalestimate"]
                .iter()
                .any(|f| {
                    let v = issue.value_at(f, t, "").trim();
                    !v.is_empty() && !v.parse::<f64>().is_ok_and(|x| x == 0.0)
                });
        let in_sprint = !issue.value_at("Sprint", t, &row.sprints).trim().is_empty();
        // Links active at t: added by `to`, removed by `from`.
        let mut links = BTreeSet::new();
        for e in past.iter().filter(|e| is(&e.field, "Link")) {
            if !e.from.is_empty() {
                links.remove(e.from.as_str());
            }
            if !e.to.is_empty() {
                links.insert(e.to.as_str());
            }
        }
        let updated = past
            .iter()
            .map(|e| e.at)
            .max()
            .unwrap_or(row.created)
            .max(row.created);
        let key = row.key.clone();
        let team = row.project.clone();
        let (mut blocked, mut blocking) = (false, 0u32);
        for link in links {
            let Some((relation, target)) = parse_link(link) else {
                continue;
            };
            let target_open = match self.by_key.get(target) {
                Some(&j) => self.open_at(j, t),
                None => true,
            };
            if !target_open {
                continue;
            }
            match relation {
                "depends on" | "is blocked by" => blocked = true,
                "is depended on by" | "required by" | "blocks" => blocking += 1,
                _ => {}
            }
        }
        Ticket {
            key,
            team: team.into(),
            priority: Some(priority),
            assignee: assignee.map(Into::into),
            labels,
            updated: Some(updated),
            last_comment,
            last_change,
            assignee_last_activity,
            blocked,
            blocking,
            has_description: Some(true),
            estimated: Some(estimated),
            in_active_sprint: in_sprint,
            // The triage replay reads no status history; flow has its own input.
            ..Ticket::default()
        }
    }

    /// Which outcomes came true after `t` (indexed like [`ACTIONS`]).
    pub(super) fn outcomes(&self, i: usize, t: DateTime<Utc>, horizon: Duration) -> [bool; 6] {
        let issue = &self.issues[i];
        let future: Vec<&'a EventRow> = issue.events.iter().copied().filter(|e| e.at > t).collect();
        let within: Vec<&'a EventRow> = future
            .iter()
            .copied()
            .filter(|e| e.at <= t + horizon)
            .collect();
        let rank = |s: &str| parse_priority(s).unwrap_or(Priority::Medium);
        let raised = within
            .iter()
            .any(|e| is(&e.field, "priority") && rank(&e.to) < rank(&e.from));
        let prio_changed = within
            .iter()
            .any(|e| is(&e.field, "priority") && rank(&e.to) != rank(&e.from));
        let reassigned = within
            .iter()
            .any(|e| is(&e.field, "assignee") && e.to.trim() != e.from.trim());
        let commented = within.iter().any(|e| is(&e.field, "comment"));
        let row_resolution = issue.row.resolution.as_str();
        let first_done = future
            .iter()
            .copied()
            .filter(|e| is(&e.field, "status"))
            .find(|e| self.done(&e.to) && !self.done(&e.from));
        let resolved_within = first_done.is_some_and(|e| e.at <= t + horizon);
        let closed_unfixed = first_done.is_some_and(|e| {
            let r = issue.value_at("resolution", e.at, row_resolution).trim();
            !r.is_empty() && !DELIVERED.iter().any(|d| d.eq_ignore_ascii_case(r))
        });
        [
            raised || resolved_within,
            reassigned,
            commented,
            prio_changed,
            within.is_empty(),
            closed_unfixed || future.is_empty(),
        ]
    }
}

impl<'a> Replay<'a> {
    /// Indexes the history; also returns how many events predate their issue.
    pub(super) fn new(history: &'a History) -> (Self, usize) {
        let mut by_key = BTreeMap::new();
        let mut issues: Vec<Issue<'_>> = history
            .issues
            .iter()
            .enumerate()
            .map(|(i, row)| {
                by_key.insert(row.key.as_str(), i);
                Issue {
                    row,
                    events: Vec::new(),
                }
            })
            .collect();
        let mut before_created = 0;
        for e in &history.events {
            if let Some(&i) = by_key.get(e.key.as_str()) {
                if e.at < issues[i].row.created {
                    before_created += 1;
                }
                issues[i].events.push(e);
            }
        }
        for issue in &mut issues {
            // Stable: events at the same instant keep their file order.
            issue.events.sort_by_key(|e| e.at);
        }
        let categories = StatusCategories::default();
        let mut done = BTreeMap::new();
        let statuses = history.issues.iter().map(|r| r.status.as_str()).chain(
            history
                .events
                .iter()
                .filter(|e| is(&e.field, "status"))
                .flat_map(|e| [e.from.as_str(), e.to.as_str()]),
        );
        for s in statuses {
            done.entry(s)
                .or_insert_with(|| categories.classify(s) == StatusCategory::Done);
        }
        (
            Replay {
                issues,
                by_key,
                done,
            },
            before_created,
        )
    }

    /// The tickets open at `t` (created by then, status not done), as of `t`.
    pub(super) fn open_tickets(
        &self,
        t: DateTime<Utc>,
        assume_estimated: bool,
    ) -> (Vec<usize>, Vec<Ticket>) {
        let open: Vec<usize> = (0..self.issues.len())
            .filter(|&i| self.issues[i].row.created <= t && self.open_at(i, t))
            .collect();
        let tickets = open
            .iter()
            .map(|&i| self.ticket_at(i, t, assume_estimated))
            .collect();
        (open, tickets)
    }
}

/// The link's relation and target key: `This issue depends on FCREPO-12` →
/// (`depends on`, `FCREPO-12`).
pub(super) fn parse_link(s: &str) -> Option<(&str, &str)> {
    let rest = s.trim().strip_prefix("This issue ")?;
    let (relation, target) = rest.rsplit_once(' ')?;
    Some((relation.trim(), target.trim()))
}

pub(super) fn band(t: &Ticket, settings: &TriageSettings, now: DateTime<Utc>) -> Staleness {
    juno_core::triage::staleness(t, settings, now).0
}

pub(super) fn outcome_words(a: TriageAction, h: u32) -> String {
    match a {
        TriageAction::Escalate => format!("priority raised or resolved within {h} days"),
        TriageAction::Reassign => format!("assignee changed within {h} days"),
        TriageAction::RequestInfo => format!("commented within {h} days"),
        TriageAction::UpdatePriority => format!("priority changed within {h} days"),
        TriageAction::Defer => format!("no activity for {h} days"),
        TriageAction::Close => "later resolved without a fix, or never touched again".to_owned(),
    }
}

pub(super) fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}
