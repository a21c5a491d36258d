//! The triage handle, `juno.triage()`: the engine with the deployment's weights, the
//! engine's clock and memory's track records, and the hand-over of proposals to governance.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{ALL_ACTIONS, Ticket, TrackRecords, TriageProposal, TriageSettings, triage};
use crate::error::Result;
use crate::governance::{Action, ApprovalRequest, Proposal};
use crate::juno::Juno;
use crate::model::ExplanationLevel;
use crate::reasoning::WeightedScorer;

impl TriageProposal {
    /// This triage proposal as the cycle's one [`Proposal`] noun, ready for governance:
    /// action kind `triage.<action>` on the ticket for its team, with the staleness and
    /// idle days as parameters. Its confidence is the calibrated one, with the raw score
    /// beside it (`raw_confidence`).
    pub fn to_proposal(&self, requester: &str) -> Proposal {
        Proposal {
            action: Action {
                kind: format!("triage.{}", self.action.as_str()),
                team: self.team.clone(),
                target: Some(self.key.clone()),
                parameters: serde_json::json!({
                    "staleness": self.staleness,
                    "idle_days": self.idle_days,
                    "urgency": self.urgency,
                }),
            },
            impact: self.impact,
            confidence: self.confidence.calibrated,
            explanation: self.explain(ExplanationLevel::Detailed),
            requester: requester.into(),
            raw_confidence: Some(self.confidence.raw),
            // Which stored map (if any) calibrated it is the caller's to say.
            calibration: None,
        }
    }

    /// The old name of [`TriageProposal::to_proposal`], kept for one release.
    #[deprecated(note = "use `to_proposal`")]
    pub fn to_request(&self, requester: &str) -> Proposal {
        self.to_proposal(requester)
    }
}

/// The triage component of one [`Juno`]: `juno.triage()`.
///
/// Runs [`triage`] with the configured confidence weights, `now` from the engine's clock
/// (or given), and each proposal's track record from memory: for team `t` and action `a`,
/// the outcomes recorded for `t` under the action's name (`escalate`, `reassign`, …), approved
/// ones counting as right.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use juno_core::{Juno, ManualClock};
/// use juno_core::triage::{Priority, Ticket, TriageAction, TriageSettings};
/// let juno = Juno::open_in_memory()?.with_clock(Arc::new(ManualClock::at_millis(1_767_225_600_000)));
/// let ticket: Ticket = serde_json::from_str(r#"{"key": "ALPHA-1", "team": "team_alpha",
///     "priority": "Low", "assignee": null, "updated": "2025-12-12T00:00:00Z",
///     "blocked": true, "has_description": true, "estimated": true}"#).unwrap();
/// let proposals = juno.triage().scan(&[ticket], &TriageSettings::default())?;
/// assert_eq!(proposals[0].action, TriageAction::Escalate); // critical, unassigned, blocked
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Triage<'a> {
    juno: &'a Juno,
}

