//! Notifications end to end: notices read from the audit log, one message per channel,
//! delivered to a chat stand-in on 127.0.0.1 (Slack's webhook and Web API shapes, a
//! Teams workflow webhook), retried with backoff, kept as `dead` after the last attempt,
//! never sent twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/http_request.rs"]
mod http_request;

use std::collections::{BTreeMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use chrono::Duration;
use juno_core::config::{DatabaseUrl, Secret};
use juno_core::governance::{Executor, Proposal};
use juno_core::model::{Action, ImpactLevel, NoticeKind, Role};
use juno_core::notify::{Channel, SLACK_APPROVE, SLACK_REJECT};
use juno_core::{Config, Juno, ManualClock};
use serde_json::{Value, json};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    auth: Option<String>,
    body: Value,
}

/// Scripted answers: status, headers, body.
type Script = Arc<Mutex<VecDeque<(u16, Vec<(String, String)>, String)>>>;

/// A chat service on loopback: records every POST, answers from a script (then 200 "ok").
struct Chat {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    script: Script,
}

impl Chat {
    fn start() -> Chat {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(VecDeque::new()));
        let (g, s) = (Arc::clone(&got), Arc::clone(&script));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let req = http_request::read(&stream);
                g.lock().unwrap().push(Got {
                    path: req.target,
                    auth: req.headers.get("authorization").cloned(),
                    body: req.body,
                });
                let (status, headers, text) =
                    s.lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or((200, Vec::new(), "ok".into()));
                http_request::answer(stream, status, &headers, &text);
            }
        });
        Chat { url, got, script }
    }

    fn then(&self, status: u16, headers: &[(&str, &str)], body: &str) {
        let headers = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.script
            .lock()
            .unwrap()
            .push_back((status, headers, body.to_owned()));
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

fn engine(adjust: impl FnOnce(&mut Config)) -> (Juno, Arc<ManualClock>) {
    let mut config = Config::from_settings(&BTreeMap::new()).unwrap();
    config.database_url = DatabaseUrl::Memory;
    adjust(&mut config);
    config.validate().unwrap();
    let clock = Arc::new(ManualClock::at_millis(T0));
    (Juno::open(config).unwrap().with_clock(clock.clone()), clock)
}

fn proposal(target: &str, impact: ImpactLevel, confidence: f64) -> Proposal {
    Proposal {
        action: Action {
            kind: "triage.reassign".into(),
            team: "alpha".into(),
            target: Some(target.into()),
            parameters: json!({"assignee": "ana"}),
        },
        impact,
        confidence,
        explanation: format!("reassign {target}: idle 12 days"),
        requester: "juno".into(),
        raw_confidence: None,
        calibration: None,
    }
}

fn roles(juno: &Juno) {
    let gov = juno.governance();
    gov.assign_role("lead", Role::TeamLead, &["alpha"], "admin")
        .unwrap();
    gov.assign_role("em", Role::EngineeringManager, &["alpha"], "admin")
        .unwrap();
}

#[test]
fn without_a_channel_nothing_is_queued_and_the_cursor_moves() {
    let (juno, _) = engine(|_| {});
    roles(&juno);
    juno.governance()
        .submit(proposal("ALPHA-1", ImpactLevel::Low, 0.4))
        .unwrap();
    let c = juno.notify().collect().unwrap();
    assert_eq!(c.queued, 0);
    assert_eq!(c.cursor, juno.audit().len().unwrap());
    assert!(juno.notify().outbox(None, 10).unwrap().is_empty());
    let d = juno.notify().deliver(10).unwrap();
    assert_eq!((d.sent, d.pending), (0, 0));
}

#[test]
fn a_pending_request_reaches_slack_and_teams_once() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.slack_webhook_url = Some(Secret::new(format!("{}/slack-hook", chat.url)));
        c.notify.teams_webhook_url = Some(Secret::new(format!("{}/teams-hook", chat.url)));
        c.notify.dashboard_url = Some("https://juno.example/dashboard/".into());
        c.notify.slack_users.insert("U1".into(), "lead".into());
    });
    roles(&juno);
    let gov = juno.governance();
    // Untrusted text from Jira: it must not mention the channel or carry a link.
    let r = gov
        .submit(proposal(
            "ALPHA-7 <!channel> <http://evil|x>",
            ImpactLevel::Low,
            0.4,
        ))
        .unwrap();
    let c = juno.notify().collect().unwrap();
    assert_eq!(c.queued, 2, "one per channel");
    assert_eq!(juno.notify().collect().unwrap().queued, 0, "read once");
    let d = juno.notify().deliver(10).unwrap();
    assert_eq!((d.sent, d.retrying, d.dead, d.pending), (2, 0, 0, 0));
    let got = chat.got();
    assert_eq!(got.len(), 2);
    let slack = got.iter().find(|g| g.path == "/slack-hook").unwrap();
    let text = slack.body.to_string();
    assert!(text.contains("Approval needed (TEAM_LEAD)"), "{text}");
    assert!(
        text.contains("<@U1>"),
        "the lead is mentioned by Slack id: {text}"
    );
    assert!(
        !text.contains("<!channel>") && text.contains("&lt;!channel&gt;"),
        "{text}"
    );
    assert!(text.contains("https://juno.example/dashboard/requests/"));
    // A webhook cannot carry button clicks back: only the link button.
    assert!(!text.contains(SLACK_APPROVE));
    let teams = got.iter().find(|g| g.path == "/teams-hook").unwrap();
    let card = &teams.body["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(
        card["content"]["actions"][0]["url"],
        format!("https://juno.example/dashboard/requests/{}", r.id)
    );
    let outbox = juno.notify().outbox(Some("sent"), 10).unwrap();
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox
            .iter()
            .all(|m| m.kind == "approval_requested" && m.attempts == 1)
    );
    // Sent once: nothing more to send.
    assert_eq!(juno.notify().deliver(10).unwrap().sent, 0);
    assert_eq!(chat.got().len(), 2);
}

