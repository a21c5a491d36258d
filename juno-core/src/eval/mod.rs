//! Evaluation on real, public Jira data: the code behind `juno eval`.
//!
//! Each evaluation reads CSV files in the schema of `../shared/data` (see that folder's
//! README), replays them through the same engines a deployment runs, and returns a report
//! whose every number is computed here. Nothing is tuned to the test folds: the models'
//! settings are fixed constants in this module tree.

pub mod data;
pub mod forest;
pub mod metrics;
pub mod sprint_risk;
pub mod triage;
