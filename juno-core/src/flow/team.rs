//! One team's flow: dwell and bottleneck, cycle time, ageing work, queues, sprints and
//! recurring external factors.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::*;
use crate::error::{Error, Result};

#[derive(Default)]
pub(super) struct DwellAcc {
    category: Option<StatusCategory>,
    finished: Vec<f64>,
    ongoing: usize,
    total_secs: i64,
}

pub(super) fn bottleneck(
    statuses: &BTreeMap<String, StatusDwell>,
    pick: fn(StatusCategory) -> bool,
) -> Option<Bottleneck> {
    let pool: Vec<(&String, &StatusDwell)> =
        statuses.iter().filter(|(_, d)| pick(d.category)).collect();
    let sum: f64 = pool.iter().map(|(_, d)| d.total_days).sum();
    pool.iter()
        .filter(|(_, d)| d.total_days > 0.0)
        // Ties go to the alphabetically first status, so the choice is stable.
        .max_by(|a, b| {
            a.1.total_days
                .total_cmp(&b.1.total_days)
                .then_with(|| b.0.cmp(a.0))
        })
        .map(|(s, d)| Bottleneck {
            status: (*s).clone(),
            category: d.category,
            total_days: d.total_days,
            share: if sum > 0.0 { d.total_days / sum } else { 0.0 },
        })
}

pub(super) fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

