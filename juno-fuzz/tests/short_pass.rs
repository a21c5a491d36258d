//! CI's short fuzzing pass (issue #12), on stable Rust: every target replays its committed
//! regressions (`fuzz/regressions/TARGET/`, what a libFuzzer run found) and seeds
//! (`fuzz/seeds/TARGET/`), then `JUNO_FUZZ_ITERATIONS` (default 1500) seeded mutations of
//! the seeds. Without coverage guidance this finds less than `tests/fuzz.sh`, which runs
//! the same bodies under libFuzzer; it keeps every past finding fixed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use juno_core::stats::SplitMix64;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fuzz")
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

/// One mutation of `seeds[..]`: byte flips, inserts, deletes, truncation, splices and
/// interesting values, a few at a time.
fn mutate(rng: &mut SplitMix64, seeds: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].1.clone();
    for _ in 0..1 + rng.below(4) {
        let at = if data.is_empty() {
            0
        } else {
            rng.below(data.len())
        };
        match rng.below(7) {
            0 if !data.is_empty() => data[at] ^= 1 << rng.below(8),
            1 => data.insert(at, rng.below(256) as u8),
            2 if !data.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(data.len());
                data.drain(at..end);
            }
            3 => data.truncate(at),
            4 => {
                let other = &seeds[rng.below(seeds.len())].1;
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    data.splice(at..at, other[from..].iter().copied().take(32));
                }
            }
            5 if !data.is_empty() => {
                let interesting: [&[u8]; 8] = [
                    b"-1",
                    b"1e309",
                    b"null",
                    b"\"\"",
                    b"[]",
                    b"{}",
                    b"18446744073709551616",
                    b"\xff\xfe",
                ];
                let pick = interesting[rng.below(8)];
                data.splice(at..at, pick.iter().copied());
            }
            _ if !data.is_empty() => data[at] = rng.below(256) as u8,
            _ => data.push(rng.below(256) as u8),
        }
    }
    data
}

#[test]
fn every_target_survives_its_regressions_seeds_and_mutations() {
    let iterations: u64 = std::env::var("JUNO_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    for (name, body) in juno_fuzz::TARGETS {
        let regressions = files(&root().join("regressions").join(name));
        let seeds = files(&root().join("seeds").join(name));
        assert!(!seeds.is_empty(), "fuzz/seeds/{name} is empty");
        for (path, data) in regressions.iter().chain(&seeds) {
            let result = std::panic::catch_unwind(|| body(data));
            assert!(result.is_ok(), "{name}: {path} fails");
        }
        let started = std::time::Instant::now();
        let mut rng = SplitMix64::new(0x5EED ^ name.len() as u64);
        for i in 0..iterations {
            let data = mutate(&mut rng, &seeds);
            let result = std::panic::catch_unwind(|| body(&data));
            assert!(
                result.is_ok(),
                "{name}: mutation {i} fails; its bytes: {data:?} (save them under \
                 fuzz/regressions/{name}/)"
            );
        }
        println!(
            "{name}: {} regressions, {} seeds, {iterations} mutations in {:.1} s: no finding",
            regressions.len(),
            seeds.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
