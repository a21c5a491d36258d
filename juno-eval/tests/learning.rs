//! The learning experiment (`juno eval learning`) on a small seeded organisation: the
//! direction of the effect, on the shipped approvers file and on preferences written here
//! that the project's defaults never mention.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use juno_eval::learning::approvers::ApproversFile;
use juno_eval::learning::{self, Arm, LearningOptions};

/// Four teams over the first 110 days of the shipped file (before its drift): JUNO as
/// built is accepted far more often than the same cycle with learning off, stays near
/// the oracle, and rarely acts alone against a team's wishes.
#[test]
fn learning_beats_no_learning_on_the_shipped_file() {
    let mut options = LearningOptions::new().unwrap();
    options.days = Some(110);
    let report = learning::run(&options).unwrap();
    let acc = |a: Arm| {
        report
            .arm(a)
            .unwrap()
            .after_two_months
            .acceptance()
            .unwrap()
    };
    let (base, juno, oracle) = (acc(Arm::NoLearning), acc(Arm::Juno), acc(Arm::Oracle));
    assert!(juno >= base + 0.25, "JUNO {juno} vs no learning {base}");
    assert!(juno >= 0.85, "JUNO {juno}");
    assert!(oracle - juno <= 0.05, "JUNO {juno} vs oracle {oracle}");
    let j = report.arm(Arm::Juno).unwrap();
    assert!(j.total.auto > 0, "JUNO earned no autonomy: {:?}", j.total);
    assert!(
        j.total.unwanted_auto_share().unwrap() < 0.05,
        "{:?}",
        j.total
    );
    // alpha's hidden "no reassignment" is what the baseline keeps running into and JUNO
    // learns to hold back.
    assert!(j.held_back.keys().any(|k| k.starts_with("triage.reassign")));
    let alpha = |a: Arm| {
        let mut c = learning::Counts::default();
        for m in &report.arm(a).unwrap().months {
            if let Some(t) = m.teams.get("alpha") {
                c.rejected += t.rejected;
                c.accepted += t.accepted;
            }
        }
        c.acceptance().unwrap()
    };
    assert!(alpha(Arm::Juno) > alpha(Arm::NoLearning) + 0.3);
    // The table names every arm and target.
    let table = report.render_table();
    assert!(table.contains("no learning") && table.contains("oracle"));
    assert!(table.contains("targets (issue #16)"));
}

/// Preferences written here, not in the shipped file: beta turns down escalations and
/// gamma turns down information requests on high-priority tickets, and both change their
/// minds about nothing. JUNO finds both narrow "no"s; learning off keeps asking.
#[test]
fn preferences_the_project_never_saw_are_learned() {
    let file = ApproversFile::parse(
        r#"
seed = 99
noise = 0.02
default_verdict = "approve"

[organisation]
teams = 3
arrivals_per_day = 3.0
days = 100

[[rule]]
team = "beta"
action = "escalate"
verdict = "reject"

[[rule]]
team = "gamma"
action = "request_info"
priorities = ["Highest", "High"]
verdict = "reject"
"#,
    )
    .unwrap();
    let mut options = LearningOptions::new().unwrap();
    options.approvers = file;
    options.arms = vec![Arm::NoLearning, Arm::Juno];
    let report = learning::run(&options).unwrap();
    let base = report.arm(Arm::NoLearning).unwrap();
    let juno = report.arm(Arm::Juno).unwrap();
    let (b, j) = (
        base.after_two_months.acceptance().unwrap(),
        juno.after_two_months.acceptance().unwrap(),
    );
    assert!(j >= b + 0.10, "JUNO {j} vs no learning {b}");
    assert!(
        juno.after_two_months.rejected * 3 < base.after_two_months.rejected,
        "{:?} vs {:?}",
        juno.after_two_months,
        base.after_two_months
    );
    assert!(
        juno.held_back
            .keys()
            .any(|k| k.starts_with("triage.escalate")),
        "{:?}",
        juno.held_back
    );
}

/// The same options give the same year, figure for figure.
#[test]
fn the_experiment_is_deterministic() {
    let mut options = LearningOptions::new().unwrap();
    options.days = Some(30);
    options.arms = vec![Arm::Juno];
    let strip = |mut r: learning::LearningReport| {
        for a in &mut r.arms {
            a.seconds = 0.0;
        }
        serde_json::to_string(&r).unwrap()
    };
    let a = strip(learning::run(&options).unwrap());
    let b = strip(learning::run(&options).unwrap());
    assert_eq!(a, b);
}

/// Bad options are refused by name before anything runs.
#[test]
fn bad_options_are_named() {
    let mut options = LearningOptions::new().unwrap();
    options.days = Some(3);
    let e = learning::run(&options).unwrap_err();
    assert!(
        matches!(e, juno_core::Error::InvalidInput { ref field, .. } if field == "organisation.days")
    );
    options.days = Some(30);
    options.arms.clear();
    let e = learning::run(&options).unwrap_err();
    assert!(matches!(e, juno_core::Error::InvalidInput { ref field, .. } if field == "arms"));
    assert!("maybe".parse::<Arm>().is_err());
}

/// `plot` writes the curves as SVG, one line per arm.
#[test]
fn the_curve_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = LearningOptions::new().unwrap();
    options.days = Some(40);
    options.arms = vec![Arm::NoLearning, Arm::Juno];
    options.plot = Some(dir.path().to_path_buf());
    let report = learning::run(&options).unwrap();
    let path = report.plot.unwrap();
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("no learning") && svg.contains("JUNO"));
    assert!(svg.matches("<polyline").count() >= 2);
}
