//! `juno eval triage` through the public API: a hand-checked replay, the no-leakage state,
//! clear errors for bad files, and the full MSR2015 DuraSpace run when the data is present.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../juno-core/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use juno_core::ErrorKind;
use juno_core::triage::{Priority, Staleness, TriageAction};
use juno_eval::triage::{
    ActionScore, History, TriageEvalOptions, TriageEvalReport, evaluate, run, run_readers, snapshot,
};

const ISSUES: &str = "\
key,project,type,is_subtask,parent,priority,status,resolution,created,updated,resolved,duedate,assignee,reporter,fix_versions,fix_version_release_dates,n_issuelinks,n_comments,last_comment_at,sprints
P-1,P,Bug,0,,Blocker,Closed,Fixed,2019-12-01T00:00:00Z,,,,u1,u9,,,0,1,,
P-2,P,Bug,0,,Trivial,Closed,Won't Fix,2019-10-01T00:00:00Z,,,,,u9,,,0,0,,
P-3,P,Task,0,,Major,Open,,2020-01-01T00:00:00Z,,,,u4,u9,,,0,2,,
P-4,P,Task,0,,Major,Open,,2019-12-15T00:00:00Z,,,,,u9,,,1,0,,
P-5,P,Task,0,,Minor,Open,,2020-01-05T00:00:00Z,,,,,u9,,,0,1,,
P-9,P,Task,0,,Minor,Open,,2020-03-10T00:00:00Z,,,,,u9,,,0,1,,
";

// Out of order on purpose: the replay sorts each issue's events by time.
const EVENTS: &str = "\
key,at,author,field,from,to
P-1,2020-01-01T00:00:00Z,u9,comment,,
P-1,2020-01-20T00:00:00Z,u9,priority,Critical,Blocker
P-1,2020-03-01T00:00:00Z,u9,status,Open,Closed
P-1,2020-03-01T00:00:00Z,u9,resolution,,Fixed
P-2,2020-02-20T00:00:00Z,u9,status,Open,Closed
P-2,2020-02-20T00:00:00Z,u9,resolution,,Won't Fix
P-2,2020-03-12T00:00:00Z,u9,Story Points,1,2
P-3,2020-01-10T00:00:00Z,u3,comment,,
P-3,2020-02-01T00:00:00Z,u9,assignee,u3,u4
P-3,2020-01-20T00:00:00Z,u3,comment,,
P-4,2020-01-02T00:00:00Z,u5,Link,,This issue required by P-3
P-4,2020-02-01T00:00:00Z,u9,priority,Minor,Major
P-4,2020-03-14T00:00:00Z,u9,Story Points,3,5
P-5,2020-02-20T00:00:00Z,u9,comment,,
P-5,2020-03-14T00:00:00Z,u9,Story Points,2,3
P-9,2020-03-15T00:00:00Z,u9,comment,,
";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

fn report() -> TriageEvalReport {
    run_readers(
        ISSUES.as_bytes(),
        EVENTS.as_bytes(),
        &TriageEvalOptions::default(),
    )
    .unwrap()
}

fn action(r: &TriageEvalReport, a: TriageAction) -> &ActionScore {
    r.actions.iter().find(|s| s.action == a).unwrap()
}

