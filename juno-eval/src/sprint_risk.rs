//! `juno eval sprint-risk`: the sprint-risk models on TSE2017-schema (and Porru8-schema)
//! files, per project, under two protocols.
//!
//! # Protocols
//!
//! - `paper-cv` — the TSE2017 paper's: a project's iterations at the prediction time
//!   (default 30% of the sprint) sorted by `sprint_order` (then board), ten folds where fold
//!   *i* holds every row whose position ≡ *i* (mod 10). Each fold is predicted by models
//!   fitted on the other nine; the metrics are computed once over all out-of-fold
//!   predictions of the project.
//! - `forward` — the deployment setting: fit on the oldest 70% of a project's rows, predict
//!   the newest 30%.
//! - `rolling` — deployment, sprint by sprint: a project's sprints are walked in time
//!   order (`sprint_order`; Porru8: start date), and each block of [`ROLLING_RETRAIN_EVERY`]
//!   sprints is predicted by the model JUNO would have had then: trained on every sprint
//!   before the block, retrained once per block — the schedule the agent cycle uses
//!   (`CycleOptions::retrain_every`, 10 newly finished sprints). Prediction starts once
//!   [`ROLLING_MIN_SPRINTS`] sprints have finished; the earlier ones only train.
//! - `sprint-cv` — like `paper-cv`, but the fold is the sprint's rank (dense rank of
//!   `sprint_order`) mod 10, so every board's copy of one sprint falls in the same fold.
//!   The same sprint often appears on several boards with identical features and outcome
//!   (exact duplicate rows: Apache 15%, JBoss 38%, JIRA 83%); `paper-cv` puts the copies
//!   in different folds, so part of its score is recall of a seen row. `sprint-cv` removes
//!   that leak and is the fairer cross-validation.
//!
//! # Targets, models, metrics
//!
//! | target | model | metrics | baseline |
//! |---|---|---|---|
//! | 3-class `paper_class` (under / achieved / over) | probability forest ([`super::forest`]) on the evaluation features | macro precision, recall, F1; macro one-vs-rest AUC; MCC; MMAE | the training folds' majority class |
//! | delivered ≥ 80% of the commitment at sprint start (`committed_sp` of the 0% row; rows with commitment 0 are skipped) | JUNO's deployed model: the logistic regression of [`juno_core::forecast::model`] on [`juno_core::forecast::features`] | AUC, Brier, calibration error (ECE over 10 equal-width bins, and over 10 equal-mass bins), accuracy at 0.5 | the training folds' majority outcome (accuracy) and base rate (Brier); the team's trailing delivery rate (Brier) |
//! | `vel_diff` (delivered − committed points) | regression forest | NMAE = mean \|actual − predicted\| ÷ IQR(`vel_diff` of the project at this prediction time) | the training folds' mean and median |
//!
//! MMAE is the macro-averaged mean absolute error over the ordered classes
//! (under = 0 < achieved = 1 < over = 2): for each actual class, the mean distance of the
//! predicted class, averaged over the classes.
//!
//! # Features
//!
//! The evaluation features are the deployed model's twenty ([`juno_core::forecast::features`],
//! which include the board's history: its earlier sprints' delivery) plus the iteration's
//! own numbers (points and issues at start, added, removed, to do, in progress, done;
//! planned days, admins, team members, committed points), derived sizes (open points,
//! points left, points left per remaining day and per member, points per member and per
//! issue, issues now) and, when `--issues` is given, per-sprint aggregates of the issue
//! features (issues, bugs, blocker/critical, blocked, blocking, linked, sub-tasks, mean
//! comments, mean field changes, share of hard-to-read descriptions). Nothing known only
//! after the prediction time is read: `vel_diff`, `delivered_sp`, the class columns and
//! later prediction times' rows are outcomes, used only as labels and baselines.
//!
//! # Porru8 sprints
//!
//! A `porru8_sprints.csv`-shaped file holds no mid-sprint state, so only the binary target
//! is evaluated, at sprint start: `completion_ratio_sp ≥ 0.8` on CLOSED sprints, from
//! the sprint's size, planned length and the project's earlier sprints. Its `sp_total` is
//! the scope at close, not the commitment at start (see the data README), which flatters
//! nothing but blurs the label.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::data::{self, IssueAggregate, Iteration, PorruSprint};
use super::forest::{self, Classifier, Regressor};
use super::metrics::{self, Confusion};
use super::plot::{self, CoverageBar, ReliabilityBin};
use juno_core::error::{Error, Result};
use juno_core::forecast::calibration::{
    IntervalOutcome, ProbabilityCalibration, forward_intervals,
};
use juno_core::forecast::features;
use juno_core::forecast::model::{L2_PENALTY, Logistic};
use juno_core::forecast::{TeamHistory, monte_carlo, seed_for, simulation_input};
use juno_core::model::{Sprint, SprintState};

/// How rows are split into training and test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// The paper's 10-fold interleaved cross-validation.
    PaperCv,
    /// Oldest 70% → newest 30%.
    Forward,
    /// 10-fold cross-validation with all boards of one sprint in one fold.
    SprintCv,
    /// Sprint by sprint in time order, retrained every [`ROLLING_RETRAIN_EVERY`] sprints.
    Rolling,
}

/// Under `rolling`, the model is retrained once per this many newly finished sprints (the
/// agent cycle's default `retrain_every`).
pub const ROLLING_RETRAIN_EVERY: usize = 10;

/// Under `rolling`, predictions start once this many sprints have finished.
pub const ROLLING_MIN_SPRINTS: usize = 10;

/// The trailing-rate baseline reads a team's last this many finished sprints: the
/// product's own window (its calibration blends with the same rate).
pub use juno_core::forecast::calibration::TRAILING_SPRINTS;

impl Protocol {
    /// `paper-cv`, `forward`, `sprint-cv` or `rolling`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::PaperCv => "paper-cv",
            Protocol::Forward => "forward",
            Protocol::SprintCv => "sprint-cv",
            Protocol::Rolling => "rolling",
        }
    }
}

impl std::str::FromStr for Protocol {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "paper-cv" => Ok(Protocol::PaperCv),
            "forward" => Ok(Protocol::Forward),
            "sprint-cv" => Ok(Protocol::SprintCv),
            "rolling" => Ok(Protocol::Rolling),
            other => Err(Error::invalid(
                "protocol",
                format!("expected `paper-cv`, `forward`, `sprint-cv` or `rolling`, got `{other}`"),
            )),
        }
    }
}

/// How the `rolling` protocol recalibrates the deployed model's probabilities. Each
/// block's map is fitted only on the earlier blocks' predictions and outcomes (out of time,
/// as a deployed JUNO would have them), once there are [`MIN_CALIBRATION_OUTCOMES`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recalibration {
    /// The model's probabilities as they are.
    #[default]
    None,
    /// A monotone map by isotonic regression (`juno_core::reasoning::Calibration`).
    Isotonic,
    /// Platt scaling: a logistic regression on the logit of the probability.
    Platt,
    /// A blend w·p + (1 − w)·(the team's trailing rate), w ∈ {0, 0.1, …, 1} chosen by the
    /// Brier score on the newest earlier outcomes: the product's calibration
    /// ([`juno_core::forecast::calibration::ProbabilityCalibration`]).
    Blend,
}

impl Recalibration {
    /// `none`, `isotonic` or `platt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Recalibration::None => "none",
            Recalibration::Isotonic => "isotonic",
            Recalibration::Platt => "platt",
            Recalibration::Blend => "blend",
        }
    }
}

