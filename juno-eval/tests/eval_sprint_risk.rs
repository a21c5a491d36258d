//! `juno eval sprint-risk` on the real Jira data in `../shared/data` (skipped when absent)
//! and on small files written here: bad files and options get clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../juno-core/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use juno_core::ErrorKind;
use juno_eval::sprint_risk::{
    self, Protocol, Recalibration, SprintRiskEvalOptions, SprintRiskEvalReport,
};

fn shared_data() -> Option<PathBuf> {
    common::data_files(
        "the TSE2017 evaluation",
        &["tse2017_iterations.csv", "tse2017_issue_features_t30.csv"],
    )
}

fn run(protocol: Protocol) -> Option<SprintRiskEvalReport> {
    run_with(&SprintRiskEvalOptions {
        protocol,
        ..SprintRiskEvalOptions::default()
    })
}

/// The TSE2017 evaluation with `options`, its table printed; `None` without the data.
fn run_with(options: &SprintRiskEvalOptions) -> Option<SprintRiskEvalReport> {
    let dir = shared_data()?;
    let report = sprint_risk::run(
        &dir.join("tse2017_iterations.csv"),
        Some(&dir.join("tse2017_issue_features_t30.csv")),
        options,
    )
    .unwrap();
    println!("{}", report.render_table());
    Some(report)
}

/// The issue's target: every model beats every naive baseline on every project.
fn assert_beats_baselines(report: &SprintRiskEvalReport) {
    let names: Vec<&str> = report.projects.iter().map(|p| p.project.as_str()).collect();
    assert_eq!(names, ["Apache", "JBoss", "JIRA"]);
    for p in &report.projects {
        let c = p.class3.as_ref().unwrap();
        assert!(
            c.f1 > c.baseline_f1 && c.accuracy > c.baseline_accuracy,
            "{}: {c:?}",
            p.project
        );
        assert!(c.mcc > 0.0 && c.auc.unwrap() > 0.5, "{}: {c:?}", p.project);
        let b = p.binary.as_ref().unwrap();
        assert!(b.accuracy > b.baseline_accuracy, "{}: {b:?}", p.project);
        assert!(b.brier < b.baseline_brier, "{}: {b:?}", p.project);
        assert!(b.auc.unwrap() > 0.6, "{}: {b:?}", p.project);
        let r = p.regression.as_ref().unwrap();
        assert!(
            r.nmae < r.mean_baseline && r.nmae < r.median_baseline,
            "{}: {r:?}",
            p.project
        );
    }
}

#[test]
fn paper_protocol_beats_the_baselines_and_reproduces_the_readme_baselines() {
    let Some(report) = run(Protocol::PaperCv) else {
        return;
    };
    assert_beats_baselines(&report);
    // The data README's naive baselines (paper protocol, t = 30%): mean / median NMAE.
    let expected = [
        ("Apache", 0.806, 0.762),
        ("JBoss", 2.172, 1.734),
        ("JIRA", 1.908, 1.747),
    ];
    for (p, (name, mean, median)) in report.projects.iter().zip(expected) {
        assert_eq!(p.project, name);
        let r = p.regression.as_ref().unwrap();
        assert!((r.mean_baseline - mean).abs() < 0.0015, "{name}: {r:?}");
        assert!((r.median_baseline - median).abs() < 0.0015, "{name}: {r:?}");
    }
}

#[test]
fn forward_and_sprint_grouped_protocols_beat_the_baselines() {
    for protocol in [Protocol::Forward, Protocol::SprintCv] {
        let Some(report) = run(protocol) else { return };
        assert_eq!(report.options.protocol, protocol);
        assert_beats_baselines(&report);
    }
}

