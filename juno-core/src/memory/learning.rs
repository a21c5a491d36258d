//! Learning from outcomes: team preferences and recognised patterns.
//!
//! **Preferences.** Every recorded outcome of a proposed action (approved, rejected,
//! reverted) is stored as an episodic memory and counted into the team's semantic
//! preference for that action, keyed `preference:<action>`. The preference's *stance*
//! is the majority (favours / avoids / undecided on a tie) and its *confidence* is the lower
//! end of the 95% Wilson score interval for the share of outcomes that agree with the
//! stance: it rises with evidence at the same ratio (4 of 5 → 0.38, 40 of 50 → 0.67;
//! `tests/docs.rs` checks these figures).
//!
//! **Patterns.** Episodic memories tagged `event:<e>` and `result:<r>` are grouped per team
//! and event. When one result's share (the *support*) reaches
//! `PATTERN_RECOGNITION_THRESHOLD` over at least [`MIN_PATTERN_EPISODES`] episodes, a
//! procedural memory keyed `pattern:<e>` records "when e, the team ends r", linked to the
//! supporting episodes through its provenance. A pattern whose support falls below the
//! threshold is deleted.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{MemoryId, MemoryKind, NewMemory, Provenance, check_name, check_tag};
use crate::error::{Error, Result};

/// Patterns need at least this many episodes of one event.
pub const MIN_PATTERN_EPISODES: usize = 3;
/// Provenance keeps at most this many supporting ids (the newest).
pub const MAX_PROVENANCE_IDS: usize = 1000;

/// What became of a proposed action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A human (or policy) approved it.
    Approved,
    /// A human rejected it.
    Rejected,
    /// It was executed and then undone.
    Reverted,
}

impl Outcome {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approved => "approved",
            Outcome::Rejected => "rejected",
            Outcome::Reverted => "reverted",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "approved" => Ok(Outcome::Approved),
            "rejected" => Ok(Outcome::Rejected),
            "reverted" => Ok(Outcome::Reverted),
            _ => Err(Error::invalid("outcome", format!("unknown outcome `{s}`"))),
        }
    }
}

/// One outcome to learn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRecord {
    /// The team the action concerned.
    pub team: String,
    /// The kind of action (`auto_reassign`, `split_ticket`, …): letters, digits and `_-.`.
    pub action: String,
    /// What became of it.
    pub outcome: Outcome,
    /// What it acted on (a ticket key, a sprint id).
    #[serde(default)]
    pub subject: Option<String>,
    /// A human note (a rejection reason).
    #[serde(default)]
    pub note: Option<String>,
    /// What the action's situation looked like, as facets (`priority.low`,
    /// `label.customer`, `weekday.fri`): kept on the episode (tagged `ctx:<facet>`) so that
    /// a preference can be read for a narrower situation than the action kind
    /// ([`crate::memory::Memories::recent_outcomes`]). At most [`MAX_CONTEXT_FACETS`], each
    /// in tag characters.
    #[serde(default)]
    pub context: Vec<String>,
}

/// An outcome record carries at most this many context facets.
pub const MAX_CONTEXT_FACETS: usize = 16;

/// One recorded outcome as [`crate::memory::Memories::recent_outcomes`] reads it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentOutcome {
    /// The episodic memory that holds it.
    pub memory_id: MemoryId,
    /// The kind of action.
    pub action: String,
    /// What became of it.
    pub outcome: Outcome,
    /// Its context facets.
    pub context: Vec<String>,
    /// When it was recorded.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Whether a team tends to accept an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// Mostly approved.
    Favours,
    /// Mostly rejected or reverted.
    Avoids,
    /// As many for as against.
    Undecided,
}

/// A team's learned preference about one kind of action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamPreference {
    /// The semantic memory that holds it.
    pub memory_id: MemoryId,
    /// The team.
    pub team: String,
    /// The kind of action.
    pub action: String,
    /// Approved outcomes.
    pub approved: u64,
    /// Rejected outcomes.
    pub rejected: u64,
    /// Reverted outcomes.
    pub reverted: u64,
    /// All outcomes.
    pub total: u64,
    /// approved / total.
    pub acceptance_rate: f64,
    /// The majority view.
    pub stance: Stance,
    /// Wilson lower bound of the share agreeing with the stance (0 when undecided).
    pub confidence: f64,
}

