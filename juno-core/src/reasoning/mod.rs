//! The reasoning engine: confidence from five weighted factors, explanations at three
//! levels, and calibration against what really happened.
//!
//! # Factors
//!
//! Each factor is computed from [`Evidence`] by a fixed formula, in [0, 1], and missing
//! evidence scores 0, so **zero evidence never yields high confidence**:
//!
//! | factor | default weight | formula |
//! |---|---|---|
//! | `data_quality` | 0.30 | completeness × (1 − e^(−observations / 5)) |
//! | `historical_accuracy` | 0.25 | Wilson 95% lower bound of (right / decided) for this kind of decision and team |
//! | `pattern_strength` | 0.20 | support × episodes / (episodes + 3) of the matching pattern |
//! | `temporal_relevance` | 0.15 | 0.5 ^ (age of the newest evidence in hours / 72) |
//! | `consensus_score` | 0.10 | with ≥ 2 engine signals: 1 − 2 × their standard deviation, clamped to [0, 1] |
//!
//! `confidence = Σ weight × factor` with the weights from
//! [`crate::config::ConfidenceWeights`] (they sum to 1).
//!
//! # Calibration
//!
//! [`Calibration::fit`] turns recorded (confidence, was it right) pairs into a monotone map
//! by isotonic regression (pool-adjacent-violators), so that a calibrated 0.9 is right
//! about 9 times in 10 on the data it was fitted to. It reports the Brier score and the
//! expected calibration error (10 equal-width bins) before and after. With fewer than
//! [`MIN_CALIBRATION_OUTCOMES`] outcomes the map is the identity and explanations say so.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::config::ConfidenceWeights;
use crate::error::{Error, Result};
use crate::model::check_unit;
pub use crate::stats::MIN_CALIBRATION_OUTCOMES;
use crate::stats::{clamp01, wilson_lower_bound};
/// Observations at which data quality's volume term reaches 1 − 1/e.
pub const OBSERVATION_SCALE: f64 = 5.0;
/// Evidence age (hours) at which temporal relevance halves.
pub const RELEVANCE_HALF_LIFE_HOURS: f64 = 72.0;
/// Pattern episodes at which pattern strength reaches half its support.
pub const PATTERN_EPISODE_SCALE: f64 = 3.0;

mod api;
mod columns;

pub use crate::model::{Confidence, Evidence, ExplanationLevel, Factor, Scorer};
pub use api::Reasoning;
pub use columns::{EvidenceColumns, EvidenceTable};

/// The reasoning engine as a [`Scorer`]: [`score`] with these weights and, when given, a
/// calibration map.
#[derive(Debug, Clone, Copy)]
pub struct WeightedScorer<'a> {
    /// The factor weights.
    pub weights: &'a ConfidenceWeights,
    /// The calibration map, if one applies.
    pub calibration: Option<&'a Calibration>,
}

impl<'a> WeightedScorer<'a> {
    /// Scores with `weights`, uncalibrated.
    pub fn new(weights: &'a ConfidenceWeights) -> Self {
        WeightedScorer {
            weights,
            calibration: None,
        }
    }
}

impl Scorer for WeightedScorer<'_> {
    fn score(&self, evidence: &Evidence) -> Confidence {
        score(evidence, self.weights, self.calibration)
    }
}

