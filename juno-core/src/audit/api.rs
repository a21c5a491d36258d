//! The audit handle, `juno.audit()`: verification, checkpoints and proofs over the stored log.

use std::io::Write;

use chrono::DateTime;

use super::note::{self, SigningKey, VerifierKey};
use super::{
    AuditEntry, Checkpoint, ConsistencyProof, ConsistencyReport, ExportSummary, Hash,
    InclusionProof, SignedCheckpoint, VerifyReport, consistency_proof, hex, inclusion_proof,
    merkle_root, parse_hex,
};
use crate::juno::Juno;
use crate::store::audit::SignedRow;

/// The `format` of the export's header line.
pub const EXPORT_FORMAT: &str = "juno-audit-export";
/// The export format's version.
pub const EXPORT_VERSION: u32 = 1;

/// The audit component of one [`Juno`]: `juno.audit()`.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    juno: &'a Juno,
}

impl<'a> Audit<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Audit { juno }
    }

    /// Re-walks the whole chain and checks every stored checkpoint, plain and signed, plus
    /// `saved` (a checkpoint the host kept elsewhere) if given. Reports the first bad entry.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] for a malformed saved checkpoint; storage errors.
    pub fn verify(&self, saved: Option<&Checkpoint>) -> crate::Result<VerifyReport> {
        let store = self.juno.store();
        let mut checks: Vec<(u64, Hash, &'static str)> = store
            .audit_checkpoints()?
            .into_iter()
            .map(|(size, root, _)| (size, root, "stored"))
            .collect();
        checks.extend(
            store
                .audit_signed_checkpoints()?
                .into_iter()
                .map(|row| (row.size, row.root, "signed")),
        );
        if let Some(c) = saved {
            checks.push((c.size, parse_hex("checkpoint.root", &c.root)?, "saved"));
        }
        let sizes: Vec<u64> = checks.iter().map(|(s, _, _)| *s).collect();
        let walk = store.audit_walk(&sizes)?;
        let mut problems = Vec::new();
        let mut first_bad = walk.first_bad.as_ref().map(|(s, _)| *s);
        if let Some((_, p)) = &walk.first_bad {
            problems.push(p.clone());
        }
        for ((size, root, origin), (_, got)) in checks.iter().zip(&walk.roots_at) {
            match got {
                None => {
                    problems.push(format!(
                        "the log has {} entries but a {origin} checkpoint covers {size}: it was truncated",
                        walk.entries
                    ));
                    first_bad =
                        Some(first_bad.map_or(walk.entries + 1, |f| f.min(walk.entries + 1)));
                }
                Some(r) if r != root => {
                    problems.push(format!(
                        "the first {size} entries do not match the {origin} checkpoint: history was rewritten"
                    ));
                    first_bad.get_or_insert(1);
                }
                Some(_) => {}
            }
        }
        Ok(VerifyReport {
            ok: problems.is_empty(),
            entries: walk.entries,
            first_bad_seq: first_bad,
            problems,
            checkpoints_checked: checks.len() as u64,
            root: hex(&walk.root),
        })
    }

    /// Records and returns a checkpoint of the whole log as it is now. Copy it somewhere
    /// the database's writers cannot reach.
    ///
    /// The log is verified first, so a checkpoint never vouches for a tampered log, and a
    /// stored checkpoint is never replaced by a different root for the same size.
    ///
    /// # Errors
    /// [`crate::Error::Corrupt`] when the log fails verification; storage errors.
    pub fn checkpoint(&self) -> crate::Result<Checkpoint> {
        self.ensure_verified("checkpoint")?;
        let at = self.juno.now();
        let (size, root) = self.juno.store().audit_checkpoint(at.timestamp_millis())?;
        Ok(Checkpoint {
            size,
            root: hex(&root),
            at,
        })
    }

    fn ensure_verified(&self, what: &str) -> crate::Result<()> {
        let report = self.verify(None)?;
        if report.ok {
            return Ok(());
        }
        Err(crate::Error::Corrupt {
            detail: format!(
                "the audit log fails verification, refusing to {what} it: {}",
                report.problems.join("; ")
            ),
        })
    }

    /// The configured signing key (`AUDIT_SIGNING_KEY`).
    fn signing_key(&self) -> crate::Result<SigningKey> {
        let text = self
            .juno
            .config()
            .audit_signing_key
            .as_ref()
            .ok_or_else(|| {
                crate::Error::config(
                    "AUDIT_SIGNING_KEY",
                    "not set: signing checkpoints needs a key (`juno audit keygen NAME` makes one)",
                )
            })?;
        SigningKey::parse("AUDIT_SIGNING_KEY", text.expose())
    }

    /// The log's origin: `AUDIT_ORIGIN`, else the name of the key in `fallback`.
    fn origin(&self, fallback: &str) -> String {
        self.juno
            .config()
            .audit_origin
            .clone()
            .unwrap_or_else(|| fallback.to_owned())
    }

    /// The public key that checks this engine's signed checkpoints
    /// (`<name>+<key ID>+<base64>`): give it to auditors.
    ///
    /// # Errors
    /// [`crate::Error::Config`] (`AUDIT_SIGNING_KEY`) when no signing key is configured.
    pub fn verifier_key(&self) -> crate::Result<String> {
        Ok(self.signing_key()?.verifier_key())
    }

    /// Signs and records a checkpoint of the whole log as it is now, in the C2SP
    /// `tlog-checkpoint` / `signed-note` formats, with the key in `AUDIT_SIGNING_KEY`.
    ///
    /// The log is verified first, and the new checkpoint must be consistent with the last
    /// one signed (RFC 9162 consistency proof): JUNO never signs a log that rewrote what it
    /// signed before.
    ///
    /// # Errors
    /// [`crate::Error::Config`] (`AUDIT_SIGNING_KEY`) when no key is configured;
    /// [`crate::Error::Corrupt`] when the log fails verification or is not consistent with
    /// the last signed checkpoint; storage errors.
    pub fn sign_checkpoint(&self) -> crate::Result<SignedCheckpoint> {
        let key = self.signing_key()?;
        let origin = self.origin(key.name());
        self.ensure_verified("sign")?;
        let at = self.juno.now();
        let row = self
            .juno
            .store()
            .audit_sign(at.timestamp_millis(), |hashes, last| {
                let root = merkle_root(hashes);
                if let Some(last) = last {
                    let consistent = consistency_proof(last.size, hashes)
                        .is_some_and(|p| p.verify(&hex(&last.root), &hex(&root)));
                    if !consistent {
                        return Err(crate::Error::Corrupt {
                            detail: format!(
                                "the log ({} entries) is not consistent with the last signed checkpoint \
                                 (size {}, root {}): refusing to sign",
                                hashes.len(),
                                last.size,
                                hex(&last.root)
                            ),
                        });
                    }
                }
                let note = note::sign_checkpoint(&key, &origin, hashes.len() as u64, &root);
                Ok((origin.clone(), note))
            })?;
        Ok(signed(row))
    }

    /// Every signed checkpoint, oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn signed_checkpoints(&self) -> crate::Result<Vec<SignedCheckpoint>> {
        Ok(self
            .juno
            .store()
            .audit_signed_checkpoints()?
            .into_iter()
            .map(signed)
            .collect())
    }

    /// Proof that the first `old_size` entries are a prefix of the first `new_size`
    /// (RFC 9162 §2.1.4); check it with [`ConsistencyProof::verify`] and the two
    /// checkpoints' roots.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`old_size`) when `old_size > new_size`;
    /// [`crate::Error::NotFound`] when the log is shorter than `new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> crate::Result<ConsistencyProof> {
        if old_size > new_size {
            return Err(crate::Error::invalid(
                "old_size",
                format!("must not exceed new_size ({old_size} > {new_size})"),
            ));
        }
        let hashes = self.juno.store().audit_hashes(new_size)?;
        if (hashes.len() as u64) < new_size {
            return Err(crate::Error::NotFound {
                entity: "audit entry",
                id: new_size.to_string(),
            });
        }
        consistency_proof(old_size, &hashes).ok_or(crate::Error::NotFound {
            entity: "audit entry",
            id: old_size.to_string(),
        })
    }

    /// Checks an older signed checkpoint (a C2SP signed note, as
    /// [`Audit::sign_checkpoint`] wrote it) against the log today: its signature under
    /// `verifier_key` (default: the configured signing key's), its origin, and a consistency
    /// proof from it to the whole log. A failed check is a report with `ok` false.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] (`checkpoint` or `verifier_key`) for a note or key
    /// that is malformed; [`crate::Error::Config`] when no key is given and none is
    /// configured; storage errors.
    pub fn verify_since(
        &self,
        checkpoint_note: &str,
        verifier_key: Option<&str>,
    ) -> crate::Result<ConsistencyReport> {
        let vkey = match verifier_key {
            Some(text) => VerifierKey::parse("verifier_key", text)?,
            None => VerifierKey::parse("verifier_key", &self.verifier_key()?)?,
        };
        let (text, _) = note::split_note("checkpoint", checkpoint_note)?;
        let (origin, old_size, old_root) = note::parse_checkpoint_body("checkpoint", text)?;
        let mut problems = Vec::new();
        if vkey.open("checkpoint", checkpoint_note).is_err() {
            problems.push(format!(
                "the checkpoint carries no valid signature by the key {}",
                vkey.name()
            ));
        }
        let expected = self.origin(vkey.name());
        if origin != expected {
            problems.push(format!(
                "the checkpoint is of the log {origin:?}, not of this one ({expected:?})"
            ));
        }
        let hashes = self.juno.store().audit_hashes(u64::MAX)?;
        let new_root = merkle_root(&hashes);
        let proof = match consistency_proof(old_size, &hashes) {
            Some(p) => {
                if !p.verify(&hex(&old_root), &hex(&new_root)) {
                    problems.push(format!(
                        "the first {old_size} entries no longer match the checkpoint: history was rewritten"
                    ));
                }
                p
            }
            None => {
                problems.push(format!(
                    "the log has {} entries, fewer than the checkpoint's {old_size}: it was truncated",
                    hashes.len()
                ));
                ConsistencyProof {
                    old_size,
                    new_size: hashes.len() as u64,
                    path: Vec::new(),
                }
            }
        };
        Ok(ConsistencyReport {
            ok: problems.is_empty(),
            origin,
            old_size,
            old_root: hex(&old_root),
            new_size: hashes.len() as u64,
            new_root: hex(&new_root),
            proof,
            problems,
        })
    }

    /// Writes the whole log, its signed checkpoints and the consistency proofs between them
    /// as JSON lines (`docs/audit-export.md` describes each line), from one consistent
    /// snapshot. `python -m juno.audit_export_verify` (a standalone script, no JUNO needed)
    /// checks such a file.
    ///
    /// # Errors
    /// [`crate::Error::Io`] when writing fails; storage errors.
    pub fn export(&self, out: &mut dyn Write) -> crate::Result<ExportSummary> {
        let io = |e: std::io::Error| crate::Error::Io {
            path: String::from("audit export"),
            message: e.to_string(),
        };
        let origin = self.juno.config().audit_origin.clone();
        let key = self.signing_key().ok();
        let header = serde_json::json!({
            "type": "header",
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "origin": origin.or_else(|| key.as_ref().map(|k| k.name().to_owned())),
            "verifier_key": key.as_ref().map(SigningKey::verifier_key),
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut hashes: Vec<Hash> = Vec::new();
        let signed_rows = self.juno.store().audit_export(|e| {
            let line = serde_json::json!({
                "type": "entry",
                "seq": e.seq,
                "at": DateTime::from_timestamp_millis(e.at_ms).map(|t| t.to_rfc3339()),
                "at_ms": e.at_ms,
                "actor": e.actor,
                "event": e.event,
                "subject": e.subject,
                "payload": e.payload,
                "payload_digest": hex(&e.payload_digest),
                "prev_hash": hex(&e.prev_hash),
                "hash": hex(&e.hash),
            });
            hashes.push(e.hash);
            writeln!(out, "{line}").map_err(io)
        })?;
        let mut summary = ExportSummary {
            entries: hashes.len() as u64,
            checkpoints: 0,
            proofs: 0,
            root: hex(&merkle_root(&hashes)),
        };
        let mut sizes: Vec<u64> = Vec::new();
        for row in &signed_rows {
            let line = serde_json::json!({
                "type": "checkpoint",
                "size": row.size,
                "root": hex(&row.root),
                "note": row.note,
            });
            writeln!(out, "{line}").map_err(io)?;
            summary.checkpoints += 1;
            sizes.push(row.size);
        }
        sizes.sort_unstable();
        sizes.dedup();
        sizes.push(summary.entries);
        for pair in sizes.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            let Some(slice) = usize::try_from(new).ok().and_then(|n| hashes.get(..n)) else {
                continue;
            };
            if old == new {
                continue;
            }
            if let Some(p) = consistency_proof(old, slice) {
                let line = serde_json::json!({
                    "type": "consistency",
                    "old_size": p.old_size,
                    "new_size": p.new_size,
                    "path": p.path,
                });
                writeln!(out, "{line}").map_err(io)?;
                summary.proofs += 1;
            }
        }
        let tree = serde_json::json!({
            "type": "tree",
            "size": summary.entries,
            "root": summary.root,
        });
        writeln!(out, "{tree}").map_err(io)?;
        out.flush().map_err(io)?;
        Ok(summary)
    }

    /// [`Audit::export`] into the file at `path`, written whole or not at all: the lines go
    /// to `<path>.partial`, renamed over `path` once complete.
    ///
    /// # Errors
    /// [`crate::Error::Io`] naming the path when it cannot be written; storage errors.
    pub fn export_to(&self, path: &std::path::Path) -> crate::Result<ExportSummary> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let io = |p: &std::path::Path, e: std::io::Error| crate::Error::Io {
            path: p.display().to_string(),
            message: e.to_string(),
        };
        let file = std::fs::File::create(&partial).map_err(|e| io(&partial, e))?;
        let mut out = std::io::BufWriter::new(file);
        let summary = self.export(&mut out).and_then(|s| {
            let file = out.into_inner().map_err(|e| io(&partial, e.into_error()))?;
            file.sync_all().map_err(|e| io(&partial, e))?;
            Ok(s)
        });
        match summary {
            Ok(s) => {
                std::fs::rename(&partial, path).map_err(|e| io(path, e))?;
                Ok(s)
            }
            Err(e) => {
                // Best effort: the error that stopped the export is the one to report.
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    }

    /// Entries from `from_seq` on, at most `limit`.
    ///
    /// # Errors
    /// Storage errors.
    pub fn entries(&self, from_seq: u64, limit: usize) -> crate::Result<Vec<AuditEntry>> {
        self.juno.store().audit_entries(from_seq, limit)
    }

    /// Entries about one subject (`request:42`), oldest first.
    ///
    /// # Errors
    /// Storage errors.
    pub fn entries_for(&self, subject: &str) -> crate::Result<Vec<AuditEntry>> {
        self.juno.store().audit_entries_for(subject)
    }

    /// How many entries the log holds.
    ///
    /// # Errors
    /// Storage errors.
    pub fn len(&self) -> crate::Result<u64> {
        self.juno.store().audit_len()
    }

    /// Whether the log is empty.
    ///
    /// # Errors
    /// Storage errors.
    pub fn is_empty(&self) -> crate::Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Proof that entry `seq` is covered by the checkpoint of size `tree_size`.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] when `seq` is not within `1..=tree_size` or the log is
    /// shorter than `tree_size`.
    pub fn inclusion_proof(&self, seq: u64, tree_size: u64) -> crate::Result<InclusionProof> {
        let hashes = self.juno.store().audit_hashes(tree_size)?;
        if (hashes.len() as u64) < tree_size {
            return Err(crate::Error::NotFound {
                entity: "audit entry",
                id: tree_size.to_string(),
            });
        }
        inclusion_proof(seq, &hashes).ok_or(crate::Error::NotFound {
            entity: "audit entry",
            id: seq.to_string(),
        })
    }
}

fn signed(row: SignedRow) -> SignedCheckpoint {
    SignedCheckpoint {
        origin: row.origin,
        size: row.size,
        root: hex(&row.root),
        note: row.note,
        at: crate::store::from_ms(row.at_ms),
    }
}
