//! The seeded simulated organisation: a source that needs no Jira.
//!
//! [`simulate`] builds teams, their people (with governance roles), a run of finished
//! two-week sprints per team, each team's active sprint at [`SimSettings::end`], and the
//! tickets of all of them with their status and assignee histories, plus an untouched
//! backlog. Everything is [`crate::model`] nouns, so every stage reads it as it would read
//! Jira.
//!
//! # What causes what
//!
//! Each team has a hidden pace (points per person per working day) and a planning
//! optimism (how far its commitment overshoots its expected capacity). Each sprint draws
//! in-sprint signals, and they — not noise alone — decide how much gets done:
//!
//! | signal | drawn | effect on the sprint's capacity |
//! |---|---|---|
//! | absences | each person is out 1–5 days with probability 0.15 | fewer person-days |
//! | blocked tickets | 0–4 | −7% each |
//! | review queue | 0–6 | −4% each |
//! | scope added | with probability 0.4, 5–35% of the commitment, on day 1–8 | more to do, same capacity |
//! | noise | ×0.85–1.15 | — |
//!
//! Tickets are finished in order while the capacity lasts; a sprint's delivered points
//! are the finished tickets' points. The signals are visible in the sprint's
//! [checkpoint](Snapshot::checkpoints) (its [`SprintState`] on working day
//! [`CHECKPOINT_DAY`]: blocked, review queue, scope added so far, people present), so a
//! forecaster can learn them. Unfinished tickets carry over: most are finished early in
//! the next sprint, the rest are abandoned where they stood and go stale, which is the
//! work triage should find.
//!
//! # Determinism
//!
//! The same [`SimSettings`] give the same organisation, byte for byte: one seeded
//! [`SplitMix64`] stream, teams and tickets in a fixed order, no clock read.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Priority, Role, Sprint, SprintState, Team, Ticket, TicketEvent, User};
use crate::stats::SplitMix64;

use super::{Member, Snapshot};

/// Working days in a sprint (two calendar weeks).
pub const SPRINT_DAYS: u32 = 10;
/// The working day of a finished sprint at which its [checkpoint](Snapshot::checkpoints)
/// is taken.
pub const CHECKPOINT_DAY: u32 = 3;
/// Ticket sizes in story points, as teams estimate them.
const SIZES: [f64; 5] = [1.0, 2.0, 3.0, 5.0, 8.0];

/// How big an organisation to simulate, and when it stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimSettings {
    /// The seed: the same settings give the same organisation.
    pub seed: u64,
    /// Teams, 1–50.
    pub teams: u32,
    /// People per team, 2–20.
    pub people_per_team: u32,
    /// Finished sprints per team before the active one, 1–200.
    pub sprints: u32,
    /// Untouched backlog tickets per team, 0–1000.
    pub backlog_per_team: u32,
    /// The moment the simulation reaches: working day [`SimSettings::active_day`] of each
    /// team's active sprint. Default 2026-01-05T00:00:00Z.
    pub end: DateTime<Utc>,
    /// The working day of the active sprint at `end`, 0–10.
    pub active_day: u32,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            seed: 7,
            teams: 3,
            people_per_team: 5,
            sprints: 26,
            backlog_per_team: 20,
            // 2026-01-05T00:00:00Z, a Monday.
            end: DateTime::from_timestamp(1_767_571_200, 0).unwrap_or_default(),
            active_day: 4,
        }
    }
}

