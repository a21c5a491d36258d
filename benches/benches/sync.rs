//! `sync/incremental_10k`: an incremental sync of 10,000 changed Jira issues, each with
//! its change history, from a Jira Cloud stand-in on 127.0.0.1 (`JiraSource::pull` and the
//! store, through `juno.source().sync`). Target (issue #9): under 10 s.
//!
//! The stand-in is a real HTTP/1.1 server started here, speaking Jira Cloud's JSON for the
//! calls a sync makes: 20 projects, one scrum board each (two closed sprints and an active
//! one), 500 issues per project. A template database holds a full sync of the first version
//! of the site; then every issue changes (one more changelog entry, a later `updated`) and
//! each sample syncs a fresh copy of the template. The stand-in answers every search with
//! all 10,000 issues (all of them changed since the last sync, so a JQL filter would keep
//! them all) from pages rendered in advance, so its own serving time is small and is
//! measured: it is subtracted to give the client's own time.
//!
//! The other benchmarks split the sync: `sync/pull_10k` is the pull alone (HTTP, JSON,
//! mapping), and `sync/raw_fetch` requests exactly the URLs one pull requested, over a bare
//! `TcpStream`, reading the bytes and nothing else. The pull minus the raw fetch is what the
//! client adds per issue above moving the bytes.
//! Run: `cargo bench -p juno-benches --bench sync`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use juno_core::config::Secret;
use juno_core::source::Source;
use juno_core::source::jira::{Flavor, JiraSettings, JiraSource};
use juno_core::{Juno, ManualClock};
use serde_json::{Value, json};

const PROJECTS: u64 = 20;
const ISSUES_PER_PROJECT: u64 = 500;
const PAGE: usize = 100;
const EMAIL: &str = "bench@example.com";
const TOKEN: &str = "bench-token";
/// The full sync of version 0 happens at `LAST_SYNC`; version 1 changes every issue on
/// 2026-01-05; the incremental sync runs at `NOW`.
const LAST_SYNC: &str = "2026-01-02T00:00:00Z";
const NOW: &str = "2026-01-05T12:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn base64(input: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                T[((n >> (18 - 6 * k)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

fn sprint(p: u64, k: u64) -> Value {
    let (state, start, end) = match k {
        1 => ("closed", "2025-12-01", "2025-12-12"),
        2 => ("closed", "2025-12-15", "2025-12-26"),
        _ => ("active", "2025-12-29", "2026-01-09"),
    };
    let mut s = json!({
        "id": p * 10 + k, "name": format!("T{p:02} S{k}"), "state": state,
        "boardId": p + 1, "originBoardId": p + 1,
        "startDate": format!("{start}T09:00:00.000Z"), "endDate": format!("{end}T17:00:00.000Z"),
    });
    if state == "closed" {
        s["completeDate"] = json!(format!("{end}T17:00:00.000Z"));
    }
    s
}

fn history(id: u64, at: &str, who: &str, field: &str, from: &str, to: &str) -> Value {
    json!({
        "id": id.to_string(), "created": at,
        "author": { "accountId": who, "displayName": who },
        "items": [{ "field": field, "fieldtype": "jira", "fromString": from, "toString": to,
                    "from": if field == "assignee" { json!(from) } else { Value::Null },
                    "to": if field == "assignee" { json!(to) } else { Value::Null } }]
    })
}

