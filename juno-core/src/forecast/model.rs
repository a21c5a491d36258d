//! The trained sprint-risk model: P(deliver ≥ 80% of the commitment) by logistic
//! regression over the [`features`](super::features), fitted with `linfa-logistic`.
//!
//! Training standardises each feature (mean 0, standard deviation 1 on the training rows;
//! a constant feature keeps scale 1), fits an L2-regularised logistic regression
//! ([`L2_PENALTY`]), and keeps the coefficients as plain numbers so a stored model is read
//! back and applied without `linfa`, identically on every platform.
//!
//! Before the final fit on all rows, the model is **evaluated forward in time**: fitted on
//! the oldest 70% of the rows (rows come oldest first) and scored on the newest 30% —
//! AUC, Brier score, calibration error and accuracy next to the majority-class baseline.
//! With fewer than [`MIN_TRAINING_SPRINTS`] rows, or only one outcome among them, there is
//! no model: [`train`] says why and forecasts fall back to the Monte Carlo path.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::calibration::{CALIBRATION_BLOCK, ForecastCalibration};
use super::features::{FEATURE_COUNT, FEATURE_NAMES};
use crate::error::{Error, Result};
use crate::stats as metrics;

/// Recorded sprints needed before a model is trained.
pub const MIN_TRAINING_SPRINTS: usize = 30;
/// The L2 penalty (linfa's `alpha`) on standardised coefficients.
pub const L2_PENALTY: f64 = 1.0;
/// Optimiser iterations (L-BFGS).
pub const MAX_ITERATIONS: u64 = 200;

/// Per-feature standardisation learnt from training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Feature means.
    pub mean: Vec<f64>,
    /// Feature standard deviations (1 for a constant feature).
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits means and deviations on `rows`.
    pub fn fit(rows: &[Vec<f64>]) -> Self {
        let d = rows.first().map_or(0, Vec::len);
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0; d];
        for r in rows {
            for (m, x) in mean.iter_mut().zip(r) {
                *m += x / n;
            }
        }
        let mut scale = vec![0.0; d];
        for r in rows {
            for ((s, x), m) in scale.iter_mut().zip(r).zip(&mean) {
                *s += (x - m).powi(2) / n;
            }
        }
        for s in &mut scale {
            *s = if *s > 1e-12 { s.sqrt() } else { 1.0 };
        }
        Standardizer { mean, scale }
    }

    /// `row` standardised.
    pub fn apply(&self, row: &[f64]) -> Vec<f64> {
        row.iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(x, (m, s))| (x - m) / s)
            .collect()
    }

    /// All rows standardised, as a matrix.
    pub fn matrix(&self, rows: &[Vec<f64>]) -> Result<Array2<f64>> {
        let d = self.mean.len();
        let flat: Vec<f64> = rows.iter().flat_map(|r| self.apply(r)).collect();
        Array2::from_shape_vec((rows.len(), d), flat)
            .map_err(|e| Error::invalid("features", format!("ragged feature rows: {e}")))
    }
}

/// A fitted binary logistic regression: P(true) = σ(w · standardise(x) + b).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// The standardisation.
    pub standardizer: Standardizer,
    /// Coefficients on standardised features.
    pub coefficients: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

impl Logistic {
    /// Fits on `rows` and `labels`. Errors when a class is missing or linfa fails.
    pub fn fit(rows: &[Vec<f64>], labels: &[bool], penalty: f64) -> Result<Logistic> {
        let standardizer = Standardizer::fit(rows);
        let x = standardizer.matrix(rows)?;
        let y = Array1::from_vec(labels.to_vec());
        let ds = Dataset::new(x, y);
        let fitted = LogisticRegression::default()
            .alpha(penalty)
            .max_iterations(MAX_ITERATIONS)
            .fit(&ds)
            .map_err(|e| Error::invalid("training data", format!("logistic regression: {e}")))?;
        // linfa's positive class is the larger one; flip so σ(…) is always P(true).
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(Logistic {
            standardizer,
            coefficients: fitted.params().iter().map(|w| sign * w).collect(),
            intercept: sign * fitted.intercept(),
        })
    }

