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

use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::ConfidenceWeights;
use crate::error::{Error, Result};
use crate::juno::Juno;
use crate::memory::check_name;
use crate::memory::learning::wilson_lower_bound;

/// Outcomes needed before a calibration map is fitted.
pub const MIN_CALIBRATION_OUTCOMES: usize = 30;
/// Observations at which data quality's volume term reaches 1 − 1/e.
pub const OBSERVATION_SCALE: f64 = 5.0;
/// Evidence age (hours) at which temporal relevance halves.
pub const RELEVANCE_HALF_LIFE_HOURS: f64 = 72.0;
/// Pattern episodes at which pattern strength reaches half its support.
pub const PATTERN_EPISODE_SCALE: f64 = 3.0;

/// What a decision rests on. Every field is optional evidence; absent evidence scores 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    /// Share of the fields the decision needs that are present, in [0, 1].
    pub completeness: f64,
    /// How many data points (tickets, sprints, events) the finding is based on.
    pub observations: u64,
    /// Age in hours of the newest evidence (none: unknown, scores 0).
    pub newest_evidence_age_hours: Option<f64>,
    /// This kind of decision for this team: how many were right (approved / came true).
    pub track_record_right: u64,
    /// …out of how many decided.
    pub track_record_total: u64,
    /// The matching pattern's support in [0, 1] and its episode count.
    pub pattern_support: Option<f64>,
    /// Episodes behind the matching pattern.
    pub pattern_episodes: u64,
    /// Signals in [0, 1] from the engines that looked at the same case (forecast risk,
    /// triage urgency, …); their agreement is the consensus.
    pub engine_signals: Vec<f64>,
    /// Free-text evidence items shown in verbose explanations.
    pub items: Vec<String>,
}

/// One factor's part in a confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// `data_quality`, `historical_accuracy`, `pattern_strength`, `temporal_relevance`,
    /// `consensus_score`.
    pub name: String,
    /// The factor's value in [0, 1].
    pub value: f64,
    /// Its weight.
    pub weight: f64,
    /// value × weight.
    pub contribution: f64,
    /// The inputs, in words.
    pub evidence: String,
}

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExplanationLevel {
    /// One sentence.
    Basic,
    /// The factor table (the default).
    #[default]
    Detailed,
    /// The factor table, the formulas and every evidence item.
    Verbose,
}

impl ExplanationLevel {
    /// The lower-case name (`basic`, `detailed`, `verbose`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExplanationLevel::Basic => "basic",
            ExplanationLevel::Detailed => "detailed",
            ExplanationLevel::Verbose => "verbose",
        }
    }
}

impl fmt::Display for ExplanationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExplanationLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "basic" => Ok(ExplanationLevel::Basic),
            "detailed" => Ok(ExplanationLevel::Detailed),
            "verbose" => Ok(ExplanationLevel::Verbose),
            _ => Err(Error::invalid(
                "level",
                format!("unknown explanation level `{s}` (expected basic, detailed or verbose)"),
            )),
        }
    }
}

/// `x` is a finite number in [0, 1].
fn check_unit(field: impl Into<String>, x: f64) -> Result<()> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be a number in [0, 1], got {x}"),
        ))
    }
}

impl Evidence {
    /// Checks the values: completeness, pattern support and engine signals in [0, 1], an
    /// evidence age that is finite and not negative, and no more right decisions than
    /// decided ones. [`score`] clamps instead; the surfaces refuse.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad field (`engine_signals[2]`).
    pub fn validate(&self) -> Result<()> {
        check_unit("completeness", self.completeness)?;
        if let Some(a) = self.newest_evidence_age_hours {
            if !a.is_finite() || a < 0.0 {
                return Err(Error::invalid(
                    "newest_evidence_age_hours",
                    format!("must be a finite number of hours ≥ 0, got {a}"),
                ));
            }
        }
        if self.track_record_right > self.track_record_total {
            return Err(Error::invalid(
                "track_record_right",
                format!(
                    "{} right of {} decided: cannot exceed the decided count",
                    self.track_record_right, self.track_record_total
                ),
            ));
        }
        if let Some(s) = self.pattern_support {
            check_unit("pattern_support", s)?;
        }
        for (i, s) in self.engine_signals.iter().enumerate() {
            check_unit(format!("engine_signals[{i}]"), *s)?;
        }
        Ok(())
    }
}

/// A scored decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// The raw weighted sum.
    pub raw: f64,
    /// After calibration (equal to `raw` while uncalibrated).
    pub calibrated: f64,
    /// Whether a calibration map was applied.
    pub is_calibrated: bool,
    /// The five factors, in the order of the table above.
    pub factors: Vec<Factor>,
    /// The evidence items.
    pub items: Vec<String>,
}

