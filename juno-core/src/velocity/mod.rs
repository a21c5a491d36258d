//! The velocity analyzer: per-team delivery statistics, trend and next-sprint forecast.
//!
//! Pure: the same sprints give the same report, byte for byte.
//!
//! | output | definition |
//! |---|---|
//! | mean, median, stdev | of delivered points per sprint (stdev: sample, n − 1) |
//! | `cv` | stdev / mean (0 when the mean is 0) |
//! | `stability` | 1 / (1 + cv) |
//! | OLS trend | least-squares line over sprint index 0…n−1; `r_squared` = 1 − SS_res / SS_tot, `None` when every sprint delivered the same |
//! | Theil–Sen trend | median of all pairwise slopes; intercept = median of yᵢ − slope·xᵢ (robust to a few outlier sprints) |
//! | `classification` | fewer than [`MIN_SPRINTS`] sprints → `insufficient_data`; cv > [`VOLATILE_CV`] → `volatile`; Theil–Sen slope / mean above +[`TREND_THRESHOLD`] per sprint → `improving`, below −[`TREND_THRESHOLD`] → `declining`; else `stable` |
//! | forecast | OLS prediction for the next sprint with an 80% prediction interval (Student's t, n − 2 degrees of freedom), floored at 0 |

mod api;

pub use api::Velocity;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::ExplanationLevel;
pub use crate::model::Sprint;
use crate::stats;

/// Fewer sprints than this cannot be classified.
pub const MIN_SPRINTS: usize = 3;
/// A coefficient of variation above this is volatile.
pub const VOLATILE_CV: f64 = 0.35;
/// A relative Theil–Sen slope beyond ±this per sprint is a trend (3% of the mean).
pub const TREND_THRESHOLD: f64 = 0.03;
/// The most sprints [`Velocity`] analyses for one team: Theil–Sen looks at every pair of
/// sprints, so the work grows with the square of the count (1,000 weekly sprints are
/// nineteen years).
pub const MAX_SPRINTS_PER_TEAM: usize = 1000;

/// The old name of a [`Sprint`] as velocity reads it, kept as an alias for one release.
pub type SprintRecord = Sprint;

/// How a team's velocity is moving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VelocityClass {
    /// Rising by more than the trend threshold.
    Improving,
    /// Neither rising nor falling, and not volatile.
    Stable,
    /// Falling by more than the trend threshold.
    Declining,
    /// Too variable for a trend to mean much.
    Volatile,
    /// Fewer than [`MIN_SPRINTS`] sprints.
    InsufficientData,
}

/// A fitted line over sprint index.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Points per sprint.
    pub slope: f64,
    /// Points at sprint index 0.
    pub intercept: f64,
}

/// The next sprint's expected delivery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Expected points.
    pub expected: f64,
    /// Lower end of the 80% prediction interval (≥ 0).
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// One team's velocity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VelocityReport {
    /// Sprints analysed.
    pub sprints: usize,
    /// Mean delivered points.
    pub mean: f64,
    /// Median delivered points.
    pub median: f64,
    /// Sample standard deviation.
    pub stdev: f64,
    /// Coefficient of variation.
    pub cv: f64,
    /// 1 / (1 + cv).
    pub stability: f64,
    /// Mean of delivered / committed over sprints with a commitment.
    pub completion_ratio: Option<f64>,
    /// Least-squares trend.
    pub ols: Option<Line>,
    /// Coefficient of determination of the OLS line.
    pub r_squared: Option<f64>,
    /// Robust trend.
    pub theil_sen: Option<Line>,
    /// The verdict.
    pub classification: VelocityClass,
    /// The next sprint.
    pub forecast: Option<Forecast>,
}

