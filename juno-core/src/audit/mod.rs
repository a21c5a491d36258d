//! The tamper-evident audit log: an append-only, SHA-256 hash-chained table with Merkle
//! checkpoints.
//!
//! Every entry stores its sequence number, time, actor, event, subject, payload and the
//! payload's digest, plus the previous entry's hash and its own:
//!
//! ```text
//! hash = SHA-256("juno-audit-v1" ‖ seq ‖ at ‖ len‖actor ‖ len‖event ‖ len‖subject ‖ payload_digest ‖ prev_hash)
//! ```
//!
//! (integers big-endian; `len` a 4-byte big-endian length, so no field can bleed into the
//! next). The first entry's `prev_hash` is 32 zero bytes.
//!
//! A **checkpoint** is a tree size and the RFC 6962 Merkle root over the first `size` entry
//! hashes. A host copies checkpoints elsewhere. [`crate::Juno::audit`]'s `verify` re-walks
//! the chain and reports the first bad entry; given a checkpoint it also detects truncation
//! (fewer entries than the checkpoint covers) and rewritten history (a different root even
//! when the chain was recomputed to look consistent). [`InclusionProof`]s show that one
//! entry is covered by a checkpoint without the rest of the log.
//!
//! The library has no way to edit or delete entries, and SQL triggers refuse `UPDATE` and
//! `DELETE` on the table; edits made to the file by other means are what `verify` detects.

mod api;
mod note;

pub use api::{Audit, EXPORT_FORMAT, EXPORT_VERSION};
pub use note::{SigningKey, VerifierKey};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A 32-byte SHA-256 value.
pub type Hash = [u8; 32];

/// The hash before the first entry.
pub const GENESIS: Hash = [0; 32];

/// Lower-case hex of a hash (how hashes appear in JSON).
pub fn hex(h: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(h.len() * 2);
    for b in h {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Parses 64 hex digits.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for anything else.
pub fn parse_hex(field: &str, s: &str) -> crate::Result<Hash> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return Err(crate::Error::invalid(field, "expected 64 hex digits"));
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let d = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        match (d(pair[0]), d(pair[1])) {
            (Some(h), Some(l)) => out[i] = (h << 4) | l,
            _ => return Err(crate::Error::invalid(field, "expected 64 hex digits")),
        }
    }
    Ok(out)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// SHA-256 of a JSON value's canonical form: compact, object keys sorted (serde_json's
/// default map is ordered), which is what approvals bind to.
pub fn json_digest(value: &serde_json::Value) -> Hash {
    sha256(value.to_string().as_bytes())
}

/// What an audit entry records. Every writer names its event through this enum and the
/// compliance rules match on it, so a misspelt event name cannot silently switch a rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// A role was granted.
    RoleAssigned,
    /// A role was taken away.
    RoleRevoked,
    /// An approval request was submitted.
    RequestSubmitted,
    /// The auto-approval policy approved a request.
    RequestAutoApproved,
    /// A person approved a request (at one level).
    RequestApproved,
    /// A person rejected a request.
    RequestRejected,
    /// A request passed its deadline and moved up the chain.
    RequestEscalated,
    /// The requester withdrew a request.
    RequestCancelled,
    /// A request passed its last deadline.
    RequestExpired,
    /// A request was claimed for execution.
    RequestExecuting,
    /// A request's action ran.
    RequestExecuted,
    /// A request's action failed.
    RequestExecutionFailed,
    /// An operation was refused (and changed nothing).
    Refused,
    /// A request left `executing` by a crash was resolved: executed (the executor's marker
    /// shows its writes were made) or released to run again (nothing was written).
    RequestRecovered,
    /// An approved request was not executed within the execution window and expired.
    RequestApprovalLapsed,
    /// A person voted on a request whose quorum needs more votes (the vote that completes
    /// a quorum is recorded as `request_approved` or `request_rejected`).
    RequestVoted,
    /// A user delegated their approval authority for a team.
    DelegationGranted,
    /// A delegation was revoked before it ran out.
    DelegationRevoked,
    /// The approvers of a pending request were reminded that its deadline is near.
    RequestReminded,
}

