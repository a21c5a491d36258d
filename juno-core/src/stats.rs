//! Small numeric building blocks, one copy each, shared by the engines and the evaluation.
//!
//! A leaf: it imports nothing from the crate, so every engine may use it without
//! depending on another engine.
//!
//! | function | definition |
//! |---|---|
//! | [`median`] | middle value (mean of the two middle values for an even count) |
//! | [`percentile`] | linear interpolation between order statistics (numpy's default) |
//! | [`ols`] | least-squares line over x = 0…n−1, with r² and the residual sum of squares |
//! | [`theil_sen`] | median of all pairwise slopes over x = 0…n−1; intercept = median of yᵢ − slope·xᵢ |
//! | [`wilson_lower_bound`] | lower end of the 95% Wilson score interval for k of n |
//! | [`brier`] | mean (p − y)² |
//! | [`expected_calibration_error`] | Σ over 10 equal-width bins of (bin share) × \|mean p − hit rate\| |
//! | [`auc`] | Mann–Whitney U from average ranks (ties count ½) |

/// z for the 95% Wilson interval.
const WILSON_Z: f64 = 1.959_963_984_540_054;

/// A seeded SplitMix64 generator (small, fast, and stable across versions by construction).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform index below `n` (n > 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The median of `v` (sorted in place), `None` when empty.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The `q` quantile (in [0, 1]) of **sorted** values by linear interpolation (numpy's
/// default), `None` when empty.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// A least-squares line over x = 0…n−1 and what its prediction intervals need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OlsFit {
    /// Change per step.
    pub slope: f64,
    /// Value at x = 0.
    pub intercept: f64,
    /// 1 − SS_res / SS_tot; `None` when every y is the same (SS_tot = 0).
    pub r_squared: Option<f64>,
    /// Σ (yᵢ − ŷᵢ)².
    pub residual_ss: f64,
    /// Mean of x, (n − 1) / 2.
    pub x_mean: f64,
    /// Σ (xᵢ − x̄)².
    pub sxx: f64,
}

/// The least-squares line through `y` at x = 0…n−1; `None` below two points.
pub fn ols(y: &[f64]) -> Option<OlsFit> {
    let n = y.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = y.iter().sum::<f64>() / nf;
    let x_mean = (nf - 1.0) / 2.0;
    let sxx: f64 = (0..n).map(|i| (i as f64 - x_mean).powi(2)).sum();
    let sxy: f64 = (0..n).map(|i| (i as f64 - x_mean) * (y[i] - mean)).sum();
    let slope = sxy / sxx;
    let intercept = mean - slope * x_mean;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let residual_ss: f64 = (0..n)
        .map(|i| (y[i] - (intercept + slope * i as f64)).powi(2))
        .sum();
    Some(OlsFit {
        slope,
        intercept,
        r_squared: (ss_tot > 0.0).then(|| 1.0 - residual_ss / ss_tot),
        residual_ss,
        x_mean,
        sxx,
    })
}

/// The Theil–Sen line through `y` at x = 0…n−1 as (slope, intercept); `None` below two
/// points. Robust to a few outliers; quadratic in n (callers cap n).
pub fn theil_sen(y: &[f64]) -> Option<(f64, f64)> {
    let n = y.len();
    if n < 2 {
        return None;
    }
    let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            slopes.push((y[j] - y[i]) / (j - i) as f64);
        }
    }
    let slope = median(&mut slopes).unwrap_or(0.0);
    let mut residuals: Vec<f64> = (0..n).map(|i| y[i] - slope * i as f64).collect();
    Some((slope, median(&mut residuals).unwrap_or(0.0)))
}

/// Lower end of the 95% Wilson score interval for `k` successes in `n` trials (0 when
/// `n` is 0).
pub fn wilson_lower_bound(k: u64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = WILSON_Z * WILSON_Z;
    let centre = p + z2 / (2.0 * n);
    let spread = WILSON_Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).clamp(0.0, 1.0)
}

/// `x` clamped to [0, 1]; NaN and infinities count as 0.
pub fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Outcomes needed before a calibration map is fitted.
pub const MIN_CALIBRATION_OUTCOMES: usize = 30;

/// Brier score: mean squared difference between probability and outcome (0 or 1).
pub fn brier(pairs: &[(f64, bool)]) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    pairs
        .iter()
        .map(|(p, y)| (p - f64::from(u8::from(*y))).powi(2))
        .sum::<f64>()
        / pairs.len() as f64
}

/// Expected calibration error over 10 equal-width bins: Σ (bin share) × |mean p − hit rate|.
pub fn expected_calibration_error(pairs: &[(f64, bool)]) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    let mut bins = [(0.0f64, 0.0f64, 0usize); 10];
    for (p, y) in pairs {
        let i = ((clamp01(*p) * 10.0) as usize).min(9);
        bins[i].0 += p;
        bins[i].1 += f64::from(u8::from(*y));
        bins[i].2 += 1;
    }
    let n = pairs.len() as f64;
    bins.iter()
        .filter(|b| b.2 > 0)
        .map(|(sp, sy, k)| (*k as f64 / n) * (sp / *k as f64 - sy / *k as f64).abs())
        .sum()
}

/// ECE over 10 equal-mass bins: the pairs sorted by probability, cut into 10 runs whose
/// sizes differ by at most one; Σ (bin share) × |mean p − share positive|.
pub fn equal_mass_calibration_error(pairs: &[(f64, bool)]) -> f64 {
    if pairs.is_empty() {
        return 0.0;
    }
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = sorted.len();
    let bins = 10.min(n);
    (0..bins)
        .map(|b| {
            let bin = &sorted[b * n / bins..(b + 1) * n / bins];
            let k = bin.len() as f64;
            let mean_p = bin.iter().map(|x| x.0).sum::<f64>() / k;
            let share = bin.iter().filter(|x| x.1).count() as f64 / k;
            (k / n as f64) * (mean_p - share).abs()
        })
        .sum()
}

/// AUC of `scores` for `labels` (true = positive), by average ranks. `None` if either class
/// is absent.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let n = scores.len().min(labels.len());
    let pos = labels[..n].iter().filter(|l| **l).count();
    let neg = n - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        // Tied block i..=j shares the average rank (1-based).
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            if labels[*k] {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    let (p, q) = (pos as f64, neg as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile_interpolate() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!(percentile(&v, 0.85).is_some_and(|p| (p - 4.4).abs() < 1e-12));
    }

    #[test]
    fn lines_recover_a_perfect_trend() -> Result<(), String> {
        let y = [1.0, 3.0, 5.0, 7.0];
        let fit = ols(&y).ok_or("ols")?;
        assert!((fit.slope - 2.0).abs() < 1e-12 && (fit.intercept - 1.0).abs() < 1e-12);
        assert_eq!(fit.r_squared, Some(1.0));
        assert_eq!(theil_sen(&y), Some((2.0, 1.0)));
        assert_eq!(ols(&[1.0]), None);
        assert_eq!(theil_sen(&[1.0]), None);
        Ok(())
    }

    #[test]
    fn wilson_is_more_cautious_with_fewer_trials() {
        assert!(wilson_lower_bound(4, 5) < wilson_lower_bound(40, 50));
        assert_eq!(wilson_lower_bound(0, 0), 0.0);
    }
}
