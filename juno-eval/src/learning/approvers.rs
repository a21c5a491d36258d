//! The simulated approvers and the teams' hidden preferences: the file format of
//! `juno eval learning --approvers FILE`, and the verdicts it gives.
//!
//! JUNO is never told any of this. The experiment reads it only to decide as the people
//! would, to score what JUNO did, and (for the oracle arm) to hold back what they would
//! turn down. The default file, [`DEFAULT_APPROVERS`], documents every field.

use chrono::{DateTime, Datelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::org::OrgSettings;
use juno_core::model::{Priority, Ticket};
use juno_core::{Error, Result};

/// The default approvers file (`juno-eval/approvers.toml`), with its comments.
pub const DEFAULT_APPROVERS: &str = include_str!("../../approvers.toml");

/// What a rule says the team wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The team wants it.
    Approve,
    /// The team does not.
    Reject,
}

/// How one approver decides, beyond the team's preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Habit {
    /// Decides by the team's preferences (with the file's noise).
    #[default]
    Normal,
    /// Approves everything put in front of them.
    RubberStamp,
    /// Rejects everything on Fridays; otherwise normal.
    RejectsFridays,
}

/// One approver's habits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approver {
    /// Who (`delta.lead`, `pm`, `em`, `director`).
    pub user: String,
    /// How they decide.
    #[serde(default)]
    pub habit: Habit,
    /// Share of working days they are away and decide nothing (0).
    #[serde(default)]
    pub away: f64,
}