/// The five factor values of `evidence`, in the table's order, with `signals` as its
/// engine signals. No allocation: [`score`] adds the words, the columnar form
/// ([`Reasoning::confidence_columns`]) needs only the numbers.
pub(crate) fn factor_values(evidence: &Evidence, signals: &[f64]) -> [f64; 5] {
    let dq = clamp01(evidence.completeness)
        * (1.0 - (-(evidence.observations as f64) / OBSERVATION_SCALE).exp());
    let ha = if evidence.track_record_total == 0 {
        0.0
    } else {
        wilson_lower_bound(
            evidence.track_record_right.min(evidence.track_record_total),
            evidence.track_record_total,
        )
    };
    let n = evidence.pattern_episodes as f64;
    let ps = evidence
        .pattern_support
        .map_or(0.0, |s| clamp01(s) * n / (n + PATTERN_EPISODE_SCALE));
    let tr = evidence
        .newest_evidence_age_hours
        .filter(|a| a.is_finite() && *a >= 0.0)
        .map_or(0.0, |a| 0.5_f64.powf(a / RELEVANCE_HALF_LIFE_HOURS));
    let cs = if signals.len() < 2 {
        0.0
    } else {
        let k = signals.len() as f64;
        let mean = signals.iter().map(|s| clamp01(*s)).sum::<f64>() / k;
        let var = signals
            .iter()
            .map(|s| (clamp01(*s) - mean).powi(2))
            .sum::<f64>()
            / k;
        clamp01(1.0 - 2.0 * var.sqrt())
    };
    [dq, ha, ps, tr, cs]
}

/// The weighted sum of `values` (from [`factor_values`]), clamped to [0, 1].
pub(crate) fn weighted(values: [f64; 5], weights: &ConfidenceWeights) -> f64 {
    let w = [
        weights.data_quality,
        weights.historical_accuracy,
        weights.pattern_strength,
        weights.temporal_relevance,
        weights.consensus_score,
    ];
    clamp01(values.iter().zip(w).map(|(v, w)| v * w).sum())
}

/// Scores `evidence` with `weights`. Pure and allocation-light: called once per proposal.
pub fn score(
    evidence: &Evidence,
    weights: &ConfidenceWeights,
    calibration: Option<&Calibration>,
) -> Confidence {
    let [dq, ha, ps, tr, cs] = factor_values(evidence, &evidence.engine_signals);
    let rows = [
        (
            "data_quality",
            dq,
            weights.data_quality,
            format!(
                "completeness {:.2}, {} observations",
                evidence.completeness, evidence.observations
            ),
        ),
        (
            "historical_accuracy",
            ha,
            weights.historical_accuracy,
            format!(
                "{} right of {} decided",
                evidence.track_record_right, evidence.track_record_total
            ),
        ),
        (
            "pattern_strength",
            ps,
            weights.pattern_strength,
            match evidence.pattern_support {
                Some(s) => format!(
                    "pattern support {s:.2} over {} episodes",
                    evidence.pattern_episodes
                ),
                None => "no matching pattern".to_owned(),
            },
        ),
        (
            "temporal_relevance",
            tr,
            weights.temporal_relevance,
            match evidence.newest_evidence_age_hours {
                Some(a) => format!("newest evidence {a:.1} h old"),
                None => "evidence age unknown".to_owned(),
            },
        ),
        (
            "consensus_score",
            cs,
            weights.consensus_score,
            format!("{} engine signals", evidence.engine_signals.len()),
        ),
    ];
    let factors: Vec<Factor> = rows
        .into_iter()
        .map(|(name, value, weight, ev)| Factor {
            name: name.to_owned(),
            value,
            weight,
            contribution: value * weight,
            evidence: ev,
        })
        .collect();
    let raw = clamp01(factors.iter().map(|f| f.contribution).sum());
    let (calibrated, is_calibrated) = match calibration.filter(|c| c.is_fitted()) {
        Some(c) => (c.apply(raw), true),
        None => (raw, false),
    };
    Confidence {
        raw,
        calibrated,
        is_calibrated,
        factors,
        items: evidence.items.clone(),
    }
}

impl Confidence {
    /// This confidence mapped through `calibration`: `calibrated` becomes the map's value
    /// of `raw` when the map is fitted; an unfitted map leaves it uncalibrated.
    pub fn with_calibration(mut self, calibration: &Calibration) -> Confidence {
        if calibration.is_fitted() {
            self.calibrated = calibration.apply(self.raw);
            self.is_calibrated = true;
        } else {
            self.calibrated = self.raw;
            self.is_calibrated = false;
        }
        self
    }

