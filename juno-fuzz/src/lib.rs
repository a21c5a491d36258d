//! The bodies of JUNO's fuzz targets (issue #12), shared by two drivers:
//!
//! - `fuzz/` (cargo-fuzz, libFuzzer, nightly): `tests/fuzz.sh [SECONDS]` runs each target
//!   for a bounded time and keeps what it finds;
//! - `tests/short_pass.rs` (stable, in CI): replays every committed regression input and
//!   seed, then a few thousand seeded mutations of the seeds per target.
//!
//! A body panics on a finding: a panic anywhere in JUNO (including one the C boundary
//! would catch and turn into `JUNO_STATUS_PANIC`), an internal error, or a forged proof
//! or note that verifies. Everything else — any typed error for bad input — is fine.

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::ptr;
use std::sync::{Mutex, OnceLock};

use juno::{juno_buf, juno_error, juno_status};
use juno_core::Juno;
use juno_core::audit::{SigningKey, VerifierKey};
use juno_core::source::export::{ExportSettings, from_csv, from_json};

/// A target's body: panics on a finding.
pub type Body = fn(&[u8]);

/// Every target by name, as `fuzz/fuzz_targets/` names them.
pub const TARGETS: &[(&str, Body)] = &[
    ("c_json", c_json),
    ("export_json", export_json),
    ("export_csv", export_csv),
    ("config", config),
    ("inclusion_proof", inclusion_proof),
    ("consistency_proof", consistency_proof),
    ("signed_note", signed_note),
];

/// A fixed time for parsers that take one.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

// ---- the C ABI ---------------------------------------------------------------------------

/// One engine for many inputs: its store grows with what the inputs manage to write, which
/// is part of what is being fuzzed; it is reopened empty every [`REOPEN_EVERY`] inputs so a
/// long run's memory stays bounded (a store in memory is never freed otherwise).
struct Handle(*mut juno::juno, u64);

/// Inputs between fresh engines.
const REOPEN_EVERY: u64 = 20_000;

fn open_engine() -> *mut juno::juno {
    let mut j = ptr::null_mut();
    // SAFETY: valid out pointer; NULL err is allowed.
    let st = unsafe { juno::juno_open_in_memory(&mut j, ptr::null_mut()) };
    assert_eq!(st, juno_status::Ok, "cannot open an engine");
    j
}
// SAFETY: a `juno *` may be used from several threads at once (juno.h); the mutex below
// serialises this driver's use anyway.
unsafe impl Send for Handle {}

fn handle() -> &'static Mutex<Handle> {
    static J: OnceLock<Mutex<Handle>> = OnceLock::new();
    J.get_or_init(|| Mutex::new(Handle(open_engine(), 0)))
}