/// Every event, in declaration order.
pub const ALL_AUDIT_EVENTS: [AuditEvent; 19] = [
    AuditEvent::RoleAssigned,
    AuditEvent::RoleRevoked,
    AuditEvent::RequestSubmitted,
    AuditEvent::RequestAutoApproved,
    AuditEvent::RequestApproved,
    AuditEvent::RequestRejected,
    AuditEvent::RequestEscalated,
    AuditEvent::RequestCancelled,
    AuditEvent::RequestExpired,
    AuditEvent::RequestExecuting,
    AuditEvent::RequestExecuted,
    AuditEvent::RequestExecutionFailed,
    AuditEvent::Refused,
    AuditEvent::RequestRecovered,
    AuditEvent::RequestApprovalLapsed,
    AuditEvent::RequestVoted,
    AuditEvent::DelegationGranted,
    AuditEvent::DelegationRevoked,
    AuditEvent::RequestReminded,
];

impl AuditEvent {
    /// The stored name (`request_approved`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::RoleAssigned => "role_assigned",
            AuditEvent::RoleRevoked => "role_revoked",
            AuditEvent::RequestSubmitted => "request_submitted",
            AuditEvent::RequestAutoApproved => "request_auto_approved",
            AuditEvent::RequestApproved => "request_approved",
            AuditEvent::RequestRejected => "request_rejected",
            AuditEvent::RequestEscalated => "request_escalated",
            AuditEvent::RequestCancelled => "request_cancelled",
            AuditEvent::RequestExpired => "request_expired",
            AuditEvent::RequestExecuting => "request_executing",
            AuditEvent::RequestExecuted => "request_executed",
            AuditEvent::RequestExecutionFailed => "request_execution_failed",
            AuditEvent::Refused => "refused",
            AuditEvent::RequestRecovered => "request_recovered",
            AuditEvent::RequestApprovalLapsed => "request_approval_lapsed",
            AuditEvent::RequestVoted => "request_voted",
            AuditEvent::DelegationGranted => "delegation_granted",
            AuditEvent::DelegationRevoked => "delegation_revoked",
            AuditEvent::RequestReminded => "request_reminded",
        }
    }

    /// The event with stored name `name`, `None` for a name this version does not know.
    pub fn from_name(name: &str) -> Option<Self> {
        ALL_AUDIT_EVENTS.into_iter().find(|e| e.as_str() == name)
    }
}

impl std::fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, … with no gaps.
    pub seq: u64,
    /// When it was appended.
    pub at: DateTime<Utc>,
    /// Who did it (a user, or `juno` for the engine).
    pub actor: String,
    /// What happened (`request_submitted`, `request_approved`, `role_assigned`, …).
    pub event: String,
    /// What it happened to (`request:42`, `user:ana@company.com`).
    pub subject: String,
    /// Details.
    pub payload: serde_json::Value,
    /// SHA-256 of the payload's canonical JSON, hex.
    pub payload_digest: String,
    /// The previous entry's hash, hex.
    pub prev_hash: String,
    /// This entry's hash, hex.
    pub hash: String,
}

impl AuditEntry {
    /// The entry's event, `None` when it was written by a version with events this one
    /// does not know.
    pub fn kind(&self) -> Option<AuditEvent> {
        AuditEvent::from_name(&self.event)
    }
}

/// The fields that an entry's hash covers.
pub(crate) struct EntryFields<'a> {
    pub seq: u64,
    pub at_ms: i64,
    pub actor: &'a str,
    pub event: &'a str,
    pub subject: &'a str,
    pub payload_digest: &'a Hash,
    pub prev_hash: &'a Hash,
}

