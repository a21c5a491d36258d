//! The Jira source against a real HTTP server on 127.0.0.1 that speaks Jira's JSON
//! (`common/jira_standin.rs`): paging, field discovery, the mapping to model nouns, the
//! incremental search, politeness (429, 5xx, timeouts, the rate limit), refused tokens,
//! the executor's writes, and the export importers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/jira_standin.rs"]
mod jira_standin;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use juno_core::config::Secret;
use juno_core::model::{Priority, User};
use juno_core::source::export::{self, ExportSettings, ExportSource};
use juno_core::source::jira::{Flavor, JiraClient, JiraSettings, JiraSource, TeamNaming};
use juno_core::source::{Source, SyncProgress};
use juno_core::{Error, ErrorKind, Juno, ManualClock};
use serde_json::{Value, json};

use jira_standin::{Fault, Standin, alpha, base64};

const TOKEN: &str = "tok-s3cr3t-XYZ";
const EMAIL: &str = "bot@acme.test";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    // Thursday of the active sprint's first week, after noon: 4 working days in.
    t("2026-01-08T14:00:00Z")
}

fn cloud_auth() -> String {
    format!("Basic {}", base64(&format!("{EMAIL}:{TOKEN}")))
}

fn cloud(url: &str) -> JiraSettings {
    JiraSettings {
        base_url: url.to_owned(),
        flavor: Flavor::Cloud,
        email: Some(EMAIL.into()),
        token: Secret::new(TOKEN),
        projects: vec!["ALPHA".into()],
        max_requests_per_second: 0.0,
        timeout_secs: 5.0,
        backoff_ms: 5,
        ..JiraSettings::default()
    }
}

fn cloud_standin() -> (Standin, JiraSettings) {
    let s = Standin::start(alpha(), &cloud_auth());
    let settings = cloud(&s.url);
    (s, settings)
}