    /// The explanation as text at `level`.
    pub fn explain(&self, level: ExplanationLevel) -> String {
        let strongest = self
            .factors
            .iter()
            .max_by(|a, b| a.contribution.total_cmp(&b.contribution))
            .map_or("none", |f| f.name.as_str());
        let mut s = format!(
            "confidence {:.2} ({}); strongest factor: {strongest}",
            self.calibrated,
            if self.is_calibrated {
                "calibrated against recorded outcomes"
            } else {
                "not yet calibrated: too few recorded outcomes"
            }
        );
        if level == ExplanationLevel::Basic {
            return s;
        }
        for f in &self.factors {
            let _ = write!(
                s,
                "\n  {:<19} {:.3} × {:.2} = {:.3}  ({})",
                f.name, f.value, f.weight, f.contribution, f.evidence
            );
        }
        if self.is_calibrated {
            let _ = write!(
                s,
                "\n  raw {:.3} → calibrated {:.3}",
                self.raw, self.calibrated
            );
        }
        if level == ExplanationLevel::Verbose {
            s.push_str(
                "\n  formulas: data_quality = completeness × (1 − e^(−n/5)); historical_accuracy = Wilson 95% lower bound; \
                 pattern_strength = support × e/(e+3); temporal_relevance = 0.5^(age h/72); consensus = 1 − 2σ(signals)",
            );
            for item in &self.items {
                let _ = write!(s, "\n  - {item}");
            }
        }
        s
    }
}

/// A monotone calibration map fitted by isotonic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Block upper bounds (raw confidence) and the calibrated value of each block.
    pub blocks: Vec<(f64, f64)>,
    /// Outcomes it was fitted on.
    pub outcomes: usize,
    /// Brier score of the raw confidences.
    pub brier_raw: f64,
    /// Brier score after calibration (on the fitting data).
    pub brier_calibrated: f64,
    /// Expected calibration error of the raw confidences (10 bins).
    pub ece_raw: f64,
    /// Expected calibration error after calibration.
    pub ece_calibrated: f64,
}

pub use crate::stats::{brier, expected_calibration_error};

impl Calibration {
    /// The identity (no outcomes yet).
    pub fn identity() -> Self {
        Calibration {
            blocks: Vec::new(),
            outcomes: 0,
            brier_raw: 0.0,
            brier_calibrated: 0.0,
            ece_raw: 0.0,
            ece_calibrated: 0.0,
        }
    }

    /// Whether enough outcomes were seen to apply a map.
    pub fn is_fitted(&self) -> bool {
        self.outcomes >= MIN_CALIBRATION_OUTCOMES && !self.blocks.is_empty()
    }

