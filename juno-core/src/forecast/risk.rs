//! The five risk categories, the overall score and its level, and the recommendations.
//!
//! Every category score is in [0, 1] and rises with the risk it measures:
//!
//! | category | formula |
//! |---|---|
//! | `velocity` | σ(4 · (r − 1)) where r = points left ÷ (pace × days left); pace is the team's median points per day over past sprints, or the plan's pace (commitment ÷ planned days) without history. r = 1 means "exactly on pace" and scores 0.5 |
//! | `scope` | 1 − e^(−2 · churn), churn = (added + ½ · removed) ÷ commitment at start |
//! | `capacity` | max(1 − team size ÷ usual team size, 1 − e^(−(in-progress issues per person − 2)⁺ / 2)); usual size is the median over past sprints |
//! | `quality` | 1 − e^(−3 · (defects + review queue) ÷ issues in the sprint) |
//! | `dependencies` | 1 − e^(−3 · (blocked + ½ · dependencies) ÷ open issues) |
//!
//! The **overall score** is Σ weight × score over all five categories with the configured
//! weights (they sum to 1). Every weight is non-negative, so raising any category's score
//! never lowers the overall score. (The prototype averaged only the categories it had
//! data for, so adding a risk could lower the average.) A category with no data scores 0
//! and the forecast's confidence drops through its `completeness`.
//!
//! The level is `low` below the medium threshold, then `medium`, `high`, and `critical`
//! from the critical threshold (defaults 0.3 / 0.6 / 0.8). A category is **flagged** when
//! its score reaches its own threshold (defaults velocity 0.7, scope 0.6, capacity 0.8,
//! quality 0.7, dependencies 0.6); recommendations name the flagged categories, largest
//! contribution first, or the largest contributor when the overall level is medium or
//! worse and none is flagged.

use serde::{Deserialize, Serialize};

use crate::config::RiskSettings;
use crate::model::Factor;
pub use crate::model::RiskLevel;
// Scores in [0, 1], NaN as 0: the guard every formula's output passes.
use crate::stats::clamp01 as unit;

/// A score's level depends on the deployment's thresholds, which live with the forecast.
impl RiskLevel {
    /// The level of `score` under `settings`.
    pub fn of(score: f64, settings: &RiskSettings) -> RiskLevel {
        if score >= settings.critical_threshold {
            RiskLevel::Critical
        } else if score >= settings.high_threshold {
            RiskLevel::High
        } else if score >= settings.medium_threshold {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }
}

/// One category's part in the overall score: a [`Factor`] (the category's score is its
/// `value`, in [0, 1]; `contribution` = value × weight; `evidence` = the numbers behind it)
/// with the category's own threshold and whether the score reached it. Its JSON is flat:
/// `name`, `value`, `weight`, `contribution`, `threshold`, `flagged`, `evidence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "CategoryWire", into = "CategoryWire")]
pub struct CategoryScore {
    /// `velocity`, `scope`, `capacity`, `quality` or `dependencies`, and its weighted score.
    pub factor: Factor,
    /// The category's own threshold.
    pub threshold: f64,
    /// Whether the score reached the threshold.
    pub flagged: bool,
}

/// [`CategoryScore`] as it travels: the factor's fields inline.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryWire {
    name: String,
    value: f64,
    weight: f64,
    contribution: f64,
    threshold: f64,
    flagged: bool,
    evidence: String,
}

impl From<CategoryWire> for CategoryScore {
    fn from(w: CategoryWire) -> Self {
        CategoryScore {
            factor: Factor {
                name: w.name,
                value: w.value,
                weight: w.weight,
                contribution: w.contribution,
                evidence: w.evidence,
            },
            threshold: w.threshold,
            flagged: w.flagged,
        }
    }
}

impl From<CategoryScore> for CategoryWire {
    fn from(c: CategoryScore) -> Self {
        CategoryWire {
            name: c.factor.name,
            value: c.factor.value,
            weight: c.factor.weight,
            contribution: c.factor.contribution,
            threshold: c.threshold,
            flagged: c.flagged,
            evidence: c.factor.evidence,
        }
    }
}

/// A recommendation tied to the category that drives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The category.
    pub category: String,
    /// What to do.
    pub text: String,
}

/// The five raw category scores, in the fixed order velocity, scope, capacity, quality,
/// dependencies, with their evidence.
pub type RawScores = [(f64, String); 5];

/// The logistic function.
pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Weighs the raw scores: the five categories, the overall score and its level.
pub fn combine(raw: RawScores, settings: &RiskSettings) -> (Vec<CategoryScore>, f64, RiskLevel) {
    let named = settings.categories.named();
    let categories: Vec<CategoryScore> = named
        .iter()
        .zip(raw)
        .map(|((name, c), (score, evidence))| {
            let score = unit(score);
            CategoryScore {
                factor: Factor {
                    name: (*name).to_owned(),
                    value: score,
                    weight: c.weight,
                    contribution: score * c.weight,
                    evidence,
                },
                threshold: c.threshold,
                flagged: score >= c.threshold,
            }
        })
        .collect();
    let overall = unit(categories.iter().map(|c| c.factor.contribution).sum());
    (categories, overall, RiskLevel::of(overall, settings))
}

