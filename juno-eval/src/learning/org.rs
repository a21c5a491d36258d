//! The year-long simulated organisation of `juno eval learning`: teams whose tickets
//! arrive, get worked or abandoned, and answer to what JUNO does to them. It is both the
//! cycle's [`Source`] (the tickets as of the cycle's moment) and its [`Executor`] (an
//! approved write changes the ticket, and the team reacts to it), sharing one state.
//!
//! # How tickets live
//!
//! Each team files about `arrivals_per_day` tickets per working day (priority, labels,
//! assignee, blocked, description and estimate drawn as in [`juno_core::source::sim`]).
//! 55% are worked: touched every one to three days and finished within two weeks; the
//! rest are touched once or twice and then abandoned, which is the stale work triage
//! finds. What JUNO does changes the ticket at the moment it runs, and the team reacts:
//! a reassigned, escalated or re-prioritised ticket is picked up and finished within days
//! with probability 0.7, 0.8 and 0.5; a ticket whose information was asked for gets it
//! with probability 0.7; a closed ticket is done; a deferred one is parked (the
//! experiment's triage exempts `juno-deferred`).
//!
//! Everything is drawn from one seeded stream in a fixed order: the same settings give the
//! same year, whatever JUNO does — only JUNO's own writes and the reactions to them differ
//! between the experiment's arms (the reactions draw from a second stream keyed by ticket).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use juno_core::executor::{Write, writes_of};
use juno_core::governance::{Action, Approval, Executor};
use juno_core::model::{Role, Team, Ticket, User};
use juno_core::source::{Member, Snapshot, Source, sim};
use juno_core::stats::SplitMix64;
use juno_core::{Error, Result};

/// The size and pace of the organisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgSettings {
    /// Teams, 1–26, named as the simulated organisation names them (`alpha`, `beta`, …).
    pub teams: u32,
    /// Developers per team besides its lead, 2–20.
    pub people_per_team: u32,
    /// New tickets per team per working day, 0.1–50.
    pub arrivals_per_day: f64,
    /// The first day (a Monday is best): 2026-01-05.
    pub start: DateTime<Utc>,
    /// Calendar days simulated, 7–3650.
    pub days: u32,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            teams: 4,
            people_per_team: 5,
            arrivals_per_day: 3.0,
            start: DateTime::from_timestamp(1_767_571_200, 0).unwrap_or_default(),
            days: 364,
        }
    }
}

impl OrgSettings {
    /// Checks the sizes.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the setting (`organisation.teams`).
    pub fn validate(&self) -> Result<()> {
        for (name, v, lo, hi) in [
            ("teams", self.teams, 1, 26),
            ("people_per_team", self.people_per_team, 2, 20),
            ("days", self.days, 7, 3650),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err(Error::invalid(
                    format!("organisation.{name}"),
                    format!("must be in {lo}..={hi}, got {v}"),
                ));
            }
        }
        if !(0.1..=50.0).contains(&self.arrivals_per_day) {
            return Err(Error::invalid(
                "organisation.arrivals_per_day",
                format!("must be in 0.1..=50, got {}", self.arrivals_per_day),
            ));
        }
        Ok(())
    }
}

/// The lead of `team`: the person its low- and medium-impact requests go to.
pub fn lead_of(team: &str) -> String {
    format!("{team}.lead")
}

/// One ticket's life, drawn when it is filed, plus what happened to it since.
#[derive(Debug, Clone)]
struct Life {
    base: Ticket,
    /// Moments someone worked on it.
    touches: Vec<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    /// JUNO's writes, when they ran.
    writes: Vec<(DateTime<Utc>, Write)>,
    /// When its missing information was added.
    informed: Option<DateTime<Utc>>,
}

impl Life {
    /// The ticket as Jira would show it at `now`.
    fn at(&self, now: DateTime<Utc>) -> Ticket {
        let mut t = self.base.clone();
        let mut updated = t.created.unwrap_or(now);
        let mut last_touch = None;
        for &at in self.touches.iter().filter(|&&a| a <= now) {
            updated = updated.max(at);
            last_touch = Some(at);
        }
        let mut last_comment = None;
        for (at, w) in self.writes.iter().filter(|(a, _)| *a <= now) {
            updated = updated.max(*at);
            match w {
                Write::Comment { .. } => last_comment = Some(*at),
                Write::Assign { to, .. } => t.assignee = to.clone(),
                Write::SetPriority { to, .. } => t.priority = Some(*to),
                Write::Transition { to, .. } => t.status = Some(to.clone()),
                Write::AddLabel { label, .. } => {
                    if !t.labels.contains(label) {
                        t.labels.push(label.clone());
                    }
                }
                Write::RemoveLabel { label, .. } => t.labels.retain(|l| l != label),
            }
        }
        if let Some(at) = self.informed.filter(|&a| a <= now) {
            updated = updated.max(at);
            t.has_description = Some(true);
            t.estimated = Some(true);
        }
        match self.resolved.filter(|&r| r <= now) {
            Some(r) => {
                updated = updated.max(r);
                t.status = Some("Done".into());
            }
            None if t.status.as_deref() != Some("Done") => {
                t.status = Some(if last_touch.is_some() && t.assignee.is_some() {
                    "In Progress".into()
                } else {
                    "To Do".into()
                });
            }
            None => {}
        }
        t.updated = Some(updated);
        t.last_comment = last_comment;
        t.assignee_last_activity = if t.assignee.is_some() {
            last_touch
        } else {
            None
        };
        t
    }
}

