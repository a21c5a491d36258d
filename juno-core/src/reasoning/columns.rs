//! Evidence as columns: one slice per field, one row per decision, for hosts that score in
//! bulk from arrays (numpy from Python, `double *` from C) and need only the numbers.

use super::{Calibration, Evidence, factor_values, weighted};
use crate::config::ConfidenceWeights;
use crate::error::{Error, Result};
use crate::model::unit_complaint;

/// [`Evidence`] for many decisions, one slice per field, all of one length (the rows).
///
/// Counts (`observations`, `track_record_*`, `pattern_episodes`) are whole numbers ≥ 0
/// carried as `f64`, as arrays hold them. An optional column left out scores as the field
/// left out of [`Evidence`]; in `newest_evidence_age_hours` and `pattern_support`, NaN
/// marks a row that has no value (an absent `Option`). `engine_signals` is row-major,
/// `signals_per_row` values per row (0 when absent). Free-text items have no column: the
/// columnar form gives numbers, not explanations.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvidenceColumns<'a> {
    /// Share of needed fields present, in [0, 1].
    pub completeness: &'a [f64],
    /// Data points behind each finding.
    pub observations: &'a [f64],
    /// Age in hours of the newest evidence (NaN: unknown).
    pub newest_evidence_age_hours: Option<&'a [f64]>,
    /// Right decisions of this kind for this team.
    pub track_record_right: Option<&'a [f64]>,
    /// …out of how many decided.
    pub track_record_total: Option<&'a [f64]>,
    /// The matching pattern's support in [0, 1] (NaN: no pattern).
    pub pattern_support: Option<&'a [f64]>,
    /// Episodes behind the matching pattern.
    pub pattern_episodes: Option<&'a [f64]>,
    /// Engine signals in [0, 1], `signals_per_row` per row, row after row.
    pub engine_signals: Option<&'a [f64]>,
    /// How many engine signals each row has.
    pub signals_per_row: usize,
}

/// Evidence for many decisions held as owned columns: what a Rust host fills to call
/// [`Reasoning::confidence_columns`](super::Reasoning::confidence_columns), and the
/// columns of a list of [`Evidence`] (`From<&[Evidence]>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceTable {
    /// One value per row; see [`EvidenceColumns`] for each column's meaning.
    pub completeness: Vec<f64>,
    /// Data points behind each finding.
    pub observations: Vec<f64>,
    /// Age in hours of the newest evidence (NaN: unknown).
    pub newest_evidence_age_hours: Vec<f64>,
    /// Right decisions of this kind for this team.
    pub track_record_right: Vec<f64>,
    /// …out of how many decided.
    pub track_record_total: Vec<f64>,
    /// The matching pattern's support (NaN: no pattern).
    pub pattern_support: Vec<f64>,
    /// Episodes behind the matching pattern.
    pub pattern_episodes: Vec<f64>,
    /// Engine signals, `signals_per_row` per row, row after row.
    pub engine_signals: Vec<f64>,
    /// How many engine signals each row has.
    pub signals_per_row: usize,
}

impl From<&[Evidence]> for EvidenceTable {
    /// The columns of `rows`. Engine signals are kept only when every row has as many
    /// (columns cannot hold ragged rows); free-text items have no column.
    fn from(rows: &[Evidence]) -> Self {
        let col = |f: fn(&Evidence) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
        let k = rows.first().map_or(0, |e| e.engine_signals.len());
        let k = if rows.iter().all(|e| e.engine_signals.len() == k) {
            k
        } else {
            0
        };
        EvidenceTable {
            completeness: col(|e| e.completeness),
            observations: col(|e| e.observations as f64),
            newest_evidence_age_hours: col(|e| e.newest_evidence_age_hours.unwrap_or(f64::NAN)),
            track_record_right: col(|e| e.track_record_right as f64),
            track_record_total: col(|e| e.track_record_total as f64),
            pattern_support: col(|e| e.pattern_support.unwrap_or(f64::NAN)),
            pattern_episodes: col(|e| e.pattern_episodes as f64),
            engine_signals: if k == 0 {
                Vec::new()
            } else {
                rows.iter()
                    .flat_map(|e| e.engine_signals.iter().copied())
                    .collect()
            },
            signals_per_row: k,
        }
    }
}

impl EvidenceTable {
    /// The table as borrowed columns.
    pub fn columns(&self) -> EvidenceColumns<'_> {
        EvidenceColumns {
            completeness: &self.completeness,
            observations: &self.observations,
            newest_evidence_age_hours: Some(&self.newest_evidence_age_hours),
            track_record_right: Some(&self.track_record_right),
            track_record_total: Some(&self.track_record_total),
            pattern_support: Some(&self.pattern_support),
            pattern_episodes: Some(&self.pattern_episodes),
            engine_signals: (self.signals_per_row > 0).then_some(&self.engine_signals[..]),
            signals_per_row: self.signals_per_row,
        }
    }
}

/// A whole number ≥ 0 from a column, or why not.
fn count(field: &str, i: usize, x: f64) -> Result<u64> {
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= u64::MAX as f64 {
        Ok(x as u64)
    } else {
        Err(Error::invalid(
            format!("{field}[{i}]"),
            format!("must be a whole number ≥ 0, got {x}"),
        ))
    }
}

