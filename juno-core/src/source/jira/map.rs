//! Jira's JSON to model nouns: one issue to a [`Ticket`] with what the sprint figures
//! (`sprint.rs`) need besides. The REST source and the export importer share it, so an
//! issue reads the same however it arrived.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{Priority, Ticket, TicketEvent, User};

use super::{Flavor, Teams, clean};

/// The longest key, status, label or name kept, in characters.
const NAME_CHARS: usize = 128;
/// The most labels kept per ticket.
const MAX_LABELS: usize = 50;

/// Which fields hold the story points, the sprints and the flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldIds {
    /// Story-point fields, the first with a value wins (`Story Points` before `Story point
    /// estimate`).
    pub story_points: Vec<String>,
    pub sprint: Option<String>,
    pub flagged: Option<String>,
}

impl FieldIds {
    /// The ids from the field list (`[{"id": "customfield_10016", "name": "Story point
    /// estimate"}, …]`), the settings' ids first.
    pub fn discover(defs: &[Value], story_points: Option<&str>, sprint: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> = defs
            .iter()
            .filter_map(|d| {
                let id = d.get("id").and_then(Value::as_str)?;
                let name = d.get("name").and_then(Value::as_str)?;
                Some((id.to_owned(), name.to_owned()))
            })
            .collect();
        Self::from_pairs(&pairs, story_points, sprint)
    }

    /// The ids from a search answer's `names` object (`{"customfield_10016": "Story point
    /// estimate"}`), the settings' ids first.
    pub fn from_names(
        names: Option<&Map<String, Value>>,
        story_points: Option<&str>,
        sprint: Option<&str>,
    ) -> Self {
        let pairs: Vec<(String, String)> = names
            .into_iter()
            .flatten()
            .filter_map(|(id, n)| Some((id.clone(), n.as_str()?.to_owned())))
            .collect();
        Self::from_pairs(&pairs, story_points, sprint)
    }

    fn from_pairs(
        pairs: &[(String, String)],
        story_points: Option<&str>,
        sprint: Option<&str>,
    ) -> Self {
        let named = |want: &str| {
            pairs
                .iter()
                .filter(|(id, n)| n.eq_ignore_ascii_case(want) && valid_id(id))
                .map(|(id, _)| id.clone())
                .min()
        };
        let mut sp: Vec<String> = story_points.map(str::to_owned).into_iter().collect();
        if sp.is_empty() {
            sp.extend(named("Story Points"));
            sp.extend(named("Story point estimate"));
        }
        FieldIds {
            story_points: sp,
            sprint: sprint.map(str::to_owned).or_else(|| named("Sprint")),
            flagged: named("Flagged"),
        }
    }

    /// The `fields=` list a search asks for.
    pub fn fields_param(&self) -> String {
        let mut f = vec![
            "status",
            "priority",
            "assignee",
            "labels",
            "created",
            "updated",
            "resolutiondate",
            "issuetype",
            "project",
            "comment",
            "issuelinks",
            "description",
        ];
        f.extend(self.story_points.iter().map(String::as_str));
        f.extend(self.sprint.as_deref());
        f.extend(self.flagged.as_deref());
        f.join(",")
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where an issue stands in its workflow, by Jira's status category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    ToDo,
    InProgress,
    Done,
}

/// A status category from its key (`new`, `indeterminate`, `done`) or, without one,
/// guessed from the status name.
pub(crate) fn category(key: Option<&str>, status: Option<&str>) -> Category {
    match key.map(str::to_ascii_lowercase).as_deref() {
        Some("done") => Category::Done,
        Some("new" | "to do") => Category::ToDo,
        Some("indeterminate" | "in progress") => Category::InProgress,
        _ => match status.map(str::to_ascii_lowercase).as_deref() {
            Some("done" | "closed" | "resolved" | "complete" | "completed") => Category::Done,
            Some("to do" | "todo" | "open" | "backlog" | "new" | "selected for development")
            | None => Category::ToDo,
            Some(_) => Category::InProgress,
        },
    }
}

/// One sprint an issue is or was in, as its sprint field says.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SprintRef {
    pub id: Option<u64>,
    pub name: String,
    /// `active`, `closed`, `future` (lower case; empty when unknown).
    pub state: String,
    pub board: Option<u64>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub complete: Option<DateTime<Utc>>,
}