/// Points: first event 01-01 + 14 days = 01-15, 01-29, 02-12 (02-26 + 30 days passes the
/// last event, 03-15). P-1…P-5 are open at all three; P-9 is created after them.
/// The expected proposals (band, hit?) per point:
///
/// | | 01-15 | 01-29 | 02-12 |
/// |---|---|---|---|
/// | P-1 | escalate (critical, raised 01-20 ✓) | reassign (stale ✗) | escalate (critical, closed 03-01 ✓) |
/// | P-2 | close (critical, Won't Fix ✓) | close ✓ | close ✓ |
/// | P-3 | request_info (aging, comment 01-20 ✓) | reassign (stale, 02-01 ✓) | reassign (stale ✗) |
/// | P-4 | update_priority (stale, 02-01 ✓) | update_priority (critical ✓) | reassign (stale ✗) |
/// | P-5 | defer (stale, quiet ✓) | defer (critical, comment 02-20 ✗) | close (critical ✗) |
#[test]
fn the_replay_matches_the_hand_computation() {
    let r = report();
    assert_eq!(r.points, 3);
    assert_eq!(r.first_point, Some(at("2020-01-15T00:00:00Z")));
    assert_eq!(r.last_point, Some(at("2020-02-12T00:00:00Z")));
    assert_eq!((r.issues, r.events, r.events_before_created), (6, 16, 0));
    assert_eq!((r.open_snapshots, r.proposals), (15, 15));
    assert_eq!(r.open_by_band.get(&Staleness::Aging), Some(&1));
    assert_eq!(r.open_by_band.get(&Staleness::Stale), Some(&6));
    assert_eq!(r.open_by_band.get(&Staleness::Critical), Some(&8));

    let e = action(&r, TriageAction::Escalate);
    assert_eq!((e.proposals, e.tickets, e.hits), (2, 1, 2));
    assert!(close(e.precision, 1.0));
    assert!(close(e.base_rate, 6.0 / 15.0));
    assert!(close(e.band_base_rate, 5.0 / 8.0)); // 5 of the 8 critical snapshots
    assert!(close(e.lift, 1.6));

    let re = action(&r, TriageAction::Reassign);
    assert_eq!((re.proposals, re.tickets, re.hits), (4, 3, 1));
    assert!(close(re.base_rate, 2.0 / 15.0));
    assert!(close(re.band_base_rate, 1.0 / 6.0));
    assert!(close(re.lift, 1.5));

    let ri = action(&r, TriageAction::RequestInfo);
    assert_eq!((ri.proposals, ri.hits), (1, 1));
    assert!(close(ri.base_rate, 0.2));
    assert!(close(ri.band_base_rate, 1.0));

    let up = action(&r, TriageAction::UpdatePriority);
    assert_eq!((up.proposals, up.tickets, up.hits), (2, 1, 2));
    // Half the proposals stale (1/6 of stale snapshots changed priority), half critical (2/8).
    assert!(close(up.band_base_rate, 0.5 / 6.0 + 0.5 * 2.0 / 8.0));
    assert!(close(up.lift, 4.8));

    let d = action(&r, TriageAction::Defer);
    assert_eq!((d.proposals, d.hits), (2, 1));
    assert!(close(d.base_rate, 5.0 / 15.0));
    assert!(close(d.band_base_rate, 0.5 * 4.0 / 6.0 + 0.5 / 8.0));
    let by_stale = d.by_band[&Staleness::Stale];
    assert_eq!(
        (
            by_stale.proposals,
            by_stale.hits,
            by_stale.open,
            by_stale.open_hits
        ),
        (1, 1, 6, 4)
    );

    let c = action(&r, TriageAction::Close);
    assert_eq!((c.proposals, c.tickets, c.hits), (4, 2, 3));
    // P-3 at 02-12 is never touched again: a close outcome, though not proposed.
    assert!(close(c.base_rate, 4.0 / 15.0));
    assert!(close(c.band_base_rate, 3.0 / 8.0));
    assert!(close(c.lift, 2.0));

    let table = r.render_table();
    assert!(table.contains("escalate"), "{table}");
    assert!(table.contains("  1.60  "), "{table}");
}

#[test]
fn the_state_at_a_point_uses_no_later_information() {
    let h = History::from_readers(ISSUES.as_bytes(), EVENTS.as_bytes()).unwrap();
    let opts = TriageEvalOptions::default();
    let t = snapshot(&h, at("2020-01-15T00:00:00Z"), &opts);
    let keys: Vec<&str> = t.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["P-1", "P-2", "P-3", "P-4", "P-5"]);
    // P-1 was Critical then (Blocker only from 01-20), P-3 still u3's (u4 from 02-01),
    // P-4 Minor and blocking the open P-3; P-2 still open (closed 02-20).
    assert_eq!(t[0].priority, Some(Priority::High));
    assert_eq!(t[0].last_comment, Some(at("2020-01-01T00:00:00Z")));
    assert_eq!(t[2].assignee.as_deref(), Some("u3"));
    assert_eq!(
        t[2].assignee_last_activity,
        Some(at("2020-01-10T00:00:00Z"))
    );
    assert_eq!(t[2].estimated, Some(false));
    assert_eq!(
        (t[3].priority, t[3].blocking, t[3].blocked),
        (Some(Priority::Low), 1, false)
    );
    assert_eq!(t[3].estimated, Some(true)); // had 3 story points before the later change
    assert_eq!(t[3].updated, Some(at("2020-01-02T00:00:00Z")));
    // After P-2 closed it is no longer open.
    let later = snapshot(&h, at("2020-02-21T00:00:00Z"), &opts);
    assert!(later.iter().all(|t| t.key != "P-2"));
    assert_eq!(later[0].priority, Some(Priority::Highest));
}

#[test]
fn the_replay_is_deterministic() {
    let first = report();
    assert_eq!(first, report());
    let json = serde_json::to_string(&first).unwrap();
    assert_eq!(json, serde_json::to_string(&report()).unwrap());
    // serde_json parses floats to within an ulp, so compare the counts exactly and the
    // rates closely.
    let back: TriageEvalReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.open_by_band, first.open_by_band);
    for (a, b) in back.actions.iter().zip(&first.actions) {
        assert_eq!(
            (a.action, a.proposals, a.hits),
            (b.action, b.proposals, b.hits)
        );
        assert_eq!(a.by_band, b.by_band);
        assert!(close(a.lift, b.lift.unwrap_or(f64::NAN)) || a.lift.is_none());
    }
}

