//! Observe: where the cycle's tickets, sprints, teams and people come from.
//!
//! Every source produces the [`crate::model`] nouns and nothing else, so the stages after
//! it do not know which one fed them. Today there is one:
//!
//! - [`sim`]: the seeded simulated organisation — teams, people with roles, sprints and
//!   tickets with their change histories over a span of weeks, in which in-sprint signals
//!   (scope added, blocked work, review queues, absences) cause the outcomes. The demo,
//!   the tests and the benchmarks use it.
//!
//! The Jira REST client and the export importers come next (the agent-cycle issue).
//! A source names only `model`, `config`, `error` and `stats`: it does not analyse,
//! decide or store (`juno-core/tests/layering.rs`).

pub mod sim;