    /// P(true) for a raw feature row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let z: f64 = self
            .standardizer
            .apply(row)
            .iter()
            .zip(&self.coefficients)
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + self.intercept;
        let p = super::risk::sigmoid(z);
        if p.is_finite() { p } else { 0.5 }
    }
}

/// How a model did on data it was not fitted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEvaluation {
    /// How the rows were split (`forward 70/30`).
    pub protocol: String,
    /// Rows fitted.
    pub n_train: usize,
    /// Rows scored.
    pub n_test: usize,
    /// AUC on the test rows (`None` when they hold one outcome only).
    pub auc: Option<f64>,
    /// Brier score.
    pub brier: f64,
    /// Expected calibration error (10 bins).
    pub calibration_error: f64,
    /// Accuracy at p ≥ 0.5.
    pub accuracy: f64,
    /// Accuracy of always predicting the training rows' majority outcome.
    pub majority_accuracy: f64,
}

/// A trained sprint-risk model with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskModel {
    /// The stored version (1, 2, …); 0 before it is stored.
    pub version: i64,
    /// `logistic_regression`.
    pub kind: String,
    /// The feature names, in order.
    pub features: Vec<String>,
    /// The fitted regression.
    pub logistic: Logistic,
    /// Rows the final model was fitted on.
    pub trained_on: usize,
    /// How many of them delivered ≥ 80%.
    pub positives: usize,
    /// The oldest and newest sprint end of the training rows (ISO 8601), when known.
    pub training_period: Option<(String, String)>,
    /// The forward evaluation.
    pub evaluation: ModelEvaluation,
    /// The corrections fitted on out-of-time forecasts that every forecast with this model
    /// applies (empty for a model stored before calibration existed).
    #[serde(default)]
    pub calibration: ForecastCalibration,
}

impl RiskModel {
    /// P(deliver ≥ 80%) for a feature vector.
    pub fn predict(&self, features: &[f64; FEATURE_COUNT]) -> f64 {
        self.logistic.predict(features)
    }
}

/// Scores `model` on `rows`: the [`ModelEvaluation`] numbers.
pub fn evaluate(
    protocol: &str,
    n_train: usize,
    majority: bool,
    probs: &[f64],
    labels: &[bool],
) -> ModelEvaluation {
    let pairs: Vec<(f64, bool)> = probs.iter().copied().zip(labels.iter().copied()).collect();
    let n = labels.len().max(1) as f64;
    let right = pairs.iter().filter(|(p, y)| (*p >= 0.5) == *y).count() as f64;
    let maj = labels.iter().filter(|y| **y == majority).count() as f64;
    ModelEvaluation {
        protocol: protocol.to_owned(),
        n_train,
        n_test: labels.len(),
        auc: metrics::auc(probs, labels),
        brier: metrics::brier(&pairs),
        calibration_error: metrics::expected_calibration_error(&pairs),
        accuracy: right / n,
        majority_accuracy: maj / n,
    }
}

/// Trains a model from `(features, delivered ≥ 80%)` rows, oldest first.
///
/// Fails with `InvalidState` (and the reason) when there are fewer than
/// [`MIN_TRAINING_SPRINTS`] rows or a single outcome; callers fall back to simulation.
pub fn train(
    rows: &[([f64; FEATURE_COUNT], bool)],
    training_period: Option<(String, String)>,
) -> Result<RiskModel> {
    let positives = rows.iter().filter(|(_, y)| *y).count();
    if rows.len() < MIN_TRAINING_SPRINTS {
        return Err(Error::InvalidState {
            reason: format!(
                "too little history to train: {} recorded sprints, {MIN_TRAINING_SPRINTS} needed",
                rows.len()
            ),
        });
    }
    if positives == 0 || positives == rows.len() {
        return Err(Error::InvalidState {
            reason: "too little history to train: every recorded sprint has the same outcome"
                .to_owned(),
        });
    }
    let x: Vec<Vec<f64>> = rows.iter().map(|(f, _)| f.to_vec()).collect();
    let y: Vec<bool> = rows.iter().map(|(_, l)| *l).collect();
    let cut = rows.len() * 7 / 10;
    let train_pos = y[..cut].iter().filter(|l| **l).count();
    let evaluation = if train_pos == 0 || train_pos == cut {
        // The older part holds one outcome: nothing to learn forward; score the constant.
        let majority = train_pos == cut;
        let constant = vec![if majority { 1.0 } else { 0.0 }; rows.len() - cut];
        evaluate("forward 70/30", cut, majority, &constant, &y[cut..])
    } else {
        let early = Logistic::fit(&x[..cut], &y[..cut], L2_PENALTY)?;
        let probs: Vec<f64> = x[cut..].iter().map(|r| early.predict(r)).collect();
        evaluate(
            "forward 70/30",
            cut,
            2 * train_pos >= cut,
            &probs,
            &y[cut..],
        )
    };
    let logistic = Logistic::fit(&x, &y, L2_PENALTY)?;
    Ok(RiskModel {
        version: 0,
        kind: "logistic_regression".to_owned(),
        features: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
        logistic,
        trained_on: rows.len(),
        positives,
        training_period,
        evaluation,
        calibration: ForecastCalibration::default(),
    })
}

