//! Notifications: Slack and Microsoft Teams messages about what governance did, sent
//! through a persistent outbox.
//!
//! **What is sent.** [`Notifications::collect`](api::Notifications::collect) reads the
//! audit log from where it last stopped and turns each transition people should hear of
//! into a [`Notice`]:
//!
//! | audit event | notice | to |
//! |---|---|---|
//! | `request_submitted`, still pending | `approval_requested` | the eligible approvers |
//! | `request_escalated`, still pending | `escalated` | the approvers at the new role |
//! | `request_reminded`, still pending | `expiring` | the reminder's recipients |
//! | `request_executed` | `executed` | the team's channel |
//! | `request_approved` with `break_glass` | `break_glass` | every skipped approver |
//!
//! and the agent cycle adds `critical_risk` for each active sprint whose forecast is
//! critical (once per sprint per day). Reading the log, rather than hooking each call,
//! means a decision made on any surface — Rust, C, Python, the HTTP API, the command line —
//! is announced, and a notice is queued in the same transaction that moves the cursor
//! past its cause: none is lost and none is queued twice.
//!
//! **How it is sent.** Each notice becomes one message per configured channel (see
//! [`crate::config::NotifySettings`]): Slack Block Kit (with Approve / Reject buttons on
//! requests that wait for a person, when a bot token is configured, since incoming
//! webhooks cannot carry interactive buttons back), and an Adaptive Card for a Teams
//! workflow webhook that links the request's dashboard page. Messages wait in the outbox
//! until [`Notifications::deliver`](api::Notifications::deliver) sends them: a failure is
//! retried with exponential backoff (30 s doubling, at most an hour; Slack's `Retry-After`
//! is honoured), and after `max_attempts` the message is kept as `dead`, never dropped.
//! Delivery is separate from the cycle, so a slow or failing webhook never holds up a
//! cycle; the scheduler (`juno agent run`) delivers after each cycle.
//!
//! **Untrusted text.** Ticket titles and explanations come from Jira: they are escaped for
//! Slack's mrkdwn (`&`, `<`, `>`, so no `<!channel>` or link can be smuggled in) and
//! Teams' markdown. **Buttons decide nothing**: a click is an HTTP request to the host
//! (`juno.web`'s `/api/v2/slack/actions`), which checks Slack's signature, maps the
//! Slack user to a JUNO user and calls governance as that user, like any other surface.

pub mod api;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::NotifySettings;
pub use crate::model::NoticeKind;

/// Slack `action_id` of the Approve button; its `value` is `<request id>:<digest>`.
pub const SLACK_APPROVE: &str = "juno_approve";
/// Slack `action_id` of the Reject button; its `value` is `<request id>:<digest>`.
pub const SLACK_REJECT: &str = "juno_reject";

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Slack (incoming webhook, or a bot token and channel).
    Slack,
    /// A Microsoft Teams workflow webhook.
    Teams,
}

impl Channel {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Slack => "slack",
            Channel::Teams => "teams",
        }
    }
}

/// One thing to tell people, before it is shaped for a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// `request:42` or `sprint:ALPHA S27`.
    pub subject: String,
    /// What makes it unique (`audit:<seq>`, `risk:<team>:<sprint>:<day>`).
    pub dedup: String,
    /// The team.
    pub team: String,
    /// The request, for request notices.
    pub request: Option<i64>,
    /// The request's action digest (what a button approves).
    pub digest: Option<String>,
    /// One line: what happened.
    pub title: String,
    /// Details, one per line (untrusted text included; escaped per channel).
    pub lines: Vec<String>,
    /// The JUNO users it is for.
    pub recipients: Vec<String>,
    /// Whether it offers Approve / Reject (a request waiting for a person).
    pub decidable: bool,
}

/// One queued message, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Its id.
    pub id: i64,
    /// Where it goes.
    pub channel: Channel,
    /// The notice's kind (`approval_requested`, …).
    pub kind: String,
    /// The notice's subject.
    pub subject: String,
    /// What keeps it unique on its channel.
    pub dedup: String,
    /// The exact JSON body posted.
    pub body: Value,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Attempts so far.
    pub attempts: u32,
    /// When it is (or was) next due.
    pub next_at: DateTime<Utc>,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
}

/// What [`Notifications::collect`](api::Notifications::collect) did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Collected {
    /// Audit entries read.
    pub read: u64,
    /// Messages queued (one per notice per channel; duplicates are not queued).
    pub queued: usize,
    /// The audit sequence number read up to.
    pub cursor: u64,
}

