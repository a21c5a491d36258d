//! [`Governance`]: the approval workflow of one [`Juno`].

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{
    Action, ApprovalRequest, DeadlineReport, Delegation, GovernanceDashboard, MAX_DELEGATION_DAYS,
    MAX_PAGE, Proposal, RequestId, RequestStatus, RoleAssignment, next_role, rank,
};
use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::juno::Juno;
use crate::model::{AutomationLevel, Role};
use crate::store::audit::Appender;
use crate::store::governance::{self as sql, Transition};
use crate::store::to_ms as ms;

mod batch;
mod group;
pub use batch::ApprovalItem;
pub(crate) use group::ApprovalQueue;

/// Runs approved actions: the Jira client in production, a recording executor in tests.
pub trait Executor {
    /// Performs `action`. `Ok` carries what happened (recorded as the request's result);
    /// `Err` carries why it failed (recorded, and the request ends `execution_failed`).
    ///
    /// # Errors
    /// A message describing the failure.
    fn execute(&mut self, action: &Action) -> std::result::Result<serde_json::Value, String>;

    /// Performs an approved action knowing which approval authorised it (so a comment in
    /// Jira can say so, and an outbox can key on the request). By default, [`Executor::execute`].
    ///
    /// # Errors
    /// A message describing the failure.
    fn execute_approved(
        &mut self,
        approval: &Approval<'_>,
    ) -> std::result::Result<serde_json::Value, String> {
        self.execute(approval.action)
    }

    /// Whether the approved action was already applied, read from where the executor
    /// keeps its idempotency marker (for Jira, an issue entity property). The cycle asks
    /// this for an action left `executing` by a crash. By default nothing is known.
    ///
    /// # Errors
    /// A message when the marker cannot be read (the question is asked again next cycle).
    fn applied(&mut self, approval: &Approval<'_>) -> std::result::Result<Applied, String> {
        let _ = approval;
        Ok(Applied::Unknown)
    }
}

/// What an executor's idempotency marker says about one approved action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Every write was made: record it as executed, never write again.
    Yes,
    /// Nothing was written: it may run again.
    No,
    /// Some writes may have been made: a person must look (it is never retried).
    Partial,
    /// The executor keeps no marker: a person must look.
    Unknown,
}

/// The approval an executor acts on: the request, exactly the approved action, and who
/// approved it.
#[derive(Debug, Clone, Copy)]
pub struct Approval<'a> {
    /// The approval request.
    pub request_id: RequestId,
    /// The approved action.
    pub action: &'a Action,
    /// Its digest (what the approval is bound to).
    pub digest: &'a str,
    /// Who approved it (`juno` for the auto-approval policy).
    pub approved_by: &'a str,
}

/// Where policy sends a proposal ([`Governance::route`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Routing {
    /// The role whose queue it goes to when a person must decide.
    pub role: Role,
    /// The auto-approval decision (rule and numbers), when policy approves it.
    pub decision: Option<serde_json::Value>,
    /// The automation level of the proposal's team and kind, which decided whether
    /// policy could approve it (`auto`), a person must (`approve`), it is only recorded
    /// (`suggest`) or refused (`off`).
    pub automation: AutomationLevel,
}

/// What claiming a request for execution found.
enum Claim {
    /// Claimed: run the action, approved by this user (or `juno`).
    Ready(String),
    /// The approval (made at this time) lapsed; the request expired.
    Lapsed(DateTime<Utc>),
}

/// [`Governance::route`] under the settings `cfg` (the live ones, or the shadow policy's).
fn route_with(cfg: &crate::Config, proposal: &Proposal) -> Routing {
    let rules = &cfg.approval_rules;
    let role = rules
        .route
        .get(&proposal.impact)
        .copied()
        .unwrap_or(Role::TeamLead);
    let automation = cfg.automation_level(&proposal.action.team, &proposal.action.kind);
    let auto = automation == AutomationLevel::Auto
        && cfg.autonomous_actions
        && !cfg.supervisor_mode
        && rules.auto_approve_levels.contains(&proposal.impact)
        && proposal.confidence >= rules.auto_approval_threshold;
    let decision = auto.then(|| {
        json!({
            "rule": "auto_approval",
            "impact": proposal.impact,
            "confidence": proposal.confidence,
            "raw_confidence": proposal.raw_score(),
            "calibration": proposal.calibration,
            "threshold": rules.auto_approval_threshold,
            "allowed_levels": rules.auto_approve_levels,
            "automation": automation,
        })
    });
    Routing {
        role,
        decision,
        automation,
    }
}

/// What a routing comes to: `auto_approved`, `person` (a person decides), `suggested` or
/// `refused` (automation `off`) — what the shadow policy is compared on.
fn outcome_of(r: &Routing) -> &'static str {
    if r.decision.is_some() {
        "auto_approved"
    } else {
        match r.automation {
            AutomationLevel::Off => "refused",
            AutomationLevel::Suggest => "suggested",
            AutomationLevel::Approve | AutomationLevel::Auto => "person",
        }
    }
}

/// The authority a decision is made under.
struct Authority {
    /// The roles the decider holds for the request's team (the audit entry lists them).
    roles: Vec<Role>,
    /// The delegation it is made under, when the decider's own roles fall short.
    delegation: Option<super::Delegation>,
    /// Made by the configured fallback approver because nobody holds a role that could.
    fallback: bool,
}

/// Whether any of `held` is at or above `needed` in the chain.
fn reaches(held: &[Role], needed: Role) -> bool {
    let needed = rank(needed).unwrap_or(u8::MAX);
    held.iter().any(|r| rank(*r).is_some_and(|k| k >= needed))
}

/// What the deadline rule did to one request.
enum DeadlineMove {
    Escalated,
    Expired,
}

/// The governance component of one [`Juno`]: `juno.governance()`.
#[derive(Debug, Clone, Copy)]
pub struct Governance<'a> {
    juno: &'a Juno,
}

fn subject(id: RequestId) -> String {
    format!("request:{id}")
}

fn delegation_subject(id: i64) -> String {
    format!("delegation:{id}")
}

fn delegation_not_found(id: i64) -> Error {
    Error::NotFound {
        entity: "delegation",
        id: id.to_string(),
    }
}

fn not_found(id: RequestId) -> Error {
    Error::NotFound {
        entity: "request",
        id: id.to_string(),
    }
}