/// Issue `n` of project `p` as Jira Cloud's search returns it, in `version` 0 or 1.
fn issue(p: u64, n: u64, version: usize) -> Value {
    let who = format!("acc-t{p:02}-{}", n % 5);
    let (status, cat, sprints, resolved) = match n {
        1..=25 => ("Done", "done", vec![sprint(p, 1)], Some("2025-12-10")),
        26..=50 => ("Done", "done", vec![sprint(p, 2)], Some("2025-12-24")),
        51..=60 => ("Done", "done", vec![sprint(p, 3)], Some("2026-01-01")),
        61..=68 => ("In Progress", "indeterminate", vec![sprint(p, 3)], None),
        69..=75 => ("To Do", "new", vec![sprint(p, 3)], None),
        _ if n.is_multiple_of(7) => ("In Progress", "indeterminate", vec![], None),
        _ => ("To Do", "new", vec![], None),
    };
    let mut histories = vec![history(
        1,
        "2025-11-03T10:00:00.000+0000",
        &who,
        "assignee",
        "",
        &who,
    )];
    if status != "To Do" {
        histories.push(history(
            2,
            "2025-11-04T10:00:00.000+0000",
            &who,
            "status",
            "To Do",
            "In Progress",
        ));
    }
    if status == "Done" {
        let day = resolved.unwrap_or("2025-12-01");
        histories.push(history(
            3,
            &format!("{day}T10:00:00.000+0000"),
            &who,
            "status",
            "In Progress",
            "Done",
        ));
    }
    let minute = p * ISSUES_PER_PROJECT + n;
    let updated = if version == 0 {
        format!(
            "2025-12-{:02}T{:02}:{:02}:00.000+0000",
            1 + (minute / 1440) % 28,
            (minute / 60) % 24,
            minute % 60
        )
    } else {
        let t = format!(
            "2026-01-05T{:02}:{:02}:{:02}.000+0000",
            minute / 3600,
            (minute / 60) % 60,
            minute % 60
        );
        histories.push(history(9, &t, &who, "priority", "Medium", "High"));
        t
    };
    let total = histories.len();
    let points = [1.0, 2.0, 3.0, 5.0, 8.0][(n % 5) as usize];
    json!({
        "id": (100_000 + minute).to_string(),
        "key": format!("T{p:02}-{n}"),
        "fields": {
            "project": { "key": format!("T{p:02}") },
            "status": { "name": status, "statusCategory": { "key": cat } },
            "priority": { "name": if version == 0 { "Medium" } else { "High" } },
            "assignee": { "accountId": who, "displayName": who },
            "labels": if n.is_multiple_of(11) { json!(["backend"]) } else { json!([]) },
            "created": "2025-11-03T09:00:00.000+0000",
            "updated": updated,
            "resolutiondate": resolved.map(|d| format!("{d}T10:00:00.000+0000")),
            "issuetype": { "name": if n.is_multiple_of(9) { "Bug" } else { "Story" } },
            "comment": { "comments": [], "total": 0 },
            "issuelinks": [],
            "description": if n.is_multiple_of(4) { Value::Null } else { json!({ "type": "doc", "version": 1, "content": [] }) },
            "summary": format!("Work item {n}"),
            "customfield_10016": points,
            "customfield_10020": sprints,
        },
        "changelog": { "startAt": 0, "maxResults": total, "total": total, "histories": histories }
    })
}

/// What the stand-in serves in one version, rendered in advance.
struct Site {
    /// Search pages of `PAGE` issues, by page number.
    search: Vec<Vec<u8>>,
    /// Sprint members (no changelog), by sprint id.
    members: BTreeMap<u64, Vec<Value>>,
}

impl Site {
    fn build(version: usize) -> Site {
        let mut issues = Vec::new();
        let mut members: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
        for p in 0..PROJECTS {
            for n in 1..=ISSUES_PER_PROJECT {
                let i = issue(p, n, version);
                for s in i["fields"]["customfield_10020"].as_array().unwrap() {
                    let mut m = i.clone();
                    m.as_object_mut().unwrap().remove("changelog");
                    members
                        .entry(s["id"].as_u64().unwrap())
                        .or_default()
                        .push(m);
                }
                issues.push(i);
            }
        }
        // Jira orders this search by `updated`: version 0's times are not in key order.
        issues.sort_by(|a, b| {
            a["fields"]["updated"]
                .as_str()
                .cmp(&b["fields"]["updated"].as_str())
        });
        let pages = issues.len().div_ceil(PAGE);
        let search = issues
            .chunks(PAGE)
            .enumerate()
            .map(|(i, chunk)| {
                let mut v = json!({ "issues": chunk, "isLast": i + 1 == pages });
                if i + 1 < pages {
                    v["nextPageToken"] = json!(format!("tok-{}", i + 1));
                }
                v.to_string().into_bytes()
            })
            .collect();
        Site { search, members }
    }
}

struct Server {
    sites: [Site; 2],
    version: AtomicUsize,
    auth: String,
    /// Nanoseconds spent between reading a request's head and flushing its answer.
    busy_ns: AtomicU64,
    requests: AtomicU64,
    recording: AtomicBool,
    targets: Mutex<Vec<String>>,
}

