//! Sprint risk forecasting: will this sprint deliver what the team committed to?
//!
//! [`sprint`] takes a sprint's state at some moment ([`SprintState`]) and the team's past
//! sprints ([`TeamHistory`]) and returns a [`SprintForecast`]:
//!
//! - **P(deliver ≥ 80% of the commitment)**: from the trained model ([`RiskModel`], a
//!   logistic regression fitted with `linfa` on recorded sprints) when one is given, else
//!   from the Monte Carlo simulation — the forecast says which (`probability_basis`);
//! - delivered points P10 / P50 / P90 from the seeded [`monte_carlo`] simulation of the
//!   team's throughput (scope growth included);
//! - the five category scores, the monotone overall score and its level, and the
//!   recommendations ([`risk`]);
//! - the reasoning engine's confidence in the forecast and its explanation.
//!
//! The commitment is the points committed at the start (`committed_points`); points added
//! later and finished count as delivered, as in Jira's velocity chart.
//!
//! Day 0 never predicts near-zero delivery: with nothing done yet the simulation still runs
//! every remaining day at the team's pace. A commitment of 0 points never divides by zero:
//! the ratios it feeds are defined as 0 and the probability is 1 (nothing to miss).

mod api;
pub mod calibration;
pub mod features;
pub mod model;
mod monte_carlo;
pub mod risk;

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::config::RiskSettings;
use crate::error::{Error, Result};
pub use crate::model::SprintState;
pub(crate) use crate::model::nn;
use crate::model::{Confidence, Evidence, ExplanationLevel, Scorer, Sprint, Team};

pub use self::api::{FORECAST_ACTION, Forecaster, RetrainReport, SprintObservation, seed_for};
pub use self::calibration::{AppliedCalibration, ForecastCalibration};
pub use self::model::{ModelEvaluation, RiskModel};
pub use self::monte_carlo::{MonteCarloInput, MonteCarloResult, monte_carlo};
pub use self::risk::{CategoryScore, Recommendation, RiskLevel};
pub use crate::stats::SplitMix64;

/// Trials the sprint forecast's simulation runs.
pub const FORECAST_TRIALS: u32 = 10_000;

/// The old name of a finished [`Sprint`] in a team's history, kept as an alias for one
/// release.
pub type PastSprint = Sprint;

/// One sprint of a batch forecast: its state and its team's history (the JSON shape
/// `{"state": …, "history": …}` that C's `juno_forecast_sprints` and Python's
/// `Forecaster.sprints` take; `history` may be omitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SprintItem {
    /// The sprint now.
    pub state: SprintState,
    /// The team's past sprints (none when omitted).
    #[serde(default)]
    pub history: TeamHistory,
}

impl SprintItem {
    /// `items` as the (state, history) pairs [`Forecaster::sprints`] takes.
    pub fn pairs(items: Vec<SprintItem>) -> Vec<(SprintState, TeamHistory)> {
        items.into_iter().map(|i| (i.state, i.history)).collect()
    }
}

/// The team's history, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamHistory {
    /// Finished sprints.
    pub sprints: Vec<Sprint>,
    /// Points finished per working day, when known day by day. Without it, each past
    /// sprint's average day (delivered ÷ days) is a sample.
    pub daily_throughput: Vec<f64>,
    /// Points added per working day (negative for removals).
    pub daily_scope_change: Vec<f64>,
}

/// A sprint forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintForecast {
    /// The team.
    pub team: Team,
    /// The sprint.
    pub sprint: String,
    /// P(delivered ≥ 80% of the commitment).
    pub p_deliver_80: f64,
    /// `model v<N>` or `monte_carlo`.
    pub probability_basis: String,
    /// Delivered points by simulation (P10 / P50 / P90).
    pub delivery: MonteCarloResult,
    /// The five categories.
    pub categories: Vec<CategoryScore>,
    /// Σ weight × category score.
    pub overall: f64,
    /// Its level.
    pub level: RiskLevel,
    /// What to do, tied to the categories that drive the risk.
    pub recommendations: Vec<Recommendation>,
    /// The reasoning engine's confidence in this forecast.
    pub confidence: Confidence,
    /// Caveats (fallbacks taken, data missing, recent forecasts off).
    pub notes: Vec<String>,
    /// How the probability and the interval were calibrated (`None` without a trained
    /// model: the simulation's numbers as they are).
    #[serde(default)]
    pub calibration: Option<AppliedCalibration>,
}

