//! Shared helpers for the benchmarks: a seeded, realistic memory corpus.
//!
//! Texts are drawn from a vocabulary of agile-delivery words with a Zipf-like skew, so
//! full-text queries see a realistic mix of common and rare terms.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use juno_core::forecast::SplitMix64;
use juno_core::memory::{MemoryKind, NewMemory};

/// The core's seeded SplitMix64, with the helpers the corpora need.
#[derive(Debug, Clone)]
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Modulo (not the core's multiply-shift) so the corpora, and with them the reported
    /// figures, stay exactly what they were.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Index skewed towards small values (roughly Zipf with s ≈ 1).
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = self.unit();
        (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
    }
}

const STEMS: &[&str] = &[
    "deploy",
    "review",
    "estimate",
    "sprint",
    "story",
    "ticket",
    "blocked",
    "flaky",
    "test",
    "release",
    "staging",
    "incident",
    "retro",
    "standup",
    "backlog",
    "refine",
    "pairing",
    "merge",
    "pipeline",
    "build",
    "rollback",
    "hotfix",
    "velocity",
    "scope",
    "capacity",
    "vacation",
    "oncall",
    "handover",
    "design",
    "spike",
    "dependency",
    "api",
    "schema",
    "migration",
    "database",
    "cache",
    "latency",
    "timeout",
    "alert",
    "dashboard",
    "customer",
    "support",
    "bug",
    "regression",
    "feature",
    "flag",
    "canary",
    "approval",
    "reassign",
    "priority",
    "epic",
    "points",
    "split",
    "carryover",
];

/// A vocabulary of `n` words: the stems, then numbered variants (`deploy7`, …).
pub fn vocabulary(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let stem = STEMS[i % STEMS.len()];
            if i < STEMS.len() {
                stem.to_owned()
            } else {
                format!("{stem}{}", i / STEMS.len())
            }
        })
        .collect()
}

/// `n` memories spread over `teams` teams, seeded. `ttl` sets a TTL on every memory.
pub fn corpus(seed: u64, n: usize, teams: usize, ttl: Option<i64>) -> Vec<NewMemory> {
    let vocab = vocabulary(2000);
    let mut rng = Rng::new(seed);
    let kinds = [
        MemoryKind::Episodic,
        MemoryKind::Semantic,
        MemoryKind::Procedural,
    ];
    (0..n)
        .map(|_| {
            let words = 8 + rng.below(8);
            let text: Vec<&str> = (0..words)
                .map(|_| vocab[rng.zipf(vocab.len())].as_str())
                .collect();
            let team = format!("team_{:03}", rng.below(teams));
            let kind = kinds[rng.below(kinds.len())];
            let tag = STEMS[rng.below(STEMS.len())];
            let mut m = NewMemory::new(kind, team, text.join(" "))
                .with_tags([tag])
                .with_importance((rng.below(100) as f64) / 100.0);
            if let Some(t) = ttl {
                m = m.with_ttl_seconds(t);
            }
            m
        })
        .collect()
}

/// A two-word query of mid-frequency words.
pub fn query_words(rng: &mut Rng) -> String {
    let vocab = vocabulary(2000);
    let a = &vocab[10 + rng.below(200)];
    let b = &vocab[10 + rng.below(200)];
    format!("{a} {b}")
}

/// The benchmarks' fixed "now": 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;

/// Builds a file database of `n` corpus memories (in 100k batches) at [`T0`].
pub fn build_db(path: &std::path::Path, n: usize, teams: usize, ttl: Option<i64>, seed: u64) {
    use std::sync::Arc;
    let juno = juno_core::Juno::open_path(path)
        .unwrap()
        .with_clock(Arc::new(juno_core::ManualClock::at_millis(T0)));
    let mut left = n;
    let mut s = seed;
    while left > 0 {
        let k = left.min(100_000);
        juno.memory().store_many(corpus(s, k, teams, ttl)).unwrap();
        s += 1;
        left -= k;
    }
}

/// Prints p50/p90/p99/max of latency samples (criterion reports means, the targets are p99).
///
/// With `JUNO_BENCH_OUT=DIR` set (as `benches/run.sh` does) the same figures, in
/// microseconds, are also written to `DIR/percentiles/<key>.json` for `benches/report.py`.
pub fn print_percentiles(key: &str, label: &str, mut samples: Vec<std::time::Duration>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{label}: n={} p50={:?} p90={:?} p99={:?} max={:?}",
        samples.len(),
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    );
    if let Some(dir) = std::env::var_os("JUNO_BENCH_OUT") {
        let dir = std::path::Path::new(&dir).join("percentiles");
        std::fs::create_dir_all(&dir).unwrap();
        let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
        let figures = serde_json::json!({
            "label": label,
            "n": samples.len(),
            "p50_us": us(at(0.50)),
            "p90_us": us(at(0.90)),
            "p99_us": us(at(0.99)),
            "max_us": us(at(1.0)),
        });
        std::fs::write(dir.join(format!("{key}.json")), figures.to_string()).unwrap();
    }
}