/// One hidden preference: the first rule that matches a proposal decides what the team
/// wants; a proposal no rule matches gets `default_verdict`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The team, or `*`.
    pub team: String,
    /// The action (`reassign`, `escalate`, `request_info`, `update_priority`, `defer`,
    /// `close`), or `*`.
    pub action: String,
    /// Only tickets with this label.
    #[serde(default)]
    pub label: Option<String>,
    /// Only tickets of these priorities.
    #[serde(default)]
    pub priorities: Option<Vec<Priority>>,
    /// From this day of the year (0-based) on.
    #[serde(default)]
    pub from_day: Option<u32>,
    /// Before this day.
    #[serde(default)]
    pub until_day: Option<u32>,
    /// What the team wants.
    pub verdict: Verdict,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproversFile {
    /// Seeds the organisation and every decision.
    pub seed: u64,
    /// Share of decisions that go the other way, 0–0.5.
    pub noise: f64,
    /// The day the preferences change (rules with `from_day`/`until_day` at it); the report
    /// measures recovery from it. `None`: no drift.
    #[serde(default)]
    pub drift_day: Option<u32>,
    /// What a proposal no rule matches gets.
    pub default_verdict: Verdict,
    /// The organisation.
    #[serde(default)]
    pub organisation: OrgSettings,
    /// Approvers with habits (everyone else is normal and always in).
    #[serde(default, rename = "approver")]
    pub approvers: Vec<Approver>,
    /// The hidden preferences, in order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

const ACTIONS: [&str; 7] = [
    "*",
    "reassign",
    "escalate",
    "request_info",
    "update_priority",
    "defer",
    "close",
];

impl ApproversFile {
    /// Parses and checks an approvers file.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`rule[2].action`) for anything malformed.
    pub fn parse(text: &str) -> Result<Self> {
        let file: ApproversFile = toml::from_str(text).map_err(|e| {
            let span = e
                .span()
                .map(|s| format!(" (at byte {})", s.start))
                .unwrap_or_default();
            Error::invalid("approvers", format!("{}{span}", e.message()))
        })?;
        file.validate()?;
        Ok(file)
    }

    /// The default file.
    ///
    /// # Errors
    /// Only if the shipped file were malformed (a test parses it).
    pub fn default_file() -> Result<Self> {
        Self::parse(DEFAULT_APPROVERS)
    }

    fn validate(&self) -> Result<()> {
        if !(0.0..=0.5).contains(&self.noise) {
            return Err(Error::invalid(
                "noise",
                format!("must be in 0..=0.5, got {}", self.noise),
            ));
        }
        self.organisation.validate()?;
        for (i, a) in self.approvers.iter().enumerate() {
            if a.user.trim().is_empty() {
                return Err(Error::invalid(format!("approver[{i}].user"), "is empty"));
            }
            if !(0.0..=1.0).contains(&a.away) {
                return Err(Error::invalid(
                    format!("approver[{i}].away"),
                    format!("must be in 0..=1, got {}", a.away),
                ));
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if !ACTIONS.contains(&r.action.as_str()) {
                return Err(Error::invalid(
                    format!("rule[{i}].action"),
                    format!(
                        "unknown action `{}`; one of {}",
                        r.action,
                        ACTIONS.join(", ")
                    ),
                ));
            }
            if r.team.trim().is_empty() {
                return Err(Error::invalid(format!("rule[{i}].team"), "is empty"));
            }
            if let (Some(f), Some(u)) = (r.from_day, r.until_day)
                && f >= u
            {
                return Err(Error::invalid(
                    format!("rule[{i}].until_day"),
                    format!("must be after from_day {f}, got {u}"),
                ));
            }
        }
        Ok(())
    }

    /// What the team wants for `action` (`reassign`) on `ticket` on day `day` of the year:
    /// the first matching rule's verdict, or the default.
    pub fn preference(&self, team: &str, action: &str, ticket: &Ticket, day: u32) -> Verdict {
        self.rules
            .iter()
            .find(|r| {
                (r.team == "*" || r.team == team)
                    && (r.action == "*" || r.action == action)
                    && r.label
                        .as_ref()
                        .is_none_or(|l| ticket.labels.iter().any(|t| t == l))
                    && r.priorities
                        .as_ref()
                        .is_none_or(|ps| ticket.priority.is_some_and(|p| ps.contains(&p)))
                    && r.from_day.is_none_or(|f| day >= f)
                    && r.until_day.is_none_or(|u| day < u)
            })
            .map_or(self.default_verdict, |r| r.verdict)
    }

    /// `user`'s habits (normal and always in when the file does not name them).
    pub fn approver(&self, user: &str) -> Approver {
        self.approvers
            .iter()
            .find(|a| a.user == user)
            .cloned()
            .unwrap_or(Approver {
                user: user.to_owned(),
                habit: Habit::Normal,
                away: 0.0,
            })
    }

    /// What `user` decides at `at`, before noise: their habit, else the team's preference.
    pub fn decision(&self, user: &str, preference: Verdict, at: DateTime<Utc>) -> Verdict {
        match self.approver(user).habit {
            Habit::RubberStamp => Verdict::Approve,
            Habit::RejectsFridays if at.weekday() == Weekday::Fri => Verdict::Reject,
            _ => preference,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses_and_has_a_drift() -> Result<()> {
        let f = ApproversFile::default_file()?;
        assert!(f.drift_day.is_some());
        assert!(!f.rules.is_empty());
        Ok(())
    }

    #[test]
    fn bad_fields_are_named() {
        let e = ApproversFile::parse(
            "seed = 1\nnoise = 0.0\ndefault_verdict = \"approve\"\n[[rule]]\nteam = \"a\"\naction = \"merge\"\nverdict = \"reject\"\n",
        );
        assert!(matches!(e, Err(Error::InvalidInput { field, .. }) if field == "rule[0].action"));
        let e = ApproversFile::parse("seed = 1\nnoise = 0.9\ndefault_verdict = \"approve\"\n");
        assert!(matches!(e, Err(Error::InvalidInput { field, .. }) if field == "noise"));
        let e = ApproversFile::parse("seed = 1\nnoise = 0.1\ndefault_verdict = \"maybe\"\n");
        assert!(matches!(e, Err(Error::InvalidInput { field, .. }) if field == "approvers"));
    }

    #[test]
    fn first_matching_rule_decides() -> Result<()> {
        let f = ApproversFile::parse(
            r#"seed = 1
noise = 0.0
default_verdict = "approve"
[[rule]]
team = "beta"
action = "close"
label = "customer"
verdict = "reject"
[[rule]]
team = "alpha"
action = "reassign"
until_day = 100
verdict = "reject"
"#,
        )?;
        let mut t = Ticket {
            labels: vec!["customer".into()],
            ..Ticket::default()
        };
        assert_eq!(f.preference("beta", "close", &t, 0), Verdict::Reject);
        assert_eq!(f.preference("beta", "defer", &t, 0), Verdict::Approve);
        t.labels.clear();
        assert_eq!(f.preference("beta", "close", &t, 0), Verdict::Approve);
        assert_eq!(f.preference("alpha", "reassign", &t, 99), Verdict::Reject);
        assert_eq!(f.preference("alpha", "reassign", &t, 100), Verdict::Approve);
        Ok(())
    }
}
