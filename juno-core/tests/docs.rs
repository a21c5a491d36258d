//! What the documentation promises, checked against the code: every configuration example
//! in the README loads, and the figures it quotes are the ones the code computes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use juno_core::memory::learning::wilson_lower_bound;
use juno_core::model::Role;
use juno_core::{Config, ErrorKind};

fn read(rel: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// The bodies of the fenced blocks of `lang` in `markdown`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l == format!("```{lang}") => current = Some(String::new()),
            (Some(_), "```") => out.extend(current.take()),
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

fn load_toml(text: &str) -> juno_core::Result<Config> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("juno.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(Some(&path), None, &BTreeMap::new())
}

#[test]
fn every_readme_config_example_loads() {
    let readme = read("../README.md");
    let examples = blocks(&readme, "toml");
    assert!(!examples.is_empty(), "the README lost its config example");
    for text in &examples {
        let c = load_toml(text).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
        assert!(c.validate().is_ok());
    }
    // The configuration section's example: its values arrive where the README says.
    let main = examples
        .iter()
        .find(|t| t.contains("memory_retention_days"))
        .expect("the README's configuration example");
    let c = load_toml(main).unwrap();
    assert_eq!(c.memory_retention_days, 90);
    assert_eq!(c.approval_timeout_hours, 8);
    assert_eq!(c.risk.categories.velocity.threshold, 0.65);
    assert_eq!(c.risk.high_threshold, 0.55);
    assert_eq!(c.approval_rules.deadline_hours[&Role::TeamLead], 12.0);
    assert_eq!(c.approval_rules.auto_approval_threshold, 0.95);
    assert_eq!(c.approval_rules.reminder_hours_before, [6.0, 2.0]);
    assert_eq!(
        c.approval_rules.fallback_approver.as_deref(),
        Some("cto@company.com")
    );
}

#[test]
fn the_readme_notify_example_loads_where_it_says() {
    let readme = read("../README.md");
    let example = blocks(&readme, "toml")
        .into_iter()
        .find(|t| t.contains("[notify]"))
        .expect("the README's [notify] example");
    let c = load_toml(&example).unwrap();
    assert!(c.notify.slack_bot_token.is_some() && c.notify.teams_webhook_url.is_some());
    assert_eq!(c.notify.slack_channel.as_deref(), Some("C0123ABCD"));
    assert_eq!(
        c.notify.slack_users.get("U024BE7LH").map(String::as_str),
        Some("lead@company.com")
    );
}

#[test]
fn the_old_risk_layout_is_refused_by_name() {
    // `[risk.velocity]` was once documented; it is not the layout, and must not be
    // silently ignored.
    let e = load_toml("[risk.velocity]\nweight = 0.25\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("velocity"), "{e}");
}

/// `4 of 5 gives 0.38, 40 of 50 gives 0.67` (README) / `4 of 5 → 0.38, 40 of 50 → 0.67`
/// (module docs): each quoted figure is the Wilson bound the code computes, to 2 places.
#[test]
fn quoted_preference_confidences_are_computed() {
    let sources = [
        (read("../README.md"), " gives "),
        (read("src/memory/learning.rs"), " → "),
    ];
    for (text, sep) in &sources {
        for (k, n) in [(4u64, 5u64), (40, 50)] {
            let phrase = format!("{k} of {n}{sep}");
            let at = text
                .find(&phrase)
                .unwrap_or_else(|| panic!("`{phrase}` not found"));
            let quoted: String = text[at + phrase.len()..].chars().take(4).collect();
            assert_eq!(
                quoted,
                format!("{:.2}", wilson_lower_bound(k, n)),
                "{k} of {n}"
            );
        }
    }
}