/// Student's t quantile at 0.90 (one-sided), i.e. the 80% two-sided interval, by degrees
/// of freedom; the normal quantile beyond 30.
fn t90(df: usize) -> f64 {
    const T: [f64; 30] = [
        3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356, 1.350,
        1.345, 1.341, 1.337, 1.333, 1.330, 1.328, 1.325, 1.323, 1.321, 1.319, 1.318, 1.316, 1.315,
        1.314, 1.313, 1.311, 1.310,
    ];
    match df {
        0 => f64::INFINITY,
        d if d <= 30 => T[d - 1],
        _ => 1.2816,
    }
}

/// Analyses one team's sprints, oldest first.
pub fn analyze(sprints: &[Sprint]) -> VelocityReport {
    let y: Vec<f64> = sprints
        .iter()
        .map(|s| {
            let d = s.delivered();
            if d.is_finite() { d.max(0.0) } else { 0.0 }
        })
        .collect();
    let n = y.len();
    let nf = n as f64;
    let mean = if n == 0 {
        0.0
    } else {
        y.iter().sum::<f64>() / nf
    };
    let stdev = if n < 2 {
        0.0
    } else {
        (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
    };
    let cv = if mean > 0.0 { stdev / mean } else { 0.0 };
    let ratios: Vec<f64> = sprints
        .iter()
        .filter(|s| s.committed() > 0.0 && s.committed().is_finite() && s.delivered().is_finite())
        .map(|s| s.delivered().max(0.0) / s.committed())
        .collect();
    let completion_ratio =
        (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64);

    let (mut ols, mut r_squared, mut theil_sen, mut forecast) = (None, None, None, None);
    if let Some(fit) = stats::ols(&y) {
        let (slope, intercept) = (fit.slope, fit.intercept);
        ols = Some(Line { slope, intercept });
        r_squared = fit.r_squared;
        theil_sen = stats::theil_sen(&y).map(|(slope, intercept)| Line { slope, intercept });

        if n >= 3 {
            let x_next = nf;
            let expected = intercept + slope * x_next;
            let s = (fit.residual_ss / (nf - 2.0)).sqrt();
            let se = s * (1.0 + 1.0 / nf + (x_next - fit.x_mean).powi(2) / fit.sxx).sqrt();
            let half = t90(n - 2) * se;
            forecast = Some(Forecast {
                expected: expected.max(0.0),
                low: (expected - half).max(0.0),
                high: (expected + half).max(0.0),
            });
        }
    }
    let classification = if n < MIN_SPRINTS {
        VelocityClass::InsufficientData
    } else if cv > VOLATILE_CV {
        VelocityClass::Volatile
    } else {
        let rel = match (theil_sen, mean > 0.0) {
            (Some(l), true) => l.slope / mean,
            _ => 0.0,
        };
        if rel > TREND_THRESHOLD {
            VelocityClass::Improving
        } else if rel < -TREND_THRESHOLD {
            VelocityClass::Declining
        } else {
            VelocityClass::Stable
        }
    };
    VelocityReport {
        sprints: n,
        mean,
        median: stats::median(&mut y.clone()).unwrap_or(0.0),
        stdev,
        cv,
        stability: 1.0 / (1.0 + cv),
        completion_ratio,
        ols,
        r_squared,
        theil_sen,
        classification,
        forecast,
    }
}

/// Analyses many teams; the result is ordered by team.
pub fn analyze_teams(teams: &BTreeMap<String, Vec<Sprint>>) -> BTreeMap<String, VelocityReport> {
    teams.iter().map(|(t, s)| (t.clone(), analyze(s))).collect()
}

impl VelocityClass {
    /// The snake_case name (`improving`, …, `insufficient_data`).
    pub fn as_str(self) -> &'static str {
        match self {
            VelocityClass::Improving => "improving",
            VelocityClass::Stable => "stable",
            VelocityClass::Declining => "declining",
            VelocityClass::Volatile => "volatile",
            VelocityClass::InsufficientData => "insufficient_data",
        }
    }
}

