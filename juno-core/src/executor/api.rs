//! `juno.executor()`: the outbox around any executor, the record of what each action
//! changed, and reverts through governance.

use serde_json::json;

use super::{Write, writes_of};
use crate::error::{Error, Result};
use crate::governance::{
    Action, Applied, Approval, ApprovalRequest, Executor, Proposal, RequestId, RequestStatus,
};
use crate::juno::Juno;
use crate::model::ImpactLevel;
use crate::store::agent as sql;
use crate::store::{ExecutionRecord, to_ms};

/// The action kind of a revert.
pub const REVERT_KIND: &str = "revert";

/// The act stage of one [`Juno`]: `juno.executor()`.
#[derive(Debug, Clone, Copy)]
pub struct Executions<'a> {
    juno: &'a Juno,
}

impl<'a> Executions<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Executions { juno }
    }

    /// Wraps `inner` in the outbox: before it runs an approved action, the intent is
    /// stored; after, the outcome and what the writes replaced. Pass the result to
    /// [`crate::governance::Governance::execute`].
    pub fn outbox<'e>(&self, inner: &'e mut dyn Executor, name: &str) -> Outbox<'a, 'e> {
        Outbox {
            juno: self.juno,
            inner,
            name: name.to_owned(),
        }
    }

    /// What request `id`'s execution changed, if it ran through the outbox.
    ///
    /// # Errors
    /// Storage errors.
    pub fn record(&self, id: RequestId) -> Result<Option<ExecutionRecord>> {
        self.juno.store().read(|c| sql::execution(c, id))
    }

    /// Proposes undoing executed request `id`: a `revert` action whose writes are the
    /// inverse of what it changed (newest first) plus a comment saying so, submitted to
    /// governance like any action (same impact; it always waits for a person).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown request; [`Error::InvalidState`] when it did not
    /// execute through the outbox, failed, changed nothing revertible, or was reverted.
    pub fn propose_revert(&self, id: RequestId, requester: &str) -> Result<ApprovalRequest> {
        let request = self.juno.governance().get(id)?;
        let record = self.record(id)?.ok_or_else(|| Error::InvalidState {
            reason: format!("request {id} has no execution record to revert"),
        })?;
        if record.ok != Some(true) {
            return Err(Error::InvalidState {
                reason: format!("request {id} did not execute successfully"),
            });
        }
        if let Some(by) = record.reverted_by {
            return Err(Error::InvalidState {
                reason: format!("request {id} was already reverted by request {by}"),
            });
        }
        let open = self.juno.store().read(|c| {
            crate::store::governance::requests_where(
                c,
                &[
                    RequestStatus::Pending,
                    RequestStatus::Approved,
                    RequestStatus::AutoApproved,
                    RequestStatus::Executing,
                ],
                None,
            )
        })?;
        if let Some(r) = open.iter().find(|r| {
            r.action.kind == REVERT_KIND
                && r.action.parameters.get("reverts").and_then(|v| v.as_i64()) == Some(id)
        }) {
            return Err(Error::InvalidState {
                reason: format!(
                    "request {id} already has revert request {} ({})",
                    r.id, r.status
                ),
            });
        }
        let changes: Vec<Write> = record
            .changes
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| Error::Corrupt {
                detail: format!("execution record {id}: {e}"),
            })?
            .unwrap_or_default();
        let mut writes: Vec<Write> = changes.iter().rev().filter_map(Write::inverse).collect();
        if writes.is_empty() {
            return Err(Error::InvalidState {
                reason: format!("request {id} changed nothing that can be reverted"),
            });
        }
        let key = request.action.target.clone().unwrap_or_default();
        writes.push(Write::Comment {
            key: key.clone(),
            body: format!(
                "JUNO reverts its action `{}` (request #{id}).",
                request.action.kind
            ),
        });
        let proposal = Proposal {
            action: Action {
                kind: REVERT_KIND.into(),
                team: request.action.team.clone(),
                target: request.action.target.clone(),
                parameters: json!({ "reverts": id, "writes": writes }),
            },
            impact: request.impact.max(ImpactLevel::Medium),
            // A revert is a person's decision, never the policy's.
            confidence: 0.0,
            explanation: format!(
                "undo request #{id} ({} on {key}), asked by {requester}",
                request.action.kind
            ),
            requester: requester.into(),
            raw_confidence: None,
            calibration: None,
        };
        self.juno.governance().submit(proposal)
    }
}

/// An executor wrapped in the outbox (see [`Executions::outbox`]).
pub struct Outbox<'a, 'e> {
    juno: &'a Juno,
    inner: &'e mut dyn Executor,
    name: String,
}

impl std::fmt::Debug for Outbox<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("name", &self.name).finish()
    }
}

impl Executor for Outbox<'_, '_> {
    fn execute(&mut self, action: &Action) -> std::result::Result<serde_json::Value, String> {
        self.inner.execute(action)
    }

    fn applied(&mut self, approval: &Approval<'_>) -> std::result::Result<Applied, String> {
        self.inner.applied(approval)
    }

    fn execute_approved(
        &mut self,
        approval: &Approval<'_>,
    ) -> std::result::Result<serde_json::Value, String> {
        let store = self.juno.store();
        let a = approval.action;
        store
            .write(|tx| {
                sql::record_intent(
                    tx,
                    approval.request_id,
                    approval.digest,
                    &a.kind,
                    a.target.as_deref(),
                    &self.name,
                    to_ms(self.juno.now()),
                )
            })
            .map_err(|e| format!("the outbox could not record the intent: {e}"))?;
        let result = self.inner.execute_approved(approval);
        // An executor that does not say what it changed (a host callback returning only
        // success) made exactly the approved writes: those are the changes to revert.
        let changes = result.as_ref().ok().and_then(|v| {
            v.get("changes")
                .cloned()
                .or_else(|| a.parameters.get("writes").cloned())
        });
        let done = store.write(|tx| {
            sql::record_done(
                tx,
                approval.request_id,
                result.is_ok(),
                changes.as_ref(),
                to_ms(self.juno.now()),
            )?;
            if result.is_ok() && a.kind == REVERT_KIND {
                if let Some(orig) = a.parameters.get("reverts").and_then(|v| v.as_i64()) {
                    sql::mark_reverted(tx, orig, approval.request_id)?;
                }
            }
            Ok(())
        });
        // The writes were made: losing their record must not turn a success into a
        // failure the caller would retry; the intent row shows the gap instead.
        if let Err(e) = done {
            if let Ok(v) = &result {
                return Ok(json!({ "result": v, "outbox_error": e.to_string() }));
            }
        }
        // A revert with malformed writes is a failure, reported like any other.
        if result.is_ok() && writes_of(a).is_err() && a.kind == REVERT_KIND {
            return Err("revert action without writes".into());
        }
        result
    }
}
