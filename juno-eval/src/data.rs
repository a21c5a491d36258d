//! Readers for the sprint files in `../shared/data`: the TSE2017 iterations (with the
//! optional per-issue features) and the Porru8 sprints. Each reader checks the header,
//! names the file, line and column of any bad value, and returns typed rows.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use juno_core::error::{Error, Result};

/// One TSE2017 iteration row (one sprint on one board at one prediction time).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Iteration {
    /// Apache, JBoss, JIRA, …
    pub project: String,
    /// 0, 30, 50, 80.
    pub pred_time_pct: u32,
    /// Board id.
    pub boardid: i64,
    /// Sprint id.
    pub sprintid: i64,
    /// Rank of the sprint id within the project (time proxy).
    pub sprint_order: i64,
    /// Delivered − committed story points (the regression target).
    pub vel_diff: f64,
    /// Planned days.
    pub planday: f64,
    /// Issues at start.
    pub no_issue_starttime: f64,
    /// Points at start.
    pub vel_starttime: f64,
    /// Issues added.
    pub no_issue_added: f64,
    /// Points added.
    pub vel_added: f64,
    /// Issues removed.
    pub no_issue_removed: f64,
    /// Points removed.
    pub vel_removed: f64,
    /// Issues to do.
    pub no_issuetodo: f64,
    /// Points to do.
    pub vel_todo: f64,
    /// Issues in progress.
    pub no_issueinprogress: f64,
    /// Points in progress.
    pub vel_inprogress: f64,
    /// Issues done.
    pub no_issuedone: f64,
    /// Points done.
    pub vel_done: f64,
    /// Board admins.
    pub no_admin: f64,
    /// Distinct assignees.
    pub no_teammember: f64,
    /// Committed points at this prediction time.
    pub committed_sp: f64,
    /// Delivered points (outcome).
    pub delivered_sp: f64,
    /// `under`, `achieved` or `over` (outcome).
    pub paper_class: String,
}

/// One TSE2017 per-issue feature row (at 30% of the sprint).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IssueFeatures {
    /// Project.
    pub project: String,
    /// Board.
    pub boardid: i64,
    /// Sprint.
    pub sprintid: i64,
    /// Issue type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Priority.
    pub priority: String,
    /// Comments.
    pub no_comment: f64,
    /// Affected versions.
    pub no_affectversion: f64,
    /// Fix versions.
    pub no_fixversion: f64,
    /// Links.
    pub no_issuelink: f64,
    /// Issues it blocks.
    pub no_blocking: f64,
    /// Issues blocking it.
    pub no_blockedby: f64,
    /// Fix-version changes.
    pub no_fixversion_change: f64,
    /// Priority changes.
    pub no_priority_change: f64,
    /// Description edits.
    pub no_des_change: f64,
    /// `easy` / `medium` / `hard` readability.
    pub gunning_fog: String,
}

/// Per-sprint aggregates of the issue features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueAggregate {
    /// Issues.
    pub issues: f64,
    /// Bugs.
    pub bugs: f64,
    /// Blocker or critical priority.
    pub urgent: f64,
    /// Issues blocked by others.
    pub blocked: f64,
    /// Issues blocking others.
    pub blocking: f64,
    /// Issues with any link.
    pub linked: f64,
    /// Mean comments per issue.
    pub mean_comments: f64,
    /// Mean fix-version + priority + description changes per issue.
    pub mean_changes: f64,
    /// Share of descriptions rated hard to read.
    pub hard_share: f64,
    /// Sub-tasks.
    pub subtasks: f64,
}

/// One Porru8 sprint row.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PorruSprint {
    /// Project.
    pub project: String,
    /// Sprint id.
    pub sprint_id: i64,
    /// CLOSED / ACTIVE / FUTURE.
    pub state: String,
    /// Start (ISO 8601).
    pub start: String,
    /// Planned end.
    pub end: String,
    /// Issues.
    pub n_issues: f64,
    /// Story points.
    pub sp_total: f64,
    /// Share completed (CLOSED sprints only; empty otherwise).
    pub completion_ratio_sp: Option<f64>,
    /// Points carried over.
    pub sp_carried_over: f64,
}

/// One Porru8 issue ↔ sprint membership row.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PorruMembership {
    /// Project.
    pub project: String,
    /// Issue key.
    pub key: String,
    /// Sprint id.
    pub sprint_id: i64,
}

/// One Porru8 issue row (the columns the evaluation reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PorruIssue {
    /// Issue key.
    pub key: String,
    /// Project.
    pub project: String,
    /// Assignee pseudonym (empty: unassigned).
    pub assignee: Option<String>,
    /// Resolution time (ISO 8601), if resolved.
    pub resolved: Option<String>,
    /// Issue type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Final story points (missing: none).
    pub story_points: Option<f64>,
}