/// The entry hash (see the module docs for the encoding).
pub(crate) fn entry_hash(f: &EntryFields<'_>) -> Hash {
    let mut h = Sha256::new();
    h.update(b"juno-audit-v1");
    h.update(f.seq.to_be_bytes());
    h.update(f.at_ms.to_be_bytes());
    for s in [f.actor, f.event, f.subject] {
        h.update(u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.update(f.payload_digest);
    h.update(f.prev_hash);
    h.finalize().into()
}

fn leaf(entry_hash: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry_hash);
    h.finalize().into()
}

fn node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Builds an RFC 6962 Merkle root incrementally, one entry hash at a time, in O(log n) memory.
#[derive(Debug, Default, Clone)]
pub(crate) struct MerkleBuilder {
    /// Roots of perfect subtrees, largest (leftmost) first, with their heights.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl MerkleBuilder {
    pub fn push(&mut self, entry_hash: &Hash) {
        let mut cur = (0u32, leaf(entry_hash));
        while let Some(&(h, top)) = self.stack.last() {
            if h != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (h + 1, node(&top, &cur.1));
        }
        self.stack.push(cur);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of everything pushed so far (SHA-256 of nothing for an empty tree).
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else {
            return sha256(b"");
        };
        for (_, left) in iter {
            acc = node(left, &acc);
        }
        acc
    }
}

/// The RFC 6962 Merkle root of `entry_hashes`.
pub fn merkle_root(entry_hashes: &[Hash]) -> Hash {
    let mut b = MerkleBuilder::default();
    for h in entry_hashes {
        b.push(h);
    }
    b.root()
}

fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

fn subtree_root(entry_hashes: &[Hash]) -> Hash {
    merkle_root(entry_hashes)
}

fn audit_path(m: usize, d: &[Hash], out: &mut Vec<Hash>) {
    let n = d.len();
    if n <= 1 {
        return;
    }
    let k = largest_power_of_two_below(n);
    if m < k {
        audit_path(m, &d[..k], out);
        out.push(subtree_root(&d[k..]));
    } else {
        audit_path(m - k, &d[k..], out);
        out.push(subtree_root(&d[..k]));
    }
}

/// A saved checkpoint: a tree size and its Merkle root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// How many entries it covers (entries 1..=size).
    pub size: u64,
    /// RFC 6962 Merkle root of their hashes, hex.
    pub root: String,
    /// When it was taken.
    pub at: DateTime<Utc>,
}

/// Proof that one entry is among the first `tree_size` entries of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The entry's sequence number.
    pub seq: u64,
    /// The entry's hash, hex.
    pub entry_hash: String,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// Sibling subtree roots from the leaf up, hex.
    pub path: Vec<String>,
}

/// Computes the inclusion proof for entry `seq` (1-based) among `entry_hashes`
/// (entries 1..=len).
pub(crate) fn inclusion_proof(seq: u64, entry_hashes: &[Hash]) -> Option<InclusionProof> {
    let index = usize::try_from(seq.checked_sub(1)?).ok()?;
    let entry = entry_hashes.get(index)?;
    let mut path = Vec::new();
    audit_path(index, entry_hashes, &mut path);
    Some(InclusionProof {
        seq,
        entry_hash: hex(entry),
        tree_size: entry_hashes.len() as u64,
        path: path.iter().map(|h| hex(h)).collect(),
    })
}

impl InclusionProof {
    /// Checks the proof against a checkpoint: its `tree_size` must be the checkpoint's
    /// size and it must lead to the checkpoint's root. Use this one: [`Self::verify`]
    /// takes the proof's own `tree_size` on trust.
    pub fn verify_at(&self, checkpoint: &Checkpoint) -> bool {
        self.tree_size == checkpoint.size && self.verify(&checkpoint.root)
    }

