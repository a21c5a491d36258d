//! How many Monte Carlo trials a forecast needs: P10/P50/P90 against a 100,000-trial
//! reference over seeded, realistic sprints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use juno_core::forecast::{MonteCarloInput, SplitMix64, monte_carlo};

/// A sprint as teams have them: 10-day sprints, throughput with idle days (points land
/// when stories close), a few days to a whole sprint left, some with scope churn.
fn sprint(rng: &mut SplitMix64) -> MonteCarloInput {
    let mean = 2.0 + rng.unit() * 6.0;
    let throughput: Vec<f64> = (0..80)
        .map(|_| {
            if rng.unit() < 0.35 {
                0.0
            } else {
                (mean * (0.3 + 1.4 * rng.unit()) * 2.0).round() / 2.0 + 1.0
            }
        })
        .collect();
    let churn = rng.unit() < 0.4;
    let scope_change: Vec<f64> = if churn {
        (0..80)
            .map(|_| match rng.below(10) {
                0 => 3.0,
                1 => -2.0,
                2 => 5.0,
                _ => 0.0,
            })
            .collect()
    } else {
        Vec::new()
    };
    let days = 10u32;
    let left = 1 + rng.below(10) as u32;
    let committed = (mean * f64::from(days) * (0.8 + 0.5 * rng.unit())).round();
    let done = (mean * f64::from(days - left) * (0.7 + 0.5 * rng.unit()))
        .round()
        .min(committed);
    MonteCarloInput {
        committed,
        scope: None,
        done,
        days_remaining: left,
        planned_days: days,
        daily_throughput: throughput,
        daily_scope_change: scope_change,
        trials: 100_000,
        seed: rng.next_u64(),
    }
}

/// Every quantile's error relative to the reference (0 when both are 0), sorted.
fn relative_errors(trials: u32, sprints: usize) -> Vec<f64> {
    let mut rng = SplitMix64::new(15);
    let mut errors = Vec::new();
    for _ in 0..sprints {
        let mut input = sprint(&mut rng);
        let reference = monte_carlo(&input);
        input.trials = trials;
        let r = monte_carlo(&input);
        for (got, want) in [
            (r.p10, reference.p10),
            (r.p50, reference.p50),
            (r.p90, reference.p90),
        ] {
            errors.push(if want == 0.0 {
                got.abs()
            } else {
                (got - want).abs() / want
            });
        }
    }
    errors.sort_by(f64::total_cmp);
    errors
}

#[test]
#[ignore = "the experiment behind FORECAST_TRIALS: cargo test --release --test trials -- --ignored --nocapture"]
fn trials_experiment() {
    for trials in [500, 1000, 2000, 3000, 5000, 10_000] {
        let e = relative_errors(trials, 300);
        let within = e.iter().filter(|x| **x <= 0.01).count() as f64 / e.len() as f64;
        let at = |q: f64| e[((e.len() - 1) as f64 * q).round() as usize];
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        println!(
            "{trials:>6} trials: within 1%: {within:.3}, mean {mean:.4}, p95 {:.4}, worst {:.4}",
            at(0.95),
            at(1.0)
        );
    }
}

/// The simulation with Latin hypercube draws: on each day the trials' draws are spread
/// evenly over the sorted samples (each stratum once), in a random order per day.
fn lhs(input: &MonteCarloInput, n: u32) -> [f64; 3] {
    let n = n as usize;
    let mut tp = input.daily_throughput.clone();
    tp.sort_by(f64::total_cmp);
    let mut growth = input.daily_scope_change.clone();
    growth.sort_by(f64::total_cmp);
    let days = input.days_remaining as usize;
    let perm = |salt: u64| -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64::new(input.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for i in (1..n).rev() {
            p.swap(i, rng.below(i + 1));
        }
        p
    };
    let tperm: Vec<Vec<usize>> = (0..days).map(|d| perm(2 * d as u64 + 1)).collect();
    let gperm: Vec<Vec<usize>> = (0..days).map(|d| perm(2 * d as u64 + 2)).collect();
    let pick = |v: &[f64], s: usize, u: f64| {
        v[(((s as f64 + u) / n as f64) * v.len() as f64) as usize % v.len()]
    };
    let mut out = Vec::with_capacity(n);
    for t in 0..n {
        let mut rng = SplitMix64::new(input.seed ^ (t as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        let mut scope = input.scope.unwrap_or(input.committed).max(input.done);
        let mut done = input.done;
        for d in 0..days {
            if !growth.is_empty() {
                scope = (scope + pick(&growth, gperm[d][t], rng.unit())).max(done);
            }
            done = (done + pick(&tp, tperm[d][t], rng.unit())).min(scope);
        }
        out.push(done);
    }
    out.sort_by(f64::total_cmp);
    let at = |p: f64| out[((out.len() - 1) as f64 * p).round() as usize];
    [at(0.1), at(0.5), at(0.9)]
}

#[test]
#[ignore = "experiment"]
fn lhs_experiment() {
    for trials in [500u32, 1000, 2000, 5000] {
        let mut rng = SplitMix64::new(15);
        let mut e = Vec::new();
        for _ in 0..300 {
            let input = sprint(&mut rng);
            let reference = monte_carlo(&input);
            let got = lhs(&input, trials);
            for (g, w) in got
                .iter()
                .zip([reference.p10, reference.p50, reference.p90])
            {
                e.push(if w == 0.0 { g.abs() } else { (g - w).abs() / w });
            }
        }
        e.sort_by(f64::total_cmp);
        let within = e.iter().filter(|x| **x <= 0.01).count() as f64 / e.len() as f64;
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        println!(
            "LHS {trials:>6}: within 1%: {within:.3}, mean {mean:.4}, p95 {:.4}, worst {:.4}",
            e[(e.len() - 1) * 95 / 100],
            e[e.len() - 1]
        );
    }
}
