//! Stale-ticket triage: which open tickets need attention, and what to propose for each.
//!
//! Pure: the same tickets, settings and `now` give the same proposals, in the same order.
//!
//! # Staleness
//!
//! A ticket's last real activity is the latest of its update, comment and change-event
//! times. Days since then are compared with the thresholds for its priority (defaults:
//! aging ≥ 3, stale ≥ 7, critical ≥ 14 days). Tickets with an exempt label (`pinned`,
//! `security` by default) and fresh tickets get no proposal.
//!
//! # Actions, in precedence order (the first rule that applies wins)
//!
//! | action | when | impact |
//! |---|---|---|
//! | `escalate` | critical staleness and (priority High/Highest, or blocked) — an unassigned blocked critical ticket escalates rather than being reassigned | high |
//! | `reassign` | stale, not blocked, and either unassigned with priority Medium or higher, or assigned to someone who has not touched it in the stale window | medium |
//! | `request_info` | aging or worse and missing what work needs (no description or no estimate) | low |
//! | `update_priority` | aging or worse, priority Low/Lowest, and blocking other tickets | medium |
//! | `defer` | stale but idle less than twice the critical threshold, priority Medium or lower, not in an active sprint | low |
//! | `close` | idle at least twice the critical threshold, priority Low/Lowest, unassigned, not blocked, not blocking | medium |
//!
//! **Urgency** = min(1, 0.5 × min(idle days / (2 × critical days), 1) + 0.4 × priority
//! weight plus 0.1 when blocked), with priority weights Highest 1, High 0.75, Medium 0.5,
//! Low 0.25, Lowest 0. **Confidence** is the reasoning engine's, from the ticket's evidence (how
//! complete and how recent its data is, and the team's track record for that action when
//! given) — not the rule's own score. Proposals are ordered by urgency (then key) and capped.

mod api;

pub use api::Triage;

use std::collections::{BTreeMap, BinaryHeap};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Confidence, Evidence, ExplanationLevel, ImpactLevel, Scorer, check_name};
pub use crate::model::{Priority, Team, Ticket};

/// How much a priority weighs in triage's urgency.
impl Priority {
    fn weight(self) -> f64 {
        match self {
            Priority::Highest => 1.0,
            Priority::High => 0.75,
            Priority::Medium => 0.5,
            Priority::Low => 0.25,
            Priority::Lowest => 0.0,
        }
    }
}

/// Staleness thresholds in days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Aging from here.
    pub aging: f64,
    /// Stale from here.
    pub stale: f64,
    /// Critical from here.
    pub critical: f64,
}

/// Triage settings. In JSON every field is optional and defaults as below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageSettings {
    /// Default thresholds (aging 3, stale 7, critical 14 days).
    pub thresholds: Thresholds,
    /// Per-priority overrides.
    pub by_priority: BTreeMap<Priority, Thresholds>,
    /// Tickets with any of these labels (compared without regard to ASCII case) are never
    /// proposed (`pinned`, `security`).
    pub exempt_labels: Vec<String>,
    /// At most this many proposals per run (50).
    pub max_proposals: usize,
}

impl Default for TriageSettings {
    fn default() -> Self {
        TriageSettings {
            thresholds: Thresholds {
                aging: 3.0,
                stale: 7.0,
                critical: 14.0,
            },
            by_priority: BTreeMap::new(),
            exempt_labels: vec!["pinned".into(), "security".into()],
            max_proposals: 50,
        }
    }
}

/// How idle a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Staleness {
    /// Below the aging threshold.
    Fresh,
    /// Aging.
    Aging,
    /// Stale.
    Stale,
    /// Critical.
    Critical,
}

/// The six triage actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageAction {
    /// Raise to the next level of management.
    Escalate,
    /// Give it to someone active.
    Reassign,
    /// Ask the reporter for what is missing.
    RequestInfo,
    /// Raise its priority.
    UpdatePriority,
    /// Move it out of the way.
    Defer,
    /// Close it.
    Close,
}

