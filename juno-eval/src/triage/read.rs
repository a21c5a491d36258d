//! Reading the MSR2015 issues and events files into a [`History`], cell by cell, with
//! errors that name the file, line and column.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};

use juno_core::error::{Error, Result};
use juno_core::flow::{Ticket, TicketEvent};
use juno_core::triage::Priority;

use super::*;

pub(super) fn at_cell(
    file: &str,
    line: u64,
    col: usize,
    name: &str,
    reason: impl Into<String>,
) -> Error {
    Error::invalid(
        format!("{file} line {line}, column {} ({name})", col + 1),
        reason,
    )
}

pub(super) fn csv_error(file: &str, e: &csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(err) => Error::Io {
            path: file.to_owned(),
            message: err.to_string(),
        },
        csv::ErrorKind::Utf8 { pos, err } => Error::invalid(
            format!(
                "{file} line {}, column {}",
                pos.as_ref().map_or(0, csv::Position::line),
                err.field() + 1
            ),
            "not valid UTF-8",
        ),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::invalid(
            format!(
                "{file} line {}, column {}",
                pos.as_ref().map_or(0, csv::Position::line),
                (*len).min(*expected_len) + 1
            ),
            format!("expected {expected_len} fields, found {len}"),
        ),
        _ => Error::invalid(file.to_owned(), e.to_string()),
    }
}

/// A CSV file with its columns located by header name.
pub(super) struct Table<R: Read> {
    pub(super) file: String,
    pub(super) reader: csv::Reader<R>,
    pub(super) cols: Vec<Option<usize>>,
}

impl<R: Read> Table<R> {
    pub(super) fn open(input: R, file: &str, wanted: &[(&str, bool)]) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let headers = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
        let mut cols = Vec::with_capacity(wanted.len());
        for (name, required) in wanted {
            let idx = headers.iter().position(|h| h.trim() == *name);
            if idx.is_none() && *required {
                return Err(Error::invalid(
                    format!("{file} line 1"),
                    format!("missing column `{name}`"),
                ));
            }
            cols.push(idx);
        }
        Ok(Table {
            file: file.to_owned(),
            reader,
            cols,
        })
    }

    /// Calls `each(line, row)` for every record.
    pub(super) fn for_each(
        &mut self,
        mut each: impl FnMut(u64, Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => return Err(csv_error(&self.file, &e)),
            }
            let line = record.position().map_or(0, csv::Position::line);
            each(
                line,
                Row {
                    record: &record,
                    cols: &self.cols,
                },
            )?;
        }
    }
}

/// One record, its cells addressed by the position of the column in the wanted list.
#[derive(Clone, Copy)]
pub(super) struct Row<'r> {
    pub(super) record: &'r csv::StringRecord,
    pub(super) cols: &'r [Option<usize>],
}

impl<'r> Row<'r> {
    /// The cell and its 0-based column (an absent optional column reads as "").
    pub(super) fn cell(self, i: usize) -> (&'r str, usize) {
        match self.cols.get(i).copied().flatten() {
            Some(c) => (self.record.get(c).unwrap_or(""), c),
            None => ("", 0),
        }
    }
}

pub(super) fn parse_time(
    file: &str,
    line: u64,
    (s, col): (&str, usize),
    name: &str,
) -> Result<DateTime<Utc>> {
    s.trim().parse::<DateTime<Utc>>().map_err(|_| {
        at_cell(
            file,
            line,
            col,
            name,
            format!("expected a UTC timestamp like 2014-08-18T22:40:46Z, found `{s}`"),
        )
    })
}

/// Maps a Jira priority name (classic or current scheme, case-insensitive) to [`Priority`];
/// empty means Medium (Jira's default).
pub fn parse_priority(s: &str) -> Option<Priority> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "blocker" | "highest" => Priority::Highest,
        "critical" | "high" => Priority::High,
        "major" | "medium" | "" => Priority::Medium,
        "minor" | "low" => Priority::Low,
        "trivial" | "lowest" => Priority::Lowest,
        _ => return None,
    })
}

pub(super) fn priority_cell(
    file: &str,
    line: u64,
    (s, col): (&str, usize),
    name: &str,
) -> Result<Priority> {
    parse_priority(s).ok_or_else(|| {
        at_cell(
            file,
            line,
            col,
            name,
            format!("unknown priority `{s}` (expected Blocker, Critical, Major, Minor, Trivial or Highest … Lowest)"),
        )
    })
}

