//! `juno_audit_*`: the tamper-evident audit log — verify, checkpoint, read, prove.
//!
//! Every governance transition is an entry of an append-only, SHA-256 hash-chained log. A
//! checkpoint is a tree size and the RFC 6962 Merkle root over the first `size` entries;
//! copied somewhere the database's writers cannot reach, it lets `juno_audit_verify` detect
//! truncation and rewritten history.

use std::ffi::c_char;

use juno_core::audit::Checkpoint;

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Re-walks the whole audit chain and checks every stored checkpoint, plus a checkpoint the
/// caller kept elsewhere if given.
///
/// - `j`: must not be NULL; not modified.
/// - `checkpoint_json`/`checkpoint_len`: **optional**: NULL (with any length) checks only
///   the chain and the stored checkpoints; otherwise a `Checkpoint` object as returned by
///   `juno_audit_checkpoint` (`{"size":…,"root":"<64 hex digits>","at":"<RFC 3339>"}`).
/// - `out_report_json`: on success receives a JSON `VerifyReport` object: `ok` (true when
///   every check passed), `entries`, `first_bad_seq` (or null), `problems` (in words),
///   `checkpoints_checked`, `root` (the Merkle root over all entries, hex). A log that
///   fails verification is still a successful call: read `ok`. The caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for a malformed checkpoint (bad JSON, a missing
///   field, a root that is not 64 hex digits).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_verify(
    j: *const juno,
    checkpoint_json: *const c_char,
    checkpoint_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `checkpoint_json` is NULL or `checkpoint_len` readable bytes.
        let json = unsafe { opt_str_in("checkpoint_json", checkpoint_json, checkpoint_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let saved: Option<Checkpoint> = json
            .map(|s| juno_core::json::parse_object("checkpoint", s))
            .transpose()?;
        let report = j.inner.audit().verify(saved.as_ref())?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("verify report", &report) }
    })
}

/// Records and returns a checkpoint of the whole log as it is now, as a JSON `Checkpoint`
/// object `{"size":…,"root":"<hex>","at":"<RFC 3339>"}`. Copy it somewhere the database's
/// writers cannot reach, and pass it to `juno_audit_verify` later.
///
/// - `j`: must not be NULL.
/// - `out_checkpoint_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_checkpoint(
    j: *mut juno,
    out_checkpoint_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let out = Out::new("out_checkpoint_json", out_checkpoint_json)?;
        let checkpoint = j.inner.audit().checkpoint()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("checkpoint", &checkpoint) }
    })
}

/// Audit entries with sequence numbers from `from_seq` on (the first entry is 1), at most
/// `limit`, oldest first, as a JSON array of `AuditEntry` objects: `seq`, `at`, `actor`,
/// `event` (`request_submitted`, `request_approved`, `role_assigned`, `refused`, …),
/// `subject` (`request:42`, `user:ana@company.com`), `payload`, `payload_digest`,
/// `prev_hash`, `hash`.
///
/// - `j`: must not be NULL; not modified.
/// - `limit`: the most entries to return; `SIZE_MAX` for all. 0 gives `[]`.
/// - `out_entries_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_entries(
    j: *const juno,
    from_seq: u64,
    limit: usize,
    out_entries_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_entries_json", out_entries_json)?;
        let entries = j.inner.audit().entries(from_seq, limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("audit entries", &entries) }
    })
}

/// The entries about one subject (`request:42`, `user:ana@company.com`), oldest first, as
/// a JSON array of `AuditEntry` objects (as for `juno_audit_entries`).
///
/// - `j`: must not be NULL; not modified.
/// - `subject`/`subject_len`: the subject; must not be NULL.
/// - `out_entries_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: storage errors.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_entries_for(
    j: *const juno,
    subject: *const c_char,
    subject_len: usize,
    out_entries_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `subject` is NULL or `subject_len` readable bytes.
        let subject = unsafe { str_in("subject", subject, subject_len) }?;
        let out = Out::new("out_entries_json", out_entries_json)?;
        let entries = j.inner.audit().entries_for(subject)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("audit entries", &entries) }
    })
}

