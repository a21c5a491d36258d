//! Act: what an approved action writes to the ticket tracker, the guard rails around those
//! writes, and the executors that perform them.
//!
//! An action proposed by the cycle carries its exact writes in `parameters.writes` (see
//! [`Write`]), so the digest an approver signs covers every field JUNO will touch and a dry
//! run can show them before anything is sent. Executors implement
//! [`crate::governance::Executor`]: the [`RecordingExecutor`] here (tests, the demo), the
//! Jira executor, or one the host provides (a Python callable, a C function pointer).
//! Governance runs each approved action exactly once; `juno.executor()` (in `api.rs`) keeps
//! the outbox of intents and outcomes, and reverts.

pub mod api;
pub mod jira;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::governance::{Action, Applied, Approval, Executor};
use crate::model::{Priority, Ticket, User};

/// One change to one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Write {
    /// Adds a comment (JUNO's comments say they come from JUNO and which approval
    /// authorised them; that attribution is added by the executor).
    Comment {
        /// The ticket.
        key: String,
        /// The text.
        body: String,
    },
    /// Changes the assignee.
    Assign {
        /// The ticket.
        key: String,
        /// The assignee before (for revert).
        from: Option<User>,
        /// The new assignee (`None` unassigns).
        to: Option<User>,
    },
    /// Changes the priority.
    SetPriority {
        /// The ticket.
        key: String,
        /// The priority before (for revert).
        from: Option<Priority>,
        /// The new priority.
        to: Priority,
    },
    /// Moves the ticket to another status through a workflow transition.
    Transition {
        /// The ticket.
        key: String,
        /// The status before (for revert).
        from: Option<String>,
        /// The status to reach.
        to: String,
    },
    /// Adds a label.
    AddLabel {
        /// The ticket.
        key: String,
        /// The label.
        label: String,
    },
    /// Removes a label.
    RemoveLabel {
        /// The ticket.
        key: String,
        /// The label.
        label: String,
    },
}

impl Write {
    /// The ticket it changes.
    pub fn key(&self) -> &str {
        match self {
            Write::Comment { key, .. }
            | Write::Assign { key, .. }
            | Write::SetPriority { key, .. }
            | Write::Transition { key, .. }
            | Write::AddLabel { key, .. }
            | Write::RemoveLabel { key, .. } => key,
        }
    }

    /// The write that undoes this one, if any. A comment cannot be taken back; the revert
    /// adds a comment saying what was undone instead.
    pub fn inverse(&self) -> Option<Write> {
        Some(match self {
            Write::Comment { .. } => return None,
            Write::Assign { key, from, to } => Write::Assign {
                key: key.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            Write::SetPriority { key, from, to } => Write::SetPriority {
                key: key.clone(),
                from: Some(*to),
                to: (*from)?,
            },
            Write::Transition { key, from, to } => Write::Transition {
                key: key.clone(),
                from: Some(to.clone()),
                to: from.clone()?,
            },
            Write::AddLabel { key, label } => Write::RemoveLabel {
                key: key.clone(),
                label: label.clone(),
            },
            Write::RemoveLabel { key, label } => Write::AddLabel {
                key: key.clone(),
                label: label.clone(),
            },
        })
    }

    /// One line for people: `PROJ-12: priority Medium → High`.
    pub fn describe(&self) -> String {
        let who = |u: &Option<User>| u.as_ref().map_or("nobody", User::as_str).to_owned();
        match self {
            Write::Comment { key, body } => {
                let first: String = body.chars().take(60).collect();
                format!(
                    "{key}: comment \"{first}{}\"",
                    if body.chars().count() > 60 { "…" } else { "" }
                )
            }
            Write::Assign { key, from, to } => {
                format!("{key}: assignee {} → {}", who(from), who(to))
            }
            Write::SetPriority { key, from, to } => format!(
                "{key}: priority {} → {}",
                from.map_or("none", Priority::as_str),
                to.as_str()
            ),
            Write::Transition { key, from, to } => {
                format!("{key}: status {} → {to}", from.as_deref().unwrap_or("?"))
            }
            Write::AddLabel { key, label } => format!("{key}: add label {label}"),
            Write::RemoveLabel { key, label } => format!("{key}: remove label {label}"),
        }
    }
}

/// The writes an action carries (`parameters.writes`).
///
/// # Errors
/// [`Error::InvalidInput`] naming `action.parameters.writes` when they are missing or
/// malformed.
pub fn writes_of(action: &Action) -> Result<Vec<Write>> {
    let field = "action.parameters.writes";
    let v = action
        .parameters
        .get("writes")
        .ok_or_else(|| Error::invalid(field, "missing: the action carries no writes"))?;
    serde_json::from_value(v.clone()).map_err(|e| Error::invalid(field, e.to_string()))
}

/// What an administrator allows JUNO to do to their tracker. The defaults are the safe
/// ones: a small budget, finished work never reopened, nothing closed inside an active
/// sprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuardRails {
    /// Project keys JUNO may write to (`PROJ` for `PROJ-12`); empty allows every project
    /// the source synced.
    pub projects: Vec<String>,
    /// Actions executed per cycle at most; the rest wait for the next cycle.
    pub write_budget: u32,
    /// Statuses a ticket is never transitioned out of.
    pub protected_statuses: Vec<String>,
    /// Whether a ticket in an active sprint may be closed (default false).
    pub close_in_active_sprint: bool,
}

