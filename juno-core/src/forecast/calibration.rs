//! Calibration that holds forward in time: the sprint model's probability and the
//! simulation's P10/P50/P90, corrected by what past out-of-time forecasts got wrong.
//!
//! A model scored on the sprints it was fitted to looks calibrated; deployed, it predicts
//! sprints that have not happened yet, and there it was not (EVALUATION.md: ECE 0.152 on
//! TSE2017 `forward`). So every correction here is fitted only on **out-of-time** forecasts:
//! the forecast a deployment would have made for a sprint, from the sprints finished
//! before it, set against what that sprint then delivered.
//!
//! - **Probability** ([`ProbabilityCalibration`]): a blend w·p + (1 − w)·t of the model's
//!   probability p and the team's trailing delivery rate t (its last [`TRAILING_SPRINTS`]
//!   finished sprints; the training base rate for a team with none), w ∈ {0, 0.1, …, 1}
//!   chosen by the Brier score on the newest [`CALIBRATION_WINDOW`] out-of-time outcomes.
//!   Chosen over isotonic and Platt maps by the rolling evaluation on TSE2017
//!   (EVALUATION.md, "Recalibration experiments"): isotonic and Platt fixed the error
//!   but cost ranking (AUC 0.730 and 0.747), the blend met the rule fixed before the runs
//!   (pooled ECE 0.048, AUC 0.774, a better Brier on every project).
//! - **Drift**: the window forgets old outcomes, and the trailing rate follows a team's
//!   last sprints, so both adapt when a team's delivery changes; [`TeamCalibration`]
//!   tests each team's last [`DRIFT_RECENT`] forward forecasts against what happened and
//!   the forecast says so when they were off (|z| ≥ [`DRIFT_Z`]).
//! - **Intervals** ([`IntervalCalibration`]): a split-conformal correction of the
//!   simulation's P10/P50/P90. Each past sprint's miss is measured in half-widths,
//!   s = (delivered − P50) ÷ max((P90 − P10)/2, [`MIN_HALF_WIDTH`]); the corrected interval
//!   is P50 + q·half-width with q the 10%, 50% and 90% quantiles of s (the conformal rank
//!   rule for 10% and 90%), so a simulation that is too narrow widens and a biased one
//!   shifts.
//!
//! Each summary carries its own forward check: the calibration error (or coverage) of
//! forecasts each corrected by the map fitted only on the outcomes before them.

use serde::{Deserialize, Serialize};

use super::TeamHistory;
use crate::model::{Team, nn};
use crate::stats::{self, equal_mass_calibration_error};

/// Out-of-time outcomes a map needs before it is fitted (the count the reasoning engine's
/// confidence map needs too).
pub use crate::stats::MIN_CALIBRATION_OUTCOMES;
/// Maps are fitted on the newest this many out-of-time outcomes: older ones describe a team
/// that may have changed.
pub const CALIBRATION_WINDOW: usize = 300;
/// The trailing delivery rate reads a team's last this many finished sprints.
pub const TRAILING_SPRINTS: usize = 5;
/// Out-of-time forecasts are made in blocks of (at least) this many sprints: the model is
/// refitted before each block, as the agent cycle retrains every 10 finished sprints.
pub const CALIBRATION_BLOCK: usize = 10;
/// A team's recent calibration is judged on its last this many forward forecasts.
pub const DRIFT_RECENT: usize = 10;
/// |z| at or above which a team's recent forecasts count as off.
pub const DRIFT_Z: f64 = 2.0;
/// The smallest half-width (points) a miss is measured in, so a sure simulation (P10 = P90)
/// does not turn a one-point miss into an infinite one.
pub const MIN_HALF_WIDTH: f64 = 0.5;

/// The share of the team's last [`TRAILING_SPRINTS`] finished sprints (with a commitment)
/// that delivered at least `ratio` of it; `None` without any.
pub fn trailing_rate(history: &TeamHistory, ratio: f64) -> Option<f64> {
    let outcomes: Vec<bool> = history
        .sprints
        .iter()
        .filter(|s| s.committed() > 0.0)
        .map(|s| nn(s.delivered()) >= ratio * s.committed())
        .collect();
    trailing_share(&outcomes)
}