impl VelocityReport {
    /// The report in words at `level`: the headline (mean, verdict, next sprint) at
    /// `basic`; plus the statistics and both trends at `detailed`; plus the definitions and
    /// thresholds behind the verdict at `verbose`.
    pub fn explain(&self, level: ExplanationLevel) -> String {
        let mut s = format!(
            "velocity {:.1} points per sprint over {} sprints: {}",
            self.mean,
            self.sprints,
            self.classification.as_str().replace('_', " ")
        );
        match self.forecast {
            Some(f) => {
                let _ = write!(
                    s,
                    "; next sprint {:.1} (80% interval {:.1}–{:.1})",
                    f.expected, f.low, f.high
                );
            }
            None => s.push_str("; no forecast (fewer than 3 sprints)"),
        }
        if level == ExplanationLevel::Basic {
            return s;
        }
        let _ = write!(
            s,
            "\n  mean {:.2}, median {:.2}, stdev {:.2}\n  cv {:.3}, stability {:.3}",
            self.mean, self.median, self.stdev, self.cv, self.stability
        );
        if let Some(r) = self.completion_ratio {
            let _ = write!(s, "\n  delivered / committed {r:.2} on average");
        }
        if let Some(l) = self.ols {
            let _ = write!(
                s,
                "\n  OLS trend {:+.2} points per sprint (intercept {:.2}, R² {})",
                l.slope,
                l.intercept,
                self.r_squared.map_or_else(
                    || "undefined: every sprint the same".to_owned(),
                    |r| format!("{r:.3}")
                )
            );
        }
        if let Some(l) = self.theil_sen {
            let _ = write!(
                s,
                "\n  Theil–Sen trend {:+.2} points per sprint (intercept {:.2})",
                l.slope, l.intercept
            );
        }
        if level == ExplanationLevel::Verbose {
            let rel = match (self.theil_sen, self.mean > 0.0) {
                (Some(l), true) => format!("{:+.3}", l.slope / self.mean),
                _ => "undefined".to_owned(),
            };
            let _ = write!(
                s,
                "\n  verdict: insufficient data below {MIN_SPRINTS} sprints; volatile when cv > {VOLATILE_CV}; \
                 improving / declining when the Theil–Sen slope ÷ mean is beyond ±{TREND_THRESHOLD} per sprint \
                 (here {rel}); else stable\n  forecast: the OLS line at the next sprint, with an 80% \
                 prediction interval (Student's t, n − 2 degrees of freedom), floored at 0"
            );
        }
        s
    }
}

