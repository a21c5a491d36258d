//! Where cleanup's time goes (an experiment, ignored by default):
//! `cargo test --release -p juno-core --test cleanup_phases -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use juno_core::memory::{MemoryKind, NewMemory};
use juno_core::{Juno, ManualClock};

#[test]
#[ignore = "experiment"]
fn cleanup_phases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let t0 = 1_767_225_600_000;
    {
        let juno = Juno::open_path(&path)
            .unwrap()
            .with_clock(Arc::new(ManualClock::at_millis(t0)));
        let words = [
            "deploy", "review", "sprint", "story", "blocked", "flaky", "release", "pipeline",
        ];
        let mk = |i: usize, ttl: Option<i64>| {
            let mut m = NewMemory::new(
                MemoryKind::Episodic,
                format!("team{}", i % 12),
                format!(
                    "{} {} note {i} about {}",
                    words[i % 8],
                    words[(i / 8) % 8],
                    words[(i / 64) % 8]
                ),
            );
            m.ttl_seconds = ttl;
            m
        };
        juno.memory()
            .store_many((0..2500).map(|i| mk(i, Some(600))).collect())
            .unwrap();
        juno.memory()
            .store_many((2500..5000).map(|i| mk(i, None)).collect())
            .unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let now = t0 + 7_200_000;
    let cutoff = now - 365 * 86_400_000;
    let tx = conn.unchecked_transaction().unwrap();
    let step = |label: &str, sql: &str| {
        let t = Instant::now();
        tx.execute_batch(
            &sql.replace("?1", &now.to_string())
                .replace("?2", &cutoff.to_string()),
        )
        .unwrap();
        println!("{label:<28} {:>8.3} ms", t.elapsed().as_secs_f64() * 1e3);
    };
    step(
        "temp table",
        "CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY); DELETE FROM temp.doomed;",
    );
    step(
        "select doomed",
        "INSERT INTO temp.doomed (id) SELECT id FROM memories WHERE (expires_at IS NOT NULL AND expires_at <= ?1) OR touched_at < ?2",
    );
    step(
        "delete fts",
        "DELETE FROM memory_fts WHERE rowid IN (SELECT id FROM temp.doomed)",
    );
    step(
        "delete memories",
        "DELETE FROM memories WHERE id IN (SELECT id FROM temp.doomed)",
    );
    step(
        "delete history",
        "DELETE FROM memory_history WHERE memory_id IN (SELECT id FROM temp.doomed); DELETE FROM temp.doomed;",
    );
    step(
        "age out history",
        "DELETE FROM memory_history WHERE at < ?2 AND memory_id NOT IN (SELECT id FROM memories)",
    );
    let t = Instant::now();
    tx.commit().unwrap();
    println!(
        "{:<28} {:>8.3} ms",
        "commit",
        t.elapsed().as_secs_f64() * 1e3
    );
}
