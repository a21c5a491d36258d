//! The reads a sync makes: fields, boards, sprints, sprint issues and the issue search
//! with complete change histories, each paged the way its endpoint pages.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::source::SyncProgress;

use super::client::{Call, Need, seg};
use super::map::{FieldIds, date};
use super::{Flavor, JiraClient, clean};

/// A page loop that has not ended after this many pages is a server that does not page.
const MAX_PAGES: usize = 10_000;

/// One board of a project.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Board {
    pub id: u64,
    pub name: String,
    /// The project it was listed for.
    pub project: String,
    /// Scrum boards have sprints; kanban boards do not.
    pub scrum: bool,
}

/// One sprint of a board, as the Agile API lists it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SprintInfo {
    pub id: u64,
    pub name: String,
    /// `active`, `closed` or `future`.
    pub state: String,
    pub start: Option<DateTime<Utc>>,
    /// The planned end.
    pub end: Option<DateTime<Utc>>,
    /// When it was closed.
    pub complete: Option<DateTime<Utc>>,
    pub origin_board: Option<u64>,
}

impl JiraClient {
    /// Every field's definition (`GET /rest/api/3/field`, v2 on Server).
    pub(crate) fn fields(&self) -> Result<Vec<Value>> {
        let path = format!("/rest/api/{}/field", self.api());
        match self.call(&Call::get(path, Need::Browse))? {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(shape("the field list is not an array")),
        }
    }

    /// The boards of `project` (`GET /rest/agile/1.0/board?projectKeyOrId=`).
    pub(crate) fn boards(&self, project: &str) -> Result<Vec<Board>> {
        let call =
            Call::get("/rest/agile/1.0/board".into(), Need::Boards).with("projectKeyOrId", project);
        let values = self.paged(call, "values")?;
        let mut out = Vec::new();
        for v in values {
            let Some(id) = v.get("id").and_then(Value::as_u64) else {
                continue;
            };
            let name = clean(v.get("name").and_then(Value::as_str).unwrap_or(""), 128);
            let name = if name.trim().is_empty() {
                project.to_owned()
            } else {
                name
            };
            let kind = v.get("type").and_then(Value::as_str).unwrap_or("scrum");
            out.push(Board {
                id,
                name,
                project: project.to_owned(),
                scrum: !kind.eq_ignore_ascii_case("kanban"),
            });
        }
        Ok(out)
    }

    /// A board's active and closed sprints.
    pub(crate) fn sprints(&self, board: u64) -> Result<Vec<SprintInfo>> {
        let call = Call::get(
            format!("/rest/agile/1.0/board/{board}/sprint"),
            Need::Boards,
        )
        .with("state", "active,closed");
        let mut out = Vec::new();
        for v in self.paged(call, "values")? {
            let Some(id) = v.get("id").and_then(Value::as_u64) else {
                continue;
            };
            let when = |k: &str| v.get(k).and_then(Value::as_str).and_then(date);
            out.push(SprintInfo {
                id,
                name: clean(v.get("name").and_then(Value::as_str).unwrap_or(""), 128),
                state: v
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
                start: when("startDate"),
                end: when("endDate"),
                complete: when("completeDate"),
                origin_board: v.get("originBoardId").and_then(Value::as_u64),
            });
        }
        Ok(out)
    }

    /// The issues of one sprint (`GET /rest/agile/1.0/sprint/{id}/issue`), without
    /// change histories.
    pub(crate) fn sprint_issues(&self, sprint: u64, ids: &FieldIds) -> Result<Vec<Value>> {
        let call = Call::get(
            format!("/rest/agile/1.0/sprint/{sprint}/issue"),
            Need::Boards,
        )
        .with("fields", ids.fields_param());
        self.paged(call, "issues")
    }