/// The share delivered among the last [`TRAILING_SPRINTS`] of `outcomes` (oldest first);
/// `None` when there are none. The one rule behind [`trailing_rate`] and the evaluation's
/// trailing-rate baseline.
pub fn trailing_share(outcomes: &[bool]) -> Option<f64> {
    let recent = &outcomes[outcomes.len().saturating_sub(TRAILING_SPRINTS)..];
    (!recent.is_empty()).then(|| recent.iter().filter(|d| **d).count() as f64 / recent.len() as f64)
}

/// The probability's correction: a blend with the team's trailing delivery rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbabilityCalibration {
    /// `blend`.
    pub method: String,
    /// w: the model's share of the blend (the trailing rate has 1 − w).
    pub model_weight: f64,
    /// The rate used for a team with no finished sprint: the out-of-time outcomes' share
    /// delivered.
    pub fallback_rate: f64,
    /// Out-of-time outcomes the weight was chosen on (at most [`CALIBRATION_WINDOW`]).
    pub outcomes: usize,
    /// Forecasts in the forward check: those with a map fitted on earlier outcomes.
    pub forward_outcomes: usize,
    /// ECE (10 equal-mass bins) of those forecasts, each corrected by the map fitted on
    /// the outcomes before it.
    pub forward_ece: f64,
    /// The same forecasts' ECE uncorrected.
    pub forward_ece_uncalibrated: f64,
}

impl ProbabilityCalibration {
    /// Fits the blend on `(model probability, trailing rate, outcome)` triples, oldest first
    /// (the newest [`CALIBRATION_WINDOW`] are used); `None` under
    /// [`MIN_CALIBRATION_OUTCOMES`] or with one outcome only. The forward fields are 0
    /// until [`forward_probabilities`] fills them.
    pub fn fit(seen: &[(f64, f64, bool)]) -> Option<ProbabilityCalibration> {
        let seen = &seen[seen.len().saturating_sub(CALIBRATION_WINDOW)..];
        let positives = seen.iter().filter(|s| s.2).count();
        if seen.len() < MIN_CALIBRATION_OUTCOMES || positives == 0 || positives == seen.len() {
            return None;
        }
        let brier_at = |w: f64| {
            let blended: Vec<(f64, bool)> = seen
                .iter()
                .map(|(p, t, y)| (w * p + (1.0 - w) * t, *y))
                .collect();
            stats::brier(&blended)
        };
        // The first of the best on ties: the grid runs from all-trailing to all-model.
        let model_weight = (0..=10)
            .map(|k| f64::from(k) / 10.0)
            .fold((f64::INFINITY, 1.0), |best, w| {
                let b = brier_at(w);
                if b < best.0 { (b, w) } else { best }
            })
            .1;
        Some(ProbabilityCalibration {
            method: "blend".to_owned(),
            model_weight,
            fallback_rate: positives as f64 / seen.len() as f64,
            outcomes: seen.len(),
            forward_outcomes: 0,
            forward_ece: 0.0,
            forward_ece_uncalibrated: 0.0,
        })
    }

    /// The calibrated probability for the model's `p` and the team's trailing rate.
    pub fn apply(&self, p: f64, trailing: Option<f64>) -> f64 {
        let t = trailing.unwrap_or(self.fallback_rate);
        stats::clamp01(self.model_weight * p + (1.0 - self.model_weight) * t)
    }
}

/// One out-of-time probability forecast: the model's probability, the team's trailing
/// rate then, the outcome, the team.
#[derive(Debug, Clone, PartialEq)]
pub struct ForwardForecast {
    /// The model's probability.
    pub p: f64,
    /// The team's trailing rate at that moment (`None`: no finished sprint).
    pub trailing: Option<f64>,
    /// Whether the sprint delivered.
    pub delivered: bool,
    /// The team.
    pub team: Team,
}

