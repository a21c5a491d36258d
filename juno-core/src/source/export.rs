//! Jira export files as a source: the JSON of a search (with the changelog expanded) and
//! the CSV export of the issue navigator.
//!
//! - **JSON**: `{"issues": [...]}` (a search answer, optionally with `"names"` mapping
//!   field ids to names, which finds the story-points and sprint fields) or a bare array
//!   of issues. Each issue reads exactly as the REST source reads it (the shared mapping
//!   of [`super::jira`]); sprints come from the issues' sprint field, with their dates and
//!   states.
//! - **CSV**: a header row naming the columns (`Issue key`, `Status`, `Priority`,
//!   `Assignee`, `Created`, `Updated`, `Sprint`, `Custom field (Story Points)`, `Labels`,
//!   …); a repeated column (`Sprint`, `Labels`, `Comment`) holds one value per copy. Each
//!   row becomes the same issue JSON and goes through the same mapping. A CSV carries no
//!   change history and no sprint dates or states: its sprints are listed with their
//!   members and points but no start or end (what needs them refuses them), and its
//!   times, which carry no zone, are read as UTC.
//!
//! Teams are project keys (an export names no boards). Errors name the file, and the line
//! and column (CSV) or the issue's path (JSON).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::model::{Team, Ticket};

use super::jira::map::{self, FieldIds, Issue};
use super::jira::sprint::{self, SprintFacts};
use super::jira::{Flavor, Teams, people};
use super::{Snapshot, Source};

/// How to read an export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportSettings {
    /// The site it came from: on Cloud people are account ids, on Server user names
    /// (default Cloud).
    pub flavor: Flavor,
    /// The story-points field id, for a JSON export without `names`.
    pub story_points_field: Option<String>,
    /// The sprint field id, for a JSON export without `names`.
    pub sprint_field: Option<String>,
}

/// Reads a JSON export (`label` names it in errors) into a [`Snapshot`] as of `now`.
///
/// # Errors
/// [`Error::Json`] for text that is not JSON; [`Error::InvalidInput`] naming the file and
/// the issue's path (`export.json: issues[3].fields.created`) for an issue that does not
/// read.
pub fn from_json(
    label: &str,
    text: &str,
    settings: &ExportSettings,
    now: DateTime<Utc>,
) -> Result<Snapshot> {
    let v: Value = serde_json::from_str(text).map_err(|e| Error::json(label, &e))?;
    let (issues, names) = match &v {
        Value::Array(a) => (a, None),
        Value::Object(o) => match o.get("issues").and_then(Value::as_array) {
            Some(a) => (a, o.get("names").and_then(Value::as_object)),
            None => {
                return Err(Error::invalid(
                    label,
                    "expected an array of issues or an object with `issues`",
                ));
            }
        },
        _ => {
            return Err(Error::invalid(
                label,
                "expected an array of issues or an object with `issues`",
            ));
        }
    };
    let ids = FieldIds::from_names(
        names,
        settings.story_points_field.as_deref(),
        settings.sprint_field.as_deref(),
    );
    let teams = Teams::default();
    let mut out = Vec::with_capacity(issues.len());
    for (i, v) in issues.iter().enumerate() {
        let issue = map::issue(v, &ids, settings.flavor, &teams, None)
            .map_err(|e| e.within(&format!("{label}: issues[{i}].")))?;
        out.push(issue);
    }
    Ok(assemble(out, now))
}

/// The columns a CSV export is read by.
struct Columns {
    by_name: BTreeMap<String, Vec<usize>>,
}

impl Columns {
    fn all<'r>(&self, name: &str, row: &'r csv::StringRecord) -> Vec<&'r str> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|i| row.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn one<'r>(&self, names: &[&str], row: &'r csv::StringRecord) -> Option<(&'r str, String)> {
        names
            .iter()
            .find_map(|n| self.all(n, row).first().map(|v| (*v, (*n).to_owned())))
    }
}

/// A CSV export's time: `15/Jan/24 10:30 AM` (Jira's default), `15/Jan/2024 10:30`,
/// `2024-01-15 10:30`, or ISO 8601; read as UTC.
fn csv_time(s: &str) -> Option<DateTime<Utc>> {
    if let Some(d) = map::date(s) {
        return Some(d);
    }
    for f in [
        "%d/%b/%y %I:%M %p",
        "%d/%b/%Y %I:%M %p",
        "%d/%b/%y %H:%M",
        "%d/%b/%Y %H:%M",
        "%d/%m/%Y %H:%M",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s.trim(), f) {
            return Some(d.and_utc());
        }
    }
    None
}