impl std::str::FromStr for Recalibration {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Recalibration::None),
            "isotonic" => Ok(Recalibration::Isotonic),
            "platt" => Ok(Recalibration::Platt),
            "blend" => Ok(Recalibration::Blend),
            other => Err(Error::invalid(
                "recalibration",
                format!("expected `none`, `isotonic`, `platt` or `blend`, got `{other}`"),
            )),
        }
    }
}

pub use juno_core::reasoning::MIN_CALIBRATION_OUTCOMES;

/// A fitted recalibration: (raw probability, the team's trailing rate) → calibrated
/// probability.
type RecalibrationMap = Box<dyn Fn(f64, f64) -> f64 + Send + Sync>;

/// A recalibration map fitted on (probability, trailing rate, outcome) triples; `None`
/// while there are too few, or only one outcome.
fn fit_recalibration(
    method: Recalibration,
    seen: &[(f64, f64, bool)],
) -> Result<Option<RecalibrationMap>> {
    let pairs: Vec<(f64, bool)> = seen.iter().map(|(p, _, y)| (*p, *y)).collect();
    let positives = pairs.iter().filter(|p| p.1).count();
    if pairs.len() < MIN_CALIBRATION_OUTCOMES || positives == 0 || positives == pairs.len() {
        return Ok(None);
    }
    Ok(match method {
        Recalibration::None => None,
        Recalibration::Isotonic => {
            let map = juno_core::reasoning::Calibration::fit(&pairs);
            Some(Box::new(move |p, _| map.apply(p)))
        }
        Recalibration::Platt => {
            let logit = |p: f64| {
                let p = p.clamp(1e-6, 1.0 - 1e-6);
                (p / (1.0 - p)).ln()
            };
            let rows: Vec<Vec<f64>> = pairs.iter().map(|(p, _)| vec![logit(*p)]).collect();
            let labels: Vec<bool> = pairs.iter().map(|(_, y)| *y).collect();
            let model = Logistic::fit(&rows, &labels, L2_PENALTY)?;
            Some(Box::new(move |p, _| model.predict(&[logit(p)])))
        }
        Recalibration::Blend => {
            // The product's own fit (the newest CALIBRATION_WINDOW outcomes), so this
            // evaluates what a deployment applies.
            ProbabilityCalibration::fit(seen)
                .map(|m| -> RecalibrationMap { Box::new(move |p, t| m.apply(p, Some(t))) })
        }
    })
}

/// Evaluation options. Missing fields take their defaults when deserialised; unknown ones
/// are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SprintRiskEvalOptions {
    /// The protocol.
    pub protocol: Protocol,
    /// Prediction time in % of the sprint (TSE2017 rows: 0, 30, 50 or 80; default 30).
    pub pred_time_pct: u32,
    /// The delivery ratio that counts as delivered (default 0.8).
    pub delivered_ratio: f64,
    /// Porru8 only: the issue ↔ sprint membership file (`porru8_issue_sprints.csv`).
    /// Given with the issues file (`porru8_issues.csv` as `issues`), each sprint is
    /// rebuilt as it stood at the prediction time; without them, at sprint start.
    pub memberships: Option<std::path::PathBuf>,
    /// `rolling` only: how the binary target's probabilities are recalibrated (default
    /// none).
    pub recalibration: Recalibration,
    /// A directory to write the pictures into (created if missing): a reliability diagram
    /// per project and pooled, and under `rolling` the interval coverage, as SVG.
    pub plot: Option<std::path::PathBuf>,
}

impl Default for SprintRiskEvalOptions {
    fn default() -> Self {
        SprintRiskEvalOptions {
            protocol: Protocol::PaperCv,
            pred_time_pct: 30,
            delivered_ratio: 0.8,
            memberships: None,
            recalibration: Recalibration::None,
            plot: None,
        }
    }
}

/// 3-class results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Macro precision.
    pub precision: f64,
    /// Macro recall.
    pub recall: f64,
    /// Macro F1.
    pub f1: f64,
    /// Macro one-vs-rest AUC.
    pub auc: Option<f64>,
    /// Multiclass MCC.
    pub mcc: f64,
    /// Macro mean absolute error over the ordered classes.
    pub mmae: f64,
    /// Accuracy.
    pub accuracy: f64,
    /// The majority-class baseline's macro F1.
    pub baseline_f1: f64,
    /// Its accuracy.
    pub baseline_accuracy: f64,
}

/// Binary (delivered ≥ ratio) results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryReport {
    /// Rows scored.
    pub n: usize,
    /// Share delivered among them.
    pub delivered_share: f64,
    /// AUC.
    pub auc: Option<f64>,
    /// Brier score.
    pub brier: f64,
    /// Expected calibration error over 10 equal-width bins of the predicted probability.
    pub calibration_error: f64,
    /// Expected calibration error over 10 equal-mass bins (each holds a tenth of the
    /// predictions, sorted by probability): not flattered by empty extreme bins.
    #[serde(default)]
    pub calibration_error_equal_mass: f64,
    /// Accuracy at p ≥ 0.5.
    pub accuracy: f64,
    /// Majority-outcome baseline accuracy.
    pub baseline_accuracy: f64,
    /// Base-rate baseline Brier score (predicting the training share for every row).
    pub baseline_brier: f64,
    /// The trailing-rate baseline's Brier score: each row predicted by its team's share of
    /// delivered sprints among its last [`TRAILING_SPRINTS`] finished ones (the training
    /// share when the team has none yet).
    #[serde(default)]
    pub trailing_brier: f64,
    /// The trailing-rate baseline's AUC.
    #[serde(default)]
    pub trailing_auc: Option<f64>,
    /// `rolling` only: the delivered points against the simulated and corrected P10–P90.
    #[serde(default)]
    pub interval: Option<IntervalCoverage>,
    /// The reliability diagram's points: 10 equal-mass bins of the predictions (the bins
    /// ECEm is computed over).
    #[serde(default)]
    pub reliability: Vec<ReliabilityBin>,
}

/// `vel_diff` regression results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// NMAE of the forest.
    pub nmae: f64,
    /// NMAE of predicting the training mean.
    pub mean_baseline: f64,
    /// NMAE of predicting the training median.
    pub median_baseline: f64,
    /// The IQR used to normalise.
    pub iqr: f64,
}

/// One project's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectReport {
    /// The project.
    pub project: String,
    /// Rows (sprints on boards) at the prediction time.
    pub sprints: usize,
    /// 3-class results (TSE2017 only).
    pub class3: Option<ClassReport>,
    /// Binary results.
    pub binary: Option<BinaryReport>,
    /// Regression results (TSE2017 only).
    pub regression: Option<RegressionReport>,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SprintRiskEvalReport {
    /// `tse2017` or `porru8`.
    pub schema: String,
    /// When the predictions are made (`30% of the sprint`, `sprint start`).
    pub prediction_at: String,
    /// The options used.
    pub options: SprintRiskEvalOptions,
    /// Per project, by name.
    pub projects: Vec<ProjectReport>,
    /// The binary target over every project's predictions together (each project's rows
    /// predicted by that project's models), when any project has binary results.
    #[serde(default)]
    pub pooled_binary: Option<BinaryReport>,
}

/// A prepared row: the evaluation features and the labels.
struct Row {
    group: usize,
    x: Vec<f64>,
    class: Option<usize>,
    vel_diff: Option<f64>,
}

fn class_index(c: &str) -> Option<usize> {
    match c {
        "under" => Some(0),
        "achieved" => Some(1),
        "over" => Some(2),
        _ => None,
    }
}