impl TriageAction {
    /// The snake_case name (also the governance action kind).
    pub fn as_str(self) -> &'static str {
        match self {
            TriageAction::Escalate => "escalate",
            TriageAction::Reassign => "reassign",
            TriageAction::RequestInfo => "request_info",
            TriageAction::UpdatePriority => "update_priority",
            TriageAction::Defer => "defer",
            TriageAction::Close => "close",
        }
    }

    fn impact(self) -> ImpactLevel {
        match self {
            TriageAction::Escalate => ImpactLevel::High,
            TriageAction::Reassign | TriageAction::UpdatePriority | TriageAction::Close => {
                ImpactLevel::Medium
            }
            TriageAction::RequestInfo | TriageAction::Defer => ImpactLevel::Low,
        }
    }
}

/// One proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageProposal {
    /// The ticket.
    pub key: String,
    /// Its team.
    pub team: Team,
    /// What to do.
    pub action: TriageAction,
    /// How idle it is.
    pub staleness: Staleness,
    /// Days since the last real activity.
    pub idle_days: f64,
    /// How soon, in [0, 1].
    pub urgency: f64,
    /// The reasoning engine's confidence in this proposal.
    pub confidence: Confidence,
    /// Why, in words.
    pub evidence: Vec<String>,
    /// What governance routes on.
    pub impact: ImpactLevel,
}

/// Per-team, per-action track record from memory (right, decided), for confidence.
pub type TrackRecords = BTreeMap<(String, TriageAction), (u64, u64)>;

/// The latest real activity: update, comment or change (`None` when the ticket carries
/// none of them, which [`Ticket::validate`] refuses).
fn last_activity(t: &Ticket) -> Option<DateTime<Utc>> {
    [t.updated, t.last_comment, t.last_change]
        .into_iter()
        .flatten()
        .max()
}

/// Decides the action for one ticket, if any (no confidence yet: that is computed only for
/// the proposals that survive the cap).
/// The thresholds that apply to `t`: its priority's, else the defaults.
fn thresholds_for(t: &Ticket, s: &TriageSettings) -> Thresholds {
    s.by_priority
        .get(&t.priority_or_default())
        .copied()
        .unwrap_or(s.thresholds)
}

/// The staleness rule: `t`'s band as of `now` and its idle days (since its latest real
/// activity: update, comment or change), against its priority's thresholds. The one copy
/// that triage and its evaluation both apply.
pub fn staleness(t: &Ticket, s: &TriageSettings, now: DateTime<Utc>) -> (Staleness, f64) {
    let th = thresholds_for(t, s);
    // No activity time at all (refused by `validate`): idle 0, so the pure function
    // proposes nothing for it rather than guessing.
    let idle = last_activity(t).map_or(0.0, |last| {
        ((now - last).num_seconds().max(0) as f64) / 86_400.0
    });
    let band = if idle >= th.critical {
        Staleness::Critical
    } else if idle >= th.stale {
        Staleness::Stale
    } else if idle >= th.aging {
        Staleness::Aging
    } else {
        Staleness::Fresh
    };
    (band, idle)
}

fn decide(
    t: &Ticket,
    s: &TriageSettings,
    now: DateTime<Utc>,
) -> Option<(TriageAction, Staleness, f64, f64)> {
    if t.labels
        .iter()
        .any(|l| s.exempt_labels.iter().any(|e| e.eq_ignore_ascii_case(l)))
    {
        return None;
    }
    let th = thresholds_for(t, s);
    let (staleness, idle) = staleness(t, s, now);
    if staleness == Staleness::Fresh {
        return None;
    }
    let priority = t.priority_or_default();
    let low = matches!(priority, Priority::Low | Priority::Lowest);
    let assignee_idle = t
        .assignee_last_activity
        .is_none_or(|a| ((now - a).num_seconds() as f64) / 86_400.0 >= th.stale);
    let stale = staleness >= Staleness::Stale;
    let ancient = idle >= 2.0 * th.critical;
    let unassigned_and_worth_it = t.assignee.is_none() && !low;
    let assignee_gone = t.assignee.is_some() && assignee_idle;
    // The precedence of issue #4: escalate, reassign, request_info, update_priority, defer, close.
    let action = if staleness == Staleness::Critical
        && (matches!(priority, Priority::High | Priority::Highest) || t.blocked)
    {
        TriageAction::Escalate
    } else if stale && !t.blocked && (unassigned_and_worth_it || assignee_gone) {
        TriageAction::Reassign
    } else if t.lacks_description_or_estimate() {
        TriageAction::RequestInfo
    } else if low && t.blocking > 0 {
        TriageAction::UpdatePriority
    } else if stale && !ancient && priority >= Priority::Medium && !t.in_active_sprint {
        TriageAction::Defer
    } else if ancient && low && t.assignee.is_none() && !t.blocked && t.blocking == 0 {
        TriageAction::Close
    } else {
        return None;
    };
    let s_part = (idle / (2.0 * th.critical)).min(1.0);
    let urgency =
        (0.5 * s_part + 0.4 * priority.weight() + 0.1 * f64::from(u8::from(t.blocked))).min(1.0);
    Some((action, staleness, idle, urgency))
}