/// Reads a CSV export (`label` names it in errors) into a [`Snapshot`] as of `now`.
///
/// # Errors
/// [`Error::InvalidInput`] naming the file, line and column (`export.csv: line 4:
/// Created`) for a row that does not read, and the file for a header without `Issue key`.
pub fn from_csv(
    label: &str,
    text: &str,
    settings: &ExportSettings,
    now: DateTime<Utc>,
) -> Result<Snapshot> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::invalid(format!("{label}: line {line}"), format!("not CSV: {e}"))
        })?;
        rows.push(r);
    }
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(Error::invalid(label, "an empty file (no header row)"));
    };
    let mut cols = Columns {
        by_name: BTreeMap::new(),
    };
    for (i, h) in header.iter().enumerate() {
        cols.by_name
            .entry(h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    if !cols.by_name.contains_key("issue key") {
        return Err(Error::invalid(
            format!("{label}: line 1"),
            "the header has no `Issue key` column",
        ));
    }
    let rows: Vec<csv::StringRecord> = rows.collect();
    // First pass: which keys are done, so that a link to a finished blocker does not block.
    let done: BTreeSet<String> = rows
        .iter()
        .filter(|r| {
            let cat = cols.one(&["Status Category"], r).map(|(v, _)| v);
            let status = cols.one(&["Status"], r).map(|(v, _)| v);
            map::category(cat, status) == map::Category::Done
        })
        .filter_map(|r| cols.one(&["Issue key"], r).map(|(v, _)| v.to_owned()))
        .collect();

    let ids = FieldIds {
        story_points: vec!["story_points".into()],
        sprint: Some("sprint".into()),
        flagged: Some("flagged".into()),
    };
    let teams = Teams::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let line = r.position().map_or(0, |p| p.line());
        let at = |col: &str| format!("{label}: line {line}: {col}");
        let Some((key, _)) = cols.one(&["Issue key"], r) else {
            return Err(Error::invalid(at("Issue key"), "empty"));
        };
        let mut f = Map::new();
        let time = |names: &[&str]| -> Result<Value> {
            match cols.one(names, r) {
                None => Ok(Value::Null),
                Some((v, col)) => csv_time(v)
                    .map(|t| Value::String(t.to_rfc3339()))
                    .ok_or_else(|| {
                        Error::invalid(
                            at(&col),
                            format!("not a time: `{}`", super::jira::clean(v, 40)),
                        )
                    }),
            }
        };
        f.insert("created".into(), time(&["Created"])?);
        f.insert("updated".into(), time(&["Updated"])?);
        f.insert("resolutiondate".into(), time(&["Resolved"])?);
        if let Some((p, _)) = cols.one(&["Project key"], r) {
            f.insert("project".into(), json!({ "key": p }));
        }
        if let Some((s, _)) = cols.one(&["Status"], r) {
            let cat = cols.one(&["Status Category"], r).map(|(c, _)| c);
            let key = match map::category(cat, Some(s)) {
                map::Category::ToDo => "new",
                map::Category::InProgress => "indeterminate",
                map::Category::Done => "done",
            };
            f.insert(
                "status".into(),
                json!({ "name": s, "statusCategory": { "key": key } }),
            );
        }
        if let Some((p, _)) = cols.one(&["Priority"], r) {
            f.insert("priority".into(), json!({ "name": p }));
        }
        if let Some((t, _)) = cols.one(&["Issue Type"], r) {
            f.insert("issuetype".into(), json!({ "name": t }));
        }
        let assignee = cols.one(&["Assignee Id", "Assignee"], r).map(|(a, _)| a);
        f.insert(
            "assignee".into(),
            match (assignee, settings.flavor) {
                (None, _) => Value::Null,
                (Some(a), Flavor::Cloud) => json!({ "accountId": a }),
                (Some(a), Flavor::Server) => json!({ "name": a }),
            },
        );
        f.insert("labels".into(), json!(cols.all("Labels", r)));
        f.insert(
            "description".into(),
            cols.one(&["Description"], r)
                .map_or(Value::Null, |(d, _)| json!(d)),
        );
        let mut points = Value::Null;
        if let Some((p, col)) = cols.one(
            &[
                "Custom field (Story Points)",
                "Custom field (Story point estimate)",
            ],
            r,
        ) {
            let n: f64 = p.parse().map_err(|_| {
                Error::invalid(
                    at(&col),
                    format!("not a number: `{}`", super::jira::clean(p, 40)),
                )
            })?;
            points = json!(n);
        }
        f.insert("story_points".into(), points);
        let sprints: Vec<Value> = cols
            .all("Sprint", r)
            .into_iter()
            .map(|s| json!({ "name": s }))
            .collect();
        f.insert("sprint".into(), Value::Array(sprints));
        f.insert(
            "flagged".into(),
            json!(cols.all("Custom field (Flagged)", r)),
        );
        let mut links = Vec::new();
        for b in cols.all("Inward issue link (Blocks)", r) {
            let cat = if done.contains(b) { "done" } else { "new" };
            links.push(json!({
                "type": { "name": "Blocks", "inward": "is blocked by", "outward": "blocks" },
                "inwardIssue": { "key": b, "fields": { "status": { "statusCategory": { "key": cat } } } }
            }));
        }
        for b in cols.all("Outward issue link (Blocks)", r) {
            links.push(json!({
                "type": { "name": "Blocks", "inward": "is blocked by", "outward": "blocks" },
                "outwardIssue": { "key": b }
            }));
        }
        f.insert("issuelinks".into(), Value::Array(links));
        // `Comment` cells are `time;author;body`: the time and author are kept, the body
        // is not.
        let mut comments = Vec::new();
        for c in cols.all("Comment", r) {
            let mut parts = c.splitn(3, ';');
            let when = parts.next().unwrap_or("");
            let who = parts.next().unwrap_or("");
            let Some(t) = csv_time(when) else {
                return Err(Error::invalid(
                    at("Comment"),
                    format!("not a time: `{}`", super::jira::clean(when, 40)),
                ));
            };
            let author = match settings.flavor {
                Flavor::Cloud => json!({ "accountId": who }),
                Flavor::Server => json!({ "name": who }),
            };
            comments.push(json!({ "created": t.to_rfc3339(), "author": author }));
        }
        f.insert("comment".into(), json!({ "comments": comments }));
        let v = json!({ "key": key, "fields": Value::Object(f) });
        let issue = map::issue(&v, &ids, settings.flavor, &teams, None).map_err(|e| match e {
            Error::InvalidInput { field, reason } => Error::invalid(
                format!(
                    "{label}: line {line}: {}",
                    field.trim_start_matches("fields.")
                ),
                reason,
            ),
            other => other,
        })?;
        out.push(issue);
    }
    Ok(assemble(out, now))
}

