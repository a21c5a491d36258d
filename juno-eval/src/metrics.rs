//! Classification and regression metrics, each defined where it is computed.
//!
//! - **AUC**: the probability that a random positive scores above a random negative (ties
//!   count ½), computed from ranks (Mann–Whitney U). `None` when one class is absent.
//! - **Brier score**: mean (p − y)².
//! - **Calibration error (ECE)**: Σ over 10 equal-width bins of (bin share) × |mean p − share
//!   positive|. The equal-mass form sorts the predictions by p and cuts them into 10 bins of
//!   (nearly) equal count instead, so no bin is nearly empty.
//! - **Precision / recall / F1** per class from the confusion matrix, macro-averaged (each
//!   class weighs the same); a class never predicted has precision 0.
//! - **MCC**: the multiclass Matthews correlation (Gorodkin's R_K), = the usual φ for 2 classes.
//! - **NMAE**: mean |actual − predicted| ÷ the interquartile range of the actual values of
//!   the whole project (the TSE2017 paper's normalisation).

pub use juno_core::stats::{auc, brier, equal_mass_calibration_error, expected_calibration_error};

/// A k-class confusion matrix: `m[actual][predicted]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    /// Counts.
    pub m: Vec<Vec<u64>>,
}

impl Confusion {
    /// The matrix of `actual` against `predicted` class indices below `k`.
    pub fn new(k: usize, actual: &[usize], predicted: &[usize]) -> Self {
        let mut m = vec![vec![0u64; k]; k];
        for (a, p) in actual.iter().zip(predicted) {
            if *a < k && *p < k {
                m[*a][*p] += 1;
            }
        }
        Confusion { m }
    }

    fn k(&self) -> usize {
        self.m.len()
    }

    /// Precision, recall and F1 of class `c`.
    pub fn class_prf(&self, c: usize) -> (f64, f64, f64) {
        let tp = self.m[c][c] as f64;
        let predicted: u64 = (0..self.k()).map(|a| self.m[a][c]).sum();
        let actual: u64 = self.m[c].iter().sum();
        let p = if predicted > 0 {
            tp / predicted as f64
        } else {
            0.0
        };
        let r = if actual > 0 { tp / actual as f64 } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }

    /// Macro precision, recall, F1 over the classes present in the actual labels.
    pub fn macro_prf(&self) -> (f64, f64, f64) {
        let present: Vec<usize> = (0..self.k())
            .filter(|c| self.m[*c].iter().sum::<u64>() > 0)
            .collect();
        if present.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        let n = present.len() as f64;
        let (mut p, mut r, mut f) = (0.0, 0.0, 0.0);
        for c in present {
            let (a, b, d) = self.class_prf(c);
            p += a;
            r += b;
            f += d;
        }
        (p / n, r / n, f / n)
    }

    /// Accuracy.
    pub fn accuracy(&self) -> f64 {
        let total: u64 = self.m.iter().flatten().sum();
        let right: u64 = (0..self.k()).map(|c| self.m[c][c]).sum();
        if total == 0 {
            0.0
        } else {
            right as f64 / total as f64
        }
    }

    /// The multiclass Matthews correlation coefficient (0 when undefined).
    pub fn mcc(&self) -> f64 {
        let k = self.k();
        let s: f64 = self.m.iter().flatten().sum::<u64>() as f64;
        let c: f64 = (0..k).map(|i| self.m[i][i] as f64).sum();
        let t: Vec<f64> = (0..k)
            .map(|i| self.m[i].iter().sum::<u64>() as f64)
            .collect();
        let p: Vec<f64> = (0..k)
            .map(|j| (0..k).map(|i| self.m[i][j]).sum::<u64>() as f64)
            .collect();
        let tp: f64 = t.iter().zip(&p).map(|(a, b)| a * b).sum();
        let den = ((s * s - p.iter().map(|x| x * x).sum::<f64>())
            * (s * s - t.iter().map(|x| x * x).sum::<f64>()))
        .sqrt();
        if den > 0.0 { (c * s - tp) / den } else { 0.0 }
    }
}

