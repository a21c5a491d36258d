//! The decide stage's reading of what a team has been saying about JUNO's proposals: each
//! proposal's context facets, and whether the team's recent outcomes say it avoids the
//! proposal in that context (so the cycle holds it back instead of asking again).
//!
//! Pure: the outcomes come from memory ([`crate::memory::Memories::recent_outcomes`]);
//! nothing here reads the store or the clock.

use chrono::{DateTime, Datelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::memory::{Outcome, RecentOutcome};
use crate::model::{Priority, Ticket};

/// The longest span in days a cycle option may name (ten years).
pub const MAX_DAYS: f64 = 3650.0;

/// How the decide stage reads a team's recent outcomes before proposing. In JSON every
/// field is optional and defaults as below.
///
/// For a proposal of action `a` on a ticket in context `C` (its facets), the cycle looks
/// at the team's newest `window` outcomes of `a` (approved, or rejected and reverted,
/// which count against), and at those of `a` whose context had each facet `f` of `C`; and,
/// for the facets that describe *when* (`weekday.*`), at the newest `window` outcomes of
/// any action in that facet — an approver's calendar is not about one kind of action.
///
/// A list says no when its newest outcome is against and either its newest `min_against`
/// all are, or it holds at least `min_against` against and they are the majority. A facet's
/// list counts only when the same action outside that facet is mostly approved (otherwise
/// the action's own list speaks). When a list says no, the cycle holds the proposal back
/// (listed under `skipped`), except for one probe per such list every `probe_days`. A
/// probe the team says yes to puts the list in recovery (its newest outcome is for, most of
/// it still against): one proposal per cycle asks again, each as a probe, until most of the
/// list says yes — so one approval given by mistake costs at most one more question, and a
/// team that changed its mind is heard within days. A probe is meant for a person: its
/// confidence is capped at the list's share of approvals, which is under one half, so only
/// an auto-approval threshold set that low would let one through unasked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PreferenceSettings {
    /// Read the team's outcomes before proposing (true).
    pub enabled: bool,
    /// The newest outcomes per action and context read (10), 1–1000.
    pub window: usize,
    /// Outcomes against needed before an action is held back (3), at least 1.
    pub min_against: usize,
    /// Days between probes of a held-back action in one context (14), 0–3650.
    pub probe_days: f64,
}

impl Default for PreferenceSettings {
    fn default() -> Self {
        PreferenceSettings {
            enabled: true,
            window: 10,
            min_against: 3,
            probe_days: 14.0,
        }
    }
}

impl PreferenceSettings {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the setting (`preferences.window`).
    pub fn validate(&self) -> Result<()> {
        if !(1..=1000).contains(&self.window) {
            return Err(Error::invalid(
                "preferences.window",
                format!("must be in 1..=1000, got {}", self.window),
            ));
        }
        if self.min_against == 0 {
            return Err(Error::invalid(
                "preferences.min_against",
                "must be at least 1",
            ));
        }
        if !(0.0..=MAX_DAYS).contains(&self.probe_days) {
            return Err(Error::invalid(
                "preferences.probe_days",
                format!(
                    "must be a number of days in 0..={MAX_DAYS}, got {}",
                    self.probe_days
                ),
            ));
        }
        Ok(())
    }
}

/// The facets of a proposal's situation on `ticket` at `now`, sorted: its priority
/// (`priority.low`), each label (`label.customer`, lower case, tag characters only),
/// whether it is assigned and blocked (`assigned.no`, `blocked.yes`), and the weekday
/// (`weekday.fri`). They go into the action's parameters (`context`), are signed with it,
/// and are learned from with its outcome.
pub fn context_of(ticket: &Ticket, now: DateTime<Utc>) -> Vec<String> {
    let mut facets = Vec::new();
    if let Some(p) = ticket.priority {
        facets.push(format!("priority.{}", priority_name(p)));
    }
    facets.push(format!(
        "assigned.{}",
        if ticket.assignee.is_some() {
            "yes"
        } else {
            "no"
        }
    ));
    facets.push(format!(
        "blocked.{}",
        if ticket.blocked { "yes" } else { "no" }
    ));
    facets.push(format!("weekday.{}", weekday_name(now.weekday())));
    // An outcome record keeps at most MAX_CONTEXT_FACETS: the fixed facets always fit,
    // and labels (a ticket may carry dozens) take what is left, in sorted order.
    let mut labels: Vec<String> = ticket
        .labels
        .iter()
        .map(|l| {
            l.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || "_-.".contains(*c))
                .take(40)
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .map(|l| format!("label.{l}"))
        .collect();
    labels.sort();
    labels.dedup();
    labels.truncate(crate::memory::MAX_CONTEXT_FACETS - facets.len());
    facets.extend(labels);
    facets.sort();
    facets
}

fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Highest => "highest",
        Priority::High => "high",
        Priority::Medium => "medium",
        Priority::Low => "low",
        Priority::Lowest => "lowest",
    }
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// Whether a facet describes when rather than what (read across every action).
fn is_when(facet: &str) -> bool {
    facet.starts_with("weekday.")
}

