//! # JUNO core
//!
//! Governed, explainable automation of agile delivery: the pure-Rust core that the C ABI
//! (`juno-ffi`) and the Python package (`juno`) wrap.
//!
//! Today the core holds the foundation — settings, the injected clock, the SQLite store —
//! and the **memory layer**, where JUNO keeps what it learns about each team.
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//! use juno_core::{Juno, ManualClock};
//! use juno_core::memory::{MemoryKind, NewMemory, Outcome, OutcomeRecord, RecallQuery, Stance};
//!
//! let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000)); // 2026-01-01
//! let juno = Juno::open_in_memory()?.with_clock(clock.clone());
//! let memory = juno.memory();
//!
//! // Store what the team knows.
//! memory.store(
//!     NewMemory::new(MemoryKind::Semantic, "team_alpha", "alpha splits stories above 8 points")
//!         .with_tags(["estimation"])
//!         .with_importance(0.8),
//! )?;
//!
//! // Learn from outcomes: alpha rejected 4 of 5 auto-reassign proposals.
//! for outcome in [Outcome::Rejected, Outcome::Rejected, Outcome::Approved, Outcome::Rejected, Outcome::Rejected] {
//!     memory.record_outcome(&OutcomeRecord {
//!         team: "team_alpha".into(),
//!         action: "auto_reassign".into(),
//!         outcome,
//!         subject: None,
//!         note: None,
//!     })?;
//! }
//! let pref = memory.preference("team_alpha", "auto_reassign")?.expect("learned");
//! assert_eq!(pref.stance, Stance::Avoids);
//!
//! // Repeated episodes become a pattern once their support reaches the threshold (0.7).
//! let patterns = memory.recognize_patterns(Some("team_alpha"))?;
//! assert_eq!(patterns[0].result, "rejected");
//!
//! // Recall, ranked and explained.
//! let hits = memory.recall(&RecallQuery::text("split stories").team("team_alpha"))?;
//! println!("{}", hits[0].explanation.render());
//! assert!(hits[0].memory.text.contains("splits stories"));
//! # Ok::<(), juno_core::Error>(())
//! ```
#![forbid(unsafe_code)]

// Foundation: every stage stands on these.
pub mod error; // one error enum, mapped to C status codes and Python exceptions
pub mod clock; // the injected clock
pub mod config; // settings from env, `.env` and TOML
pub mod model; // the shared nouns: roles, impact, evidence, confidence, factors
pub mod stats; // median, percentile, OLS, Theil–Sen, Wilson, Brier, ECE, AUC
pub mod store; // SQLite: the only module that speaks SQL

// Observe: nothing reads Jira yet; hosts pass tickets and sprints in (the agent cycle adds
// sources).

// Analyze: pure engines (leaves) over sprints and tickets.
pub mod velocity; // delivery statistics, trend, next-sprint forecast
pub mod flow; // cycle time, dwell, ageing WIP, queues, throughput
pub mod forecast; // sprint risk: trained model, categories, Monte Carlo

// Decide: score and propose.
pub mod reasoning; // confidence from five factors, explanations, calibration
pub mod triage; // staleness, blockers and unassigned work → proposals

// Govern: approve and record.
pub mod governance; // roles, digest-bound approvals, escalation, exactly-once execution
pub mod audit; // the hash-chained audit log

// Act: an action runs only through `governance`'s exactly-once `execute` after a recorded
// approval (the agent cycle adds the executor that writes to Jira).

// Learn: what came of it.
pub mod memory; // the four-kind memory layer: outcomes, preferences, patterns, recall

mod juno; // the facade that opens the store and hands out each stage's handle

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use juno::Juno;
pub use memory::{Memories, Memory, MemoryKind, NewMemory, RecallHit, RecallQuery};

/// The library version (from `Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
