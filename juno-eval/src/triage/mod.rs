//! `juno eval triage`: stale-ticket triage replayed over MSR2015 issue histories.
//!
//! Reads `msr2015_*`-schema CSV files (see `../shared/data/README.md` §3), replays the
//! history, runs [`juno_core::triage::triage`] at regular points in time on the tickets open
//! then, and scores every proposal against what *later* happened to that ticket.
//!
//! # Replay
//!
//! Points in time: `tₖ = first event + k × step` (k ≥ 1, step [`TriageEvalOptions::step_days`],
//! default 14 days) for as long as `tₖ + horizon ≤ data end` (the last event), so every
//! point has a full horizon of future to be scored on.
//!
//! At each point `t`, a ticket is **open** when it was created at or before `t` and its
//! status then is not done (by [`juno_core::flow::StatusCategories`]' default vocabulary:
//! `Closed`, `Resolved`, … are done). Its state as of `t` is rebuilt from events at or
//! before `t` only: a field's value is the `to` of its last change at or before `t`; with
//! no such change, the `from` of its first later change (the value it had at `t`); with no
//! change at all, the issues file's value (which then never changed). Mapped into
//! [`juno_core::triage::Ticket`]:
//!
//! | triage field | as of `t` |
//! |---|---|
//! | team | the project |
//! | priority | Blocker → Highest, Critical → High, Major → Medium, Minor → Low, Trivial → Lowest (the five Jira names also accepted; empty → Medium) |
//! | assignee | the assignee field |
//! | labels | the `labels` field (space-separated); labels set at creation are not in the history |
//! | updated | the last event of any field, or creation |
//! | last_comment / last_change | the last `comment` / last non-comment event |
//! | assignee_last_activity | the assignee's last event (any field, comments included) on the ticket |
//! | blocked | an active `depends on` / `is blocked by` link to a ticket not done at `t` (tickets outside the file count as not done) |
//! | blocking | active `is depended on by` / `required by` / `blocks` links to tickets not done at `t` |
//! | has_description | always true: description text is not in the data |
//! | estimated | a non-empty, non-zero `Story Points`, `timeestimate` or `timeoriginalestimate` (or always, with [`TriageEvalOptions::assume_estimated`]) |
//! | in_active_sprint | a non-empty `Sprint` field (whether that sprint was active is not in the data) |
//!
//! Triage runs with [`TriageEvalOptions::settings`] (default [`TriageSettings::default`]),
//! except that the proposal cap is raised to the number of open tickets so every ticket is
//! scored, with `now = t`, default confidence weights and no track record.
//!
//! # Outcomes (what counts as a hit), from events strictly after `t` only
//!
//! `H` = [`TriageEvalOptions::horizon_days`] (default 30).
//!
//! | action | hit when |
//! |---|---|
//! | `escalate` | within H days the priority is raised, or the ticket moves to a done status |
//! | `reassign` | within H days the assignee changes |
//! | `request_info` | within H days someone comments |
//! | `update_priority` | within H days the priority changes (either way) |
//! | `defer` | nothing at all happens to the ticket for the next H days |
//! | `close` | its next move to a done status (any time later) carries a resolution other than a delivered one (delivered = Fixed, Done, Ready for Test, Ready for Release, Will Fix, Implemented, Complete(d), Resolved, Delivered), or nothing happens to it ever again up to the data end |
//!
//! # The numbers of [`ActionScore`]
//!
//! A *snapshot* is one open ticket at one point; a ticket open at 20 points is 20 snapshots.
//!
//! - `proposals`: snapshots for which triage proposed the action; `tickets`: distinct tickets among them.
//! - `hits`: those proposals whose outcome (above) came true; `precision` = hits / proposals.
//! - `base_rate`: the share of *all* open snapshots (proposed or not, fresh ones included)
//!   for which the same outcome came true — the precision of proposing the action for
//!   every open ticket.
//! - `band_base_rate`: the same share within each staleness band (fresh / aging / stale /
//!   critical, computed exactly as triage does), averaged with the weights of the
//!   proposals' own band mix: Σ_band (proposals in band / proposals) × (outcome rate
//!   among open snapshots in band). It is the precision of picking tickets at random
//!   from the same staleness bands — the baseline the rule must beat.
//! - `lift` = precision / band_base_rate (> 1: the rule picks better than staleness alone).
//! - `by_band`: the counts behind those numbers.
//!
//! Events of a ticket dated before its creation (imported comments) are tolerated and
//! counted in [`TriageEvalReport::events_before_created`]. The run is deterministic.
//!
//! # Examples
//!
//! ```
//! use juno_eval::triage::{run_readers, TriageEvalOptions};
//!
//! let issues = "key,project,priority,status,resolution,created,assignee\n\
//!               A-1,A,Minor,Open,,2020-01-01T00:00:00Z,\n";
//! let events = "key,at,author,field,from,to\n\
//!               A-1,2020-01-02T00:00:00Z,u1,comment,,\n\
//!               A-1,2020-06-01T00:00:00Z,u1,status,Open,Closed\n";
//! let report = run_readers(issues.as_bytes(), events.as_bytes(), &TriageEvalOptions::default())?;
//! assert!(report.points > 0);
//! println!("{}", report.render_table());
//! # Ok::<(), juno_core::Error>(())
//! ```

