//! The notifications handle, `juno.notify()`: collect notices into the outbox, deliver
//! them, read the outbox.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use reqwest::blocking::Client;
use serde_json::Value;

use super::{
    Channel, Collected, Delivery, Notice, NoticeKind, Outgoing, backoff, slack_body, teams_body,
};
use crate::agent::SprintRisk;
use crate::audit::AuditEntry;
use crate::config::NotifySettings;
use crate::error::{Error, Result};
use crate::governance::{ApprovalRequest, RequestStatus};
use crate::juno::Juno;
use crate::model::{RiskLevel, Role};
use crate::store::governance as gov_sql;
use crate::store::notify as sql;
use crate::store::to_ms;

/// Audit entries read per page while collecting.
const PAGE: usize = 1000;
/// How long a sender holds the messages it claimed (longer than any one attempt).
const CLAIM: Duration = Duration::minutes(2);
/// The most messages one `deliver` call sends.
pub const MAX_DELIVER: usize = 1000;
/// The most `Retry-After` a chat service may ask for before it counts as a long backoff.
const MAX_RETRY_AFTER: i64 = 3600;

/// The notifications of one [`Juno`]: `juno.notify()` (see the [module docs](super)).
#[derive(Debug, Clone, Copy)]
pub struct Notifications<'a> {
    juno: &'a Juno,
}