fn bad(issues: &str, events: &str) -> String {
    let e = run_readers(
        issues.as_bytes(),
        events.as_bytes(),
        &TriageEvalOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    e.to_string()
}

#[test]
fn bad_files_name_the_file_line_and_column() {
    let good_events = "key,at,author,field,from,to\n";
    let msg = bad(
        "key,project,priority,status,resolution,created,assignee\nA-1,A,Major,Open,,yesterday,\n",
        good_events,
    );
    assert!(msg.contains("issues line 2, column 6 (created)"), "{msg}");
    assert!(msg.contains("`yesterday`"), "{msg}");

    let msg = bad(
        "key,project,priority,status,resolution,created,assignee\nA-1,A,P1,Open,,2020-01-01T00:00:00Z,\n",
        good_events,
    );
    assert!(
        msg.contains("issues line 2, column 3 (priority)") && msg.contains("`P1`"),
        "{msg}"
    );

    let msg = bad(ISSUES, "key,when,author,field,from,to\n");
    assert!(
        msg.contains("events line 1") && msg.contains("missing column `at`"),
        "{msg}"
    );

    let msg = bad(
        ISSUES,
        "key,at,author,field,from,to\nP-1,2020-01-01T00:00:00Z,u1\n",
    );
    assert!(
        msg.contains("events line 2") && msg.contains("expected 6 fields, found 3"),
        "{msg}"
    );

    let msg = bad(
        ISSUES,
        "key,at,author,field,from,to\nZZ-1,2020-01-01T00:00:00Z,u1,comment,,\n",
    );
    assert!(
        msg.contains("events line 2, column 1 (key)") && msg.contains("`ZZ-1`"),
        "{msg}"
    );

    let msg = bad(
        ISSUES,
        "key,at,author,field,from,to\nP-1,2020-01-01T00:00:00Z,u1,priority,Major,Urgent\n",
    );
    assert!(msg.contains("events line 2, column 6 (to)"), "{msg}");

    let dup = format!(
        "{ISSUES}P-1,P,Bug,0,,Blocker,Closed,Fixed,2019-12-01T00:00:00Z,,,,u1,u9,,,0,1,,\n"
    );
    let msg = bad(&dup, good_events);
    assert!(
        msg.contains("line 8") && msg.contains("duplicate issue `P-1`"),
        "{msg}"
    );

    let e = run(
        &PathBuf::from("/nonexistent/issues.csv"),
        &PathBuf::from("/nonexistent/events.csv"),
        &TriageEvalOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("/nonexistent/issues.csv"), "{e}");

    let h = History::from_readers(ISSUES.as_bytes(), EVENTS.as_bytes()).unwrap();
    let zero = TriageEvalOptions {
        step_days: 0,
        ..TriageEvalOptions::default()
    };
    assert_eq!(
        evaluate(&h, &zero).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn an_empty_history_gives_an_empty_report() {
    let r = run_readers(
        "key,project,priority,status,resolution,created,assignee\n".as_bytes(),
        "key,at,author,field,from,to\n".as_bytes(),
        &TriageEvalOptions::default(),
    )
    .unwrap();
    assert_eq!((r.points, r.open_snapshots, r.proposals), (0, 0, 0));
    assert!(r.actions.iter().all(|a| a.precision.is_none()));
    assert!(r.render_table().contains("0 points"));
}

#[test]
fn full_msr2015_duraspace_replay() {
    let Some(dir) = common::msr2015_duraspace("the MSR2015 run") else {
        return;
    };
    let start = Instant::now();
    let r = run(
        &dir.join("msr2015_duraspace_issues.csv"),
        &dir.join("msr2015_duraspace_events.csv"),
        &TriageEvalOptions::default(),
    )
    .unwrap();
    let elapsed = start.elapsed();
    println!("{}", r.render_table());
    println!("replay took {:.2} s", elapsed.as_secs_f64());
    assert_eq!((r.issues, r.events), (2962, 24327));
    assert_eq!(r.events_before_created, 1);
    assert!(r.points > 150 && r.open_snapshots > 10_000);
    assert!(r.proposals > 0);
    for a in &r.actions {
        assert!(a.hits <= a.proposals);
        if let (Some(p), Some(b)) = (a.precision, a.band_base_rate) {
            assert!((0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&b));
        }
    }
    // Sensitivity: estimates set at creation are not in the history, so also replay as if
    // every ticket were estimated (request_info then no longer shadows defer and close).
    let start = Instant::now();
    let all = run(
        &dir.join("msr2015_duraspace_issues.csv"),
        &dir.join("msr2015_duraspace_events.csv"),
        &TriageEvalOptions {
            assume_estimated: true,
            ..TriageEvalOptions::default()
        },
    )
    .unwrap();
    println!("{}", all.render_table());
    println!("replay took {:.2} s", start.elapsed().as_secs_f64());
    assert_eq!(all.open_snapshots, r.open_snapshots);
    assert_eq!(action(&all, TriageAction::RequestInfo).proposals, 0);
}