/// One issue: its ticket and what the sprint figures need besides.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub ticket: Ticket,
    pub points: Option<f64>,
    pub category: Category,
    pub resolved: Option<DateTime<Utc>>,
    pub sprints: Vec<SprintRef>,
    pub bug: bool,
    pub in_review: bool,
}

/// A Jira time: `2024-01-15T10:30:00.000+0000`, RFC 3339, or a bare local time read as UTC.
pub(crate) fn date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc());
        }
    }
    None
}

/// A priority by its Jira name; names of other schemes map by rank.
pub(crate) fn priority(name: &str) -> Option<Priority> {
    match name.trim().to_ascii_lowercase().as_str() {
        "highest" | "blocker" | "p0" => Some(Priority::Highest),
        "high" | "critical" | "p1" => Some(Priority::High),
        "medium" | "major" | "normal" | "p2" => Some(Priority::Medium),
        "low" | "minor" | "p3" => Some(Priority::Low),
        "lowest" | "trivial" | "p4" => Some(Priority::Lowest),
        _ => None,
    }
}

/// A user as this flavor names them: the account id on Cloud, the user name on Server.
pub(crate) fn person(v: &Value, flavor: Flavor) -> Option<User> {
    let id = match flavor {
        Flavor::Cloud => v.get("accountId").and_then(Value::as_str),
        Flavor::Server => v
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| v.get("key").and_then(Value::as_str)),
    }?;
    let id = clean(id, NAME_CHARS);
    (!id.trim().is_empty()).then(|| User::from(id))
}

/// Sorts `ALPHA-10` after `ALPHA-9`.
pub(crate) fn key_order(key: &str) -> (&str, u64) {
    match key.rsplit_once('-') {
        Some((p, n)) => (p, n.parse().unwrap_or(0)),
        None => (key, 0),
    }
}

fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path).and_then(Value::as_str)
}