impl<'a> Notifications<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Notifications { juno }
    }

    fn settings(&self) -> &NotifySettings {
        &self.juno.config().notify
    }

    fn channels(&self) -> Vec<Channel> {
        let s = self.settings();
        let mut out = Vec::new();
        if s.slack_webhook_url.is_some() || s.slack_bot_token.is_some() {
            out.push(Channel::Slack);
        }
        if s.teams_webhook_url.is_some() {
            out.push(Channel::Teams);
        }
        out
    }

    /// Reads the audit log from where the last call stopped and queues a message per
    /// notice per channel, in one transaction with the cursor. With no channel configured
    /// the cursor still moves: notices are about now, not a backlog to flood a channel
    /// added later.
    ///
    /// # Errors
    /// Storage errors.
    pub fn collect(&self) -> Result<Collected> {
        self.collect_with(&[])
    }

    /// As [`Notifications::collect`], plus a `critical_risk` notice for each critical
    /// sprint in `risks` (once per team, sprint and day).
    ///
    /// # Errors
    /// Storage errors.
    pub fn collect_with(&self, risks: &[SprintRisk]) -> Result<Collected> {
        let now = self.juno.now();
        let now_ms = to_ms(now);
        let channels = self.channels();
        let settings = self.settings();
        self.juno.store().write(|tx| {
            let start = sql::cursor(tx)?;
            let mut at = start;
            let mut queued = 0;
            loop {
                let entries = crate::store::audit::entries_after(tx, at, PAGE)?;
                let Some(last) = entries.last() else { break };
                at = last.seq;
                if channels.is_empty() {
                    continue;
                }
                for e in &entries {
                    if let Some(n) = notice_for(tx, e)?
                        && settings.kinds.contains(&n.kind)
                    {
                        queued += queue(tx, settings, &channels, &n, now_ms)?;
                    }
                }
            }
            if !channels.is_empty() && settings.kinds.contains(&NoticeKind::CriticalRisk) {
                for r in risks.iter().filter(|r| r.level == RiskLevel::Critical) {
                    queued += queue(tx, settings, &channels, &risk_notice(r, now), now_ms)?;
                }
            }
            sql::set_cursor(tx, at)?;
            Ok(Collected {
                read: at - start,
                queued,
                cursor: at,
            })
        })
    }

    /// Sends up to `limit` due messages (at most [`MAX_DELIVER`]). A message is claimed in
    /// one transaction before it is sent, and its result recorded only under that claim,
    /// so two senders never send it twice; the call stops sending before its claim could
    /// run out and gives back what it did not try. (A process killed between sending and
    /// recording leaves the message to be sent again: delivery is at least once.) A failure is retried later ([`super::backoff`], or the service's
    /// `Retry-After`); after `max_attempts` the message is kept as `dead`. Nothing here
    /// raises for a chat service's failure: the report counts and names them.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for `limit` 0 or above [`MAX_DELIVER`]; [`Error::Config`]
    /// when the HTTP client cannot be built; storage errors.
    pub fn deliver(&self, limit: usize) -> Result<Delivery> {
        if limit == 0 || limit > MAX_DELIVER {
            return Err(Error::invalid(
                "limit",
                format!("must be 1 to {MAX_DELIVER}, got {limit}"),
            ));
        }
        let settings = self.settings();
        let now_ms = to_ms(self.juno.now());
        let claim = claim_token();
        let due = self
            .juno
            .store()
            .write(|tx| sql::claim_due(tx, now_ms, CLAIM.num_milliseconds(), limit, &claim))?;
        let mut report = Delivery::default();
        if !due.is_empty() {
            let http = Client::builder()
                .timeout(StdDuration::from_secs_f64(settings.timeout_secs))
                .user_agent(concat!("juno/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| {
                    Error::config("notify", format!("cannot build the http client: {e}"))
                })?;
            // Send only while the claim surely holds: stop one timeout (and a margin) before
            // it runs out, and give the rest back for the next call.
            let budget =
                StdDuration::from_millis(u64::try_from(CLAIM.num_milliseconds()).unwrap_or(0))
                    .saturating_sub(StdDuration::from_secs_f64(settings.timeout_secs + 5.0));
            let started = Instant::now();
            let mut outcomes = Vec::with_capacity(due.len());
            for m in &due {
                if started.elapsed() >= budget {
                    break;
                }
                outcomes.push(send(&http, settings, m));
            }
            // The clock after sending: a retry waits from when the attempt failed.
            let done_ms = to_ms(self.juno.now());
            self.juno.store().write(|tx| {
                for m in due.iter().skip(outcomes.len()) {
                    sql::release(tx, m.id, &claim)?;
                }
                for (m, outcome) in due.iter().zip(&outcomes) {
                    match outcome {
                        Ok(()) => {
                            if sql::mark_sent(tx, m.id, &claim, done_ms)? {
                                report.sent += 1;
                            }
                        }
                        Err((why, retry_after)) => {
                            let attempts = m.attempts.saturating_add(1);
                            let dead = attempts >= settings.max_attempts;
                            let wait = retry_after
                                .map(|s| Duration::seconds(s.clamp(1, MAX_RETRY_AFTER)))
                                .unwrap_or_else(|| backoff(attempts));
                            let next = done_ms + wait.num_milliseconds();
                            if !sql::mark_failed(tx, m.id, &claim, why, next, dead)? {
                                continue;
                            }
                            if dead {
                                report.dead += 1;
                            } else {
                                report.retrying += 1;
                            }
                            report
                                .errors
                                .push(format!("#{} {}: {why}", m.id, m.channel.as_str()));
                        }
                    }
                }
                Ok(())
            })?;
        }
        report.pending = self.juno.store().read(sql::pending_count)?;
        let names = self.juno.store().log_names();
        for e in &report.errors {
            // The reason is the channel's answer (status, timeout), never its webhook URL;
            // a body it quotes may name people, so it is withheld under pseudonyms.
            let shown = names.free_text(e);
            tracing::warn!(target: crate::log::APPLICATION, error = %shown,
                "notification not delivered: {shown}");
        }
        Ok(report)
    }

    /// Queued messages, newest first: every status, or `pending`, `sent` or `dead`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `status` for another value; storage errors.
    pub fn outbox(&self, status: Option<&str>, limit: usize) -> Result<Vec<Outgoing>> {
        if let Some(s) = status
            && !matches!(s, "pending" | "sent" | "dead")
        {
            return Err(Error::invalid("status", "must be pending, sent or dead"));
        }
        self.juno.store().read(|c| sql::outbox(c, status, limit))
    }

    /// The JUNO user a Slack user id stands for (`[notify.slack_users]`), if any: who
    /// clicked a button in Slack.
    pub fn slack_user(&self, slack_id: &str) -> Option<String> {
        self.settings().slack_users.get(slack_id).cloned()
    }
}

