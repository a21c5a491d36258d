//! The Jira REST source: Cloud (REST v3 + Agile 1.0) and Server / Data Center (REST v2 +
//! Agile 1.0), read into a [`Snapshot`], plus the low-level writes the executor makes.
//!
//! - [`JiraSettings`]: where the site is, how to sign in, which projects, how politely.
//! - [`JiraClient`]: one HTTP call at a time through the rate limit, the timeout and the
//!   retries (`client.rs`); the reads the sync needs (`read.rs`) and the writes the
//!   executor makes (`write.rs`: comments, transitions, assignment, issue properties).
//! - [`JiraSource`]: the [`Source`] — discovers the story-points, sprint and
//!   flag fields, lists each project's boards and sprints, searches the issues with their
//!   change history, and maps them (`map.rs`, shared with [`super::export`]) to teams,
//!   people, tickets, finished sprints and each team's active sprint.
//!
//! # Incremental pulls
//!
//! `pull(None, now)` reads every issue of the projects, every closed sprint and each
//! board's active sprint. `pull(Some(t), now)` reads the issues updated since `t` minus
//! [`JiraSettings::overlap_minutes`] (JQL `updated >= "yyyy-MM-dd HH:mm"`, ordered by
//! `updated`), the active sprints and the sprints closed since then. Jira reads a JQL
//! time in the account's time zone: for an account not on UTC, widen the overlap by the
//! offset.
//!
//! # Untrusted text
//!
//! Everything Jira says is data. Names, statuses, labels and keys are kept with control
//! characters removed and capped in length; summaries and descriptions are not kept (only
//! whether a description exists); nothing read is ever interpreted as an instruction.

mod client;
pub(crate) mod map;
pub(crate) mod sprint;
mod read;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::error::{Error, Result};
use crate::model::{Team, Ticket, User};

use super::{Member, Snapshot, Source, SyncProgress};

pub use client::JiraClient;
pub use write::IssueFields;

use map::{FieldIds, Issue};
use read::Board;
use sprint::SprintFacts;

/// Which Jira: the REST paths and the credential differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    /// Jira Cloud: REST v3 and Agile 1.0, Basic auth with the account email and an API
    /// token (the default).
    #[default]
    Cloud,
    /// Jira Server or Data Center: REST v2 and Agile 1.0, a personal access token sent as
    /// a Bearer token.
    #[serde(alias = "data_center")]
    Server,
}

/// What a team is called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamNaming {
    /// The board's name (the default): a project with two scrum boards is two teams; an
    /// issue belongs to the board of its sprint, else to its project's first board.
    #[default]
    Board,
    /// The project key: one team per project.
    Project,
}

/// Where a Jira site is, how to sign in to it, what to read, and how politely.
///
/// Read from TOML or JSON (unknown keys refused); every field but `base_url`, the
/// credential and `projects` has the default shown. The token is never printed: `Debug`
/// shows `Secret(***)` and serializing leaves it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JiraSettings {
    /// The site (`https://acme.atlassian.net`, `https://jira.acme.com/jira`).
    pub base_url: String,
    /// Cloud (the default) or Server / Data Center.
    pub flavor: Flavor,
    /// The account email; Cloud signs in with it and the API token.
    pub email: Option<String>,
    /// The API token (Cloud) or personal access token (Server). Never serialized.
    #[serde(skip_serializing)]
    pub token: Secret,
    /// The project keys to sync (`["ALPHA", "BETA"]`).
    pub projects: Vec<String>,
    /// What a team is called: the board's name (default) or the project key.
    pub team_naming: TeamNaming,
    /// Issues, boards or sprints asked for per page, 1–1000 (default 100).
    pub page_size: u32,
    /// At most this many requests per second (default 5); 0 is unlimited.
    pub max_requests_per_second: f64,
    /// The longest one call may take, in seconds (default 30).
    pub timeout_secs: f64,
    /// How often a failed call (429, 5xx, timeout, connection) is retried (default 5).
    pub max_retries: u32,
    /// The first retry's backoff in milliseconds, doubled on each further retry, with
    /// jitter (default 500).
    pub backoff_ms: u64,
    /// How far before the last sync an incremental pull starts, in minutes (default 10).
    pub overlap_minutes: u32,
    /// The story-points field id (`customfield_10016`); discovered by name (`Story
    /// Points`, `Story point estimate`) when absent.
    pub story_points_field: Option<String>,
    /// The sprint field id (`customfield_10020`); discovered by name (`Sprint`) when absent.
    pub sprint_field: Option<String>,
    /// The account JUNO writes as (the Cloud account id, or the Server user name). Its own
    /// comments and changes never count as activity on a ticket, so they never reset the
    /// staleness clock. Set it whenever JUNO writes to this Jira.
    pub juno_account: Option<User>,
}

