//! Signed checkpoints (C2SP `tlog-checkpoint` in a `signed-note`), consistency proofs,
//! `verify_since` and the JSON-lines export, through the public API, with the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use juno_core::audit::{SigningKey, VerifierKey};
use juno_core::config::DatabaseUrl;
use juno_core::{Config, ErrorKind, Juno, ManualClock};

const T0: i64 = 1_767_225_600_000;

fn open(path: &Path, key: Option<&SigningKey>, extra: &[(&str, &str)]) -> Juno {
    let mut map: BTreeMap<String, String> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Some(k) = key {
        map.insert("AUDIT_SIGNING_KEY".into(), k.to_secret_text());
    }
    let mut config = Config::from_settings(&map).unwrap();
    config.database_url = DatabaseUrl::Sqlite(path.to_path_buf());
    Juno::open(config)
        .unwrap()
        .with_clock(Arc::new(ManualClock::at_millis(T0)))
}

/// Adds `n` audit entries (role grants).
fn grow(juno: &Juno, from: usize, n: usize) {
    for i in from..from + n {
        juno.governance()
            .assign_role(
                &format!("u{i}@company.com"),
                juno_core::model::Role::TeamLead,
                &["team_alpha"],
                "admin",
            )
            .unwrap();
    }
}

fn db(dir: &Path) -> PathBuf {
    dir.join("audit.db")
}

#[test]
fn signed_checkpoints_chain_and_an_old_one_verifies_against_today() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate("juno.example/audit").unwrap();
    let juno = open(&db(dir.path()), Some(&key), &[]);
    grow(&juno, 0, 5);
    let first = juno.audit().sign_checkpoint().unwrap();
    assert_eq!(first.size, 5);
    assert_eq!(first.origin, "juno.example/audit");
    assert!(
        first.note.starts_with("juno.example/audit\n5\n"),
        "{}",
        first.note
    );
    assert!(first.note.contains("\n\n\u{2014} juno.example/audit "));
    let vkey = VerifierKey::parse("vkey", &juno.audit().verifier_key().unwrap()).unwrap();
    assert!(vkey.open("note", &first.note).is_ok());

    grow(&juno, 5, 8);
    let second = juno.audit().sign_checkpoint().unwrap();
    assert_eq!(second.size, 13);
    let proof = juno.audit().consistency_proof(5, 13).unwrap();
    assert!(proof.verify(&first.root, &second.root));
    assert!(!proof.verify(&second.root, &first.root));
    assert_eq!(
        juno.audit().signed_checkpoints().unwrap(),
        [first.clone(), second]
    );

    grow(&juno, 13, 2);
    let report = juno.audit().verify_since(&first.note, None).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!((report.old_size, report.new_size), (5, 15));
    assert!(report.proof.verify(&report.old_root, &report.new_root));
    // An auditor who only holds the public key passes it in.
    let auditor = open(
        &db(dir.path()),
        None,
        &[("AUDIT_ORIGIN", "juno.example/audit")],
    );
    let vkey_text = juno.audit().verifier_key().unwrap();
    assert!(
        auditor
            .audit()
            .verify_since(&first.note, Some(&vkey_text))
            .unwrap()
            .ok
    );
}

#[test]
fn verify_since_reports_a_forged_note_another_key_another_log_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate("juno.example/audit").unwrap();
    let juno = open(&db(dir.path()), Some(&key), &[]);
    grow(&juno, 0, 6);
    let cp = juno.audit().sign_checkpoint().unwrap();

    // The size changed after signing: the signature no longer covers it.
    let forged = cp.note.replacen("\n6\n", "\n5\n", 1);
    let report = juno.audit().verify_since(&forged, None).unwrap();
    assert!(!report.ok);
    assert!(
        report.problems[0].contains("no valid signature"),
        "{report:?}"
    );

    let stranger = SigningKey::generate("juno.example/audit").unwrap();
    let report = juno
        .audit()
        .verify_since(&cp.note, Some(&stranger.verifier_key()))
        .unwrap();
    assert!(!report.ok, "signed by another key of the same name");

    let other_log = open(&dir.path().join("other.db"), Some(&key), &[]);
    let report = other_log.audit().verify_since(&cp.note, None).unwrap();
    assert!(!report.ok);
    assert!(
        report.problems.iter().any(|p| p.contains("truncated")),
        "{report:?}"
    );

    let renamed = open(
        &db(dir.path()),
        Some(&key),
        &[("AUDIT_ORIGIN", "elsewhere/log")],
    );
    let report = renamed.audit().verify_since(&cp.note, None).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("not of this one")),
        "{report:?}"
    );

    for bad in [
        "",
        "no blank line\n",
        "juno.example/audit\n6\nAAAA\n\n\u{2014} x AAAA\n",
    ] {
        let err = juno.audit().verify_since(bad, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    let err = juno
        .audit()
        .verify_since(&cp.note, Some("nonsense"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("verifier_key"), "{err}");
}

#[test]
fn signing_needs_a_configured_key_and_a_bad_key_fails_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&db(dir.path()), None, &[]);
    grow(&juno, 0, 2);
    let err = juno.audit().sign_checkpoint().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("AUDIT_SIGNING_KEY"), "{err}");
    assert_eq!(
        juno.audit().verifier_key().unwrap_err().kind(),
        ErrorKind::Config
    );
    assert!(juno.audit().signed_checkpoints().unwrap().is_empty());

    let key = SigningKey::generate("k").unwrap();
    let text = key.to_secret_text();
    let damaged = format!("{}A", &text[..text.len() - 1]);
    for bad in ["PRIVATE+KEY+k", "k+00000000+AQ==", damaged.as_str()] {
        let map: BTreeMap<String, String> =
            [("AUDIT_SIGNING_KEY".to_string(), bad.to_string())].into();
        let err = Config::from_settings(&map).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
        assert!(err.to_string().contains("AUDIT_SIGNING_KEY"), "{err}");
        assert!(
            !err.to_string().contains(bad),
            "the error must not quote the key"
        );
    }
    assert!(SigningKey::generate("has space").is_err());
}