/// A name for one `deliver` call's claim, unique across threads and processes.
fn claim_token() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}:{:?}:{}:{}",
        std::process::id(),
        std::thread::current().id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0),
        CALLS.fetch_add(1, Ordering::Relaxed)
    )
}

/// Queues `notice` on each channel; returns how many messages were new.
fn queue(
    tx: &rusqlite::Transaction<'_>,
    settings: &NotifySettings,
    channels: &[Channel],
    notice: &Notice,
    now_ms: i64,
) -> Result<usize> {
    let mut n = 0;
    for &channel in channels {
        let body = match channel {
            Channel::Slack => slack_body(settings, notice),
            Channel::Teams => teams_body(settings, notice),
        };
        let kind = notice.kind.as_str();
        if sql::enqueue(
            tx,
            channel,
            kind,
            &notice.subject,
            &notice.dedup,
            &body,
            now_ms,
        )? {
            n += 1;
        }
    }
    Ok(n)
}

fn request_id(subject: &str) -> Option<i64> {
    subject.strip_prefix("request:")?.parse().ok()
}

fn summary(req: &ApprovalRequest) -> String {
    let target = req.action.target.as_deref().unwrap_or("");
    format!(
        "{} {target} ({})",
        req.action.kind,
        req.action.team.as_str()
    )
    .replace("  ", " ")
}

/// The first line of a request's explanation and its numbers, for a message.
fn request_lines(req: &ApprovalRequest) -> Vec<String> {
    let mut lines: Vec<String> = req.explanation.lines().take(3).map(str::to_owned).collect();
    lines.push(format!(
        "impact {}, confidence {:.2}, request #{}",
        req.impact, req.confidence, req.id
    ));
    lines
}

fn str_field<'v>(payload: &'v Value, name: &str) -> Option<&'v str> {
    payload.get(name).and_then(Value::as_str)
}