#[derive(PartialEq)]
struct Candidate<'a> {
    urgency: f64,
    ticket: &'a Ticket,
    action: TriageAction,
    staleness: Staleness,
    idle: f64,
}

impl Eq for Candidate<'_> {}
impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate<'_> {
    /// "Greater" = worse (lower urgency, then later key), so the heap evicts the worst.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .urgency
            .total_cmp(&self.urgency)
            .then_with(|| self.ticket.key.cmp(&other.ticket.key))
    }
}

/// Triage `tickets` as of `now`: the `max_proposals` most urgent proposals, most urgent
/// first (ties by key).
pub fn triage(
    tickets: &[Ticket],
    settings: &TriageSettings,
    now: DateTime<Utc>,
    scorer: &dyn Scorer,
    track: &TrackRecords,
) -> Vec<TriageProposal> {
    let cap = settings.max_proposals;
    // Sized by what can arrive, not by the cap: a generous cap must not allocate up front.
    let mut heap: BinaryHeap<Candidate<'_>> =
        BinaryHeap::with_capacity(cap.min(tickets.len()).saturating_add(1));
    for t in tickets {
        if let Some((action, staleness, idle, urgency)) = decide(t, settings, now) {
            heap.push(Candidate {
                urgency,
                ticket: t,
                action,
                staleness,
                idle,
            });
            if heap.len() > cap {
                heap.pop();
            }
        }
    }
    let mut chosen = heap.into_vec();
    chosen.sort();
    chosen
        .into_iter()
        .map(|c| {
            let t = c.ticket;
            let known = [
                t.assignee.is_some(),
                t.last_comment.is_some(),
                t.last_change.is_some(),
                // Known to be present; unknown counts as not known, as before.
                t.has_description == Some(true),
                t.estimated == Some(true),
            ];
            let (right, total) = track
                .get(&(t.team.to_string(), c.action))
                .copied()
                .unwrap_or((0, 0));
            let mut evidence =
                vec![format!("idle {:.1} days ({:?})", c.idle, c.staleness).to_lowercase()];
            if t.blocked {
                evidence.push("blocked by another ticket".into());
            }
            if t.blocking > 0 {
                evidence.push(format!("blocks {} tickets", t.blocking));
            }
            if t.assignee.is_none() {
                evidence.push("unassigned".into());
            }
            if t.lacks_description_or_estimate() {
                evidence.push("missing description or estimate".into());
            }
            let ev = Evidence {
                completeness: known.iter().filter(|k| **k).count() as f64 / known.len() as f64,
                observations: 1
                    + u64::from(t.last_comment.is_some())
                    + u64::from(t.last_change.is_some()),
                newest_evidence_age_hours: Some(0.0),
                track_record_right: right,
                track_record_total: total,
                items: evidence.clone(),
                ..Evidence::default()
            };
            TriageProposal {
                key: t.key.clone(),
                team: t.team.clone(),
                action: c.action,
                staleness: c.staleness,
                idle_days: c.idle,
                urgency: c.urgency,
                confidence: scorer.score(&ev),
                evidence,
                impact: c.action.impact(),
            }
        })
        .collect()
}

