//! The analyze stage of a cycle: velocity and flow per team, a forecast per active sprint,
//! triage proposals' confidence mapped through their kind's calibration, and the team
//! facts the decide stage needs (finished sprints, workloads).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::api::Agent;
use super::{SprintRisk, TeamReport};
use crate::error::Result;
use crate::flow::{self, FlowInput, FlowSettings};
use crate::forecast::TeamHistory;
use crate::model::{CalibrationRef, Sprint, Ticket, User};
use crate::source::Snapshot;
use crate::store::calibrations;
use crate::store::to_ms;
use crate::triage::TriageProposal;

/// The governance action kind of a triage proposal: what
/// [`TriageProposal::to_proposal`] names it, and what its calibration is kept under.
pub(super) fn action_kind(f: &TriageProposal) -> String {
    format!("triage.{}", f.action.as_str())
}

impl Agent<'_> {
    /// Velocity and flow per team.
    pub(super) fn analyze_teams(
        &self,
        snap: &Snapshot,
        by_team: &BTreeMap<String, Vec<Sprint>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<TeamReport>> {
        let velocity = self.juno.velocity().analyze_teams(by_team)?;
        let input = FlowInput {
            tickets: snap
                .tickets
                .iter()
                .filter(|t| t.created.is_some())
                .cloned()
                .collect(),
            sprints: by_team
                .values()
                .flatten()
                .filter(|s| s.check_span().is_ok())
                .cloned()
                .collect(),
            holidays: Vec::new(),
        };
        // Flow is advice: a ticket it cannot read costs the team its flow figures, not the
        // cycle.
        let flow = flow::analyze(&input, &FlowSettings::default(), now).ok();
        Ok(snap
            .teams
            .iter()
            .map(|team| {
                let v = velocity.get(team.as_str());
                let f = flow.as_ref().and_then(|f| f.teams.get(team.as_str()));
                TeamReport {
                    team: team.as_str().to_owned(),
                    sprints: v.map_or(0, |v| v.sprints),
                    mean_velocity: v.map_or(0.0, |v| v.mean),
                    trend: v
                        .and_then(|v| serde_json::to_value(v.classification).ok())
                        .and_then(|c| c.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    next_sprint_points: v.and_then(|v| v.forecast.as_ref()).map(|f| f.expected),
                    bottleneck: f
                        .and_then(|f| f.work_bottleneck.as_ref().or(f.bottleneck.as_ref()))
                        .map(|b| (b.status.clone(), b.share)),
                    cycle_time_days: f.and_then(|f| f.cycle_time.median_days),
                    ageing_wip: f.map_or(0, |f| f.ageing_wip.len()),
                }
            })
            .collect())
    }

    /// Maps each triage proposal's raw confidence through the newest calibration map of
    /// its action kind created by `now` (so never one fitted on decisions after the
    /// proposal), and returns, per proposal, the map applied (`None`: the kind has no
    /// fitted map, and the confidence stays the raw score).
    pub(super) fn calibrate_findings(
        &self,
        findings: &mut [TriageProposal],
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<CalibrationRef>>> {
        let maps = self
            .juno
            .store()
            .read(|c| calibrations::newest(c, to_ms(now)))?;
        Ok(findings
            .iter_mut()
            .map(|f| {
                let m = maps.get(&action_kind(f)).filter(|m| m.map.is_fitted())?;
                f.confidence = f.confidence.clone().with_calibration(&m.map);
                Some(m.reference())
            })
            .collect())
    }

    /// A forecast per active sprint, riskiest first.
    pub(super) fn forecast_active(
        &self,
        snap: &Snapshot,
        by_team: &BTreeMap<String, Vec<Sprint>>,
    ) -> Result<Vec<SprintRisk>> {
        let pairs: Vec<_> = snap
            .active
            .iter()
            .map(|a| {
                let sprints = by_team.get(a.team.as_str()).cloned().unwrap_or_default();
                (
                    a.clone(),
                    TeamHistory {
                        sprints,
                        ..TeamHistory::default()
                    },
                )
            })
            .collect();
        let forecasts = self.juno.forecast().sprints(&pairs)?;
        let mut risks: Vec<SprintRisk> = forecasts
            .into_iter()
            .map(|f| {
                let mut flagged: Vec<_> = f.categories.iter().filter(|c| c.flagged).collect();
                flagged.sort_by(|a, b| b.factor.value.total_cmp(&a.factor.value));
                SprintRisk {
                    team: f.team.as_str().to_owned(),
                    sprint: f.sprint.clone(),
                    p_deliver_80: f.p_deliver_80,
                    basis: f.probability_basis.clone(),
                    level: f.level,
                    drivers: flagged
                        .iter()
                        .map(|c| format!("{}: {:.2}", c.factor.name, c.factor.value))
                        .collect(),
                    recommendations: f.recommendations.iter().map(|r| r.text.clone()).collect(),
                }
            })
            .collect();
        risks.sort_by(|a, b| {
            a.p_deliver_80
                .total_cmp(&b.p_deliver_80)
                .then_with(|| a.team.cmp(&b.team))
        });
        Ok(risks)
    }
}

/// Each team's finished sprints, oldest first, the newest `keep`.
pub(super) fn sprints_by_team(snap: &Snapshot, keep: usize) -> BTreeMap<String, Vec<Sprint>> {
    let mut by: BTreeMap<String, Vec<Sprint>> = BTreeMap::new();
    // A sprint without points (a board with no story points) cannot be counted; `juno
    // data validate` reports it.
    for s in snap.sprints.iter().filter(|s| s.check_history().is_ok()) {
        by.entry(s.team.as_str().to_owned())
            .or_default()
            .push(s.clone());
    }
    for v in by.values_mut() {
        v.sort_by(|a, b| a.end.cmp(&b.end).then_with(|| a.id.cmp(&b.id)));
        let drop = v.len().saturating_sub(keep);
        v.drain(..drop);
    }
    by
}

/// Each team's people with their open assigned tickets.
pub(super) fn workload(snap: &Snapshot, open: &[&Ticket]) -> BTreeMap<String, Vec<(User, usize)>> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for t in open {
        if let Some(a) = &t.assignee {
            *count.entry(a.as_str()).or_insert(0) += 1;
        }
    }
    let mut by: BTreeMap<String, Vec<(User, usize)>> = BTreeMap::new();
    for m in &snap.people {
        if let Some(team) = &m.team {
            let n = count.get(m.user.as_str()).copied().unwrap_or(0);
            by.entry(team.as_str().to_owned())
                .or_default()
                .push((m.user.clone(), n));
        }
    }
    by
}
