//! The velocity handle, `juno.velocity()`: the engine with its input checked.

use std::collections::BTreeMap;

use super::{Sprint, VelocityReport, analyze, analyze_teams, check_sprints};
use crate::error::Result;
use crate::juno::Juno;

/// The velocity component of one [`Juno`]: `juno.velocity()`.
///
/// [`analyze`] and [`analyze_teams`] with their input checked first.
///
/// # Examples
///
/// ```
/// use juno_core::Juno;
/// use juno_core::model::Sprint;
/// use juno_core::velocity::VelocityClass;
/// let juno = Juno::open_in_memory()?;
/// let sprints: Vec<Sprint> = [20.0, 22.0, 24.0, 26.0]
///     .iter()
///     .enumerate()
///     .map(|(i, d)| Sprint::with_points(format!("s{i}"), 25.0, *d))
///     .collect();
/// let report = juno.velocity().analyze(&sprints)?;
/// assert_eq!(report.classification, VelocityClass::Improving);
/// assert!((report.mean - 23.0).abs() < 1e-12);
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Velocity<'a> {
    // Nothing here reads the engine yet; the component exists so that velocity is reached
    // like every other stage (and can take team settings from it later).
    #[allow(dead_code)]
    juno: &'a Juno,
}

impl<'a> Velocity<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Velocity { juno }
    }

    /// Analyses one team's sprints, oldest first.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a negative or non-finite number (`sprints[3].delivered_points`)
    /// or more than [`MAX_SPRINTS_PER_TEAM`](super::MAX_SPRINTS_PER_TEAM) sprints.
    pub fn analyze(&self, sprints: &[Sprint]) -> Result<VelocityReport> {
        check_sprints("sprints", sprints)?;
        Ok(analyze(sprints))
    }

    /// Analyses many teams; the result is ordered by team.
    ///
    /// # Errors
    /// As [`Velocity::analyze`], the field named after the team (`team_alpha[0].delivered_points`).
    pub fn analyze_teams(
        &self,
        teams: &BTreeMap<String, Vec<Sprint>>,
    ) -> Result<BTreeMap<String, VelocityReport>> {
        for (team, sprints) in teams {
            check_sprints(team, sprints)?;
        }
        Ok(analyze_teams(teams))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sprints;
    use super::super::{MAX_SPRINTS_PER_TEAM, VelocityClass};
    use super::*;
    use crate::error::Error;

    #[test]
    fn the_component_refuses_bad_numbers_by_name() -> Result<()> {
        let juno = Juno::open_in_memory()?;
        let mut v = sprints(&[20.0, 21.0, 22.0]);
        assert_eq!(
            juno.velocity().analyze(&v)?.classification,
            VelocityClass::Improving
        );
        v[1].delivered_points = Some(-3.0);
        let field = |r: Result<VelocityReport>| match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => format!("{other:?}"),
        };
        assert_eq!(
            field(juno.velocity().analyze(&v)),
            "sprints[1].delivered_points"
        );
        let teams = BTreeMap::from([("alpha".to_owned(), v)]);
        match juno.velocity().analyze_teams(&teams) {
            Err(Error::InvalidInput { field, .. }) => {
                assert_eq!(field, "alpha[1].delivered_points")
            }
            other => panic!("{other:?}"),
        }
        let too_many = sprints(&vec![1.0; MAX_SPRINTS_PER_TEAM + 1]);
        assert_eq!(field(juno.velocity().analyze(&too_many)), "sprints");
        Ok(())
    }
}
