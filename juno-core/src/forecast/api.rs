//! The forecaster bound to a [`Juno`]: forecasts with the deployment's settings and its
//! newest trained model, records finished sprints, and retrains.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::calibration::{self, ForwardForecast, IntervalOutcome, TeamCalibration};
use super::{
    ForecastCalibration, ForecastContext, RiskModel, SprintForecast, SprintState, TeamHistory,
    features, model,
};
use crate::error::{Error, Result};
use crate::juno::Juno;
use crate::model::Team;
use crate::reasoning::WeightedScorer;
use crate::store::{forecasts as sql, to_ms};

/// The memory action whose recorded outcomes are the forecasts' track record: record
/// `Approved` when a forecast came true, `Rejected` when it did not.
pub const FORECAST_ACTION: &str = "sprint_forecast";

/// A finished sprint: its state at prediction time, the history then, and what it
/// delivered. The training rows of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SprintObservation {
    /// The state at prediction time (team and sprint identify the observation).
    pub state: SprintState,
    /// The team's history as of then.
    #[serde(default)]
    pub history: TeamHistory,
    /// Points delivered by the end.
    pub delivered_points: f64,
    /// When the sprint ended (orders the rows for forward evaluation).
    pub ended_at: DateTime<Utc>,
}

impl SprintObservation {
    /// Whether it delivered at least 80% of the commitment at start (a sprint with nothing
    /// committed counts as delivered).
    pub fn delivered_80(&self) -> bool {
        self.delivered_points >= 0.8 * self.state.committed_points
    }
}

/// What [`Forecaster::retrain`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainReport {
    /// Whether a new model version was stored.
    pub trained: bool,
    /// Recorded sprints available.
    pub observations: usize,
    /// The new model (with its version and evaluation) when trained.
    pub model: Option<RiskModel>,
    /// Why no model was trained; forecasts keep using the previous model, or the Monte
    /// Carlo path when there is none.
    pub reason: Option<String>,
}

/// The calibration a model trained on `rows` carries: the blend fitted on the out-of-time
/// predictions of [`model::out_of_time`], the interval correction fitted on each recorded
/// sprint's simulation against what it delivered (in the same blocks), and each team's
/// recent forward forecasts. Never fitted on a row's own prediction by a model that saw it.
fn forecast_calibration(
    observations: &[&SprintObservation],
    rows: &[([f64; features::FEATURE_COUNT], bool)],
) -> Result<ForecastCalibration> {
    let predicted = model::out_of_time(rows)?;
    let blocks: Vec<Vec<ForwardForecast>> = predicted
        .iter()
        .map(|(start, probs)| {
            probs
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let o = observations[start + k];
                    ForwardForecast {
                        p: *p,
                        trailing: calibration::trailing_rate(&o.history, 0.8),
                        delivered: o.delivered_80(),
                        team: o.state.team.clone(),
                    }
                })
                .collect()
        })
        .collect();
    let (probability, shown) = calibration::forward_probabilities(&blocks);
    let judged: Vec<(f64, bool, &Team)> = blocks
        .iter()
        .flatten()
        .zip(&shown)
        .map(|(f, p)| (*p, f.delivered, &f.team))
        .collect();
    let block = calibration::CALIBRATION_BLOCK.max(observations.len() / 50);
    let intervals: Vec<IntervalOutcome> = observations
        .iter()
        .map(|o| {
            let input = super::simulation_input(
                &o.state,
                &o.history,
                seed_for(&o.state.team, &o.state.sprint),
            );
            let r = super::monte_carlo(&input);
            IntervalOutcome {
                p10: r.p10,
                p50: r.p50,
                p90: r.p90,
                actual: o.delivered_points,
            }
        })
        .collect();
    let interval_blocks: Vec<Vec<IntervalOutcome>> =
        intervals.chunks(block).map(<[_]>::to_vec).collect();
    Ok(ForecastCalibration {
        probability,
        interval: calibration::forward_intervals(&interval_blocks),
        teams: TeamCalibration::recent(&judged),
    })
}

/// One forecast from settings, the model and the team's track record: no storage.
fn forecast_pure(
    config: &crate::Config,
    state: &SprintState,
    history: &TeamHistory,
    model: Option<&RiskModel>,
    track_record: (u64, u64),
) -> Result<SprintForecast> {
    let ctx = ForecastContext {
        risk: &config.risk,
        scorer: &WeightedScorer::new(&config.confidence_weights),
        model,
        track_record,
        seed: seed_for(&state.team, &state.sprint),
        trials: config.forecast_trials,
    };
    super::sprint(state, history, &ctx)
}

/// Sprint forecasting for one [`Juno`]; get it with [`Juno::forecast`].
#[derive(Debug, Clone, Copy)]
pub struct Forecaster<'a> {
    juno: &'a Juno,
}