/// Proof that entry `seq` is covered by the checkpoint of size `tree_size`, as a JSON
/// `InclusionProof` object: `seq`, `entry_hash`, `tree_size`, `path` (sibling subtree roots
/// from the leaf up, hex; RFC 9162 §2.1.3). Check it against the checkpoint's `root`.
///
/// - `j`: must not be NULL; not modified.
/// - `out_proof_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` when `seq` is not within `1..=tree_size` or the log is
///   shorter than `tree_size`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_inclusion_proof(
    j: *const juno,
    seq: u64,
    tree_size: u64,
    out_proof_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_proof_json", out_proof_json)?;
        let proof = j.inner.audit().inclusion_proof(seq, tree_size)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("inclusion proof", &proof) }
    })
}

/// Signs and records a checkpoint of the whole log as it is now, in the C2SP
/// `tlog-checkpoint` / `signed-note` formats, with the Ed25519 key in the
/// `AUDIT_SIGNING_KEY` setting (never stored in the database). The log is verified first,
/// and the checkpoint must be consistent with the last one signed.
///
/// - `j`: must not be NULL.
/// - `out_checkpoint_json`: on success receives a JSON `SignedCheckpoint` object: `origin`,
///   `size`, `root` (hex), `note` (the whole signed note, to publish), `at`. The caller frees
///   it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_CONFIG` when `AUDIT_SIGNING_KEY` is not set;
///   `JUNO_STATUS_CORRUPT` when the log fails verification or is not consistent with the
///   last signed checkpoint (nothing is signed).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_sign_checkpoint(
    j: *mut juno,
    out_checkpoint_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let out = Out::new("out_checkpoint_json", out_checkpoint_json)?;
        let checkpoint = j.inner.audit().sign_checkpoint()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("signed checkpoint", &checkpoint) }
    })
}

/// Every signed checkpoint, oldest first, as a JSON array of `SignedCheckpoint` objects (as
/// for `juno_audit_sign_checkpoint`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_checkpoints_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_signed_checkpoints(
    j: *const juno,
    out_checkpoints_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_checkpoints_json", out_checkpoints_json)?;
        let checkpoints = j.inner.audit().signed_checkpoints()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("signed checkpoints", &checkpoints) }
    })
}

/// The public key that checks this engine's signed checkpoints, as a JSON string
/// (`"<name>+<key ID>+<base64>"`, the C2SP signed-note verifier key): give it to auditors.
///
/// - `j`: must not be NULL; not modified.
/// - `out_key_json`: on success receives the JSON string; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_CONFIG` when `AUDIT_SIGNING_KEY` is not set.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_verifier_key(
    j: *const juno,
    out_key_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_key_json", out_key_json)?;
        let key = j.inner.audit().verifier_key()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("verifier key", &key) }
    })
}

/// Proof that the first `old_size` entries are a prefix of the first `new_size` (RFC 9162
/// §2.1.4), as a JSON `ConsistencyProof` object: `old_size`, `new_size`, `path` (hex).
/// Check it against the two checkpoints' roots.
///
/// - `j`: must not be NULL; not modified.
/// - `out_proof_json`: on success receives the JSON; the caller frees it with
///   `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` when `old_size > new_size`;
///   `JUNO_STATUS_NOT_FOUND` when the log is shorter than `new_size`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_consistency_proof(
    j: *const juno,
    old_size: u64,
    new_size: u64,
    out_proof_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_proof_json", out_proof_json)?;
        let proof = j.inner.audit().consistency_proof(old_size, new_size)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("consistency proof", &proof) }
    })
}

