//! Many approvals in one transaction: [`Governance::approve_many`].

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Governance, subject};
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::governance::{ApprovalRequest, RequestId};
use crate::store::audit::Appender;
use crate::store::to_ms as ms;

/// One approval of a batch: which request, by whom, for which action digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalItem {
    /// The request.
    pub id: RequestId,
    /// Who approves.
    pub approver: String,
    /// The digest of the action approved (the request's `digest`).
    pub digest: String,
}

impl Governance<'_> {
    /// Approves many requests in **one transaction and one sync to disk**, each checked
    /// and audited exactly as [`Governance::approve`] checks and audits one: the result
    /// for each item, in input order, is its approved request or its refusal.
    ///
    /// A refusal (wrong digest, no role, not pending, own request, unknown id) refuses
    /// that item only; like every refusal it is audited (as `refused`, except an unknown
    /// id). An item that repeats an id earlier in the batch is refused as not pending.
    ///
    /// # Errors
    /// The whole batch fails, and nothing of it is stored, only on a storage error.
    pub fn approve_many(&self, items: &[ApprovalItem]) -> Result<Vec<Result<ApprovalRequest>>> {
        let now = self.now();
        let now_ms = ms(now);
        self.juno.store().write(|tx| {
            let mut audit = Appender::new(tx)?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match self.decide_in(
                    tx,
                    &mut audit,
                    item.id,
                    &item.approver,
                    true,
                    Some(&item.digest),
                    None,
                    now,
                ) {
                    Ok(req) => out.push(Ok(req)),
                    Err(e)
                        if matches!(
                            e.kind(),
                            crate::ErrorKind::PermissionDenied | crate::ErrorKind::InvalidState
                        ) =>
                    {
                        // Nothing of this item was written (every check comes before the
                        // transition), so the refusal is recorded in the same transaction.
                        let payload = json!({
                            "operation": "approve", "error": e.kind().as_str(),
                            "message": e.to_string(),
                        });
                        audit.append(
                            tx,
                            now_ms,
                            &item.approver,
                            AuditEvent::Refused,
                            &subject(item.id),
                            &payload,
                        )?;
                        out.push(Err(e));
                    }
                    Err(e) if e.kind() == crate::ErrorKind::NotFound => out.push(Err(e)),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
    }
}