/// A stable 64-bit seed for a (team, sprint): FNV-1a, so the same sprint always gets the
/// same simulation.
pub fn seed_for(team: &str, sprint: &str) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in team.bytes().chain([0u8]).chain(sprint.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

impl<'a> Forecaster<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Forecaster { juno }
    }

    fn track_record(&self, team: &str) -> (u64, u64) {
        // A disabled memory layer means no track record, not a failed forecast.
        match self.juno.memory().preference(team, FORECAST_ACTION) {
            Ok(Some(p)) => (p.approved, p.total),
            _ => (0, 0),
        }
    }

    fn forecast_with(
        &self,
        state: &SprintState,
        history: &TeamHistory,
        model: Option<&RiskModel>,
    ) -> Result<SprintForecast> {
        let track_record = self.track_record(&state.team);
        forecast_pure(self.juno.config(), state, history, model, track_record)
    }

    /// Forecasts one sprint with the newest trained model (or the simulation without one).
    ///
    /// # Errors
    /// `InvalidInput` naming the bad field; storage errors reading the model.
    pub fn sprint(&self, state: &SprintState, history: &TeamHistory) -> Result<SprintForecast> {
        let model = self.model()?;
        self.forecast_with(state, history, model.as_ref())
    }

    /// Forecasts many sprints (every active sprint of an organisation) with one model read.
    /// Results come in input order.
    ///
    /// # Errors
    /// The first bad sprint's error, naming its position.
    pub fn sprints(&self, sprints: &[(SprintState, TeamHistory)]) -> Result<Vec<SprintForecast>> {
        let model = self.model()?;
        // Track records are read once per team (the store is one connection), then the
        // forecasts, pure, run in parallel: each is seeded by its team and sprint, so the
        // results do not depend on the thread count or order.
        let mut records: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for (s, _) in sprints {
            let team = s.team.as_str();
            if !records.contains_key(team) {
                records.insert(team, self.track_record(team));
            }
        }
        let config = self.juno.config();
        sprints
            .par_iter()
            .enumerate()
            .map(|(i, (s, h))| {
                let record = records.get(s.team.as_str()).copied().unwrap_or((0, 0));
                forecast_pure(config, s, h, model.as_ref(), record).map_err(|e| e.in_item(i))
            })
            .collect()
    }

    /// Records a finished sprint for training (replacing an earlier record of the same
    /// team and sprint). Returns true when it replaced one.
    ///
    /// # Errors
    /// `InvalidInput` for bad numbers or an empty team/sprint; storage errors.
    pub fn record(&self, observation: &SprintObservation) -> Result<bool> {
        Self::check_observation(observation)?;
        let now = to_ms(self.juno.now());
        self.juno
            .store()
            .write(|tx| sql::upsert_observation(tx, observation, now))
    }

    /// Records many finished sprints in one transaction (all or nothing): how the agent
    /// cycle takes in an organisation's history. Returns how many replaced an earlier
    /// record.
    ///
    /// # Errors
    /// As [`Forecaster::record`], naming the first bad item (`[3].delivered_points`).
    pub fn record_many(&self, observations: &[SprintObservation]) -> Result<usize> {
        for (i, o) in observations.iter().enumerate() {
            Self::check_observation(o).map_err(|e| e.in_item(i))?;
        }
        let now = to_ms(self.juno.now());
        self.juno.store().write(|tx| {
            let mut replaced = 0;
            for o in observations {
                replaced += usize::from(sql::upsert_observation(tx, o, now)?);
            }
            Ok(replaced)
        })
    }

    /// The checks [`Forecaster::record`] applies to one observation.
    pub(crate) fn check_observation(observation: &SprintObservation) -> Result<()> {
        observation.state.validate()?;
        observation.history.validate()?;
        if observation.state.team.trim().is_empty() || observation.state.sprint.trim().is_empty() {
            return Err(Error::invalid("state", "team and sprint must not be empty"));
        }
        if !observation.delivered_points.is_finite() || observation.delivered_points < 0.0 {
            return Err(Error::invalid(
                "delivered_points",
                format!(
                    "must be a finite number ≥ 0, got {}",
                    observation.delivered_points
                ),
            ));
        }
        Ok(())
    }

    /// Every recorded sprint, oldest end first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn observations(&self) -> Result<Vec<SprintObservation>> {
        self.juno.store().read(sql::observations)
    }

    /// The newest trained model, if any.
    ///
    /// # Errors
    /// Storage errors; `Corrupt` if the stored model cannot be read.
    pub fn model(&self) -> Result<Option<RiskModel>> {
        self.juno.store().read(sql::latest_model)
    }

    /// Trains a new model version on every recorded sprint (evaluated forward in time
    /// first, see [`model`]) and stores it. With too little history nothing is stored and
    /// the report says why; forecasts then keep the previous model or the simulation.
    ///
    /// # Errors
    /// Storage errors.
    pub fn retrain(&self) -> Result<RetrainReport> {
        let obs = self.observations()?;
        let committed: Vec<&SprintObservation> = obs
            .iter()
            .filter(|o| o.state.committed_points > 0.0)
            .collect();
        let rows: Vec<_> = committed
            .iter()
            .map(|o| (features::extract(&o.state, &o.history), o.delivered_80()))
            .collect();
        let period = match (obs.first(), obs.last()) {
            (Some(a), Some(b)) => Some((a.ended_at.to_rfc3339(), b.ended_at.to_rfc3339())),
            _ => None,
        };
        match model::train(&rows, period) {
            Ok(mut m) => {
                m.calibration = forecast_calibration(&committed, &rows)?;
                let now = to_ms(self.juno.now());
                m.version = self
                    .juno
                    .store()
                    .write(|tx| sql::insert_model(tx, &m, now))?;
                Ok(RetrainReport {
                    trained: true,
                    observations: obs.len(),
                    model: Some(m),
                    reason: None,
                })
            }
            Err(Error::InvalidState { reason }) => Ok(RetrainReport {
                trained: false,
                observations: obs.len(),
                model: None,
                reason: Some(reason),
            }),
            Err(e) => Err(e),
        }
    }

    /// How many model versions have been trained.
    ///
    /// # Errors
    /// Storage errors.
    pub fn model_versions(&self) -> Result<i64> {
        self.juno.store().read(sql::model_count)
    }
}