impl Thresholds {
    fn validate(&self, field: &str) -> Result<()> {
        for (name, v) in [
            ("aging", self.aging),
            ("stale", self.stale),
            ("critical", self.critical),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::invalid(
                    format!("{field}.{name}"),
                    format!("must be a finite number of days ≥ 0, got {v}"),
                ));
            }
        }
        if self.critical <= 0.0 || !(self.aging <= self.stale && self.stale <= self.critical) {
            return Err(Error::invalid(
                field,
                format!(
                    "thresholds must satisfy aging ≤ stale ≤ critical with critical > 0, got {} / {} / {}",
                    self.aging, self.stale, self.critical
                ),
            ));
        }
        Ok(())
    }
}

impl TriageSettings {
    /// Checks the settings: every threshold finite, aging ≤ stale ≤ critical, critical
    /// above 0 (urgency divides by it), and a cap of at least one proposal.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the setting (`by_priority.High.stale`).
    pub fn validate(&self) -> Result<()> {
        self.thresholds.validate("thresholds")?;
        for (p, t) in &self.by_priority {
            t.validate(&format!("by_priority.{}", p.as_str()))?;
        }
        if self.max_proposals == 0 {
            return Err(Error::invalid(
                "max_proposals",
                "must be at least 1 (a run that may propose nothing is a misconfiguration)",
            ));
        }
        Ok(())
    }
}

impl Ticket {
    /// Known to lack a description or an estimate (unknown is not lacking).
    pub fn lacks_description_or_estimate(&self) -> bool {
        self.has_description == Some(false) || self.estimated == Some(false)
    }

    /// Checks the ticket for triage: a key and a team (not empty, no control characters),
    /// a priority and a last-update time.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_name("key", &self.key)?;
        check_name("team", &self.team)?;
        if self.priority.is_none() {
            return Err(Error::invalid(
                "priority",
                "triage needs the ticket's priority",
            ));
        }
        if self.updated.is_none() {
            return Err(Error::invalid(
                "updated",
                "triage needs the ticket's last update time",
            ));
        }
        Ok(())
    }

    /// The priority; the pure [`triage`] treats a ticket without one (which
    /// [`Ticket::validate`] refuses) as Medium, Jira's default.
    fn priority_or_default(&self) -> Priority {
        self.priority.unwrap_or(Priority::Medium)
    }
}

impl Staleness {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Staleness::Fresh => "fresh",
            Staleness::Aging => "aging",
            Staleness::Stale => "stale",
            Staleness::Critical => "critical",
        }
    }
}

impl TriageAction {
    /// The rule that chose this action, in words (the table in the module docs).
    fn rule(self) -> &'static str {
        match self {
            TriageAction::Escalate => {
                "escalate: critical staleness and priority High/Highest, or blocked"
            }
            TriageAction::Reassign => {
                "reassign: stale, not blocked, and unassigned at priority Medium or higher, or its assignee idle for the stale window"
            }
            TriageAction::RequestInfo => {
                "request_info: aging or worse and missing a description or an estimate"
            }
            TriageAction::UpdatePriority => {
                "update_priority: aging or worse, priority Low/Lowest, and blocking other tickets"
            }
            TriageAction::Defer => {
                "defer: stale but idle less than twice the critical threshold, priority Medium or lower, not in an active sprint"
            }
            TriageAction::Close => {
                "close: idle at least twice the critical threshold, priority Low/Lowest, unassigned, neither blocked nor blocking"
            }
        }
    }
}

impl TriageProposal {
    /// The proposal in words at `level`: the headline at `basic`; plus the evidence and the
    /// confidence's factors at `detailed`; plus the rule that chose the action (after the
    /// rules that take precedence did not apply), the urgency formula and the confidence's
    /// formulas at `verbose`.
    pub fn explain(&self, level: ExplanationLevel) -> String {
        let mut s = format!(
            "{} {} ({}): idle {:.1} days ({}); urgency {:.2}, confidence {:.2}, impact {}",
            self.action.as_str(),
            self.key,
            self.team,
            self.idle_days,
            self.staleness.as_str(),
            self.urgency,
            self.confidence.calibrated,
            self.impact
        );
        if level == ExplanationLevel::Basic {
            return s;
        }
        for e in &self.evidence {
            let _ = write!(s, "\n- {e}");
        }
        if level == ExplanationLevel::Verbose {
            let _ = write!(
                s,
                "\nrule (precedence escalate, reassign, request_info, update_priority, defer, close): {}\n\
                 urgency = min(1, 0.5 × min(idle days ÷ (2 × critical days), 1) + 0.4 × priority weight + 0.1 if blocked)",
                self.action.rule()
            );
        }
        let _ = write!(s, "\n{}", self.confidence.explain(level));
        s
    }
}

