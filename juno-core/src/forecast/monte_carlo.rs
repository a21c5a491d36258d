//! The seeded Monte Carlo simulation of the rest of a sprint.
//!
//! Each trial walks the sprint's remaining days. Every day it draws one day of throughput
//! and one day of scope growth from the team's history (bootstrap, with replacement). Done
//! points grow by the throughput, capped at the current scope; the scope grows by the
//! growth draw. Delivered points are the done points at the end. Reported: P10/P50/P90 of
//! delivered points and P(delivered ≥ 80% of the commitment).
//!
//! Randomness is seeded SplitMix64, one stream per trial: the same input and seed give the same
//! result on every platform and version. Without throughput history the simulation
//! assumes the plan's pace (commitment / planned days), and the result says so.
//!
//! [`monte_carlo`] clamps what it cannot use (negative or non-finite points count as 0,
//! no trials as one); [`MonteCarloInput::validate`] refuses those inputs instead, and is
//! what every caller with user-supplied input (the C and Python surfaces, the sprint
//! forecast) runs first.

use crate::stats::SplitMix64;
use serde::{Deserialize, Serialize};

use super::nn;
use crate::error::{Error, Result};

/// The most trials one simulation runs.
const MAX_TRIALS: u32 = 1_000_000;
/// The most working days left that one simulation walks (a year of calendar days: no
/// sprint is longer, and each day costs one draw per trial).
const MAX_DAYS_REMAINING: u32 = 366;

/// A sprint at some point in time, plus the team's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonteCarloInput {
    /// Points committed: the target is 80% of this.
    pub committed: f64,
    /// Points in the sprint now, when scope has changed since the commitment (default:
    /// `committed`). Done points never exceed the scope.
    #[serde(default)]
    pub scope: Option<f64>,
    /// Points done so far.
    pub done: f64,
    /// Whole working days left.
    pub days_remaining: u32,
    /// Planned working days of the sprint (for the no-history fallback).
    pub planned_days: u32,
    /// Points finished per working day in past sprints.
    #[serde(default)]
    pub daily_throughput: Vec<f64>,
    /// Points added per working day in past sprints (negative for removals).
    #[serde(default)]
    pub daily_scope_change: Vec<f64>,
    /// Trials to run (at least 1).
    pub trials: u32,
    /// The seed.
    pub seed: u64,
}

impl MonteCarloInput {
    /// Checks the input: finite points ≥ 0 (`committed`, `done`, `scope`, each
    /// `daily_throughput` day), finite scope changes, `trials` from 1 to 1,000,000, and
    /// at most 366 `days_remaining`.
    ///
    /// # Errors
    /// `InvalidInput` naming the first bad field (`daily_throughput[3]`).
    ///
    /// # Examples
    /// ```
    /// use juno_core::forecast::MonteCarloInput;
    ///
    /// let mut input = MonteCarloInput {
    ///     committed: 40.0, scope: None, done: 0.0, days_remaining: 10, planned_days: 10,
    ///     daily_throughput: vec![3.0, 4.0], daily_scope_change: vec![], trials: 0, seed: 7,
    /// };
    /// let err = input.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid `trials`: must be 1 to 1000000, got 0");
    /// input.trials = 10_000;
    /// assert!(input.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let points = [
            ("committed", Some(self.committed)),
            ("done", Some(self.done)),
            ("scope", self.scope),
        ];
        for (name, v) in points {
            if let Some(v) = v.filter(|v| !v.is_finite() || *v < 0.0) {
                return Err(Error::invalid(
                    name,
                    format!("must be a finite number of points ≥ 0, got {v}"),
                ));
            }
        }
        if let Some(i) = self
            .daily_throughput
            .iter()
            .position(|x| !x.is_finite() || *x < 0.0)
        {
            return Err(Error::invalid(
                format!("daily_throughput[{i}]"),
                "must be a finite number of points ≥ 0",
            ));
        }
        if let Some(i) = self.daily_scope_change.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(
                format!("daily_scope_change[{i}]"),
                "must be finite",
            ));
        }
        if !(1..=MAX_TRIALS).contains(&self.trials) {
            return Err(Error::invalid(
                "trials",
                format!("must be 1 to {MAX_TRIALS}, got {}", self.trials),
            ));
        }
        if self.days_remaining > MAX_DAYS_REMAINING {
            return Err(Error::invalid(
                "days_remaining",
                format!(
                    "must be at most {MAX_DAYS_REMAINING} working days, got {}",
                    self.days_remaining
                ),
            ));
        }
        Ok(())
    }
}

/// What the simulation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonteCarloResult {
    /// 10th percentile of delivered points.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Share of trials delivering at least 80% of the commitment.
    pub p_deliver_80: f64,
    /// Trials run.
    pub trials: u32,
    /// `history` or `plan_pace` (no throughput history: assumed the plan's pace).
    pub basis: String,
}