impl SimSettings {
    /// Checks the sizes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the setting (`settings.teams`).
    pub fn validate(&self) -> Result<()> {
        for (name, v, lo, hi) in [
            ("teams", self.teams, 1, 50),
            ("people_per_team", self.people_per_team, 2, 20),
            ("sprints", self.sprints, 1, 200),
            ("backlog_per_team", self.backlog_per_team, 0, 1000),
            ("active_day", self.active_day, 0, SPRINT_DAYS),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err(Error::invalid(
                    format!("settings.{name}"),
                    format!("must be in {lo}..={hi}, got {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// Builds the organisation `settings` describe, as of [`SimSettings::end`]: every noun
/// whole (a full [`Snapshot`]).
///
/// # Errors
/// [`Error::InvalidInput`] for settings out of range ([`SimSettings::validate`]).
pub fn simulate(settings: &SimSettings) -> Result<Snapshot> {
    settings.validate()?;
    let mut rng = SplitMix64::new(settings.seed);
    let now = settings.end;
    let active_start = now - calendar(settings.active_day);
    let mut org = Snapshot {
        now,
        teams: Vec::new(),
        people: Vec::new(),
        sprints: Vec::new(),
        checkpoints: Vec::new(),
        active: Vec::new(),
        tickets: Vec::new(),
    };
    for t in 0..settings.teams {
        let name = team_name(t);
        let team = Team::from(name.as_str());
        let people: Vec<User> = (0..settings.people_per_team)
            .map(|p| User::from(format!("{name}.dev{p:02}")))
            .collect();
        for (i, u) in people.iter().enumerate() {
            org.people.push(Member {
                user: u.clone(),
                team: Some(team.clone()),
                role: (i == 0).then_some(Role::TeamLead),
            });
        }
        let mut sim = TeamSim {
            team: team.clone(),
            prefix: name.to_ascii_uppercase(),
            people,
            pace: 0.6 + 0.6 * rng.unit(),
            optimism: 0.95 + 0.3 * rng.unit(),
            next_key: 1,
            carried: Vec::new(),
        };
        for k in 0..=settings.sprints {
            let start = active_start - Duration::days(14 * i64::from(settings.sprints - k));
            let active = k == settings.sprints;
            let id = format!("{} S{}", sim.prefix, k + 1);
            let run = sim.sprint(&mut rng, &id, start, active.then_some(settings.active_day));
            org.tickets.extend(run.tickets);
            if active {
                org.active.push(run.checkpoint);
            } else {
                org.sprints.push(run.sprint);
                org.checkpoints.push(run.checkpoint);
            }
        }
        // Left over from the last finished sprint and never picked up again.
        org.tickets.append(&mut sim.carried);
        let span = Duration::days(14 * i64::from(settings.sprints));
        for _ in 0..settings.backlog_per_team {
            let created = active_start - span
                + Duration::minutes((rng.unit() * span.num_minutes() as f64) as i64);
            let assignee = (rng.unit() < 0.4).then(|| sim.pick(&mut rng));
            // Seven in ten backlog tickets were touched in the last month's grooming; the
            // rest have lain untouched since they were filed.
            let groomed = now - Duration::minutes((rng.unit() * 30.0 * 1440.0) as i64);
            let updated = if rng.unit() < 0.7 {
                groomed.max(created)
            } else {
                created
            };
            let key = sim.key();
            org.tickets.push(Ticket {
                key,
                team: team.clone(),
                priority: Some(draw_priority(&mut rng)),
                assignee,
                labels: vec!["backlog".into()],
                created: Some(created),
                updated: Some(updated),
                status: Some("To Do".into()),
                has_description: Some(rng.unit() >= 0.2),
                estimated: Some(rng.unit() >= 0.3),
                ..Ticket::default()
            });
        }
        org.teams.push(team);
    }
    for (name, role) in [
        ("pm", Role::ProjectManager),
        ("em", Role::EngineeringManager),
        ("director", Role::Director),
    ] {
        org.people.push(Member {
            user: User::from(name),
            team: None,
            role: Some(role),
        });
    }
    org.tickets
        .sort_by(|a, b| key_order(&a.key).cmp(&key_order(&b.key)));
    Ok(org)
}

/// The name of team `i` (from 0): `alpha`, `beta`, … `beth`, then `team26`, `team27`, ….
pub fn team_name(i: u32) -> String {
    const NAMES: [&str; 26] = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
        "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi",
        "chi", "psi", "omega", "aleph", "beth",
    ];
    NAMES
        .get(i as usize)
        .map_or_else(|| format!("team{i}"), |n| (*n).to_owned())
}

/// Sorts `ALPHA-10` after `ALPHA-9`.
fn key_order(key: &str) -> (&str, u64) {
    match key.rsplit_once('-') {
        Some((p, n)) => (p, n.parse().unwrap_or(0)),
        None => (key, 0),
    }
}

/// Calendar time from a sprint's start to its working day `d` (weekends skipped; sprints
/// start on a Monday).
fn calendar(d: u32) -> Duration {
    Duration::days(i64::from(d + 2 * (d / 5)))
}

/// Working day `d` plus a fraction of that day, as a time.
fn at_day(start: DateTime<Utc>, d: f64) -> DateTime<Utc> {
    let whole = d.floor().clamp(0.0, f64::from(SPRINT_DAYS));
    let minutes = ((d - whole).clamp(0.0, 1.0) * 8.0 * 60.0) as i64;
    start + calendar(whole as u32) + Duration::hours(9) + Duration::minutes(minutes)
}

/// A ticket's priority, drawn as the simulated organisation files them: Highest 10%, High
/// 20%, Medium 40%, Low 20%, Lowest 10%.
pub fn draw_priority(rng: &mut SplitMix64) -> Priority {
    match rng.below(10) {
        0 => Priority::Highest,
        1 | 2 => Priority::High,
        3..=6 => Priority::Medium,
        7 | 8 => Priority::Low,
        _ => Priority::Lowest,
    }
}

/// How many of `n` tries succeed with probability `p`.
fn count(rng: &mut SplitMix64, n: u32, p: f64) -> u32 {
    (0..n).map(|_| u32::from(rng.unit() < p)).sum()
}

struct TeamSim {
    team: Team,
    prefix: String,
    people: Vec<User>,
    pace: f64,
    optimism: f64,
    next_key: u32,
    /// Unfinished tickets of the previous sprint, not yet finished or abandoned.
    carried: Vec<Ticket>,
}

/// One ticket's plan inside a sprint.
struct Planned {
    ticket: Ticket,
    points: f64,
    /// Working day it joined the sprint (0 for the commitment).
    joined: f64,
    /// Working days it started and finished, when it did.
    started: Option<f64>,
    done: Option<f64>,
}

/// What one sprint leaves behind.
struct SprintRun {
    sprint: Sprint,
    checkpoint: SprintState,
    tickets: Vec<Ticket>,
}

impl TeamSim {
    fn key(&mut self) -> String {
        let k = format!("{}-{}", self.prefix, self.next_key);
        self.next_key += 1;
        k
    }

    fn pick(&self, rng: &mut SplitMix64) -> User {
        self.people[rng.below(self.people.len())].clone()
    }

    fn new_ticket(&mut self, rng: &mut SplitMix64, created: DateTime<Utc>) -> (Ticket, f64) {
        let points = SIZES[rng.below(SIZES.len())];
        let key = self.key();
        let ticket = Ticket {
            key,
            team: self.team.clone(),
            priority: Some(draw_priority(rng)),
            labels: Vec::new(),
            created: Some(created),
            status: Some("To Do".into()),
            has_description: Some(true),
            estimated: Some(true),
            ..Ticket::default()
        };
        (ticket, points)
    }

    /// Simulates one sprint from `start`; `cut` is the working day it is observed at when
    /// it is the active one (its tickets then stop there).
    fn sprint(
        &mut self,
        rng: &mut SplitMix64,
        id: &str,
        start: DateTime<Utc>,
        cut: Option<u32>,
    ) -> SprintRun {
        let mut finished_carry = self.finish_carried(rng, start, cut);
        let n = self.people.len() as u32;
        let absent: Vec<u32> = (0..n)
            .map(|_| {
                if rng.unit() < 0.15 {
                    1 + rng.below(5) as u32
                } else {
                    0
                }
            })
            .collect();
        let blocked = count(rng, 4, 0.2);
        let review_queue = count(rng, 6, 0.25);
        let defects = count(rng, 3, 0.2);
        let added_share = if rng.unit() < 0.4 {
            0.05 + 0.3 * rng.unit()
        } else {
            0.0
        };
        let added_day = 1.0 + (rng.unit() * 7.0).floor();
        let noise = 0.85 + 0.3 * rng.unit();

        let person_days = f64::from(n * SPRINT_DAYS - absent.iter().sum::<u32>());
        let expected = self.pace * f64::from(n * SPRINT_DAYS);
        let capacity = self.pace
            * person_days
            * (1.0 - 0.07 * f64::from(blocked))
            * (1.0 - 0.04 * f64::from(review_queue))
            * noise;

        let mut plan: Vec<Planned> = Vec::new();
        let mut committed = 0.0;
        while committed < expected * self.optimism {
            let created = start - Duration::days(1 + rng.below(20) as i64);
            let (ticket, points) = self.new_ticket(rng, created);
            committed += points;
            plan.push(Planned {
                ticket,
                points,
                joined: 0.0,
                started: None,
                done: None,
            });
        }
        let mut added = 0.0;
        while added < committed * added_share {
            let (ticket, points) = self.new_ticket(rng, at_day(start, added_day));
            added += points;
            plan.push(Planned {
                ticket,
                points,
                joined: added_day,
                started: None,
                done: None,
            });
        }
        // Urgent work first, as teams pull it; then the order it was planned in.
        plan.sort_by_key(|p| std::cmp::Reverse(p.ticket.priority));
        let mut used = 0.0;
        for p in &mut plan {
            let begin = (used / capacity * f64::from(SPRINT_DAYS)).max(p.joined);
            if begin >= f64::from(SPRINT_DAYS) {
                continue;
            }
            p.started = Some(begin);
            if used + p.points <= capacity {
                used += p.points;
                let end = (used / capacity * f64::from(SPRINT_DAYS)).max(begin + 0.2);
                p.done = Some(end.min(f64::from(SPRINT_DAYS) - 0.05));
            }
        }
        // The blocked tickets are unfinished ones, so the signal shows where it bites.
        let mut to_block = blocked;
        for p in plan.iter_mut().rev() {
            if to_block > 0 && p.done.is_none() {
                p.ticket.blocked = true;
                to_block -= 1;
            }
        }

        let horizon = cut.map_or(f64::from(SPRINT_DAYS), f64::from);
        let checkpoint_day = cut.map_or(f64::from(CHECKPOINT_DAY), f64::from);
        let present = absent.iter().filter(|a| **a < 3).count() as u32;
        let mut state = SprintState {
            team: self.team.clone(),
            sprint: id.to_owned(),
            days_elapsed: checkpoint_day,
            days_planned: f64::from(SPRINT_DAYS),
            team_size: present,
            blocked,
            review_queue,
            defects,
            ..SprintState::default()
        };
        let mut members = Vec::new();
        let mut completed = Vec::new();
        let mut delivered = 0.0;
        let mut tickets = Vec::new();
        for mut p in plan {
            // The state as of the checkpoint (or of now, for the active sprint).
            if p.joined == 0.0 {
                state.committed_points += p.points;
                state.committed_issues += 1;
            } else if p.joined <= checkpoint_day {
                state.added_points += p.points;
                state.added_issues += 1;
            }
            if p.joined <= checkpoint_day {
                match (p.started, p.done) {
                    (_, Some(d)) if d <= checkpoint_day => {
                        state.done_points += p.points;
                        state.done_issues += 1;
                    }
                    (Some(s), _) if s <= checkpoint_day => {
                        state.in_progress_points += p.points;
                        state.in_progress_issues += 1;
                    }
                    _ => {
                        state.todo_points += p.points;
                        state.todo_issues += 1;
                    }
                }
            }
            if p.joined > horizon {
                // Not in the sprint yet at `now`: it does not exist yet either.
                continue;
            }
            let assignee = self.pick(rng);
            let t = &mut p.ticket;
            let mut status = "To Do";
            if let Some(s) = p.started.filter(|s| *s <= horizon) {
                let at = at_day(start, s);
                t.events.push(event(at, "assignee", "", assignee.as_str()));
                t.events.push(event(at, "status", status, "In Progress"));
                t.assignee = Some(assignee);
                status = "In Progress";
                if let Some(d) = p.done.filter(|d| *d <= horizon) {
                    let review = at_day(start, s + (d - s) * 0.7);
                    t.events.push(event(review, "status", status, "In Review"));
                    t.events
                        .push(event(at_day(start, d), "status", "In Review", "Done"));
                    status = "Done";
                }
            }
            t.status = Some(status.to_owned());
            let last = t.events.last().map(|e| e.at).or(t.created);
            t.updated = last;
            t.last_change = t.events.last().map(|e| e.at);
            t.in_active_sprint = cut.is_some();
            members.push(t.key.clone());
            if status == "Done" {
                completed.push(t.key.clone());
                delivered += p.points;
                tickets.push(p.ticket);
            } else if cut.is_none() {
                self.carried.push(p.ticket);
            } else {
                tickets.push(p.ticket);
            }
        }
        tickets.append(&mut finished_carry);
        let sprint = Sprint {
            id: id.to_owned(),
            team: self.team.clone(),
            start: Some(at_day(start, 0.0)),
            end: Some(at_day(start, f64::from(SPRINT_DAYS))),
            members,
            completed: Some(completed),
            committed_points: Some(state.committed_points),
            delivered_points: Some(delivered),
            days: Some(f64::from(SPRINT_DAYS)),
            team_size: present,
        };
        SprintRun {
            sprint,
            checkpoint: state,
            tickets,
        }
    }

    /// The previous sprint's unfinished tickets: seven in ten are finished in the first
    /// days of this one, the rest are abandoned where they stood and go stale. Returns
    /// them all, done with.
    fn finish_carried(
        &mut self,
        rng: &mut SplitMix64,
        start: DateTime<Utc>,
        cut: Option<u32>,
    ) -> Vec<Ticket> {
        let horizon = cut.map_or(f64::from(SPRINT_DAYS), f64::from);
        let mut out = Vec::new();
        for mut t in std::mem::take(&mut self.carried) {
            let day = 0.5 + 3.0 * rng.unit();
            if rng.unit() < 0.7 && day <= horizon {
                let at = at_day(start, day);
                let from = t.status.clone().unwrap_or_default();
                t.events.push(event(at, "status", &from, "Done"));
                t.status = Some("Done".into());
                t.blocked = false;
                t.updated = Some(at);
                t.last_change = Some(at);
            }
            t.in_active_sprint = false;
            out.push(t);
        }
        out
    }
}

fn event(at: DateTime<Utc>, field: &str, from: &str, to: &str) -> TicketEvent {
    TicketEvent {
        at,
        field: field.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
    }
}

/// The simulated organisation as a [`Source`](super::Source): the first pull brings everything; a later
/// one brings the tickets updated since then (with an overlap, as a Jira sync does) and
/// every sprint. It always describes the organisation as of [`SimSettings::end`].
#[derive(Debug, Clone)]
pub struct SimSource {
    settings: SimSettings,
    built: Option<Snapshot>,
}

impl SimSource {
    /// A source for the organisation `settings` describe (built on the first pull).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for settings out of range.
    pub fn new(settings: SimSettings) -> Result<Self> {
        settings.validate()?;
        Ok(SimSource {
            settings,
            built: None,
        })
    }
}

impl super::Source for SimSource {
    fn name(&self) -> String {
        format!("sim:{}", self.settings.seed)
    }

    fn pull(&mut self, since: Option<DateTime<Utc>>, _now: DateTime<Utc>) -> Result<Snapshot> {
        let org = match &self.built {
            Some(o) => o,
            None => self.built.insert(simulate(&self.settings)?),
        };
        let mut snap = org.clone();
        if let Some(since) = since {
            snap.tickets
                .retain(|t| t.updated.is_none_or(|u| u >= since - Duration::hours(1)));
        }
        Ok(snap)
    }
}