/// Checks an older signed checkpoint (the `note` of a `SignedCheckpoint`, as an auditor
/// kept it) against the log today: its signature, its origin, and a consistency proof from
/// it to the whole log.
///
/// - `j`: must not be NULL; not modified.
/// - `note`/`note_len`: the signed note, UTF-8; must not be NULL.
/// - `verifier_key`/`verifier_key_len`: **optional**: NULL checks the signature with the
///   configured signing key's public half; otherwise a verifier key
///   (`<name>+<key ID>+<base64>`).
/// - `out_report_json`: on success receives a JSON `ConsistencyReport` object: `ok`,
///   `origin`, `old_size`, `old_root`, `new_size`, `new_root`, `proof` (a
///   `ConsistencyProof`), `problems` (in words). A checkpoint that fails a check is still a
///   successful call: read `ok`. The caller frees it with `juno_buf_free`. Untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for a note that is not a signed checkpoint or a
///   malformed key (the error names `checkpoint` or `verifier_key`); `JUNO_STATUS_CONFIG`
///   when no key is given and none is configured.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_verify_since(
    j: *const juno,
    note: *const c_char,
    note_len: usize,
    verifier_key: *const c_char,
    verifier_key_len: usize,
    out_report_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `note` is NULL or `note_len` readable bytes.
        let note = unsafe { str_in("note", note, note_len) }?;
        // SAFETY: `verifier_key` is NULL or `verifier_key_len` readable bytes.
        let key = unsafe { opt_str_in("verifier_key", verifier_key, verifier_key_len) }?;
        let out = Out::new("out_report_json", out_report_json)?;
        let report = j.inner.audit().verify_since(note, key)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("consistency report", &report) }
    })
}