/// The organisation's state, shared by its source and executor handles.
#[derive(Debug)]
pub struct Org {
    settings: OrgSettings,
    teams: Vec<String>,
    people: Vec<Member>,
    lives: Vec<Life>,
    index: BTreeMap<String, usize>,
    /// Where the cycle stands: writes are stamped with it.
    now: DateTime<Utc>,
    seed: u64,
}

/// Whether `t` falls on a working day (Monday to Friday).
fn is_working(t: DateTime<Utc>) -> bool {
    !matches!(t.weekday(), Weekday::Sat | Weekday::Sun)
}

fn minutes(days: f64) -> Duration {
    Duration::minutes((days * 1440.0) as i64)
}

impl Org {
    /// Files the whole year's tickets (their own lives, before JUNO touches any).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for settings out of range.
    pub fn new(settings: OrgSettings, seed: u64) -> Result<Self> {
        settings.validate()?;
        let mut rng = SplitMix64::new(seed);
        let teams: Vec<String> = (0..settings.teams).map(sim::team_name).collect();
        let mut people = Vec::new();
        let mut devs: BTreeMap<String, Vec<User>> = BTreeMap::new();
        for team in &teams {
            people.push(Member {
                user: User::from(lead_of(team)),
                team: Some(Team::from(team.as_str())),
                role: Some(Role::TeamLead),
            });
            for p in 1..=settings.people_per_team {
                let u = User::from(format!("{team}.dev{p:02}"));
                devs.entry(team.clone()).or_default().push(u.clone());
                people.push(Member {
                    user: u,
                    team: Some(Team::from(team.as_str())),
                    role: None,
                });
            }
        }
        for (name, role) in [
            ("pm", Role::ProjectManager),
            ("em", Role::EngineeringManager),
            ("director", Role::Director),
        ] {
            people.push(Member {
                user: User::from(name),
                team: None,
                role: Some(role),
            });
        }
        let mut lives = Vec::new();
        let mut next: BTreeMap<String, u32> = BTreeMap::new();
        for day in 0..settings.days {
            let date = settings.start + Duration::days(i64::from(day));
            if !is_working(date) {
                continue;
            }
            for team in &teams {
                // Arrivals: the whole part every day, the fraction by chance.
                let whole = settings.arrivals_per_day.floor() as u32;
                let extra = u32::from(rng.unit() < settings.arrivals_per_day.fract());
                for _ in 0..whole + extra {
                    let n = next.entry(team.clone()).or_insert(0);
                    *n += 1;
                    let key = format!("{}-{n}", team.to_ascii_uppercase());
                    let created = date + Duration::hours(9) + minutes(rng.unit() * 0.33);
                    let team_devs = devs.get(team).map_or(&[][..], Vec::as_slice);
                    let assignee = (rng.unit() < 0.6 && !team_devs.is_empty())
                        .then(|| team_devs[rng.below(team_devs.len())].clone());
                    let mut labels = Vec::new();
                    if rng.unit() < 0.3 {
                        labels.push("customer".to_owned());
                    }
                    if rng.unit() < 0.2 {
                        labels.push("tech-debt".to_owned());
                    }
                    let base = Ticket {
                        key: key.clone(),
                        team: Team::from(team.as_str()),
                        priority: Some(sim::draw_priority(&mut rng)),
                        assignee,
                        labels,
                        created: Some(created),
                        updated: Some(created),
                        status: Some("To Do".into()),
                        blocked: rng.unit() < 0.12,
                        blocking: u32::from(rng.unit() < 0.15),
                        has_description: Some(rng.unit() >= 0.2),
                        estimated: Some(rng.unit() >= 0.25),
                        ..Ticket::default()
                    };
                    let mut touches = Vec::new();
                    let resolved = if rng.unit() < 0.55 {
                        let span = 2.0 + rng.unit() * 12.0;
                        let mut t = 0.0;
                        loop {
                            t += 1.0 + rng.unit() * 2.0;
                            if t >= span {
                                break;
                            }
                            touches.push(created + minutes(t));
                        }
                        Some(created + minutes(span))
                    } else {
                        for _ in 0..rng.below(3) {
                            touches.push(created + minutes(rng.unit() * 2.0));
                        }
                        touches.sort();
                        None
                    };
                    lives.push(Life {
                        base,
                        touches,
                        resolved,
                        writes: Vec::new(),
                        informed: None,
                    });
                }
            }
        }
        let index = lives
            .iter()
            .enumerate()
            .map(|(i, l)| (l.base.key.clone(), i))
            .collect();
        Ok(Org {
            settings,
            teams,
            people,
            lives,
            index,
            now: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            seed,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &OrgSettings {
        &self.settings
    }

    /// The teams, in order.
    pub fn teams(&self) -> &[String] {
        &self.teams
    }

    /// Everyone, with their roles.
    pub fn people(&self) -> &[Member] {
        &self.people
    }

    /// Moves the organisation's clock (writes are stamped with it).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
    }

    /// The ticket `key` as it stands now.
    pub fn ticket(&self, key: &str) -> Option<Ticket> {
        self.index.get(key).map(|&i| self.lives[i].at(self.now))
    }

    /// Tickets filed so far: their number.
    pub fn filed(&self) -> usize {
        self.lives
            .iter()
            .filter(|l| l.base.created.is_some_and(|c| c <= self.now))
            .count()
    }

    fn snapshot(&self, since: Option<DateTime<Utc>>) -> Snapshot {
        let now = self.now;
        let tickets = self
            .lives
            .iter()
            .filter(|l| l.base.created.is_some_and(|c| c <= now))
            .map(|l| l.at(now))
            .filter(|t| since.is_none_or(|s| t.updated.is_none_or(|u| u >= s - Duration::hours(1))))
            .collect();
        Snapshot {
            now,
            teams: self.teams.iter().map(|t| Team::from(t.as_str())).collect(),
            people: self.people.clone(),
            sprints: Vec::new(),
            checkpoints: Vec::new(),
            active: Vec::new(),
            tickets,
        }
    }

    /// Applies an approved action's writes now, and draws the team's reaction.
    fn apply(&mut self, action: &Action) -> std::result::Result<Vec<Write>, String> {
        let writes = writes_of(action).map_err(|e| e.to_string())?;
        let now = self.now;
        for w in &writes {
            let Some(&i) = self.index.get(w.key()) else {
                return Err(format!("no ticket {}", w.key()));
            };
            // The reaction's draws are keyed by the ticket and the moment, so they do not
            // depend on what else JUNO did that day.
            let mut rng = SplitMix64::new(
                self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ now.timestamp() as u64,
            );
            let life = &mut self.lives[i];
            life.writes.push((now, w.clone()));
            let pick_up = |life: &mut Life, rng: &mut SplitMix64, p: f64| {
                if life.resolved.is_none_or(|r| r > now) && rng.unit() < p {
                    let span = 1.0 + rng.unit() * 6.0;
                    life.touches.push(now + minutes(span / 2.0));
                    life.resolved = Some(now + minutes(span));
                }
            };
            match w {
                Write::Transition { to, .. } => {
                    // Done closes it now; any other status (a revert) reopens it.
                    let done = life.resolved.is_some_and(|r| r <= now);
                    life.resolved = match (to == "Done", done) {
                        (true, false) => Some(now),
                        (false, true) => None,
                        _ => life.resolved,
                    };
                }
                Write::Assign { to: Some(_), .. } => pick_up(life, &mut rng, 0.7),
                Write::AddLabel { label, .. } if label.contains("escalated") => {
                    pick_up(life, &mut rng, 0.8);
                }
                Write::SetPriority { .. } => pick_up(life, &mut rng, 0.5),
                Write::Comment { body, .. }
                    if body.contains("needs") && life.informed.is_none() && rng.unit() < 0.7 =>
                {
                    life.informed = Some(now + minutes(1.0 + rng.unit() * 2.0));
                }
                _ => {}
            }
        }
        Ok(writes)
    }
}

/// The organisation as the cycle's source.
#[derive(Debug, Clone)]
pub struct OrgSource(pub Rc<RefCell<Org>>);

impl Source for OrgSource {
    fn name(&self) -> String {
        "learning-org".into()
    }

    fn pull(&mut self, since: Option<DateTime<Utc>>, _now: DateTime<Utc>) -> Result<Snapshot> {
        Ok(self.0.borrow().snapshot(since))
    }
}

/// The organisation as the cycle's executor: writes land on its tickets.
#[derive(Debug, Clone)]
pub struct OrgExecutor(pub Rc<RefCell<Org>>);

impl Executor for OrgExecutor {
    fn execute(&mut self, action: &Action) -> std::result::Result<serde_json::Value, String> {
        let changes = self.0.borrow_mut().apply(action)?;
        Ok(serde_json::json!({ "executor": "learning-org", "changes": changes }))
    }

    fn execute_approved(
        &mut self,
        approval: &Approval<'_>,
    ) -> std::result::Result<serde_json::Value, String> {
        self.execute(approval.action)
    }
}
