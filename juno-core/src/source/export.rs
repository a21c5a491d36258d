//! Jira export files.