/// Walks `blocks` of out-of-time forecasts in time order, each block corrected by the map
/// fitted on the blocks before it. Returns the final map (fitted on all, with the forward
/// check filled in) and every forecast's shown probability (corrected where a map existed).
pub fn forward_probabilities(
    blocks: &[Vec<ForwardForecast>],
) -> (Option<ProbabilityCalibration>, Vec<f64>) {
    let mut seen: Vec<(f64, f64, bool)> = Vec::new();
    let mut base = (0usize, 0usize);
    let (mut before, mut after, mut shown) = (Vec::new(), Vec::new(), Vec::new());
    for block in blocks {
        let map = ProbabilityCalibration::fit(&seen);
        for f in block {
            let p = match &map {
                Some(m) => {
                    before.push((f.p, f.delivered));
                    let q = m.apply(f.p, f.trailing);
                    after.push((q, f.delivered));
                    q
                }
                None => f.p,
            };
            shown.push(p);
        }
        for f in block {
            // The rate for a team with no history is the share delivered so far.
            let rate = if base.1 > 0 {
                base.0 as f64 / base.1 as f64
            } else {
                0.5
            };
            seen.push((f.p, f.trailing.unwrap_or(rate), f.delivered));
        }
        for f in block {
            base = (base.0 + usize::from(f.delivered), base.1 + 1);
        }
    }
    let map = ProbabilityCalibration::fit(&seen).map(|mut m| {
        m.forward_outcomes = after.len();
        m.forward_ece = equal_mass_calibration_error(&after);
        m.forward_ece_uncalibrated = equal_mass_calibration_error(&before);
        m
    });
    (map, shown)
}

/// A team's recent forward forecasts against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamCalibration {
    /// The team.
    pub team: Team,
    /// Forecasts judged (its last, at most [`DRIFT_RECENT`]).
    pub outcomes: usize,
    /// Their mean probability.
    pub mean_predicted: f64,
    /// The share that delivered.
    pub observed: f64,
    /// (delivered − Σ p) ÷ √(Σ p(1 − p)): how many standard deviations the outcomes lie
    /// from what the forecasts said.
    pub z: f64,
    /// Whether |z| ≥ [`DRIFT_Z`] over at least half of [`DRIFT_RECENT`] forecasts: the
    /// forecasts for this team have been off lately.
    pub drifting: bool,
}

impl TeamCalibration {
    /// Judges each team's last [`DRIFT_RECENT`] of `forecasts` (shown probability, outcome,
    /// team), oldest first. Teams come in name order.
    pub fn recent(forecasts: &[(f64, bool, &Team)]) -> Vec<TeamCalibration> {
        let mut by_team: std::collections::BTreeMap<&Team, Vec<(f64, bool)>> =
            std::collections::BTreeMap::new();
        for (p, y, team) in forecasts {
            by_team.entry(team).or_default().push((*p, *y));
        }
        by_team
            .into_iter()
            .map(|(team, all)| {
                let recent = &all[all.len().saturating_sub(DRIFT_RECENT)..];
                let n = recent.len() as f64;
                let expected: f64 = recent.iter().map(|r| r.0).sum();
                let hits = recent.iter().filter(|r| r.1).count() as f64;
                let var: f64 = recent.iter().map(|r| r.0 * (1.0 - r.0)).sum();
                // A sure forecast (p of 0 or 1) that missed is as far off as it gets.
                let z = if var > 1e-9 {
                    (hits - expected) / var.sqrt()
                } else if (hits - expected).abs() > 0.5 {
                    (hits - expected).signum() * f64::INFINITY
                } else {
                    0.0
                };
                TeamCalibration {
                    team: team.clone(),
                    outcomes: recent.len(),
                    mean_predicted: expected / n,
                    observed: hits / n,
                    z: if z.is_finite() { z } else { z.signum() * 99.0 },
                    drifting: recent.len() * 2 >= DRIFT_RECENT && z.abs() >= DRIFT_Z,
                }
            })
            .collect()
    }
}

/// One past sprint's simulated interval and what it delivered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalOutcome {
    /// Simulated P10 of delivered points.
    pub p10: f64,
    /// Simulated P50.
    pub p50: f64,
    /// Simulated P90.
    pub p90: f64,
    /// Points delivered.
    pub actual: f64,
}

impl IntervalOutcome {
    fn half_width(&self) -> f64 {
        ((self.p90 - self.p10) / 2.0).max(MIN_HALF_WIDTH)
    }

