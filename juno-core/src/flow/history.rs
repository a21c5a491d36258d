//! Ticket histories made ready for analysis: events ordered and checked, statuses
//! classified, each ticket's status at any instant.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::error::{Error, Result};

/// 100 × share of sorted samples ≤ `x`.
pub(super) fn rank(sorted: &[f64], x: f64) -> Option<f64> {
    (!sorted.is_empty())
        .then(|| 100.0 * sorted.partition_point(|v| *v <= x) as f64 / sorted.len() as f64)
}

pub(super) fn days(d: Duration) -> f64 {
    d.num_seconds() as f64 / DAY
}

/// Orders events by time, chaining same-instant events from the current value.
pub(super) fn ordered(mut ev: Vec<&TicketEvent>) -> Vec<&TicketEvent> {
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
        let mut run: Vec<&TicketEvent> = ev[i..j].to_vec();
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

pub(super) fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// A ticket with its status and assignee timelines resolved.
pub(super) struct Prepared<'a> {
    pub(super) ticket: &'a Ticket,
    /// When it was created (checked present by `prepare`).
    pub(super) created: DateTime<Utc>,
    /// (since, status, category); the first starts at `created`.
    pub(super) status: Vec<(DateTime<Utc>, &'a str, StatusCategory)>,
    /// (since, assignee); the first starts at `created`.
    pub(super) assignee: Vec<(DateTime<Utc>, Option<String>)>,
}

impl Prepared<'_> {
    pub(super) fn status_at(&self, t: DateTime<Utc>) -> Option<(&str, StatusCategory)> {
        if t < self.created {
            return None;
        }
        let i = self.status.partition_point(|s| s.0 <= t);
        self.status.get(i.saturating_sub(1)).map(|s| (s.1, s.2))
    }

    /// Everyone who held it at some moment in [from, to].
    pub(super) fn assignees_during(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if to < self.created {
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

pub(super) fn prepare<'a>(
    t: &'a Ticket,
    settings: &FlowSettings,
    now: DateTime<Utc>,
    unknown: &mut BTreeSet<String>,
) -> Result<Prepared<'a>> {
    let Some(created) = t.created else {
        return Err(Error::invalid(
            "created",
            format!(
                "ticket `{}` has no creation time; flow analysis needs it",
                t.key
            ),
        ));
    };
    if created > now {
        return Err(Error::invalid(
            "created",
            format!(
                "ticket `{}` was created at {} after now ({now})",
                t.key, created
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
        if e.at < created {
            return Err(Error::invalid(
                "events",
                format!(
                    "ticket `{}`: {} change at {} is before its creation at {}",
                    t.key, e.field, e.at, created
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
    let mut status = vec![(created, first, classify(first)?)];
    for e in &status_ev {
        status.push((e.at, e.to.as_str(), classify(&e.to)?));
    }
    let mut assignee = vec![(
        created,
        match assignee_ev.first() {
            Some(e) => opt(&e.from),
            None => t
                .assignee
                .as_ref()
                .filter(|a| !a.is_empty())
                .map(|a| a.to_string()),
        },
    )];
    assignee.extend(assignee_ev.iter().map(|e| (e.at, opt(&e.to))));
    Ok(Prepared {
        ticket: t,
        created,
        status,
        assignee,
    })
}
