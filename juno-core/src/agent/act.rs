//! The act stage of a cycle: approved actions run once through the outbox, within the
//! guard rails and the write budget, after what a crash interrupted is resolved.

use std::collections::BTreeMap;

use serde_json::json;

use super::api::Agent;
use super::{ActReport, CycleOptions, ProposalReport};
use crate::error::Result;
use crate::executor::api::REVERT_KIND;
use crate::executor::writes_of;
use crate::governance::{Action, Applied, Executor, RequestStatus};
use crate::model::Ticket;
use crate::store::agent as sql;
use crate::store::governance::requests_where;
use crate::store::to_ms;

impl Agent<'_> {
    /// Executes every approved action that carries writes (this cycle's and those approved
    /// since the last), oldest first, within the guard rails and the budget. A dry run
    /// lists what would execute: the approved ones and this cycle's would-be
    /// auto-approvals.
    pub(super) fn act(
        &self,
        tickets: &BTreeMap<&str, &Ticket>,
        made: &[ProposalReport],
        executor: &mut dyn Executor,
        options: &CycleOptions,
    ) -> Result<(Vec<ActReport>, Vec<ActReport>, Vec<ActReport>)> {
        let rails = &options.guard_rails;
        let (mut executed, mut held, mut failed) = (Vec::new(), Vec::new(), Vec::new());
        let mut outbox = self.juno.executor().outbox(executor, "cycle");
        // First what a crash interrupted: released actions then run with the rest.
        if !options.dry_run {
            self.recover(&mut outbox, &mut executed, &mut held)?;
            // Approvals past their execution window expire (audited) and never run.
            self.juno.governance().lapse_approvals()?;
        }
        let approved = self.juno.store().read(|c| {
            requests_where(
                c,
                &[RequestStatus::Approved, RequestStatus::AutoApproved],
                None,
            )
        })?;
        // A dry run writes nothing, so it leaves lapsed approvals in place: it only skips
        // them, as the real run would have expired them.
        let (now, window) = (self.juno.now(), self.juno.governance().window());
        let approved: Vec<_> = approved
            .into_iter()
            .filter(|r| r.decided_at.is_none_or(|d| now - d < window))
            .collect();
        // Each entry: the stored action to execute (none in a dry run) and its report.
        let mut queue: Vec<(Option<Action>, ActReport)> = Vec::new();
        for r in &approved {
            if let Ok(writes) = writes_of(&r.action) {
                let report = ActReport {
                    request_id: r.id,
                    kind: r.action.kind.clone(),
                    target: r.action.target.clone(),
                    approved_by: r.decided_by.clone(),
                    writes,
                    detail: json!(null),
                };
                queue.push((Some(r.action.clone()), report));
            }
        }
        // Undoing comes before doing more: reverts first, then oldest approval first.
        queue.sort_by_key(|(_, r)| (r.kind != REVERT_KIND, r.request_id));
        if options.dry_run {
            for p in made.iter().filter(|p| p.status == "auto_approved") {
                let report = ActReport {
                    request_id: 0,
                    kind: p.kind.clone(),
                    target: Some(p.target.clone()),
                    approved_by: Some("juno".into()),
                    writes: p.writes.clone(),
                    detail: json!(null),
                };
                queue.push((None, report));
            }
        }
        let mut budget = rails.write_budget;

        for (action, mut report) in queue {
            // The ticket as this cycle read it from the store (the guard rails judge the
            // state the proposal was made on).
            let ticket = report
                .target
                .as_deref()
                .and_then(|k| tickets.get(k).copied());
            if let Some(why) = rails.refusal(&report.writes, ticket) {
                report.detail = json!({ "held": why });
                held.push(report);
                continue;
            }
            if budget == 0 {
                report.detail = json!({ "held": format!("the write budget of {} actions per cycle is used", rails.write_budget) });
                held.push(report);
                continue;
            }
            budget -= 1;
            let Some(action) = action.filter(|_| !options.dry_run) else {
                report.detail = json!({ "dry_run": true });
                executed.push(report);
                continue;
            };
            let id = report.request_id;
            match self.juno.governance().execute(id, &action, &mut outbox) {
                Ok(r) if r.status == RequestStatus::Executed => {
                    report.detail = r.result.unwrap_or(json!(null));
                    executed.push(report);
                }
                Ok(r) => {
                    report.detail = r.result.unwrap_or(json!(null));
                    failed.push(report);
                }
                // Another process executed it first: not ours to report.
                Err(e) if e.kind() == crate::ErrorKind::InvalidState => {}
                Err(e) => return Err(e),
            }
        }
        Ok((executed, held, failed))
    }

    /// Resolves actions a crash left `executing` (claimed, intent recorded, outcome not):
    /// the executor's marker says whether their writes were made. Made: recorded as
    /// executed, nothing written again. Not made: released to run in this cycle. Partly
    /// made, or unknown: held for a person (never retried automatically).
    fn recover(
        &self,
        outbox: &mut dyn Executor,
        executed: &mut Vec<ActReport>,
        held: &mut Vec<ActReport>,
    ) -> Result<()> {
        let stuck = self
            .juno
            .store()
            .read(|c| requests_where(c, &[RequestStatus::Executing], None))?;
        for r in stuck {
            let Some(record) = self.juno.executor().record(r.id)? else {
                continue;
            };
            if record.done_at.is_some() {
                continue;
            }
            let approved_by = r.decided_by.clone().unwrap_or_else(|| "juno".into());
            let approval = crate::governance::Approval {
                request_id: r.id,
                action: &r.action,
                digest: &r.digest,
                approved_by: &approved_by,
            };
            let mut report = ActReport {
                request_id: r.id,
                kind: r.action.kind.clone(),
                target: r.action.target.clone(),
                approved_by: r.decided_by.clone(),
                writes: writes_of(&r.action).unwrap_or_default(),
                detail: json!(null),
            };
            match outbox.applied(&approval) {
                Ok(Applied::Yes) => {
                    let result = json!({ "recovered": true, "changes": report.writes });
                    self.juno
                        .governance()
                        .recover_execution(r.id, true, &result)?;
                    self.juno.store().write(|tx| {
                        sql::record_done(
                            tx,
                            r.id,
                            true,
                            result.get("changes"),
                            to_ms(self.juno.now()),
                        )
                    })?;
                    report.detail = result;
                    executed.push(report);
                }
                Ok(Applied::No) => {
                    self.juno.governance().recover_execution(
                        r.id,
                        false,
                        &json!({ "recovered": true }),
                    )?;
                }
                Ok(other) => {
                    report.detail = json!({ "held": format!(
                        "interrupted while executing and the executor's marker says {}: a person must check the ticket",
                        serde_json::to_value(other).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
                    ) });
                    held.push(report);
                }
                Err(e) => {
                    report.detail = json!({ "held": format!("interrupted while executing; the marker could not be read: {e}") });
                    held.push(report);
                }
            }
        }
        Ok(())
    }
}