/// 32 JSON-taking C functions, fed the input's bytes (after the first, which picks the
/// function) as their JSON, whatever they are: the call must return a status, never
/// `JUNO_STATUS_PANIC` or `JUNO_STATUS_INTERNAL`, with a message exactly when it fails,
/// and leave nothing to leak. Left out: the ones that open paths or the network
/// (`juno_open_with_settings`, `juno_source_sync_jira*`, `juno_source_sync_export`,
/// `juno_agent_run_cycle_jira`, `juno_eval_*`), the simulated organisation's sync (its
/// size is the caller's to choose), the progress variants (the same parsing) and the
/// columnar confidence (numbers, not JSON, but for its calibration).
pub fn c_json(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let mut guard = handle().lock().unwrap_or_else(|p| p.into_inner());
    guard.1 += 1;
    if guard.1 % REOPEN_EVERY == 0 {
        // SAFETY: the handle is live and nothing else uses it (the lock is held).
        unsafe { juno::juno_free(guard.0) };
        guard.0 = open_engine();
    }
    let j = guard.0;
    let (p, n) = (body.as_ptr().cast::<c_char>(), body.len());
    let mut buf = juno_buf {
        data: ptr::null_mut(),
        len: 0,
    };
    let mut err: *mut juno_error = ptr::null_mut();
    let mut id = 0i64;
    let now_ms = 1_767_225_600_000i64;
    const FUNCTIONS: u8 = 32;
    const V: &[u8] = b"verbose";
    const R: &[u8] = b"fuzz";
    const L: &[u8] = b"TEAM_LEAD";
    // SAFETY: every pointer is valid for the call: `body` for `n` bytes, the outputs
    // writable, the handle live; optional inputs are NULL.
    let (name, st) = unsafe {
        match pick % FUNCTIONS {
            0 => (
                "memory_store",
                juno::juno_memory_store(j, p, n, &mut id, &mut err),
            ),
            1 => (
                "memory_store_many",
                juno::juno_memory_store_many(j, p, n, &mut buf, &mut err),
            ),
            2 => (
                "memory_recall",
                juno::juno_memory_recall(j, p, n, &mut buf, &mut err),
            ),
            3 => (
                "memory_recall_many",
                juno::juno_memory_recall_many(j, p, n, &mut buf, &mut err),
            ),
            4 => (
                "memory_update",
                juno::juno_memory_update(j, 1, p, n, &mut buf, &mut err),
            ),
            5 => (
                "governance_submit",
                juno::juno_governance_submit(j, p, n, &mut buf, &mut err),
            ),
            6 => (
                "governance_submit_many",
                juno::juno_governance_submit_many(j, p, n, &mut buf, &mut err),
            ),
            7 => (
                "governance_route",
                juno::juno_governance_route(j, p, n, &mut buf, &mut err),
            ),
            8 => (
                "governance_approve_many",
                juno::juno_governance_approve_many(j, p, n, &mut buf, &mut err),
            ),
            9 => (
                "reasoning_confidence",
                juno::juno_reasoning_confidence(
                    j,
                    p,
                    n,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    &mut buf,
                    &mut err,
                ),
            ),
            10 => (
                "reasoning_confidence_many",
                juno::juno_reasoning_confidence_many(j, p, n, ptr::null(), 0, &mut buf, &mut err),
            ),
            11 => (
                "reasoning_calibrate",
                juno::juno_reasoning_calibrate(j, p, n, &mut buf, &mut err),
            ),
            12 => (
                "velocity_analyze",
                juno::juno_velocity_analyze(j, p, n, &mut buf, &mut err),
            ),
            13 => (
                "velocity_analyze_teams",
                juno::juno_velocity_analyze_teams(j, p, n, &mut buf, &mut err),
            ),
            14 => (
                "triage_scan",
                juno::juno_triage_scan(j, p, n, ptr::null(), 0, &now_ms, &mut buf, &mut err),
            ),
            15 => (
                "forecast_sprints",
                juno::juno_forecast_sprints(j, p, n, &mut buf, &mut err),
            ),
            16 => (
                "flow_analyze",
                juno::juno_flow_analyze(j, p, n, ptr::null(), 0, &now_ms, &mut buf, &mut err),
            ),
            17 => (
                "audit_verify",
                juno::juno_audit_verify(j, p, n, &mut buf, &mut err),
            ),
            18 => (
                "forecast_monte_carlo",
                juno::juno_forecast_monte_carlo(p, n, &mut buf, &mut err),
            ),
            19 => (
                "reasoning_explain",
                juno::juno_reasoning_explain(p, n, V.as_ptr().cast(), V.len(), &mut buf, &mut err),
            ),
            20 => (
                "velocity_explain",
                juno::juno_velocity_explain(p, n, V.as_ptr().cast(), V.len(), &mut buf, &mut err),
            ),
            21 => (
                "triage_propose",
                juno::juno_triage_propose(j, p, n, R.as_ptr().cast(), R.len(), &mut buf, &mut err),
            ),
            22 => (
                "triage_explain",
                juno::juno_triage_explain(p, n, V.as_ptr().cast(), V.len(), &mut buf, &mut err),
            ),
            23 => (
                "forecast_sprint",
                juno::juno_forecast_sprint(j, p, n, ptr::null(), 0, &mut buf, &mut err),
            ),
            24 => (
                "forecast_explain",
                juno::juno_forecast_explain(p, n, V.as_ptr().cast(), V.len(), &mut buf, &mut err),
            ),
            25 => (
                "forecast_record",
                juno::juno_forecast_record(j, p, n, &mut buf, &mut err),
            ),
            26 => (
                "source_store",
                juno::juno_source_store(j, R.as_ptr().cast(), R.len(), p, n, &mut buf, &mut err),
            ),
            27 => ("llm_word", juno::juno_llm_word(j, p, n, &mut buf, &mut err)),
            28 => (
                "governance_pending_page",
                juno::juno_governance_pending_page(
                    j,
                    ptr::null(),
                    0,
                    p,
                    n,
                    0,
                    10,
                    &mut buf,
                    &mut err,
                ),
            ),
            29 => (
                "governance_assign_role",
                juno::juno_governance_assign_role(
                    j,
                    R.as_ptr().cast(),
                    R.len(),
                    L.as_ptr().cast(),
                    L.len(),
                    p,
                    n,
                    R.as_ptr().cast(),
                    R.len(),
                    &mut err,
                ),
            ),
            30 => (
                "governance_execute",
                juno::juno_governance_execute(
                    j,
                    1,
                    p,
                    n,
                    None,
                    ptr::null_mut(),
                    &mut buf,
                    &mut err,
                ),
            ),
            _ => (
                "agent_run_cycle",
                juno::juno_agent_run_cycle(
                    j,
                    ptr::null(),
                    0,
                    p,
                    n,
                    None,
                    ptr::null_mut(),
                    &mut buf,
                    &mut err,
                ),
            ),
        }
    };
    let message = if err.is_null() {
        String::new()
    } else {
        // SAFETY: a live error from the call above.
        let m = unsafe { juno::juno_error_message(err) };
        // SAFETY: `m` points at `m.len` bytes owned by `err`.
        let bytes = unsafe { std::slice::from_raw_parts(m.data.cast::<u8>(), m.len) };
        String::from_utf8_lossy(bytes).into_owned()
    };
    // SAFETY: both were written by the call (or are still empty); each is freed once.
    unsafe {
        juno::juno_buf_free(&mut buf);
        juno::juno_error_free(err);
    }
    assert!(
        st != juno_status::Panic && st != juno_status::Internal,
        "juno_{name} returned {st:?}: {message}"
    );
    assert_eq!(
        st == juno_status::Ok,
        message.is_empty(),
        "juno_{name}: status {st:?} with message {message:?}"
    );
}

