//! Flow bottlenecks over the real MSR2015 DuraSpace history (see ../shared/data/README.md §3),
//! read by the evaluation's history reader.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../juno-core/tests/common/mod.rs"]
mod common;

use juno_core::flow::{FlowInput, FlowSettings, analyze};
use juno_eval::triage::History;

// ---------------------------------------------------------------------------------------
// The real history: MSR2015 DuraSpace (see ../shared/data/README.md §3).

#[test]
fn msr2015_duraspace_flow() {
    let Some(dir) = common::msr2015_duraspace("the MSR2015 flow run") else {
        return;
    };
    let h = History::read(
        &dir.join("msr2015_duraspace_issues.csv"),
        &dir.join("msr2015_duraspace_events.csv"),
    )
    .unwrap();
    let now = h.end().unwrap();
    let input = FlowInput {
        tickets: h.flow_tickets(),
        ..FlowInput::default()
    };
    let settings = FlowSettings::default();
    let r = analyze(&input, &settings, now).unwrap();
    println!("now = {now}; unknown statuses: {:?}", r.unknown_statuses);
    let mut teams: Vec<_> = r.teams.iter().collect();
    teams.sort_by(|a, b| b.1.tickets.cmp(&a.1.tickets).then(a.0.cmp(b.0)));
    for (team, f) in teams.iter().take(4) {
        let b = |x: &Option<juno_core::flow::Bottleneck>| {
            x.as_ref().map_or("-".to_owned(), |b| {
                format!(
                    "{} ({:.0} days, {:.0}%)",
                    b.status,
                    b.total_days,
                    100.0 * b.share
                )
            })
        };
        println!(
            "{team}: {} tickets, {} open; bottleneck {}; work bottleneck {}; cycle time median {:.1} / p85 {:.1} days (n={}); ageing WIP {}; review queue slope {:+.2}/week",
            f.tickets,
            f.open_tickets,
            b(&f.bottleneck),
            b(&f.work_bottleneck),
            f.cycle_time.median_days.unwrap_or(f64::NAN),
            f.cycle_time.p85_days.unwrap_or(f64::NAN),
            f.cycle_time.count,
            f.ageing_wip.len(),
            f.queues[0].theil_sen_per_week,
        );
        for (status, d) in &f.statuses {
            println!(
                "    {status:<20} {:<12} total {:>9.0} d  median {:>7.1}  p85 {:>7.1}  visits {:>5}  ongoing {:>4}",
                d.category.as_str(),
                d.total_days,
                d.median_days.unwrap_or(f64::NAN),
                d.p85_days.unwrap_or(f64::NAN),
                d.visits,
                d.ongoing
            );
        }
    }
    assert_eq!(r.teams.values().map(|t| t.tickets).sum::<usize>(), 2962);
    // Every status in this tracker is known to the default vocabulary except the two
    // DuraSpace-specific waiting states, which the defaults put in to-do.
    assert!(r.unknown_statuses.is_empty(), "{:?}", r.unknown_statuses);
    let fcrepo = &r.teams["FCREPO"];
    assert!(fcrepo.bottleneck.is_some() && fcrepo.cycle_time.count > 100);
    // Ageing items really are older than the team's p85.
    for t in r.teams.values() {
        for a in &t.ageing_wip {
            assert!(
                a.status_p85_days.is_some_and(|p| a.status_age_days > p)
                    || a.cycle_p85_days.is_some_and(|p| a.wip_age_days > p)
            );
        }
    }
    // Idempotent and order-free on the real data too.
    let mut reversed = input.clone();
    reversed.tickets.reverse();
    for t in &mut reversed.tickets {
        t.events.reverse();
    }
    assert_eq!(analyze(&reversed, &settings, now).unwrap(), r);
    assert_eq!(analyze(&input, &settings, now).unwrap(), r);
}