#[test]
fn a_first_pull_reads_every_page_and_every_noun() {
    let (site, settings) = cloud_standin();
    let mut src = JiraSource::new(settings).unwrap();
    let snap = src.pull(None, now()).unwrap();

    // Every call carried the credential.
    let log = site.log();
    assert!(
        log.iter()
            .all(|r| r.auth.as_deref() == Some(cloud_auth().as_str()))
    );
    // 250 issues over three pages of 100, by nextPageToken.
    let searches = site.requests("/rest/api/3/search/jql");
    assert_eq!(searches.len(), 3);
    assert!(searches.iter().all(|r| r.query["maxResults"] == "100"));
    assert_eq!(searches[0].query.get("nextPageToken"), None);
    assert_eq!(searches[1].query["nextPageToken"], "tok-100");
    assert_eq!(searches[0].query["expand"], "changelog");
    let fields = &searches[0].query["fields"];
    assert!(fields.contains("customfield_10016") && fields.contains("customfield_10020"));
    assert_eq!(
        searches[0].query["jql"],
        "project in (\"ALPHA\") ORDER BY updated ASC, key ASC"
    );
    assert_eq!(snap.tickets.len(), 250);
    // Sprints only of the scrum board; never of the kanban one (it has none).
    assert!(site.requests("/rest/agile/1.0/board/2").is_empty());
    assert_eq!(site.requests("/rest/agile/1.0/board/1/sprint").len(), 1);

    // The truncated changelog was read whole.
    assert_eq!(
        site.requests("/rest/api/3/issue/ALPHA-12/changelog").len(),
        1
    );
    let a12 = snap.tickets.iter().find(|t| t.key == "ALPHA-12").unwrap();
    assert_eq!(a12.events.iter().filter(|e| e.field == "status").count(), 5);
    assert_eq!(a12.last_change, Some(t("2025-11-24T10:00:00Z")));

    // Tickets, in key order, mapped field by field.
    assert_eq!(snap.tickets[0].key, "ALPHA-1");
    assert_eq!(snap.tickets[9].key, "ALPHA-10");
    let get = |k: &str| snap.tickets.iter().find(|t| t.key == k).unwrap();
    let a9 = get("ALPHA-9");
    assert_eq!(a9.team, "Alpha Board");
    assert!(a9.blocked, "blocked by the unresolved ALPHA-10");
    assert_eq!(a9.last_comment, Some(t("2026-01-06T15:00:00Z")));
    assert_eq!(a9.assignee_last_activity, Some(t("2026-01-06T15:00:00Z")));
    assert!(a9.in_active_sprint);
    assert_eq!(a9.priority, Some(Priority::Lowest));
    assert_eq!(get("ALPHA-10").blocking, 1);
    assert!(!get("ALPHA-10").blocked);
    assert!(get("ALPHA-11").blocked, "flagged as an impediment");
    assert_eq!(get("ALPHA-11").status.as_deref(), Some("In Review"));
    assert_eq!(get("ALPHA-1").assignee, Some(User::from("acc-bob")));
    assert_eq!(get("ALPHA-1").estimated, Some(true));
    assert_eq!(get("ALPHA-13").estimated, Some(false));
    assert_eq!(get("ALPHA-10").has_description, Some(false));
    assert_eq!(get("ALPHA-11").has_description, Some(true));
    assert_eq!(
        get("ALPHA-3").labels,
        vec!["ui".to_owned(), "xy".to_owned()]
    );
    assert_eq!(get("ALPHA-20").updated, Some(t("2025-12-01T08:20:00Z")));
    let a2 = get("ALPHA-2");
    assert!(
        a2.events
            .iter()
            .any(|e| e.field == "assignee" && e.to == "acc-cy")
    );
    assert!(!get("ALPHA-2").in_active_sprint);

    // Finished sprints: members, done by the end, points committed at the start.
    assert_eq!(snap.sprints.len(), 2);
    let s1 = &snap.sprints[0];
    assert_eq!(
        (s1.id.as_str(), s1.team.as_str()),
        ("Alpha S1", "Alpha Board")
    );
    assert_eq!(s1.members, ["ALPHA-1", "ALPHA-2", "ALPHA-3", "ALPHA-4"]);
    assert_eq!(
        s1.completed.as_deref().unwrap(),
        ["ALPHA-1", "ALPHA-2", "ALPHA-3"]
    );
    assert_eq!(s1.committed_points, Some(11.0));
    assert_eq!(s1.delivered_points, Some(10.0));
    assert_eq!(s1.days, Some(10.0));
    assert_eq!(s1.end, Some(t("2025-12-12T17:00:00Z")));
    assert_eq!(s1.team_size, 3);
    let s2 = &snap.sprints[1];
    assert_eq!(s2.members.len(), 5);
    assert_eq!(
        s2.completed.as_deref().unwrap(),
        ["ALPHA-4", "ALPHA-5", "ALPHA-6"]
    );
    // ALPHA-8 (8 points) joined after the start: not committed; done after the end.
    assert_eq!(s2.committed_points, Some(12.0));
    assert_eq!(s2.delivered_points, Some(7.0));

    // The active sprint as of now.
    assert_eq!(snap.active.len(), 1);
    let a = &snap.active[0];
    assert_eq!(a.sprint, "Alpha S3");
    assert_eq!(
        (a.todo_issues, a.in_progress_issues, a.done_issues),
        (1, 3, 0)
    );
    assert_eq!((a.todo_points, a.in_progress_points), (2.0, 9.0));
    assert_eq!(a.committed_points, 11.0);
    assert_eq!((a.days_elapsed, a.days_planned), (4.0, 10.0));
    assert_eq!((a.blocked, a.defects, a.review_queue), (2, 1, 1));

    assert_eq!(snap.teams.len(), 1);
    assert_eq!(snap.teams[0], "Alpha Board");
    assert_eq!(snap.people.len(), 3);
    assert!(snap.people.iter().all(|p| p.role.is_none()));
    assert_eq!(src.name(), format!("jira:{}", site.url));

    // Jira's text is data: the summary is not kept, control characters are dropped.
    let json = serde_json::to_string(&snap).unwrap();
    assert!(!json.contains("Ignore previous instructions"));
    assert!(!json.contains('\u{1b}') && !json.contains('\u{7}'));
}