fn state_of(it: &Iteration, agg: Option<&IssueAggregate>) -> SprintState {
    let n = |x: f64| {
        if x.is_finite() && x > 0.0 {
            x.round() as u32
        } else {
            0
        }
    };
    SprintState {
        team: format!("{}/{}", it.project, it.boardid).into(),
        sprint: it.sprintid.to_string(),
        committed_points: it.vel_starttime.max(0.0),
        added_points: it.vel_added.max(0.0),
        removed_points: it.vel_removed.max(0.0),
        todo_points: it.vel_todo.max(0.0),
        in_progress_points: it.vel_inprogress.max(0.0),
        done_points: it.vel_done.max(0.0),
        committed_issues: n(it.no_issue_starttime),
        added_issues: n(it.no_issue_added),
        removed_issues: n(it.no_issue_removed),
        todo_issues: n(it.no_issuetodo),
        in_progress_issues: n(it.no_issueinprogress),
        done_issues: n(it.no_issuedone),
        days_elapsed: it.planday.max(0.0) * f64::from(it.pred_time_pct) / 100.0,
        days_planned: it.planday.max(0.0),
        team_size: n(it.no_teammember),
        blocked: agg.map_or(0, |a| n(a.blocked)),
        dependencies: agg.map_or(0, |a| n(a.linked)),
        defects: agg.map_or(0, |a| n(a.bugs)),
        review_queue: 0,
    }
}

fn eval_features(
    it: &Iteration,
    agg: Option<&IssueAggregate>,
    shared: &[f64; features::FEATURE_COUNT],
) -> Vec<f64> {
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let open = it.vel_todo + it.vel_inprogress;
    let left = (it.committed_sp - it.vel_done).max(0.0);
    let days_left = it.planday * (1.0 - f64::from(it.pred_time_pct) / 100.0);
    let issues_now = it.no_issue_starttime + it.no_issue_added - it.no_issue_removed;
    let mut x = shared.to_vec();
    x.extend([
        it.planday,
        it.no_issue_starttime,
        it.vel_starttime,
        it.no_issue_added,
        it.vel_added,
        it.no_issue_removed,
        it.vel_removed,
        it.no_issuetodo,
        it.vel_todo,
        it.no_issueinprogress,
        it.vel_inprogress,
        it.no_issuedone,
        it.vel_done,
        it.no_admin,
        it.no_teammember,
        it.committed_sp,
        open,
        left,
        ratio(left, days_left),
        ratio(left, it.no_teammember),
        ratio(it.committed_sp, it.no_teammember),
        ratio(it.committed_sp, issues_now),
        issues_now,
    ]);
    let a = agg.cloned().unwrap_or_default();
    x.extend([
        a.issues,
        a.bugs,
        a.urgent,
        a.blocked,
        a.blocking,
        a.linked,
        a.subtasks,
        a.mean_comments,
        a.mean_changes,
        a.hard_share,
    ]);
    x.iter()
        .map(|v| if v.is_finite() { *v } else { 0.0 })
        .collect()
}

/// Splits row indices into (train, test) pairs. `group[i]` is row i's sprint rank (rows
/// come sorted by it).
fn splits(protocol: Protocol, group: &[usize]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let n = group.len();
    let folds = |fold_of: &dyn Fn(usize) -> usize| -> Vec<(Vec<usize>, Vec<usize>)> {
        (0..10)
            .map(|f| {
                let (test, train): (Vec<usize>, Vec<usize>) =
                    (0..n).partition(|i| fold_of(*i) == f);
                (train, test)
            })
            .filter(|(train, test)| !test.is_empty() && !train.is_empty())
            .collect()
    };
    match protocol {
        Protocol::PaperCv => folds(&|i| i % 10),
        Protocol::SprintCv => folds(&|i| group[i] % 10),
        Protocol::Forward => {
            let cut = n * 7 / 10;
            vec![((0..cut).collect(), (cut..n).collect())]
        }
        Protocol::Rolling => rolling_splits(group),
    }
}

/// The `rolling` splits: `group` is each row's sprint rank, rows sorted by it. Block *b*
/// tests the rows of sprints [start, start + ROLLING_RETRAIN_EVERY) and trains on every row
/// of an earlier sprint; the first block starts at sprint ROLLING_MIN_SPRINTS.
fn rolling_splits(group: &[usize]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let last = group.iter().copied().max().unwrap_or(0);
    let mut out = Vec::new();
    let mut start = ROLLING_MIN_SPRINTS;
    while start <= last {
        let end = start + ROLLING_RETRAIN_EVERY;
        let train: Vec<usize> = (0..group.len()).filter(|i| group[*i] < start).collect();
        let test: Vec<usize> = (0..group.len())
            .filter(|i| (start..end).contains(&group[*i]))
            .collect();
        if !train.is_empty() && !test.is_empty() {
            out.push((train, test));
        }
        start = end;
    }
    out
}

fn pick<T: Clone>(xs: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|i| xs[*i].clone()).collect()
}

fn class_report(rows: &[Row], protocol: Protocol) -> Result<Option<ClassReport>> {
    let usable: Vec<&Row> = rows.iter().filter(|r| r.class.is_some()).collect();
    if usable.len() < 10 {
        return Ok(None);
    }
    let x: Vec<Vec<f64>> = usable.iter().map(|r| r.x.clone()).collect();
    let y: Vec<usize> = usable.iter().filter_map(|r| r.class).collect();
    let groups: Vec<usize> = usable.iter().map(|r| r.group).collect();
    let (mut actual, mut predicted, mut probs, mut base) = (vec![], vec![], vec![], vec![]);
    // Each split's model is independent and seeded: fitted in parallel, gathered in order.
    let fitted = splits(protocol, &groups)
        .into_par_iter()
        .map(|(train, test)| {
            let ty = pick(&y, &train);
            let model = Classifier::fit(&pick(&x, &train), &ty, 3)?;
            let p = model.predict_proba(&pick(&x, &test))?;
            let mut counts = [0usize; 3];
            for c in &ty {
                counts[*c] += 1;
            }
            Ok((test, p, forest::argmax(&counts.map(|c| c as f64))))
        })
        .collect::<Result<Vec<_>>>()?;
    for (test, p, majority) in fitted {
        for (i, pi) in test.iter().zip(p) {
            actual.push(y[*i]);
            predicted.push(forest::argmax(&pi));
            probs.push(pi);
            base.push(majority);
        }
    }
    let cm = Confusion::new(3, &actual, &predicted);
    let (precision, recall, f1) = cm.macro_prf();
    let bm = Confusion::new(3, &actual, &base);
    let mut mmae = 0.0;
    let mut classes = 0.0;
    for c in 0..3 {
        let errs: Vec<f64> = actual
            .iter()
            .zip(&predicted)
            .filter(|(a, _)| **a == c)
            .map(|(a, p)| (*a as f64 - *p as f64).abs())
            .collect();
        if !errs.is_empty() {
            mmae += errs.iter().sum::<f64>() / errs.len() as f64;
            classes += 1.0;
        }
    }
    Ok(Some(ClassReport {
        precision,
        recall,
        f1,
        auc: metrics::macro_auc(&probs, &actual, 3),
        mcc: cm.mcc(),
        mmae: if classes > 0.0 { mmae / classes } else { 0.0 },
        accuracy: cm.accuracy(),
        baseline_f1: bm.macro_prf().2,
        baseline_accuracy: bm.accuracy(),
    }))
}