#[test]
fn decided_and_auto_approved_requests_ask_nobody() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.teams_webhook_url = Some(Secret::new(format!("{}/t", chat.url)));
        c.autonomous_actions = true;
        c.approval_rules.auto_approval_threshold = 0.5;
    });
    roles(&juno);
    let gov = juno.governance();
    let auto = gov
        .submit(proposal("ALPHA-1", ImpactLevel::Low, 0.9))
        .unwrap();
    assert_eq!(auto.status.as_str(), "auto_approved");
    let decided = gov
        .submit(proposal("ALPHA-2", ImpactLevel::Low, 0.1))
        .unwrap();
    gov.approve(decided.id, "lead", &decided.digest).unwrap();
    assert_eq!(juno.notify().collect().unwrap().queued, 0);
}

#[test]
fn failures_back_off_and_the_last_attempt_is_kept_as_dead() {
    let chat = Chat::start();
    let (juno, clock) = engine(|c| {
        c.notify.teams_webhook_url = Some(Secret::new(format!("{}/t", chat.url)));
        c.notify.max_attempts = 3;
    });
    roles(&juno);
    juno.governance()
        .submit(proposal("ALPHA-1", ImpactLevel::Low, 0.4))
        .unwrap();
    juno.notify().collect().unwrap();
    chat.then(500, &[], "down");
    let d = juno.notify().deliver(10).unwrap();
    assert_eq!((d.sent, d.retrying, d.pending), (0, 1, 1));
    assert!(d.errors[0].contains("HTTP 500"), "{:?}", d.errors);
    // Not due before its backoff (30 s).
    clock.advance(Duration::seconds(29));
    assert_eq!(juno.notify().deliver(10).unwrap().retrying, 0);
    assert_eq!(chat.got().len(), 1);
    // 429 with Retry-After: the service's wait, not ours.
    clock.advance(Duration::seconds(2));
    chat.then(429, &[("Retry-After", "120")], "slow down");
    assert_eq!(juno.notify().deliver(10).unwrap().retrying, 1);
    let m = &juno.notify().outbox(Some("pending"), 1).unwrap()[0];
    assert_eq!(m.attempts, 2);
    assert_eq!(m.next_at, juno.now() + Duration::seconds(120));
    clock.advance(Duration::seconds(121));
    chat.then(503, &[], "still down");
    let d = juno.notify().deliver(10).unwrap();
    assert_eq!((d.dead, d.pending), (1, 0));
    let dead = juno.notify().outbox(Some("dead"), 10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(dead[0].last_error.as_deref().unwrap().contains("503"));
    // Dead messages are kept, not retried.
    clock.advance(Duration::hours(2));
    assert_eq!(juno.notify().deliver(10).unwrap().sent, 0);
    assert_eq!(chat.got().len(), 3);
}

#[test]
fn a_bot_token_posts_buttons_and_slack_refusals_are_failures() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.slack_bot_token = Some(Secret::new("xoxb-test"));
        c.notify.slack_channel = Some("C42".into());
        c.notify.slack_api_url = format!("{}/api", chat.url);
    });
    roles(&juno);
    let r = juno
        .governance()
        .submit(proposal("ALPHA-9", ImpactLevel::Low, 0.4))
        .unwrap();
    juno.notify().collect().unwrap();
    chat.then(200, &[], r#"{"ok": false, "error": "channel_not_found"}"#);
    let d = juno.notify().deliver(10).unwrap();
    assert_eq!(d.retrying, 1);
    assert!(d.errors[0].contains("channel_not_found"));
    let got = chat.got();
    assert_eq!(got[0].path, "/api/chat.postMessage");
    assert_eq!(got[0].auth.as_deref(), Some("Bearer xoxb-test"));
    assert_eq!(got[0].body["channel"], "C42");
    let buttons = got[0].body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .unwrap()["elements"]
        .clone();
    let value = format!("{}:{}", r.id, r.digest);
    assert_eq!(buttons[0]["action_id"], SLACK_APPROVE);
    assert_eq!(buttons[0]["value"], value);
    assert_eq!(buttons[1]["action_id"], SLACK_REJECT);
    assert_eq!(juno.notify().slack_user("U1"), None);
}