/// Macro one-vs-rest AUC of class probabilities `probs[i][c]`, over the classes present
/// with both positives and negatives.
pub fn macro_auc(probs: &[Vec<f64>], actual: &[usize], k: usize) -> Option<f64> {
    let aucs: Vec<f64> = (0..k)
        .filter_map(|c| {
            let scores: Vec<f64> = probs
                .iter()
                .map(|p| p.get(c).copied().unwrap_or(0.0))
                .collect();
            let labels: Vec<bool> = actual.iter().map(|a| *a == c).collect();
            auc(&scores, &labels)
        })
        .collect();
    if aucs.is_empty() {
        None
    } else {
        Some(aucs.iter().sum::<f64>() / aucs.len() as f64)
    }
}

/// The value at quantile `q` by linear interpolation (numpy's default), of unsorted `xs`.
pub fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    juno_core::stats::percentile(&v, q).unwrap_or(0.0)
}

/// Mean absolute error over the pairs.
pub fn mae(actual: &[f64], predicted: &[f64]) -> f64 {
    let n = actual.len().min(predicted.len());
    if n == 0 {
        return 0.0;
    }
    actual
        .iter()
        .zip(predicted)
        .map(|(a, p)| (a - p).abs())
        .sum::<f64>()
        / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives 0.8, 0.4; negatives 0.6, 0.2: pairs (0.8>0.6, 0.8>0.2, 0.4<0.6, 0.4>0.2) → 3/4.
        let a = auc(&[0.8, 0.4, 0.6, 0.2], &[true, true, false, false]);
        assert_eq!(a, Some(0.75));
        // A tie counts one half.
        assert_eq!(auc(&[0.5, 0.5], &[true, false]), Some(0.5));
        assert_eq!(auc(&[0.5, 0.7], &[true, true]), None);
    }

    #[test]
    fn equal_mass_ece_by_hand() {
        // 20 predictions: ten at 0.1 (one positive) and ten at 0.9 (six positive), so ten
        // equal-mass bins of two.
        let mut pairs: Vec<(f64, bool)> = (0..10).map(|i| (0.1, i == 0)).collect();
        pairs.extend((0..10).map(|i| (0.9, i < 6)));
        // Sorted (stable): bins {0.1 T, 0.1 F}, four {0.1 F, 0.1 F}, {0.9 T, 0.9 T} ×3,
        // {0.9 F, 0.9 F} ×2. Errors: |0.1−0.5| once, |0.1−0| four times, |0.9−1| three
        // times, |0.9−0| twice; each bin weighs 1/10.
        let want = (0.4 + 4.0 * 0.1 + 3.0 * 0.1 + 2.0 * 0.9) / 10.0;
        assert!((equal_mass_calibration_error(&pairs) - want).abs() < 1e-12);
        // The equal-width form sees two bins, each off on average: |0.1−0.1| and |0.9−0.6|.
        assert!((expected_calibration_error(&pairs) - 0.15).abs() < 1e-12);
        // Ten predictions make bins of one, each wholly right or wrong: 0.5 is off by 0.5.
        let halves: Vec<(f64, bool)> = (0..10).map(|i| (0.5, i % 2 == 0)).collect();
        assert!((equal_mass_calibration_error(&halves) - 0.5).abs() < 1e-12);
        assert_eq!(equal_mass_calibration_error(&[]), 0.0);
    }

    #[test]
    fn confusion_by_hand() {
        // actual   0 0 1 1 2 2
        // predict  0 1 1 1 2 0
        let c = Confusion::new(3, &[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0]);
        let (p0, r0, _) = c.class_prf(0);
        assert_eq!((p0, r0), (0.5, 0.5));
        let (p1, r1, _) = c.class_prf(1);
        assert!((p1 - 2.0 / 3.0).abs() < 1e-12 && r1 == 1.0);
        assert!((c.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        // Binary MCC equals φ: tp=2, tn=2, fp=1, fn=1 → (4−1)/√(3·3·3·3) = 1/3.
        let b = Confusion::new(2, &[1, 1, 1, 0, 0, 0], &[1, 1, 0, 0, 0, 1]);
        assert!((b.mcc() - 1.0 / 3.0).abs() < 1e-12);
        let perfect = Confusion::new(3, &[0, 1, 2], &[0, 1, 2]);
        assert!((perfect.mcc() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&xs, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile(&xs, 0.75) - 3.25).abs() < 1e-12);
    }
}
