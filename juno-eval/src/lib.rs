//! # JUNO evaluation
//!
//! Evaluation on real, public Jira data: the code behind `juno eval`, kept out of
//! `juno-core` so that the embeddable core carries neither the CSV reader nor smartcore.
//!
//! Each evaluation reads CSV files in the schema of `../shared/data` (see that folder's
//! README), replays them through the same engines a deployment runs, and returns a report
//! whose every number is computed here. Nothing is tuned to the test folds: the models'
//! settings are fixed constants in this module tree.

#![forbid(unsafe_code)]

pub mod data;
pub mod forest;
pub mod learning;
pub mod metrics;
pub mod plot;
pub mod sprint_risk;
pub mod triage;