fn query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A `startAt`/`maxResults` page of `items` under `key`.
fn page(items: &[Value], q: &BTreeMap<String, String>, key: &str, total: bool) -> Vec<u8> {
    let num = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (start, max) = (num("startAt", 0), num("maxResults", 50));
    let slice: Vec<&Value> = items.iter().skip(start).take(max).collect();
    let mut v = json!({ "startAt": start, "maxResults": max, key: slice });
    if total {
        v["total"] = json!(items.len());
    } else {
        v["isLast"] = json!(start + max >= items.len());
    }
    v.to_string().into_bytes()
}

impl Server {
    fn route(&self, path: &str, q: &BTreeMap<String, String>) -> (u16, Vec<u8>) {
        let site = &self.sites[self.version.load(Ordering::SeqCst)];
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segs.as_slice() {
            ["rest", "api", "3", "field"] => (
                200,
                json!([
                    { "id": "summary", "name": "Summary", "custom": false },
                    { "id": "customfield_10016", "name": "Story point estimate", "custom": true },
                    { "id": "customfield_10020", "name": "Sprint", "custom": true },
                ])
                .to_string()
                .into_bytes(),
            ),
            ["rest", "agile", "1.0", "board"] => {
                let key = q.get("projectKeyOrId").cloned().unwrap_or_default();
                let p: u64 = key.trim_start_matches('T').parse().unwrap();
                let board = json!({ "id": p + 1, "name": format!("Team {p:02}"), "type": "scrum",
                                    "location": { "projectKey": key } });
                (200, page(&[board], q, "values", false))
            }
            ["rest", "agile", "1.0", "board", id, "sprint"] => {
                let p = id.parse::<u64>().unwrap() - 1;
                let sprints: Vec<Value> = (1..=3).map(|k| sprint(p, k)).collect();
                (200, page(&sprints, q, "values", false))
            }
            ["rest", "agile", "1.0", "sprint", id, "issue"] => {
                let id: u64 = id.parse().unwrap();
                let members = site.members.get(&id).map_or(&[][..], Vec::as_slice);
                (200, page(members, q, "issues", true))
            }
            ["rest", "api", "3", "search", "jql"] => {
                assert_eq!(q.get("maxResults").map(String::as_str), Some("100"));
                let i: usize = q
                    .get("nextPageToken")
                    .map_or(0, |t| t.trim_start_matches("tok-").parse().unwrap());
                (200, site.search[i].clone())
            }
            _ => (404, br#"{"errorMessages":["no route"]}"#.to_vec()),
        }
    }

    fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut auth = None;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("authorization")
            {
                auth = Some(v.trim().to_owned());
            }
        }
        let started = Instant::now();
        let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        if self.recording.load(Ordering::SeqCst) {
            self.targets.lock().unwrap().push(target.clone());
        }
        let (path, q) = target.split_once('?').unwrap_or((&target, ""));
        let (status, body) = if auth.as_deref() == Some(self.auth.as_str()) {
            self.route(path, &query(q))
        } else {
            (401, br#"{"errorMessages":["not authenticated"]}"#.to_vec())
        };
        let mut out = stream;
        out.write_all(
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )?;
        out.write_all(&body)?;
        out.flush()?;
        self.busy_ns
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::SeqCst);
        self.requests.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn start(server: Arc<Server>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let s = Arc::clone(&server);
            thread::spawn(move || {
                let _ = s.serve(stream);
            });
        }
    });
    url
}