/// Tickets, teams, people and sprints from mapped issues.
fn assemble(issues: Vec<Issue>, now: DateTime<Utc>) -> Snapshot {
    let history: BTreeMap<String, Ticket> = issues
        .iter()
        .map(|i| (i.ticket.key.clone(), i.ticket.clone()))
        .collect();
    // Each sprint (by id, else by name) with its facts and members, in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut sprints: BTreeMap<String, (map::SprintRef, Team, Vec<Issue>)> = BTreeMap::new();
    for i in &issues {
        for s in &i.sprints {
            let id =
                s.id.map_or_else(|| format!("name:{}", s.name), |n| format!("id:{n}"));
            let entry = sprints.entry(id.clone()).or_insert_with(|| {
                order.push(id);
                (s.clone(), i.ticket.team.clone(), Vec::new())
            });
            entry.2.push(i.clone());
        }
    }
    let mut snap = Snapshot {
        now,
        ..Snapshot::default()
    };
    for id in order {
        let Some((s, team, members)) = sprints.remove(&id) else {
            continue;
        };
        let facts = SprintFacts {
            name: s.name.clone(),
            team,
            start: s.start,
            end: s.complete.or(s.end),
            planned_end: s.end,
        };
        match s.state.as_str() {
            "active" => snap
                .active
                .push(sprint::active_state(&facts, &members, &history, now)),
            "future" => {}
            _ => snap
                .sprints
                .push(sprint::finished_sprint(&facts, &members, &history)),
        }
    }
    snap.sprints
        .sort_by(|a, b| (&a.team, a.start, &a.id).cmp(&(&b.team, b.start, &b.id)));
    snap.active
        .sort_by(|a, b| (&a.team, &a.sprint).cmp(&(&b.team, &b.sprint)));
    let mut tickets: Vec<Ticket> = issues.into_iter().map(|i| i.ticket).collect();
    tickets.sort_by(|a, b| map::key_order(&a.key).cmp(&map::key_order(&b.key)));
    snap.teams = tickets
        .iter()
        .map(|t| t.team.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    snap.people = people(tickets.iter());
    snap.tickets = tickets;
    snap
}

/// An export file as a [`Source`]: every pull reads the whole file (JSON when it ends in
/// `.json` or starts with `{` or `[`, else CSV); a later snapshot replaces the tickets
/// and sprints it names.
#[derive(Debug, Clone)]
pub struct ExportSource {
    path: PathBuf,
    settings: ExportSettings,
}

impl ExportSource {
    /// A source for the export at `path`. Nothing is read until the first pull.
    pub fn new(path: impl AsRef<Path>, settings: ExportSettings) -> Self {
        ExportSource {
            path: path.as_ref().to_path_buf(),
            settings,
        }
    }
}

impl Source for ExportSource {
    fn name(&self) -> String {
        format!("export:{}", self.path.display())
    }

    fn pull(&mut self, _since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<Snapshot> {
        let label = self.path.display().to_string();
        let text = std::fs::read_to_string(&self.path).map_err(|e| Error::Io {
            path: label.clone(),
            message: e.to_string(),
        })?;
        let json = self
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            || text.trim_start().starts_with(['{', '[']);
        if json {
            from_json(&label, &text, &self.settings, now)
        } else {
            from_csv(&label, &text, &self.settings, now)
        }
    }
}
