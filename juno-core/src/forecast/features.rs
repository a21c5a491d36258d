//! The features the sprint-risk model reads: one fixed vector per (sprint state, history).
//!
//! The same function feeds training, live forecasts and `juno eval`, so a model is always
//! applied to the features it was trained on. Features are mostly scale-free (shares of
//! the commitment, paces relative to the team's own), so one model serves teams that
//! estimate on different scales; the log-scaled sizes let it tell big sprints from small.
//!
//! | feature | definition |
//! |---|---|
//! | `elapsed_share` | days elapsed ÷ days planned (0 without a plan) |
//! | `done_share` | done points ÷ commitment now |
//! | `todo_share` | to-do points ÷ commitment now |
//! | `in_progress_share` | in-progress points ÷ commitment now |
//! | `added_share` | added points ÷ points committed at the start |
//! | `removed_share` | removed points ÷ points committed at the start |
//! | `log_committed` | ln(1 + points committed at the start) |
//! | `log_done` | ln(1 + done points) |
//! | `log_left` | ln(1 + points left = commitment now − done) |
//! | `pace_needed` | points left ÷ (pace × days left), capped at 10; pace from history, else the plan |
//! | `history_delivery` | the team's median delivered ÷ committed over past sprints (1 without history) |
//! | `has_history` | 1 when there are past sprints, else 0 |
//! | `log_team_size` | ln(1 + people) |
//! | `issues_done_share` | done issues ÷ issues now |
//! | `issues_added_share` | added issues ÷ issues at the start |
//! | `blocked_share` | blocked ÷ open issues |
//! | `dependency_share` | dependencies ÷ open issues |
//! | `defect_share` | defects ÷ issues now |
//! | `review_share` | review queue ÷ issues now |
//! | `log_issues` | ln(1 + issues now) |
//!
//! A ratio whose denominator is 0 is 0 (no division by zero, no NaN).

use super::{SprintState, TeamHistory, nn};

/// The feature names, in vector order.
pub const FEATURE_NAMES: [&str; 20] = [
    "elapsed_share",
    "done_share",
    "todo_share",
    "in_progress_share",
    "added_share",
    "removed_share",
    "log_committed",
    "log_done",
    "log_left",
    "pace_needed",
    "history_delivery",
    "has_history",
    "log_team_size",
    "issues_done_share",
    "issues_added_share",
    "blocked_share",
    "dependency_share",
    "defect_share",
    "review_share",
    "log_issues",
];

/// How many features there are.
pub const FEATURE_COUNT: usize = FEATURE_NAMES.len();

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 && a.is_finite() { a / b } else { 0.0 }
}

/// The feature vector of `state` given `history`.
pub fn extract(state: &SprintState, history: &TeamHistory) -> [f64; FEATURE_COUNT] {
    let commit = state.commitment_now();
    let start = nn(state.committed_points);
    let done = nn(state.done_points);
    let left = (commit - done).max(0.0);
    let pace = history
        .pace()
        .unwrap_or_else(|| ratio(start, state.days_planned));
    let capacity = pace * state.days_left();
    let pace_needed = if left <= 0.0 {
        0.0
    } else if capacity <= 0.0 {
        10.0
    } else {
        (left / capacity).min(10.0)
    };
    let issues = f64::from(state.issues_now());
    let open = f64::from(state.open_issues());
    [
        ratio(state.days_elapsed, state.days_planned).min(2.0),
        ratio(done, commit).min(3.0),
        ratio(nn(state.todo_points), commit).min(3.0),
        ratio(nn(state.in_progress_points), commit).min(3.0),
        ratio(nn(state.added_points), start).min(5.0),
        ratio(nn(state.removed_points), start).min(5.0),
        start.ln_1p(),
        done.ln_1p(),
        left.ln_1p(),
        pace_needed,
        history.delivery_ratio().unwrap_or(1.0),
        if history.sprints.is_empty() { 0.0 } else { 1.0 },
        f64::from(state.team_size).ln_1p(),
        ratio(f64::from(state.done_issues), issues).min(1.0),
        ratio(
            f64::from(state.added_issues),
            f64::from(state.committed_issues),
        )
        .min(5.0),
        ratio(f64::from(state.blocked), open).min(1.0),
        ratio(f64::from(state.dependencies), open).min(5.0),
        ratio(f64::from(state.defects), issues).min(1.0),
        ratio(f64::from(state.review_queue), issues).min(1.0),
        issues.ln_1p(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_commitment_gives_finite_features() {
        let f = extract(&SprintState::default(), &TeamHistory::default());
        assert!(f.iter().all(|x| x.is_finite()), "{f:?}");
        assert_eq!(f[1], 0.0);
    }

    #[test]
    fn shares_are_of_the_commitment_now() {
        let s = SprintState {
            committed_points: 20.0,
            added_points: 10.0,
            removed_points: 5.0,
            done_points: 5.0,
            todo_points: 15.0,
            in_progress_points: 5.0,
            days_elapsed: 3.0,
            days_planned: 10.0,
            ..SprintState::default()
        };
        let f = extract(&s, &TeamHistory::default());
        assert!((f[0] - 0.3).abs() < 1e-12);
        assert!((f[1] - 0.2).abs() < 1e-12); // 5 of 25
        assert!((f[4] - 0.5).abs() < 1e-12); // 10 added on 20
        // 20 left; plan pace 2/day × 7 days = 14 → 20/14.
        assert!((f[9] - 20.0 / 14.0).abs() < 1e-12);
    }
}