    /// The issues `jql` finds, with their fields and complete change histories, calling
    /// `progress` after each page (phase `issues`) and each history completed (phase
    /// `changelogs`).
    pub(crate) fn search(
        &self,
        jql: &str,
        ids: &FieldIds,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<Vec<Value>> {
        let mut issues = match self.settings.flavor {
            Flavor::Cloud => self.search_cloud(jql, ids, progress)?,
            Flavor::Server => {
                let call = Call::get("/rest/api/2/search".into(), Need::Browse)
                    .with("jql", jql)
                    .with("fields", ids.fields_param())
                    .with("expand", "changelog");
                self.paged_reporting(call, "issues", &mut |count, total| {
                    progress(&SyncProgress::running("issues", count, total));
                })?
            }
        };
        let truncated = issues.iter().filter(|i| truncated_changelog(i)).count() as u64;
        let mut completed = 0;
        for issue in issues.iter_mut().filter(|i| truncated_changelog(i)) {
            self.complete_changelog(issue)?;
            completed += 1;
            progress(&SyncProgress::running(
                "changelogs",
                completed,
                Some(truncated),
            ));
        }
        Ok(issues)
    }

    /// Cloud's search pages by `nextPageToken` until `isLast`; it does not say how many
    /// issues there are.
    fn search_cloud(
        &self,
        jql: &str,
        ids: &FieldIds,
        progress: &mut dyn FnMut(&SyncProgress),
    ) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut call = Call::get("/rest/api/3/search/jql".into(), Need::Browse)
                .with("jql", jql)
                .with("fields", ids.fields_param())
                .with("expand", "changelog")
                .with("maxResults", self.settings.page_size);
            if let Some(t) = &token {
                call = call.with("nextPageToken", t);
            }
            let page = self.call(&call)?.unwrap_or_default();
            let Some(issues) = page.get("issues").and_then(Value::as_array) else {
                return Err(shape("a search page has no `issues` array"));
            };
            out.extend(issues.iter().cloned());
            progress(&SyncProgress::running("issues", out.len() as u64, None));
            let next = page
                .get("nextPageToken")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let last = page
                .get("isLast")
                .and_then(Value::as_bool)
                .unwrap_or(next.is_none());
            match next {
                Some(n) if !last => {
                    if token.as_deref() == Some(n.as_str()) {
                        return Err(shape("the search repeated its page token"));
                    }
                    token = Some(n);
                }
                _ => return Ok(out),
            }
        }
        Err(shape("the search did not end"))
    }

    /// Replaces a truncated embedded changelog (`total` > the histories given) with the
    /// whole one: Cloud pages `/issue/{key}/changelog`; Server reads the issue with its
    /// changelog expanded.
    fn complete_changelog(&self, issue: &mut Value) -> Result<()> {
        let Some(key) = issue.get("key").and_then(Value::as_str).map(str::to_owned) else {
            return Ok(());
        };
        let histories = match self.settings.flavor {
            Flavor::Cloud => {
                let call = Call::get(
                    format!("/rest/api/3/issue/{}/changelog", seg(&key)),
                    Need::Browse,
                );
                self.paged(call, "values")?
            }
            Flavor::Server => {
                let call = Call::get(format!("/rest/api/2/issue/{}", seg(&key)), Need::Browse)
                    .with("expand", "changelog")
                    .with("fields", "none");
                self.call(&call)?
                    .and_then(|v| v.pointer("/changelog/histories").cloned())
                    .and_then(|h| h.as_array().cloned())
                    .unwrap_or_default()
            }
        };
        if let Some(log) = issue.get_mut("changelog") {
            log["histories"] = Value::Array(histories);
        }
        Ok(())
    }

    /// A `startAt` / `maxResults` paged list: the items under `items` of every page, until
    /// `isLast`, or (where there is no `isLast`) until `total` items or an empty page.
    pub(super) fn paged(&self, base: Call<'_>, items: &str) -> Result<Vec<Value>> {
        self.paged_reporting(base, items, &mut |_, _| {})
    }

    /// As [`JiraClient::paged`], calling `on_page` with the items so far and the total
    /// the server announced (if it did) after each page.
    pub(super) fn paged_reporting(
        &self,
        base: Call<'_>,
        items: &str,
        on_page: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<Vec<Value>> {
        let mut out: Vec<Value> = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut call = Call {
                method: base.method.clone(),
                path: base.path.clone(),
                query: base.query.clone(),
                body: None,
                need: base.need,
                missing_ok: false,
            };
            call = call
                .with("startAt", out.len())
                .with("maxResults", self.settings.page_size);
            let page = self.call(&call)?.unwrap_or_default();
            let Some(got) = page.get(items).and_then(Value::as_array) else {
                return Err(shape(&format!(
                    "a page of `{}` has no `{items}`",
                    base.path
                )));
            };
            let n = got.len();
            out.extend(got.iter().cloned());
            let total = page.get("total").and_then(Value::as_u64);
            on_page(out.len() as u64, total);
            let done = match page.get("isLast").and_then(Value::as_bool) {
                Some(last) => last || n == 0,
                None => n == 0 || total.is_none_or(|t| out.len() as u64 >= t),
            };
            if done {
                return Ok(out);
            }
        }
        Err(shape(&format!("the pages of `{}` did not end", base.path)))
    }
}

/// Whether an issue's embedded changelog holds fewer histories than its `total`: Jira
/// embeds at most a page of them.
fn truncated_changelog(issue: &Value) -> bool {
    let Some(log) = issue.get("changelog") else {
        return false;
    };
    let have = log
        .get("histories")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let total = log.get("total").and_then(Value::as_u64).unwrap_or(0);
    total as usize > have
}

fn shape(what: &str) -> Error {
    Error::Remote {
        service: "jira".into(),
        status: None,
        message: format!("unexpected answer: {what}"),
    }
}