/// Everything [`sprint`] needs besides the sprint: settings, the model and the seed.
#[derive(Debug, Clone, Copy)]
pub struct ForecastContext<'a> {
    /// Category weights and thresholds.
    pub risk: &'a RiskSettings,
    /// Scores the forecast's evidence (the handle passes the reasoning engine's).
    pub scorer: &'a dyn Scorer,
    /// The trained model, if any.
    pub model: Option<&'a RiskModel>,
    /// This kind of forecast for this team: (came true, decided).
    pub track_record: (u64, u64),
    /// The simulation's seed.
    pub seed: u64,
    /// The simulation's trials (`FORECAST_TRIALS`).
    pub trials: u32,
}

impl TeamHistory {
    /// Checks the numbers: finite, non-negative points and days.
    pub fn validate(&self) -> Result<()> {
        for (i, s) in self.sprints.iter().enumerate() {
            s.check_history()
                .map_err(|e| e.within(&format!("history.sprints[{i}].")))?;
        }
        for (name, xs) in [
            ("history.daily_throughput", &self.daily_throughput),
            ("history.daily_scope_change", &self.daily_scope_change),
        ] {
            if let Some(i) = xs.iter().position(|x| !x.is_finite()) {
                return Err(Error::invalid(format!("{name}[{i}]"), "must be finite"));
            }
        }
        Ok(())
    }

    /// Daily throughput samples: the recorded days, else each past sprint's average day.
    pub fn throughput_samples(&self) -> Vec<f64> {
        if !self.daily_throughput.is_empty() {
            return self.daily_throughput.iter().map(|x| nn(*x)).collect();
        }
        self.sprints
            .iter()
            .filter(|s| s.working_days() > 0.0)
            .map(|s| nn(s.delivered()) / s.working_days())
            .collect()
    }

    /// The median points per day, if there is any history.
    pub fn pace(&self) -> Option<f64> {
        median(self.throughput_samples())
    }

    /// The median team size over past sprints that recorded one.
    pub fn usual_team_size(&self) -> Option<f64> {
        median(
            self.sprints
                .iter()
                .filter(|s| s.team_size > 0)
                .map(|s| f64::from(s.team_size))
                .collect(),
        )
    }

    /// The median share of the commitment delivered, over past sprints with a commitment.
    pub fn delivery_ratio(&self) -> Option<f64> {
        median(
            self.sprints
                .iter()
                .filter(|s| s.committed() > 0.0)
                .map(|s| (nn(s.delivered()) / s.committed()).min(3.0))
                .collect(),
        )
    }
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    crate::stats::median(&mut xs)
}

/// The five raw category scores of the [`risk`] table.
pub fn category_scores(state: &SprintState, history: &TeamHistory) -> risk::RawScores {
    let commit = state.commitment_now();
    let left = (commit - nn(state.done_points)).max(0.0);
    let days_left = state.days_left();
    let (pace, pace_basis) = match history.pace() {
        Some(p) => (p, "the team's median pace"),
        None if state.days_planned > 0.0 => (
            nn(state.committed_points) / state.days_planned,
            "the plan's pace (no history)",
        ),
        None => (0.0, "no pace known"),
    };
    let capacity_left = pace * days_left;
    let velocity = if left <= 0.0 {
        0.0
    } else if capacity_left <= 0.0 {
        1.0
    } else {
        risk::sigmoid(4.0 * (left / capacity_left - 1.0))
    };
    let start = nn(state.committed_points);
    let churn = if start > 0.0 {
        (nn(state.added_points) + 0.5 * nn(state.removed_points)) / start
    } else if state.added_points > 0.0 {
        1.0
    } else {
        0.0
    };
    let scope = 1.0 - (-2.0 * churn).exp();
    let size = f64::from(state.team_size);
    let shrink = match history.usual_team_size() {
        Some(usual) if usual > 0.0 && size > 0.0 => (1.0 - size / usual).max(0.0),
        _ => 0.0,
    };
    let wip_per_person = if size > 0.0 {
        f64::from(state.in_progress_issues) / size
    } else {
        0.0
    };
    let overload = 1.0 - (-(wip_per_person - 2.0).max(0.0) / 2.0).exp();
    let capacity = shrink.max(overload);
    let issues = f64::from(state.issues_now().max(1));
    let quality = 1.0 - (-3.0 * f64::from(state.defects + state.review_queue) / issues).exp();
    let open = f64::from(state.open_issues().max(1));
    let dependencies = 1.0
        - (-3.0 * (f64::from(state.blocked) + 0.5 * f64::from(state.dependencies)) / open).exp();
    [
        (
            velocity,
            format!(
                "{left:.1} points left in {days_left:.1} days at {pace:.2} points/day ({pace_basis})"
            ),
        ),
        (
            scope,
            format!(
                "{:.1} points added and {:.1} removed against {start:.1} committed",
                nn(state.added_points),
                nn(state.removed_points)
            ),
        ),
        (
            capacity,
            format!(
                "{} people ({}), {wip_per_person:.1} issues in progress per person",
                state.team_size,
                history
                    .usual_team_size()
                    .map_or("usual size unknown".to_owned(), |u| format!(
                        "usually {u:.0}"
                    ))
            ),
        ),
        (
            quality,
            format!(
                "{} defects and {} awaiting review among {} issues",
                state.defects,
                state.review_queue,
                state.issues_now()
            ),
        ),
        (
            dependencies,
            format!(
                "{} blocked and {} with outside dependencies among {} open issues",
                state.blocked,
                state.dependencies,
                state.open_issues()
            ),
        ),
    ]
}