/// The six actions, in precedence order (also the rows of the triage evaluation).
pub const ALL_ACTIONS: [TriageAction; 6] = [
    TriageAction::Escalate,
    TriageAction::Reassign,
    TriageAction::RequestInfo,
    TriageAction::UpdatePriority,
    TriageAction::Defer,
    TriageAction::Close,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfidenceWeights;
    use crate::reasoning::WeightedScorer;
    use chrono::Duration;

    pub(super) fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
    }

    pub(super) fn ticket(key: &str, idle_days: i64) -> Ticket {
        Ticket {
            key: key.into(),
            team: "alpha".into(),
            priority: Some(Priority::Medium),
            assignee: Some("ana".into()),
            labels: Vec::new(),
            updated: Some(now() - Duration::days(idle_days)),
            last_comment: None,
            last_change: None,
            assignee_last_activity: Some(now()),
            blocked: false,
            blocking: 0,
            has_description: Some(true),
            estimated: Some(true),
            in_active_sprint: true,
            ..Ticket::default()
        }
    }

    pub(super) fn run(tickets: &[Ticket]) -> Vec<TriageProposal> {
        triage(
            tickets,
            &TriageSettings::default(),
            now(),
            &WeightedScorer::new(&ConfidenceWeights::default()),
            &TrackRecords::new(),
        )
    }

    #[test]
    fn a_critical_unassigned_blocked_ticket_escalates() {
        let mut t = ticket("A-1", 20);
        t.assignee = None;
        t.blocked = true;
        t.priority = Some(Priority::Low);
        let p = run(&[t]);
        assert_eq!(p[0].action, TriageAction::Escalate);
        assert_eq!(p[0].impact, ImpactLevel::High);
    }

    #[test]
    fn the_latest_real_activity_counts() {
        let mut t = ticket("A-2", 30);
        t.last_comment = Some(now() - Duration::days(1));
        assert!(run(&[t]).is_empty());
    }

    #[test]
    fn exempt_labels_and_fresh_tickets_are_left_alone() {
        let mut t = ticket("A-3", 30);
        t.labels = vec!["Security".into()];
        assert!(run(&[t, ticket("A-4", 1)]).is_empty());
    }

    #[test]
    fn each_action_has_its_case() {
        let mut reassign = ticket("R", 8);
        reassign.assignee_last_activity = Some(now() - Duration::days(10));
        let mut info = ticket("I", 4);
        info.estimated = Some(false);
        let mut prio = ticket("P", 4);
        prio.priority = Some(Priority::Low);
        prio.blocking = 2;
        let mut defer = ticket("D", 8);
        defer.in_active_sprint = false;
        let mut close = ticket("C", 40);
        close.priority = Some(Priority::Lowest);
        close.assignee = None;
        close.in_active_sprint = false;
        let got: BTreeMap<String, TriageAction> = run(&[reassign, info, prio, defer, close])
            .into_iter()
            .map(|p| (p.key, p.action))
            .collect();
        assert_eq!(got["R"], TriageAction::Reassign);
        assert_eq!(got["I"], TriageAction::RequestInfo);
        assert_eq!(got["P"], TriageAction::UpdatePriority);
        assert_eq!(got["D"], TriageAction::Defer);
        assert_eq!(got["C"], TriageAction::Close);
    }

    #[test]
    fn an_unknown_description_or_estimate_is_not_missing() {
        // A minimal ticket, as a host that does not track descriptions would send it.
        let minimal: Ticket = serde_json::from_value(serde_json::json!({
            "key": "M-1", "team": "alpha", "priority": "Medium", "assignee": "ana",
            "updated": now() - Duration::days(4), "in_active_sprint": true
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((minimal.has_description, minimal.estimated), (None, None));
        assert!(run(std::slice::from_ref(&minimal)).is_empty());
        let mut missing = minimal.clone();
        missing.has_description = Some(false);
        assert_eq!(run(&[missing])[0].action, TriageAction::RequestInfo);
    }

    #[test]
    fn proposals_are_capped_ordered_and_carry_their_own_confidence() {
        let s = TriageSettings {
            max_proposals: 3,
            ..TriageSettings::default()
        };
        let tickets: Vec<Ticket> = (0..10)
            .map(|i| {
                let mut t = ticket(&format!("K-{i}"), 8 + i);
                t.in_active_sprint = false;
                t
            })
            .collect();
        let p = triage(
            &tickets,
            &s,
            now(),
            &WeightedScorer::new(&ConfidenceWeights::default()),
            &TrackRecords::new(),
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].key, "K-9");
        assert!(p.windows(2).all(|w| w[0].urgency >= w[1].urgency));
        assert!(p[0].confidence.raw > 0.0 && p[0].confidence.raw < 1.0);
        assert!(p[0].urgency != p[0].confidence.raw);
    }

    #[test]
    fn settings_are_checked_and_partial_json_takes_the_defaults() -> Result<()> {
        let s: TriageSettings = serde_json::from_str(r#"{"max_proposals": 3}"#)
            .map_err(|e| Error::json("settings", &e))?;
        assert_eq!(s.max_proposals, 3);
        assert_eq!(s.thresholds, TriageSettings::default().thresholds);
        assert!(serde_json::from_str::<TriageSettings>(r#"{"max_proposal": 3}"#).is_err());
        let field = |s: TriageSettings| match s.validate() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => format!("{other:?}"),
        };
        let mut bad = TriageSettings::default();
        bad.thresholds.stale = 20.0;
        assert_eq!(field(bad), "thresholds");
        let mut bad = TriageSettings::default();
        bad.by_priority.insert(
            Priority::High,
            Thresholds {
                aging: 1.0,
                stale: f64::INFINITY,
                critical: 3.0,
            },
        );
        assert_eq!(field(bad), "by_priority.High.stale");
        assert_eq!(
            field(TriageSettings {
                max_proposals: 0,
                ..TriageSettings::default()
            }),
            "max_proposals"
        );
        Ok(())
    }

    #[test]
    fn a_huge_cap_is_not_allocated_up_front() {
        let s = TriageSettings {
            max_proposals: usize::MAX,
            ..TriageSettings::default()
        };
        let mut t = ticket("A", 20);
        t.blocked = true;
        let p = triage(
            &[t],
            &s,
            now(),
            &WeightedScorer::new(&ConfidenceWeights::default()),
            &TrackRecords::new(),
        );
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn explanations_name_the_rule_at_verbose() {
        let mut t = ticket("A-1", 20);
        t.assignee = None;
        t.blocked = true;
        let p = &run(&[t])[0];
        let basic = p.explain(ExplanationLevel::Basic);
        assert!(basic.starts_with("escalate A-1 (alpha): idle 20.0 days (critical)"));
        assert!(!basic.contains('\n'));
        let detailed = p.explain(ExplanationLevel::Detailed);
        assert!(detailed.contains("- blocked by another ticket") && !detailed.contains("rule"));
        let verbose = p.explain(ExplanationLevel::Verbose);
        assert!(verbose.contains("rule (precedence") && verbose.contains("formulas"));
    }

    #[test]
    fn input_order_does_not_matter() {
        let mut tickets: Vec<Ticket> = (0..40)
            .map(|i| {
                let mut t = ticket(&format!("T-{i:02}"), 3 + (i * 7) % 30);
                t.priority = Some(
                    [
                        Priority::Highest,
                        Priority::High,
                        Priority::Medium,
                        Priority::Low,
                        Priority::Lowest,
                    ][i as usize % 5],
                );
                t.blocked = i % 3 == 0;
                t.in_active_sprint = i % 2 == 0;
                t
            })
            .collect();
        let forward = run(&tickets);
        tickets.reverse();
        assert_eq!(run(&tickets), forward);
        assert!(!forward.is_empty());
    }
}