// ---- parsers ---------------------------------------------------------------------------

/// A Jira JSON export (the Jira payload parser reads each of its issues).
pub fn export_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = from_json("fuzz.json", text, &ExportSettings::default(), now());
    }
}

/// A Jira CSV export.
pub fn export_csv(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = from_csv("fuzz.csv", text, &ExportSettings::default(), now());
    }
}

/// A config file (TOML) and a `.env` file with the same bytes.
pub fn config(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let toml = dir.path().join("juno.toml");
    let env = dir.path().join(".env");
    if std::fs::write(&toml, data).is_err() || std::fs::write(&env, data).is_err() {
        return;
    }
    let none = BTreeMap::new();
    let _ = juno_core::Config::load(Some(&toml), None, &none);
    let _ = juno_core::Config::load(None, Some(&env), &none);
}

// ---- the audit log's proofs and signatures ------------------------------------------------

/// A log of 37 role grants (an odd size, so the tree has ragged edges), its root at every
/// size it had, and a note signing its last checkpoint.
struct Log {
    juno: Juno,
    size: u64,
    root: String,
    /// (size, root) after each grant.
    roots: Vec<(u64, String)>,
    verifier: VerifierKey,
    note: String,
}

fn log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(|| {
        let key = SigningKey::generate("juno.fuzz").unwrap_or_else(|e| panic!("{e}"));
        let verifier =
            VerifierKey::parse("key", &key.verifier_key()).unwrap_or_else(|e| panic!("{e}"));
        let mut config = juno_core::Config::default();
        config.database_url = juno_core::config::DatabaseUrl::Memory;
        config.audit_signing_key = Some(juno_core::config::Secret::new(key.to_secret_text()));
        let juno = Juno::open(config).unwrap_or_else(|e| panic!("{e}"));
        let mut roots = Vec::new();
        for i in 0..37 {
            juno.governance()
                .assign_role(
                    &format!("user{i}"),
                    juno_core::model::Role::TeamLead,
                    &["a"],
                    "root",
                )
                .unwrap_or_else(|e| panic!("{e}"));
            let c = juno.audit().checkpoint().unwrap_or_else(|e| panic!("{e}"));
            roots.push((c.size, c.root));
        }
        let (size, root) = roots.last().cloned().unwrap_or_default();
        let note = juno
            .audit()
            .sign_checkpoint()
            .unwrap_or_else(|e| panic!("{e}"))
            .note;
        Log {
            juno,
            size,
            root,
            roots,
            verifier,
            note,
        }
    })
}

/// Reads bytes from the input as a little machine for mutations.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for _ in 0..8 {
            v = (v << 8) | u64::from(self.byte()?);
        }
        Some(v)
    }
    /// A hash as hex: 32 input bytes, or fewer and whatever text they make.
    fn hex(&mut self) -> Option<String> {
        let kind = self.byte()?;
        let take = if kind & 1 == 0 {
            32
        } else {
            usize::from(kind >> 2)
        };
        let mut s = String::new();
        for _ in 0..take {
            let b = self.byte()?;
            if kind & 2 == 0 {
                s.push_str(&format!("{b:02x}"));
            } else {
                s.push(char::from(b));
            }
        }
        Some(s)
    }
}

/// Applies the input's edits to a list of hex strings (the proof's path).
fn edit_path(path: &mut Vec<String>, b: &mut Bytes<'_>) -> Option<()> {
    let op = b.byte()?;
    let at = usize::from(b.byte()?);
    match op % 5 {
        0 => {
            let h = b.hex()?;
            let i = at % path.len().max(1);
            if let Some(slot) = path.get_mut(i) {
                *slot = h;
            }
        }
        1 if !path.is_empty() => {
            path.remove(at % path.len());
        }
        2 => {
            let h = b.hex()?;
            path.insert(at % (path.len() + 1), h);
        }
        3 if path.len() > 1 => {
            let (i, k) = (at % path.len(), usize::from(b.byte()?) % path.len());
            path.swap(i, k);
        }
        _ => {
            let i = at % path.len().max(1);
            if let Some(slot) = path.get_mut(i) {
                *slot = slot.to_uppercase();
            }
        }
    }
    Some(())
}