impl History {
    /// Reads the two files.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file when it cannot be opened or read;
    /// [`Error::InvalidInput`] naming the file, line and column of a missing column, a
    /// malformed row, a bad timestamp, an unknown priority, a duplicate issue or an event
    /// for an issue not in the issues file.
    pub fn read(issues: &Path, events: &Path) -> Result<History> {
        let open = |p: &Path| {
            std::fs::File::open(p).map_err(|e| Error::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            })
        };
        Self::from_readers_named(
            open(issues)?,
            &issues.display().to_string(),
            open(events)?,
            &events.display().to_string(),
        )
    }

    /// Reads from any readers; errors name them `issues` and `events`.
    ///
    /// # Errors
    ///
    /// As [`History::read`].
    pub fn from_readers<I: Read, E: Read>(issues: I, events: E) -> Result<History> {
        Self::from_readers_named(issues, "issues", events, "events")
    }

    pub(super) fn from_readers_named<I: Read, E: Read>(
        issues: I,
        issues_name: &str,
        events: E,
        events_name: &str,
    ) -> Result<History> {
        let mut t = Table::open(
            issues,
            issues_name,
            &[
                ("key", true),
                ("project", true),
                ("priority", true),
                ("status", true),
                ("resolution", true),
                ("created", true),
                ("assignee", true),
                ("sprints", false),
            ],
        )?;
        let mut rows = Vec::new();
        let mut seen = BTreeSet::new();
        let file = t.file.clone();
        t.for_each(|line, row| {
            let cell = |i| row.cell(i);
            let (key, kcol) = cell(0);
            if key.trim().is_empty() {
                return Err(at_cell(&file, line, kcol, "key", "empty issue key"));
            }
            if !seen.insert(key.to_owned()) {
                return Err(at_cell(
                    &file,
                    line,
                    kcol,
                    "key",
                    format!("duplicate issue `{key}`"),
                ));
            }
            let assignee = cell(6).0.trim();
            rows.push(IssueRow {
                key: key.to_owned(),
                project: cell(1).0.to_owned(),
                priority: priority_cell(&file, line, cell(2), "priority")?,
                status: cell(3).0.to_owned(),
                resolution: cell(4).0.to_owned(),
                created: parse_time(&file, line, cell(5), "created")?,
                assignee: (!assignee.is_empty()).then(|| assignee.to_owned()),
                sprints: cell(7).0.to_owned(),
            });
            Ok(())
        })?;

        let mut t = Table::open(
            events,
            events_name,
            &[
                ("key", true),
                ("at", true),
                ("author", false),
                ("field", true),
                ("from", true),
                ("to", true),
            ],
        )?;
        let file = t.file.clone();
        let mut evs = Vec::new();
        t.for_each(|line, row| {
            let cell = |i| row.cell(i);
            let (key, kcol) = cell(0);
            if !seen.contains(key) {
                return Err(at_cell(
                    &file,
                    line,
                    kcol,
                    "key",
                    format!("event for issue `{key}`, which is not in the issues file"),
                ));
            }
            let field = cell(3).0;
            if field.eq_ignore_ascii_case("priority") {
                priority_cell(&file, line, cell(4), "from")?;
                priority_cell(&file, line, cell(5), "to")?;
            }
            evs.push(EventRow {
                key: key.to_owned(),
                at: parse_time(&file, line, cell(1), "at")?,
                author: cell(2).0.to_owned(),
                field: field.to_owned(),
                from: cell(4).0.to_owned(),
                to: cell(5).0.to_owned(),
            });
            Ok(())
        })?;
        Ok(History {
            issues: rows,
            events: evs,
        })
    }

    /// The last event's time (the data end).
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.events.iter().map(|e| e.at).max()
    }

    /// The issues as [`juno_core::flow`] input: team = project, with their status and
    /// assignee events (other fields are left out).
    pub fn flow_tickets(&self) -> Vec<Ticket> {
        let mut events: BTreeMap<&str, Vec<TicketEvent>> = BTreeMap::new();
        for e in &self.events {
            if e.field.eq_ignore_ascii_case("status") || e.field.eq_ignore_ascii_case("assignee") {
                events.entry(e.key.as_str()).or_default().push(TicketEvent {
                    at: e.at,
                    field: e.field.clone(),
                    from: e.from.clone(),
                    to: e.to.clone(),
                });
            }
        }
        self.issues
            .iter()
            .map(|i| Ticket {
                key: i.key.clone(),
                team: i.project.clone().into(),
                created: Some(i.created),
                status: Some(i.status.clone()),
                assignee: i.assignee.clone().map(Into::into),
                events: events.remove(i.key.as_str()).unwrap_or_default(),
                ..Ticket::default()
            })
            .collect()
    }
}