/// The Monte Carlo input for the rest of this sprint.
pub fn simulation_input(state: &SprintState, history: &TeamHistory, seed: u64) -> MonteCarloInput {
    MonteCarloInput {
        committed: nn(state.committed_points),
        scope: Some(state.commitment_now()),
        done: nn(state.done_points),
        days_remaining: state.days_left().ceil() as u32,
        planned_days: nn(state.days_planned).ceil() as u32,
        daily_throughput: history.throughput_samples(),
        daily_scope_change: history.daily_scope_change.clone(),
        trials: FORECAST_TRIALS,
        seed,
    }
}

/// Forecasts one sprint. Pure: the same input, history, context and seed give the same
/// forecast.
pub fn sprint(
    state: &SprintState,
    history: &TeamHistory,
    ctx: &ForecastContext<'_>,
) -> Result<SprintForecast> {
    state.validate()?;
    history.validate()?;
    let mut notes = Vec::new();
    let mut input = simulation_input(state, history, ctx.seed);
    input.trials = ctx.trials;
    // Every number but the horizon was checked above; a plan of years would walk each day.
    input.validate()?;
    let mut delivery = monte_carlo(&input);
    if delivery.basis == "plan_pace" {
        notes.push(
            "no throughput history: the simulation assumes the plan's pace (commitment ÷ planned days)"
                .to_owned(),
        );
    }
    let calibration = ctx
        .model
        .map(|m| calibrate(m, state, history, &mut delivery, &mut notes));
    let (p_deliver_80, probability_basis) = if state.committed_points <= 0.0 {
        notes.push("nothing committed: there is nothing to miss".to_owned());
        (1.0, "no_commitment".to_owned())
    } else {
        match (ctx.model, &calibration) {
            (Some(m), Some(c)) => (
                c.probability.as_ref().map_or(c.model_probability, |p| {
                    p.apply(c.model_probability, c.trailing_rate)
                }),
                format!("model v{}", m.version),
            ),
            _ => {
                notes.push(
                    "no trained model: the probability is the simulation's share of trials reaching 80%"
                        .to_owned(),
                );
                (delivery.p_deliver_80, "monte_carlo".to_owned())
            }
        }
    };
    let (categories, overall, level) = risk::combine(category_scores(state, history), ctx.risk);
    let recommendations = risk::recommend(&categories, level);
    let known = [
        state.committed_points > 0.0,
        state.days_planned > 0.0,
        state.team_size > 0,
        state.issues_now() > 0,
        !history.sprints.is_empty() || !history.daily_throughput.is_empty(),
    ];
    let completeness = known.iter().filter(|k| **k).count() as f64 / known.len() as f64;
    let mut signals = vec![1.0 - p_deliver_80, overall];
    if ctx.model.is_some() {
        signals.push(1.0 - delivery.p_deliver_80);
    }
    let evidence = Evidence {
        completeness,
        observations: history.sprints.len() as u64 + u64::from(state.issues_now()),
        newest_evidence_age_hours: Some(0.0),
        track_record_right: ctx.track_record.0,
        track_record_total: ctx.track_record.1,
        pattern_support: None,
        pattern_episodes: 0,
        engine_signals: signals,
        items: categories
            .iter()
            .map(|c| {
                format!(
                    "{}: {:.2} — {}",
                    c.factor.name, c.factor.value, c.factor.evidence
                )
            })
            .collect(),
    };
    let confidence = ctx.scorer.score(&evidence);
    Ok(SprintForecast {
        team: state.team.clone(),
        sprint: state.sprint.clone(),
        p_deliver_80,
        probability_basis,
        delivery,
        categories,
        overall,
        level,
        recommendations,
        confidence,
        notes,
        calibration,
    })
}

