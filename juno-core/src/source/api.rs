//! `juno.source()`: pulls a [`Source`] into the store, keeps its sync state, and hands the
//! stored nouns to the stages after it.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Snapshot, Source, SyncProgress};
use crate::error::Result;
use crate::juno::Juno;
use crate::store::sync as sql;
use crate::store::{SavedCounts, SyncState, to_ms};

/// What one [`Sources::sync`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The source's name.
    pub source: String,
    /// Changes were asked for since this moment (`None`: a first, full sync).
    pub since: Option<DateTime<Utc>>,
    /// The moment synced to; the next sync asks for changes since then.
    pub now: DateTime<Utc>,
    /// Rows stored, noun by noun.
    pub stored: SavedCounts,
    /// Wall time of the pull and the store together, in milliseconds.
    pub millis: f64,
}

/// One thing `juno data validate` found in the synced data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFinding {
    /// `error` (a stage cannot work) or `warning` (a stage works with less).
    pub severity: String,
    /// A stable name (`no_story_points`, `sprint_without_dates`, …).
    pub check: String,
    /// What is wrong and what it costs, in words.
    pub message: String,
    /// How many items.
    pub count: usize,
    /// Up to five of them (ticket keys, `team/sprint`).
    pub examples: Vec<String>,
}

/// What [`Sources::validate`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataReport {
    /// Teams, tickets, finished and active sprints stored.
    pub counts: SavedCounts,
    /// What is missing or odd, errors first.
    pub findings: Vec<DataFinding>,
}

impl DataReport {
    /// Whether nothing is an error.
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity != "error")
    }
}

/// The observe stage of one [`Juno`]: `juno.source()`.
///
/// # Examples
///
/// ```
/// use juno_core::Juno;
/// use juno_core::source::sim::{SimSettings, SimSource};
/// let juno = Juno::open_in_memory()?;
/// let mut sim = SimSource::new(SimSettings { teams: 2, ..SimSettings::default() })?;
/// let report = juno.source().sync(&mut sim)?;
/// assert_eq!(report.stored.teams, 2);
/// assert_eq!(juno.source().snapshot()?.active.len(), 2);
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    juno: &'a Juno,
}