    fn score(&self) -> f64 {
        (self.actual - self.p50) / self.half_width()
    }
}

/// The interval's conformal correction, in half-widths around the simulated P50.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalCalibration {
    /// Past sprints it was fitted on (at most [`CALIBRATION_WINDOW`]).
    pub outcomes: usize,
    /// The corrected P10 is P50 + `low` half-widths.
    pub low: f64,
    /// The corrected P50 is P50 + `mid` half-widths.
    pub mid: f64,
    /// The corrected P90 is P50 + `high` half-widths.
    pub high: f64,
    /// Sprints in the forward check: those with a correction fitted on earlier sprints.
    pub forward_outcomes: usize,
    /// Their share delivered inside the simulated P10–P90.
    pub coverage_uncalibrated: f64,
    /// Their share inside the P10–P90 corrected by the earlier sprints (target 0.80).
    pub coverage: f64,
    /// Their share below the simulated P50.
    pub below_p50_uncalibrated: f64,
    /// Their share below the corrected P50 (target 0.50 with half of [`at_p50`](Self::at_p50)).
    pub below_p50: f64,
    /// Their share exactly at the simulated P50: the simulation caps delivery at the scope,
    /// so a sprint that delivered its whole scope often ties with a P50 at the scope.
    #[serde(default)]
    pub at_p50_uncalibrated: f64,
    /// Their share exactly at the corrected P50. A median is right when below ≤ 0.5 ≤
    /// below + at; the mid-rank share below + ½·at is the one number to hold to 0.5.
    #[serde(default)]
    pub at_p50: f64,
}

/// The conformal quantile: the ⌈(n + 1)q⌉-th smallest for an upper quantile, the
/// ⌊(n + 1)q⌋-th for a lower one (clamped to the sample), so the interval covers at least
/// its level on exchangeable data.
fn conformal(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = if q >= 0.5 {
        ((n + 1) as f64 * q).ceil() as usize
    } else {
        ((n + 1) as f64 * q).floor() as usize
    };
    sorted[rank.clamp(1, n) - 1]
}

impl IntervalCalibration {
    /// Fits the correction on past sprints, oldest first (the newest
    /// [`CALIBRATION_WINDOW`]); `None` under [`MIN_CALIBRATION_OUTCOMES`]. The forward
    /// fields are 0 until [`forward_intervals`] fills them.
    pub fn fit(seen: &[IntervalOutcome]) -> Option<IntervalCalibration> {
        let seen = &seen[seen.len().saturating_sub(CALIBRATION_WINDOW)..];
        if seen.len() < MIN_CALIBRATION_OUTCOMES {
            return None;
        }
        let mut s: Vec<f64> = seen
            .iter()
            .map(IntervalOutcome::score)
            .filter(|x| x.is_finite())
            .collect();
        if s.len() < MIN_CALIBRATION_OUTCOMES {
            return None;
        }
        s.sort_by(f64::total_cmp);
        Some(IntervalCalibration {
            outcomes: s.len(),
            low: conformal(&s, 0.1),
            mid: stats::percentile(&s, 0.5).unwrap_or(0.0),
            high: conformal(&s, 0.9),
            forward_outcomes: 0,
            coverage_uncalibrated: 0.0,
            coverage: 0.0,
            below_p50_uncalibrated: 0.0,
            below_p50: 0.0,
            at_p50_uncalibrated: 0.0,
            at_p50: 0.0,
        })
    }

    /// The corrected (P10, P50, P90) of a simulated interval: never below 0, in order.
    pub fn apply(&self, p10: f64, p50: f64, p90: f64) -> (f64, f64, f64) {
        let o = IntervalOutcome {
            p10,
            p50,
            p90,
            actual: 0.0,
        };
        let h = o.half_width();
        let lo = (p50 + self.low * h).max(0.0);
        let mid = (p50 + self.mid * h).max(lo);
        let hi = (p50 + self.high * h).max(mid);
        (lo, mid, hi)
    }
}