/// What [`Notifications::deliver`](api::Notifications::deliver) did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// Messages delivered.
    pub sent: usize,
    /// Messages that failed and will be retried.
    pub retrying: usize,
    /// Messages that failed their last allowed attempt (kept as `dead`).
    pub dead: usize,
    /// Messages still pending after this call (due later, or beyond its limit).
    pub pending: u64,
    /// The failures, `#<id> <channel>: <why>`.
    pub errors: Vec<String>,
}

/// How long to wait after the `attempts`-th failure: 30 s doubling, at most an hour.
pub fn backoff(attempts: u32) -> Duration {
    let secs = 30_i64.saturating_mul(1_i64 << attempts.saturating_sub(1).min(10));
    Duration::seconds(secs.min(3600))
}

/// Escapes text for Slack's mrkdwn: `&`, `<` and `>` (so untrusted text cannot mention
/// `<!channel>`, a user or a link). The text objects are also `verbatim`, so Slack does
/// not turn a bare URL or channel name in untrusted text into a link.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for Teams' markdown subset (emphasis, links, lists).
pub fn teams_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '`' | '>' | '<'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn request_link(settings: &NotifySettings, notice: &Notice) -> Option<String> {
    let base = settings.dashboard_url.as_deref()?;
    let base = base.trim_end_matches('/');
    Some(match notice.request {
        Some(id) => format!("{base}/requests/{id}"),
        None => format!("{base}/"),
    })
}

/// The Slack message for `notice` (Block Kit; with `channel` for a bot token).
pub fn slack_body(settings: &NotifySettings, notice: &Notice) -> Value {
    let by_user: std::collections::BTreeMap<&str, &str> = settings
        .slack_users
        .iter()
        .map(|(slack, user)| (user.as_str(), slack.as_str()))
        .collect();
    let to: Vec<String> = notice
        .recipients
        .iter()
        .map(|u| match by_user.get(u.as_str()) {
            Some(id) => format!("<@{id}>"),
            None => slack_escape(u),
        })
        .collect();
    let title = slack_escape(&notice.title);
    let details: Vec<String> = notice.lines.iter().map(|l| slack_escape(l)).collect();
    let mut blocks = vec![
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*{title}*"),
                                                "verbatim": true}}),
    ];
    if !details.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn",
                           "text": details.join("\n"), "verbatim": true}}));
    }
    if !to.is_empty() {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": format!("for {}", to.join(", ")), "verbatim": true}]}));
    }
    let mut buttons = Vec::new();
    if notice.decidable
        && settings.slack_bot_token.is_some()
        && let (Some(id), Some(digest)) = (notice.request, &notice.digest)
    {
        let value = format!("{id}:{digest}");
        buttons.push(
            json!({"type": "button", "action_id": SLACK_APPROVE, "style": "primary",
                            "text": {"type": "plain_text", "text": "Approve"}, "value": value}),
        );
        buttons.push(
            json!({"type": "button", "action_id": SLACK_REJECT, "style": "danger",
                            "text": {"type": "plain_text", "text": "Reject"}, "value": value}),
        );
    }
    if let Some(url) = request_link(settings, notice) {
        buttons.push(json!({"type": "button", "action_id": "juno_open",
                            "text": {"type": "plain_text", "text": "Open in JUNO"}, "url": url}));
    }
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    let mut body = json!({"text": title, "blocks": blocks});
    if settings.slack_bot_token.is_some()
        && let Some(channel) = &settings.slack_channel
    {
        body["channel"] = json!(channel);
    }
    body
}

/// The Teams message for `notice`: an Adaptive Card in a workflow webhook's envelope.
pub fn teams_body(settings: &NotifySettings, notice: &Notice) -> Value {
    let mut items = vec![
        json!({"type": "TextBlock", "text": teams_escape(&notice.title),
                                "weight": "Bolder", "wrap": true}),
    ];
    for line in &notice.lines {
        items.push(
            json!({"type": "TextBlock", "text": teams_escape(line), "wrap": true,
                          "spacing": "Small"}),
        );
    }
    let mut facts = vec![json!({"title": "Team", "value": teams_escape(&notice.team)})];
    if !notice.recipients.is_empty() {
        facts.push(json!({"title": "For", "value": teams_escape(&notice.recipients.join(", "))}));
    }
    items.push(json!({"type": "FactSet", "facts": facts}));
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4", "body": items,
    });
    if let Some(url) = request_link(settings, notice) {
        let title = if notice.decidable {
            "Decide in JUNO"
        } else {
            "Open in JUNO"
        };
        card["actions"] = json!([{"type": "Action.OpenUrl", "title": title, "url": url}]);
    }
    json!({"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
         "content": card}]})
}
