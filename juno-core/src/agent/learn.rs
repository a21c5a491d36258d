//! The learn stage of a cycle: people's decisions into memory, finished sprints into the
//! forecaster (retraining when enough are new), active sprints' checkpoints kept.

use std::collections::BTreeSet;

use super::api::Agent;
use super::{CycleOptions, Learned};
use crate::error::Result;
use crate::executor::api::REVERT_KIND;
use crate::forecast::{SprintObservation, TeamHistory};
use crate::governance::RequestStatus;
use crate::memory::{Outcome, OutcomeRecord};
use crate::model::Sprint;
use crate::source::Snapshot;
use crate::store::agent as sql;
use crate::store::governance::requests_where;
use crate::store::to_ms;

/// How far through an active sprint (share of its planned days) the cycle remembers its
/// state as the sprint's checkpoint: the forecast's prediction time (the evaluation's 30%).
const CHECKPOINT_SHARE: f64 = 0.3;

/// The memory action name of an action kind: `triage.reassign` → `reassign` (the name
/// triage reads its track record under).
fn memory_action(kind: &str) -> &str {
    kind.strip_prefix("triage.").unwrap_or(kind)
}

impl Agent<'_> {
    /// Takes people's decisions into memory (approvals and rejections by a person, reverts)
    /// and finished sprints into the forecaster; retrains when enough new sprints arrived.
    pub(super) fn learn(&self, snap: &Snapshot, options: &CycleOptions) -> Result<Learned> {
        let mut learned = Learned::default();
        let decided = self.juno.store().read(|c| {
            requests_where(
                c,
                &[
                    RequestStatus::Approved,
                    RequestStatus::Rejected,
                    RequestStatus::Executing,
                    RequestStatus::Executed,
                    RequestStatus::ExecutionFailed,
                    RequestStatus::Expired,
                ],
                None,
            )
        })?;
        let done: BTreeSet<i64> = self.juno.store().read(sql::learned_ids)?;
        let now_ms = to_ms(self.juno.now());
        for r in decided.iter().filter(|r| !done.contains(&r.id)) {
            let by_person = r.decided_by.as_deref().is_some_and(|d| d != "juno");
            let (outcome, team, action, subject) = if r.action.kind == REVERT_KIND {
                if r.status != RequestStatus::Executed {
                    continue;
                }
                let orig = r
                    .action
                    .parameters
                    .get("reverts")
                    .and_then(serde_json::Value::as_i64);
                let Some(orig) = orig.and_then(|o| decided.iter().find(|x| x.id == o)) else {
                    continue;
                };
                (
                    Some(Outcome::Reverted),
                    orig.action.team.clone(),
                    orig.action.kind.clone(),
                    orig.action.target.clone(),
                )
            } else {
                let o = match r.status {
                    RequestStatus::Rejected if by_person => Some(Outcome::Rejected),
                    RequestStatus::Expired | RequestStatus::Rejected => None,
                    _ if by_person => Some(Outcome::Approved),
                    _ => None,
                };
                (
                    o,
                    r.action.team.clone(),
                    r.action.kind.clone(),
                    r.action.target.clone(),
                )
            };
            if let Some(outcome) = outcome {
                self.juno.memory().record_outcome(&OutcomeRecord {
                    team: team.as_str().to_owned(),
                    action: memory_action(&action).to_owned(),
                    outcome,
                    subject,
                    note: r.reason.clone(),
                })?;
                learned.outcomes.push((
                    team.as_str().to_owned(),
                    memory_action(&action).to_owned(),
                    outcome.as_str().to_owned(),
                ));
            }
            let label = outcome.map_or("none", Outcome::as_str);
            self.juno
                .store()
                .write(|tx| sql::mark_learned(tx, r.id, label, now_ms))?;
        }

        // An active sprint about 30% through is remembered as it stands: once it finishes,
        // that is its training row (a source like Jira cannot rebuild the past state).
        let at = to_ms(self.juno.now());
        for a in snap
            .active
            .iter()
            .filter(|a| a.days_planned > 0.0 && a.days_elapsed >= CHECKPOINT_SHARE * a.days_planned)
        {
            if self
                .juno
                .store()
                .write(|tx| crate::store::sync::take_checkpoint(tx, a, at))?
            {
                learned.checkpoints_taken += 1;
            }
        }
        // Finished sprints become training rows: the state at the checkpoint, with the
        // history before it.
        let unobserved = self
            .juno
            .store()
            .read(crate::store::sync::unobserved_sprints)?;
        let mut observations = Vec::new();
        for (sprint, checkpoint) in unobserved {
            let (Some(ended_at), Some(delivered)) = (sprint.end, sprint.delivered_points) else {
                continue;
            };
            let history: Vec<Sprint> = snap
                .sprints
                .iter()
                .filter(|s| s.team == sprint.team && s.end.is_some_and(|e| e < ended_at))
                .filter(|s| s.check_history().is_ok())
                .cloned()
                .collect();
            let keep = history.len().saturating_sub(options.history_sprints);
            let observation = SprintObservation {
                state: checkpoint,
                history: TeamHistory {
                    sprints: history[keep..].to_vec(),
                    ..TeamHistory::default()
                },
                delivered_points: delivered,
                ended_at,
            };
            // A sprint the forecaster cannot read (a checkpoint with odd numbers) is left
            // out rather than costing the others.
            if crate::forecast::Forecaster::check_observation(&observation).is_ok() {
                observations.push(observation);
            }
        }
        // One transaction for them all: a first sync brings a year of sprints.
        self.juno.forecast().record_many(&observations)?;
        learned.sprints_recorded = observations.len();
        let has_model = self.juno.forecast().model()?.is_some();
        if learned.sprints_recorded >= options.retrain_every as usize
            || (!has_model && learned.sprints_recorded > 0)
        {
            let r = self.juno.forecast().retrain()?;
            learned.retrained_version = r.model.map(|m| m.version);
            learned.retrain_note = r.reason;
        }
        Ok(learned)
    }
}