    /// Checks the proof against a checkpoint root (RFC 9162 §2.1.3.2), taking the proof's
    /// `tree_size` on trust: RFC 9162's verifier knows the size from the signed tree head,
    /// not from the proof. Compare `tree_size` with the checkpoint's size, or call
    /// [`Self::verify_at`].
    pub fn verify(&self, root_hex: &str) -> bool {
        let (Ok(entry), Ok(root)) = (
            parse_hex("entry_hash", &self.entry_hash),
            parse_hex("root", root_hex),
        ) else {
            return false;
        };
        let Some(mut f) = self.seq.checked_sub(1) else {
            return false;
        };
        if f >= self.tree_size {
            return false;
        }
        let mut s = self.tree_size - 1;
        let mut r = leaf(&entry);
        for p in &self.path {
            let Ok(p) = parse_hex("path", p) else {
                return false;
            };
            if s == 0 {
                return false;
            }
            if f & 1 == 1 || f == s {
                r = node(&p, &r);
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            } else {
                r = node(&r, &p);
            }
            f >>= 1;
            s >>= 1;
        }
        s == 0 && r == root
    }
}

/// Proof that the log of an old checkpoint is a prefix of the log of a newer one: nothing the
/// old checkpoint covered was changed, removed or reordered (RFC 9162 §2.1.4).
///
/// An auditor holding last month's checkpoint checks it against this month's root with only
/// the proof's O(log n) hashes, without re-reading the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The older checkpoint's size.
    pub old_size: u64,
    /// The newer checkpoint's size.
    pub new_size: u64,
    /// The proof's subtree roots, hex, in the RFC's order.
    pub path: Vec<String>,
}

/// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[n], b)`.
fn subproof(m: usize, d: &[Hash], whole: bool, out: &mut Vec<Hash>) {
    let n = d.len();
    if m == n {
        if !whole {
            out.push(merkle_root(d));
        }
        return;
    }
    let k = largest_power_of_two_below(n);
    if m <= k {
        subproof(m, &d[..k], whole, out);
        out.push(merkle_root(&d[k..]));
    } else {
        subproof(m - k, &d[k..], false, out);
        out.push(merkle_root(&d[..k]));
    }
}

/// The consistency proof from the first `old_size` of `entry_hashes` to all of them;
/// `None` when `old_size` is larger than the log.
pub(crate) fn consistency_proof(old_size: u64, entry_hashes: &[Hash]) -> Option<ConsistencyProof> {
    let m = usize::try_from(old_size).ok()?;
    if m > entry_hashes.len() {
        return None;
    }
    let mut path = Vec::new();
    // Every log extends the empty one and itself: those proofs are empty.
    if m > 0 && m < entry_hashes.len() {
        subproof(m, entry_hashes, true, &mut path);
    }
    Some(ConsistencyProof {
        old_size,
        new_size: entry_hashes.len() as u64,
        path: path.iter().map(|h| hex(h)).collect(),
    })
}

impl ConsistencyProof {
    /// Checks the proof between two checkpoints: its sizes must be theirs and it must lead
    /// to both roots. Use this one: [`Self::verify`] takes the proof's sizes on trust.
    pub fn verify_checkpoints(&self, old: &Checkpoint, new: &Checkpoint) -> bool {
        self.old_size == old.size && self.new_size == new.size && self.verify(&old.root, &new.root)
    }

    /// Checks the proof between the older checkpoint's root and the newer one's
    /// (RFC 9162 §2.1.4.2). False for malformed hex, sizes out of order, or any hash that
    /// does not lead to both roots. The proof's sizes are taken on trust, as RFC 9162's
    /// verifier takes them from the signed tree heads: a fuzzing run found a proof from
    /// size 6 to 37 that also verifies when it claims 6 to 52 (the algorithm's steps depend
    /// only on the sizes' bit patterns, which these share). Compare the sizes with the
    /// checkpoints', or call [`Self::verify_checkpoints`].
    pub fn verify(&self, old_root_hex: &str, new_root_hex: &str) -> bool {
        let (Ok(old_root), Ok(new_root)) = (
            parse_hex("old_root", old_root_hex),
            parse_hex("new_root", new_root_hex),
        ) else {
            return false;
        };
        let Ok(path) = self
            .path
            .iter()
            .map(|p| parse_hex("path", p))
            .collect::<crate::Result<Vec<Hash>>>()
        else {
            return false;
        };
        verify_consistency(self.old_size, self.new_size, &old_root, &new_root, &path)
    }
}