/// The binary target's rows: the deployed model's features, the outcome, the sprint rank,
/// and the team's trailing delivery rate before the sprint (`None`: no finished sprint yet).
#[derive(Default)]
struct BinaryRows {
    shared: Vec<Vec<f64>>,
    y: Vec<bool>,
    groups: Vec<usize>,
    trailing: Vec<Option<f64>>,
    intervals: Vec<Option<IntervalOutcome>>,
}

impl BinaryRows {
    fn push(&mut self, shared: Vec<f64>, y: bool, group: usize, trailing: Option<f64>) {
        self.shared.push(shared);
        self.y.push(y);
        self.groups.push(group);
        self.trailing.push(trailing);
        self.intervals.push(None);
    }

    /// Sets the last row's simulated interval (the product's seeded simulation at the
    /// prediction time) and the points it delivered.
    fn simulate_last(&mut self, state: &SprintState, history: &TeamHistory, delivered: f64) {
        let input = simulation_input(state, history, seed_for(&state.team, &state.sprint));
        // The product refuses to forecast a sprint with more than a year of working days
        // left (three TSE2017 rows plan thousands): no interval, as no forecast.
        if input.validate().is_err() {
            return;
        }
        let r = monte_carlo(&input);
        if let Some(last) = self.intervals.last_mut() {
            *last = Some(IntervalOutcome {
                p10: r.p10,
                p50: r.p50,
                p90: r.p90,
                actual: delivered,
            });
        }
    }
}

/// How often the delivered points fell inside the simulated P10–P90 and below its P50,
/// under `rolling`, before and after the product's conformal correction (each block's
/// correction fitted on the earlier sprints only; sprints before the first fitted
/// correction are not counted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalCoverage {
    /// Sprints counted.
    pub n: usize,
    /// Share inside the simulated P10–P90.
    pub inside_simulated: f64,
    /// Share inside the corrected P10–P90 (target 0.80).
    pub inside: f64,
    /// Share below the simulated P50.
    pub below_p50_simulated: f64,
    /// Share below the corrected P50.
    pub below_p50: f64,
    /// Share exactly at the simulated P50 (a sprint that delivered its whole scope ties
    /// with a P50 capped at the scope).
    pub at_p50_simulated: f64,
    /// Share exactly at the corrected P50; below + ½·at is the mid-rank share (target 0.50).
    pub at_p50: f64,
}

/// The rolling interval coverage of one project: the first block's training sprints are
/// seen only, then each tested block is scored by the correction fitted before it.
fn interval_coverage(rows: &BinaryRows) -> Option<IntervalCoverage> {
    let splits = rolling_splits(&rows.groups);
    let first = splits.first()?;
    let take = |idx: &[usize]| -> Vec<IntervalOutcome> {
        idx.iter().filter_map(|i| rows.intervals[*i]).collect()
    };
    let mut blocks = vec![take(&first.0)];
    blocks.extend(splits.iter().map(|(_, test)| take(test)));
    let m = forward_intervals(&blocks)?;
    (m.forward_outcomes > 0).then_some(IntervalCoverage {
        n: m.forward_outcomes,
        inside_simulated: m.coverage_uncalibrated,
        inside: m.coverage,
        below_p50_simulated: m.below_p50_uncalibrated,
        below_p50: m.below_p50,
        at_p50_simulated: m.at_p50_uncalibrated,
        at_p50: m.at_p50,
    })
}

/// Coverage over several projects: their counts added.
fn pool_coverage<'a>(all: impl Iterator<Item = &'a IntervalCoverage>) -> Option<IntervalCoverage> {
    let mut sum = IntervalCoverage {
        n: 0,
        inside_simulated: 0.0,
        inside: 0.0,
        below_p50_simulated: 0.0,
        below_p50: 0.0,
        at_p50_simulated: 0.0,
        at_p50: 0.0,
    };
    for c in all {
        let n = c.n as f64;
        sum.n += c.n;
        sum.inside_simulated += c.inside_simulated * n;
        sum.inside += c.inside * n;
        sum.below_p50_simulated += c.below_p50_simulated * n;
        sum.below_p50 += c.below_p50 * n;
        sum.at_p50_simulated += c.at_p50_simulated * n;
        sum.at_p50 += c.at_p50 * n;
    }
    let n = sum.n as f64;
    (sum.n > 0).then(|| IntervalCoverage {
        n: sum.n,
        inside_simulated: sum.inside_simulated / n,
        inside: sum.inside / n,
        below_p50_simulated: sum.below_p50_simulated / n,
        below_p50: sum.below_p50 / n,
        at_p50_simulated: sum.at_p50_simulated / n,
        at_p50: sum.at_p50 / n,
    })
}

/// One scored prediction: the model's probability, the outcome, the base-rate and
/// trailing-rate baselines' probabilities.
type Scored = (f64, bool, f64, f64);

/// The share delivered among a team's last [`TRAILING_SPRINTS`] outcomes.
fn trailing_rate(outcomes: &[bool]) -> Option<f64> {
    juno_core::forecast::calibration::trailing_share(outcomes)
}

fn binary_scored(
    rows: &BinaryRows,
    protocol: Protocol,
    recalibration: Recalibration,
) -> Result<Vec<Scored>> {
    let (shared, y) = (&rows.shared, &rows.y);
    let blocks = splits(protocol, &rows.groups)
        .into_par_iter()
        .map(|(train, test)| {
            let ty = pick(y, &train);
            let share = ty.iter().filter(|v| **v).count() as f64 / ty.len().max(1) as f64;
            let model = if share > 0.0 && share < 1.0 {
                Some(Logistic::fit(&pick(shared, &train), &ty, L2_PENALTY)?)
            } else {
                None
            };
            Ok(test
                .into_iter()
                .map(|i| {
                    let p = model.as_ref().map_or(share, |m| m.predict(&shared[i]));
                    (p, y[i], share, rows.trailing[i].unwrap_or(share))
                })
                .collect::<Vec<Scored>>())
        })
        .collect::<Result<Vec<_>>>()?;
    if recalibration == Recalibration::None {
        return Ok(blocks.concat());
    }
    // Block by block in time order: each block's map is fitted on the raw predictions and
    // outcomes of the blocks before it, never on its own.
    let mut seen: Vec<(f64, f64, bool)> = Vec::new();
    let mut out = Vec::new();
    for block in blocks {
        let map = fit_recalibration(recalibration, &seen)?;
        seen.extend(block.iter().map(|s| (s.0, s.3, s.1)));
        out.extend(block.into_iter().map(|(p, y, base, trailing)| {
            (
                map.as_ref().map_or(p, |m| m(p, trailing)),
                y,
                base,
                trailing,
            )
        }));
    }
    Ok(out)
}

/// The binary results of one project (`None` under 10 rows), its predictions added to
/// `pooled`.
fn binary_report(
    rows: &BinaryRows,
    options: &SprintRiskEvalOptions,
    pooled: &mut Vec<Scored>,
) -> Result<Option<BinaryReport>> {
    if rows.y.len() < 10 {
        return Ok(None);
    }
    let scored = binary_scored(rows, options.protocol, options.recalibration)?;
    pooled.extend_from_slice(&scored);
    Ok(binary_metrics(&scored).map(|mut b| {
        if options.protocol == Protocol::Rolling {
            b.interval = interval_coverage(rows);
        }
        b
    }))
}