#[test]
fn break_glass_tells_every_skipped_approver() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.teams_webhook_url = Some(Secret::new(format!("{}/t", chat.url)));
        c.notify.kinds = vec![NoticeKind::BreakGlass];
    });
    roles(&juno);
    let gov = juno.governance();
    let r = gov
        .submit(proposal("ALPHA-3", ImpactLevel::Low, 0.4))
        .unwrap();
    gov.break_glass(r.id, "em", &r.digest, "prod outage")
        .unwrap();
    let c = juno.notify().collect().unwrap();
    assert_eq!(c.queued, 1, "only the kinds configured: break_glass");
    let m = &juno.notify().outbox(None, 10).unwrap()[0];
    assert_eq!(m.kind, "break_glass");
    let text = m.body.to_string();
    assert!(text.contains("Break-glass approval by em"), "{text}");
    assert!(
        text.contains("prod outage") && text.contains("lead"),
        "{text}"
    );
}

#[derive(Default)]
struct Noop;

impl Executor for Noop {
    fn execute(&mut self, _: &Action) -> Result<Value, String> {
        Ok(json!({}))
    }
}

#[test]
fn escalation_and_execution_are_announced() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.slack_webhook_url = Some(Secret::new(format!("{}/s", chat.url)));
    });
    roles(&juno);
    let gov = juno.governance();
    let a = gov
        .submit(proposal("ALPHA-4", ImpactLevel::Low, 0.4))
        .unwrap();
    let b = gov
        .submit(proposal("ALPHA-5", ImpactLevel::Low, 0.4))
        .unwrap();
    juno.notify().collect().unwrap();
    gov.escalate(a.id, "lead", "needs a manager").unwrap();
    let approved = gov.approve(b.id, "lead", &b.digest).unwrap();
    gov.execute(b.id, &approved.action, &mut Noop).unwrap();
    juno.notify().collect().unwrap();
    let kinds: Vec<String> = juno
        .notify()
        .outbox(None, 10)
        .unwrap()
        .into_iter()
        .rev()
        .map(|m| m.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "approval_requested",
            "approval_requested",
            "escalated",
            "executed"
        ]
    );
    let all = juno.notify().outbox(None, 10).unwrap();
    assert!(all.iter().all(|m| m.channel == Channel::Slack));
}

#[test]
fn slack_text_is_verbatim_so_bare_links_stay_text() {
    let chat = Chat::start();
    let (juno, _) = engine(|c| {
        c.notify.slack_webhook_url = Some(Secret::new(format!("{}/s", chat.url)));
    });
    roles(&juno);
    juno.governance()
        .submit(proposal(
            "https://evil.example/login",
            ImpactLevel::Low,
            0.4,
        ))
        .unwrap();
    juno.notify().collect().unwrap();
    let m = &juno.notify().outbox(None, 1).unwrap()[0];
    let mrkdwn: Vec<&Value> = m.body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| {
            let mut v: Vec<&Value> = b.get("text").into_iter().collect();
            if let Some(e) = b.get("elements").and_then(Value::as_array) {
                v.extend(e.iter().filter(|e| e["type"] == "mrkdwn"));
            }
            v
        })
        .filter(|t| t["type"] == "mrkdwn")
        .collect();
    assert!(!mrkdwn.is_empty());
    assert!(mrkdwn.iter().all(|t| t["verbatim"] == true), "{mrkdwn:?}");
}