/// Out-of-time predictions: `rows` (oldest first) walked in blocks of
/// max([`CALIBRATION_BLOCK`], n ÷ 50) rows — at most about 50 fits however long the
/// history — each block predicted by a model fitted only on the rows before it, as a
/// deployment retraining on that schedule would have. Blocks start once
/// [`MIN_TRAINING_SPRINTS`] rows came before; a block whose earlier rows hold one outcome
/// is skipped (a deployment had no model then). Returns each predicted block's first row
/// and its probabilities.
///
/// # Errors
/// When linfa fails to fit.
pub fn out_of_time(rows: &[([f64; FEATURE_COUNT], bool)]) -> Result<Vec<(usize, Vec<f64>)>> {
    let n = rows.len();
    let block = CALIBRATION_BLOCK.max(n / 50);
    let x: Vec<Vec<f64>> = rows.iter().map(|(f, _)| f.to_vec()).collect();
    let y: Vec<bool> = rows.iter().map(|(_, l)| *l).collect();
    let mut out = Vec::new();
    let mut start = MIN_TRAINING_SPRINTS;
    while start < n {
        let end = (start + block).min(n);
        let positives = y[..start].iter().filter(|l| **l).count();
        if positives > 0 && positives < start {
            let fit = Logistic::fit(&x[..start], &y[..start], L2_PENALTY)?;
            out.push((
                start,
                x[start..end].iter().map(|r| fit.predict(r)).collect(),
            ));
        }
        start = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::SplitMix64;

    fn rows(n: usize, seed: u64) -> Vec<([f64; FEATURE_COUNT], bool)> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|_| {
                let mut f = [0.0; FEATURE_COUNT];
                for x in &mut f {
                    *x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                }
                // Delivered when the done share (feature 1) beats pace needed (feature 9) — plus noise.
                let noise = ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.3;
                (f, f[1] - f[9] + noise > 0.0)
            })
            .collect()
    }

    #[test]
    fn learns_a_clear_signal_and_evaluates_forward() {
        let m = train(&rows(400, 1), None);
        let m = match m {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(m.trained_on, 400);
        assert_eq!(m.evaluation.n_test, 120);
        assert!(
            m.evaluation.auc.is_some_and(|a| a > 0.9),
            "{:?}",
            m.evaluation
        );
        assert!(m.evaluation.accuracy > m.evaluation.majority_accuracy);
        // The sign is right: more done, less pace needed → more likely delivered.
        assert!(m.logistic.coefficients[1] > 0.0 && m.logistic.coefficients[9] < 0.0);
        let mut good = [0.5; FEATURE_COUNT];
        good[1] = 0.9;
        good[9] = 0.1;
        let mut bad = good;
        bad[1] = 0.1;
        bad[9] = 0.9;
        assert!(m.predict(&good) > 0.8 && m.predict(&bad) < 0.2);
    }

    #[test]
    fn too_little_or_one_sided_history_is_refused_with_the_reason() {
        let e = train(&rows(10, 2), None).err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("10 recorded sprints")));
        let same: Vec<_> = rows(50, 3).into_iter().map(|(f, _)| (f, true)).collect();
        let e = train(&same, None).err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("same outcome")));
    }
}