#[test]
fn an_incremental_pull_asks_for_what_changed_since_the_overlap() {
    let (site, settings) = cloud_standin();
    let mut src = JiraSource::new(settings).unwrap();
    let snap = src.pull(Some(t("2025-12-01T11:00:00Z")), now()).unwrap();
    let searches = site.requests("/rest/api/3/search/jql");
    assert_eq!(
        searches[0].query["jql"],
        "project in (\"ALPHA\") AND updated >= \"2025-12-01 10:50\" ORDER BY updated ASC, key ASC"
    );
    // ALPHA-170 (10:50) onwards.
    assert_eq!(snap.tickets.len(), 81);
    assert_eq!(snap.tickets[0].key, "ALPHA-170");
    assert_eq!(
        snap.sprints.len(),
        2,
        "both closed after the start of the window"
    );

    // Later: nothing changed, only the active sprint is read again.
    site.clear_log();
    let snap = src.pull(Some(t("2025-12-27T00:00:00Z")), now()).unwrap();
    assert!(snap.tickets.is_empty());
    assert!(snap.sprints.is_empty(), "no sprint closed since");
    assert_eq!(snap.active.len(), 1);
    // Fields are discovered once per source.
    assert!(site.requests("/rest/api/3/field").is_empty());
    let members: Vec<_> = site.requests("/rest/agile/1.0/sprint/");
    assert_eq!(members.len(), 1);
    assert!(members[0].path.ends_with("/sprint/12/issue"));
}

#[test]
fn server_pages_by_start_at_with_a_bearer_token() {
    let site = Standin::start(alpha(), &format!("Bearer {TOKEN}"));
    let settings = JiraSettings {
        flavor: Flavor::Server,
        email: None,
        team_naming: TeamNaming::Project,
        page_size: 100,
        ..cloud(&site.url)
    };
    let mut src = JiraSource::new(settings).unwrap();
    let snap = src.pull(None, now()).unwrap();
    let searches = site.requests("/rest/api/2/search");
    let starts: Vec<&str> = searches
        .iter()
        .map(|r| r.query["startAt"].as_str())
        .collect();
    assert_eq!(starts, ["0", "100", "200"]);
    assert_eq!(site.requests("/rest/api/2/field").len(), 1);
    assert!(site.requests("/rest/api/3").is_empty());
    // Server reads a truncated changelog from the issue itself.
    let full = site.requests("/rest/api/2/issue/ALPHA-12");
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].query["expand"], "changelog");
    assert_eq!(snap.tickets.len(), 250);
    let a1 = &snap.tickets[0];
    assert_eq!(a1.assignee, Some(User::from("bob")));
    assert_eq!(a1.team, "ALPHA");
    assert_eq!(snap.sprints[0].team, "ALPHA");
}