/// Walks `blocks` of past sprints in time order, each block corrected by the map fitted on
/// the blocks before it. Returns the final map (fitted on all, with the forward check
/// filled in).
pub fn forward_intervals(blocks: &[Vec<IntervalOutcome>]) -> Option<IntervalCalibration> {
    let mut seen: Vec<IntervalOutcome> = Vec::new();
    let (mut n, mut raw_in, mut cal_in, mut raw_below, mut cal_below) = (0usize, 0, 0, 0, 0);
    let (mut raw_at, mut cal_at) = (0usize, 0usize);
    let tie = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
    for block in blocks {
        if let Some(map) = IntervalCalibration::fit(&seen) {
            for o in block {
                let (lo, mid, hi) = map.apply(o.p10, o.p50, o.p90);
                n += 1;
                raw_in += usize::from(o.actual >= o.p10 && o.actual <= o.p90);
                cal_in += usize::from(o.actual >= lo && o.actual <= hi);
                raw_at += usize::from(tie(o.actual, o.p50));
                cal_at += usize::from(tie(o.actual, mid));
                raw_below += usize::from(o.actual < o.p50 && !tie(o.actual, o.p50));
                cal_below += usize::from(o.actual < mid && !tie(o.actual, mid));
            }
        }
        seen.extend_from_slice(block);
    }
    let share = |k: usize| if n > 0 { k as f64 / n as f64 } else { 0.0 };
    IntervalCalibration::fit(&seen).map(|mut m| {
        m.forward_outcomes = n;
        m.coverage_uncalibrated = share(raw_in);
        m.coverage = share(cal_in);
        m.below_p50_uncalibrated = share(raw_below);
        m.below_p50 = share(cal_below);
        m.at_p50_uncalibrated = share(raw_at);
        m.at_p50 = share(cal_at);
        m
    })
}

/// What a trained model carries to make its forecasts true forward in time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForecastCalibration {
    /// The probability's correction (`None`: too few out-of-time outcomes yet).
    pub probability: Option<ProbabilityCalibration>,
    /// The interval's correction (`None`: too few recorded sprints).
    pub interval: Option<IntervalCalibration>,
    /// Each team's recent forward forecasts, in team order.
    pub teams: Vec<TeamCalibration>,
}