/// Requests `targets` one after another over a bare TcpStream, as the client sent them
/// (one connection each, as the stand-in closes each); the bytes received.
fn raw_fetch(addr: &str, auth: &str, targets: &[String]) -> usize {
    let mut total = 0;
    let mut buf = Vec::with_capacity(1 << 20);
    for t in targets {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {t} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nAccept: */*\r\n\r\n"
        )
        .unwrap();
        buf.clear();
        s.read_to_end(&mut buf).unwrap();
        assert!(buf.starts_with(b"HTTP/1.1 200"));
        total += buf.len();
    }
    total
}

fn source(url: &str) -> JiraSource {
    JiraSource::new(JiraSettings {
        base_url: url.to_owned(),
        flavor: Flavor::Cloud,
        email: Some(EMAIL.into()),
        token: Secret::new(TOKEN),
        projects: (0..PROJECTS).map(|p| format!("T{p:02}")).collect(),
        // Unlimited: the default 5 requests/s would put 20 s of waiting into 100 pages.
        max_requests_per_second: 0.0,
        ..JiraSettings::default()
    })
    .unwrap()
}

fn open(path: &Path, now: &str) -> Juno {
    Juno::open_path(path)
        .unwrap()
        .with_clock(Arc::new(ManualClock::new(at(now))))
}

fn bench(c: &mut Criterion) {
    let auth = format!("Basic {}", base64(&format!("{EMAIL}:{TOKEN}")));
    let server = Arc::new(Server {
        sites: [Site::build(0), Site::build(1)],
        version: AtomicUsize::new(0),
        auth: auth.clone(),
        busy_ns: AtomicU64::new(0),
        requests: AtomicU64::new(0),
        recording: AtomicBool::new(false),
        targets: Mutex::new(Vec::new()),
    });
    let url = start(Arc::clone(&server));
    let addr = url.trim_start_matches("http://").to_owned();

    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    {
        let juno = open(&template, LAST_SYNC);
        let r = juno.source().sync(&mut source(&url)).unwrap();
        println!("full sync of version 0: {:.0} ms, {:?}", r.millis, r.stored);
    }
    server.version.store(1, Ordering::SeqCst);

    // One of each outside criterion: the counts, and the stand-in's share of the time.
    for _ in 0..3 {
        server.busy_ns.store(0, Ordering::SeqCst);
        server.requests.store(0, Ordering::SeqCst);
        let t = Instant::now();
        let snap = source(&url).pull(Some(at(LAST_SYNC)), at(NOW)).unwrap();
        let pull = t.elapsed();
        let busy = Duration::from_nanos(server.busy_ns.load(Ordering::SeqCst));
        println!(
            "pull: {pull:?}, {} tickets, {} active sprints, {} requests; stand-in busy {busy:?}; \
             client {:.1} µs/issue",
            snap.tickets.len(),
            snap.active.len(),
            server.requests.load(Ordering::SeqCst),
            (pull - busy).as_secs_f64() * 1e6 / snap.tickets.len() as f64
        );
    }

    // The store alone: one pulled snapshot into a fresh copy of the template.
    let snap = source(&url).pull(Some(at(LAST_SYNC)), at(NOW)).unwrap();
    let path = dir.path().join("store.db");
    std::fs::copy(&template, &path).unwrap();
    let juno = open(&path, NOW);
    let t = Instant::now();
    let stored = juno.source().store("jira:bench", &snap, at(NOW)).unwrap();
    println!("store alone: {:?}, {stored:?}", t.elapsed());
    drop((juno, snap));

    server.recording.store(true, Ordering::SeqCst);
    source(&url).pull(Some(at(LAST_SYNC)), at(NOW)).unwrap();
    server.recording.store(false, Ordering::SeqCst);
    let targets = server.targets.lock().unwrap().clone();
    let bytes = raw_fetch(&addr, &auth, &targets);
    println!(
        "one pull: {} requests, {bytes} bytes received",
        targets.len()
    );
    // The client's own time per issue, the second way: the median of 7 pulls minus the
    // median of 7 raw fetches of the same requests, taken in turn.
    let (mut pulls, mut raws) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let t = Instant::now();
        drop(source(&url).pull(Some(at(LAST_SYNC)), at(NOW)).unwrap());
        pulls.push(t.elapsed());
        let t = Instant::now();
        raw_fetch(&addr, &auth, &targets);
        raws.push(t.elapsed());
    }
    pulls.sort();
    raws.sort();
    println!(
        "median pull {:?}, median raw fetch {:?}: the client adds {:.1} µs per issue",
        pulls[3],
        raws[3],
        (pulls[3].as_secs_f64() - raws[3].as_secs_f64()) * 1e6 / 10_000.0
    );

    let mut g = c.benchmark_group("sync");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let mut n = 0;
    g.bench_function("incremental_10k", |b| {
        b.iter_batched(
            || {
                n += 1;
                let path = dir.path().join(format!("s{n}.db"));
                std::fs::copy(&template, &path).unwrap();
                (open(&path, NOW), source(&url))
            },
            |(juno, mut src)| {
                let r = juno.source().sync(&mut src).unwrap();
                assert_eq!(r.stored.tickets, 10_000);
                (r, juno)
            },
            BatchSize::PerIteration,
        );
    });
    // The snapshot is dropped untimed, as the sync's is in `incremental_10k`.
    g.bench_function("pull_10k", |b| {
        b.iter_with_large_drop(|| source(&url).pull(Some(at(LAST_SYNC)), at(NOW)).unwrap())
    });
    g.bench_function("raw_fetch", |b| {
        b.iter(|| black_box(raw_fetch(&addr, &auth, &targets)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
