//! The audit handle, `juno.audit()`: verification, checkpoints and proofs over the stored log.

use super::{
    AuditEntry, Checkpoint, Hash, InclusionProof, VerifyReport, hex, inclusion_proof, parse_hex,
};
use crate::juno::Juno;

/// The audit component of one [`Juno`]: `juno.audit()`.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    juno: &'a Juno,
}

impl<'a> Audit<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Audit { juno }
    }

    /// Re-walks the whole chain and checks every stored checkpoint, plus `saved` (a
    /// checkpoint the host kept elsewhere) if given. Reports the first bad entry.
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
        let report = self.verify(None)?;
        if !report.ok {
            return Err(crate::Error::Corrupt {
                detail: format!(
                    "the audit log fails verification, refusing to checkpoint it: {}",
                    report.problems.join("; ")
                ),
            });
        }
        let at = self.juno.now();
        let (size, root) = self.juno.store().audit_checkpoint(at.timestamp_millis())?;
        Ok(Checkpoint {
            size,
            root: hex(&root),
            at,
        })
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
