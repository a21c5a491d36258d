//! The reasoning handle, `juno.reasoning()`: the engine's scoring with the deployment's
//! weights and memory's track records.

use super::{Calibration, Confidence, Evidence, EvidenceColumns, score};
use crate::config::ConfidenceWeights;
use crate::error::Result;
use crate::juno::Juno;
use crate::model::{check_name, check_unit};

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
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a value out of range (see [`Evidence::validate`]).
    pub fn confidence(&self, evidence: &Evidence) -> Result<Confidence> {
        evidence.validate()?;
        Ok(score(evidence, self.weights(), None))
    }

    /// Scores many decisions as [`Reasoning::confidence`] scores one, in input order,
    /// mapped through `calibration` when it is given (checked first, as by
    /// [`Reasoning::calibrated`]). Every item is checked before any is scored.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the item and field
    /// (`evidence[3].completeness`), or the calibration map.
    pub fn confidence_many(
        &self,
        evidence: &[Evidence],
        calibration: Option<&Calibration>,
    ) -> Result<Vec<Confidence>> {
        if let Some(c) = calibration {
            c.validate()?;
        }
        for (i, e) in evidence.iter().enumerate() {
            if let Err(crate::Error::InvalidInput { field, reason }) = e.validate() {
                return Err(crate::Error::invalid(
                    format!("evidence[{i}].{field}"),
                    reason,
                ));
            }
        }
        let weights = self.weights();
        Ok(evidence
            .iter()
            .map(|e| score(e, weights, calibration))
            .collect())
    }

    /// The confidence of every row of `columns` as a number, in row order — the same
    /// value as [`Confidence::calibrated`] of [`Reasoning::confidence_many`] on the same
    /// evidence, without the factor table and its words, for hosts that score arrays.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) naming the column and row
    /// (`completeness[7]`) or a column whose length is not the row count; a calibration
    /// map that is not valid.
    pub fn confidence_columns(
        &self,
        columns: &EvidenceColumns<'_>,
        calibration: Option<&Calibration>,
    ) -> Result<Vec<f64>> {
        if let Some(c) = calibration {
            c.validate()?;
        }
        columns.score(self.weights(), calibration)
    }

    /// Scores a decision of kind `action` about `team`: the evidence's track record is
    /// replaced by memory's (see [`Reasoning::track_record`]), then scored as by
    /// [`Reasoning::confidence`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a bad value or an empty team or action; storage errors.
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
    /// [`MIN_CALIBRATION_OUTCOMES`](super::MIN_CALIBRATION_OUTCOMES) outcomes) leaves the confidence uncalibrated.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a map that is not monotone or has values outside [0, 1].
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
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for an empty team or action; storage errors.
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
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a confidence outside [0, 1] (`pairs[3]`).
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
    use crate::stats::wilson_lower_bound;

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
                context: Vec::new(),
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
}