/// Runs the simulation. Input that [`MonteCarloInput::validate`] would refuse is clamped
/// (see the module docs); callers holding user input validate it first.
pub fn monte_carlo(input: &MonteCarloInput) -> MonteCarloResult {
    let committed = nn(input.committed);
    let done0 = nn(input.done);
    let trials = input.trials.max(1);
    let history: Vec<f64> = input.daily_throughput.iter().map(|x| nn(*x)).collect();
    let (throughput, basis) = if history.is_empty() {
        let pace = if input.planned_days > 0 {
            committed / f64::from(input.planned_days)
        } else {
            committed
        };
        (vec![pace], "plan_pace")
    } else {
        (history, "history")
    };
    let growth: Vec<f64> = input
        .daily_scope_change
        .iter()
        .map(|x| if x.is_finite() { *x } else { 0.0 })
        .collect();
    let mut delivered = Vec::with_capacity(trials as usize);
    let target = 0.8 * committed;
    let mut hits = 0u32;
    for t in 0..trials {
        // One stream per trial: trial t draws the same first days whatever the horizon, so
        // more days never deliver less, trial by trial.
        let mut rng =
            SplitMix64::new(input.seed ^ u64::from(t).wrapping_mul(0xA076_1D64_78BD_642F));
        let mut scope = input.scope.map_or(committed, nn).max(done0);
        let mut done = done0;
        for _ in 0..input.days_remaining {
            if !growth.is_empty() {
                scope = (scope + growth[rng.below(growth.len())]).max(done);
            }
            done = (done + throughput[rng.below(throughput.len())]).min(scope);
        }
        if done >= target {
            hits += 1;
        }
        delivered.push(done);
    }
    // Three order statistics, each found in linear time: a full sort of the trials cost
    // more than the simulation itself. The values are the sorted vector's, exactly.
    let mut at = |p: f64| {
        let k = ((delivered.len() - 1) as f64 * p).round() as usize;
        *delivered.select_nth_unstable_by(k, f64::total_cmp).1
    };
    let (p10, p50, p90) = (at(0.10), at(0.50), at(0.90));
    MonteCarloResult {
        p10,
        p50,
        p90,
        p_deliver_80: f64::from(hits) / f64::from(trials),
        trials,
        basis: basis.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(days: u32) -> MonteCarloInput {
        MonteCarloInput {
            committed: 40.0,
            scope: None,
            done: 0.0,
            days_remaining: days,
            planned_days: 10,
            daily_throughput: vec![2.0, 3.0, 4.0, 5.0, 0.0, 6.0],
            daily_scope_change: vec![0.0, 0.0, 1.0, -0.5],
            trials: 10_000,
            seed: 7,
        }
    }

    #[test]
    fn same_seed_same_answer() {
        assert_eq!(monte_carlo(&input(10)), monte_carlo(&input(10)));
        let mut other = input(10);
        other.seed = 8;
        assert_ne!(monte_carlo(&input(10)), monte_carlo(&other));
    }

    #[test]
    fn day_zero_does_not_predict_near_zero_delivery() {
        let r = monte_carlo(&input(10));
        // Mean throughput 3.33/day over 10 days ≈ 33 points.
        assert!(r.p50 > 25.0 && r.p50 < 40.0, "{r:?}");
        assert!(r.p10 <= r.p50 && r.p50 <= r.p90);
        assert_eq!(r.basis, "history");
    }

    #[test]
    fn without_history_it_assumes_the_plan_and_says_so() {
        let mut i = input(10);
        i.daily_throughput.clear();
        i.daily_scope_change.clear();
        let r = monte_carlo(&i);
        assert_eq!(r.basis, "plan_pace");
        assert!((r.p50 - 40.0).abs() < 1e-9);
        assert_eq!(r.p_deliver_80, 1.0);
    }

    #[test]
    fn zero_commitment_does_not_divide_by_zero() {
        let mut i = input(5);
        i.committed = 0.0;
        i.planned_days = 0;
        let r = monte_carlo(&i);
        assert!(r.p50.is_finite());
        assert_eq!(r.p_deliver_80, 1.0);
    }

    #[test]
    fn validate_names_the_first_bad_field() {
        let field = |i: &MonteCarloInput| match i.validate() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert!(input(10).validate().is_ok());
        let mut i = input(10);
        i.trials = MAX_TRIALS;
        i.days_remaining = MAX_DAYS_REMAINING;
        assert!(i.validate().is_ok());
        i.trials = MAX_TRIALS + 1;
        assert_eq!(field(&i), "trials");
        let mut i = input(10);
        i.days_remaining = MAX_DAYS_REMAINING + 1;
        assert_eq!(field(&i), "days_remaining");
        let mut i = input(10);
        i.scope = Some(f64::INFINITY);
        assert_eq!(field(&i), "scope");
        let mut i = input(10);
        i.daily_throughput[2] = -1.0;
        assert_eq!(field(&i), "daily_throughput[2]");
        let mut i = input(10);
        i.daily_scope_change[1] = f64::NAN;
        assert_eq!(field(&i), "daily_scope_change[1]");
        // Negative scope changes are removals, not errors.
        assert!(input(10).daily_scope_change.contains(&-0.5));
    }

    proptest! {
        /// More days left never lowers any percentile (same seed, same draws per trial).
        #[test]
        fn more_time_never_delivers_less(days in 0u32..15, seed in 0u64..1000) {
            let mut a = input(days);
            a.daily_scope_change.clear();
            a.seed = seed;
            a.trials = 500;
            let mut b = a.clone();
            b.days_remaining = days + 1;
            let (ra, rb) = (monte_carlo(&a), monte_carlo(&b));
            prop_assert!(rb.p10 >= ra.p10 && rb.p50 >= ra.p50 && rb.p90 >= ra.p90);
        }
    }
}