mod read;
mod replay;

pub use read::parse_priority;
use replay::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use juno_core::config::ConfidenceWeights;
use juno_core::error::{Error, Result};
use juno_core::triage::{
    Priority, Staleness, Ticket, TrackRecords, TriageAction, TriageSettings, triage,
};

/// How the replay runs.
///
/// Missing fields take their defaults when deserialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriageEvalOptions {
    /// Days between replay points (default 14).
    pub step_days: u32,
    /// Days of future an outcome is looked for in (default 30).
    pub horizon_days: u32,
    /// Treat every ticket as estimated (default false: estimates come from the history).
    pub assume_estimated: bool,
    /// Triage settings; `max_proposals` is ignored (every open ticket is scored).
    pub settings: TriageSettings,
}

impl Default for TriageEvalOptions {
    fn default() -> Self {
        TriageEvalOptions {
            step_days: 14,
            horizon_days: 30,
            assume_estimated: false,
            settings: TriageSettings::default(),
        }
    }
}

/// One row of the issues file (the columns the replay reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueRow {
    /// Issue key.
    pub key: String,
    /// Project (the team).
    pub project: String,
    /// Final priority.
    pub priority: Priority,
    /// Final status.
    pub status: String,
    /// Final resolution (empty = none).
    pub resolution: String,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Final assignee.
    pub assignee: Option<String>,
    /// Final sprint field (empty = none; optional column).
    pub sprints: String,
}

/// One row of the events file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    /// Issue key.
    pub key: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (pseudonym; empty = unknown).
    pub author: String,
    /// Which field (`status`, `assignee`, `priority`, `comment`, …).
    pub field: String,
    /// Value before.
    pub from: String,
    /// Value after.
    pub to: String,
}

/// A parsed pair of MSR2015-schema files.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct History {
    /// Issues, in file order.
    pub issues: Vec<IssueRow>,
    /// Events, in file order.
    pub events: Vec<EventRow>,
}

/// What one action's proposals came to (see the module docs for each number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionScore {
    /// The action.
    pub action: TriageAction,
    /// What counts as a hit, in words.
    pub outcome: String,
    /// Snapshots it was proposed for.
    pub proposals: usize,
    /// Distinct tickets it was proposed for.
    pub tickets: usize,
    /// Proposals whose outcome came true.
    pub hits: usize,
    /// hits / proposals.
    pub precision: Option<f64>,
    /// Outcome rate among all open snapshots.
    pub base_rate: Option<f64>,
    /// Outcome rate among open snapshots, weighted by the proposals' staleness bands.
    pub band_base_rate: Option<f64>,
    /// precision / band_base_rate.
    pub lift: Option<f64>,
    /// The counts per staleness band.
    pub by_band: BTreeMap<Staleness, BandCounts>,
}

/// One action's counts in one staleness band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BandCounts {
    /// Proposals in the band.
    pub proposals: usize,
    /// Of which hits.
    pub hits: usize,
    /// Open snapshots in the band.
    pub open: usize,
    /// Of which the outcome came true.
    pub open_hits: usize,
}

/// The result of `juno eval triage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageEvalReport {
    /// Issues read.
    pub issues: usize,
    /// Events read.
    pub events: usize,
    /// Events dated before their issue's creation (tolerated).
    pub events_before_created: usize,
    /// Days between points.
    pub step_days: u32,
    /// Outcome horizon in days.
    pub horizon_days: u32,
    /// Whether every ticket was treated as estimated.
    pub assume_estimated: bool,
    /// The last event.
    pub data_end: Option<DateTime<Utc>>,
    /// Replay points.
    pub points: usize,
    /// The first point.
    pub first_point: Option<DateTime<Utc>>,
    /// The last point.
    pub last_point: Option<DateTime<Utc>>,
    /// Open tickets summed over points.
    pub open_snapshots: usize,
    /// Open snapshots per staleness band.
    pub open_by_band: BTreeMap<Staleness, usize>,
    /// Proposals summed over points.
    pub proposals: usize,
    /// Per action, in precedence order.
    pub actions: Vec<ActionScore>,
}