/// A recognised workflow pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pattern {
    /// The procedural memory that holds it.
    pub memory_id: MemoryId,
    /// The team.
    pub team: String,
    /// The event (`blocked_ticket`, `auto_reassign`, …).
    pub event: String,
    /// What the team usually ends with.
    pub result: String,
    /// supporting / total.
    pub support: f64,
    /// Episodes with this result.
    pub supporting: u64,
    /// Episodes of this event.
    pub total: u64,
    /// The supporting episodes.
    pub episode_ids: Vec<MemoryId>,
}

pub use crate::stats::wilson_lower_bound;

/// Counts stored in a preference memory's content.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Counts {
    pub approved: u64,
    pub rejected: u64,
    pub reverted: u64,
}

impl Counts {
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Approved => self.approved += 1,
            Outcome::Rejected => self.rejected += 1,
            Outcome::Reverted => self.reverted += 1,
        }
    }

    pub fn preference(&self, memory_id: MemoryId, team: &str, action: &str) -> TeamPreference {
        let total = self.approved + self.rejected + self.reverted;
        let against = self.rejected + self.reverted;
        let (stance, agreeing) = match self.approved.cmp(&against) {
            std::cmp::Ordering::Greater => (Stance::Favours, self.approved),
            std::cmp::Ordering::Less => (Stance::Avoids, against),
            std::cmp::Ordering::Equal => (Stance::Undecided, 0),
        };
        TeamPreference {
            memory_id,
            team: team.to_owned(),
            action: action.to_owned(),
            approved: self.approved,
            rejected: self.rejected,
            reverted: self.reverted,
            total,
            acceptance_rate: if total == 0 {
                0.0
            } else {
                self.approved as f64 / total as f64
            },
            stance,
            confidence: if stance == Stance::Undecided {
                0.0
            } else {
                wilson_lower_bound(agreeing, total)
            },
        }
    }
}

pub(crate) fn preference_key(action: &str) -> String {
    format!("preference:{action}")
}

pub(crate) fn pattern_key(event: &str) -> String {
    format!("pattern:{event}")
}

impl OutcomeRecord {
    pub(crate) fn validate(&self) -> Result<()> {
        check_name("team", &self.team)?;
        check_name("action", &self.action)?;
        check_tag(&format!("event:{}", self.action)).map_err(|_| {
            Error::invalid(
                "action",
                format!(
                    "action `{}` must use letters, digits and `_-.`",
                    self.action
                ),
            )
        })?;
        if let Some(s) = &self.subject {
            check_name("subject", s)?;
        }
        if self.context.len() > MAX_CONTEXT_FACETS {
            return Err(Error::invalid(
                "context",
                format!(
                    "at most {MAX_CONTEXT_FACETS} facets, got {}",
                    self.context.len()
                ),
            ));
        }
        for (i, f) in self.context.iter().enumerate() {
            check_tag(&format!("ctx:{f}")).map_err(|_| {
                Error::invalid(
                    format!("context[{i}]"),
                    format!("facet `{f}` must be 1 to 60 letters, digits or `_-.:/@+#`"),
                )
            })?;
            if f.is_empty() {
                return Err(Error::invalid(format!("context[{i}]"), "facet is empty"));
            }
        }
        Ok(())
    }