fn read_rows<T: DeserializeOwned, R: Read>(reader: R, name: &str, need: &[&str]) -> Result<Vec<T>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| Error::invalid(name, format!("cannot read the header: {e}")))?
        .clone();
    let missing: Vec<&str> = need
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::invalid(
            name,
            format!(
                "not the expected schema: missing column(s) {}",
                missing.join(", ")
            ),
        ));
    }
    let mut out = Vec::new();
    for row in rdr.deserialize::<T>() {
        out.push(row.map_err(|e| {
            let at = e
                .position()
                .map_or(String::new(), |p| format!("line {}: ", p.line()));
            Error::invalid(name, format!("{at}{e}"))
        })?);
    }
    Ok(out)
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path)
        .map_err(|e| Error::invalid(path.display().to_string(), format!("cannot open: {e}")))
}

/// Reads `tse2017_iterations.csv`-shaped rows.
pub fn read_iterations<R: Read>(reader: R, name: &str) -> Result<Vec<Iteration>> {
    read_rows(
        reader,
        name,
        &[
            "project",
            "pred_time_pct",
            "sprintid",
            "vel_diff",
            "committed_sp",
            "paper_class",
        ],
    )
}

/// Reads `tse2017_issue_features_t30.csv`-shaped rows.
pub fn read_issue_features<R: Read>(reader: R, name: &str) -> Result<Vec<IssueFeatures>> {
    read_rows(
        reader,
        name,
        &["project", "boardid", "sprintid", "type", "no_blockedby"],
    )
}

/// Reads `porru8_sprints.csv`-shaped rows.
pub fn read_porru_sprints<R: Read>(reader: R, name: &str) -> Result<Vec<PorruSprint>> {
    read_rows(
        reader,
        name,
        &["project", "sprint_id", "sp_total", "completion_ratio_sp"],
    )
}

/// Reads `porru8_issue_sprints.csv`-shaped rows.
pub fn read_porru_memberships<R: Read>(reader: R, name: &str) -> Result<Vec<PorruMembership>> {
    read_rows(reader, name, &["project", "key", "sprint_id"])
}

/// Reads `porru8_issues.csv`-shaped rows.
pub fn read_porru_issues<R: Read>(reader: R, name: &str) -> Result<Vec<PorruIssue>> {
    read_rows(
        reader,
        name,
        &["key", "project", "resolved", "story_points"],
    )
}

/// Reads Porru8 memberships from a file.
pub fn porru_memberships_file(path: &Path) -> Result<Vec<PorruMembership>> {
    read_porru_memberships(open(path)?, &path.display().to_string())
}

/// Reads Porru8 issues from a file.
pub fn porru_issues_file(path: &Path) -> Result<Vec<PorruIssue>> {
    read_porru_issues(open(path)?, &path.display().to_string())
}

/// Reads iterations from a file.
pub fn iterations_file(path: &Path) -> Result<Vec<Iteration>> {
    read_iterations(open(path)?, &path.display().to_string())
}

/// Reads issue features from a file.
pub fn issue_features_file(path: &Path) -> Result<Vec<IssueFeatures>> {
    read_issue_features(open(path)?, &path.display().to_string())
}

/// Reads Porru8 sprints from a file.
pub fn porru_sprints_file(path: &Path) -> Result<Vec<PorruSprint>> {
    read_porru_sprints(open(path)?, &path.display().to_string())
}

/// Whether `path`'s header looks like the Porru8 sprint schema (else TSE2017).
pub fn is_porru_schema(path: &Path) -> Result<bool> {
    let mut rdr = csv::Reader::from_reader(open(path)?);
    let headers = rdr.headers().map_err(|e| {
        Error::invalid(
            path.display().to_string(),
            format!("cannot read the header: {e}"),
        )
    })?;
    Ok(headers.iter().any(|h| h == "completion_ratio_sp"))
}

/// Aggregates issue features per (project, board, sprint).
pub fn aggregate(rows: &[IssueFeatures]) -> BTreeMap<(String, i64, i64), IssueAggregate> {
    let mut out: BTreeMap<(String, i64, i64), IssueAggregate> = BTreeMap::new();
    for r in rows {
        let a = out
            .entry((r.project.clone(), r.boardid, r.sprintid))
            .or_default();
        a.issues += 1.0;
        a.bugs += f64::from(u8::from(r.kind.eq_ignore_ascii_case("bug")));
        a.subtasks += f64::from(u8::from(r.kind.to_ascii_lowercase().contains("sub-task")));
        a.urgent += f64::from(u8::from(matches!(
            r.priority.as_str(),
            "Blocker" | "Critical"
        )));
        a.blocked += f64::from(u8::from(r.no_blockedby > 0.0));
        a.blocking += f64::from(u8::from(r.no_blocking > 0.0));
        a.linked += f64::from(u8::from(r.no_issuelink > 0.0));
        a.mean_comments += r.no_comment;
        a.mean_changes += r.no_fixversion_change + r.no_priority_change + r.no_des_change;
        a.hard_share += f64::from(u8::from(r.gunning_fog == "hard"));
    }
    for a in out.values_mut() {
        a.mean_comments /= a.issues;
        a.mean_changes /= a.issues;
        a.hard_share /= a.issues;
    }
    out
}