/// Reads issue JSON (a search or export item) into an [`Issue`].
///
/// # Errors
/// [`Error::InvalidInput`] naming the field (`fields.created`, the reason naming the
/// issue) for an issue without a key or fields, or a time that is not a Jira time.
///
/// `me` is the account JUNO writes as: its own changes and comments are kept as events but
/// do not count as activity (`updated`, `last_change`, `last_comment`), so a JUNO comment
/// never makes stale work look fresh.
pub(crate) fn issue(
    v: &Value,
    ids: &FieldIds,
    flavor: Flavor,
    teams: &Teams,
    me: Option<&User>,
) -> Result<Issue> {
    let key = clean(v.get("key").and_then(Value::as_str).unwrap_or(""), 64);
    if key.trim().is_empty() {
        return Err(Error::invalid("key", "an issue without a key"));
    }
    let Some(fields) = v.get("fields").filter(|f| f.is_object()) else {
        return Err(Error::invalid(
            "fields",
            format!("issue `{key}` has no fields"),
        ));
    };
    let when = |f: &str| -> Result<Option<DateTime<Utc>>> {
        let bad =
            |what: String| Error::invalid(format!("fields.{f}"), format!("issue `{key}`: {what}"));
        match fields.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => date(s)
                .map(Some)
                .ok_or_else(|| bad(format!("not a time: `{}`", clean(s, 40)))),
            Some(_) => Err(bad("not a time".into())),
        }
    };
    let project = text(fields, "/project/key")
        .map(|p| clean(p, 64))
        .or_else(|| key.rsplit_once('-').map(|(p, _)| p.to_owned()))
        .unwrap_or_default();
    let sprints = ids
        .sprint
        .as_deref()
        .and_then(|id| fields.get(id))
        .map(sprint_refs)
        .unwrap_or_default();
    let board = sprints
        .iter()
        .find(|s| s.state == "active")
        .or(sprints.last())
        .and_then(|s| s.board);
    let assignee = fields.get("assignee").and_then(|a| person(a, flavor));
    let status = text(fields, "/status/name").map(|s| clean(s, NAME_CHARS));
    let cat = category(
        text(fields, "/status/statusCategory/key"),
        status.as_deref(),
    );

    let (events, authored) = events(v, flavor);
    let mut ticket = Ticket {
        key: key.clone(),
        team: teams.of(&project, board),
        priority: text(fields, "/priority/name").and_then(priority),
        assignee,
        labels: fields
            .get("labels")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|l| clean(l, NAME_CHARS))
                    .filter(|l| !l.is_empty())
                    .take(MAX_LABELS)
                    .collect()
            })
            .unwrap_or_default(),
        created: when("created")?,
        updated: when("updated")?,
        status: status.clone(),
        last_change: authored
            .iter()
            .filter(|(_, who)| me.is_none() || who.as_ref() != me)
            .map(|(t, _)| *t)
            .max(),
        events,
        ..Ticket::default()
    };
    let mut touched: Touches = authored;
    let comments = fields
        .get("comment")
        .and_then(|c| c.get("comments").or(Some(c)))
        .and_then(Value::as_array);
    for c in comments.into_iter().flatten() {
        if let Some(t) = c.get("created").and_then(Value::as_str).and_then(date) {
            let author = c.get("author").and_then(|a| person(a, flavor));
            if me.is_none() || author.as_ref() != me {
                ticket.last_comment = ticket.last_comment.max(Some(t));
            }
            touched.push((t, author));
        }
    }
    if me.is_some() {
        // Jira's `updated` moves with JUNO's own writes too: the last activity of anyone
        // else (or the creation) stands in for it.
        ticket.updated = [ticket.created, ticket.last_change, ticket.last_comment]
            .into_iter()
            .flatten()
            .max()
            .or(ticket.updated);
    }
    if let Some(who) = &ticket.assignee {
        ticket.assignee_last_activity = touched
            .iter()
            .filter(|(_, u)| u.as_ref() == Some(who))
            .map(|(t, _)| *t)
            .max();
    }
    let flagged = ids
        .flagged
        .as_deref()
        .and_then(|f| fields.get(f))
        .is_some_and(|f| match f {
            Value::Array(a) => !a.is_empty(),
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        });
    let (blocked_by, blocks) = links(fields);
    ticket.blocked = flagged
        || blocked_by
        || status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("blocked"));
    ticket.blocking = blocks;
    ticket.has_description = Some(match fields.get("description") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Object(o)) => o
            .get("content")
            .and_then(Value::as_array)
            .is_none_or(|c| !c.is_empty()),
        Some(_) => true,
    });
    let points = ids
        .story_points
        .iter()
        .filter_map(|f| fields.get(f))
        .find_map(|p| match p {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        })
        .filter(|p| p.is_finite() && *p >= 0.0);
    ticket.estimated = (!ids.story_points.is_empty()).then_some(points.is_some());
    ticket.in_active_sprint = sprints.iter().any(|s| s.state == "active");
    Ok(Issue {
        ticket,
        points,
        category: cat,
        resolved: when("resolutiondate")?,
        sprints,
        bug: text(fields, "/issuetype/name").is_some_and(|n| n.eq_ignore_ascii_case("bug")),
        in_review: status
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains("review")),
    })
}

/// When someone touched an issue, and who (for the assignee's last activity).
type Touches = Vec<(DateTime<Utc>, Option<User>)>;

/// The status, assignee, priority and sprint changes of an issue's changelog, and who
/// made each change (for the assignee's last activity).
fn events(v: &Value, flavor: Flavor) -> (Vec<TicketEvent>, Touches) {
    let mut out = Vec::new();
    let mut authored = Vec::new();
    let histories = v
        .pointer("/changelog/histories")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for h in histories {
        let Some(at) = h.get("created").and_then(Value::as_str).and_then(date) else {
            continue;
        };
        authored.push((at, h.get("author").and_then(|a| person(a, flavor))));
        for item in h
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let field = item.get("field").and_then(Value::as_str).unwrap_or("");
            let name = match field.to_ascii_lowercase().as_str() {
                "status" => "status",
                "assignee" => "assignee",
                "priority" => "priority",
                "sprint" => "sprint",
                _ => continue,
            };
            let side = |raw: &str, shown: &str| {
                let s = if name == "assignee" {
                    // Ids, so that they match the ticket's assignee.
                    text(item, raw).or_else(|| text(item, shown))
                } else {
                    text(item, shown)
                };
                clean(s.unwrap_or(""), 256)
            };
            out.push(TicketEvent {
                at,
                field: name.to_owned(),
                from: side("/from", "/fromString"),
                to: side("/to", "/toString"),
            });
        }
    }
    out.sort_by_key(|e| e.at);
    (out, authored)
}