fn advice(category: &str) -> &'static str {
    match category {
        "velocity" => {
            "The pace needed exceeds the team's usual pace: agree now which stories leave the sprint, or swarm on the ones closest to done."
        }
        "scope" => {
            "Scope has moved since the start: freeze new work for the rest of the sprint and trade any addition for a removal."
        }
        "capacity" => {
            "Fewer people or too much work in progress per person: finish before starting, and rebalance the work across the team."
        }
        "quality" => {
            "Defects and the review queue are piling up: review before starting new work and fix defects first."
        }
        _ => {
            "Blocked or dependent work is holding the sprint: chase the blockers with their owners today, and escalate the ones outside the team."
        }
    }
}

/// The recommendations: flagged categories by contribution (largest first, ties by name);
/// with none flagged, the largest contributor once the level is medium or worse.
pub fn recommend(categories: &[CategoryScore], level: RiskLevel) -> Vec<Recommendation> {
    let mut ordered: Vec<&CategoryScore> = categories.iter().collect();
    ordered.sort_by(|a, b| {
        b.factor
            .contribution
            .total_cmp(&a.factor.contribution)
            .then_with(|| a.factor.name.cmp(&b.factor.name))
    });
    let mut picked: Vec<&CategoryScore> = ordered.iter().copied().filter(|c| c.flagged).collect();
    if picked.is_empty() && level >= RiskLevel::Medium {
        picked.extend(ordered.first().copied().filter(|c| c.factor.value > 0.0));
    }
    picked
        .into_iter()
        .map(|c| Recommendation {
            category: c.factor.name.clone(),
            text: advice(&c.factor.name).to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(s: [f64; 5]) -> RawScores {
        s.map(|x| (x, String::new()))
    }

    #[test]
    fn default_weights_give_the_guide_levels() {
        let st = RiskSettings::default();
        let (_, overall, level) = combine(raw([0.0; 5]), &st);
        assert_eq!((overall, level), (0.0, RiskLevel::Low));
        let (cats, overall, level) = combine(raw([1.0, 0.0, 0.0, 0.0, 0.0]), &st);
        assert!((overall - 0.25).abs() < 1e-12);
        assert_eq!(level, RiskLevel::Low);
        assert!(cats[0].flagged && !cats[1].flagged);
        let (_, overall, level) = combine(raw([1.0; 5]), &st);
        assert!((overall - 1.0).abs() < 1e-12);
        assert_eq!(level, RiskLevel::Critical);
    }

    #[test]
    fn flagged_categories_drive_the_recommendations() {
        let st = RiskSettings::default();
        // scope 0.65 ≥ 0.6 and dependencies 0.9 ≥ 0.6 are flagged; capacity 0.75 < 0.8 is not.
        let (cats, _, level) = combine(raw([0.1, 0.65, 0.75, 0.0, 0.9]), &st);
        let recs = recommend(&cats, level);
        let names: Vec<&str> = recs.iter().map(|r| r.category.as_str()).collect();
        // dependencies 0.135 contributes more than scope 0.13.
        assert_eq!(names, ["dependencies", "scope"]);
    }

    #[test]
    fn without_flags_a_medium_sprint_names_its_largest_contributor() {
        let st = RiskSettings::default();
        let (cats, overall, level) = combine(raw([0.6, 0.5, 0.7, 0.0, 0.0]), &st);
        assert!(overall >= 0.3, "{overall}");
        let recs = recommend(&cats, level);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].category, "velocity");
        let (cats, _, level) = combine(raw([0.1, 0.0, 0.0, 0.0, 0.0]), &st);
        assert!(recommend(&cats, level).is_empty());
    }

    proptest! {
        /// Raising any one category's score never lowers the overall score.
        #[test]
        fn overall_is_monotone(
            s in proptest::array::uniform5(0.0f64..=1.0),
            which in 0usize..5,
            up in 0.0f64..=1.0,
        ) {
            let st = RiskSettings::default();
            let (_, before, lb) = combine(raw(s), &st);
            let mut t = s;
            t[which] = (t[which] + up).min(1.0);
            let (_, after, la) = combine(raw(t), &st);
            prop_assert!(after >= before - 1e-12, "{s:?} → {t:?}: {before} → {after}");
            prop_assert!(la >= lb);
        }

        /// NaN or out-of-range inputs never escape [0, 1].
        #[test]
        fn scores_stay_in_the_unit_interval(s in proptest::array::uniform5(proptest::num::f64::ANY)) {
            let (cats, overall, _) = combine(raw(s), &RiskSettings::default());
            prop_assert!((0.0..=1.0).contains(&overall));
            for c in cats {
                prop_assert!((0.0..=1.0).contains(&c.factor.value));
            }
        }
    }
}