impl<'a> Governance<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Governance { juno }
    }

    fn now(&self) -> DateTime<Utc> {
        self.juno.now()
    }

    /// When a request waiting on `role` since `from` escalates or expires: the role's
    /// `approval_rules.deadline_hours`, capped by `APPROVAL_TIMEOUT_HOURS` (which also
    /// applies alone to a role without a deadline of its own). The cap is how an admin
    /// shortens every wait at once to relieve an approval bottleneck.
    fn deadline_for(&self, role: Role, from: DateTime<Utc>) -> i64 {
        let config = self.juno.config();
        let cap = f64::from(config.approval_timeout_hours);
        let hours = config
            .approval_rules
            .deadline_hours
            .get(&role)
            .map_or(cap, |h| h.min(cap));
        ms(from + Duration::milliseconds((hours * 3_600_000.0) as i64))
    }

    /// The end of every decision-like operation: the updated request, or the refusal
    /// (permission or state) recorded in the audit log and returned.
    fn conclude(
        &self,
        outcome: Result<()>,
        actor: &str,
        op: &str,
        id: RequestId,
    ) -> Result<ApprovalRequest> {
        match outcome {
            Ok(()) => self.get(id),
            Err(e)
                if matches!(
                    e.kind(),
                    crate::ErrorKind::PermissionDenied | crate::ErrorKind::InvalidState
                ) =>
            {
                Err(self.refuse(actor, op, id, e))
            }
            Err(e) => Err(e),
        }
    }

    /// Records a refused operation on request `id` in the audit log, then returns the
    /// refusal.
    fn refuse(&self, actor: &str, op: &str, id: RequestId, err: Error) -> Error {
        self.refuse_on(actor, op, &subject(id), err)
    }

    /// Records a refused operation on `subject` in the audit log, then returns the refusal.
    fn refuse_on(&self, actor: &str, op: &str, subject: &str, err: Error) -> Error {
        let payload =
            json!({ "operation": op, "error": err.kind().as_str(), "message": err.to_string() });
        match self.juno.store().audit_append(
            ms(self.now()),
            actor,
            AuditEvent::Refused,
            subject,
            &payload,
        ) {
            Ok(_) => err,
            // The refusal stands either way; a failure to record it is reported instead,
            // because an unrecorded refusal is itself a compliance problem.
            Err(audit_err) => audit_err,
        }
    }

    /// Grants `role` to `user` for each of `teams` (`*` = all teams). Re-granting an active
    /// grant is a no-op. Audited as `role_assigned`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty user or team list.
    pub fn assign_role(&self, user: &str, role: Role, teams: &[&str], by: &str) -> Result<()> {
        crate::model::check_name("user", user)?;
        crate::model::check_name("by", by)?;
        if teams.is_empty() {
            return Err(Error::invalid(
                "teams",
                "give at least one team, or `*` for all",
            ));
        }
        for t in teams {
            crate::model::check_name("teams", t)?;
        }
        let now = ms(self.now());
        self.juno.store().write(|tx| {
            let mut audit = Appender::new(tx)?;
            for team in teams {
                if sql::grant(tx, user, role, team, now, by)? {
                    audit.append(
                        tx,
                        now,
                        by,
                        AuditEvent::RoleAssigned,
                        &format!("user:{user}"),
                        &json!({ "user": user, "role": role, "team": team }),
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Revokes `role` from `user` for `team` (all teams when `None`). Returns the teams
    /// revoked. Audited as `role_revoked`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the user held no such active grant.
    pub fn revoke_role(
        &self,
        user: &str,
        role: Role,
        team: Option<&str>,
        by: &str,
    ) -> Result<Vec<String>> {
        crate::model::check_name("by", by)?;
        let now = ms(self.now());
        let teams = self.juno.store().write(|tx| {
            let teams = sql::revoke(tx, user, role, team, now, by)?;
            let mut audit = Appender::new(tx)?;
            for t in &teams {
                audit.append(
                    tx,
                    now,
                    by,
                    AuditEvent::RoleRevoked,
                    &format!("user:{user}"),
                    &json!({ "user": user, "role": role, "team": t }),
                )?;
            }
            Ok(teams)
        })?;
        if teams.is_empty() {
            return Err(Error::NotFound {
                entity: "role assignment",
                id: format!("{user} {role}"),
            });
        }
        Ok(teams)
    }

    /// Role assignments, optionally of one user, optionally with revoked ones.
    ///
    /// # Errors
    /// Storage errors.
    pub fn roles(&self, user: Option<&str>, include_revoked: bool) -> Result<Vec<RoleAssignment>> {
        self.juno
            .store()
            .read(|c| sql::assignments(c, user, include_revoked))
    }

    /// `delegator` delegates their approval authority for `team` to `delegate` until
    /// `until` (see the module's *Delegation*): `delegate` may then decide that team's
    /// requests that their own roles do not reach, for `delegator`. Audited as
    /// `delegation_granted`. The caller vouches that `delegator` is the one asking, as
    /// [`Governance::approve`] trusts its `approver`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field: an empty name, `team` `*` (a delegation
    /// covers one team), `delegate` the delegator, `until` not in the future or more than
    /// [`MAX_DELEGATION_DAYS`] ahead. [`Error::PermissionDenied`] when `delegator` holds no
    /// approving role for the team or `delegate` holds none (a delegation never widens the
    /// delegate's scope); [`Error::InvalidState`] when the same delegation is already in
    /// force. Permission and state refusals are audited.
    pub fn delegate(
        &self,
        delegator: &str,
        delegate: &str,
        team: &str,
        until: DateTime<Utc>,
    ) -> Result<Delegation> {
        crate::model::check_name("delegator", delegator)?;
        crate::model::check_name("delegate", delegate)?;
        crate::model::check_name("team", team)?;
        if team == "*" {
            return Err(Error::invalid(
                "team",
                "a delegation covers one team; name it",
            ));
        }
        if delegate == delegator {
            return Err(Error::invalid(
                "delegate",
                "delegate to someone else than the delegator",
            ));
        }
        let now = self.now();
        if until <= now {
            return Err(Error::invalid("until", "must be in the future"));
        }
        if until > now + Duration::days(MAX_DELEGATION_DAYS) {
            return Err(Error::invalid(
                "until",
                format!(
                    "at most {MAX_DELEGATION_DAYS} days ahead; a standing delegation is a role grant"
                ),
            ));
        }
        let now_ms = ms(now);
        let outcome = self.juno.store().write(|tx| {
            let eligible = |user: &str| -> Result<bool> {
                Ok(crate::store::governance::roles_for(tx, user, team)?
                    .iter()
                    .any(|r| rank(*r).is_some()))
            };
            if !eligible(delegator)? {
                return Err(Error::PermissionDenied {
                    reason: format!(
                        "`{delegator}` holds no approving role for team `{team}` to delegate"
                    ),
                });
            }
            if !eligible(delegate)? {
                return Err(Error::PermissionDenied {
                    reason: format!(
                        "`{delegate}` holds no approving role for team `{team}`, and a \
                         delegation never widens the delegate's scope"
                    ),
                });
            }
            if let Some(d) = sql::delegations(tx, Some(delegator), Some(team), Some(now_ms))?
                .into_iter()
                .find(|d| d.delegator == delegator && d.delegate == delegate)
            {
                return Err(Error::InvalidState {
                    reason: format!(
                        "delegation {} from `{delegator}` to `{delegate}` for `{team}` is in \
                         force until {}; revoke it first",
                        d.id,
                        d.until.to_rfc3339()
                    ),
                });
            }
            let until_ms = ms(until);
            let id = sql::insert_delegation(tx, delegator, delegate, team, now_ms, until_ms)?;
            Appender::new(tx)?.append(
                tx,
                now_ms,
                delegator,
                AuditEvent::DelegationGranted,
                &delegation_subject(id),
                &json!({
                    "delegation": id, "delegator": delegator, "delegate": delegate,
                    "team": team, "until": until_ms,
                }),
            )?;
            sql::get_delegation(tx, id)?.ok_or_else(|| delegation_not_found(id))
        });
        outcome.map_err(|e| {
            self.refuse_delegation(delegator, "delegate", &format!("user:{delegator}"), e)
        })
    }

    /// Revokes delegation `id` before it runs out; `by` must be its delegator or hold
    /// ADMIN (for its team or `*`). Audited as `delegation_revoked`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::PermissionDenied`] for anyone else;
    /// [`Error::InvalidState`] when it was already revoked or has run out. Permission and
    /// state refusals are audited.
    pub fn revoke_delegation(&self, id: i64, by: &str) -> Result<Delegation> {
        crate::model::check_name("by", by)?;
        let now_ms = ms(self.now());
        let outcome = self.juno.store().write(|tx| {
            let d = sql::get_delegation(tx, id)?.ok_or_else(|| delegation_not_found(id))?;
            let admin = || -> Result<bool> {
                Ok(crate::store::governance::roles_for(tx, by, &d.team)?.contains(&Role::Admin))
            };
            if d.delegator != by && !admin()? {
                return Err(Error::PermissionDenied {
                    reason: format!(
                        "only `{}` or an ADMIN can revoke delegation {id}",
                        d.delegator
                    ),
                });
            }
            if !sql::revoke_delegation(tx, id, now_ms, by)? {
                return Err(Error::InvalidState {
                    reason: format!("delegation {id} is no longer in force"),
                });
            }
            Appender::new(tx)?.append(
                tx,
                now_ms,
                by,
                AuditEvent::DelegationRevoked,
                &delegation_subject(id),
                &json!({
                    "delegation": id, "delegator": d.delegator, "delegate": d.delegate,
                    "team": d.team,
                }),
            )?;
            sql::get_delegation(tx, id)?.ok_or_else(|| delegation_not_found(id))
        });
        outcome.map_err(|e| {
            self.refuse_delegation(by, "revoke_delegation", &delegation_subject(id), e)
        })
    }

    /// Delegations, oldest first: those naming `user` (as delegator or delegate) when
    /// given; only those in force now unless `include_inactive`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn delegations(
        &self,
        user: Option<&str>,
        include_inactive: bool,
    ) -> Result<Vec<Delegation>> {
        let now = (!include_inactive).then(|| ms(self.now()));
        self.juno
            .store()
            .read(|c| sql::delegations(c, user, None, now))
    }

    /// Audits a permission or state refusal of a delegation operation; returns the error.
    fn refuse_delegation(&self, actor: &str, op: &str, subject: &str, e: Error) -> Error {
        if matches!(
            e.kind(),
            crate::ErrorKind::PermissionDenied | crate::ErrorKind::InvalidState
        ) {
            self.refuse_on(actor, op, subject, e)
        } else {
            e
        }
    }

    /// Submits a request: auto-approved when policy allows, else queued for the role that
    /// the impact level routes to, with that role's deadline.
    ///
    /// Auto-approval needs all of: `AUTONOMOUS_ACTIONS` on, `SUPERVISOR_MODE` off, the impact
    /// level among `auto_approve_levels`, and confidence ≥ `auto_approval_threshold`. The
    /// decision records the rule and the numbers.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad request.
    pub fn submit(&self, request: Proposal) -> Result<ApprovalRequest> {
        let ids = self.submit_many(vec![request])?;
        self.get(ids.first().copied().unwrap_or_default())
    }

    /// How policy routes `proposal`, without submitting it: auto-approved (with the rule
    /// and the numbers) when its team and kind are at automation level `auto`,
    /// `AUTONOMOUS_ACTIONS` is on, `SUPERVISOR_MODE` off, its impact level among
    /// `auto_approve_levels` and its confidence at least `auto_approval_threshold`;
    /// otherwise queued for the role its impact routes to (or, at level `suggest`, only
    /// recorded; at `off`, refused). What [`Governance::submit`] applies, and what a dry
    /// run shows.
    ///
    /// The decision records `confidence` (what was compared), `raw_confidence` (the score
    /// before calibration) and `calibration`: the map applied (`kind`, `version`,
    /// `outcomes`), or `null` when the confidence is the raw score.
    pub fn route(&self, proposal: &Proposal) -> Routing {
        route_with(self.juno.config(), proposal)
    }

    /// Submits many requests in one transaction (all or nothing). Returns their ids.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad item; [`Error::PermissionDenied`] for
    /// one whose team and kind are at automation level `off` (naming it).
    pub fn submit_many(&self, requests: Vec<Proposal>) -> Result<Vec<RequestId>> {
        let config = self.juno.config();
        for (i, r) in requests.iter().enumerate() {
            // A single request (from `submit`) names its field plainly.
            r.validate()
                .map_err(|e| if requests.len() > 1 { e.in_item(i) } else { e })?;
            if config.automation_level(&r.action.team, &r.action.kind) == AutomationLevel::Off {
                let item = if requests.len() > 1 {
                    format!("items[{i}]: ")
                } else {
                    String::new()
                };
                return Err(Error::PermissionDenied {
                    reason: format!(
                        "{item}automation is `off` for `{}` actions of team `{}`: JUNO proposes \
                         nothing there",
                        r.action.kind, r.action.team
                    ),
                });
            }
        }
        let now = self.now();
        let now_ms = ms(now);
        let shadow = config.shadow_config();
        self.juno.store().write(|tx| {
            let mut audit = Appender::new(tx)?;
            let mut ids = Vec::with_capacity(requests.len());
            for r in &requests {
                let digest = r.action.digest();
                let routing = self.route(r);
                // Log-only: what the shadow policy would have done, beside what is done.
                let shadow = shadow.as_ref().map(|c| {
                    let live = outcome_of(&routing);
                    let would = outcome_of(&route_with(c, r));
                    json!({ "outcome": would, "live": live, "differs": would != live })
                });
                let Routing {
                    role,
                    decision,
                    automation,
                } = routing;
                let (status, deadline, decision) = if let Some(d) = decision {
                    (RequestStatus::AutoApproved, None, Some(d))
                } else if automation == AutomationLevel::Suggest {
                    (RequestStatus::Suggested, None, None)
                } else {
                    (
                        RequestStatus::Pending,
                        Some(self.deadline_for(role, now)),
                        None,
                    )
                };
                let id = sql::insert_request(
                    tx,
                    &r.action,
                    &digest,
                    r.impact,
                    r.confidence,
                    r.raw_score(),
                    r.calibration.as_ref(),
                    &r.explanation,
                    &r.requester,
                    status,
                    role,
                    deadline,
                    now_ms,
                    decision.as_ref(),
                )?;
                audit.append(
                    tx,
                    now_ms,
                    &r.requester,
                    AuditEvent::RequestSubmitted,
                    &subject(id),
                    &json!({
                        "action_digest": digest, "action": r.action, "impact": r.impact,
                        "confidence": r.confidence, "raw_confidence": r.raw_score(),
                        "calibration": r.calibration, "role": role, "deadline": deadline,
                        "automation": automation, "shadow": shadow,
                    }),
                )?;
                if let Some(d) = &decision {
                    audit.append(
                        tx,
                        now_ms,
                        "juno",
                        AuditEvent::RequestAutoApproved,
                        &subject(id),
                        &json!({ "action_digest": digest, "decision": d }),
                    )?;
                }
                ids.push(id);
            }
            Ok(ids)
        })
    }

    /// What the `[shadow]` policy would have decided differently from the live one, over
    /// every stored request (those from before it was configured as much as those
    /// submitted beside it), compared on the outcome of routing: `auto_approved`,
    /// `person`, `suggested` or `refused`. Each change carries what the people decided
    /// when one did, so the report shows the cost of a looser policy (auto-approving what
    /// a person rejected) and the load of a stricter one.
    ///
    /// # Errors
    /// [`Error::InvalidState`] without a `[shadow]` section; storage errors.
    pub fn shadow_report(&self) -> Result<super::ShadowReport> {
        let config = self.juno.config();
        let (Some(policy), Some(shadow)) = (config.shadow.clone(), config.shadow_config()) else {
            return Err(Error::InvalidState {
                reason: "no shadow policy: add a [shadow] section to the config file".into(),
            });
        };
        let requests = self.juno.store().read(sql::all_requests)?;
        let mut report = super::ShadowReport {
            generated_at: self.now(),
            policy,
            requests: requests.len() as u64,
            changed: Vec::new(),
            auto_approve_rejected: 0,
            auto_approve_approved: 0,
            sent_to_person: 0,
        };
        for r in &requests {
            let live = match r.status {
                RequestStatus::Suggested => "suggested",
                _ if r.decision.is_some() => "auto_approved",
                _ => "person",
            };
            let proposal = Proposal {
                action: r.action.clone(),
                impact: r.impact,
                confidence: r.confidence,
                explanation: String::new(),
                requester: r.requester.clone().into(),
                raw_confidence: Some(r.raw_confidence),
                calibration: r.calibration.clone(),
            };
            let would = outcome_of(&route_with(&shadow, &proposal));
            if would == live {
                continue;
            }
            let by_person = r.decided_by.as_deref().is_some_and(|d| d != "juno");
            let person = match r.status {
                RequestStatus::Rejected if by_person => Some("rejected"),
                RequestStatus::Approved
                | RequestStatus::Executing
                | RequestStatus::Executed
                | RequestStatus::ExecutionFailed
                    if by_person && r.decision.is_none() =>
                {
                    Some("approved")
                }
                _ => None,
            };
            match (would, person) {
                ("auto_approved", Some("rejected")) => report.auto_approve_rejected += 1,
                ("auto_approved", Some(_)) => report.auto_approve_approved += 1,
                _ => {}
            }
            if live == "auto_approved" && would == "person" {
                report.sent_to_person += 1;
            }
            report.changed.push(super::ShadowChange {
                request: r.id,
                team: r.action.team.as_str().to_owned(),
                kind: r.action.kind.clone(),
                impact: r.impact,
                confidence: r.confidence,
                live: live.to_owned(),
                shadow: would.to_owned(),
                person: person.map(str::to_owned),
            });
        }
        Ok(report)
    }

    /// One request.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn get(&self, id: RequestId) -> Result<ApprovalRequest> {
        self.juno
            .store()
            .read(|c| sql::get_request(c, id))?
            .ok_or_else(|| not_found(id))
    }

    /// Pending requests, optionally for one role's queue and/or one team, oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn pending(&self, role: Option<Role>, team: Option<&str>) -> Result<Vec<ApprovalRequest>> {
        self.juno.store().read(|c| sql::pending(c, role, team))
    }

    /// One page of pending requests, oldest first, with how many match in all: optionally
    /// of one role's queue and/or only `teams` (a host showing one person's queue passes
    /// the teams their roles cover). For a queue too long to hand over whole.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `limit` outside 1 to [`MAX_PAGE`]; storage errors.
    pub fn pending_page(
        &self,
        role: Option<Role>,
        teams: Option<&[String]>,
        offset: usize,
        limit: usize,
    ) -> Result<super::PendingPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(Error::invalid(
                "limit",
                format!("must be 1 to {MAX_PAGE}, got {limit}"),
            ));
        }
        let teams_json = teams.map(|t| serde_json::Value::from(t.to_vec()).to_string());
        let (total, requests) = self
            .juno
            .store()
            .read(|c| sql::pending_page(c, role, teams_json.as_deref(), offset, limit))?;
        Ok(super::PendingPage { total, requests })
    }

    /// Checks that `user` may decide request `req` now, needing `needed` or above; the
    /// error says why not. Their own roles come first; when those fall short and
    /// `borrowed` authority is acceptable, a delegation in force from someone whose own
    /// roles reach `needed` (and who did not make the request), then the fallback
    /// approver's standing when nobody holds a role that could decide it.
    fn authorise(
        &self,
        conn: &rusqlite::Connection,
        req: &ApprovalRequest,
        needed: Role,
        user: &str,
        now: DateTime<Utc>,
        borrowed: bool,
    ) -> Result<Authority> {
        if req.status != RequestStatus::Pending {
            return Err(Error::InvalidState {
                reason: format!("request {} is {}, not pending", req.id, req.status),
            });
        }
        if req.deadline.is_some_and(|d| now >= d) {
            return Err(Error::InvalidState {
                reason: format!("request {}'s deadline for {} has passed", req.id, req.role),
            });
        }
        if user == req.requester {
            return Err(Error::PermissionDenied {
                reason: format!(
                    "`{user}` requested {} and cannot decide it",
                    subject(req.id)
                ),
            });
        }
        let team = req.action.team.as_str();
        let held = crate::store::governance::roles_for(conn, user, team)?;
        if reaches(&held, needed) {
            return Ok(Authority {
                roles: held,
                delegation: None,
                fallback: false,
            });
        }
        if !borrowed {
            return Err(Error::PermissionDenied {
                reason: format!("`{user}` holds no role at or above {needed} for team `{team}`"),
            });
        }
        // A delegate acts only inside their own scope: they must hold an approving role
        // for the team themselves.
        if held.iter().any(|r| rank(*r).is_some()) {
            for d in sql::delegations(conn, Some(user), Some(team), Some(ms(now)))? {
                if d.delegate != user || d.delegator == req.requester {
                    continue;
                }
                // The delegator's own roles only: what they hold by delegation is not
                // theirs to pass on.
                if reaches(
                    &crate::store::governance::roles_for(conn, &d.delegator, team)?,
                    needed,
                ) {
                    return Ok(Authority {
                        roles: held,
                        delegation: Some(d),
                        fallback: false,
                    });
                }
            }
        }
        let config = self.juno.config();
        if config.approval_rules.fallback_approver.as_deref() == Some(user)
            && sql::eligible_approvers(conn, team, needed, &[req.requester.as_str()])?.is_empty()
        {
            return Ok(Authority {
                roles: held,
                delegation: None,
                fallback: true,
            });
        }
        Err(Error::PermissionDenied {
            reason: format!(
                "`{user}` holds no role at or above {needed} for team `{team}`, nor a \
                 delegation from someone who does"
            ),
        })
    }

    /// Refuses an approval made for another digest than the request's action.
    fn check_digest(req: &ApprovalRequest, digest: &str) -> Result<()> {
        if digest == req.digest {
            return Ok(());
        }
        Err(Error::PermissionDenied {
            reason: format!(
                "the approval is for action digest {digest}, but {} proposes {}",
                subject(req.id),
                req.digest
            ),
        })
    }

    /// Decides a pending request (approve or reject) after every check, in one transaction
    /// with its audit entry; a refusal is audited separately.
    fn decide(
        &self,
        id: RequestId,
        user: &str,
        approve: bool,
        digest: Option<&str>,
        reason: Option<&str>,
    ) -> Result<ApprovalRequest> {
        let op = if approve { "approve" } else { "reject" };
        let now = self.now();
        let outcome = self.juno.store().write(|tx| {
            let mut audit = Appender::new(tx)?;
            self.decide_in(tx, &mut audit, id, user, approve, digest, reason, now)
        });
        match outcome {
            Ok(req) => Ok(req),
            Err(e) => self.conclude(Err(e), user, op, id),
        }
    }

    /// The checks and the transition of [`Governance::decide`], inside the caller's
    /// transaction (one decision, or one of a batch). Returns the request as decided:
    /// the row read before the transition with the transition's changes applied, which is
    /// what the row now holds (a batch would otherwise read every request twice).
    #[allow(clippy::too_many_arguments)]
    fn decide_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        id: RequestId,
        user: &str,
        approve: bool,
        digest: Option<&str>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ApprovalRequest> {
        let now_ms = ms(now);
        let mut req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
        let authority = self.authorise(tx, &req, req.role, user, now, true)?;
        let roles = &authority.roles;
        let for_whom = authority.delegation.as_ref().map(|d| d.delegator.as_str());
        let delegation = authority.delegation.as_ref().map(|d| d.id);
        if let Some(d) = digest {
            Self::check_digest(&req, d)?;
        }
        let quorum = self.juno.config().approval_rules.quorum_for(req.impact);
        let mut votes = 1;
        // The fallback approver decides alone: nobody else could vote.
        if !authority.fallback && (quorum.approvals > 1 || quorum.rejections > 1) {
            let vote = if approve { "approve" } else { "reject" };
            // One person, one vote: a delegate's vote is the delegator's, so neither may
            // vote again.
            let people: Vec<&str> = std::iter::once(user).chain(for_whom).collect();
            if let Some(who) = sql::voted(tx, id, &people)? {
                return Err(Error::PermissionDenied {
                    reason: format!("`{who}` has already voted on {}", subject(id)),
                });
            }
            if !sql::insert_vote(tx, id, user, for_whom, req.role, vote, now_ms)? {
                return Err(Error::PermissionDenied {
                    reason: format!("`{user}` has already voted on {}", subject(id)),
                });
            }
            votes = sql::count_votes(tx, id, req.role, vote)?;
            let needed = if approve {
                quorum.approvals
            } else {
                quorum.rejections
            };
            if votes < needed {
                audit.append(
                    tx,
                    now_ms,
                    user,
                    AuditEvent::RequestVoted,
                    &subject(id),
                    &json!({
                        "action_digest": req.digest, "role": req.role, "vote": vote,
                        "votes": votes, "needed": needed, "approver_roles": roles,
                        "reason": reason, "on_behalf_of": for_whom, "delegation": delegation,
                    }),
                )?;
                return Ok(req);
            }
        }
        let to = if approve {
            RequestStatus::Approved
        } else {
            RequestStatus::Rejected
        };
        let t = Transition {
            deadline: Some(None),
            decided_by: Some(user),
            on_behalf_of: for_whom,
            reason,
            ..Transition::default()
        };
        if !sql::transition(tx, id, &[RequestStatus::Pending], to, now_ms, &t)? {
            return Err(Error::InvalidState {
                reason: format!("request {id} changed while it was being decided"),
            });
        }
        audit.append(
            tx,
            now_ms,
            user,
            if approve { AuditEvent::RequestApproved } else { AuditEvent::RequestRejected },
            &subject(id),
            &json!({
                "action_digest": req.digest, "role": req.role, "approver_roles": roles,
                "reason": reason, "seconds_since_submission": (now - req.created_at).num_milliseconds() as f64 / 1000.0,
                "votes": votes, "on_behalf_of": for_whom, "delegation": delegation,
                "fallback": authority.fallback,
            }),
        )?;
        // What the UPDATE above wrote (`sql::transition` with `t`), at the stored precision.
        let at = crate::store::from_ms(now_ms);
        req.status = to;
        req.updated_at = at;
        req.deadline = None;
        req.decided_by = Some(user.to_owned());
        req.decided_at = Some(at);
        req.on_behalf_of = for_whom.map(str::to_owned);
        if let Some(r) = reason {
            req.reason = Some(r.to_owned());
        }
        Ok(req)
    }

    /// The votes cast on request `id`, oldest first (empty unless its impact level has a
    /// quorum above one).
    ///
    /// # Errors
    /// [`Error::NotFound`]; storage errors.
    pub fn votes(&self, id: RequestId) -> Result<Vec<super::Vote>> {
        self.juno.store().read(|c| {
            sql::get_request(c, id)?.ok_or_else(|| not_found(id))?;
            sql::votes(c, id)
        })
    }

    /// Approves request `id`'s action, identified by its digest: the approval authorises
    /// exactly that digest.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] (no qualifying role for the team, own request, wrong
    /// digest), [`Error::InvalidState`] (not pending, deadline passed), [`Error::NotFound`].
    /// Every refusal is audited.
    pub fn approve(&self, id: RequestId, approver: &str, digest: &str) -> Result<ApprovalRequest> {
        // Through the group commit: concurrent approvals share a transaction and a sync.
        self.approve_grouped(ApprovalItem {
            id,
            approver: approver.to_owned(),
            digest: digest.to_owned(),
        })
    }

    /// **Break-glass**: an ENGINEERING_MANAGER or DIRECTOR for the request's team approves
    /// it outside the chain — at any role, without waiting for a quorum — with a mandatory
    /// reason. The approval binds the digest as any other. Its `request_approved` entry is
    /// marked `"break_glass": true` and lists the skipped approvers (everyone else who could
    /// have decided it at its current role), who are the ones to notify; the compliance
    /// report lists every use (`break_glass`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`reason`) for an empty reason; [`Error::PermissionDenied`]
    /// (no ENGINEERING_MANAGER or DIRECTOR role for the team, own request, another digest);
    /// [`Error::InvalidState`] (not pending, deadline passed); [`Error::NotFound`]. Every
    /// refusal but the empty reason is audited.
    pub fn break_glass(
        &self,
        id: RequestId,
        user: &str,
        digest: &str,
        reason: &str,
    ) -> Result<ApprovalRequest> {
        if reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason",
                "break-glass needs a reason: it is what the skipped approvers and auditors read",
            ));
        }
        let now = self.now();
        let now_ms = ms(now);
        let outcome = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            // The ordinary checks (pending, in time, not one's own), with
            // ENGINEERING_MANAGER as the role needed whatever role the request waits for.
            // Break-glass is the user's own authority: a delegation does not reach it.
            let roles = self
                .authorise(tx, &req, Role::EngineeringManager, user, now, false)?
                .roles;
            Self::check_digest(&req, digest)?;
            let skipped =
                sql::eligible_approvers(tx, &req.action.team, req.role, &[user, &req.requester])?;
            let t = Transition {
                deadline: Some(None),
                decided_by: Some(user),
                reason: Some(reason),
                ..Transition::default()
            };
            if !sql::transition(
                tx,
                id,
                &[RequestStatus::Pending],
                RequestStatus::Approved,
                now_ms,
                &t,
            )? {
                return Err(Error::InvalidState {
                    reason: format!("request {id} changed while it was being decided"),
                });
            }
            Appender::new(tx)?.append(
                tx,
                now_ms,
                user,
                AuditEvent::RequestApproved,
                &subject(id),
                &json!({
                    "action_digest": req.digest, "role": req.role, "approver_roles": roles,
                    "reason": reason, "break_glass": true, "skipped_approvers": skipped,
                    "seconds_since_submission": (now - req.created_at).num_milliseconds() as f64 / 1000.0,
                }),
            )?;
            Ok(())
        });
        self.conclude(outcome, user, "break_glass", id)
    }

    /// Rejects request `id`, with a reason that teaches team preferences.
    ///
    /// # Errors
    /// As [`Governance::approve`], without the digest check.
    pub fn reject(&self, id: RequestId, user: &str, reason: &str) -> Result<ApprovalRequest> {
        self.decide(id, user, false, None, Some(reason))
    }

    /// Moves a pending request to the next role now (by someone entitled to decide it).
    ///
    /// # Errors
    /// As [`Governance::reject`]; [`Error::InvalidState`] at the top of the chain.
    pub fn escalate(&self, id: RequestId, user: &str, reason: &str) -> Result<ApprovalRequest> {
        let now = self.now();
        let outcome = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            self.authorise(tx, &req, req.role, user, now, true)?;
            let Some(next) = next_role(req.role) else {
                return Err(Error::InvalidState {
                    reason: format!(
                        "request {id} is already with {}, the top of the chain",
                        req.role
                    ),
                });
            };
            self.escalate_in(
                tx,
                &mut Appender::new(tx)?,
                id,
                &req.digest,
                req.role,
                next,
                user,
                Some(reason),
                now,
            )
        });
        self.conclude(outcome, user, "escalate", id)
    }

    #[allow(clippy::too_many_arguments)]
    fn escalate_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        id: RequestId,
        digest: &str,
        from: Role,
        to: Role,
        actor: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now_ms = ms(now);
        let deadline = self.deadline_for(to, now);
        let t = Transition {
            role: Some(to),
            escalate: true,
            deadline: Some(Some(deadline)),
            ..Transition::default()
        };
        if !sql::transition(
            tx,
            id,
            &[RequestStatus::Pending],
            RequestStatus::Pending,
            now_ms,
            &t,
        )? {
            return Err(Error::InvalidState {
                reason: format!("request {id} changed while it was being escalated"),
            });
        }
        audit.append(
            tx,
            now_ms,
            actor,
            AuditEvent::RequestEscalated,
            &subject(id),
            &json!({ "action_digest": digest, "from": from, "to": to, "deadline": deadline, "reason": reason }),
        )?;
        Ok(())
    }

    /// Withdraws a pending request; only its requester may.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] for anyone else, [`Error::InvalidState`] if not pending.
    pub fn cancel(&self, id: RequestId, user: &str) -> Result<ApprovalRequest> {
        let now_ms = ms(self.now());
        let outcome = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            if req.requester != user {
                return Err(Error::PermissionDenied {
                    reason: format!("only `{}` can cancel {}", req.requester, subject(id)),
                });
            }
            let t = Transition {
                deadline: Some(None),
                decided_by: Some(user),
                ..Transition::default()
            };
            if !sql::transition(
                tx,
                id,
                &[RequestStatus::Pending],
                RequestStatus::Cancelled,
                now_ms,
                &t,
            )? {
                return Err(Error::InvalidState {
                    reason: format!("request {id} is {}, not pending", req.status),
                });
            }
            Appender::new(tx)?.append(
                tx,
                now_ms,
                user,
                AuditEvent::RequestCancelled,
                &subject(id),
                &json!({ "action_digest": req.digest }),
            )?;
            Ok(())
        });
        self.conclude(outcome, user, "cancel", id)
    }

    /// Moves every pending request whose deadline has passed: to the next role (with
    /// `AUTO_ESCALATION`) or to `expired` (at the top of the chain, or without
    /// auto-escalation). Idempotent, and safe to run from several processes at once: each
    /// move is guarded by the request's current state.
    ///
    /// # Errors
    /// Storage errors.
    pub fn process_deadlines(&self) -> Result<DeadlineReport> {
        self.process_deadlines_at(self.now())
    }

    /// [`Governance::process_deadlines`] as of `now`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn process_deadlines_at(&self, now: DateTime<Utc>) -> Result<DeadlineReport> {
        let now_ms = ms(now);
        self.juno.store().write(|tx| {
            let mut report = DeadlineReport::default();
            let mut audit = Appender::new(tx)?;
            for (id, role, digest) in sql::due(tx, now_ms)? {
                // Inside this write transaction nothing else moves the due requests, so
                // every guarded transition applies.
                match self.apply_deadline(tx, &mut audit, id, &digest, role, "juno", now)? {
                    DeadlineMove::Escalated => report.escalated.push(id),
                    DeadlineMove::Expired => report.expired.push(id),
                }
            }
            report.reminded = self.remind_in(tx, &mut audit, now)?;
            report.lapsed = self.lapse_all_in(tx, &mut audit, now)?;
            Ok(report)
        })
    }

    /// Sends the reminders due at `now` (see the module's *Reminders*): one per request per
    /// sweep, however many of its configured times have passed since the last, so a late
    /// sweep never sends a burst.
    fn remind_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        now: DateTime<Utc>,
    ) -> Result<Vec<super::Reminder>> {
        let config = self.juno.config();
        let rules = &config.approval_rules;
        let leads: Vec<i64> = rules
            .reminder_hours_before
            .iter()
            .map(|h| (h * 3_600_000.0) as i64)
            .collect();
        let Some(&longest) = leads.iter().max() else {
            return Ok(Vec::new());
        };
        let now_ms = ms(now);
        let of = u32::try_from(leads.len()).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        for (id, deadline_ms, sent) in sql::nearing_deadline(tx, now_ms, now_ms + longest)? {
            let due = u32::try_from(leads.iter().filter(|l| now_ms >= deadline_ms - **l).count())
                .unwrap_or(u32::MAX);
            if due <= sent {
                continue;
            }
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            let mut recipients =
                sql::eligible_approvers(tx, &req.action.team, req.role, &[req.requester.as_str()])?;
            if recipients.is_empty()
                && let Some(fb) = rules
                    .fallback_approver
                    .as_ref()
                    .filter(|f| **f != req.requester)
            {
                recipients.push(fb.clone());
            }
            sql::set_reminders(tx, id, due)?;
            let reminder = super::Reminder {
                request: id,
                role: req.role,
                deadline: crate::store::from_ms(deadline_ms),
                recipients,
                number: due,
                of,
            };
            audit.append(
                tx,
                now_ms,
                "juno",
                AuditEvent::RequestReminded,
                &subject(id),
                &json!({
                    "action_digest": req.digest, "role": req.role, "deadline": deadline_ms,
                    "recipients": reminder.recipients, "number": reminder.number, "of": of,
                }),
            )?;
            out.push(reminder);
        }
        Ok(out)
    }

    /// Applies the deadline rule to one request now (what [`Governance::process_deadlines`]
    /// does for every due request): escalate with `AUTO_ESCALATION`, else expire; expire at
    /// the top of the chain. For a host that handles one overdue request at a time.
    ///
    /// # Errors
    /// [`Error::InvalidState`] when the request is no longer pending or its deadline has not
    /// passed — audited, like every refusal.
    pub fn process_deadline(&self, id: RequestId, by: &str) -> Result<ApprovalRequest> {
        let now = self.now();
        let outcome = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            if req.status != RequestStatus::Pending {
                return Err(Error::InvalidState {
                    reason: format!("request {id} is {}, not pending", req.status),
                });
            }
            if req.deadline.is_none_or(|d| d > now) {
                return Err(Error::InvalidState {
                    reason: format!("request {id}'s deadline has not passed"),
                });
            }
            self.apply_deadline(
                tx,
                &mut Appender::new(tx)?,
                id,
                &req.digest,
                req.role,
                by,
                now,
            )?;
            Ok(())
        });
        self.conclude(outcome, by, "process_deadline", id)
    }

    /// The deadline rule for one due, pending request: the next role with
    /// `AUTO_ESCALATION` and a role above, else `expired`.
    #[allow(clippy::too_many_arguments)]
    fn apply_deadline(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        id: RequestId,
        digest: &str,
        role: Role,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<DeadlineMove> {
        if let Some(next) = next_role(role).filter(|_| self.juno.config().auto_escalation) {
            self.escalate_in(
                tx,
                audit,
                id,
                digest,
                role,
                next,
                by,
                Some("deadline passed"),
                now,
            )?;
            return Ok(DeadlineMove::Escalated);
        }
        let now_ms = ms(now);
        let t = Transition {
            deadline: Some(None),
            decided_by: Some(by),
            reason: Some("deadline passed"),
            ..Transition::default()
        };
        if !sql::transition(
            tx,
            id,
            &[RequestStatus::Pending],
            RequestStatus::Expired,
            now_ms,
            &t,
        )? {
            return Err(Error::InvalidState {
                reason: format!("request {id} changed while its deadline was processed"),
            });
        }
        audit.append(
            tx,
            now_ms,
            by,
            AuditEvent::RequestExpired,
            &subject(id),
            &json!({ "action_digest": digest, "role": role }),
        )?;
        Ok(DeadlineMove::Expired)
    }

    /// Expires every approval whose execution window has passed (what
    /// [`Governance::process_deadlines`] does for approvals), for the agent cycle's act
    /// stage, which must not spend its write budget on them.
    pub(crate) fn lapse_approvals(&self) -> Result<Vec<RequestId>> {
        let now = self.now();
        // Most cycles find nothing to lapse: a read says so without taking the write lock
        // and paying a synced commit.
        let cutoff = ms(now - self.window());
        if self
            .juno
            .store()
            .read(|c| sql::lapsed(c, cutoff))?
            .is_empty()
        {
            return Ok(Vec::new());
        }
        self.juno.store().write(|tx| {
            let mut audit = Appender::new(tx)?;
            self.lapse_all_in(tx, &mut audit, now)
        })
    }

    fn lapse_all_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        now: DateTime<Utc>,
    ) -> Result<Vec<RequestId>> {
        let mut lapsed = Vec::new();
        for (id, digest, decided_at) in sql::lapsed(tx, ms(now - self.window()))? {
            self.lapse_in(tx, audit, id, &digest, decided_at, now)?;
            lapsed.push(id);
        }
        Ok(lapsed)
    }

    /// How long an approval stays good (`EXECUTION_WINDOW_HOURS`).
    pub(crate) fn window(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.juno.config().execution_window_hours))
    }

    /// Expires an approved request whose execution window has passed, with its audit entry.
    fn lapse_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        audit: &mut Appender,
        id: RequestId,
        digest: &str,
        decided_at_ms: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now_ms = ms(now);
        let t = Transition {
            reason: Some(super::LAPSED_REASON),
            ..Transition::default()
        };
        let approved = [RequestStatus::Approved, RequestStatus::AutoApproved];
        if !sql::transition(tx, id, &approved, RequestStatus::Expired, now_ms, &t)? {
            return Err(Error::InvalidState {
                reason: format!("request {id} changed while its approval lapsed"),
            });
        }
        audit.append(
            tx,
            now_ms,
            "juno",
            AuditEvent::RequestApprovalLapsed,
            &subject(id),
            &json!({
                "action_digest": digest,
                "approved_at": crate::store::from_ms(decided_at_ms).to_rfc3339(),
                "execution_window_hours": self.juno.config().execution_window_hours,
            }),
        )?;
        Ok(())
    }

    /// Executes request `id`'s action exactly once, if and only if it was approved (by a
    /// human or policy) for the digest of exactly `action`.
    ///
    /// The request is first claimed (`executing`) in its own transaction, so a second
    /// caller — another thread or process — gets [`Error::InvalidState`]; then `executor`
    /// runs; then the outcome (`executed` or `execution_failed`) is recorded.
    ///
    /// An approval older than `EXECUTION_WINDOW_HOURS` lapses here instead: the request
    /// expires (audited) and the call is refused.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] when `action` is not the approved action,
    /// [`Error::InvalidState`] when the request is not approved, already claimed, or its
    /// approval lapsed.
    pub fn execute(
        &self,
        id: RequestId,
        action: &Action,
        executor: &mut dyn Executor,
    ) -> Result<ApprovalRequest> {
        let actor = "juno";
        let now = self.now();
        let now_ms = ms(now);
        let digest = action.digest();
        let window = self.window();
        let claim = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            let approved = [RequestStatus::Approved, RequestStatus::AutoApproved];
            if let Some(decided_at) = req.decided_at.filter(|_| approved.contains(&req.status)) {
                if now - decided_at >= window {
                    // Committed with this transaction; the caller is refused below.
                    let mut audit = Appender::new(tx)?;
                    self.lapse_in(tx, &mut audit, id, &req.digest, ms(decided_at), now)?;
                    return Ok(Claim::Lapsed(decided_at));
                }
            }
            if digest != req.digest {
                return Err(Error::PermissionDenied {
                    reason: format!(
                        "{} was approved for action digest {}, not {digest}",
                        subject(id),
                        req.digest
                    ),
                });
            }
            if !sql::transition(
                tx,
                id,
                &approved,
                RequestStatus::Executing,
                now_ms,
                &Transition::default(),
            )? {
                return Err(Error::InvalidState {
                    reason: format!("request {id} is {}, not approved", req.status),
                });
            }
            Appender::new(tx)?.append(
                tx,
                now_ms,
                actor,
                AuditEvent::RequestExecuting,
                &subject(id),
                &json!({ "action_digest": digest }),
            )?;
            Ok(Claim::Ready(
                req.decided_by.unwrap_or_else(|| actor.to_owned()),
            ))
        });
        let approved_by = match claim {
            Ok(Claim::Ready(by)) => by,
            Ok(Claim::Lapsed(decided_at)) => {
                let e = Error::InvalidState {
                    reason: format!(
                        "request {id} was approved at {} and not executed within the {}-hour \
                         execution window: the approval lapsed and the request expired; propose \
                         and approve it again",
                        decided_at.to_rfc3339(),
                        window.num_hours()
                    ),
                };
                return Err(self.refuse(actor, "execute", id, e));
            }
            Err(e) => {
                return Err(match e.kind() {
                    crate::ErrorKind::PermissionDenied | crate::ErrorKind::InvalidState => {
                        self.refuse(actor, "execute", id, e)
                    }
                    _ => e,
                });
            }
        };
        let result = executor.execute_approved(&Approval {
            request_id: id,
            action,
            digest: &digest,
            approved_by: &approved_by,
        });
        let done_ms = ms(self.now());
        let (to, event, value) = match &result {
            Ok(v) => (
                RequestStatus::Executed,
                AuditEvent::RequestExecuted,
                v.clone(),
            ),
            Err(msg) => (
                RequestStatus::ExecutionFailed,
                AuditEvent::RequestExecutionFailed,
                json!({ "error": msg }),
            ),
        };
        let record = || {
            self.juno.store().write(|tx| {
                let t = Transition {
                    executed: true,
                    result: Some(&value),
                    ..Transition::default()
                };
                if !sql::transition(tx, id, &[RequestStatus::Executing], to, done_ms, &t)? {
                    return Err(Error::InvalidState {
                        reason: format!("request {id} left `executing` while its action ran"),
                    });
                }
                Appender::new(tx)?.append(
                    tx,
                    done_ms,
                    actor,
                    event,
                    &subject(id),
                    &json!({ "action_digest": digest, "result": value }),
                )?;
                Ok(())
            })
        };
        // The action has run: recording that must not be lost to a briefly busy database.
        // A request left `executing` (the process died here) is reported by the compliance
        // report as `stuck_executing` and is never executed again.
        let mut attempt = 0;
        loop {
            match record() {
                Err(e) if e.kind() == crate::ErrorKind::Busy && attempt < 5 => attempt += 1,
                other => break other?,
            }
        }
        self.get(id)
    }

    /// Resolves request `id` left `executing` by a crash between its executor's writes and
    /// their record. With `applied` (the executor's idempotency marker shows the writes
    /// were made) it becomes `executed` with `result`; without, nothing was written and it
    /// returns to `approved` (or `auto_approved`, as it was) to run again. Audited as
    /// `request_recovered`. Only the caller that knows the executor's marker may decide
    /// this: the agent cycle, through the outbox.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::InvalidState`] when the request is not `executing`.
    pub fn recover_execution(
        &self,
        id: RequestId,
        applied: bool,
        result: &serde_json::Value,
    ) -> Result<ApprovalRequest> {
        let actor = "juno";
        let now_ms = ms(self.now());
        let outcome = self.juno.store().write(|tx| {
            let req = sql::get_request(tx, id)?.ok_or_else(|| not_found(id))?;
            let (to, t) = if applied {
                (
                    RequestStatus::Executed,
                    Transition {
                        executed: true,
                        result: Some(result),
                        ..Transition::default()
                    },
                )
            } else if req.decided_by.as_deref() == Some(actor) {
                (RequestStatus::AutoApproved, Transition::default())
            } else {
                (RequestStatus::Approved, Transition::default())
            };
            if !sql::transition(tx, id, &[RequestStatus::Executing], to, now_ms, &t)? {
                return Err(Error::InvalidState {
                    reason: format!("request {id} is {}, not executing", req.status),
                });
            }
            Appender::new(tx)?.append(
                tx,
                now_ms,
                actor,
                AuditEvent::RequestRecovered,
                &subject(id),
                &json!({ "action_digest": req.digest, "applied": applied, "result": result, "status": to }),
            )?;
            Ok(())
        });
        self.conclude(outcome, actor, "recover_execution", id)
    }

    /// The governance dashboard's numbers.
    ///
    /// # Errors
    /// Storage errors.
    pub fn dashboard(&self) -> Result<GovernanceDashboard> {
        let now = self.now();
        let requests = self.juno.store().read(sql::all_requests)?;
        let mut pending: std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<String, u64>,
        > = std::collections::BTreeMap::new();
        let mut by_status: std::collections::BTreeMap<String, u64> =
            std::collections::BTreeMap::new();
        let (mut overdue, mut approved, mut rejected, mut auto, mut escalations) =
            (0, 0, 0, 0, 0u64);
        let mut waits = Vec::new();
        for r in &requests {
            *by_status.entry(r.status.as_str().to_owned()).or_default() += 1;
            escalations += u64::from(r.escalations);
            if r.status == RequestStatus::Pending {
                *pending
                    .entry(r.role.as_str().to_owned())
                    .or_default()
                    .entry(r.action.team.to_string())
                    .or_default() += 1;
                if r.deadline.is_some_and(|d| d <= now) {
                    overdue += 1;
                }
            }
            let human = r.decided_by.as_deref().is_some_and(|d| d != "juno");
            match r.status {
                RequestStatus::AutoApproved => auto += 1,
                RequestStatus::Rejected => rejected += 1,
                RequestStatus::Approved => approved += 1,
                RequestStatus::Executing
                | RequestStatus::Executed
                | RequestStatus::ExecutionFailed => {
                    if r.decision.is_some() {
                        auto += 1
                    } else {
                        approved += 1
                    }
                }
                _ => {}
            }
            if human
                && matches!(
                    r.status,
                    RequestStatus::Approved
                        | RequestStatus::Rejected
                        | RequestStatus::Executing
                        | RequestStatus::Executed
                        | RequestStatus::ExecutionFailed
                )
            {
                if let Some(at) = r.decided_at {
                    waits.push((at - r.created_at).num_milliseconds() as f64 / 1000.0);
                }
            }
        }
        let decided = approved + rejected + auto;
        let rate = |n: u64| {
            if decided == 0 {
                0.0
            } else {
                n as f64 / decided as f64
            }
        };
        waits.sort_by(f64::total_cmp);
        let median = match waits.len() {
            0 => None,
            n if n % 2 == 1 => Some(waits[n / 2]),
            n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2.0),
        };
        let verify = self.juno.audit().verify(None)?;
        Ok(GovernanceDashboard {
            pending,
            overdue,
            decided,
            approval_rate: rate(approved),
            rejection_rate: rate(rejected),
            auto_approval_rate: rate(auto),
            median_seconds_to_decision: median,
            escalations,
            by_status,
            audit_ok: verify.ok,
            audit_entries: verify.entries,
        })
    }

    /// The compliance report (see [`super::compliance`]).
    ///
    /// # Errors
    /// Storage errors.
    pub fn compliance_report(&self) -> Result<super::ComplianceReport> {
        let audit_ok = self.juno.audit().verify(None)?.ok;
        let mut ledger = super::compliance::Ledger::default();
        self.juno.store().audit_scan(|e| {
            ledger.record(e);
            Ok(())
        })?;
        let inputs = super::compliance::ComplianceInputs {
            now: self.now(),
            audit_ok,
            monitoring_enabled: self.juno.config().compliance_monitoring,
            ledger,
            requests: self.juno.store().read(sql::all_requests)?,
            roles: self.roles(None, false)?,
            execution_window: self.window(),
            quorum: self.juno.config().approval_rules.quorum.clone(),
        };
        Ok(super::compliance::report(&inputs))
    }
}