/// The strings of an array field of an audit payload (none when absent).
fn str_list(payload: &Value, name: &str) -> Vec<String> {
    payload
        .get(name)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The notice an audit entry gives, if any (see the module docs' table).
fn notice_for(tx: &rusqlite::Transaction<'_>, e: &AuditEntry) -> Result<Option<Notice>> {
    let Some(id) = request_id(&e.subject) else {
        return Ok(None);
    };
    let kind = match e.event.as_str() {
        "request_submitted" => NoticeKind::ApprovalRequested,
        "request_escalated" => NoticeKind::Escalated,
        "request_reminded" => NoticeKind::Expiring,
        "request_executed" => NoticeKind::Executed,
        "request_approved" if e.payload.get("break_glass") == Some(&Value::Bool(true)) => {
            NoticeKind::BreakGlass
        }
        _ => return Ok(None),
    };
    let Some(req) = gov_sql::get_request(tx, id)? else {
        return Ok(None);
    };
    let team = req.action.team.as_str().to_owned();
    let waiting = req.status == RequestStatus::Pending;
    let approvers = |role: Role| -> Result<Vec<String>> {
        gov_sql::eligible_approvers(tx, &team, role, &[req.requester.as_str()])
    };
    let what = summary(&req);
    let (title, recipients, decidable) = match kind {
        // A request decided before the notice was read needs nobody's attention now; one
        // escalated since waits at another role (its escalation entry announces that).
        NoticeKind::ApprovalRequested => {
            let role = str_field(&e.payload, "role");
            if !waiting || role != Some(req.role.as_str()) || req.escalations > 0 {
                return Ok(None);
            }
            (
                format!("Approval needed ({}): {what}", req.role),
                approvers(req.role)?,
                true,
            )
        }
        NoticeKind::Escalated => {
            if !waiting || str_field(&e.payload, "to") != Some(req.role.as_str()) {
                return Ok(None);
            }
            let reason = str_field(&e.payload, "reason").unwrap_or("");
            (
                format!(
                    "Escalated to {} by {}: {what} ({reason})",
                    req.role, e.actor
                ),
                approvers(req.role)?,
                true,
            )
        }
        NoticeKind::Expiring => {
            if !waiting {
                return Ok(None);
            }
            let recipients = str_list(&e.payload, "recipients");
            let deadline = req
                .deadline
                .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            (
                format!("Deadline {deadline} is near: {what}"),
                recipients,
                true,
            )
        }
        NoticeKind::Executed => (format!("Executed: {what}"), Vec::new(), false),
        NoticeKind::BreakGlass => {
            let skipped = str_list(&e.payload, "skipped_approvers");
            let reason = str_field(&e.payload, "reason").unwrap_or("");
            (
                format!(
                    "Break-glass approval by {}: {what} (reason: {reason})",
                    e.actor
                ),
                skipped,
                false,
            )
        }
        NoticeKind::CriticalRisk => return Ok(None),
    };
    Ok(Some(Notice {
        kind,
        subject: e.subject.clone(),
        dedup: format!("audit:{}", e.seq),
        team,
        request: Some(id),
        digest: Some(req.digest.clone()),
        title,
        lines: request_lines(&req),
        recipients,
        decidable,
    }))
}

fn risk_notice(r: &SprintRisk, now: chrono::DateTime<chrono::Utc>) -> Notice {
    let mut lines = vec![format!(
        "P(delivering ≥ 80%) {:.0}% ({}); drivers: {}",
        r.p_deliver_80 * 100.0,
        r.basis,
        if r.drivers.is_empty() {
            "—".to_owned()
        } else {
            r.drivers.join(", ")
        }
    )];
    lines.extend(r.recommendations.iter().take(2).cloned());
    Notice {
        kind: NoticeKind::CriticalRisk,
        subject: format!("sprint:{}", r.sprint),
        dedup: format!("risk:{}:{}:{}", r.team, r.sprint, now.format("%Y-%m-%d")),
        team: r.team.clone(),
        request: None,
        digest: None,
        title: format!("Sprint {} of {} is at critical risk", r.sprint, r.team),
        lines,
        recipients: Vec::new(),
        decidable: false,
    }
}

/// One attempt: `Ok`, or why it failed and the `Retry-After` seconds the service asked for.
fn send(
    http: &Client,
    settings: &NotifySettings,
    m: &Outgoing,
) -> std::result::Result<(), (String, Option<i64>)> {
    let (url, bearer, api) = match m.channel {
        Channel::Slack => match (&settings.slack_bot_token, &settings.slack_webhook_url) {
            (Some(token), _) => (
                format!(
                    "{}/chat.postMessage",
                    settings.slack_api_url.trim_end_matches('/')
                ),
                Some(token.expose()),
                true,
            ),
            (None, Some(hook)) => (hook.expose().to_owned(), None, false),
            (None, None) => return Err(("Slack is no longer configured".into(), Some(3600))),
        },
        Channel::Teams => match &settings.teams_webhook_url {
            Some(hook) => (hook.expose().to_owned(), None, false),
            None => return Err(("Teams is no longer configured".into(), Some(3600))),
        },
    };
    let mut req = http.post(&url).json(&m.body);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let resp = req.send().map_err(|e| {
        let why = if e.is_timeout() {
            format!("no answer within {} s", settings.timeout_secs)
        } else if e.is_connect() {
            "could not connect".to_owned()
        } else {
            e.without_url().to_string()
        };
        (why, None)
    })?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let text = resp.text().unwrap_or_default();
    if !(200..300).contains(&status) {
        let snippet: String = text.chars().take(200).collect();
        return Err((format!("HTTP {status}: {snippet}"), retry_after));
    }
    if api {
        // Slack's Web API answers 200 with `"ok": false` for its own refusals.
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if answer.get("ok") != Some(&Value::Bool(true)) {
            let why = answer
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("not ok");
            return Err((format!("Slack refused: {why}"), retry_after));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_come_from_request_subjects_only() {
        assert_eq!(request_id("request:42"), Some(42));
        assert_eq!(request_id("user:ana"), None);
        assert_eq!(request_id("request:x"), None);
    }
}