/// A forged inclusion proof never verifies: whatever the input changes in a genuine
/// proof, the result verifies only if it is the genuine proof of the entry it names.
pub fn inclusion_proof(data: &[u8]) {
    let log = log();
    let mut b = Bytes(data);
    let Some(pick) = b.byte() else { return };
    let seq = 1 + u64::from(pick) % log.size;
    let genuine = |seq: u64| {
        log.juno
            .audit()
            .inclusion_proof(seq, log.size)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut proof = genuine(seq);
    assert!(proof.verify(&log.root), "a genuine proof must verify");
    while let Some(op) = b.byte() {
        let done = match op % 4 {
            0 => b.u64().map(|v| proof.seq = v),
            1 => b.u64().map(|v| proof.tree_size = v),
            2 => b.hex().map(|h| proof.entry_hash = h),
            _ => edit_path(&mut proof.path, &mut b),
        };
        if done.is_none() {
            break;
        }
    }
    let checkpoint = juno_core::audit::Checkpoint {
        size: log.size,
        root: log.root.clone(),
        at: now(),
    };
    if proof.verify_at(&checkpoint) {
        let lower = |p: &juno_core::audit::InclusionProof| {
            (
                p.seq,
                p.tree_size,
                p.entry_hash.to_lowercase(),
                p.path.iter().map(|h| h.to_lowercase()).collect::<Vec<_>>(),
            )
        };
        assert!(
            proof.tree_size == log.size && (1..=log.size).contains(&proof.seq),
            "a proof for another tree verified: {proof:?}"
        );
        assert_eq!(
            lower(&proof),
            lower(&genuine(proof.seq)),
            "a forged inclusion proof verified"
        );
    }
}

/// A forged consistency proof never verifies between the log's roots at two sizes.
pub fn consistency_proof(data: &[u8]) {
    let log = log();
    let mut b = Bytes(data);
    let Some(pick) = b.byte() else { return };
    let (old, old_root) = log.roots[usize::from(pick) % log.roots.len()].clone();
    let audit = log.juno.audit();
    let mut proof = audit
        .consistency_proof(old, log.size)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        proof.verify(&old_root, &log.root),
        "a genuine proof must verify"
    );
    let genuine = proof.clone();
    while let Some(op) = b.byte() {
        let done = match op % 3 {
            0 => b.u64().map(|v| proof.old_size = v),
            1 => b.u64().map(|v| proof.new_size = v),
            _ => edit_path(&mut proof.path, &mut b),
        };
        if done.is_none() {
            break;
        }
    }
    let at = |size: u64, root: &str| juno_core::audit::Checkpoint {
        size,
        root: root.to_owned(),
        at: now(),
    };
    // The plain `verify` takes the proof's sizes on trust (documented, and how this
    // target's first finding, fuzz/regressions/consistency_proof/, verified); the checked
    // form must never accept a forgery.
    if proof.verify_checkpoints(&at(old, &old_root), &at(log.size, &log.root)) {
        let lower = |p: &juno_core::audit::ConsistencyProof| {
            (
                p.old_size,
                p.new_size,
                p.path.iter().map(|h| h.to_lowercase()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            lower(&proof),
            lower(&genuine),
            "a forged consistency proof verified"
        );
    }
}

/// A signed checkpoint note: however the input edits a genuine note, it opens only with
/// the signed text unchanged.
pub fn signed_note(data: &[u8]) {
    let log = log();
    let text = log
        .verifier
        .open("note", &log.note)
        .unwrap_or_else(|e| panic!("the genuine note must open: {e}"));
    let mut note = log.note.clone().into_bytes();
    let mut b = Bytes(data);
    while let Some(op) = b.byte() {
        let Some(at) = b.byte() else { break };
        let at = usize::from(at) * note.len() / 256;
        let Some(v) = b.byte() else { break };
        match op % 3 {
            0 if at < note.len() => note[at] = v,
            1 => note.insert(at.min(note.len()), v),
            _ if at < note.len() => {
                note.remove(at);
            }
            _ => {}
        }
    }
    let Ok(note) = String::from_utf8(note) else {
        return;
    };
    if let Ok(opened) = log.verifier.open("note", &note) {
        assert_eq!(opened, text, "a forged note opened");
    }
    let _ = VerifierKey::parse("key", &note);
    let _ = SigningKey::parse("key", &note);
}
