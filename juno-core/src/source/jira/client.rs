//! The HTTP client: one polite call, retried as Jira's rate limiting asks.
//!
//! Every call goes through [`JiraClient::call`]: it waits for the rate limit, sends with a
//! timeout, and retries what is worth retrying — HTTP 429 after the `Retry-After` the
//! server asked for, 5xx answers, timeouts and connection failures after an exponential
//! backoff with jitter — at most [`JiraSettings::max_retries`] times. A refused credential
//! (401, 403) is never retried: it becomes an [`Error::Remote`] that says the token was
//! refused and which permission is likely missing, without the token.

use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::stats::SplitMix64;

use super::{Flavor, JiraSettings, clean};

/// The longest wait a `Retry-After` may ask for before the client gives up instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How much of an error body is quoted in an error message.
const QUOTED_CHARS: usize = 300;

/// A connection to one Jira site: the reads the sync needs and the writes the executor
/// makes, each one call through the same politeness rules.
///
/// It is `Sync`: calls take `&self` and the rate limit is shared between threads.
pub struct JiraClient {
    pub(super) settings: JiraSettings,
    http: Client,
    pace: Mutex<Pace>,
}

impl std::fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The settings' own Debug redacts the token.
        f.debug_struct("JiraClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The rate limit's memory and the jitter's stream.
struct Pace {
    last: Option<Instant>,
    rng: SplitMix64,
}

/// What a caller is doing, so that a refusal can say which permission is likely missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// Reading issues, fields or properties.
    Browse,
    /// Reading boards and sprints.
    Boards,
    /// Adding a comment.
    Comment,
    /// Moving an issue through its workflow.
    Transition,
    /// Changing the assignee.
    Assign,
    /// Writing an issue entity property.
    Edit,
}

impl Need {
    fn permission(self) -> &'static str {
        match self {
            Need::Browse => "`Browse projects` on the synced projects",
            Need::Boards => "`Browse projects` and access to the boards (Jira Software)",
            Need::Comment => "`Add comments`",
            Need::Transition => "`Transition issues`",
            Need::Assign => "`Assign issues`",
            Need::Edit => "`Edit issues`",
        }
    }
}

/// One request: method, path below the base URL, query pairs and an optional JSON body.
pub(super) struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    pub need: Need,
    /// Answer 404 with `Ok(None)` instead of an error.
    pub missing_ok: bool,
}

impl<'a> Call<'a> {
    pub fn get(path: String, need: Need) -> Self {
        Call {
            method: Method::GET,
            path,
            query: Vec::new(),
            body: None,
            need,
            missing_ok: false,
        }
    }

    pub fn with(mut self, name: &'a str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }
}

/// Why one attempt failed, and whether another may succeed.
enum Attempt {
    /// Wait this long, then try again (if attempts remain).
    Retry(Option<Duration>, Error),
    /// Give up now.
    Fail(Error),
}

impl JiraClient {
    /// A client for the site `settings` describe. Nothing is sent yet.
    ///
    /// # Errors
    /// [`Error::Config`] for settings that do not validate
    /// ([`JiraSettings::validate`]) or a TLS setup the platform refuses.
    pub fn new(settings: JiraSettings) -> Result<Self> {
        settings.validate()?;
        let http = Client::builder()
            .timeout(Duration::from_secs_f64(settings.timeout_secs))
            .user_agent(concat!("juno/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config("jira", format!("cannot build the http client: {e}")))?;
        // Seeded from the site, so the jitter is the same run after run.
        let seed = settings
            .base_url
            .bytes()
            .fold(0x4a49_5241_u64, |h, b| h.rotate_left(5) ^ u64::from(b));
        Ok(JiraClient {
            settings,
            http,
            pace: Mutex::new(Pace {
                last: None,
                rng: SplitMix64::new(seed),
            }),
        })
    }

    /// The settings this client was made with.
    pub fn settings(&self) -> &JiraSettings {
        &self.settings
    }

    /// `3` on Cloud, `2` on Server / Data Center: the REST API version in paths.
    pub(super) fn api(&self) -> &'static str {
        match self.settings.flavor {
            Flavor::Cloud => "3",
            Flavor::Server => "2",
        }
    }

    /// Sends `call`, retrying as the module doc says, and returns the answer's JSON
    /// (`Value::Null` for an empty body; `None` for a 404 when `missing_ok`).
    pub(super) fn call(&self, call: &Call<'_>) -> Result<Option<Value>> {
        let attempts = self.settings.max_retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.wait_turn();
            let outcome = self.attempt(call);
            match outcome {
                Ok(v) => return Ok(v),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(after, e)) => {
                    if attempt >= attempts {
                        return Err(e);
                    }
                    let wait = match after {
                        Some(d) if d > MAX_RETRY_AFTER => return Err(e),
                        Some(d) => d,
                        None => self.backoff(attempt),
                    };
                    thread::sleep(wait);
                }
            }
        }
    }