/// Applies `model`'s calibration to this forecast: the interval corrected in `delivery`
/// (the simulated one kept in the result), the model's probability and the team's trailing
/// rate for the blend, and a note when the team's recent forecasts were off.
fn calibrate(
    model: &RiskModel,
    state: &SprintState,
    history: &TeamHistory,
    delivery: &mut MonteCarloResult,
    notes: &mut Vec<String>,
) -> AppliedCalibration {
    let c = &model.calibration;
    let simulated = [delivery.p10, delivery.p50, delivery.p90];
    if let Some(i) = &c.interval {
        (delivery.p10, delivery.p50, delivery.p90) =
            i.apply(delivery.p10, delivery.p50, delivery.p90);
    }
    if c.probability.is_none() && state.committed_points > 0.0 {
        notes.push(format!(
            "the model's probability is not recalibrated yet: {} out-of-time outcomes needed",
            calibration::MIN_CALIBRATION_OUTCOMES
        ));
    }
    let team = c.teams.iter().find(|t| t.team == state.team).cloned();
    if let Some(t) = team.as_ref().filter(|t| t.drifting) {
        notes.push(format!(
            "recent forecasts for {} were off: the last {} said {:.2} on average and {:.0}% delivered (z = {:.1}); the team's delivery may have changed",
            t.team,
            t.outcomes,
            t.mean_predicted,
            100.0 * t.observed,
            t.z
        ));
    }
    AppliedCalibration {
        model_probability: model.predict(&features::extract(state, history)),
        trailing_rate: calibration::trailing_rate(history, 0.8),
        probability: c.probability.clone(),
        simulated,
        interval: c.interval.clone(),
        team,
    }
}

