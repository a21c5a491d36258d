//! `juno eval triage`: stale-ticket triage replayed over MSR2015 issue histories.