    /// Sleeps until the rate limit allows the next request.
    fn wait_turn(&self) {
        let rate = self.settings.max_requests_per_second;
        let mut pace = self.pace.lock().unwrap_or_else(|p| p.into_inner());
        if rate > 0.0 {
            if let Some(last) = pace.last {
                let gap = Duration::from_secs_f64(1.0 / rate);
                let since = last.elapsed();
                if since < gap {
                    thread::sleep(gap - since);
                }
            }
        }
        pace.last = Some(Instant::now());
    }

    /// Exponential backoff with equal jitter: half the doubled base, plus a seeded random
    /// part of the other half.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = Duration::from_millis(self.settings.backoff_ms);
        let full = base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(MAX_BACKOFF);
        let unit = self
            .pace
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .rng
            .unit();
        full.mul_f64(0.5 + 0.5 * unit)
    }

    fn request(&self, call: &Call<'_>) -> Result<RequestBuilder> {
        let base = self.settings.base_url.trim_end_matches('/');
        let mut url = reqwest::Url::parse(&format!("{base}{}", call.path))
            .map_err(|e| Error::config("jira.base_url", format!("not a usable url: {e}")))?;
        if !call.query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &call.query {
                q.append_pair(k, v);
            }
        }
        let mut req = self
            .http
            .request(call.method.clone(), url)
            .header("Accept", "application/json");
        let token = self.settings.token.expose();
        req = match self.settings.flavor {
            Flavor::Cloud => {
                req.basic_auth(self.settings.email.as_deref().unwrap_or(""), Some(token))
            }
            Flavor::Server => req.bearer_auth(token),
        };
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        Ok(req)
    }

    fn attempt(&self, call: &Call<'_>) -> std::result::Result<Option<Value>, Attempt> {
        let what = format!("{} {}", call.method, call.path);
        let req = self.request(call).map_err(Attempt::Fail)?;
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => {
                let why = if e.is_timeout() {
                    format!("no answer within {} s", self.settings.timeout_secs)
                } else if e.is_connect() {
                    "could not connect".to_owned()
                } else {
                    clean(&e.without_url().to_string(), QUOTED_CHARS)
                };
                return Err(Attempt::Retry(None, remote(None, format!("{what}: {why}"))));
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match resp.text() {
            Ok(t) => t,
            Err(e) => {
                let why = if e.is_timeout() {
                    format!(
                        "the answer did not finish within {} s",
                        self.settings.timeout_secs
                    )
                } else {
                    "the answer broke off".to_owned()
                };
                return Err(Attempt::Retry(None, remote(None, format!("{what}: {why}"))));
            }
        };
        match status {
            200..=299 => {
                if text.trim().is_empty() {
                    return Ok(Some(Value::Null));
                }
                serde_json::from_str(&text).map(Some).map_err(|e| {
                    Attempt::Fail(remote(
                        Some(status),
                        format!("{what}: the answer is not JSON ({e})"),
                    ))
                })
            }
            404 if call.missing_ok => Ok(None),
            401 => Err(Attempt::Fail(remote(
                Some(status),
                format!(
                    "{what}: the token was refused (expired, revoked or mistyped){}; \
                     the account needs {}",
                    match self.settings.flavor {
                        Flavor::Cloud => " — Cloud takes the account email with an API token",
                        Flavor::Server => " — Server takes a personal access token",
                    },
                    call.need.permission()
                ),
            ))),
            403 => Err(Attempt::Fail(remote(
                Some(status),
                format!(
                    "{what}: the token was accepted but refused permission; the account \
                     likely lacks {}",
                    call.need.permission()
                ),
            ))),
            429 => Err(Attempt::Retry(
                retry_after,
                remote(Some(status), format!("{what}: rate limited by jira")),
            )),
            500..=599 => Err(Attempt::Retry(
                None,
                remote(Some(status), format!("{what}: {}", quote(&text))),
            )),
            _ => Err(Attempt::Fail(remote(
                Some(status),
                format!("{what}: {}", quote(&text)),
            ))),
        }
    }
}

fn remote(status: Option<u16>, message: String) -> Error {
    Error::Remote {
        service: "jira".into(),
        status,
        message,
    }
}

/// Jira's own words from an error body (`errorMessages`, `errors`), cleaned and capped:
/// quoted, never acted on.
fn quote(body: &str) -> String {
    let said = match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            let mut parts: Vec<String> = v
                .get("errorMessages")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(errs) = v.get("errors").and_then(Value::as_object) {
                for (k, e) in errs {
                    parts.push(format!("{k}: {}", e.as_str().unwrap_or_default()));
                }
            }
            parts.join("; ")
        }
        Err(_) => body.to_owned(),
    };
    let said = clean(&said, QUOTED_CHARS);
    if said.is_empty() {
        "no explanation given".to_owned()
    } else {
        format!("jira said “{said}”")
    }
}

/// One path segment, percent-encoded (an issue key or property name never changes the
/// path's shape).
pub(super) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_change_the_path() {
        assert_eq!(seg("ALPHA-12"), "ALPHA-12");
        assert_eq!(seg("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn jira_words_are_quoted_and_capped() {
        let q = quote(r#"{"errorMessages":["The value 'X' does not exist"],"errors":{}}"#);
        assert_eq!(q, "jira said “The value 'X' does not exist”");
        assert!(quote(&"a".repeat(1000)).chars().count() < QUOTED_CHARS + 20);
    }
}