fn verify_consistency(m: u64, n: u64, old_root: &Hash, new_root: &Hash, path: &[Hash]) -> bool {
    if m > n {
        return false;
    }
    if m == n {
        return path.is_empty() && old_root == new_root;
    }
    if m == 0 {
        // The empty tree is a prefix of every tree; its root is SHA-256 of nothing.
        return path.is_empty() && *old_root == sha256(b"");
    }
    if path.is_empty() {
        return false;
    }
    let mut proof: Vec<Hash> = Vec::with_capacity(path.len() + 1);
    if m.is_power_of_two() {
        proof.push(*old_root);
    }
    proof.extend_from_slice(path);
    let (mut f, mut s) = (m - 1, n - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (proof[0], proof[0]);
    for c in &proof[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// A checkpoint signed in the C2SP `tlog-checkpoint` / `signed-note` formats (see
/// [`Audit::sign_checkpoint`]). `note` is what to publish: standard transparency-log tooling
/// verifies it with the [`Audit::verifier_key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// The log's name, the note's first line.
    pub origin: String,
    /// How many entries it covers.
    pub size: u64,
    /// RFC 6962 Merkle root of their hashes, hex (the note holds it in base64).
    pub root: String,
    /// The whole signed note: body, blank line, signature line.
    pub note: String,
    /// When it was signed.
    pub at: DateTime<Utc>,
}

/// What [`Audit::verify_since`] found: whether the log today extends the log an older
/// signed checkpoint described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyReport {
    /// True when the old checkpoint's signature verifies, its origin is this log's, and the
    /// log today extends it.
    pub ok: bool,
    /// The old checkpoint's origin line.
    pub origin: String,
    /// The old checkpoint's size.
    pub old_size: u64,
    /// The old checkpoint's root, hex.
    pub old_root: String,
    /// Entries in the log today.
    pub new_size: u64,
    /// The Merkle root over them, hex.
    pub new_root: String,
    /// The proof from the old checkpoint to today's log (empty when the log is shorter).
    pub proof: ConsistencyProof,
    /// What was wrong, in words.
    pub problems: Vec<String>,
}

/// What [`Audit::export`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Entry lines written.
    pub entries: u64,
    /// Signed checkpoint lines written.
    pub checkpoints: u64,
    /// Consistency proof lines written.
    pub proofs: u64,
    /// The Merkle root over all exported entries, hex.
    pub root: String,
}

