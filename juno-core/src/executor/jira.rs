//! The executor that writes to Jira: exactly the approved writes, attributed, each action
//! once — even across a crash — through an idempotency marker kept in Jira itself.
//!
//! The marker is the issue entity property [`MARKER`] on every issue an action touches:
//! `{"applied": [digest, …], "pending": digest | null}`. Before the first write of an
//! action its digest is stored as `pending`; after the last, it moves to `applied`. So
//! after a crash the cycle can ask Jira what happened ([`Executor::applied`]): `applied` —
//! record it as executed, write nothing; `pending` — some writes may have been made, a
//! person must look (never retried); neither — nothing was written, it may run again.

use serde_json::{Value, json};

use super::{Write, attribution, writes_of};
use crate::error::Result;
use crate::governance::{Action, Applied, Approval, Executor};
use crate::model::Priority;
use crate::source::jira::{JiraClient, JiraSettings};

/// The issue entity property holding the digests of the actions applied to an issue.
pub const MARKER: &str = "juno.actions";

/// How many digests a marker keeps (the oldest fall off; an action that old is never
/// re-run, since its request left `executing` long ago).
const MARKER_KEEP: usize = 200;

/// Writes approved actions to Jira ([`crate::governance::Executor`]).
#[derive(Debug)]
pub struct JiraExecutor {
    client: JiraClient,
}

impl JiraExecutor {
    /// An executor for the Jira `settings` describe.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] / [`crate::Error::Config`] for bad settings.
    pub fn new(settings: JiraSettings) -> Result<Self> {
        Ok(JiraExecutor {
            client: JiraClient::new(settings)?,
        })
    }

    /// An executor over an existing client.
    pub fn with_client(client: JiraClient) -> Self {
        JiraExecutor { client }
    }

    fn marker(&self, key: &str) -> Result<(Vec<String>, Option<String>)> {
        let v = self
            .client
            .get_property(key, MARKER)?
            .unwrap_or(Value::Null);
        let applied = v
            .get("applied")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let pending = v.get("pending").and_then(Value::as_str).map(str::to_owned);
        Ok((applied, pending))
    }

    fn set_marker(&self, key: &str, applied: &[String], pending: Option<&str>) -> Result<()> {
        let keep = applied.len().saturating_sub(MARKER_KEEP);
        self.client.put_property(
            key,
            MARKER,
            &json!({ "applied": &applied[keep..], "pending": pending }),
        )
    }

    /// Makes `writes`, returning them with their `from` values as Jira had them just
    /// before (so a revert restores what was really there).
    fn apply(&self, writes: &[Write], approval: &Approval<'_>) -> Result<Vec<Write>> {
        let mut made = Vec::with_capacity(writes.len());
        for w in writes {
            let key = w.key();
            let before = match w {
                Write::Assign { .. } | Write::SetPriority { .. } | Write::Transition { .. } => {
                    Some(self.client.issue_fields(key)?)
                }
                _ => None,
            };
            let done = match w {
                Write::Comment { key, body } => {
                    let text = format!("{body}\n\n{}", attribution(approval));
                    self.client.add_comment(key, &text)?;
                    w.clone()
                }
                Write::Assign { key, to, .. } => {
                    self.client.assign(key, to.as_ref())?;
                    Write::Assign {
                        key: key.clone(),
                        from: before.and_then(|b| b.assignee),
                        to: to.clone(),
                    }
                }
                Write::SetPriority { key, to, .. } => {
                    self.client.set_priority(key, to.as_str())?;
                    Write::SetPriority {
                        key: key.clone(),
                        from: before
                            .and_then(|b| b.priority)
                            .and_then(|p| serde_json::from_value::<Priority>(json!(p)).ok()),
                        to: *to,
                    }
                }
                Write::Transition { key, to, .. } => {
                    self.client.transition(key, to)?;
                    Write::Transition {
                        key: key.clone(),
                        from: before.and_then(|b| b.status),
                        to: to.clone(),
                    }
                }
                Write::AddLabel { key, label } => {
                    self.client.change_label(key, label, true)?;
                    w.clone()
                }
                Write::RemoveLabel { key, label } => {
                    self.client.change_label(key, label, false)?;
                    w.clone()
                }
            };
            made.push(done);
        }
        Ok(made)
    }
}

fn keys_of(writes: &[Write]) -> Vec<String> {
    let mut keys: Vec<String> = writes.iter().map(|w| w.key().to_owned()).collect();
    keys.sort();
    keys.dedup();
    keys
}

impl Executor for JiraExecutor {
    fn execute(&mut self, action: &Action) -> std::result::Result<Value, String> {
        let digest = action.digest();
        self.execute_approved(&Approval {
            request_id: 0,
            action,
            digest: &digest,
            approved_by: "unknown",
        })
    }

    fn execute_approved(&mut self, approval: &Approval<'_>) -> std::result::Result<Value, String> {
        let run = || -> Result<Value> {
            let writes = writes_of(approval.action)?;
            let keys = keys_of(&writes);
            let mut markers = Vec::with_capacity(keys.len());
            for key in &keys {
                let (applied, _) = self.marker(key)?;
                if applied.iter().any(|d| d == approval.digest) {
                    // Applied before (a retry after a lost record): never twice.
                    return Ok(
                        json!({ "executor": "jira", "already_applied": true, "changes": writes }),
                    );
                }
                markers.push((key, applied));
            }
            for (key, applied) in &markers {
                self.set_marker(key, applied, Some(approval.digest))?;
            }
            let made = self.apply(&writes, approval)?;
            for (key, applied) in &mut markers {
                applied.push(approval.digest.to_owned());
                self.set_marker(key, applied, None)?;
            }
            Ok(json!({ "executor": "jira", "changes": made }))
        };
        run().map_err(|e| e.to_string())
    }

    fn applied(&mut self, approval: &Approval<'_>) -> std::result::Result<Applied, String> {
        let check = || -> Result<Applied> {
            let writes = writes_of(approval.action)?;
            let (mut all, mut any_pending) = (true, false);
            for key in keys_of(&writes) {
                let (applied, pending) = self.marker(&key)?;
                all &= applied.iter().any(|d| d == approval.digest);
                any_pending |= pending.as_deref() == Some(approval.digest);
            }
            Ok(if all {
                Applied::Yes
            } else if any_pending {
                Applied::Partial
            } else {
                Applied::No
            })
        };
        check().map_err(|e| e.to_string())
    }
}
