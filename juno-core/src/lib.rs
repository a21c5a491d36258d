//! # JUNO core
//!
//! Governed, explainable automation of agile delivery: the pure-Rust core that the C ABI
//! (`juno-ffi`) and the Python package (`juno`) wrap. The evaluation on real Jira data
//! lives beside it, in `juno-eval`.
//!
//! ## What exists today, in the order of the agent cycle
//!
//! | stage | modules | what they do |
//! |---|---|---|
//! | foundation | [`error`], [`clock`], [`config`], [`model`], [`stats`], [`store`] | one error enum; the injected clock; settings; the shared nouns; numeric building blocks; the SQLite store (the only module that speaks SQL) |
//! | observe | [`source`] | Jira ([`source::jira`]), Jira exports ([`source::export`]) and the seeded simulated organisation ([`source::sim`]) produce the shared nouns; `juno.source()` stores them once |
//! | analyze | [`velocity`], [`flow`], [`forecast`] | pure engines: delivery trend, flow bottlenecks, sprint risk with a trained model and Monte Carlo |
//! | decide | [`reasoning`], [`triage`] | confidence from five weighted factors with calibration; triage proposals |
//! | govern | [`governance`], [`audit`] | roles, digest-bound approvals, escalation, auto-approval policy, compliance; the hash-chained audit log |
//! | act | [`executor`] | an action runs exactly once, only after a recorded approval of exactly that action ([`governance::Governance::execute`]), through an outbox and guard rails, by the Jira executor, a recording one or the host's; reverts go through governance |
//! | learn | [`memory`] | outcomes, preferences, patterns and ranked recall per team |
//! | wiring | [`agent`] | `juno.agent().run_cycle(…)`: the stages in order over one store, with a report; the scheduler's lease |
//!
//! Engines are leaves: they name only [`model`], [`config`], [`error`] and [`stats`]; each
//! stage's handle on a [`Juno`] (`juno.forecast()`, `juno.triage()`, …) lives in that
//! module's `api.rs` and connects it to the store, the clock and the other stages. A test
//! (`tests/layering.rs`) keeps it so.
//!
//! ## Quick start: one pass round the cycle
//!
//! ```
//! use std::sync::Arc;
//! use juno_core::forecast::TeamHistory;
//! use juno_core::governance::{Executor, RequestStatus};
//! use juno_core::memory::{Outcome, OutcomeRecord, Stance};
//! use juno_core::model::{Action, Priority, Sprint, SprintState, Ticket};
//! use juno_core::triage::{TriageAction, TriageSettings};
//! use juno_core::{Juno, ManualClock};
//!
//! let clock = Arc::new(ManualClock::at_millis(1_767_225_600_000)); // 2026-01-01
//! let juno = Juno::open_in_memory()?.with_clock(clock.clone());
//!
//! // Learn: memory keeps what came of earlier proposals.
//! for outcome in [Outcome::Approved, Outcome::Approved, Outcome::Approved] {
//!     juno.memory().record_outcome(&OutcomeRecord {
//!         team: "alpha".into(),
//!         action: "escalate".into(),
//!         outcome,
//!         subject: None,
//!         note: None,
//!         context: Vec::new(),
//!     })?;
//! }
//! let pref = juno.memory().preference("alpha", "escalate")?.expect("learned");
//! assert_eq!(pref.stance, Stance::Favours);
//!
//! // Analyze: the sprint at 30% of its days with 20% of its points done.
//! let history = TeamHistory {
//!     sprints: (0..5)
//!         .map(|i| Sprint::finished(30.0, 24.0 + f64::from(i), 10.0, 5))
//!         .collect(),
//!     ..TeamHistory::default()
//! };
//! let state = SprintState {
//!     team: "alpha".into(),
//!     sprint: "S6".into(),
//!     committed_points: 30.0,
//!     done_points: 6.0,
//!     todo_points: 24.0,
//!     committed_issues: 10,
//!     done_issues: 2,
//!     todo_issues: 8,
//!     days_elapsed: 3.0,
//!     days_planned: 10.0,
//!     team_size: 5,
//!     ..SprintState::default()
//! };
//! let forecast = juno.forecast().sprint(&state, &history)?;
//! assert!((0.0..=1.0).contains(&forecast.p_deliver_80));
//!
//! // Decide: a blocked, unassigned Highest ticket idle for 20 days is escalated; the track
//! // record memory learned raises the proposal's confidence.
//! let ticket: Ticket = serde_json::from_str(r#"{"key": "ALPHA-1", "team": "alpha",
//!     "priority": "Highest", "assignee": null, "updated": "2025-12-12T00:00:00Z",
//!     "blocked": true, "has_description": true, "estimated": true}"#)?;
//! let proposals = juno.triage().scan(&[ticket], &TriageSettings::default())?;
//! assert_eq!(proposals[0].action, TriageAction::Escalate);
//! assert!(proposals[0].confidence.factors[1].value > 0.0); // historical accuracy
//!
//! // Govern: the proposal waits for the approver its impact routes to.
//! let request = juno.triage().propose(&proposals, "juno")?.remove(0);
//! assert_eq!(request.status, RequestStatus::Pending);
//! let role = juno.config().approval_rules.route[&request.impact];
//! juno.governance().assign_role("lea", role, &["alpha"], "admin")?;
//! juno.governance().approve(request.id, "lea", &request.digest)?;
//!
//! // Act: exactly the approved action runs, once, through the host's executor.
//! struct Log(Vec<String>);
//! impl Executor for Log {
//!     fn execute(&mut self, action: &Action) -> Result<serde_json::Value, String> {
//!         self.0.push(action.kind.clone());
//!         Ok(serde_json::json!({ "ok": true }))
//!     }
//! }
//! let mut host = Log(Vec::new());
//! juno.governance().execute(request.id, &request.action, &mut host)?;
//! assert_eq!(host.0, ["triage.escalate"]);
//!
//! // And the audit log proves every step.
//! let report = juno.audit().verify(None)?;
//! assert!(report.ok && report.entries >= 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

// Foundation: every stage stands on these.
pub mod error; // one error enum, mapped to C status codes and Python exceptions
pub mod clock; // the injected clock
pub mod config; // settings from env, `.env` and TOML
pub mod log; // structured logs: the application, governance and performance channels
pub mod json; // the one rule for JSON input: objects, no unknown fields, errors name the path
pub mod model; // the shared nouns: roles, impact, evidence, confidence, factors
pub mod stats; // median, percentile, OLS, Theil–Sen, Wilson, Brier, ECE, AUC
pub mod store; // SQLite: the only module that speaks SQL

// Observe: where tickets and sprints come from (Jira, exports, the simulated
// organisation). Hosts may also pass them in.
pub mod source; // sources of model nouns, stored once by `juno.source()`

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
// approval; the executor module holds the writes, guard rails, outbox and reverts.
pub mod executor; // writes, guard rails, the recording executor, the outbox, reverts

// Learn: what came of it.
pub mod memory; // the four-kind memory layer: outcomes, preferences, patterns, recall

// Wiring: the cycle that runs the stages in order.
pub mod agent; // run_cycle: observe → analyze → decide → govern → act → learn; the scheduler lease

// Optional faces: messages to people, sent from an outbox.
pub mod llm; // a language model words explanations, checked; the template otherwise
pub mod notify; // Slack and Teams notices from the audit log, an outbox with retries

mod juno; // the facade that opens the store and hands out each stage's handle

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use juno::Juno;
pub use memory::{Memories, Memory, MemoryKind, NewMemory, RecallHit, RecallQuery};

/// The library version (from `Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The crate's README (its crates.io page), compiled as a doctest so its example cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