fn binary_metrics(scored: &[Scored]) -> Option<BinaryReport> {
    if scored.is_empty() {
        return None;
    }
    let labels: Vec<bool> = scored.iter().map(|s| s.1).collect();
    let probs: Vec<f64> = scored.iter().map(|s| s.0).collect();
    let trailing: Vec<f64> = scored.iter().map(|s| s.3).collect();
    let pairs: Vec<(f64, bool)> = scored.iter().map(|s| (s.0, s.1)).collect();
    let base_pairs: Vec<(f64, bool)> = scored.iter().map(|s| (s.2, s.1)).collect();
    let trailing_pairs: Vec<(f64, bool)> = scored.iter().map(|s| (s.3, s.1)).collect();
    let n = labels.len() as f64;
    let right = |p: f64, l: bool| (p >= 0.5) == l;
    Some(BinaryReport {
        n: labels.len(),
        delivered_share: labels.iter().filter(|v| **v).count() as f64 / n,
        auc: metrics::auc(&probs, &labels),
        brier: metrics::brier(&pairs),
        calibration_error: metrics::expected_calibration_error(&pairs),
        calibration_error_equal_mass: metrics::equal_mass_calibration_error(&pairs),
        accuracy: pairs.iter().filter(|(p, l)| right(*p, *l)).count() as f64 / n,
        baseline_accuracy: base_pairs.iter().filter(|(p, l)| right(*p, *l)).count() as f64 / n,
        baseline_brier: metrics::brier(&base_pairs),
        trailing_brier: metrics::brier(&trailing_pairs),
        trailing_auc: metrics::auc(&trailing, &labels),
        interval: None,
        reliability: plot::equal_mass_bins(&pairs, plot::DEFAULT_BINS),
    })
}

fn regression_report(rows: &[Row], protocol: Protocol) -> Result<Option<RegressionReport>> {
    let usable: Vec<&Row> = rows.iter().filter(|r| r.vel_diff.is_some()).collect();
    if usable.len() < 10 {
        return Ok(None);
    }
    let x: Vec<Vec<f64>> = usable.iter().map(|r| r.x.clone()).collect();
    let y: Vec<f64> = usable.iter().filter_map(|r| r.vel_diff).collect();
    let groups: Vec<usize> = usable.iter().map(|r| r.group).collect();
    let iqr = metrics::quantile(&y, 0.75) - metrics::quantile(&y, 0.25);
    let (mut actual, mut pred, mut mean_p, mut median_p) = (vec![], vec![], vec![], vec![]);
    let fitted = splits(protocol, &groups)
        .into_par_iter()
        .map(|(train, test)| {
            let ty = pick(&y, &train);
            let model = Regressor::fit(&pick(&x, &train), &ty)?;
            let p = model.predict(&pick(&x, &test))?;
            let mean = ty.iter().sum::<f64>() / ty.len().max(1) as f64;
            Ok((test, p, mean, metrics::quantile(&ty, 0.5)))
        })
        .collect::<Result<Vec<_>>>()?;
    for (test, p, mean, median) in fitted {
        for (i, pi) in test.iter().zip(p) {
            actual.push(y[*i]);
            pred.push(pi);
            mean_p.push(mean);
            median_p.push(median);
        }
    }
    let norm = if iqr > 0.0 { iqr } else { 1.0 };
    Ok(Some(RegressionReport {
        nmae: metrics::mae(&actual, &pred) / norm,
        mean_baseline: metrics::mae(&actual, &mean_p) / norm,
        median_baseline: metrics::mae(&actual, &median_p) / norm,
        iqr,
    }))
}

/// Recalibration needs earlier outcomes: only the rolling protocol has them.
fn check_recalibration(options: &SprintRiskEvalOptions) -> Result<()> {
    if options.recalibration != Recalibration::None && options.protocol != Protocol::Rolling {
        return Err(Error::invalid(
            "recalibration",
            format!(
                "`{}` needs the `rolling` protocol (a map is fitted on earlier sprints' \
                 outcomes), got `{}`",
                options.recalibration.as_str(),
                options.protocol.as_str()
            ),
        ));
    }
    Ok(())
}

/// Evaluates TSE2017-schema iterations (with optional issue features).
pub fn evaluate_tse(
    iterations: &[Iteration],
    issues: Option<&[data::IssueFeatures]>,
    options: &SprintRiskEvalOptions,
) -> Result<SprintRiskEvalReport> {
    check_recalibration(options)?;
    if !(options.delivered_ratio.is_finite() && options.delivered_ratio > 0.0) {
        return Err(Error::invalid(
            "delivered_ratio",
            format!("must be a number > 0, got {}", options.delivered_ratio),
        ));
    }
    let aggs = issues.map(data::aggregate).unwrap_or_default();
    let commit_t0: BTreeMap<(&str, i64, i64), f64> = iterations
        .iter()
        .filter(|r| r.pred_time_pct == 0)
        .map(|r| ((r.project.as_str(), r.boardid, r.sprintid), r.committed_sp))
        .collect();
    let mut by_project: BTreeMap<&str, Vec<&Iteration>> = BTreeMap::new();
    for r in iterations
        .iter()
        .filter(|r| r.pred_time_pct == options.pred_time_pct)
    {
        by_project.entry(r.project.as_str()).or_default().push(r);
    }
    if by_project.is_empty() {
        return Err(Error::invalid(
            "iterations",
            format!("no rows at pred_time_pct = {}", options.pred_time_pct),
        ));
    }
    let mut projects = Vec::new();
    let mut pooled = Vec::new();
    for (project, mut its) in by_project {
        its.sort_by_key(|r| (r.sprint_order, r.boardid, r.sprintid));
        // Each board's finished sprints so far, in order: the history a forecast sees.
        let mut board_history: BTreeMap<i64, Vec<Sprint>> = BTreeMap::new();
        let mut board_outcomes: BTreeMap<i64, Vec<bool>> = BTreeMap::new();
        let mut rows = Vec::with_capacity(its.len());
        let mut binary = BinaryRows::default();
        let (mut rank, mut last_order) = (0usize, None);
        for it in &its {
            if last_order.is_some_and(|o| o != it.sprint_order) {
                rank += 1;
            }
            last_order = Some(it.sprint_order);
            let key = (it.project.clone(), it.boardid, it.sprintid);
            let agg = aggs.get(&key);
            let state = state_of(it, agg);
            let past = board_history.entry(it.boardid).or_default();
            let history = TeamHistory {
                sprints: past.iter().rev().take(10).rev().cloned().collect(),
                ..TeamHistory::default()
            };
            let shared = features::extract(&state, &history);
            let c0 = commit_t0
                .get(&(it.project.as_str(), it.boardid, it.sprintid))
                .copied()
                .unwrap_or(it.committed_sp);
            let delivered = (c0 > 0.0).then_some(it.delivered_sp >= options.delivered_ratio * c0);
            if let Some(d) = delivered {
                let outcomes = board_outcomes.entry(it.boardid).or_default();
                binary.push(shared.to_vec(), d, rank, trailing_rate(outcomes));
                if options.protocol == Protocol::Rolling {
                    binary.simulate_last(&state, &history, it.delivered_sp.max(0.0));
                }
                outcomes.push(d);
            }
            rows.push(Row {
                group: rank,
                x: eval_features(it, agg, &shared),
                class: class_index(&it.paper_class),
                vel_diff: it.vel_diff.is_finite().then_some(it.vel_diff),
            });
            past.push(Sprint::finished(
                c0.max(0.0),
                it.delivered_sp.max(0.0),
                it.planday.max(0.0),
                it.no_teammember.max(0.0).round() as u32,
            ));
        }
        projects.push(ProjectReport {
            project: project.to_owned(),
            sprints: rows.len(),
            class3: class_report(&rows, options.protocol)?,
            binary: binary_report(&binary, options, &mut pooled)?,
            regression: regression_report(&rows, options.protocol)?,
        });
    }
    Ok(SprintRiskEvalReport {
        schema: "tse2017".to_owned(),
        prediction_at: format!("{}% of the sprint", options.pred_time_pct),
        options: options.clone(),
        pooled_binary: binary_metrics(&pooled).map(|mut b| {
            b.interval = pool_coverage(
                projects
                    .iter()
                    .filter_map(|p| p.binary.as_ref()?.interval.as_ref()),
            );
            b
        }),
        projects,
    })
}