/// The actions scored, in precedence order: triage's own list.
const ACTIONS: [TriageAction; 6] = juno_core::triage::ALL_ACTIONS;

const DELIVERED: [&str; 10] = [
    "fixed",
    "done",
    "ready for test",
    "ready for release",
    "will fix",
    "implemented",
    "complete",
    "completed",
    "resolved",
    "delivered",
];

fn fmt_rate(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

impl TriageEvalReport {
    /// The report as a plain-text table, as `juno eval triage` prints it.
    pub fn render_table(&self) -> String {
        let day = |d: Option<DateTime<Utc>>| {
            d.map_or_else(|| "-".to_owned(), |d| d.format("%Y-%m-%d").to_string())
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "triage replay: {} issues, {} events; {} points every {} days, {} … {}; outcomes within {} days{}",
            self.issues,
            self.events,
            self.points,
            self.step_days,
            day(self.first_point),
            day(self.last_point),
            self.horizon_days,
            if self.assume_estimated {
                " (every ticket treated as estimated)"
            } else {
                ""
            }
        );
        let bands: Vec<String> = self
            .open_by_band
            .iter()
            .map(|(b, n)| format!("{} {n}", b.as_str()))
            .collect();
        let _ = writeln!(
            s,
            "open ticket snapshots: {} ({}); proposals: {}",
            self.open_snapshots,
            bands.join(", "),
            self.proposals
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<16}{:>10}{:>9}{:>7}{:>11}{:>11}{:>12}{:>7}  hit = …",
            "action",
            "proposals",
            "tickets",
            "hits",
            "precision",
            "base(all)",
            "base(band)",
            "lift"
        );
        for a in &self.actions {
            let _ = writeln!(
                s,
                "{:<16}{:>10}{:>9}{:>7}{:>11}{:>11}{:>12}{:>7}  {}",
                a.action.as_str(),
                a.proposals,
                a.tickets,
                a.hits,
                fmt_rate(a.precision),
                fmt_rate(a.base_rate),
                fmt_rate(a.band_base_rate),
                a.lift.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}")),
                a.outcome
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "precision = hits / proposals; base(all) = outcome rate among all open snapshots;"
        );
        let _ = writeln!(
            s,
            "base(band) = outcome rate among open snapshots of the proposals' staleness bands; lift = precision / base(band)"
        );
        s
    }
}

