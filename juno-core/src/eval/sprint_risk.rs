//! `juno eval sprint-risk`: the sprint-risk model on TSE2017 / Porru8 files.