/// Writes the whole log, its signed checkpoints and the consistency proofs between them to
/// the file at `path` as JSON lines (`docs/audit-export.md`), whole or not at all (written
/// to `<path>.partial`, then renamed). `juno/audit_export_verify.py`, a standalone script
/// shipped in the Python package, checks such a file without JUNO.
///
/// - `j`: must not be NULL; not modified.
/// - `path`/`path_len`: the file to write, UTF-8; must not be NULL. Replaced if it exists.
/// - `out_summary_json`: on success receives a JSON `ExportSummary` object: `entries`,
///   `checkpoints`, `proofs`, `root` (hex). The caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_audit_verify`.
/// - Errors: `JUNO_STATUS_IO` naming the path when it cannot be written.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_audit_export_to(
    j: *const juno,
    path: *const c_char,
    path_len: usize,
    out_summary_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `path` is NULL or `path_len` readable bytes.
        let path = unsafe { str_in("path", path, path_len) }?;
        let out = Out::new("out_summary_json", out_summary_json)?;
        let summary = j.inner.audit().export_to(std::path::Path::new(path))?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("export summary", &summary) }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::governance::juno_governance_assign_role;
    use crate::test_util::{Engine, failure, s, sentinel_buf, take_json, untouched};
    use std::ptr;

    fn verify(e: &Engine, checkpoint: Option<&str>) -> (juno_status, Option<serde_json::Value>) {
        let mut buf = sentinel_buf();
        let (p, n) = checkpoint.map_or((ptr::null(), 0), s);
        // SAFETY: valid handle and buffer; a NULL checkpoint is documented.
        let st = unsafe { juno_audit_verify(e.0, p, n, &mut buf, ptr::null_mut()) };
        if st == juno_status::Ok {
            (st, Some(take_json(&mut buf)))
        } else {
            assert!(untouched(&buf));
            (st, None)
        }
    }

    fn grow(e: &Engine, n: usize) {
        grow_from(e, 0, n);
    }

    /// Grants roles to users `from..from + n`: one audit entry each.
    fn grow_from(e: &Engine, from: usize, n: usize) {
        for i in from..from + n {
            let user = format!("u{i}@company.com");
            let ((u, ul), (r, rl), (t, tl), (b, bl)) =
                (s(&user), s("TEAM_LEAD"), s(r#"["team_alpha"]"#), s("admin"));
            // SAFETY: valid handle and strings.
            let st = unsafe {
                juno_governance_assign_role(e.0, u, ul, r, rl, t, tl, b, bl, ptr::null_mut())
            };
            assert_eq!(st, juno_status::Ok);
        }
    }

    #[test]
    fn checkpoints_verify_and_forged_ones_do_not() {
        let e = Engine::with_settings("{}");
        grow(&e, 5);
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffer.
        assert_eq!(
            unsafe { juno_audit_checkpoint(e.0, &mut buf, ptr::null_mut()) },
            juno_status::Ok
        );
        let cp = take_json(&mut buf);
        assert_eq!(cp["size"], 5);
        let (st, report) = verify(&e, Some(&cp.to_string()));
        assert_eq!(st, juno_status::Ok);
        let report = report.unwrap();
        assert_eq!(report["ok"], true, "{report}");
        assert_eq!(report["checkpoints_checked"], 2, "stored and given");

        let mut forged = cp.clone();
        forged["root"] = serde_json::json!("00".repeat(32));
        let report = verify(&e, Some(&forged.to_string())).1.unwrap();
        assert_eq!(report["ok"], false);
        assert_eq!(report["first_bad_seq"], 1);
        let mut longer = cp.clone();
        longer["size"] = serde_json::json!(9);
        assert_eq!(
            verify(&e, Some(&longer.to_string())).1.unwrap()["ok"],
            false,
            "truncation"
        );

        for bad in [
            "{",
            r#"{"size":5}"#,
            r#"{"size":5,"root":"zz","at":"2026-01-01T00:00:00Z"}"#,
        ] {
            assert_eq!(verify(&e, Some(bad)).0, juno_status::InvalidInput, "{bad}");
        }
        assert_eq!(verify(&e, None).1.unwrap()["entries"], 5);
    }

    #[test]
    fn entries_and_inclusion_proofs() {
        let e = Engine::with_settings("{}");
        grow(&e, 6);
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffers throughout; NULL where refused on purpose.
        unsafe {
            assert_eq!(
                juno_audit_entries(e.0, 2, 3, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            let entries = take_json(&mut buf);
            let seqs: Vec<u64> = entries
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["seq"].as_u64().unwrap())
                .collect();
            assert_eq!(seqs, [2, 3, 4]);
            assert_eq!(entries[0]["event"], "role_assigned");
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_audit_entries(e.0, 1, usize::MAX, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf).as_array().unwrap().len(), 6);

            let mut buf = sentinel_buf();
            assert_eq!(
                juno_audit_inclusion_proof(e.0, 3, 6, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            let proof = take_json(&mut buf);
            assert_eq!(proof["tree_size"], 6);
            let mut buf = sentinel_buf();
            for (seq, size) in [(0, 6), (7, 6), (3, 60)] {
                let (st, _) =
                    failure(|err| juno_audit_inclusion_proof(e.0, seq, size, &mut buf, err));
                assert_eq!(st, juno_status::NotFound, "{seq}/{size}");
            }
            assert!(untouched(&buf));
            let null = juno_status::NullParameter;
            assert_eq!(
                juno_audit_verify(ptr::null(), ptr::null(), 0, &mut buf, ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_verify(e.0, ptr::null(), 0, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_checkpoint(ptr::null_mut(), &mut buf, ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_checkpoint(e.0, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_entries(e.0, 1, 1, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_inclusion_proof(ptr::null(), 1, 1, &mut buf, ptr::null_mut()),
                null
            );
            assert!(untouched(&buf));
        }
        // A checkpoint refused for a NULL output recorded nothing.
        assert_eq!(verify(&e, None).1.unwrap()["checkpoints_checked"], 0);
    }

    #[test]
    fn signed_checkpoints_proofs_verify_since_and_export() {
        let key = juno_core::audit::SigningKey::generate("juno.example/audit").unwrap();
        let settings = serde_json::json!({ "AUDIT_SIGNING_KEY": key.to_secret_text() });
        let e = Engine::with_settings(&settings.to_string());
        grow(&e, 4);
        let sign = || {
            let mut buf = sentinel_buf();
            // SAFETY: valid handle and buffer.
            let st = unsafe { juno_audit_sign_checkpoint(e.0, &mut buf, ptr::null_mut()) };
            assert_eq!(st, juno_status::Ok);
            take_json(&mut buf)
        };
        let first = sign();
        assert_eq!(first["size"], 4);
        grow_from(&e, 4, 3);
        let second = sign();
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffers throughout; NULL where refused on purpose.
        unsafe {
            assert_eq!(
                juno_audit_signed_checkpoints(e.0, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf), serde_json::json!([first, second]));
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_audit_verifier_key(e.0, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            assert_eq!(take_json(&mut buf), key.verifier_key());
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_audit_consistency_proof(e.0, 4, 7, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            let proof: juno_core::audit::ConsistencyProof =
                serde_json::from_value(take_json(&mut buf)).unwrap();
            assert!(proof.verify(
                first["root"].as_str().unwrap(),
                second["root"].as_str().unwrap()
            ));
            let mut buf = sentinel_buf();
            for (old, new, want) in [
                (5, 4, juno_status::InvalidInput),
                (1, 70, juno_status::NotFound),
            ] {
                let (st, _) =
                    failure(|err| juno_audit_consistency_proof(e.0, old, new, &mut buf, err));
                assert_eq!(st, want, "{old} -> {new}");
            }
            assert!(untouched(&buf));

            let note = first["note"].as_str().unwrap();
            let verify_since = |note: &str, vkey: Option<&str>| {
                let mut buf = sentinel_buf();
                let (n, nl) = s(note);
                let (k, kl) = vkey.map_or((ptr::null(), 0), s);
                let st = juno_audit_verify_since(e.0, n, nl, k, kl, &mut buf, ptr::null_mut());
                (st, (st == juno_status::Ok).then(|| take_json(&mut buf)))
            };
            let (st, report) = verify_since(note, None);
            assert_eq!(st, juno_status::Ok);
            let report = report.unwrap();
            assert_eq!(report["ok"], true, "{report}");
            assert_eq!(
                (report["old_size"].as_u64(), report["new_size"].as_u64()),
                (Some(4), Some(7))
            );
            let vkey = key.verifier_key();
            assert_eq!(verify_since(note, Some(&vkey)).1.unwrap()["ok"], true);
            let forged = note.replacen("\n4\n", "\n3\n", 1);
            assert_eq!(verify_since(&forged, None).1.unwrap()["ok"], false);
            assert_eq!(
                verify_since("not a note", None).0,
                juno_status::InvalidInput
            );
            assert_eq!(verify_since(note, Some("x")).0, juno_status::InvalidInput);

            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("audit.jsonl");
            let path_text = path.to_str().unwrap();
            let (p, pl) = s(path_text);
            let mut buf = sentinel_buf();
            assert_eq!(
                juno_audit_export_to(e.0, p, pl, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            let summary = take_json(&mut buf);
            assert_eq!(summary["entries"], 7);
            assert_eq!(summary["checkpoints"], 2);
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            // Header, entries, checkpoints, one proof (4 -> 7: the second covers the whole
            // log), the tree.
            assert_eq!(lines, 1 + 7 + 2 + 1 + 1);
            let bad = dir.path().join("no/such/dir.jsonl");
            let (b, bl) = s(bad.to_str().unwrap());
            let mut buf = sentinel_buf();
            let (st, _) = failure(|err| juno_audit_export_to(e.0, b, bl, &mut buf, err));
            assert_eq!(st, juno_status::Io);
            assert!(untouched(&buf));
            let null = juno_status::NullParameter;
            assert_eq!(
                juno_audit_sign_checkpoint(e.0, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_audit_verify_since(
                    e.0,
                    ptr::null(),
                    0,
                    ptr::null(),
                    0,
                    &mut buf,
                    ptr::null_mut()
                ),
                null
            );
            assert_eq!(
                juno_audit_export_to(ptr::null(), p, pl, &mut buf, ptr::null_mut()),
                null
            );
        }
    }

    #[test]
    fn signing_without_a_key_is_a_config_error() {
        let e = Engine::with_settings("{}");
        grow(&e, 1);
        let mut buf = sentinel_buf();
        // SAFETY: valid handle and buffer.
        let (st, msg) = failure(|err| unsafe { juno_audit_sign_checkpoint(e.0, &mut buf, err) });
        assert_eq!(st, juno_status::Config);
        assert!(msg.contains("AUDIT_SIGNING_KEY"), "{msg}");
        assert!(untouched(&buf));
    }
}