/// Whether an unresolved issue blocks this one, and how many this one blocks.
fn links(fields: &Value) -> (bool, u32) {
    let mut blocked = false;
    let mut blocks = 0u32;
    for l in fields
        .get("issuelinks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(other) = l.get("inwardIssue") {
            let inward = text(l, "/type/inward").unwrap_or("");
            let done = text(other, "/fields/status/statusCategory/key") == Some("done");
            if inward.eq_ignore_ascii_case("is blocked by") && !done {
                blocked = true;
            }
        }
        if l.get("outwardIssue").is_some()
            && text(l, "/type/outward").is_some_and(|o| o.eq_ignore_ascii_case("blocks"))
        {
            blocks = blocks.saturating_add(1);
        }
    }
    (blocked, blocks)
}

/// A sprint field's value: Cloud's objects, or Server's legacy
/// `com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=1,rapidViewId=2,state=ACTIVE,name=S1,…]`
/// strings.
pub(crate) fn sprint_refs(v: &Value) -> Vec<SprintRef> {
    let mut out = Vec::new();
    for s in v.as_array().into_iter().flatten() {
        let r = match s {
            Value::Object(_) => {
                let when = |k: &str| text(s, &format!("/{k}")).and_then(date);
                SprintRef {
                    id: s.get("id").and_then(Value::as_u64),
                    name: clean(text(s, "/name").unwrap_or(""), NAME_CHARS),
                    state: text(s, "/state").unwrap_or("").to_ascii_lowercase(),
                    board: s.get("boardId").and_then(Value::as_u64),
                    start: when("startDate"),
                    end: when("endDate"),
                    complete: when("completeDate"),
                }
            }
            Value::String(raw) => {
                let inner = raw
                    .split_once('[')
                    .map_or(raw.as_str(), |(_, r)| r.trim_end_matches(']'));
                let mut r = SprintRef::default();
                // `name=` may hold commas; the known keys after it end it.
                for part in inner.split(',') {
                    let (k, val) = part.split_once('=').unwrap_or(("", part));
                    let val = if val == "<null>" { "" } else { val };
                    match k {
                        "id" => r.id = val.parse().ok(),
                        "rapidViewId" => r.board = val.parse().ok(),
                        "state" => r.state = val.to_ascii_lowercase(),
                        "name" => r.name = clean(val, NAME_CHARS),
                        "startDate" => r.start = date(val),
                        "endDate" => r.end = date(val),
                        "completeDate" => r.complete = date(val),
                        "" if !r.name.is_empty() && r.start.is_none() => {
                            r.name = clean(&format!("{},{val}", r.name), NAME_CHARS);
                        }
                        _ => {}
                    }
                }
                r
            }
            _ => continue,
        };
        if !r.name.trim().is_empty() {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        date(s).unwrap_or_default()
    }

    #[test]
    fn jira_times_parse() {
        assert_eq!(
            date("2024-01-15T10:30:00.000+0100"),
            Some(t("2024-01-15T09:30:00Z"))
        );
        assert!(date("yesterday").is_none());
    }

    #[test]
    fn server_sprint_strings_parse() {
        let v = serde_json::json!([
            "com.atlassian.greenhopper.service.sprint.Sprint@1f[id=7,rapidViewId=3,state=ACTIVE,name=Sprint 7,startDate=2024-01-01T09:00:00.000Z,endDate=<null>,completeDate=<null>,sequence=7]"
        ]);
        let r = sprint_refs(&v);
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].id, r[0].board, r[0].state.as_str()),
            (Some(7), Some(3), "active")
        );
        assert_eq!(r[0].name, "Sprint 7");
    }
}