    /// Fits a map to (raw confidence, was it right) pairs. Deterministic: ties are broken
    /// by outcome, so the same pairs in any order give the same map.
    pub fn fit(pairs: &[(f64, bool)]) -> Self {
        let mut sorted: Vec<(f64, bool)> = pairs.iter().map(|(p, y)| (clamp01(*p), *y)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if sorted.len() < MIN_CALIBRATION_OUTCOMES {
            return Calibration {
                outcomes: sorted.len(),
                brier_raw: brier(&sorted),
                brier_calibrated: brier(&sorted),
                ece_raw: expected_calibration_error(&sorted),
                ece_calibrated: expected_calibration_error(&sorted),
                ..Self::identity()
            };
        }
        // Equal raw values form one starting block (a map cannot split them), then pool
        // adjacent violators: blocks of (sum of outcomes, count, max raw).
        let mut start: Vec<(f64, f64, f64)> = Vec::new();
        for (p, y) in &sorted {
            let y = f64::from(u8::from(*y));
            match start.last_mut() {
                Some(last) if last.2 == *p => {
                    last.0 += y;
                    last.1 += 1.0;
                }
                _ => start.push((y, 1.0, *p)),
            }
        }
        let mut blocks: Vec<(f64, f64, f64)> = Vec::new();
        for b in start {
            blocks.push(b);
            while blocks.len() > 1 {
                let n = blocks.len();
                let (s1, c1, _) = blocks[n - 2];
                let (s2, c2, hi) = blocks[n - 1];
                if s1 / c1 <= s2 / c2 {
                    break;
                }
                blocks.truncate(n - 2);
                blocks.push((s1 + s2, c1 + c2, hi));
            }
        }
        let mut map = Calibration {
            blocks: blocks.iter().map(|(s, c, hi)| (*hi, s / c)).collect(),
            outcomes: sorted.len(),
            ..Self::identity()
        };
        let after: Vec<(f64, bool)> = sorted.iter().map(|(p, y)| (map.apply(*p), *y)).collect();
        map.brier_raw = brier(&sorted);
        map.brier_calibrated = brier(&after);
        map.ece_raw = expected_calibration_error(&sorted);
        map.ece_calibrated = expected_calibration_error(&after);
        map
    }

    /// Checks a map that came from outside (JSON): finite values in [0, 1], block bounds
    /// strictly rising and block values never falling, so that the map stays monotone.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad block (`blocks[2]`).
    pub fn validate(&self) -> Result<()> {
        let mut last: Option<(f64, f64)> = None;
        for (i, (hi, v)) in self.blocks.iter().enumerate() {
            check_unit(format!("blocks[{i}]"), *hi)?;
            check_unit(format!("blocks[{i}]"), *v)?;
            if let Some((h0, v0)) = last {
                if *hi <= h0 || *v < v0 {
                    return Err(Error::invalid(
                        format!("blocks[{i}]"),
                        "bounds must rise and values must not fall (a calibration map is monotone)",
                    ));
                }
            }
            last = Some((*hi, *v));
        }
        for (name, x) in [
            ("brier_raw", self.brier_raw),
            ("brier_calibrated", self.brier_calibrated),
            ("ece_raw", self.ece_raw),
            ("ece_calibrated", self.ece_calibrated),
        ] {
            check_unit(name, x)?;
        }
        Ok(())
    }

    /// Maps a raw confidence (identity while not fitted).
    pub fn apply(&self, raw: f64) -> f64 {
        if !self.is_fitted() {
            return raw;
        }
        let raw = clamp01(raw);
        for (hi, v) in &self.blocks {
            if raw <= *hi {
                return *v;
            }
        }
        self.blocks.last().map_or(raw, |(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w() -> ConfidenceWeights {
        ConfidenceWeights::default()
    }

    #[test]
    fn zero_evidence_is_zero_confidence() {
        let c = score(&Evidence::default(), &w(), None);
        assert_eq!(c.raw, 0.0);
        assert!(
            c.explain(ExplanationLevel::Basic)
                .contains("not yet calibrated")
        );
    }

    #[test]
    fn strong_evidence_is_high_confidence_and_contributions_add_up() {
        let e = Evidence {
            completeness: 1.0,
            observations: 40,
            newest_evidence_age_hours: Some(1.0),
            track_record_right: 95,
            track_record_total: 100,
            pattern_support: Some(0.9),
            pattern_episodes: 60,
            engine_signals: vec![0.8, 0.82, 0.79],
            items: vec!["ALPHA-12 idle 9 days".into()],
        };
        let c = score(&e, &w(), None);
        assert!(c.raw > 0.85, "{}", c.raw);
        let sum: f64 = c.factors.iter().map(|f| f.contribution).sum();
        assert!((sum - c.raw).abs() < 1e-12);
        let verbose = c.explain(ExplanationLevel::Verbose);
        assert!(verbose.contains("ALPHA-12") && verbose.contains("formulas"));
        assert_eq!(c.explain(ExplanationLevel::Detailed).lines().count(), 6);
    }

    #[test]
    fn calibration_fixes_overconfidence() {
        // An engine that says 0.9 but is right half the time, and says 0.3 and is right 20%.
        let mut pairs = Vec::new();
        for i in 0..100 {
            pairs.push((0.9, i % 2 == 0));
            pairs.push((0.3, i % 5 == 0));
        }
        let cal = Calibration::fit(&pairs);
        assert!(cal.is_fitted());
        assert!((cal.apply(0.9) - 0.5).abs() < 1e-9);
        assert!((cal.apply(0.3) - 0.2).abs() < 1e-9);
        assert!(cal.brier_calibrated < cal.brier_raw);
        assert!(cal.ece_calibrated < 1e-9 && cal.ece_raw > 0.2);
    }

    #[test]
    fn too_few_outcomes_leave_the_identity() {
        let cal = Calibration::fit(&[(0.9, false); 10]);
        assert!(!cal.is_fitted());
        assert_eq!(cal.apply(0.9), 0.9);
    }

    #[test]
    fn explanation_levels_parse_and_unknown_ones_are_named() {
        assert_eq!(
            "verbose".parse::<ExplanationLevel>().ok(),
            Some(ExplanationLevel::Verbose)
        );
        let err = "loud"
            .parse::<ExplanationLevel>()
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("`loud`")));
    }

    #[test]
    fn out_of_range_evidence_is_refused_by_name() {
        let field = |e: Evidence| match e.validate() {
            Err(Error::InvalidInput { field, .. }) => field,
            other => format!("{other:?}"),
        };
        let ok = Evidence::default();
        assert!(ok.validate().is_ok());
        let cases = [
            (
                Evidence {
                    completeness: 1.5,
                    ..ok.clone()
                },
                "completeness",
            ),
            (
                Evidence {
                    newest_evidence_age_hours: Some(-1.0),
                    ..ok.clone()
                },
                "newest_evidence_age_hours",
            ),
            (
                Evidence {
                    track_record_right: 3,
                    track_record_total: 2,
                    ..ok.clone()
                },
                "track_record_right",
            ),
            (
                Evidence {
                    engine_signals: vec![0.5, f64::NAN],
                    ..ok.clone()
                },
                "engine_signals[1]",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(field(e), want);
        }
    }

    #[test]
    fn a_calibration_from_outside_must_be_monotone() {
        let mut pairs = Vec::new();
        for i in 0..60 {
            pairs.push((0.8, i % 4 != 0));
            pairs.push((0.2, i % 4 == 0));
        }
        let mut cal = Calibration::fit(&pairs);
        assert!(cal.validate().is_ok());
        cal.blocks.reverse();
        assert!(cal.validate().is_err());
    }

    #[test]
    fn an_unfitted_calibration_leaves_confidence_uncalibrated() {
        let c = score(
            &Evidence {
                completeness: 1.0,
                observations: 5,
                ..Evidence::default()
            },
            &w(),
            None,
        );
        let same = c
            .clone()
            .with_calibration(&Calibration::fit(&[(0.5, true); 5]));
        assert!(!same.is_calibrated && same.calibrated == c.raw);
    }

    proptest! {
        /// More of any evidence never lowers confidence.
        #[test]
        fn confidence_is_monotone_in_evidence(obs in 0u64..100, extra in 1u64..50, right in 0u64..50, total in 50u64..100) {
            let base = Evidence { completeness: 0.8, observations: obs, track_record_right: right, track_record_total: total, ..Evidence::default() };
            let more = Evidence { observations: obs + extra, ..base.clone() };
            prop_assert!(score(&more, &w(), None).raw >= score(&base, &w(), None).raw);
        }

        /// The fitted map is monotone.
        #[test]
        fn calibration_is_monotone(pairs in prop::collection::vec((0.0f64..=1.0, prop::bool::ANY), 30..200)) {
            let cal = Calibration::fit(&pairs);
            let mut last = 0.0;
            for i in 0..=100 {
                let v = cal.apply(f64::from(i) / 100.0);
                prop_assert!(v >= last - 1e-12);
                last = v;
            }
        }
    }
}