#[test]
fn a_429_waits_for_retry_after_and_a_500_is_retried() {
    let (site, settings) = cloud_standin();
    site.fault("/rest/api/3/field", Fault::Status(500, None));
    site.fault("/rest/api/3/search/jql", Fault::Status(429, Some(1)));
    let mut src = JiraSource::new(settings).unwrap();
    let snap = src.pull(None, now()).unwrap();
    assert_eq!(snap.tickets.len(), 250);
    assert_eq!(site.requests("/rest/api/3/field").len(), 2);
    let searches = site.requests("/rest/api/3/search/jql");
    assert_eq!(searches.len(), 4);
    let waited = searches[1].at - searches[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    // The retried page is the same page.
    assert_eq!(searches[1].query.get("nextPageToken"), None);
}

#[test]
fn a_server_error_that_persists_is_a_remote_error_after_the_retries() {
    let (site, settings) = cloud_standin();
    for _ in 0..3 {
        site.fault("/rest/api/3/field", Fault::Status(503, None));
    }
    let mut src = JiraSource::new(JiraSettings {
        max_retries: 2,
        ..settings
    })
    .unwrap();
    let err = src.pull(None, now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(
        matches!(
            err,
            Error::Remote {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(site.requests("/rest/api/3/field").len(), 3);
    // 4xx other than 429 is not retried.
    site.clear_log();
    let client = JiraClient::new(cloud(&site.url)).unwrap();
    let err = client.issue_fields("NOPE-1").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Remote {
                status: Some(404),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(site.log().len(), 1);
}

#[test]
fn a_slow_answer_times_out_and_is_retried() {
    let (site, settings) = cloud_standin();
    let quick = JiraSettings {
        timeout_secs: 0.3,
        max_retries: 1,
        ..settings
    };
    // Slow once, then fast: the retry succeeds.
    site.fault(
        "/rest/api/3/issue/ALPHA-1",
        Fault::Slow(Duration::from_millis(1500)),
    );
    let client = JiraClient::new(quick.clone()).unwrap();
    let f = client.issue_fields("ALPHA-1").unwrap();
    assert_eq!(f.status.as_deref(), Some("Done"));
    assert_eq!(site.requests("/rest/api/3/issue/ALPHA-1").len(), 2);
    // Slow every time: a remote error with no status, after the retries.
    for _ in 0..2 {
        site.fault(
            "/rest/api/3/issue/ALPHA-2",
            Fault::Slow(Duration::from_millis(1500)),
        );
    }
    let err = client.issue_fields("ALPHA-2").unwrap_err();
    match &err {
        Error::Remote {
            status: None,
            message,
            ..
        } => assert!(message.contains("no answer within 0.3 s"), "{message}"),
        other => panic!("expected a remote timeout, got {other:?}"),
    }
    assert_eq!(site.requests("/rest/api/3/issue/ALPHA-2").len(), 2);
}

#[test]
fn a_refused_token_is_a_clear_error_without_the_token() {
    let (site, settings) = cloud_standin();
    let expired = "expired-T0KEN-4242";
    let mut src = JiraSource::new(JiraSettings {
        token: Secret::new(expired),
        ..settings
    })
    .unwrap();
    let err = src.pull(None, now()).unwrap_err();
    assert!(matches!(
        err,
        Error::Remote {
            status: Some(401),
            ..
        }
    ));
    let text = format!("{err} {err:?}");
    assert!(text.contains("token was refused"), "{text}");
    assert!(text.contains("Browse projects"), "{text}");
    assert!(!text.contains(expired), "{text}");
    // Not retried: a refused token stays refused.
    assert_eq!(site.log().len(), 1);
}

#[test]
fn the_token_never_shows() {
    let s = cloud("https://acme.atlassian.net");
    let debug = format!("{s:?}");
    assert!(!debug.contains(TOKEN) && debug.contains("***"), "{debug}");
    let client = JiraClient::new(s.clone()).unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));
    let json = serde_json::to_string(&s).unwrap();
    assert!(
        !json.contains(TOKEN) && !json.contains("\"token\""),
        "{json}"
    );

    // Settings read from TOML, defaults filled in, unknown keys refused.
    let read: JiraSettings = toml::from_str(
        "base_url = \"https://acme.atlassian.net\"\nemail = \"a@b.c\"\ntoken = \"t0k\"\nprojects = [\"ALPHA\"]\n",
    )
    .unwrap();
    assert_eq!(read.token.expose(), "t0k");
    assert_eq!(
        (
            read.page_size,
            read.max_requests_per_second,
            read.timeout_secs,
            read.max_retries,
            read.overlap_minutes
        ),
        (100, 5.0, 30.0, 5, 10)
    );
    assert_eq!(
        (read.flavor, read.team_naming),
        (Flavor::Cloud, TeamNaming::Board)
    );
    assert!(toml::from_str::<JiraSettings>("base_url = \"x\"\npage_sise = 3\n").is_err());
    let bad = JiraSettings {
        page_size: 0,
        ..s.clone()
    };
    assert_eq!(bad.validate().unwrap_err().kind(), ErrorKind::Config);
    let no_email = JiraSettings { email: None, ..s };
    assert!(
        no_email
            .validate()
            .unwrap_err()
            .to_string()
            .contains("jira.email")
    );
}

#[test]
fn the_rate_limit_spaces_the_calls() {
    let (site, settings) = cloud_standin();
    let client = JiraClient::new(JiraSettings {
        max_requests_per_second: 10.0,
        ..settings
    })
    .unwrap();
    // Measured where the limit is applied, in the client: when the server logs a request
    // depends on how busy the machine is, when the client may send one does not.
    let started = std::time::Instant::now();
    for k in ["ALPHA-1", "ALPHA-2", "ALPHA-3", "ALPHA-4"] {
        client.issue_fields(k).unwrap();
    }
    let took = started.elapsed();
    assert_eq!(site.log().len(), 4);
    // Four calls at 10 per second: three gaps of at least 100 ms.
    assert!(
        took >= Duration::from_millis(295),
        "four calls took {took:?}"
    );
}

#[test]
fn the_writes_the_executor_makes() {
    let (site, settings) = cloud_standin();
    let client = JiraClient::new(settings).unwrap();

    // A comment in Atlassian Document Format on Cloud.
    let id = client
        .add_comment(
            "ALPHA-9",
            "Blocked for 3 days.\nPinging the owner.\n\n— juno",
        )
        .unwrap();
    assert_eq!(id, "10001");
    let posted = site.requests("/rest/api/3/issue/ALPHA-9/comment");
    assert_eq!(posted[0].method, "POST");
    let body: Value = serde_json::from_str(&posted[0].body).unwrap();
    assert_eq!(body["body"]["type"], "doc");
    assert_eq!(body["body"]["version"], 1);
    assert_eq!(
        body["body"]["content"][0]["content"][0]["text"],
        "Blocked for 3 days."
    );
    assert_eq!(body["body"]["content"][1]["content"][0]["text"], "— juno");

    // Read before a write, then transition: the transitions are read, the right one taken.
    let before = client.issue_fields("ALPHA-9").unwrap();
    assert_eq!(before.status.as_deref(), Some("To Do"));
    assert_eq!(before.assignee, Some(User::from("acc-ann")));
    client.transition("ALPHA-9", "done").unwrap();
    let tr = site.requests("/rest/api/3/issue/ALPHA-9/transitions");
    assert_eq!(
        (tr[0].method.as_str(), tr[1].method.as_str()),
        ("GET", "POST")
    );
    let body: Value = serde_json::from_str(&tr[1].body).unwrap();
    assert_eq!(body, json!({ "transition": { "id": "31" } }));
    assert_eq!(
        client.issue_fields("ALPHA-9").unwrap().status.as_deref(),
        Some("Done")
    );
    let err = client.transition("ALPHA-9", "Shipped").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert!(err.to_string().contains("`Done`"), "{err}");

    // Assign and unassign (the revert of an assignment to nobody).
    client
        .assign("ALPHA-9", Some(&User::from("acc-cy")))
        .unwrap();
    assert_eq!(
        client.issue_fields("ALPHA-9").unwrap().assignee,
        Some(User::from("acc-cy"))
    );
    client.assign("ALPHA-9", None).unwrap();
    assert_eq!(client.issue_fields("ALPHA-9").unwrap().assignee, None);
    let put = site.requests("/rest/api/3/issue/ALPHA-9/assignee");
    assert_eq!(put[0].body, r#"{"accountId":"acc-cy"}"#);
    assert_eq!(put[1].body, r#"{"accountId":null}"#);

    // The idempotency marker round trip.
    assert_eq!(client.get_property("ALPHA-9", "juno.marker").unwrap(), None);
    let marker = json!({ "digest": "ab12", "at": "2026-01-08T14:00:00Z" });
    client
        .put_property("ALPHA-9", "juno.marker", &marker)
        .unwrap();
    assert_eq!(
        client.get_property("ALPHA-9", "juno.marker").unwrap(),
        Some(marker)
    );
    assert!(
        site.log()
            .iter()
            .all(|r| r.auth.as_deref() == Some(cloud_auth().as_str()))
    );

    // A key cannot reshape the path.
    assert_eq!(
        client.get_property("../../myself", "x").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[test]
fn server_comments_are_plain_text() {
    let site = Standin::start(alpha(), &format!("Bearer {TOKEN}"));
    let client = JiraClient::new(JiraSettings {
        flavor: Flavor::Server,
        email: None,
        ..cloud(&site.url)
    })
    .unwrap();
    client.add_comment("ALPHA-1", "plain words").unwrap();
    let posted = site.requests("/rest/api/2/issue/ALPHA-1/comment");
    assert_eq!(posted[0].body, r#"{"body":"plain words"}"#);
    client.assign("ALPHA-1", Some(&User::from("ann"))).unwrap();
    assert_eq!(
        site.requests("/rest/api/2/issue/ALPHA-1/assignee")[0].body,
        r#"{"name":"ann"}"#
    );
}

/// The stand-in's issues as a search answer with `names`, as a JSON export holds them.
fn json_export() -> String {
    let data = alpha();
    let mut issues = data.issues.clone();
    for i in &mut issues {
        let key = i["key"].as_str().unwrap().to_owned();
        if let Some(full) = data.changelogs.get(&key) {
            i["changelog"]["histories"] = json!(full);
        }
    }
    json!({
        "issues": issues,
        "names": { "customfield_10016": "Story point estimate", "customfield_10020": "Sprint", "customfield_10021": "Flagged" }
    })
    .to_string()
}

#[test]
fn a_json_export_reads_like_the_rest_api() {
    let (_site, settings) = cloud_standin();
    let rest = JiraSource::new(JiraSettings {
        team_naming: TeamNaming::Project,
        ..settings
    })
    .unwrap()
    .pull(None, now())
    .unwrap();
    let file = export::from_json(
        "alpha.json",
        &json_export(),
        &ExportSettings::default(),
        now(),
    )
    .unwrap();
    // The same mapping: the same tickets, field for field.
    assert_eq!(file.tickets, rest.tickets);
    // Sprints from the issues' sprint field: the same figures.
    assert_eq!(file.sprints, rest.sprints);
    assert_eq!(file.active, rest.active);
    assert_eq!(file.teams, rest.teams);

    let mut bad: Value = serde_json::from_str(&json_export()).unwrap();
    bad["issues"][3]["fields"]["created"] = json!("last tuesday");
    let err = export::from_json(
        "alpha.json",
        &bad.to_string(),
        &ExportSettings::default(),
        now(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("alpha.json: issues[3].fields.created"),
        "{msg}"
    );
    assert!(
        msg.contains("ALPHA-4") && msg.contains("last tuesday"),
        "{msg}"
    );
    let err = export::from_json(
        "alpha.json",
        "{\"issues\": [",
        &ExportSettings::default(),
        now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("alpha.json"), "{err}");
}

const CSV: &str = "\
Issue key,Issue Type,Status,Priority,Assignee,Created,Updated,Resolved,Sprint,Sprint,Custom field (Story Points),Labels,Labels,Inward issue link (Blocks),Outward issue link (Blocks),Comment,Description
BETA-1,Story,Done,High,ann,02/Jan/26 9:00 AM,05/Jan/26 4:30 PM,05/Jan/26 4:30 PM,Beta S1,,5,ui,web,,BETA-2,05/Jan/26 3:00 PM;ann;looks good,Some text
BETA-2,Bug,In Progress,Blocker,bob,02/Jan/26 10:00 AM,06/Jan/26 11:00 AM,,Beta S1,Beta S2,3,,,BETA-1,,,
BETA-3,Story,To Do,Minor,,03/Jan/26 10:00 AM,03/Jan/26 10:00 AM,,Beta S2,,,,,BETA-4,,,
BETA-4,Story,In Progress,Medium,bob,03/Jan/26 10:00 AM,03/Jan/26 10:00 AM,,,,,,,,,,
";

#[test]
fn a_csv_export_reads_repeated_columns() {
    let snap = export::from_csv(
        "beta.csv",
        CSV,
        &ExportSettings {
            flavor: Flavor::Server,
            ..ExportSettings::default()
        },
        now(),
    )
    .unwrap();
    assert_eq!(snap.tickets.len(), 4);
    let b1 = &snap.tickets[0];
    assert_eq!(b1.team, "BETA");
    assert_eq!(b1.priority, Some(Priority::High));
    assert_eq!(b1.assignee, Some(User::from("ann")));
    assert_eq!(b1.labels, ["ui", "web"]);
    assert_eq!(b1.created, Some(t("2026-01-02T09:00:00Z")));
    assert_eq!(b1.updated, Some(t("2026-01-05T16:30:00Z")));
    assert_eq!(b1.last_comment, Some(t("2026-01-05T15:00:00Z")));
    assert_eq!(b1.blocking, 1);
    assert_eq!(b1.has_description, Some(true));
    assert_eq!(b1.estimated, Some(true));
    // Blocked by BETA-1, which is done: not blocked. BETA-3 by the open BETA-4: blocked.
    assert!(!snap.tickets[1].blocked);
    assert!(snap.tickets[2].blocked);
    assert_eq!(snap.tickets[1].priority, Some(Priority::Highest));
    assert_eq!(snap.tickets[2].estimated, Some(false));
    // Sprints from the repeated Sprint column, without dates.
    let s1 = snap.sprints.iter().find(|s| s.id == "Beta S1").unwrap();
    assert_eq!(s1.members, ["BETA-1", "BETA-2"]);
    assert_eq!(s1.completed.as_deref().unwrap(), ["BETA-1"]);
    assert_eq!(
        (s1.committed_points, s1.delivered_points),
        (Some(8.0), Some(5.0))
    );
    assert_eq!(s1.start, None);
    assert_eq!(snap.people.len(), 2);

    // A bad cell names the file, the line and the column.
    let bad = CSV.replace(
        "03/Jan/26 10:00 AM,03/Jan/26 10:00 AM,,Beta S2",
        "03/Jan/26 10:00 AM,someday,,Beta S2",
    );
    let err = export::from_csv("beta.csv", &bad, &ExportSettings::default(), now()).unwrap_err();
    assert!(
        err.to_string().contains("beta.csv: line 4: Updated"),
        "{err}"
    );
    let bad = CSV.replace(",5,ui", ",five,ui");
    let err = export::from_csv("beta.csv", &bad, &ExportSettings::default(), now()).unwrap_err();
    assert!(
        err.to_string()
            .contains("beta.csv: line 2: Custom field (Story Points)"),
        "{err}"
    );
    let err = export::from_csv(
        "beta.csv",
        "Key,Status\nX-1,Done\n",
        &ExportSettings::default(),
        now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Issue key"), "{err}");
}

#[test]
fn an_export_file_is_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("beta.csv");
    std::fs::write(&csv, CSV).unwrap();
    let mut src = ExportSource::new(&csv, ExportSettings::default());
    assert!(src.name().starts_with("export:"));
    assert_eq!(src.pull(None, now()).unwrap().tickets.len(), 4);
    let json = dir.path().join("alpha.json");
    std::fs::write(&json, json_export()).unwrap();
    let snap = ExportSource::new(&json, ExportSettings::default())
        .pull(None, now())
        .unwrap();
    assert_eq!(snap.tickets.len(), 250);
    let missing = ExportSource::new(dir.path().join("nope.csv"), ExportSettings::default())
        .pull(None, now())
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io);
}

#[test]
fn a_refused_permission_names_the_permission_and_is_not_retried() {
    let (site, settings) = cloud_standin();
    site.fault(
        "/rest/api/3/issue/ALPHA-1/comment",
        Fault::Status(403, None),
    );
    let client = JiraClient::new(settings).unwrap();
    let err = client.add_comment("ALPHA-1", "hi").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Remote {
                status: Some(403),
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("refused permission") && text.contains("`Add comments`"),
        "{text}"
    );
    assert!(!text.contains(TOKEN));
    assert_eq!(site.log().len(), 1);
}

/// Every progress event of a sync of the stand-in site, in order.
fn sync_events(settings: JiraSettings) -> (Vec<SyncProgress>, u64) {
    let juno = Juno::open_in_memory()
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(now())));
    let mut src = JiraSource::new(settings).unwrap();
    let mut events = Vec::new();
    let report = juno
        .source()
        .sync_with_progress(&mut src, &mut |p| events.push(p.clone()))
        .unwrap();
    (events, report.stored.total())
}

#[test]
fn a_sync_reports_each_page_as_it_fetches_it() {
    let (_site, settings) = cloud_standin();
    let (events, stored) = sync_events(settings);
    let phase = |name: &str| -> Vec<(u64, Option<u64>)> {
        events
            .iter()
            .filter(|e| e.phase == name)
            .map(|e| (e.count, e.total))
            .collect()
    };
    // Cloud's search pages by token and never says how many issues there are.
    assert_eq!(
        phase("issues"),
        [(100, None), (200, None), (250, None)],
        "{events:?}"
    );
    // One history (ALPHA-12) was truncated and completed.
    assert_eq!(phase("changelogs"), [(1, Some(1))]);
    // The two closed sprints and the active one, out of three wanted.
    assert_eq!(phase("sprints"), [(1, Some(3)), (2, Some(3)), (3, Some(3))]);
    // Nothing but the last event says the sync is done, and it counts what was stored.
    let last = events.last().unwrap();
    assert_eq!(
        (last.phase.as_str(), last.count, last.done),
        ("stored", stored, true)
    );
    assert_eq!(events.iter().filter(|e| e.done).count(), 1);
    // The phases come in order, each counting up.
    let order: Vec<&str> = events.iter().map(|e| e.phase.as_str()).collect();
    let first = |p: &str| order.iter().position(|x| *x == p).unwrap();
    assert!(first("issues") < first("changelogs") && first("changelogs") < first("sprints"));
}

#[test]
fn a_server_sync_reports_the_total_the_search_announces() {
    let site = Standin::start(alpha(), &format!("Bearer {TOKEN}"));
    let settings = JiraSettings {
        flavor: Flavor::Server,
        email: None,
        ..cloud(&site.url)
    };
    let (events, _) = sync_events(settings);
    let issues: Vec<(u64, Option<u64>)> = events
        .iter()
        .filter(|e| e.phase == "issues")
        .map(|e| (e.count, e.total))
        .collect();
    assert_eq!(
        issues,
        [(100, Some(250)), (200, Some(250)), (250, Some(250))]
    );
}

#[test]
fn a_failed_sync_reports_no_end() {
    let (site, settings) = cloud_standin();
    // A refused permission is not retried: the sync stops at the first sprint's issues,
    // after the search has reported its pages.
    site.fault("/rest/agile/1.0/sprint/", Fault::Status(403, None));
    let juno = Juno::open_in_memory().unwrap();
    let mut src = JiraSource::new(settings).unwrap();
    let mut events = Vec::new();
    let err = juno
        .source()
        .sync_with_progress(&mut src, &mut |p| events.push(p.clone()))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Remote);
    assert!(events.iter().any(|e| e.phase == "issues"), "{events:?}");
    assert!(events.iter().all(|e| !e.done), "{events:?}");
}