/// One list of outcomes that says a team avoids a proposal.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Avoidance {
    /// The action (`reassign`) or `*` for any.
    pub action: String,
    /// The facet, if the list is narrower than the action.
    pub facet: Option<String>,
    /// Outcomes against in the list.
    pub against: usize,
    /// Outcomes in the list.
    pub of: usize,
    /// The newest outcome was an approval (a probe the team said yes to) but most of the
    /// list is still against: the team may have changed its mind. One proposal per cycle
    /// asks again, each as a probe, until the list's majority says yes.
    pub recovering: bool,
}

impl Avoidance {
    /// `team alpha turned down 6 of its last 7 reassign proposals (label.customer)`.
    pub fn describe(&self, team: &str) -> String {
        let what = if self.action == "*" {
            "proposals".to_owned()
        } else {
            format!("{} proposals", self.action.replace('_', " "))
        };
        let mut s = format!(
            "team {team} turned down {} of its last {} {what}",
            self.against, self.of
        );
        if let Some(f) = &self.facet {
            s.push_str(&format!(" ({f})"));
        }
        s
    }

    /// The key a probe is counted under.
    pub fn key(&self) -> (String, Option<String>) {
        (self.action.clone(), self.facet.clone())
    }
}

/// Whether a list of outcomes (newest first, `true` = against) says no: its newest is
/// against, and either its newest `min_against` all are or it has at least `min_against`
/// against and they are the majority. One approval on top lifts it (a probe the team said
/// yes to), so a team that changed its mind is heard at once.
fn says_no(list: &[bool], min_against: usize) -> bool {
    let against = list.iter().filter(|x| **x).count();
    list.first() == Some(&true)
        && (list.iter().take(min_against).filter(|x| **x).count() == min_against
            || (against >= min_against && 2 * against > list.len()))
}