/// Replays `history` (see the module docs).
///
/// # Errors
///
/// [`Error::InvalidInput`] when `step_days` or `horizon_days` is zero or the triage
/// thresholds are invalid (see [`TriageSettings::validate`]).
pub fn evaluate(history: &History, options: &TriageEvalOptions) -> Result<TriageEvalReport> {
    if options.step_days == 0 {
        return Err(Error::invalid("step_days", "must be at least 1"));
    }
    if options.horizon_days == 0 {
        return Err(Error::invalid("horizon_days", "must be at least 1"));
    }
    // The cap is replaced per point, so only the thresholds are checked.
    TriageSettings {
        max_proposals: 1,
        ..options.settings.clone()
    }
    .validate()?;
    let (replay, before_created) = Replay::new(history);

    let data_end = history.end();
    let first = history.events.iter().map(|e| e.at).min();
    let step = Duration::days(i64::from(options.step_days));
    let horizon = Duration::days(i64::from(options.horizon_days));
    let mut points = Vec::new();
    if let (Some(first), Some(end)) = (first, data_end) {
        let mut t = first + step;
        while t + horizon <= end {
            points.push(t);
            t += step;
        }
    }

    let weights = ConfidenceWeights::default();
    let track = TrackRecords::new();
    let mut counts: BTreeMap<TriageAction, BTreeMap<Staleness, BandCounts>> = BTreeMap::new();
    let mut tickets_by_action: BTreeMap<TriageAction, BTreeSet<&str>> = BTreeMap::new();
    let mut open_by_band: BTreeMap<Staleness, usize> = BTreeMap::new();
    let (mut open_snapshots, mut proposals_total) = (0, 0);
    for &t in &points {
        let (open, tickets) = replay.open_tickets(t, options.assume_estimated);
        let settings = TriageSettings {
            max_proposals: tickets.len().max(1),
            ..options.settings.clone()
        };
        let proposals = triage(
            &tickets,
            &settings,
            t,
            &juno_core::reasoning::WeightedScorer::new(&weights),
            &track,
        );
        proposals_total += proposals.len();
        let proposed: BTreeMap<&str, TriageAction> = proposals
            .iter()
            .map(|p| (p.key.as_str(), p.action))
            .collect();
        for (&i, ticket) in open.iter().zip(&tickets) {
            let b = band(ticket, &options.settings, t);
            *open_by_band.entry(b).or_default() += 1;
            open_snapshots += 1;
            let outcome = replay.outcomes(i, t, horizon);
            let action = proposed.get(ticket.key.as_str()).copied();
            for (a, hit) in ACTIONS.iter().zip(outcome) {
                let c = counts.entry(*a).or_default().entry(b).or_default();
                c.open += 1;
                c.open_hits += usize::from(hit);
                if action == Some(*a) {
                    c.proposals += 1;
                    c.hits += usize::from(hit);
                    tickets_by_action
                        .entry(*a)
                        .or_default()
                        .insert(replay.issues[i].row.key.as_str());
                }
            }
        }
    }

    let actions = ACTIONS
        .iter()
        .map(|a| {
            let by_band = counts.remove(a).unwrap_or_default();
            let proposals: usize = by_band.values().map(|c| c.proposals).sum();
            let hits: usize = by_band.values().map(|c| c.hits).sum();
            let open_hits: usize = by_band.values().map(|c| c.open_hits).sum();
            let band_base_rate = (proposals > 0).then(|| {
                by_band
                    .values()
                    .filter(|c| c.proposals > 0)
                    .map(|c| {
                        c.proposals as f64 / proposals as f64 * c.open_hits as f64 / c.open as f64
                    })
                    .sum::<f64>()
            });
            let precision = ratio(hits, proposals);
            ActionScore {
                action: *a,
                outcome: outcome_words(*a, options.horizon_days),
                proposals,
                tickets: tickets_by_action.get(a).map_or(0, BTreeSet::len),
                hits,
                precision,
                base_rate: ratio(open_hits, open_snapshots),
                band_base_rate,
                lift: precision
                    .zip(band_base_rate)
                    .and_then(|(p, b)| (b > 0.0).then(|| p / b)),
                by_band,
            }
        })
        .collect();
    Ok(TriageEvalReport {
        issues: history.issues.len(),
        events: history.events.len(),
        events_before_created: before_created,
        step_days: options.step_days,
        horizon_days: options.horizon_days,
        assume_estimated: options.assume_estimated,
        data_end,
        points: points.len(),
        first_point: points.first().copied(),
        last_point: points.last().copied(),
        open_snapshots,
        open_by_band,
        proposals: proposals_total,
        actions,
    })
}

/// The tickets open at `at`, each as triage would have seen it then (see the module
/// docs), ordered by key: the state the replay scores, built from events up to `at` only.
pub fn snapshot(history: &History, at: DateTime<Utc>, options: &TriageEvalOptions) -> Vec<Ticket> {
    let (replay, _) = Replay::new(history);
    let mut tickets = replay.open_tickets(at, options.assume_estimated).1;
    tickets.sort_by(|a, b| a.key.cmp(&b.key));
    tickets
}

/// `juno eval triage --issues FILE --events FILE`: reads both files and replays them.
///
/// # Errors
///
/// As [`History::read`] and [`evaluate`].
pub fn run(issues: &Path, events: &Path, options: &TriageEvalOptions) -> Result<TriageEvalReport> {
    evaluate(&History::read(issues, events)?, options)
}

/// [`run`] over readers (errors name them `issues` and `events`).
///
/// # Errors
///
/// As [`History::from_readers`] and [`evaluate`].
pub fn run_readers<I: Read, E: Read>(
    issues: I,
    events: E,
    options: &TriageEvalOptions,
) -> Result<TriageEvalReport> {
    evaluate(&History::from_readers(issues, events)?, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_parse_into_relation_and_target() {
        assert_eq!(
            parse_link("This issue depends on FCREPO-12"),
            Some(("depends on", "FCREPO-12"))
        );
        assert_eq!(
            parse_link("This issue is depended on by DS-1"),
            Some(("is depended on by", "DS-1"))
        );
        assert_eq!(parse_link(""), None);
    }

    #[test]
    fn classic_priorities_map_onto_the_five_levels() {
        assert_eq!(parse_priority("Blocker"), Some(Priority::Highest));
        assert_eq!(parse_priority("trivial"), Some(Priority::Lowest));
        assert_eq!(parse_priority(""), Some(Priority::Medium));
        assert_eq!(parse_priority("P1"), None);
    }
}