impl Default for JiraSettings {
    fn default() -> Self {
        JiraSettings {
            base_url: String::new(),
            flavor: Flavor::Cloud,
            email: None,
            token: Secret::default(),
            projects: Vec::new(),
            team_naming: TeamNaming::Board,
            page_size: 100,
            max_requests_per_second: 5.0,
            timeout_secs: 30.0,
            max_retries: 5,
            backoff_ms: 500,
            overlap_minutes: 10,
            story_points_field: None,
            sprint_field: None,
            juno_account: None,
        }
    }
}

impl JiraSettings {
    /// The settings the environment gives (`JIRA_URL`, `JIRA_USERNAME` — the account
    /// email on Cloud —, `JIRA_API_TOKEN`, `JIRA_PROJECTS`, `JIRA_FLAVOR`,
    /// `JIRA_ACCOUNT_ID`), the rest at their defaults, checked.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is missing or wrong (`JIRA_FLAVOR`, `jira.token`, …).
    pub fn from_config(config: &crate::config::Config) -> Result<Self> {
        let flavor = match config.jira_flavor.as_deref().map(str::to_ascii_lowercase) {
            None => Flavor::Cloud,
            Some(f) if f == "cloud" => Flavor::Cloud,
            Some(f) if f == "server" || f == "data_center" || f == "datacenter" => Flavor::Server,
            Some(f) => {
                return Err(Error::config(
                    "JIRA_FLAVOR",
                    format!("must be `cloud` or `server`, got `{}`", clean(&f, 40)),
                ));
            }
        };
        let settings = JiraSettings {
            base_url: config.jira_url.clone().unwrap_or_default(),
            flavor,
            email: config.jira_username.clone(),
            token: config.jira_api_token.clone().unwrap_or_default(),
            projects: config.jira_projects.clone(),
            juno_account: config.jira_account_id.clone().map(User::from),
            ..JiraSettings::default()
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the settings before anything is sent.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting (`jira.page_size`): a base URL that is not
    /// http(s), a missing token (or, on Cloud, email), no projects or a project key that
    /// is not a Jira key, numbers out of range.
    pub fn validate(&self) -> Result<()> {
        let url = self.base_url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::config(
                "jira.base_url",
                format!("must be an http(s) url, got `{}`", clean(url, 200)),
            ));
        }
        if self.token.is_empty() {
            return Err(Error::config("jira.token", "no token given"));
        }
        if self.flavor == Flavor::Cloud && self.email.as_deref().is_none_or(str::is_empty) {
            return Err(Error::config(
                "jira.email",
                "jira cloud signs in with the account email and an api token",
            ));
        }
        if self.projects.is_empty() {
            return Err(Error::config(
                "jira.projects",
                "name at least one project key",
            ));
        }
        for p in &self.projects {
            let ok = !p.is_empty()
                && p.len() <= 64
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(Error::config(
                    "jira.projects",
                    format!("`{}` is not a jira project key", clean(p, 64)),
                ));
            }
        }
        if !(1..=1000).contains(&self.page_size) {
            return Err(Error::config(
                "jira.page_size",
                format!("must be in 1..=1000, got {}", self.page_size),
            ));
        }
        let rate = self.max_requests_per_second;
        if !rate.is_finite() || rate < 0.0 {
            return Err(Error::config(
                "jira.max_requests_per_second",
                format!("must be a finite number ≥ 0, got {rate}"),
            ));
        }
        let t = self.timeout_secs;
        if !t.is_finite() || t <= 0.0 || t > 3600.0 {
            return Err(Error::config(
                "jira.timeout_secs",
                format!("must be in (0, 3600], got {t}"),
            ));
        }
        for (name, v) in [
            ("story_points_field", &self.story_points_field),
            ("sprint_field", &self.sprint_field),
        ] {
            if let Some(v) = v {
                if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(Error::config(
                        format!("jira.{name}"),
                        format!("`{}` is not a field id", clean(v, 64)),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A Jira site as a [`Source`]: each pull reads the configured projects through one
/// [`JiraClient`].
#[derive(Debug)]
pub struct JiraSource {
    client: JiraClient,
    fields: Option<FieldIds>,
}

impl JiraSource {
    /// A source for the site `settings` describe. Nothing is sent until the first pull.
    ///
    /// # Errors
    /// [`Error::Config`] for settings that do not validate.
    pub fn new(settings: JiraSettings) -> Result<Self> {
        Ok(JiraSource {
            client: JiraClient::new(settings)?,
            fields: None,
        })
    }

    /// The client, for the executor's writes.
    pub fn client(&self) -> &JiraClient {
        &self.client
    }

    /// The field ids, discovered once per source.
    fn field_ids(&mut self) -> Result<FieldIds> {
        if let Some(f) = &self.fields {
            return Ok(f.clone());
        }
        let defs = self.client.fields()?;
        let s = &self.client.settings;
        let ids = FieldIds::discover(
            &defs,
            s.story_points_field.as_deref(),
            s.sprint_field.as_deref(),
        );
        self.fields = Some(ids.clone());
        Ok(ids)
    }
}

/// Who each project's and each board's issues belong to.
#[derive(Debug, Default)]
pub(crate) struct Teams {
    pub by_project: BTreeMap<String, Team>,
    pub by_board: BTreeMap<u64, Team>,
}

impl Teams {
    /// The team of an issue in `project`, on `board` when its sprint names one.
    pub fn of(&self, project: &str, board: Option<u64>) -> Team {
        board
            .and_then(|b| self.by_board.get(&b))
            .or_else(|| self.by_project.get(project))
            .cloned()
            .unwrap_or_else(|| Team::from(clean(project, 64)))
    }
}

impl Source for JiraSource {
    fn name(&self) -> String {
        format!(
            "jira:{}",
            self.client.settings.base_url.trim_end_matches('/')
        )
    }

    fn pull(&mut self, since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<Snapshot> {
        self.pull_with_progress(since, now, &mut |_| {})
    }

    /// Reports each search page (`issues`; Cloud's search gives no total), each long
    /// history completed (`changelogs`) and each sprint's issues read (`sprints`, out of
    /// the sprints the pull wants).
    fn pull_with_progress(
        &mut self,
        since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<Snapshot> {
        let ids = self.field_ids()?;
        let settings = self.client.settings.clone();
        let mut boards: Vec<Board> = Vec::new();
        for p in &settings.projects {
            let mut bs = self.client.boards(p)?;
            bs.sort_by_key(|b| b.id);
            for b in bs {
                if !boards.iter().any(|x| x.id == b.id) {
                    boards.push(b);
                }
            }
        }
        let teams = team_map(&settings, &boards);

        let from = since.map(|t| t - Duration::minutes(i64::from(settings.overlap_minutes)));
        let raw = self
            .client
            .search(&jql(&settings.projects, from), &ids, progress)?;
        let mut issues = Vec::with_capacity(raw.len());
        for (i, v) in raw.iter().enumerate() {
            issues.push(
                map::issue(
                    v,
                    &ids,
                    settings.flavor,
                    &teams,
                    settings.juno_account.as_ref(),
                )
                .map_err(|e| e.within(&format!("search.issues[{i}].")))?,
            );
        }
        let history: BTreeMap<String, Ticket> = issues
            .iter()
            .map(|i| (i.ticket.key.clone(), i.ticket.clone()))
            .collect();

        let mut snap = Snapshot {
            now,
            ..Snapshot::default()
        };
        // The sprints wanted first, so that their count is known as their issues are read.
        let mut seen_sprints = BTreeSet::new();
        let mut wanted = Vec::new();
        for b in boards.iter().filter(|b| b.scrum) {
            for s in self.client.sprints(b.id)? {
                if s.origin_board.is_some_and(|o| o != b.id) || !seen_sprints.insert(s.id) {
                    continue;
                }
                let closed_since = |t: DateTime<Utc>| s.complete.or(s.end).is_some_and(|e| e >= t);
                if s.state == "active" || (s.state == "closed" && from.is_none_or(closed_since)) {
                    wanted.push((b, s));
                }
            }
        }
        let wanted_count = wanted.len() as u64;
        let mut sprint_members: Vec<Issue> = Vec::new();
        let mut active_keys = BTreeSet::new();
        for (read, (b, s)) in (1..).zip(wanted) {
            let mut members = Vec::new();
            for (i, v) in self.client.sprint_issues(s.id, &ids)?.iter().enumerate() {
                members.push(
                    map::issue(
                        v,
                        &ids,
                        settings.flavor,
                        &teams,
                        settings.juno_account.as_ref(),
                    )
                    .map_err(|e| e.within(&format!("sprint[{}].issues[{i}].", s.id)))?,
                );
            }
            let facts = SprintFacts {
                name: s.name.clone(),
                team: teams.of(&b.project, Some(b.id)),
                start: s.start,
                end: s.complete.or(s.end),
                planned_end: s.end,
            };
            if s.state == "active" {
                active_keys.extend(members.iter().map(|m| m.ticket.key.clone()));
                snap.active
                    .push(sprint::active_state(&facts, &members, &history, now));
            } else {
                snap.sprints
                    .push(sprint::finished_sprint(&facts, &members, &history));
            }
            sprint_members.append(&mut members);
            progress(&SyncProgress::running("sprints", read, Some(wanted_count)));
        }

        snap.tickets = issues.into_iter().map(|i| i.ticket).collect();
        for t in &mut snap.tickets {
            t.in_active_sprint |= active_keys.contains(&t.key);
        }
        snap.tickets
            .sort_by(|a, b| map::key_order(&a.key).cmp(&map::key_order(&b.key)));
        snap.sprints
            .sort_by(|a, b| (&a.team, a.start, &a.id).cmp(&(&b.team, b.start, &b.id)));
        snap.active
            .sort_by(|a, b| (&a.team, &a.sprint).cmp(&(&b.team, &b.sprint)));
        // The projects' teams and every team something belongs to (a board with no
        // issue or sprint of its own is no team).
        let mut team_set: BTreeSet<Team> = teams.by_project.values().cloned().collect();
        team_set.extend(snap.tickets.iter().map(|t| t.team.clone()));
        team_set.extend(snap.sprints.iter().map(|s| s.team.clone()));
        team_set.extend(snap.active.iter().map(|s| s.team.clone()));
        snap.teams = team_set.into_iter().collect();
        let all = snap
            .tickets
            .iter()
            .chain(sprint_members.iter().map(|i| &i.ticket));
        snap.people = people(all);
        Ok(snap)
    }
}

/// Team names for the projects and boards, by `settings.team_naming`.
fn team_map(settings: &JiraSettings, boards: &[Board]) -> Teams {
    let mut teams = Teams::default();
    for p in &settings.projects {
        let first = boards.iter().find(|b| &b.project == p);
        let name = match (settings.team_naming, first) {
            (TeamNaming::Board, Some(b)) => b.name.clone(),
            _ => p.clone(),
        };
        teams.by_project.insert(p.clone(), Team::from(name));
    }
    for b in boards {
        let name = match settings.team_naming {
            TeamNaming::Board => b.name.clone(),
            TeamNaming::Project => b.project.clone(),
        };
        teams.by_board.insert(b.id, Team::from(name));
    }
    teams
}

/// The search: the projects, updated since `from` when given, oldest update first.
pub(crate) fn jql(projects: &[String], from: Option<DateTime<Utc>>) -> String {
    // Project keys are checked to be [A-Za-z0-9_] by `validate`; quoted all the same.
    let keys: Vec<String> = projects.iter().map(|p| format!("\"{p}\"")).collect();
    let mut q = format!("project in ({})", keys.join(", "));
    if let Some(t) = from {
        q.push_str(&format!(
            " AND updated >= \"{}\"",
            t.format("%Y-%m-%d %H:%M")
        ));
    }
    q.push_str(" ORDER BY updated ASC, key ASC");
    q
}

/// Every assignee seen, with the team they hold most tickets in (ties: the first team by
/// name). Roles are not Jira's to say.
pub(crate) fn people<'a>(tickets: impl Iterator<Item = &'a Ticket>) -> Vec<Member> {
    let mut counts: BTreeMap<&crate::model::User, BTreeMap<&Team, usize>> = BTreeMap::new();
    for t in tickets {
        if let Some(u) = &t.assignee {
            *counts.entry(u).or_default().entry(&t.team).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(u, teams)| {
            let mut best: Option<(&Team, usize)> = None;
            for (t, n) in teams {
                if best.is_none_or(|(_, m)| n > m) {
                    best = Some((t, n));
                }
            }
            Member {
                user: u.clone(),
                team: best.map(|(t, _)| t.clone()),
                role: None,
            }
        })
        .collect()
}

/// `s` with control characters removed and at most `max` characters: how every piece of
/// Jira text is kept.
pub(crate) fn clean(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::Cloud => "cloud",
            Flavor::Server => "server",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_incremental_search_starts_at_the_overlap() {
        let t = DateTime::parse_from_rfc3339("2026-01-05T10:07:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let q = jql(
            &["ALPHA".into(), "BETA".into()],
            Some(t - Duration::minutes(10)),
        );
        assert_eq!(
            q,
            "project in (\"ALPHA\", \"BETA\") AND updated >= \"2026-01-05 09:57\" ORDER BY updated ASC, key ASC"
        );
    }

    #[test]
    fn clean_strips_control_characters_and_caps() {
        assert_eq!(clean("a\u{1b}[31mb\nc", 3), "a[3");
    }
}
