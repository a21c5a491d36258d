//! The learn stage of a cycle: people's decisions into memory and into each action kind's
//! confidence calibration, finished sprints into the forecaster (retraining when enough are
//! new), active sprints' checkpoints kept.

use std::collections::{BTreeMap, BTreeSet};

use super::api::Agent;
use super::{CycleOptions, Learned};
use crate::error::Result;
use crate::executor::api::REVERT_KIND;
use crate::forecast::{SprintObservation, TeamHistory};
use crate::governance::RequestStatus;
use crate::memory::{MAX_CONTEXT_FACETS, Outcome, OutcomeRecord};
use crate::model::{CalibrationRef, Sprint};
use crate::reasoning::MIN_CALIBRATION_OUTCOMES;
use crate::source::Snapshot;
use crate::store::agent as sql;
use crate::store::calibrations;
use crate::store::governance::{person_verdicts, requests_where};
use crate::store::to_ms;

/// How far through an active sprint (share of its planned days) the cycle remembers its
/// state as the sprint's checkpoint: the forecast's prediction time (the evaluation's 30%).
const CHECKPOINT_SHARE: f64 = 0.3;

/// The memory action name of an action kind: `triage.reassign` → `reassign` (the name
/// triage reads its track record under).
pub(super) fn memory_action(kind: &str) -> &str {
    kind.strip_prefix("triage.").unwrap_or(kind)
}