    /// The episodic memory that records this outcome.
    pub(crate) fn episode(&self) -> NewMemory {
        let mut text = format!(
            "{} {} {}",
            self.team,
            self.outcome,
            self.action.replace(['_', '-'], " ")
        );
        if let Some(s) = &self.subject {
            text.push_str(&format!(" for {s}"));
        }
        if let Some(n) = &self.note {
            text.push_str(&format!(": {n}"));
        }
        let mut tags = vec![
            "outcome".to_owned(),
            format!("event:{}", self.action),
            format!("result:{}", self.outcome),
        ];
        tags.extend(self.context.iter().map(|f| format!("ctx:{f}")));
        NewMemory::new(MemoryKind::Episodic, self.team.clone(), text)
            .with_tags(tags)
            .with_content(serde_json::json!({
                "action": self.action,
                "outcome": self.outcome,
                "subject": self.subject,
                "note": self.note,
                "context": self.context,
            }))
            .with_importance(0.5)
            .with_provenance(Provenance {
                source: "outcome".into(),
                derived_from: Vec::new(),
                reference: self.subject.clone(),
            })
    }
}

/// The preference memory for `counts`.
pub(crate) fn preference_memory(
    team: &str,
    action: &str,
    counts: &Counts,
    derived_from: Vec<MemoryId>,
) -> NewMemory {
    let p = counts.preference(0, team, action);
    let verb = match p.stance {
        Stance::Favours => "favours",
        Stance::Avoids => "avoids",
        Stance::Undecided => "is undecided about",
    };
    let text = format!(
        "team {team} {verb} {}: approved {} of {} proposals",
        action.replace(['_', '-'], " "),
        p.approved,
        p.total
    );
    NewMemory::new(MemoryKind::Semantic, team.to_owned(), text)
        .with_key(preference_key(action))
        .with_tags(["preference".to_owned(), format!("event:{action}")])
        .with_content(serde_json::json!({
            "action": action,
            "approved": counts.approved,
            "rejected": counts.rejected,
            "reverted": counts.reverted,
        }))
        .with_confidence(p.confidence)
        .with_importance(0.7)
        .with_provenance(Provenance {
            source: "preference_learning".into(),
            derived_from,
            reference: None,
        })
}

/// Groups episodes by event and finds each event's dominant result.
/// Returns event → (result, supporting ids, total), for every event with enough episodes.
pub(crate) fn tally(
    episodes: &[crate::store::EpisodeRow],
) -> BTreeMap<String, (String, Vec<MemoryId>, u64)> {
    let mut by_event: BTreeMap<String, BTreeMap<String, Vec<MemoryId>>> = BTreeMap::new();
    for ep in episodes {
        let event = ep.tags.iter().find_map(|t| t.strip_prefix("event:"));
        let result = ep.tags.iter().find_map(|t| t.strip_prefix("result:"));
        if let (Some(e), Some(r)) = (event, result) {
            by_event
                .entry(e.to_owned())
                .or_default()
                .entry(r.to_owned())
                .or_default()
                .push(ep.id);
        }
    }
    let mut out = BTreeMap::new();
    for (event, results) in by_event {
        let total: usize = results.values().map(Vec::len).sum();
        if total < MIN_PATTERN_EPISODES {
            continue;
        }
        // BTreeMap order makes ties deterministic: the alphabetically first result wins.
        let mut best: Option<(&String, &Vec<MemoryId>)> = None;
        for (r, ids) in &results {
            if best.is_none_or(|(_, b)| ids.len() > b.len()) {
                best = Some((r, ids));
            }
        }
        if let Some((r, ids)) = best {
            out.insert(event, (r.clone(), ids.clone(), total as u64));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_rises_with_evidence() {
        let small = wilson_lower_bound(4, 5);
        let large = wilson_lower_bound(40, 50);
        assert!((small - 0.3755).abs() < 1e-3, "{small}");
        assert!(large > small);
        assert_eq!(wilson_lower_bound(0, 0), 0.0);
    }

    #[test]
    fn four_of_five_rejections_is_an_avoid_stance() {
        let c = Counts {
            approved: 1,
            rejected: 4,
            reverted: 0,
        };
        let p = c.preference(1, "team_alpha", "auto_reassign");
        assert_eq!(p.stance, Stance::Avoids);
        assert!((p.acceptance_rate - 0.2).abs() < 1e-12);
        assert!(p.confidence > 0.3 && p.confidence < 0.5);
    }
}