pub(super) fn team_flow(
    team: &str,
    tickets: &[&Prepared<'_>],
    by_key: &BTreeMap<&str, &Prepared<'_>>,
    sprints: &[Span<'_>],
    holidays: &[&Holiday],
    settings: &FlowSettings,
    now: DateTime<Utc>,
) -> Result<TeamFlow> {
    let mut dwell: BTreeMap<&str, DwellAcc> = BTreeMap::new();
    let mut cycles = Vec::new();
    let mut open_tickets = 0;
    for p in tickets {
        for (i, (since, status, cat)) in p.status.iter().enumerate() {
            let until = p.status.get(i + 1).map(|n| n.0);
            if *cat == StatusCategory::Done {
                continue;
            }
            let acc = dwell.entry(status).or_default();
            acc.category = Some(*cat);
            let secs = (until.unwrap_or(now) - *since).num_seconds();
            acc.total_secs += secs;
            if until.is_some() {
                acc.finished.push(secs as f64 / DAY);
            } else {
                acc.ongoing += 1;
            }
        }
        let first_active = p.status.iter().position(|s| s.2.is_active());
        let done_after = first_active.and_then(|a| {
            p.status[a..]
                .iter()
                .find(|s| s.2 == StatusCategory::Done)
                .map(|d| days(d.0 - p.status[a].0))
        });
        cycles.extend(done_after);
        if p.status.last().is_some_and(|s| s.2 != StatusCategory::Done) {
            open_tickets += 1;
        }
    }
    cycles.sort_by(f64::total_cmp);
    let mut statuses = BTreeMap::new();
    let mut finished_by_status: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (status, mut acc) in dwell {
        acc.finished.sort_by(f64::total_cmp);
        statuses.insert(
            status.to_owned(),
            StatusDwell {
                category: acc.category.unwrap_or(StatusCategory::Other),
                visits: acc.finished.len(),
                ongoing: acc.ongoing,
                total_days: acc.total_secs as f64 / DAY,
                median_days: percentile(&acc.finished, 0.5),
                p85_days: percentile(&acc.finished, AGEING_PERCENTILE),
            },
        );
        finished_by_status.insert(status, acc.finished);
    }

    let enough = |v: &[f64]| v.len() >= settings.min_samples;
    let cycle_p85 = if enough(&cycles) {
        percentile(&cycles, AGEING_PERCENTILE)
    } else {
        None
    };
    let mut ageing_wip = Vec::new();
    for p in tickets {
        let Some(&(since, status, cat)) = p.status.last() else {
            continue;
        };
        if !cat.is_active() {
            continue;
        }
        let first_active = p
            .status
            .iter()
            .find(|s| s.2.is_active())
            .map_or(since, |s| s.0);
        let status_age = days(now - since);
        let wip_age = days(now - first_active);
        let stays = finished_by_status
            .get(status)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let status_p85 = if enough(stays) {
            percentile(stays, AGEING_PERCENTILE)
        } else {
            None
        };
        let mut exceeds = Vec::new();
        if status_p85.is_some_and(|q| status_age > q) {
            exceeds.push(AgeingBasis::StatusDwell);
        }
        if cycle_p85.is_some_and(|q| wip_age > q) {
            exceeds.push(AgeingBasis::CycleTime);
        }
        if exceeds.is_empty() {
            continue;
        }
        ageing_wip.push(AgeingItem {
            key: p.ticket.key.clone(),
            status: status.to_owned(),
            category: cat,
            status_age_days: status_age,
            status_p85_days: status_p85,
            status_age_percentile: status_p85.and_then(|_| rank(stays, status_age)),
            wip_age_days: wip_age,
            cycle_p85_days: cycle_p85,
            wip_age_percentile: cycle_p85.and_then(|_| rank(&cycles, wip_age)),
            exceeds,
        });
    }
    ageing_wip.sort_by(|a, b| {
        b.wip_age_days
            .total_cmp(&a.wip_age_days)
            .then_with(|| a.key.cmp(&b.key))
    });

    let queues = [StatusCategory::Review, StatusCategory::Qa]
        .into_iter()
        .map(|cat| {
            let weeks: Vec<QueuePoint> = (0..settings.queue_weeks)
                .rev()
                .map(|back| {
                    let at = now - Duration::weeks(back as i64);
                    let count = tickets
                        .iter()
                        .filter(|p| p.status_at(at).is_some_and(|s| s.1 == cat))
                        .count();
                    QueuePoint { at, count }
                })
                .collect();
            let counts: Vec<f64> = weeks.iter().map(|w| w.count as f64).collect();
            let slope = stats::theil_sen(&counts).map_or(0.0, |(slope, _)| slope);
            QueueTrend {
                category: cat,
                weeks,
                theil_sen_per_week: slope,
                rising: slope >= settings.queue_rise_per_week,
            }
        })
        .collect();

    let sprint_flows = sprint_flows(team, sprints, by_key, holidays, settings)?;
    let rates: Vec<f64> = sprint_flows
        .iter()
        .filter_map(|s| s.carry_over_rate)
        .collect();
    let external_factors = if sprint_flows.is_empty() {
        Vec::new()
    } else {
        [FactorKind::Holiday, FactorKind::TeamChange]
            .into_iter()
            .map(|f| factor(f, &sprint_flows, settings))
            .collect()
    };
    Ok(TeamFlow {
        tickets: tickets.len(),
        open_tickets,
        bottleneck: bottleneck(&statuses, |c| c != StatusCategory::Done),
        work_bottleneck: bottleneck(&statuses, StatusCategory::is_active),
        statuses,
        cycle_time: Distribution {
            count: cycles.len(),
            median_days: percentile(&cycles, 0.5),
            p85_days: percentile(&cycles, AGEING_PERCENTILE),
        },
        ageing_wip,
        queues,
        sprints: sprint_flows,
        mean_carry_over_rate: mean(&rates),
        external_factors,
    })
}

pub(super) fn sprint_flows(
    team: &str,
    sprints: &[Span<'_>],
    by_key: &BTreeMap<&str, &Prepared<'_>>,
    holidays: &[&Holiday],
    settings: &FlowSettings,
) -> Result<Vec<SprintFlow>> {
    let mut out: Vec<SprintFlow> = Vec::with_capacity(sprints.len());
    let mut previous: Option<BTreeSet<String>> = None;
    for span in sprints {
        let s = span.sprint;
        let members: BTreeSet<&str> = s.members.iter().map(String::as_str).collect();
        let completed = match &s.completed {
            Some(done) => {
                let done: BTreeSet<&str> = done.iter().map(String::as_str).collect();
                members.intersection(&done).count()
            }
            None => {
                let mut n = 0;
                for m in &members {
                    let p = by_key.get(m).ok_or_else(|| {
                        Error::invalid(
                            "input.sprints",
                            format!(
                                "sprint `{}` of team `{team}` names unknown ticket `{m}` and gives no completed set",
                                s.id
                            ),
                        )
                    })?;
                    if p.status_at(span.end)
                        .is_some_and(|x| x.1 == StatusCategory::Done)
                    {
                        n += 1;
                    }
                }
                n
            }
        };
        let total = members.len();
        let ratio = |k: usize| (total > 0).then(|| k as f64 / total as f64);
        let (d0, d1) = (span.start.date_naive(), span.end.date_naive());
        let hol: BTreeSet<NaiveDate> = holidays
            .iter()
            .map(|h| h.date)
            .filter(|d| (d0..=d1).contains(d))
            .collect();
        let mut assignees = BTreeSet::new();
        for m in &members {
            if let Some(p) = by_key.get(m) {
                assignees.extend(p.assignees_during(span.start, span.end));
            }
        }
        let (joined, left, team_change) = match &previous {
            None => (Vec::new(), Vec::new(), false),
            Some(prev) => {
                let joined: Vec<String> = assignees.difference(prev).cloned().collect();
                let left: Vec<String> = prev.difference(&assignees).cloned().collect();
                let union = prev.union(&assignees).count();
                let moved = joined.len() + left.len();
                let change =
                    moved > 0 && moved as f64 >= settings.team_change_min_share * union as f64;
                (joined, left, change)
            }
        };
        out.push(SprintFlow {
            id: s.id.clone(),
            start: span.start,
            end: span.end,
            members: total,
            completed,
            carried_over: total - completed,
            carry_over_rate: ratio(total - completed),
            completion_rate: ratio(completed),
            holidays: hol.into_iter().collect(),
            assignees: assignees.iter().cloned().collect(),
            joined,
            left,
            team_change,
        });
        previous = Some(assignees);
    }
    Ok(out)
}

pub(super) fn factor(
    kind: FactorKind,
    sprints: &[SprintFlow],
    settings: &FlowSettings,
) -> ExternalFactor {
    let has = |s: &SprintFlow| match kind {
        FactorKind::Holiday => !s.holidays.is_empty(),
        FactorKind::TeamChange => s.team_change,
    };
    let with: Vec<&SprintFlow> = sprints.iter().filter(|s| has(s)).collect();
    let rates = |pool: &mut dyn Iterator<Item = &SprintFlow>| -> Vec<f64> {
        pool.filter_map(|s| s.completion_rate).collect()
    };
    let with_rate = mean(&rates(&mut with.iter().copied()));
    let without_rate = mean(&rates(&mut sprints.iter().filter(|s| !has(s))));
    let difference = with_rate.zip(without_rate).map(|(a, b)| a - b);
    let recurring = with.len() >= settings.factor_min_sprints;
    ExternalFactor {
        factor: kind,
        sprints: with.iter().map(|s| s.id.clone()).collect(),
        mean_completion_with: with_rate,
        mean_completion_without: without_rate,
        difference,
        recurring,
        associated_with_lower_completion: recurring
            && difference.is_some_and(|d| d <= -settings.factor_min_drop),
    }
}

/// A sprint whose span flow has checked ([`Sprint::check_span`]).
pub(super) struct Span<'a> {
    /// The sprint as given.
    pub(super) sprint: &'a Sprint,
    /// Its start.
    pub(super) start: DateTime<Utc>,
    /// Its end, not before the start.
    pub(super) end: DateTime<Utc>,
}
