//! Observe: where the cycle's tickets, sprints, teams and people come from.
//!
//! Every source produces a [`Snapshot`] of the [`crate::model`] nouns and nothing else, so
//! the stages after it do not know which one fed them. `juno.source()` (in `api.rs`)
//! stores a snapshot once, keeps each source's sync state, and hands the stored nouns to
//! the analysis: the cycle reads the store, never the source. The sources:
//!
//! - [`jira`]: a Jira site over REST — Cloud (v3 + Agile 1.0) or Server / Data Center
//!   (v2 + Agile 1.0) — read politely (rate limit, timeouts, retries) into teams, people,
//!   tickets with their change histories, finished sprints and active sprints
//!   ([`jira::JiraSource`]); its client also makes the executor's low-level writes
//!   ([`jira::JiraClient`]).
//! - [`export`]: a Jira JSON or CSV export file, read through the same mapping
//!   ([`export::ExportSource`]).
//! - [`sim`]: the seeded simulated organisation — teams, people with roles, sprints and
//!   tickets with their change histories over a span of weeks, in which in-sprint signals
//!   (scope added, blocked work, review queues, absences) cause the outcomes. The demo,
//!   the tests and the benchmarks use it ([`sim::SimSource`]).
//!
//! A source names only `model`, `config`, `error` and `stats`: it does not analyse,
//! decide or store (`juno-core/tests/layering.rs`).

pub mod api;
pub mod export;
pub mod jira;
pub mod sim;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{Role, Sprint, SprintState, Team, Ticket, User};

/// One person of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Their name.
    pub user: User,
    /// Their team; `None` for people above the teams (managers, the director).
    #[serde(default)]
    pub team: Option<Team>,
    /// Their governance role, if they approve anything.
    #[serde(default)]
    pub role: Option<Role>,
}

/// What one pull from a source brings: the nouns it holds, whole (a first sync) or those
/// changed since the last one. Ticket keys and (team, sprint) pairs identify what a later
/// snapshot replaces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The moment it describes.
    pub now: DateTime<Utc>,
    /// The teams, by name.
    #[serde(default)]
    pub teams: Vec<Team>,
    /// People and their roles (the simulated organisation lists each team's people, its
    /// lead first, then a project manager, an engineering manager and a director).
    #[serde(default)]
    pub people: Vec<Member>,
    /// Finished sprints, team by team, oldest first.
    #[serde(default)]
    pub sprints: Vec<Sprint>,
    /// Finished sprints' states early in the sprint (what a forecast would have seen),
    /// matched to `sprints` by team and sprint id: the forecaster's training rows.
    #[serde(default)]
    pub checkpoints: Vec<SprintState>,
    /// Each team's active sprint as of `now`.
    #[serde(default)]
    pub active: Vec<SprintState>,
    /// Tickets, by key.
    #[serde(default)]
    pub tickets: Vec<Ticket>,
}

/// A place the nouns come from: Jira, an export file, the simulated organisation.
pub trait Source {
    /// A stable name its sync state is kept under (`sim`, `jira:https://acme.atlassian.net`).
    fn name(&self) -> String;

    /// The nouns changed since `since` (everything when `None`: a first sync), as of `now`.
    ///
    /// # Errors
    /// Whatever stopped the pull; nothing is stored then and the sync state records it.
    fn pull(&mut self, since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<Snapshot>;

    /// As [`Source::pull`], calling `progress` as the pull goes (a source that reads a
    /// network calls it once per page). The default reports nothing before the pull ends:
    /// right for a source that reads a local file or builds its nouns in memory.
    ///
    /// # Errors
    /// As [`Source::pull`].
    fn pull_with_progress(
        &mut self,
        since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<Snapshot> {
        let _ = progress;
        self.pull(since, now)
    }
}

/// How far a running sync has got: one event per page a source fetches, and a last one
/// (`phase` `"stored"`, `done` true) once what it pulled is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// What is being fetched: `"issues"` (the issues changed since the last sync, with
    /// their histories), `"sprints"` (each wanted sprint's issues), then `"stored"`.
    pub phase: String,
    /// How many items of this phase are fetched so far: issues, sprints, or (in
    /// `"stored"`) the nouns stored.
    pub count: u64,
    /// How many the phase will fetch, when the source knows: Jira Server's search and the
    /// sprint lists say; Jira Cloud's search does not (`None`).
    pub total: Option<u64>,
    /// Whether the sync has ended.
    pub done: bool,
}

impl SyncProgress {
    /// An event of a phase still running.
    #[must_use]
    pub fn running(phase: &str, count: u64, total: Option<u64>) -> Self {
        SyncProgress {
            phase: phase.into(),
            count,
            total,
            done: false,
        }
    }
}

impl Snapshot {
    /// Checks what the store and the stages rely on: every ticket has a key and a team,
    /// every sprint an id and a team, names follow the name rule, numbers are finite.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] naming the item and field (`tickets[3].key`).
    pub fn validate(&self) -> Result<()> {
        use crate::model::check_name;
        for (i, t) in self.teams.iter().enumerate() {
            check_name(&format!("teams[{i}]"), t.as_str())?;
        }
        for (i, m) in self.people.iter().enumerate() {
            check_name(&format!("people[{i}].user"), m.user.as_str())?;
        }
        for (i, t) in self.tickets.iter().enumerate() {
            check_name(&format!("tickets[{i}].key"), &t.key)?;
            check_name(&format!("tickets[{i}].team"), t.team.as_str())?;
        }
        for (i, s) in self.sprints.iter().enumerate() {
            check_name(&format!("sprints[{i}].id"), &s.id)?;
            check_name(&format!("sprints[{i}].team"), s.team.as_str())?;
            // Missing points are allowed (a board without story points still syncs, and
            // `juno data validate` says what it costs); present ones must be numbers.
            for (name, v) in [
                ("committed_points", s.committed_points),
                ("delivered_points", s.delivered_points),
                ("days", s.days),
            ] {
                if let Some(v) = v.filter(|v| !v.is_finite() || *v < 0.0) {
                    return Err(crate::error::Error::invalid(
                        format!("sprints[{i}].{name}"),
                        format!("must be a finite number ≥ 0, got {v}"),
                    ));
                }
            }
        }
        for (name, states) in [("checkpoints", &self.checkpoints), ("active", &self.active)] {
            for (i, s) in states.iter().enumerate() {
                let at = format!("{name}[{i}].");
                check_name(&format!("{at}team"), s.team.as_str())?;
                check_name(&format!("{at}sprint"), &s.sprint)?;
                s.validate().map_err(|e| e.within(&at))?;
            }
        }
        Ok(())
    }
}