/// The deployment protocol with the product's calibration (the blend with the team's
/// trailing rate, `Recalibration::Blend`): every model still beats the naive baselines, the
/// delivery probability beats the team's own trailing rate on Brier, and the targets of
/// issue #10 that it meets stay met — pooled ECE ≤ 0.05 (both binnings), mean AUC not below
/// the static `forward` figure (0.763), pooled P10–P90 coverage within 75–85% after the
/// conformal correction. (Per-project ECE misses on Apache and JBoss are reported, not
/// asserted: EVALUATION.md, "Rolling".)
#[test]
fn the_rolling_protocol_with_the_products_calibration_meets_its_targets() {
    let Some(report) = run_with(&SprintRiskEvalOptions {
        protocol: Protocol::Rolling,
        recalibration: Recalibration::Blend,
        ..SprintRiskEvalOptions::default()
    }) else {
        return;
    };
    assert_beats_baselines(&report);
    for p in &report.projects {
        let b = p.binary.as_ref().unwrap();
        assert!(b.brier < b.trailing_brier, "{}: {b:?}", p.project);
    }
    let pooled = report.pooled_binary.as_ref().unwrap();
    let binaries: Vec<_> = report
        .projects
        .iter()
        .filter_map(|p| p.binary.as_ref())
        .collect();
    assert_eq!(pooled.n, binaries.iter().map(|b| b.n).sum::<usize>());
    assert!(
        pooled.calibration_error <= 0.05 && pooled.calibration_error_equal_mass <= 0.05,
        "{pooled:?}"
    );
    let mean_auc = binaries.iter().map(|b| b.auc.unwrap()).sum::<f64>() / binaries.len() as f64;
    assert!(mean_auc >= 0.763, "mean AUC {mean_auc}");
    let cover = pooled.interval.as_ref().unwrap();
    assert!((0.75..=0.85).contains(&cover.inside), "{cover:?}");
    // The simulation alone is far too narrow: the correction is what makes it hold.
    assert!(cover.inside_simulated < 0.6, "{cover:?}");
}

#[test]
fn porru_sprints_are_read_by_their_header() {
    let Some(dir) = shared_data() else { return };
    let options = SprintRiskEvalOptions::default();
    let report = sprint_risk::run(&dir.join("porru8_sprints.csv"), None, &options).unwrap();
    println!("{}", report.render_table());
    assert_eq!(report.schema, "porru8");
    assert_eq!(report.projects.len(), 7);
    assert!(
        report
            .projects
            .iter()
            .all(|p| p.class3.is_none() && p.binary.is_some())
    );
}

const HEADER: &str = "project,pred_time_pct,boardid,sprintid,sprint_order,name,vel_diff,planday,no_issue_starttime,vel_starttime,no_issue_added,vel_added,no_issue_removed,vel_removed,no_issuetodo,vel_todo,no_issueinprogress,vel_inprogress,no_issuedone,vel_done,no_admin,no_teammember,committed_sp,delivered_sp,class_p33,class_p66,paper_class,sprintid_on_multiple_boards";

/// A synthetic project: sprints that are further along at 30% deliver more.
fn synthetic(n: usize) -> String {
    let mut s = format!("{HEADER}\n");
    for i in 0..n {
        let committed = 20.0 + (i % 5) as f64 * 4.0;
        let done = (i * 7 % 11) as f64;
        let delivered = (committed * 0.5 + done * 1.5).round();
        let diff = delivered - committed;
        let class = if diff < -6.0 {
            "under"
        } else if diff > 0.0 {
            "over"
        } else {
            "achieved"
        };
        for pct in [0, 30] {
            let d = if pct == 0 { 0.0 } else { done };
            s.push_str(&format!(
                "Demo,{pct},1,{id},{order},\"Sprint {i}, demo\",{diff},10,8,{committed},0,0,0,0,6,{todo},1,2,1,{d},1,4,{committed},{delivered},-6,0,{class},0\n",
                id = 100 + i,
                order = i + 1,
                todo = committed - d - 2.0,
            ));
        }
    }
    s
}