/// What [`crate::Juno::audit`]'s `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// True when every check passed.
    pub ok: bool,
    /// Entries read.
    pub entries: u64,
    /// The first entry that failed, if any. A checkpoint whose root no longer matches
    /// cannot say which of the entries it covers changed, so that case reports entry 1.
    pub first_bad_seq: Option<u64>,
    /// What was wrong, in words.
    pub problems: Vec<String>,
    /// Checkpoints (stored and given) that were checked.
    pub checkpoints_checked: u64,
    /// The Merkle root over all entries, hex.
    pub root: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(n: usize) -> Vec<Hash> {
        (0..n).map(|i| sha256(&i.to_be_bytes())).collect()
    }

    /// The recursive definition of RFC 6962, to check the incremental builder against.
    fn mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => sha256(b""),
            1 => leaf(&d[0]),
            n => {
                let k = largest_power_of_two_below(n);
                node(&mth(&d[..k]), &mth(&d[k..]))
            }
        }
    }

    #[test]
    fn incremental_root_matches_the_rfc_definition() {
        for n in 0..70 {
            let d = hashes(n);
            assert_eq!(merkle_root(&d), mth(&d), "n = {n}");
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_a_wrong_one_does_not() {
        for n in 1..40 {
            let d = hashes(n);
            let root = hex(&merkle_root(&d));
            for seq in 1..=n as u64 {
                let p = inclusion_proof(seq, &d).unwrap_or_else(|| panic!("proof {seq}/{n}"));
                assert!(p.verify(&root), "seq {seq} of {n}");
                let mut wrong = p.clone();
                wrong.entry_hash = hex(&sha256(b"forged"));
                assert!(!wrong.verify(&root));
                if n > 1 {
                    let mut moved = p.clone();
                    moved.seq = if seq == 1 { 2 } else { seq - 1 };
                    assert!(!moved.verify(&root), "moved {seq} of {n}");
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_forged_ones_do_not() {
        for n in 0..34usize {
            let d = hashes(n);
            let new_root = hex(&merkle_root(&d));
            for m in 0..=n {
                let old_root = hex(&merkle_root(&d[..m]));
                let p = consistency_proof(m as u64, &d).unwrap_or_else(|| panic!("{m}/{n}"));
                assert!(p.verify(&old_root, &new_root), "{m} -> {n}");
                // The old tree rewritten: its root no longer fits the proof.
                let mut rewritten = d[..m].to_vec();
                if let Some(first) = rewritten.first_mut() {
                    *first = sha256(b"rewritten");
                    let forged_root = hex(&merkle_root(&rewritten));
                    assert!(!p.verify(&forged_root, &new_root), "rewritten {m} -> {n}");
                }
                if !p.path.is_empty() {
                    let mut bad = p.clone();
                    bad.path[0] = hex(&sha256(b"forged"));
                    assert!(!bad.verify(&old_root, &new_root), "forged path {m} -> {n}");
                    let mut short = p.clone();
                    short.path.pop();
                    assert!(!short.verify(&old_root, &new_root), "short {m} -> {n}");
                }
                if 0 < m && m < n {
                    // A newer log that changed an entry after the old checkpoint still
                    // extends it, but not with this proof's hashes.
                    let mut changed = d.clone();
                    changed[n - 1] = sha256(b"changed");
                    let other_root = hex(&merkle_root(&changed));
                    assert!(!p.verify(&old_root, &other_root), "new root {m} -> {n}");
                }
            }
            assert!(consistency_proof(n as u64 + 1, &d).is_none());
        }
    }

    #[test]
    fn consistency_proofs_match_the_rfc_example_sizes() {
        // RFC 9162 §2.1.5: the proof from 3 to 7 leaves has 4 hashes (c, d, g, l), from 4
        // to 7 has 1 (l), from 6 to 7 has 3 (i, j, k).
        let d = hashes(7);
        let len = |m| consistency_proof(m, &d).map(|p| p.path.len());
        assert_eq!(len(3), Some(4));
        assert_eq!(len(4), Some(1));
        assert_eq!(len(6), Some(3));
    }

    #[test]
    fn hex_round_trips() {
        let h = sha256(b"x");
        assert_eq!(parse_hex("h", &hex(&h)).ok(), Some(h));
        assert!(parse_hex("h", "zz").is_err());
    }

    #[test]
    fn event_names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = ALL_AUDIT_EVENTS.iter().map(|e| e.as_str()).collect();
        for e in ALL_AUDIT_EVENTS {
            assert_eq!(AuditEvent::from_name(e.as_str()), Some(e));
            assert_eq!(
                serde_json::to_value(e).ok(),
                Some(serde_json::json!(e.as_str()))
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL_AUDIT_EVENTS.len());
        assert_eq!(AuditEvent::from_name("request_aproved"), None);
    }
}