/// The lists that say the team avoids `action` in `context`, most against first. `recent`
/// is the team's outcomes, newest first.
pub(super) fn avoidances(
    recent: &[RecentOutcome],
    action: &str,
    context: &[String],
    settings: &PreferenceSettings,
) -> Vec<Avoidance> {
    let mut keys: Vec<(String, Option<String>)> = vec![(action.to_owned(), None)];
    for f in context {
        keys.push((action.to_owned(), Some(f.clone())));
        if is_when(f) {
            keys.push(("*".to_owned(), Some(f.clone())));
        }
    }
    let mut out = Vec::new();
    for (a, facet) in keys {
        let of_action = |o: &&RecentOutcome| a == "*" || o.action == a;
        let list: Vec<bool> = recent
            .iter()
            .filter(of_action)
            .filter(|o| facet.as_ref().is_none_or(|f| o.context.contains(f)))
            .take(settings.window)
            .map(|o| o.outcome != Outcome::Approved)
            .collect();
        let against = list.iter().filter(|x| **x).count();
        let majority_against = against >= settings.min_against && 2 * against > list.len();
        let recovering = !says_no(&list, settings.min_against) && majority_against;
        if !says_no(&list, settings.min_against) && !recovering {
            continue;
        }
        // A narrower list counts only where the team says yes outside it: otherwise the
        // action's own list speaks for it, and a facet would only echo it.
        if let Some(f) = &facet {
            let rest: Vec<bool> = recent
                .iter()
                .filter(of_action)
                .filter(|o| !o.context.contains(f))
                .take(settings.window)
                .map(|o| o.outcome != Outcome::Approved)
                .collect();
            let against = rest.iter().filter(|x| **x).count();
            if rest.is_empty() || 2 * against >= rest.len() {
                continue;
            }
        }
        out.push(Avoidance {
            action: a,
            facet,
            against,
            of: list.len(),
            recovering,
        });
    }
    out.sort_by(|x, y| {
        (y.against * x.of)
            .cmp(&(x.against * y.of))
            .then_with(|| x.facet.cmp(&y.facet))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(action: &str, outcome: Outcome, ctx: &[&str]) -> RecentOutcome {
        RecentOutcome {
            memory_id: 0,
            action: action.into(),
            outcome,
            context: ctx.iter().map(|s| (*s).to_owned()).collect(),
            at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
        }
    }

    /// A narrow context is avoided while the action as a whole is not; Fridays are
    /// avoided across actions; a few approvals among many rejections do not lift it.
    #[test]
    fn narrow_and_calendar_avoidances() {
        let s = PreferenceSettings::default();
        let mut recent = Vec::new();
        for i in 0..6 {
            recent.push(o("close", Outcome::Rejected, &["label.customer"]));
            recent.push(o("close", Outcome::Approved, &["label.backlog"]));
            let day = if i % 2 == 0 {
                "weekday.fri"
            } else {
                "weekday.mon"
            };
            let verdict = if day == "weekday.fri" {
                Outcome::Rejected
            } else {
                Outcome::Approved
            };
            recent.push(o("defer", verdict, &[day]));
            recent.push(o("escalate", verdict, &[day]));
        }
        let a = avoidances(&recent, "close", &["label.customer".into()], &s);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].facet.as_deref(), Some("label.customer"));
        assert!(avoidances(&recent, "close", &["label.backlog".into()], &s).is_empty());
        let fri = avoidances(&recent, "request_info", &["weekday.fri".into()], &s);
        assert_eq!(fri.len(), 1);
        assert_eq!(fri[0].action, "*");
        assert!(avoidances(&recent, "request_info", &["weekday.mon".into()], &s).is_empty());
    }

    /// The newest outcomes decide: one approval (a probe the team said yes to) on top of
    /// many rejections puts the list in recovery, a majority of approvals lifts it, and
    /// three new rejections or reverts on top of many approvals impose one.
    #[test]
    fn the_newest_outcomes_decide() {
        let s = PreferenceSettings::default();
        let mut recent: Vec<RecentOutcome> = (0..6)
            .map(|_| o("reassign", Outcome::Approved, &[]))
            .collect();
        recent.extend((0..20).map(|_| o("reassign", Outcome::Rejected, &[])));
        assert!(avoidances(&recent, "reassign", &[], &s).is_empty());
        let one = avoidances(&recent[5..], "reassign", &[], &s);
        assert!(one.len() == 1 && one[0].recovering, "{one:?}");
        let none = avoidances(&recent[6..], "reassign", &[], &s);
        assert!(none.len() == 1 && !none[0].recovering, "{none:?}");
        let mut turned: Vec<RecentOutcome> =
            (0..3).map(|_| o("defer", Outcome::Reverted, &[])).collect();
        turned.extend((0..20).map(|_| o("defer", Outcome::Approved, &[])));
        assert_eq!(avoidances(&turned, "defer", &[], &s).len(), 1);
        assert!(!avoidances(&turned, "defer", &[], &s)[0].recovering);
        assert!(avoidances(&turned[1..], "defer", &[], &s).is_empty());
    }

    /// Dozens of labels never push out the weekday or the priority.
    #[test]
    fn many_labels_keep_the_fixed_facets() {
        let labels: Vec<String> = (0..40).map(|i| format!("l{i:02}")).collect();
        let t = Ticket {
            priority: Some(Priority::High),
            labels,
            ..Ticket::default()
        };
        let now = DateTime::from_timestamp(1_798_761_600, 0).unwrap_or_default();
        let c = context_of(&t, now);
        assert_eq!(c.len(), crate::memory::MAX_CONTEXT_FACETS);
        assert!(c.contains(&"weekday.fri".to_owned()));
        assert!(c.contains(&"priority.high".to_owned()));
    }

    #[test]
    fn context_is_sorted_facets() {
        let t: Ticket = serde_json::from_value(serde_json::json!({
            "key": "A-1", "team": "alpha", "priority": "Low", "labels": ["Customer", "x y"],
            "blocked": true
        }))
        .unwrap_or_default();
        // 2027-01-01 is a Friday.
        let now = DateTime::from_timestamp(1_798_761_600, 0).unwrap_or_default();
        assert_eq!(
            context_of(&t, now),
            vec![
                "assigned.no",
                "blocked.yes",
                "label.customer",
                "label.xy",
                "priority.low",
                "weekday.fri"
            ]
        );
    }
}