impl SprintForecast {
    /// The forecast in words at `level`: the headline at `basic`; plus the categories and
    /// recommendations at `detailed`; plus the confidence's factors and notes at `verbose`.
    pub fn explain(&self, level: ExplanationLevel) -> String {
        let cal = self.calibration.as_ref();
        let probability = cal.and_then(|c| c.probability.as_ref());
        let interval = cal.and_then(|c| c.interval.as_ref());
        let mut s = format!(
            "{} {}: {} risk ({:.2}); P(deliver ≥ 80%) = {:.2} ({}{}); delivered points P10/P50/P90 = {:.1}/{:.1}/{:.1}{}.",
            self.team,
            self.sprint,
            self.level,
            self.overall,
            self.p_deliver_80,
            self.probability_basis,
            match probability {
                Some(p) if self.probability_basis.starts_with("model") => format!(
                    ", calibrated on {} outcomes, ECE {:.3} (forward)",
                    p.outcomes, p.forward_ece
                ),
                _ => String::new(),
            },
            self.delivery.p10,
            self.delivery.p50,
            self.delivery.p90,
            match interval {
                Some(i) => format!(
                    " (corrected on {} past sprints, P10–P90 held {:.0}% forward)",
                    i.outcomes,
                    100.0 * i.coverage
                ),
                None => String::new(),
            }
        );
        if let Some(t) = cal.and_then(|c| c.team.as_ref()).filter(|t| t.drifting) {
            let _ = write!(
                s,
                " Caution: the last {} forecasts for this team said {:.2} on average and {:.0}% delivered.",
                t.outcomes,
                t.mean_predicted,
                100.0 * t.observed
            );
        }
        if level == ExplanationLevel::Basic {
            return s;
        }
        if let (Some(c), Some(p)) = (cal, probability) {
            let _ = write!(
                s,
                "\ncalibration: {:.2} × the model's {:.2} + {:.2} × the team's trailing delivery rate {:.2}{} (ECE over {} forward forecasts, 10 equal-mass bins: {:.3} calibrated, {:.3} before)",
                p.model_weight,
                c.model_probability,
                1.0 - p.model_weight,
                c.trailing_rate.unwrap_or(p.fallback_rate),
                if c.trailing_rate.is_none() {
                    " (no finished sprint: the delivered share of past outcomes)"
                } else {
                    ""
                },
                p.forward_outcomes,
                p.forward_ece,
                p.forward_ece_uncalibrated
            );
        }
        if let (Some(c), Some(i)) = (cal, interval) {
            let _ = write!(
                s,
                "\ninterval: simulated {:.1}/{:.1}/{:.1}, corrected by the misses of {} past sprints (forward: {:.0}% inside P10–P90 against {:.0}% uncorrected, {:.0}% below P50, ties counting half)",
                c.simulated[0],
                c.simulated[1],
                c.simulated[2],
                i.outcomes,
                100.0 * i.coverage,
                100.0 * i.coverage_uncalibrated,
                100.0 * (i.below_p50 + i.at_p50 / 2.0)
            );
        }
        for c in &self.categories {
            let _ = write!(
                s,
                "\n- {}: {:.2} × {:.2} = {:.3}{} ({})",
                c.factor.name,
                c.factor.value,
                c.factor.weight,
                c.factor.contribution,
                if c.flagged { " [flagged]" } else { "" },
                c.factor.evidence
            );
        }
        for r in &self.recommendations {
            let _ = write!(s, "\n→ {}: {}", r.category, r.text);
        }
        let _ = write!(s, "\n{}", self.confidence.explain(level));
        if level == ExplanationLevel::Verbose {
            for n in &self.notes {
                let _ = write!(s, "\nnote: {n}");
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfidenceWeights;
    use crate::reasoning::WeightedScorer;

    fn state() -> SprintState {
        SprintState {
            team: "alpha".into(),
            sprint: "S1".into(),
            committed_points: 40.0,
            todo_points: 40.0,
            committed_issues: 10,
            todo_issues: 10,
            days_planned: 10.0,
            team_size: 4,
            ..SprintState::default()
        }
    }

    fn history() -> TeamHistory {
        TeamHistory {
            sprints: (0..6)
                .map(|i| Sprint::finished(40.0, 34.0 + f64::from(i), 10.0, 4))
                .collect(),
            ..TeamHistory::default()
        }
    }

    fn run(s: &SprintState, h: &TeamHistory, model: Option<&RiskModel>) -> SprintForecast {
        let (risk, weights) = (RiskSettings::default(), ConfidenceWeights::default());
        let ctx = ForecastContext {
            risk: &risk,
            scorer: &WeightedScorer::new(&weights),
            model,
            track_record: (0, 0),
            seed: 42,
            trials: FORECAST_TRIALS,
        };
        match sprint(s, h, &ctx) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    proptest::proptest! {
        /// Making a sprint worse in any one way (less done, more added, fewer people, more
        /// defects or reviews waiting, more blocked) never lowers its overall risk.
        #[test]
        fn a_worse_sprint_never_scores_lower(
            done in 0.0f64..40.0,
            added in 0.0f64..20.0,
            elapsed in 0.0f64..10.0,
            size in 1u32..9,
            defects in 0u32..5,
            blocked in 0u32..5,
            which in 0usize..6,
            by in 1u32..5,
        ) {
            let mut s = state();
            s.done_points = done;
            s.todo_points = 40.0 - done;
            s.added_points = added;
            s.days_elapsed = elapsed;
            s.team_size = size;
            s.defects = defects;
            s.blocked = blocked;
            s.todo_issues = 6;
            s.in_progress_issues = 2;
            let mut w = s.clone();
            let k = f64::from(by);
            match which {
                0 => w.done_points = (w.done_points - k).max(0.0),
                1 => w.added_points += k,
                2 => w.team_size = w.team_size.saturating_sub(by).max(1),
                3 => w.defects += by,
                4 => w.review_queue += by,
                _ => w.blocked += by,
            }
            let settings = RiskSettings::default();
            let (_, before, _) = risk::combine(category_scores(&s, &history()), &settings);
            let (_, after, _) = risk::combine(category_scores(&w, &history()), &settings);
            proptest::prop_assert!(after >= before - 1e-12, "{which}: {before} → {after}");
        }
    }

    #[test]
    fn day_zero_forecasts_the_usual_delivery_not_zero() {
        let f = run(&state(), &history(), None);
        // Pace 3.4–3.9 points/day × 10 days ≈ 36.5 points.
        assert!(
            f.delivery.p50 > 30.0 && f.delivery.p50 <= 40.0,
            "{:?}",
            f.delivery
        );
        assert!(f.p_deliver_80 > 0.9);
        assert_eq!(f.probability_basis, "monte_carlo");
        assert!(f.notes.iter().any(|n| n.contains("no trained model")));
        assert_eq!(f.level, RiskLevel::Low);
    }

    #[test]
    fn zero_commitment_is_not_a_division_by_zero() {
        let mut s = state();
        s.committed_points = 0.0;
        s.todo_points = 0.0;
        let f = run(&s, &TeamHistory::default(), None);
        assert_eq!(f.p_deliver_80, 1.0);
        assert!(f.overall.is_finite());
        assert!(f.categories.iter().all(|c| c.factor.value.is_finite()));
    }

    #[test]
    fn a_late_sprint_with_churn_and_blockers_is_high_risk_with_reasons() {
        let mut s = state();
        s.days_elapsed = 8.0;
        s.done_points = 8.0;
        s.todo_points = 38.0;
        s.added_points = 10.0;
        s.added_issues = 3;
        s.todo_issues = 8;
        s.in_progress_issues = 3;
        s.done_issues = 2;
        s.blocked = 4;
        s.dependencies = 2;
        let f = run(&s, &history(), None);
        assert!(
            f.level >= RiskLevel::Medium,
            "{}",
            f.explain(ExplanationLevel::Verbose)
        );
        assert!(f.p_deliver_80 < 0.05);
        let recs: Vec<&str> = f
            .recommendations
            .iter()
            .map(|r| r.category.as_str())
            .collect();
        assert!(
            recs.contains(&"velocity") && recs.contains(&"dependencies"),
            "{recs:?}"
        );
        let text = f.explain(ExplanationLevel::Detailed);
        assert!(text.contains("velocity") && text.contains("[flagged]"));
        assert!(f.explain(ExplanationLevel::Basic).lines().count() == 1);
    }

    #[test]
    fn a_trained_model_supplies_the_probability() {
        let mut rows = Vec::new();
        for i in 0..60 {
            let mut s = state();
            s.days_elapsed = 3.0;
            s.done_points = f64::from(i % 20);
            s.todo_points = 40.0 - s.done_points;
            rows.push((features::extract(&s, &history()), i % 20 >= 8));
        }
        let m = match model::train(&rows, None) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let mut s = state();
        s.days_elapsed = 3.0;
        s.done_points = 18.0;
        s.todo_points = 22.0;
        let f = run(&s, &history(), Some(&m));
        assert_eq!(f.probability_basis, "model v0");
        assert!(f.p_deliver_80 > 0.5);
        assert_eq!(f.confidence.factors[4].name, "consensus_score");
    }

    #[test]
    fn a_team_whose_recent_forecasts_were_off_is_warned_about() {
        let mut rows = Vec::new();
        for i in 0..60 {
            let mut s = state();
            s.days_elapsed = 3.0;
            s.done_points = f64::from(i % 20);
            rows.push((features::extract(&s, &history()), i % 20 >= 8));
        }
        let mut m = match model::train(&rows, None) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        let alpha = Team::from("alpha");
        let judged: Vec<(f64, bool, &Team)> = (0..10).map(|_| (0.9, false, &alpha)).collect();
        m.calibration.teams = calibration::TeamCalibration::recent(&judged);
        let f = run(&state(), &history(), Some(&m));
        let c = f.calibration.clone().unwrap_or_else(|| panic!("{f:?}"));
        assert!(c.team.is_some_and(|t| t.drifting));
        assert!(c.probability.is_none());
        assert!(
            f.notes
                .iter()
                .any(|n| n.contains("recent forecasts for alpha were off"))
        );
        assert!(f.notes.iter().any(|n| n.contains("not recalibrated yet")));
        assert!(
            f.explain(ExplanationLevel::Basic)
                .contains("Caution: the last 10 forecasts")
        );
        // Without a calibration the probability is the model's own.
        assert_eq!(
            f.p_deliver_80,
            f.calibration.map_or(-1.0, |c| c.model_probability)
        );
    }

    #[test]
    fn bad_numbers_are_refused_by_name() {
        let mut s = state();
        s.days_planned = f64::NAN;
        let (risk, weights) = (RiskSettings::default(), ConfidenceWeights::default());
        let ctx = ForecastContext {
            risk: &risk,
            scorer: &WeightedScorer::new(&weights),
            model: None,
            track_record: (0, 0),
            seed: 1,
            trials: FORECAST_TRIALS,
        };
        let e = sprint(&s, &history(), &ctx).err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("days_planned")));
        let mut h = history();
        h.sprints[2].delivered_points = Some(-1.0);
        let e = sprint(&state(), &h, &ctx).err().map(|e| e.to_string());
        assert!(e.is_some_and(|m| m.contains("history.sprints[2].delivered_points")));
    }
}