impl<'a> Sources<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Sources { juno }
    }

    /// Pulls from `source` what changed since its last successful sync (everything the
    /// first time) as of the engine's clock, checks it, and stores it in one transaction.
    /// A failed pull stores nothing and records the error in the source's sync state.
    ///
    /// # Errors
    /// The source's error (recorded first); [`crate::Error::InvalidInput`] naming the bad
    /// item when the source produced nouns that fail [`Snapshot::validate`]; storage errors.
    pub fn sync(&self, source: &mut dyn Source) -> Result<SyncReport> {
        self.sync_at(source, self.juno.now())
    }

    /// As [`Sources::sync`], as of `now`.
    ///
    /// # Errors
    /// As [`Sources::sync`].
    pub fn sync_at(&self, source: &mut dyn Source, now: DateTime<Utc>) -> Result<SyncReport> {
        self.sync_at_with_progress(source, now, &mut |_| {})
    }

    /// As [`Sources::sync`], calling `progress` as the source fetches each page and once
    /// more when the pull is stored (a command line draws its progress bar from it; a
    /// long first sync of a large Jira takes minutes).
    ///
    /// # Errors
    /// As [`Sources::sync`].
    pub fn sync_with_progress(
        &self,
        source: &mut dyn Source,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<SyncReport> {
        self.sync_at_with_progress(source, self.juno.now(), progress)
    }

    /// As [`Sources::sync_with_progress`], as of `now`.
    ///
    /// # Errors
    /// As [`Sources::sync`].
    pub fn sync_at_with_progress(
        &self,
        source: &mut dyn Source,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<SyncReport> {
        let started = Instant::now();
        let name = source.name();
        let since = self.state(&name)?.and_then(|s| s.last_success);
        let pulled = source
            .pull_with_progress(since, now, progress)
            .and_then(|snap| snap.validate().map(|()| snap));
        let snap = match pulled {
            Ok(s) => s,
            Err(e) => {
                let message = e.to_string();
                let shown = self.juno.store().log_names().free_text(&message);
                tracing::warn!(target: crate::log::APPLICATION, source = %name, error = %shown,
                    "sync from {name} failed: {shown}");
                self.juno
                    .store()
                    .write(|tx| sql::record_sync(tx, &name, to_ms(now), Err(&message)))?;
                return Err(e);
            }
        };
        let stored = self.store(&name, &snap, now)?;
        progress(&SyncProgress {
            phase: "stored".into(),
            count: stored.total(),
            total: Some(stored.total()),
            done: true,
        });
        let millis = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!(target: crate::log::APPLICATION, source = %name, stored = stored.total(),
            incremental = since.is_some(), "synced {} items from {name}", stored.total());
        tracing::info!(target: crate::log::PERFORMANCE, source = %name, operation = "sync",
            ms = millis, stored = stored.total(), "sync from {name} took {millis:.1} ms");
        Ok(SyncReport {
            source: name,
            since,
            now,
            stored,
            millis,
        })
    }

    /// Stores `snap` as if source `name` had pulled it at `now` (an export a host parsed
    /// itself, a fixture): one transaction, sync state included.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming the bad item; storage errors.
    pub fn store(&self, name: &str, snap: &Snapshot, now: DateTime<Utc>) -> Result<SavedCounts> {
        snap.validate()?;
        let now_ms = to_ms(now);
        self.juno.store().write(|tx| {
            let n = sql::save_snapshot(tx, snap, now_ms)?;
            sql::record_sync(tx, name, now_ms, Ok(n.total()))?;
            Ok(n)
        })
    }

    /// Where syncing source `name` stands, if it was ever tried.
    ///
    /// # Errors
    /// Storage errors.
    pub fn state(&self, name: &str) -> Result<Option<SyncState>> {
        self.juno.store().read(|c| sql::sync_state(c, name))
    }

    /// What is missing or odd in the synced data, for each stage that reads it: no story
    /// points (velocity and forecasts have nothing to count), sprints without dates,
    /// tickets without a priority or an update time (triage skips them) or without a
    /// creation time (flow skips them), teams without an active sprint or with too little
    /// history for a trained forecast.
    ///
    /// # Errors
    /// Storage errors.
    pub fn validate(&self) -> Result<DataReport> {
        let snap = self.snapshot()?;
        let mut findings = Vec::new();
        let mut add = |severity: &str, check: &str, message: String, items: Vec<String>| {
            if !items.is_empty() {
                findings.push(DataFinding {
                    severity: severity.into(),
                    check: check.into(),
                    message,
                    count: items.len(),
                    examples: items.into_iter().take(5).collect(),
                });
            }
        };
        if snap.teams.is_empty() || snap.tickets.is_empty() {
            add(
                "error",
                "nothing_synced",
                "no teams or tickets are stored: run `juno sync` first".into(),
                vec!["store".into()],
            );
        }
        let sprint_name = |s: &crate::model::Sprint| format!("{}/{}", s.team.as_str(), s.id);
        let no_points: Vec<String> = snap
            .sprints
            .iter()
            .filter(|s| s.committed_points.is_none() || s.delivered_points.is_none())
            .map(sprint_name)
            .collect();
        let severity = if !snap.sprints.is_empty() && no_points.len() == snap.sprints.len() {
            "error"
        } else {
            "warning"
        };
        add(
            severity,
            "no_story_points",
            "finished sprints without committed or delivered story points: is the story-points \
             field found (set `story_points_field`)? velocity and the forecast skip them"
                .into(),
            no_points,
        );
        add(
            "warning",
            "sprint_without_dates",
            "finished sprints without a start or end date: flow cannot place them in time".into(),
            snap.sprints
                .iter()
                .filter(|s| s.start.is_none() || s.end.is_none())
                .map(sprint_name)
                .collect(),
        );
        let keys = |f: &dyn Fn(&crate::model::Ticket) -> bool| -> Vec<String> {
            snap.tickets
                .iter()
                .filter(|t| f(t))
                .map(|t| t.key.clone())
                .collect()
        };
        add(
            "warning",
            "ticket_without_priority",
            "tickets without a priority: triage skips them".into(),
            keys(&|t| t.priority.is_none()),
        );
        add(
            "warning",
            "ticket_without_update_time",
            "tickets without an update time: triage cannot tell how idle they are".into(),
            keys(&|t| t.updated.is_none()),
        );
        add(
            "warning",
            "ticket_without_creation_time",
            "tickets without a creation time: flow skips them".into(),
            keys(&|t| t.created.is_none()),
        );
        let teams: std::collections::BTreeSet<&str> =
            snap.teams.iter().map(crate::model::Team::as_str).collect();
        add(
            "warning",
            "ticket_of_unknown_team",
            "tickets whose team was not synced as a team".into(),
            keys(&|t| !teams.contains(t.team.as_str())),
        );
        let active: std::collections::BTreeSet<&str> =
            snap.active.iter().map(|a| a.team.as_str()).collect();
        add(
            "warning",
            "team_without_active_sprint",
            "teams with no sprint in progress: nothing to forecast for them".into(),
            snap.teams
                .iter()
                .filter(|t| !active.contains(t.as_str()))
                .map(|t| t.as_str().to_owned())
                .collect(),
        );
        add(
            "warning",
            "short_history",
            "teams with fewer than 5 finished sprints: velocity trends and forecasts are weak"
                .into(),
            snap.teams
                .iter()
                .filter(|t| snap.sprints.iter().filter(|s| &s.team == *t).count() < 5)
                .map(|t| t.as_str().to_owned())
                .collect(),
        );
        findings.sort_by_key(|f| f.severity != "error");
        Ok(DataReport {
            counts: SavedCounts {
                teams: snap.teams.len() as u64,
                people: snap.people.len() as u64,
                tickets: snap.tickets.len() as u64,
                sprints: snap.sprints.len() as u64,
                active: snap.active.len() as u64,
            },
            findings,
        })
    }

    /// Everything stored, as of the engine's clock: what the analysis reads.
    ///
    /// # Errors
    /// Storage errors; [`crate::Error::Corrupt`] for a stored noun that no longer parses.
    pub fn snapshot(&self) -> Result<Snapshot> {
        let now = self.juno.now();
        self.juno.store().read(|c| sql::load_snapshot(c, now))
    }
}
