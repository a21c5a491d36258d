//! Random forests for the evaluation's 3-class and regression targets, on `smartcore`'s
//! seeded random-forest regressor (linfa has no regression trees).
//!
//! - **Regression** (`vel_diff`): the forest's mean prediction.
//! - **Class probabilities**: a *probability forest* (Malley et al., 2012): one regression
//!   forest per class on the 0/1 indicator of that class; each gives P(class) as the mean
//!   of its leaves, and the three are normalised to sum to 1. The predicted class is the
//!   most probable one.
//!
//! Settings are fixed constants, not tuned to any test fold.

use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

use juno_core::error::{Error, Result};

/// Trees per forest.
pub const TREES: usize = 100;
/// Smallest leaf.
pub const MIN_LEAF: usize = 1;
/// Seed of every forest (each class forest adds its class index).
pub const SEED: u64 = 20_170_101;

type Forest = RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>;

fn matrix(rows: &[Vec<f64>]) -> Result<DenseMatrix<f64>> {
    DenseMatrix::from_2d_vec(&rows.to_vec())
        .map_err(|e| Error::invalid("features", format!("feature matrix: {e}")))
}

fn fit(rows: &[Vec<f64>], y: &[f64], seed: u64, regression: bool) -> Result<Forest> {
    let d = rows.first().map_or(1, Vec::len);
    let params = RandomForestRegressorParameters::default()
        .with_n_trees(TREES)
        .with_min_samples_leaf(MIN_LEAF)
        .with_seed(seed)
        // Breiman's defaults: regression forests try d/3 features at each split,
        // classification (here: class-indicator) forests √d.
        .with_m(if regression {
            (d / 3).max(1)
        } else {
            ((d as f64).sqrt().floor() as usize).max(1)
        });
    Forest::fit(&matrix(rows)?, &y.to_vec(), params)
        .map_err(|e| Error::invalid("training data", format!("random forest: {e}")))
}

/// A fitted regression forest.
pub struct Regressor(Forest);

impl Regressor {
    /// Fits on `rows` → `y`.
    pub fn fit(rows: &[Vec<f64>], y: &[f64]) -> Result<Self> {
        Ok(Regressor(fit(rows, y, SEED, true)?))
    }

    /// Predictions for `rows`.
    pub fn predict(&self, rows: &[Vec<f64>]) -> Result<Vec<f64>> {
        self.0
            .predict(&matrix(rows)?)
            .map_err(|e| Error::invalid("features", format!("random forest: {e}")))
    }
}

/// A fitted probability forest over `k` classes.
pub struct Classifier {
    forests: Vec<Option<Forest>>,
    prior: Vec<f64>,
}

impl Classifier {
    /// Fits on `rows` with class indices `y` below `k`.
    pub fn fit(rows: &[Vec<f64>], y: &[usize], k: usize) -> Result<Self> {
        let n = y.len().max(1) as f64;
        let mut forests = Vec::with_capacity(k);
        let mut prior = Vec::with_capacity(k);
        for c in 0..k {
            let ind: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v == c))).collect();
            let share = ind.iter().sum::<f64>() / n;
            prior.push(share);
            // A class absent from training has probability 0; no forest is needed.
            forests.push(if share > 0.0 && share < 1.0 {
                Some(fit(rows, &ind, SEED + c as u64, false)?)
            } else {
                None
            });
        }
        Ok(Classifier { forests, prior })
    }

    /// Class probabilities for `rows` (each row sums to 1).
    pub fn predict_proba(&self, rows: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let x = matrix(rows)?;
        let mut cols = Vec::with_capacity(self.forests.len());
        for (f, prior) in self.forests.iter().zip(&self.prior) {
            cols.push(match f {
                Some(f) => f
                    .predict(&x)
                    .map_err(|e| Error::invalid("features", format!("random forest: {e}")))?,
                None => vec![*prior; rows.len()],
            });
        }
        Ok((0..rows.len())
            .map(|i| {
                let p: Vec<f64> = cols.iter().map(|c| c[i].max(0.0)).collect();
                let s: f64 = p.iter().sum();
                if s > 0.0 {
                    p.iter().map(|x| x / s).collect()
                } else {
                    self.prior.clone()
                }
            })
            .collect())
    }
}

/// The index of the largest value (the first on ties).
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = i;
        }
    }
    best
}