/// How one forecast was calibrated: the numbers before and the corrections applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedCalibration {
    /// The model's own probability, before the blend.
    pub model_probability: f64,
    /// The team's trailing delivery rate used (`None`: no finished sprint, the fallback
    /// rate was used).
    pub trailing_rate: Option<f64>,
    /// The probability's correction, when fitted.
    pub probability: Option<ProbabilityCalibration>,
    /// The simulated P10 / P50 / P90 before the interval's correction.
    pub simulated: [f64; 3],
    /// The interval's correction, when fitted.
    pub interval: Option<IntervalCalibration>,
    /// This team's recent forward forecasts, when judged.
    pub team: Option<TeamCalibration>,
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::Sprint;

    fn ff(p: f64, trailing: f64, delivered: bool) -> ForwardForecast {
        ForwardForecast {
            p,
            trailing: Some(trailing),
            delivered,
            team: "t".into(),
        }
    }

    #[test]
    fn the_trailing_rate_reads_the_last_five_committed_sprints() {
        let mut h = TeamHistory::default();
        assert_eq!(trailing_rate(&h, 0.8), None);
        // 7 sprints: the first two missed, the rest delivered except the last.
        for d in [10.0, 10.0, 40.0, 40.0, 40.0, 40.0, 10.0] {
            h.sprints.push(Sprint::finished(40.0, d, 10.0, 4));
        }
        h.sprints.push(Sprint::finished(0.0, 5.0, 10.0, 4)); // nothing committed: skipped
        assert_eq!(trailing_rate(&h, 0.8), Some(0.8));
    }

    #[test]
    fn the_blend_corrects_an_overconfident_model_forward_and_says_how_much() {
        // The model says 0.9 for everyone; half deliver; the team's trailing rate knows it.
        let blocks: Vec<Vec<ForwardForecast>> = (0..8)
            .map(|b| (0..10).map(|i| ff(0.9, 0.5, (b + i) % 2 == 0)).collect())
            .collect();
        let (map, shown) = forward_probabilities(&blocks);
        let map = map.expect("80 outcomes fit a map");
        assert_eq!(map.model_weight, 0.0);
        assert_eq!(map.outcomes, 80);
        // Blocks 4..8 had 30+ earlier outcomes: 50 forecasts corrected to 0.5.
        assert_eq!(map.forward_outcomes, 50);
        // Equal-mass bins of 5 alternating outcomes hold 2 or 3 deliveries: 0.1 off at best.
        assert!(map.forward_ece <= 0.1 + 1e-9, "{map:?}");
        assert!(map.forward_ece_uncalibrated >= 0.3, "{map:?}");
        assert_eq!(shown[0], 0.9);
        assert!((shown[79] - 0.5).abs() < 1e-9);
        // A team without history gets the fallback rate.
        assert!((map.apply(0.9, None) - 0.5).abs() < 1e-9);
    }

    #[test]
    fn too_few_or_one_sided_outcomes_fit_nothing() {
        assert!(ProbabilityCalibration::fit(&[(0.5, 0.5, true); 29]).is_none());
        assert!(ProbabilityCalibration::fit(&[(0.5, 0.5, true); 100]).is_none());
        assert!(
            IntervalCalibration::fit(
                &[IntervalOutcome {
                    p10: 1.0,
                    p50: 2.0,
                    p90: 3.0,
                    actual: 2.0
                }; 29]
            )
            .is_none()
        );
    }

    #[test]
    fn the_window_forgets_old_outcomes() {
        // 300 old outcomes where the model was right, then 300 where the trailing rate was.
        let mut seen: Vec<(f64, f64, bool)> = (0..300)
            .map(|i| {
                if i % 2 == 0 {
                    (0.9, 0.5, true)
                } else {
                    (0.1, 0.5, false)
                }
            })
            .collect();
        seen.extend((0..300).map(|i| (0.9, 0.5, i % 2 == 0)));
        let m = ProbabilityCalibration::fit(&seen).expect("fits");
        assert_eq!(m.outcomes, CALIBRATION_WINDOW);
        assert_eq!(m.model_weight, 0.0);
    }

    #[test]
    fn a_too_narrow_simulation_is_widened_until_it_covers() {
        // The simulation says 20 ± 2 points; deliveries spread uniformly over 10..=30.
        let blocks: Vec<Vec<IntervalOutcome>> = (0..20)
            .map(|b| {
                (0..10)
                    .map(|i| IntervalOutcome {
                        p10: 18.0,
                        p50: 20.0,
                        p90: 22.0,
                        actual: 10.0 + f64::from((b * 10 + i) % 21),
                    })
                    .collect()
            })
            .collect();
        let m = forward_intervals(&blocks).expect("200 sprints fit");
        assert!(m.coverage_uncalibrated < 0.3, "{m:?}");
        assert!((m.coverage - 0.8).abs() <= 0.06, "{m:?}");
        let (lo, mid, hi) = m.apply(18.0, 20.0, 22.0);
        assert!(
            lo < 13.0 && hi > 27.0 && (mid - 20.0).abs() <= 1.0,
            "{lo} {mid} {hi}"
        );
        // Never negative, always ordered.
        let (lo, mid, hi) = m.apply(0.0, 0.5, 1.0);
        assert!(lo >= 0.0 && lo <= mid && mid <= hi);
    }

    #[test]
    fn a_team_whose_forecasts_were_off_lately_is_flagged() {
        let (steady, slipping) = (Team::from("steady"), Team::from("slipping"));
        let mut f: Vec<(f64, bool, &Team)> = Vec::new();
        for i in 0..20 {
            f.push((0.5, i % 2 == 0, &steady));
            // Said 0.9, delivered 2 of the last 10.
            f.push((0.9, i < 10 || i % 5 == 0, &slipping));
        }
        let teams = TeamCalibration::recent(&f);
        assert_eq!(teams.len(), 2);
        let (slipping, steady) = (&teams[0], &teams[1]);
        assert_eq!(slipping.team.as_str(), "slipping");
        assert!(slipping.drifting && slipping.z < -DRIFT_Z, "{slipping:?}");
        assert_eq!(slipping.outcomes, DRIFT_RECENT);
        assert!(!steady.drifting, "{steady:?}");
    }
}