#[test]
fn juno_refuses_to_sign_a_log_inconsistent_with_its_last_signature() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let key = SigningKey::generate("juno.example/audit").unwrap();
    {
        let juno = open(&path, Some(&key), &[]);
        grow(&juno, 0, 6);
        juno.audit().sign_checkpoint().unwrap();
    }
    // Someone with the file rewrites history consistently (every hash recomputed by the
    // library itself) and removes the plain checkpoints; the signed one still tells. (The
    // signing transaction also re-checks consistency with the last signed checkpoint, for a
    // rewrite between that verification and the signature.)
    let forged = dir.path().join("forged.db");
    grow(&open(&forged, None, &[]), 100, 9);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DELETE FROM audit_checkpoints;",
    )
    .unwrap();
    conn.execute("ATTACH DATABASE ?1 AS forged", [forged.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "DELETE FROM audit_log; INSERT INTO audit_log SELECT * FROM forged.audit_log;",
    )
    .unwrap();
    drop(conn);

    let juno = open(&path, Some(&key), &[]);
    let report = juno.audit().verify(None).unwrap();
    assert!(
        !report.ok,
        "the signed checkpoint still gives the rewrite away"
    );
    assert!(
        report.problems[0].contains("signed checkpoint"),
        "{report:?}"
    );
    let err = juno.audit().sign_checkpoint().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
    assert!(err.to_string().contains("refusing to sign"), "{err}");
    assert_eq!(
        juno.audit().signed_checkpoints().unwrap().len(),
        1,
        "nothing signed"
    );
}

#[test]
fn the_export_holds_every_entry_checkpoint_and_proof() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::generate("juno.example/audit").unwrap();
    let juno = open(&db(dir.path()), Some(&key), &[]);
    grow(&juno, 0, 3);
    let a = juno.audit().sign_checkpoint().unwrap();
    grow(&juno, 3, 4);
    juno.audit().sign_checkpoint().unwrap();
    grow(&juno, 7, 2);
    let mut out = Vec::new();
    let summary = juno.audit().export(&mut out).unwrap();
    assert_eq!(
        (summary.entries, summary.checkpoints, summary.proofs),
        (9, 2, 2)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1 + 9 + 2 + 2 + 1);
    assert_eq!(lines[0]["format"], "juno-audit-export");
    assert_eq!(lines[0]["verifier_key"], key.verifier_key());
    assert_eq!(lines[1]["type"], "entry");
    assert!(
        lines[1]["payload"].is_string(),
        "the payload's exact stored text"
    );
    assert_eq!(lines[10]["note"], a.note);
    assert_eq!(lines[12]["type"], "consistency");
    assert_eq!(
        (
            lines[12]["old_size"].as_u64(),
            lines[12]["new_size"].as_u64()
        ),
        (Some(3), Some(7))
    );
    assert_eq!(lines[14]["type"], "tree");
    assert_eq!(lines[14]["root"], summary.root);
    assert_eq!(summary.root, juno.audit().verify(None).unwrap().root);
}

#[test]
fn consistency_proof_arguments_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&db(dir.path()), None, &[]);
    grow(&juno, 0, 4);
    assert_eq!(
        juno.audit().consistency_proof(3, 2).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        juno.audit().consistency_proof(2, 5).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(
        juno.audit()
            .consistency_proof(4, 4)
            .unwrap()
            .path
            .is_empty()
    );
}

#[test]
fn export_to_writes_the_file_whole_or_reports_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&db(dir.path()), None, &[]);
    grow(&juno, 0, 3);
    let path = dir.path().join("audit.jsonl");
    let summary = juno.audit().export_to(&path).unwrap();
    assert_eq!(summary.entries, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1 + 3 + 1);
    assert!(!dir.path().join("audit.jsonl.partial").exists());
    let err = juno
        .audit()
        .export_to(&dir.path().join("missing/dir/audit.jsonl"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.to_string().contains("missing/dir"), "{err}");
}

/// A consistency proof's sizes are claims: the fuzzing run found that a genuine proof
/// from 6 to 37 entries also passes RFC 9162's check when it claims 6 to 52, so the
/// checkpoint-bound form compares the sizes first. The same holds for an inclusion proof's
/// tree size.
#[test]
fn proofs_are_bound_to_their_checkpoints_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let juno = open(&db(dir.path()), None, &[]);
    let mut checkpoints = Vec::new();
    for i in 0..37 {
        grow(&juno, i, 1);
        checkpoints.push(juno.audit().checkpoint().unwrap());
    }
    let (old, new) = (&checkpoints[5], &checkpoints[36]);
    assert_eq!((old.size, new.size), (6, 37));
    let proof = juno.audit().consistency_proof(6, 37).unwrap();
    assert!(proof.verify_checkpoints(old, new));
    let mut claims_more = proof.clone();
    claims_more.new_size = 52;
    assert!(
        claims_more.verify(&old.root, &new.root),
        "the plain check takes the sizes on trust"
    );
    assert!(!claims_more.verify_checkpoints(old, new));
    let inclusion = juno.audit().inclusion_proof(3, 37).unwrap();
    assert!(inclusion.verify_at(new));
    assert!(!inclusion.verify_at(old));
    let mut other_size = inclusion.clone();
    other_size.tree_size = 38;
    assert!(!other_size.verify_at(new));
}