/// The context facets the decide stage put in an action's parameters (none for an action
/// from elsewhere). Anyone can submit an action with any parameters, so only facets an
/// outcome record accepts are kept (tag characters, 1–60 of them, at most
/// [`MAX_CONTEXT_FACETS`]): a malformed one must not stop the cycle from learning.
pub(super) fn context_param(action: &crate::governance::Action) -> Vec<String> {
    let ok = |f: &str| {
        (1..=60).contains(&f.chars().count())
            && f.chars()
                .all(|c| c.is_alphanumeric() || "_-.:/@+#".contains(c))
    };
    action
        .parameters
        .get("context")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .filter(|f| ok(f))
                .take(MAX_CONTEXT_FACETS)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl Agent<'_> {
    /// Takes people's decisions into memory (approvals and rejections by a person, reverts)
    /// and finished sprints into the forecaster; retrains when enough new sprints arrived.
    pub(super) fn learn(
        &self,
        snap: &Snapshot,
        options: &CycleOptions,
        mut learned: Learned,
    ) -> Result<Learned> {
        if options.learning {
            self.learn_decisions(&mut learned)?;
        }
        self.learn_sprints(snap, options, &mut learned)?;
        Ok(learned)
    }

    /// People's decisions (not yet learned) into memory, and each kind's calibration
    /// refitted. The cycle calls it before deciding, so that what people said since the
    /// last cycle already shapes this one's proposals, and again in the learn stage.
    pub(super) fn learn_decisions(&self, learned: &mut Learned) -> Result<()> {
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
            let (outcome, team, action, subject, context) = if r.action.kind == REVERT_KIND {
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
                    context_param(&orig.action),
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
                    context_param(&r.action),
                )
            };
            if let Some(outcome) = outcome {
                self.juno.memory().record_outcome(&OutcomeRecord {
                    team: team.as_str().to_owned(),
                    action: memory_action(&action).to_owned(),
                    outcome,
                    subject,
                    note: r.reason.clone(),
                    context,
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

        learned.calibrations.extend(self.recalibrate()?);
        Ok(())
    }

    /// Active sprints' checkpoints kept; finished sprints recorded for the forecaster,
    /// which is retrained when enough are new.
    fn learn_sprints(
        &self,
        snap: &Snapshot,
        options: &CycleOptions,
        learned: &mut Learned,
    ) -> Result<()> {
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
        Ok(())
    }

    /// Fits and stores a new confidence calibration map for every action kind with at
    /// least [`MIN_CALIBRATION_OUTCOMES`] person decisions and more of them than its newest
    /// map was fitted on. The pairs are (the raw score each request was submitted with,
    /// whether the person approved it); see
    /// [`person_verdicts`] for what counts as a person's verdict — auto-approved and
    /// expired requests never do. Returns the maps stored.
    pub(super) fn recalibrate(&self) -> Result<Vec<CalibrationRef>> {
        let now_ms = to_ms(self.juno.now());
        let verdicts = self.juno.store().read(person_verdicts)?;
        let fitted = self
            .juno
            .store()
            .read(|c| calibrations::newest(c, i64::MAX))?;
        // Per kind: the pairs and the newest decision. Only decisions made by now, so a map
        // never rests on anything later than the moment it is stored.
        let mut pairs_of: BTreeMap<&str, Vec<(f64, bool)>> = BTreeMap::new();
        let mut through_of: BTreeMap<&str, i64> = BTreeMap::new();
        for v in verdicts.iter().filter(|v| v.decided_at_ms <= now_ms) {
            let kind = v.kind.as_str();
            pairs_of
                .entry(kind)
                .or_default()
                .push((v.raw_confidence, v.approved));
            let through = through_of.entry(kind).or_default();
            *through = (*through).max(v.decided_at_ms);
        }
        let mut stored = Vec::new();
        for (kind, pairs) in pairs_of {
            let through = through_of.get(kind).copied().unwrap_or_default();
            let known = fitted.get(kind).map_or(0, |c| c.map.outcomes);
            if pairs.len() < MIN_CALIBRATION_OUTCOMES || pairs.len() <= known {
                continue;
            }
            let map = self.juno.reasoning().calibrate(&pairs)?;
            let version = self
                .juno
                .store()
                .write(|tx| calibrations::insert(tx, kind, &map, through, now_ms))?;
            stored.push(CalibrationRef {
                kind: kind.to_owned(),
                version,
                outcomes: map.outcomes,
            });
        }
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Duration;

    use crate::executor::RecordingExecutor;
    use crate::governance::{Action, Proposal, RequestStatus};
    use crate::model::{ImpactLevel, Role};
    use crate::reasoning::MIN_CALIBRATION_OUTCOMES;
    use crate::{Config, Juno, ManualClock, Result};

    const KIND: &str = "triage.reassign";

    fn proposal(i: usize, impact: ImpactLevel) -> Proposal {
        Proposal {
            action: Action {
                kind: KIND.into(),
                team: "alpha".into(),
                target: Some(format!("A-{i}")),
                parameters: serde_json::json!({}),
            },
            impact,
            confidence: 0.95,
            explanation: String::new(),
            requester: "juno".into(),
            raw_confidence: None,
            calibration: None,
        }
    }

    /// Auto-approved requests (executed or not), expired ones (even when a person's name
    /// processed the deadline) and cancelled ones are no one's verdict: with 40 of each and
    /// no person decision nothing is fitted, and with 30 person decisions added the map is
    /// fitted on those 30 alone.
    #[test]
    fn maps_are_fitted_on_person_decisions_only() -> Result<()> {
        let mut config = Config::default();
        config.database_url = crate::config::DatabaseUrl::Memory;
        config.autonomous_actions = true;
        // A missed deadline expires the request instead of escalating it.
        config.auto_escalation = false;
        let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000));
        let juno = Juno::open(config)?.with_clock(clock.clone());
        let g = juno.governance();
        g.assign_role("pat", Role::ProjectManager, &["alpha"], "admin")?;
        let n = 40;
        let mut exec = RecordingExecutor::new();
        for i in 0..n {
            let r = g.submit(proposal(i, ImpactLevel::Low))?;
            assert_eq!(r.status, RequestStatus::AutoApproved);
            if i % 2 == 0 {
                g.execute(r.id, &r.action, &mut exec)?;
            }
        }
        let mut expiring = Vec::new();
        for i in n..2 * n {
            expiring.push(g.submit(proposal(i, ImpactLevel::High))?.id);
        }
        for i in 2 * n..3 * n {
            let r = g.submit(proposal(i, ImpactLevel::High))?;
            g.cancel(r.id, "juno")?;
        }
        clock.advance(Duration::days(30));
        for (k, id) in expiring.iter().enumerate() {
            let by = if k % 2 == 0 { "ops" } else { "juno" };
            assert_eq!(g.process_deadline(*id, by)?.status, RequestStatus::Expired);
        }
        let agent = juno.agent();
        assert!(juno.store().read(super::person_verdicts)?.is_empty());
        assert!(agent.recalibrate()?.is_empty());
        assert!(agent.confidence_calibrations()?.is_empty());

        for i in 0..MIN_CALIBRATION_OUTCOMES {
            let r = g.submit(proposal(3 * n + i, ImpactLevel::High))?;
            if i % 3 == 0 {
                g.approve(r.id, "pat", &r.digest)?;
            } else {
                g.reject(r.id, "pat", "no")?;
            }
        }
        let fitted = agent.recalibrate()?;
        assert_eq!(fitted.len(), 1);
        assert_eq!(fitted[0].outcomes, MIN_CALIBRATION_OUTCOMES);
        let maps = agent.confidence_calibrations()?;
        // Every pair is at 0.95: the map is the people's approval rate, a third.
        assert!((maps[0].map.apply(0.95) - 1.0 / 3.0).abs() < 1e-12);
        Ok(())
    }
}