impl<'a> Triage<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Triage { juno }
    }

    /// Triage `tickets` as of the engine's clock: the most urgent proposals first.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for bad settings or a ticket without a key or team
    /// (`tickets[3].key`); storage errors reading track records.
    pub fn scan(
        &self,
        tickets: &[Ticket],
        settings: &TriageSettings,
    ) -> Result<Vec<TriageProposal>> {
        self.scan_at(tickets, settings, self.juno.now())
    }

    /// As [`Triage::scan`], as of `now`.
    ///
    /// # Errors
    /// As [`Triage::scan`].
    pub fn scan_at(
        &self,
        tickets: &[Ticket],
        settings: &TriageSettings,
        now: DateTime<Utc>,
    ) -> Result<Vec<TriageProposal>> {
        settings.validate().map_err(|e| e.within("settings."))?;
        for (i, t) in tickets.iter().enumerate() {
            t.validate()
                .map_err(|e| e.within(&format!("tickets[{i}].")))?;
        }
        let track = self.track_records(tickets)?;
        Ok(triage(
            tickets,
            settings,
            now,
            &WeightedScorer::new(&self.juno.config().confidence_weights),
            &track,
        ))
    }

    /// Hands `proposals` to governance: one approval request each (in one transaction), bound
    /// to the action's digest, routed by the proposal's impact level, carrying its
    /// confidence (calibrated when a calibration map was applied) and its detailed
    /// explanation. Triage itself never acts: a proposal is carried out only through
    /// [`crate::governance::Governance::execute`] after its request is approved — by a
    /// person, or by the auto-approval policy when the confidence clears its threshold.
    ///
    /// # Errors
    /// As [`crate::governance::Governance::submit_many`].
    pub fn propose(
        &self,
        proposals: &[TriageProposal],
        requester: &str,
    ) -> Result<Vec<ApprovalRequest>> {
        let governance = self.juno.governance();
        let ids =
            governance.submit_many(proposals.iter().map(|p| p.to_proposal(requester)).collect())?;
        ids.into_iter().map(|id| governance.get(id)).collect()
    }

    /// The track record from memory of every action for every team among `tickets`
    /// (teams and actions with no recorded outcome are left out).
    ///
    /// # Errors
    /// Storage errors.
    pub fn track_records(&self, tickets: &[Ticket]) -> Result<TrackRecords> {
        let teams: BTreeSet<&str> = tickets.iter().map(|t| t.team.as_str()).collect();
        let memory = self.juno.memory();
        let mut track = TrackRecords::new();
        for team in teams {
            for action in ALL_ACTIONS {
                if let Some(p) = memory.preference(team, action.as_str())? {
                    track.insert((team.to_owned(), action), (p.approved, p.total));
                }
            }
        }
        Ok(track)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{now, run, ticket};
    use super::super::{Staleness, TriageAction};
    use super::*;
    use crate::config::ConfidenceWeights;
    use crate::error::Error;
    use crate::model::Evidence;

    #[test]
    fn the_component_takes_track_records_from_memory_and_the_clock() -> Result<()> {
        use crate::memory::{Outcome, OutcomeRecord};
        let clock = std::sync::Arc::new(crate::ManualClock::new(now()));
        let juno = Juno::open_in_memory()?.with_clock(clock.clone());
        for outcome in [Outcome::Approved, Outcome::Approved, Outcome::Approved] {
            juno.memory().record_outcome(&OutcomeRecord {
                team: "alpha".into(),
                action: "defer".into(),
                outcome,
                subject: None,
                note: None,
                context: Vec::new(),
            })?;
        }
        let mut t = ticket("D", 8);
        t.in_active_sprint = false;
        let settings = TriageSettings::default();
        let with_memory = juno.triage().scan(std::slice::from_ref(&t), &settings)?;
        let without = run(std::slice::from_ref(&t));
        assert_eq!(with_memory[0].action, TriageAction::Defer);
        let ha = |p: &TriageProposal| p.confidence.factors[1].value;
        assert!(
            (ha(&with_memory[0])
                - crate::reasoning::score(
                    &Evidence {
                        track_record_right: 3,
                        track_record_total: 3,
                        ..Evidence::default()
                    },
                    &ConfidenceWeights::default(),
                    None
                )
                .factors[1]
                    .value)
                .abs()
                < 1e-12
        );
        assert_eq!(ha(&without[0]), 0.0);
        // A week later the same ticket is critical; `scan_at` overrides the clock.
        clock.advance(chrono::Duration::days(7));
        assert_eq!(
            juno.triage().scan(std::slice::from_ref(&t), &settings)?[0].staleness,
            Staleness::Critical
        );
        assert_eq!(
            juno.triage()
                .scan_at(std::slice::from_ref(&t), &settings, now())?[0]
                .staleness,
            Staleness::Stale
        );
        t.key = String::new();
        match juno.triage().scan(&[t], &settings) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "tickets[0].key"),
            other => panic!("{other:?}"),
        }
        Ok(())
    }
}