fn days_between(a: &str, b: &str) -> Option<f64> {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    let (a, b) = (parse(a)?, parse(b)?);
    Some((b - a).num_seconds() as f64 / 86_400.0)
}

/// The issues of each Porru8 sprint: (project, sprint id) → [(story points, resolved at,
/// assignee, is a bug)].
type SprintIssues<'a> =
    BTreeMap<(&'a str, i64), Vec<(f64, Option<&'a str>, Option<&'a str>, bool)>>;

fn sprint_issues<'a>(
    memberships: &'a [data::PorruMembership],
    issues: &'a [data::PorruIssue],
) -> SprintIssues<'a> {
    let by_key: BTreeMap<(&str, &str), &data::PorruIssue> = issues
        .iter()
        .map(|i| ((i.project.as_str(), i.key.as_str()), i))
        .collect();
    let mut out: SprintIssues<'a> = BTreeMap::new();
    for m in memberships {
        if let Some(i) = by_key.get(&(m.project.as_str(), m.key.as_str())) {
            out.entry((m.project.as_str(), m.sprint_id))
                .or_default()
                .push((
                    i.story_points
                        .filter(|p| p.is_finite())
                        .unwrap_or(0.0)
                        .max(0.0),
                    i.resolved.as_deref().filter(|r| !r.is_empty()),
                    i.assignee.as_deref().filter(|a| !a.is_empty()),
                    i.kind.eq_ignore_ascii_case("bug"),
                ));
        }
    }
    out
}

/// Evaluates Porru8-schema sprints on the binary target: at sprint start, or — with the
/// issues and memberships (`mid`) — at the prediction time, each sprint rebuilt from its
/// issues: done = the story points of its issues resolved by then (resolution timestamps
/// are history, known at that moment); the rest is to do (the data has no status history
/// to tell in-progress apart); team size = distinct assignees; defects = bugs.
pub fn evaluate_porru(
    sprints: &[PorruSprint],
    mid: Option<(&[data::PorruMembership], &[data::PorruIssue])>,
    options: &SprintRiskEvalOptions,
) -> Result<SprintRiskEvalReport> {
    check_recalibration(options)?;
    let members = mid.map(|(m, i)| sprint_issues(m, i)).unwrap_or_default();
    let mut pooled = Vec::new();
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let mut by_project: BTreeMap<&str, Vec<&PorruSprint>> = BTreeMap::new();
    for s in sprints.iter().filter(|s| s.state == "CLOSED") {
        by_project.entry(s.project.as_str()).or_default().push(s);
    }
    let mut projects = Vec::new();
    for (project, mut ss) in by_project {
        ss.sort_by(|a, b| a.start.cmp(&b.start).then(a.sprint_id.cmp(&b.sprint_id)));
        let mut past: Vec<Sprint> = Vec::new();
        let mut binary = BinaryRows::default();
        let mut outcomes: Vec<bool> = Vec::new();
        for s in &ss {
            let days = days_between(&s.start, &s.end).unwrap_or(0.0).max(0.0);
            let mut state = SprintState {
                team: project.into(),
                sprint: s.sprint_id.to_string(),
                committed_points: s.sp_total.max(0.0),
                todo_points: s.sp_total.max(0.0),
                committed_issues: s.n_issues.max(0.0) as u32,
                todo_issues: s.n_issues.max(0.0) as u32,
                days_planned: days,
                ..SprintState::default()
            };
            if mid.is_some() {
                let elapsed = days * f64::from(options.pred_time_pct) / 100.0;
                let cutoff = parse(&s.start)
                    .map(|t| t + chrono::Duration::seconds((elapsed * 86_400.0) as i64));
                let list = members
                    .get(&(project, s.sprint_id))
                    .map_or(&[][..], Vec::as_slice);
                let done: Vec<bool> = list
                    .iter()
                    .map(
                        |(_, resolved, _, _)| match (resolved.and_then(parse), cutoff) {
                            (Some(r), Some(c)) => r <= c,
                            _ => false,
                        },
                    )
                    .collect();
                let points: f64 = list.iter().map(|i| i.0).sum();
                let done_points: f64 = list
                    .iter()
                    .zip(&done)
                    .filter(|(_, d)| **d)
                    .map(|(i, _)| i.0)
                    .sum();
                let done_issues = done.iter().filter(|d| **d).count() as u32;
                let assignees: std::collections::BTreeSet<&str> =
                    list.iter().filter_map(|i| i.2).collect();
                state.committed_points = points;
                state.done_points = done_points;
                state.todo_points = points - done_points;
                state.committed_issues = list.len() as u32;
                state.done_issues = done_issues;
                state.todo_issues = list.len() as u32 - done_issues;
                state.days_elapsed = elapsed;
                state.team_size = assignees.len() as u32;
                state.defects = list.iter().filter(|i| i.3).count() as u32;
            }
            let history = TeamHistory {
                sprints: past.iter().rev().take(10).rev().cloned().collect(),
                ..TeamHistory::default()
            };
            let ratio = s.completion_ratio_sp;
            if let Some(r) = ratio.filter(|_| s.sp_total > 0.0) {
                let delivered = r >= options.delivered_ratio;
                let rank = binary.y.len();
                binary.push(
                    features::extract(&state, &history).to_vec(),
                    delivered,
                    rank,
                    trailing_rate(&outcomes),
                );
                if options.protocol == Protocol::Rolling {
                    binary.simulate_last(&state, &history, r * s.sp_total);
                }
                outcomes.push(delivered);
                past.push(Sprint::finished(
                    s.sp_total,
                    r * s.sp_total,
                    days,
                    state.team_size,
                ));
            }
        }
        projects.push(ProjectReport {
            project: project.to_owned(),
            sprints: binary.y.len(),
            class3: None,
            binary: binary_report(&binary, options, &mut pooled)?,
            regression: None,
        });
    }
    Ok(SprintRiskEvalReport {
        schema: "porru8".to_owned(),
        prediction_at: if mid.is_some() {
            format!(
                "{}% of the sprint (rebuilt from issue resolutions)",
                options.pred_time_pct
            )
        } else {
            "sprint start".to_owned()
        },
        options: options.clone(),
        pooled_binary: binary_metrics(&pooled).map(|mut b| {
            b.interval = pool_coverage(
                projects
                    .iter()
                    .filter_map(|p| p.binary.as_ref()?.interval.as_ref()),
            );
            b
        }),
        projects,
    })
}