impl EvidenceColumns<'_> {
    /// The number of rows (the length of `completeness`).
    pub fn rows(&self) -> usize {
        self.completeness.len()
    }

    /// Checks that every column has one value per row (`signals_per_row` per row for
    /// `engine_signals`).
    fn check_lengths(&self) -> Result<()> {
        let n = self.rows();
        let columns = [
            ("observations", Some(self.observations)),
            ("newest_evidence_age_hours", self.newest_evidence_age_hours),
            ("track_record_right", self.track_record_right),
            ("track_record_total", self.track_record_total),
            ("pattern_support", self.pattern_support),
            ("pattern_episodes", self.pattern_episodes),
        ];
        for (name, column) in columns {
            if let Some(c) = column {
                if c.len() != n {
                    return Err(Error::invalid(
                        name,
                        format!(
                            "has {} values for {n} rows (the length of completeness)",
                            c.len()
                        ),
                    ));
                }
            }
        }
        let want = n.checked_mul(self.signals_per_row);
        match self.engine_signals {
            Some(s) if Some(s.len()) != want => Err(Error::invalid(
                "engine_signals",
                format!(
                    "has {} values for {n} rows of {} signals",
                    s.len(),
                    self.signals_per_row
                ),
            )),
            None if self.signals_per_row != 0 => Err(Error::invalid(
                "signals_per_row",
                "is not 0 but there is no engine_signals column",
            )),
            _ => Ok(()),
        }
    }

    /// Row `i` as [`Evidence`] (without signals and items) and its signals, checked as
    /// [`Evidence::validate`] checks, errors naming `column[i]`.
    fn row(&self, i: usize) -> Result<(Evidence, &[f64])> {
        let opt = |c: Option<&[f64]>| c.map(|c| c[i]).filter(|x| !x.is_nan());
        let cnt = |name: &str, c: Option<&[f64]>| c.map_or(Ok(0), |c| count(name, i, c[i]));
        let evidence = Evidence {
            completeness: self.completeness[i],
            observations: count("observations", i, self.observations[i])?,
            newest_evidence_age_hours: opt(self.newest_evidence_age_hours),
            track_record_right: cnt("track_record_right", self.track_record_right)?,
            track_record_total: cnt("track_record_total", self.track_record_total)?,
            pattern_support: opt(self.pattern_support),
            pattern_episodes: cnt("pattern_episodes", self.pattern_episodes)?,
            engine_signals: Vec::new(),
            items: Vec::new(),
        };
        if let Err(Error::InvalidInput { field, reason }) = evidence.validate() {
            return Err(Error::invalid(format!("{field}[{i}]"), reason));
        }
        let k = self.signals_per_row;
        let signals = self
            .engine_signals
            .map_or(&[][..], |s| &s[i * k..(i + 1) * k]);
        for (j, s) in signals.iter().enumerate() {
            if let Some(why) = unit_complaint(*s) {
                return Err(Error::invalid(format!("engine_signals[{i}][{j}]"), why));
            }
        }
        Ok((evidence, signals))
    }

    /// The confidence of every row, in row order: raw, or through `calibration` when it is
    /// given and fitted. Every row is checked before any is scored.
    pub(crate) fn score(
        &self,
        weights: &ConfidenceWeights,
        calibration: Option<&Calibration>,
    ) -> Result<Vec<f64>> {
        self.check_lengths()?;
        let calibration = calibration.filter(|c| c.is_fitted());
        (0..self.rows())
            .map(|i| {
                let (evidence, signals) = self.row(i)?;
                let raw = weighted(factor_values(&evidence, signals), weights);
                Ok(calibration.map_or(raw, |c| c.apply(raw)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reasoning::score;

    #[test]
    fn columns_score_exactly_as_the_evidence_they_hold() -> Result<()> {
        let weights = ConfidenceWeights::default();
        let rows = [
            Evidence {
                completeness: 0.8,
                observations: 40,
                newest_evidence_age_hours: Some(12.0),
                track_record_right: 8,
                track_record_total: 10,
                pattern_support: Some(0.7),
                pattern_episodes: 12,
                engine_signals: vec![0.6, 0.9],
                items: vec!["x".into()],
            },
            Evidence {
                completeness: 0.3,
                observations: 2,
                engine_signals: vec![0.1, 0.2],
                ..Evidence::default()
            },
        ];
        let table = EvidenceTable::from(&rows[..]);
        let columns = table.columns();
        let got = columns.score(&weights, None)?;
        let want: Vec<f64> = rows.iter().map(|e| score(e, &weights, None).raw).collect();
        assert_eq!(got, want);
        Ok(())
    }

    #[test]
    fn bad_cells_and_ragged_columns_are_named() {
        let weights = ConfidenceWeights::default();
        let field = |c: EvidenceColumns<'_>| match c.score(&weights, None) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => format!("{other:?}"),
        };
        let ok = [0.5, 0.5];
        assert_eq!(
            field(EvidenceColumns {
                completeness: &[0.5, 1.5],
                observations: &[1.0, 2.0],
                ..Default::default()
            }),
            "completeness[1]"
        );
        assert_eq!(
            field(EvidenceColumns {
                completeness: &ok,
                observations: &[1.0, 2.5],
                ..Default::default()
            }),
            "observations[1]"
        );
        assert_eq!(
            field(EvidenceColumns {
                completeness: &ok,
                observations: &[1.0],
                ..Default::default()
            }),
            "observations"
        );
        assert_eq!(
            field(EvidenceColumns {
                completeness: &ok,
                observations: &[1.0, 1.0],
                track_record_right: Some(&[3.0, 0.0]),
                track_record_total: Some(&[2.0, 0.0]),
                ..Default::default()
            }),
            "track_record_right[0]"
        );
        assert_eq!(
            field(EvidenceColumns {
                completeness: &ok,
                observations: &[1.0, 1.0],
                engine_signals: Some(&[0.1, 0.2, 0.3, 1.2]),
                signals_per_row: 2,
                ..Default::default()
            }),
            "engine_signals[1][1]"
        );
    }
}