impl Default for GuardRails {
    fn default() -> Self {
        GuardRails {
            projects: Vec::new(),
            write_budget: 20,
            protected_statuses: ["Done", "Closed", "Resolved", "Released"]
                .map(String::from)
                .to_vec(),
            close_in_active_sprint: false,
        }
    }
}

impl GuardRails {
    /// Why `writes` may not be made to `ticket` (as stored now), or `None` when they may.
    pub fn refusal(&self, writes: &[Write], ticket: Option<&Ticket>) -> Option<String> {
        for w in writes {
            let key = w.key();
            let project = key.rsplit_once('-').map_or(key, |(p, _)| p);
            if !self.projects.is_empty() && !self.projects.iter().any(|p| p == project) {
                return Some(format!(
                    "project `{project}` is not among the projects JUNO may write to"
                ));
            }
            if let Write::Transition { to, .. } = w {
                let status = ticket.and_then(|t| t.status.as_deref());
                if let Some(s) = status.filter(|s| self.protected_statuses.iter().any(|p| p == s)) {
                    return Some(format!("{key} is in protected status `{s}`"));
                }
                let closing = self.protected_statuses.iter().any(|p| p == to);
                if closing
                    && !self.close_in_active_sprint
                    && ticket.is_some_and(|t| t.in_active_sprint)
                {
                    return Some(format!("{key} is in an active sprint and would be closed"));
                }
            }
        }
        None
    }
}

/// Attribution JUNO appends to every comment it writes.
pub fn attribution(approval: &Approval<'_>) -> String {
    let short: String = approval.digest.chars().take(12).collect();
    format!(
        "— written by JUNO for approval request #{} ({}), approved by {}",
        approval.request_id, short, approval.approved_by
    )
}

/// An executor that performs nothing outside the process: it records each approved
/// action and its writes, and reports them as applied. For tests, the demo and dry runs
/// of the executor path.
#[derive(Debug, Default, Clone)]
pub struct RecordingExecutor {
    /// Every write applied, in order, with the request that authorised it.
    pub log: Vec<(i64, Write)>,
    /// Digests of the actions applied (the marker a Jira executor keeps in Jira).
    pub applied: Vec<String>,
}

impl RecordingExecutor {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Executor for RecordingExecutor {
    fn execute(&mut self, action: &Action) -> std::result::Result<serde_json::Value, String> {
        let digest = action.digest();
        self.execute_approved(&Approval {
            request_id: 0,
            action,
            digest: &digest,
            approved_by: "unknown",
        })
    }

    fn execute_approved(
        &mut self,
        approval: &Approval<'_>,
    ) -> std::result::Result<serde_json::Value, String> {
        let writes = writes_of(approval.action).map_err(|e| e.to_string())?;
        if self.applied.iter().any(|d| d == approval.digest) {
            return Ok(serde_json::json!({ "already_applied": true, "changes": [] }));
        }
        for w in &writes {
            let w = match w {
                Write::Comment { key, body } => Write::Comment {
                    key: key.clone(),
                    body: format!("{body}\n{}", attribution(approval)),
                },
                other => other.clone(),
            };
            self.log.push((approval.request_id, w));
        }
        self.applied.push(approval.digest.to_owned());
        Ok(serde_json::json!({ "executor": "recording", "changes": writes }))
    }

    fn applied(&mut self, approval: &Approval<'_>) -> std::result::Result<Applied, String> {
        Ok(if self.applied.iter().any(|d| d == approval.digest) {
            Applied::Yes
        } else {
            Applied::No
        })
    }
}