/// Runs the evaluation on files: `iterations` in the TSE2017 or Porru8 sprint schema
/// (detected from the header), `issues` the optional TSE2017 issue features.
///
/// # Errors
/// `InvalidInput` naming the file (and line) for unreadable or wrongly shaped files.
pub fn run(
    iterations: &Path,
    issues: Option<&Path>,
    options: &SprintRiskEvalOptions,
) -> Result<SprintRiskEvalReport> {
    check_recalibration(options)?;
    let report = if data::is_porru_schema(iterations)? {
        let sprints = data::porru_sprints_file(iterations)?;
        match (issues, options.memberships.as_deref()) {
            (Some(i), Some(m)) => {
                let memberships = data::porru_memberships_file(m)?;
                let issues = data::porru_issues_file(i)?;
                evaluate_porru(&sprints, Some((&memberships, &issues)), options)?
            }
            (None, None) => evaluate_porru(&sprints, None, options)?,
            (Some(_), None) => {
                return Err(Error::invalid(
                    "memberships",
                    "Porru8 issues need the issue ↔ sprint membership file too (porru8_issue_sprints.csv)",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::invalid(
                    "issues",
                    "the membership file needs the Porru8 issues file too (porru8_issues.csv)",
                ));
            }
        }
    } else {
        let its = data::iterations_file(iterations)?;
        let issue_rows = issues.map(data::issue_features_file).transpose()?;
        evaluate_tse(&its, issue_rows.as_deref(), options)?
    };
    if let Some(dir) = &options.plot {
        report.write_plots(dir)?;
    }
    Ok(report)
}

/// A file-name-safe form of a project name (`Apache` → `apache`).
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn opt(x: Option<f64>) -> String {
    x.map_or("   –  ".to_owned(), |v| format!("{v:6.3}"))
}

impl SprintRiskEvalReport {
    /// Writes the pictures into `dir` (created if missing) and returns their paths:
    /// `reliability-<project>.svg` per project with binary results and
    /// `reliability-pooled.svg`; under `rolling`, `coverage.svg` (each project's and the
    /// pooled share of delivered points inside the corrected P10–P90 and below the
    /// corrected P50) and `coverage-simulated.svg` (the same before the correction).
    ///
    /// # Errors
    /// `Io` naming the file when a write fails.
    pub fn write_plots(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>> {
        let io = |path: &Path, e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut written = Vec::new();
        let mut write = |name: String, svg: String| -> Result<()> {
            let path = dir.join(name);
            std::fs::write(&path, svg).map_err(|e| io(&path, e))?;
            written.push(path);
            Ok(())
        };
        let what = format!(
            "{} {}{}",
            self.schema,
            self.options.protocol.as_str(),
            match self.options.recalibration {
                Recalibration::None => String::new(),
                r => format!(" + {}", r.as_str()),
            }
        );
        let binaries = self
            .projects
            .iter()
            .filter_map(|p| Some((p.project.as_str(), p.binary.as_ref()?)))
            .chain(self.pooled_binary.as_ref().map(|b| ("pooled", b)));
        let mut bars = (Vec::new(), Vec::new());
        for (name, b) in binaries {
            if !b.reliability.is_empty() {
                let title = format!(
                    "{name} ({what}): ECEm {:.3}, n = {}",
                    b.calibration_error_equal_mass, b.n
                );
                write(
                    format!("reliability-{}.svg", file_stem(name)),
                    plot::reliability_svg(&title, &b.reliability)?,
                )?;
            }
            if let Some(c) = &b.interval {
                bars.0.push(CoverageBar {
                    label: name.to_owned(),
                    n: c.n,
                    inside_p10_p90: c.inside,
                    below_p50: c.below_p50 + c.at_p50 / 2.0,
                });
                bars.1.push(CoverageBar {
                    label: name.to_owned(),
                    n: c.n,
                    inside_p10_p90: c.inside_simulated,
                    below_p50: c.below_p50_simulated + c.at_p50_simulated / 2.0,
                });
            }
        }
        if !bars.0.is_empty() {
            write(
                "coverage.svg".to_owned(),
                plot::coverage_svg(
                    &format!("delivered points vs the corrected interval ({what})"),
                    &bars.0,
                )?,
            )?;
            write(
                "coverage-simulated.svg".to_owned(),
                plot::coverage_svg(
                    &format!("delivered points vs the simulated interval ({what})"),
                    &bars.1,
                )?,
            )?;
        }
        Ok(written)
    }

    /// The report as plain-text tables, with a mean row per table.
    pub fn render_table(&self) -> String {
        let at = &self.prediction_at;
        let recal = match self.options.recalibration {
            Recalibration::None => String::new(),
            r => format!(", recalibration {}", r.as_str()),
        };
        let mut s = format!(
            "sprint-risk evaluation — schema {}, protocol {}{recal}, prediction at {at}, delivered = ≥ {:.0}% of the commitment\n",
            self.schema,
            self.options.protocol.as_str(),
            self.options.delivered_ratio * 100.0
        );
        let n = |f: &dyn Fn(&ProjectReport) -> Option<f64>| -> Option<f64> {
            let v: Vec<f64> = self.projects.iter().filter_map(f).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        if self.projects.iter().any(|p| p.class3.is_some()) {
            s.push_str("\n3-class outcome (under / achieved / over)\n");
            s.push_str("project      sprints  precision recall     F1    AUC    MCC   MMAE | majority F1\n");
            for p in &self.projects {
                if let Some(c) = &p.class3 {
                    let _ = writeln!(
                        s,
                        "{:<12} {:>7}  {:>9.3} {:>6.3} {:>6.3} {} {:>6.3} {:>6.3} | {:>11.3}",
                        p.project,
                        p.sprints,
                        c.precision,
                        c.recall,
                        c.f1,
                        opt(c.auc),
                        c.mcc,
                        c.mmae,
                        c.baseline_f1
                    );
                }
            }
            let _ = writeln!(
                s,
                "{:<12} {:>7}  {} {} {} {} {} {} | {}",
                "mean",
                "",
                opt(n(&|p| p.class3.as_ref().map(|c| c.precision))),
                opt(n(&|p| p.class3.as_ref().map(|c| c.recall))),
                opt(n(&|p| p.class3.as_ref().map(|c| c.f1))),
                opt(n(&|p| p.class3.as_ref().and_then(|c| c.auc))),
                opt(n(&|p| p.class3.as_ref().map(|c| c.mcc))),
                opt(n(&|p| p.class3.as_ref().map(|c| c.mmae))),
                opt(n(&|p| p.class3.as_ref().map(|c| c.baseline_f1))),
            );
        }
        s.push_str(&format!(
            "\ndelivered ≥ {:.0}% of the commitment (JUNO's deployed logistic model)\n",
            self.options.delivered_ratio * 100.0
        ));
        s.push_str(
            "(ECE: 10 equal-width bins; ECEm: 10 equal-mass bins; trailing: the team's delivery \
             rate over its last 5 finished sprints)\n",
        );
        s.push_str("project      sprints delivered    AUC  Brier    ECE   ECEm    acc | majority acc  base-rate Brier  trailing Brier  trailing AUC\n");
        let row = |s: &mut String, name: &str, b: &BinaryReport| {
            let _ = writeln!(
                s,
                "{:<12} {:>7} {:>9.3} {} {:>6.3} {:>6.3} {:>6.3} {:>6.3} | {:>12.3} {:>16.3} {:>15.3} {:>13}",
                name,
                b.n,
                b.delivered_share,
                opt(b.auc),
                b.brier,
                b.calibration_error,
                b.calibration_error_equal_mass,
                b.accuracy,
                b.baseline_accuracy,
                b.baseline_brier,
                b.trailing_brier,
                opt(b.trailing_auc).trim(),
            );
        };
        for p in &self.projects {
            if let Some(b) = &p.binary {
                row(&mut s, &p.project, b);
            }
        }
        let _ = writeln!(
            s,
            "{:<12} {:>7} {:>9} {} {} {} {} {} | {:>12} {:>16} {:>15} {:>13}",
            "mean",
            "",
            "",
            opt(n(&|p| p.binary.as_ref().and_then(|b| b.auc))),
            opt(n(&|p| p.binary.as_ref().map(|b| b.brier))),
            opt(n(&|p| p.binary.as_ref().map(|b| b.calibration_error))),
            opt(n(&|p| p
                .binary
                .as_ref()
                .map(|b| b.calibration_error_equal_mass))),
            opt(n(&|p| p.binary.as_ref().map(|b| b.accuracy))),
            opt(n(&|p| p.binary.as_ref().map(|b| b.baseline_accuracy))).trim(),
            opt(n(&|p| p.binary.as_ref().map(|b| b.baseline_brier))).trim(),
            opt(n(&|p| p.binary.as_ref().map(|b| b.trailing_brier))).trim(),
            opt(n(&|p| p.binary.as_ref().and_then(|b| b.trailing_auc))).trim(),
        );
        if let Some(b) = &self.pooled_binary {
            row(&mut s, "pooled", b);
        }
        let coverage: Vec<(&str, &IntervalCoverage)> = self
            .projects
            .iter()
            .filter_map(|p| Some((p.project.as_str(), p.binary.as_ref()?.interval.as_ref()?)))
            .chain(
                self.pooled_binary
                    .as_ref()
                    .and_then(|b| b.interval.as_ref())
                    .map(|c| ("pooled", c)),
            )
            .collect();
        if !coverage.is_empty() {
            s.push_str(
                "\ndelivered points against the simulation's P10–P90 and P50 (targets 80% inside, 50% below P50; \
                 corrected: the product's conformal correction fitted on earlier sprints only)\n",
            );
            s.push_str(
                "(below P50: the share below it plus half the share exactly at it — a sprint \
                 that delivered its whole scope ties with a P50 capped at the scope; at: that share)\n",
            );
            s.push_str("project      sprints | inside simulated  inside corrected | below P50 simulated (at)  below P50 corrected (at)\n");
            for (name, c) in coverage {
                let _ = writeln!(
                    s,
                    "{:<12} {:>7} | {:>16.3} {:>17.3} | {:>14.3} ({:.3}) {:>17.3} ({:.3})",
                    name,
                    c.n,
                    c.inside_simulated,
                    c.inside,
                    c.below_p50_simulated + c.at_p50_simulated / 2.0,
                    c.at_p50_simulated,
                    c.below_p50 + c.at_p50 / 2.0,
                    c.at_p50
                );
            }
        }
        if self.projects.iter().any(|p| p.regression.is_some()) {
            s.push_str("\nvel_diff regression (NMAE = MAE ÷ IQR; lower is better)\n");
            s.push_str("project      sprints    IQR   NMAE | mean baseline  median baseline\n");
            for p in &self.projects {
                if let Some(r) = &p.regression {
                    let _ = writeln!(
                        s,
                        "{:<12} {:>7} {:>6.1} {:>6.3} | {:>13.3} {:>16.3}",
                        p.project, p.sprints, r.iqr, r.nmae, r.mean_baseline, r.median_baseline
                    );
                }
            }
            let _ = writeln!(
                s,
                "{:<12} {:>7} {:>6} {} | {:>13} {:>16}",
                "mean",
                "",
                "",
                opt(n(&|p| p.regression.as_ref().map(|r| r.nmae))),
                opt(n(&|p| p.regression.as_ref().map(|r| r.mean_baseline))).trim(),
                opt(n(&|p| p.regression.as_ref().map(|r| r.median_baseline))).trim(),
            );
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rolling_never_trains_on_the_sprints_it_predicts_or_later() {
        // 35 sprints, some on two boards (two rows of one rank).
        let group: Vec<usize> = (0..35).flat_map(|g| vec![g; 1 + g % 2]).collect();
        let splits = rolling_splits(&group);
        // Blocks of 10 sprints from sprint 10: [10, 20), [20, 30), [30, 35).
        assert_eq!(splits.len(), 3);
        let mut predicted = Vec::new();
        for (b, (train, test)) in splits.iter().enumerate() {
            let start = ROLLING_MIN_SPRINTS + b * ROLLING_RETRAIN_EVERY;
            assert!(train.iter().all(|i| group[*i] < start));
            assert_eq!(train.len(), group.iter().filter(|g| **g < start).count());
            assert!(
                test.iter()
                    .all(|i| (start..start + 10).contains(&group[*i]))
            );
            predicted.extend(test.iter().copied());
        }
        // Every row from sprint 10 on is predicted exactly once; none before.
        let want: Vec<usize> = (0..group.len()).filter(|i| group[*i] >= 10).collect();
        assert_eq!(predicted, want);
        // Too short a history: nothing to predict.
        assert!(rolling_splits(&[0, 1, 2, 3]).is_empty());
    }

    #[test]
    fn recalibration_maps_fit_only_with_enough_outcomes_and_correct_a_bias() {
        // An overconfident model: says 0.9 where 70% deliver, 0.1 where 30% do.
        let pairs: Vec<(f64, bool)> = (0..100)
            .map(|i| {
                if i < 50 {
                    (0.9, i % 10 < 7)
                } else {
                    (0.1, i % 10 < 3)
                }
            })
            .collect();
        let raw = metrics::expected_calibration_error(&pairs);
        // The trailing rate here says 0.5 for everyone.
        let seen: Vec<(f64, f64, bool)> = pairs.iter().map(|(p, y)| (*p, 0.5, *y)).collect();
        for method in [Recalibration::Isotonic, Recalibration::Platt] {
            let map = fit_recalibration(method, &seen).unwrap().unwrap();
            let mapped: Vec<(f64, bool)> = pairs.iter().map(|(p, y)| (map(*p, 0.5), *y)).collect();
            let ece = metrics::expected_calibration_error(&mapped);
            assert!(ece < raw / 4.0, "{method:?}: {ece} vs {raw}");
            assert!(map(0.9, 0.5) > map(0.1, 0.5), "{method:?} keeps the order");
        }
        // The blend's best weight is w = 0.5: 0.5·0.9 + 0.5·0.5 = 0.7 and
        // 0.5·0.1 + 0.5·0.5 = 0.3, the true rates.
        let blend = fit_recalibration(Recalibration::Blend, &seen)
            .unwrap()
            .unwrap();
        assert!((blend(0.9, 0.5) - 0.7).abs() < 1e-9, "{}", blend(0.9, 0.5));
        assert!((blend(0.1, 0.5) - 0.3).abs() < 1e-9, "{}", blend(0.1, 0.5));
        // Too few outcomes, or one outcome only: no map.
        assert!(
            fit_recalibration(Recalibration::Platt, &seen[..29])
                .unwrap()
                .is_none()
        );
        let all_late: Vec<(f64, f64, bool)> = (0..40).map(|_| (0.3, 0.5, false)).collect();
        assert!(
            fit_recalibration(Recalibration::Isotonic, &all_late)
                .unwrap()
                .is_none()
        );
        assert!(
            fit_recalibration(Recalibration::None, &seen)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_trailing_rate_reads_the_last_five_outcomes() {
        assert_eq!(trailing_rate(&[]), None);
        assert_eq!(trailing_rate(&[true, false]), Some(0.5));
        // Only the last five count.
        let seven = [false, false, true, true, true, true, false];
        assert_eq!(trailing_rate(&seven), Some(0.8));
    }
}