/// `x` clamped to [0, 1]; NaN and infinities count as 0. Shared by the engines' scores.
pub(crate) fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Scores `evidence` with `weights`. Pure and allocation-light: called once per proposal.
pub fn score(
    evidence: &Evidence,
    weights: &ConfidenceWeights,
    calibration: Option<&Calibration>,
) -> Confidence {
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
    let cs = if evidence.engine_signals.len() < 2 {
        0.0
    } else {
        let k = evidence.engine_signals.len() as f64;
        let mean = evidence
            .engine_signals
            .iter()
            .map(|s| clamp01(*s))
            .sum::<f64>()
            / k;
        let var = evidence
            .engine_signals
            .iter()
            .map(|s| (clamp01(*s) - mean).powi(2))
            .sum::<f64>()
            / k;
        clamp01(1.0 - 2.0 * var.sqrt())
    };
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

/// The reasoning component of one [`Juno`]: `juno.reasoning()`.
///
/// Scores evidence with the deployment's configured [`ConfidenceWeights`] and, for a
/// decision about a team, takes the track record from what memory learned about that team
/// and action ([`crate::memory::Memories::preference`]: approved outcomes are right, every
/// recorded outcome is decided).
///
/// # Examples
///
/// ```
/// use juno_core::Juno;
/// use juno_core::reasoning::{Evidence, ExplanationLevel};
/// let juno = Juno::open_in_memory()?;
/// let evidence = Evidence { completeness: 1.0, observations: 5, ..Evidence::default() };
/// let c = juno.reasoning().confidence(&evidence)?;
/// // data_quality = 1 × (1 − e^(−5/5)), weighted 0.30; every other factor is 0.
/// assert!((c.raw - 0.30 * (1.0 - (-1.0f64).exp())).abs() < 1e-12);
/// println!("{}", c.explain(ExplanationLevel::Detailed));
/// # Ok::<(), juno_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Reasoning<'a> {
    juno: &'a Juno,
}

impl<'a> Reasoning<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Reasoning { juno }
    }

    /// The factor weights in force (`[confidence_weights]` in the config file).
    pub fn weights(&self) -> &'a ConfidenceWeights {
        &self.juno.config().confidence_weights
    }

    /// Scores `evidence` as given, with the configured weights; uncalibrated.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a value out of range (see [`Evidence::validate`]).
    pub fn confidence(&self, evidence: &Evidence) -> Result<Confidence> {
        evidence.validate()?;
        Ok(score(evidence, self.weights(), None))
    }

    /// Scores a decision of kind `action` about `team`: the evidence's track record is
    /// replaced by memory's (see [`Reasoning::track_record`]), then scored as by
    /// [`Reasoning::confidence`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad value or an empty team or action; storage errors.
    pub fn confidence_for(
        &self,
        evidence: &Evidence,
        team: &str,
        action: &str,
    ) -> Result<Confidence> {
        let (right, total) = self.track_record(team, action)?;
        let evidence = Evidence {
            track_record_right: right,
            track_record_total: total,
            ..evidence.clone()
        };
        self.confidence(&evidence)
    }

    /// `confidence` mapped through `calibration`, a map that may come from outside (JSON):
    /// it is checked first (see [`Calibration::validate`]). An unfitted map (fewer than
    /// [`MIN_CALIBRATION_OUTCOMES`] outcomes) leaves the confidence uncalibrated.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a map that is not monotone or has values outside [0, 1].
    pub fn calibrated(
        &self,
        confidence: Confidence,
        calibration: &Calibration,
    ) -> Result<Confidence> {
        calibration.validate()?;
        Ok(confidence.with_calibration(calibration))
    }

    /// The track record of decisions of kind `action` about `team`, as (right, decided):
    /// the approved outcomes and all outcomes memory recorded for them; (0, 0) when none.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty team or action; storage errors.
    pub fn track_record(&self, team: &str, action: &str) -> Result<(u64, u64)> {
        check_name("team", team)?;
        check_name("action", action)?;
        Ok(self
            .juno
            .memory()
            .preference(team, action)?
            .map_or((0, 0), |p| (p.approved, p.total)))
    }

    /// Fits a calibration map to recorded (confidence, was it right) pairs, with its Brier
    /// score and expected calibration error before and after (see [`Calibration::fit`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a confidence outside [0, 1] (`pairs[3]`).
    pub fn calibrate(&self, pairs: &[(f64, bool)]) -> Result<Calibration> {
        for (i, (p, _)) in pairs.iter().enumerate() {
            check_unit(format!("pairs[{i}]"), *p)?;
        }
        Ok(Calibration::fit(pairs))
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

    #[test]
    fn the_component_uses_configured_weights_and_memorys_track_record() -> Result<()> {
        use crate::config::DatabaseUrl;
        use crate::memory::{Outcome, OutcomeRecord};
        let config = crate::Config {
            database_url: DatabaseUrl::Memory,
            confidence_weights: ConfidenceWeights {
                data_quality: 0.0,
                historical_accuracy: 1.0,
                pattern_strength: 0.0,
                temporal_relevance: 0.0,
                consensus_score: 0.0,
            },
            ..crate::Config::default()
        };
        let juno = Juno::open(config)?;
        for outcome in [Outcome::Approved, Outcome::Approved, Outcome::Rejected] {
            juno.memory().record_outcome(&OutcomeRecord {
                team: "alpha".into(),
                action: "reassign".into(),
                outcome,
                subject: None,
                note: None,
            })?;
        }
        let r = juno.reasoning();
        assert_eq!(r.track_record("alpha", "reassign")?, (2, 3));
        assert_eq!(r.track_record("alpha", "close")?, (0, 0));
        // Memory replaces whatever track record the evidence carried.
        let e = Evidence {
            track_record_right: 90,
            track_record_total: 90,
            ..Evidence::default()
        };
        let c = r.confidence_for(&e, "alpha", "reassign")?;
        assert!((c.raw - wilson_lower_bound(2, 3)).abs() < 1e-12);
        assert!((r.confidence(&e)?.raw - wilson_lower_bound(90, 90)).abs() < 1e-12);
        assert!(r.confidence_for(&e, "", "reassign").is_err());
        assert!(r.calibrate(&[(1.2, true)]).is_err());
        Ok(())
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