#[test]
fn small_files_evaluate_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("it.csv");
    std::fs::write(&good, synthetic(60)).unwrap();
    for protocol in [
        Protocol::PaperCv,
        Protocol::Forward,
        Protocol::SprintCv,
        Protocol::Rolling,
    ] {
        let options = SprintRiskEvalOptions {
            protocol,
            ..SprintRiskEvalOptions::default()
        };
        let r = sprint_risk::run(&good, None, &options).unwrap();
        let p = &r.projects[0];
        assert_eq!((p.project.as_str(), p.sprints), ("Demo", 60));
        // The signal is clean: the forest must find it.
        let c = p.class3.as_ref().unwrap();
        assert!(c.f1 > c.baseline_f1, "{protocol:?}: {c:?}");
        assert!(r.render_table().contains("Demo"));
        // One project: the pooled figures are its own.
        assert_eq!(r.pooled_binary.as_ref(), p.binary.as_ref(), "{protocol:?}");
    }
    // Rolling predicts each sprint from the 11th on, once.
    let rolling = sprint_risk::run(
        &good,
        None,
        &SprintRiskEvalOptions {
            protocol: Protocol::Rolling,
            ..SprintRiskEvalOptions::default()
        },
    )
    .unwrap();
    let b = rolling.projects[0].binary.as_ref().unwrap();
    assert_eq!(b.n, 60 - sprint_risk::ROLLING_MIN_SPRINTS);
    assert!(b.trailing_brier > 0.0 && b.calibration_error_equal_mass >= 0.0);
    // Recalibrated: the same rows, the same baselines; only the probabilities move.
    for method in [
        Recalibration::Isotonic,
        Recalibration::Platt,
        Recalibration::Blend,
    ] {
        let recal = sprint_risk::run(
            &good,
            None,
            &SprintRiskEvalOptions {
                protocol: Protocol::Rolling,
                recalibration: method,
                ..SprintRiskEvalOptions::default()
            },
        )
        .unwrap();
        let r = recal.projects[0].binary.as_ref().unwrap();
        assert_eq!(
            (r.n, r.baseline_brier),
            (b.n, b.baseline_brier),
            "{method:?}"
        );
        assert!(recal.render_table().contains(method.as_str()));
    }
    // Recalibration needs earlier outcomes: refused, by name, under cross-validation.
    let e = sprint_risk::run(
        &good,
        None,
        &SprintRiskEvalOptions {
            recalibration: Recalibration::Platt,
            ..SprintRiskEvalOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("recalibration") && e.to_string().contains("rolling"),
        "{e}"
    );

    let missing = dir.path().join("nope.csv");
    let e = sprint_risk::run(&missing, None, &SprintRiskEvalOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("nope.csv"), "{e}");

    let wrong = dir.path().join("wrong.csv");
    std::fs::write(&wrong, "a,b\n1,2\n").unwrap();
    let e = sprint_risk::run(&wrong, None, &SprintRiskEvalOptions::default()).unwrap_err();
    assert!(e.to_string().contains("missing column(s)"), "{e}");

    let garbled = dir.path().join("garbled.csv");
    let mut text = synthetic(3);
    text.push_str(
        "Demo,30,1,999,9,x,notanumber,10,8,20,0,0,0,0,6,18,1,2,1,0,1,4,20,10,-6,0,under,0\n",
    );
    std::fs::write(&garbled, text).unwrap();
    let e = sprint_risk::run(&garbled, None, &SprintRiskEvalOptions::default()).unwrap_err();
    assert!(
        e.to_string().contains("garbled.csv") && e.to_string().contains("line 8"),
        "{e}"
    );

    let e = "cv".parse::<Protocol>().unwrap_err();
    assert!(e.to_string().contains("paper-cv"), "{e}");
    let e = sprint_risk::run(
        &good,
        None,
        &SprintRiskEvalOptions {
            pred_time_pct: 50,
            ..SprintRiskEvalOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("pred_time_pct = 50"), "{e}");
}

#[test]
fn porru_sprints_rebuilt_mid_sprint_from_their_issues() {
    let Some(dir) = shared_data() else { return };
    let options = SprintRiskEvalOptions {
        memberships: Some(dir.join("porru8_issue_sprints.csv")),
        ..SprintRiskEvalOptions::default()
    };
    let issues = dir.join("porru8_issues.csv");
    let report =
        sprint_risk::run(&dir.join("porru8_sprints.csv"), Some(&issues), &options).unwrap();
    println!("{}", report.render_table());
    assert!(
        report.prediction_at.starts_with("30% of the sprint"),
        "{}",
        report.prediction_at
    );
    let start = sprint_risk::run(
        &dir.join("porru8_sprints.csv"),
        None,
        &SprintRiskEvalOptions::default(),
    )
    .unwrap();
    assert_eq!(start.prediction_at, "sprint start");
    // Knowing what was resolved by 30% of the sprint must help on average.
    let mean_auc = |r: &SprintRiskEvalReport| {
        let v: Vec<f64> = r
            .projects
            .iter()
            .filter_map(|p| p.binary.as_ref()?.auc)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean_auc(&report) > mean_auc(&start),
        "{} vs {}",
        mean_auc(&report),
        mean_auc(&start)
    );
    // One file without the other is refused with what is missing.
    let e = sprint_risk::run(
        &dir.join("porru8_sprints.csv"),
        Some(&issues),
        &SprintRiskEvalOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("membership"), "{e}");
}
