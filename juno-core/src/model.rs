//! Domain types shared by every stage of the agent cycle.
//!
//! This module grows with the engines; today it holds the vocabulary that configuration
//! already needs (roles and impact levels).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A governance role, lowest authority first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Leads one or more teams; first approver.
    TeamLead,
    /// Owns delivery across teams.
    ProjectManager,
    /// Owns engineering across projects.
    EngineeringManager,
    /// Top of the approval chain; spans all teams.
    Director,
    /// Configuration only: cannot approve actions.
    Admin,
}

impl Role {
    /// The canonical upper-case name (`TEAM_LEAD`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TeamLead => "TEAM_LEAD",
            Role::ProjectManager => "PROJECT_MANAGER",
            Role::EngineeringManager => "ENGINEERING_MANAGER",
            Role::Director => "DIRECTOR",
            Role::Admin => "ADMIN",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "TEAM_LEAD" => Ok(Role::TeamLead),
            "PROJECT_MANAGER" => Ok(Role::ProjectManager),
            "ENGINEERING_MANAGER" => Ok(Role::EngineeringManager),
            "DIRECTOR" => Ok(Role::Director),
            "ADMIN" => Ok(Role::Admin),
            _ => Err(Error::invalid("role", format!("unknown role `{s}`"))),
        }
    }
}

/// How much an action can change, which decides who must approve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImpactLevel {
    /// Cosmetic or easily reverted.
    Low,
    /// Changes one ticket's course.
    Medium,
    /// Changes a sprint or several people's work.
    High,
    /// Changes commitments across teams.
    Critical,
}

impl ImpactLevel {
    /// The canonical lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactLevel::Low => "low",
            ImpactLevel::Medium => "medium",
            ImpactLevel::High => "high",
            ImpactLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for ImpactLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ImpactLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(ImpactLevel::Low),
            "medium" => Ok(ImpactLevel::Medium),
            "high" => Ok(ImpactLevel::High),
            "critical" => Ok(ImpactLevel::Critical),
            _ => Err(Error::invalid(
                "impact",
                format!("unknown impact level `{s}`"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_role_names_the_value() {
        let err = "TEAM_LAED".parse::<Role>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid `role`: unknown role `TEAM_LAED`")
        );
        assert_eq!("team_lead".parse::<Role>().ok(), Some(Role::TeamLead));
    }
}