/// Checks one team's sprints; `name` is what errors call the list (`sprints`, a team).
pub(crate) fn check_sprints(name: &str, sprints: &[Sprint]) -> Result<()> {
    if sprints.len() > MAX_SPRINTS_PER_TEAM {
        return Err(Error::invalid(
            name,
            format!(
                "{} sprints for one team; at most {MAX_SPRINTS_PER_TEAM} are analysed",
                sprints.len()
            ),
        ));
    }
    for (i, s) in sprints.iter().enumerate() {
        s.check_points()
            .map_err(|e| e.within(&format!("{name}[{i}].")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(super) fn sprints(v: &[f64]) -> Vec<Sprint> {
        v.iter()
            .enumerate()
            .map(|(i, d)| Sprint::with_points(format!("s{i}"), 30.0, *d))
            .collect()
    }

    #[test]
    fn a_perfect_line_is_improving_with_r_squared_one() {
        let r = analyze(&sprints(&[20.0, 22.0, 24.0, 26.0, 28.0, 30.0]));
        let ols = r.ols.unwrap_or(Line {
            slope: 0.0,
            intercept: 0.0,
        });
        assert!((ols.slope - 2.0).abs() < 1e-12 && (ols.intercept - 20.0).abs() < 1e-12);
        assert!((r.r_squared.unwrap_or(0.0) - 1.0).abs() < 1e-12);
        assert!((r.theil_sen.map_or(0.0, |l| l.slope) - 2.0).abs() < 1e-12);
        assert_eq!(r.classification, VelocityClass::Improving);
        let f = r.forecast.unwrap_or(Forecast {
            expected: 0.0,
            low: 0.0,
            high: 0.0,
        });
        assert!(
            (f.expected - 32.0).abs() < 1e-9 && (f.high - f.low).abs() < 1e-9,
            "{f:?}"
        );
    }

    #[test]
    fn r_squared_matches_a_hand_computation() {
        // y = 1, 3, 2, 5: x̄ = 1.5, ȳ = 2.75, Sxy = 5.5, Sxx = 5 → slope 1.1, intercept 1.1;
        // SS_tot = 8.75, SS_res = 2.7 → R² = 1 − 2.7/8.75 = 0.691428…
        let r = analyze(&sprints(&[1.0, 3.0, 2.0, 5.0]));
        assert!((r.r_squared.unwrap_or(0.0) - (1.0 - 2.7 / 8.75)).abs() < 1e-12);
    }

    #[test]
    fn a_flat_series_is_stable_with_undefined_r_squared() {
        let r = analyze(&sprints(&[25.0; 8]));
        assert_eq!(r.classification, VelocityClass::Stable);
        assert_eq!(r.r_squared, None);
        assert_eq!(r.cv, 0.0);
        assert_eq!(r.stability, 1.0);
    }

    #[test]
    fn theil_sen_shrugs_off_one_outlier_sprint() {
        let r = analyze(&sprints(&[30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 120.0]));
        assert_eq!(r.theil_sen.map(|l| l.slope), Some(0.0));
        assert!(r.ols.map_or(0.0, |l| l.slope) > 5.0);
    }

    #[test]
    fn few_sprints_and_zero_commitment_do_not_break() {
        assert_eq!(analyze(&[]).classification, VelocityClass::InsufficientData);
        let r = analyze(&[Sprint::with_points("a", 0.0, 0.0)]);
        assert_eq!(r.completion_ratio, None);
        assert_eq!(r.classification, VelocityClass::InsufficientData);
    }

    #[test]
    fn a_noisy_team_is_volatile() {
        assert_eq!(
            analyze(&sprints(&[10.0, 40.0, 12.0, 38.0, 9.0, 41.0])).classification,
            VelocityClass::Volatile
        );
    }

    #[test]
    fn explanations_grow_with_the_level() {
        let r = analyze(&sprints(&[1.0, 3.0, 2.0, 5.0]));
        let basic = r.explain(ExplanationLevel::Basic);
        assert!(basic.starts_with("velocity 2.8 points per sprint over 4 sprints: volatile"));
        assert!(basic.contains("next sprint 5.5"));
        let detailed = r.explain(ExplanationLevel::Detailed);
        assert!(detailed.contains("R² 0.691") && detailed.contains("Theil–Sen"));
        let verbose = r.explain(ExplanationLevel::Verbose);
        assert!(verbose.len() > detailed.len() && verbose.contains("cv > 0.35"));
        assert!(
            analyze(&[])
                .explain(ExplanationLevel::Basic)
                .contains("no forecast")
        );
    }

    proptest! {
        /// Velocity in different units (scaled by k > 0) gives the same verdict and CV.
        #[test]
        fn classification_is_scale_free(v in prop::collection::vec(1.0f64..100.0, 3..30), k in 0.1f64..10.0) {
            let a = analyze(&sprints(&v));
            let scaled: Vec<f64> = v.iter().map(|x| x * k).collect();
            let b = analyze(&sprints(&scaled));
            prop_assert_eq!(a.classification, b.classification);
            prop_assert!((a.cv - b.cv).abs() < 1e-9);
        }

        /// The forecast interval contains the expectation.
        #[test]
        fn forecast_interval_is_ordered(v in prop::collection::vec(0.0f64..100.0, 3..30)) {
            if let Some(f) = analyze(&sprints(&v)).forecast {
                prop_assert!(f.low <= f.expected && f.expected <= f.high);
            }
        }
    }
}
