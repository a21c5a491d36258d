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
        for i in 0..n {
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
}
