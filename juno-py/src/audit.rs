//! `juno.Audit`: the tamper-evident audit log (the core's [`juno_core::audit`]), its
//! entries, checkpoints, verification reports and inclusion proofs.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use juno_core::Error;
use juno_core::audit::{
    AuditEntry, Checkpoint, ConsistencyProof, ConsistencyReport, ExportSummary, InclusionProof,
    SignedCheckpoint, SigningKey, VerifyReport,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{SeqArg, TreeSizeArg, Whole, serde_to_py, to_py};
use crate::errors::CoreResultExt;
use crate::juno::Engine;

/// The audit log of one engine: `juno.audit`.
#[pyclass(frozen, name = "Audit", module = "juno._juno")]
pub struct PyAudit {
    pub(crate) engine: Arc<Engine>,
}

/// A sequence number or size from Python's int: negative numbers named as such.
fn non_negative(field: &str, n: i64) -> Result<u64, Error> {
    u64::try_from(n).map_err(|_| Error::invalid(field, format!("must not be negative, got {n}")))
}

/// A `Checkpoint`, or a dict in its JSON shape (`{"size", "root", "at"}`, as saved by
/// `Checkpoint.to_dict()`).
fn checkpoint_from(obj: &Bound<'_, PyAny>) -> Result<Checkpoint, Error> {
    if let Ok(c) = obj.cast::<PyCheckpoint>() {
        return Ok(c.get().0.clone());
    }
    if !obj.is_instance_of::<PyDict>() {
        return Err(Error::invalid(
            "checkpoint",
            "expected a Checkpoint or a dict with `size`, `root` and `at`",
        ));
    }
    crate::convert::from_py(obj, "checkpoint")
}

#[pymethods]
impl PyAudit {
    /// Re-walks the chain, checks every stored checkpoint and `checkpoint` if given.
    #[pyo3(signature = (checkpoint=None))]
    fn verify(
        &self,
        py: Python<'_>,
        checkpoint: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyVerifyReport> {
        let saved = match checkpoint {
            Some(c) if !c.is_none() => Some(checkpoint_from(c).py(py)?),
            _ => None,
        };
        let juno = self.engine.get().py(py)?;
        let report = py
            .detach(move || juno.audit().verify(saved.as_ref()))
            .py(py)?;
        Ok(PyVerifyReport(report))
    }

    /// Records and returns a checkpoint of the whole log as it is now.
    fn checkpoint(&self, py: Python<'_>) -> PyResult<PyCheckpoint> {
        let juno = self.engine.get().py(py)?;
        let c = py.detach(move || juno.audit().checkpoint()).py(py)?;
        Ok(PyCheckpoint(c))
    }

    /// Entries from `from_seq` on, at most `limit`, oldest first.
    #[pyo3(signature = (from_seq=1, limit=1000))]
    fn entries(&self, py: Python<'_>, from_seq: i64, limit: i64) -> PyResult<Vec<PyAuditEntry>> {
        let from_seq = non_negative("from_seq", from_seq).py(py)?;
        let limit = usize::try_from(non_negative("limit", limit).py(py)?).unwrap_or(usize::MAX);
        let juno = self.engine.get().py(py)?;
        let es = py
            .detach(move || juno.audit().entries(from_seq, limit))
            .py(py)?;
        Ok(es.into_iter().map(PyAuditEntry).collect())
    }

    /// Entries about one subject (`request:42`, `user:ana@company.com`), oldest first.
    fn entries_for(&self, py: Python<'_>, subject: String) -> PyResult<Vec<PyAuditEntry>> {
        let juno = self.engine.get().py(py)?;
        let es = py
            .detach(move || juno.audit().entries_for(&subject))
            .py(py)?;
        Ok(es.into_iter().map(PyAuditEntry).collect())
    }

    /// Proof that entry `seq` is covered by the checkpoint of size `tree_size`.
    fn inclusion_proof(
        &self,
        py: Python<'_>,
        seq: Whole<SeqArg>,
        tree_size: Whole<TreeSizeArg>,
    ) -> PyResult<PyInclusionProof> {
        let seq = non_negative("seq", seq.0).py(py)?;
        let tree_size = non_negative("tree_size", tree_size.0).py(py)?;
        let juno = self.engine.get().py(py)?;
        let p = py
            .detach(move || juno.audit().inclusion_proof(seq, tree_size))
            .py(py)?;
        Ok(PyInclusionProof(p))
    }

    /// Proof that the first `old_size` entries are a prefix of the first `new_size`.
    fn consistency_proof(
        &self,
        py: Python<'_>,
        old_size: i64,
        new_size: i64,
    ) -> PyResult<PyConsistencyProof> {
        let old_size = non_negative("old_size", old_size).py(py)?;
        let new_size = non_negative("new_size", new_size).py(py)?;
        let juno = self.engine.get().py(py)?;
        let p = py
            .detach(move || juno.audit().consistency_proof(old_size, new_size))
            .py(py)?;
        Ok(PyConsistencyProof(p))
    }

    /// Signs and records a checkpoint of the whole log with `AUDIT_SIGNING_KEY`.
    fn sign_checkpoint(&self, py: Python<'_>) -> PyResult<PySignedCheckpoint> {
        let juno = self.engine.get().py(py)?;
        let c = py.detach(move || juno.audit().sign_checkpoint()).py(py)?;
        Ok(PySignedCheckpoint(c))
    }

    /// Every signed checkpoint, oldest first.
    fn signed_checkpoints(&self, py: Python<'_>) -> PyResult<Vec<PySignedCheckpoint>> {
        let juno = self.engine.get().py(py)?;
        let cs = py
            .detach(move || juno.audit().signed_checkpoints())
            .py(py)?;
        Ok(cs.into_iter().map(PySignedCheckpoint).collect())
    }

    /// The public key that checks this engine's signed checkpoints.
    fn verifier_key(&self, py: Python<'_>) -> PyResult<String> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.audit().verifier_key()).py(py)
    }

    /// Checks an older signed checkpoint's note against the log today.
    #[pyo3(signature = (note, verifier_key=None))]
    fn verify_since(
        &self,
        py: Python<'_>,
        note: String,
        verifier_key: Option<String>,
    ) -> PyResult<PyConsistencyReport> {
        let juno = self.engine.get().py(py)?;
        let r = py
            .detach(move || juno.audit().verify_since(&note, verifier_key.as_deref()))
            .py(py)?;
        Ok(PyConsistencyReport(r))
    }

    /// Writes the log, its signed checkpoints and proofs to `path` as JSON lines.
    fn export_to(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyExportSummary> {
        let juno = self.engine.get().py(py)?;
        let s = py.detach(move || juno.audit().export_to(&path)).py(py)?;
        Ok(PyExportSummary(s))
    }

    /// A new random signing key called `name`: `(signing_key, verifier_key)`. Keep the
    /// first where the configuration is kept (`AUDIT_SIGNING_KEY`); give the second to
    /// auditors.
    #[staticmethod]
    fn generate_signing_key(py: Python<'_>, name: &str) -> PyResult<(String, String)> {
        let key = SigningKey::generate(name).py(py)?;
        Ok((key.to_secret_text(), key.verifier_key()))
    }

    /// How many entries the log holds.
    fn count(&self, py: Python<'_>) -> PyResult<u64> {
        let juno = self.engine.get().py(py)?;
        py.detach(move || juno.audit().len()).py(py)
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        let n = self.count(py)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// A component is always true, even over an empty log (`len()` would say otherwise).
    fn __bool__(&self) -> bool {
        true
    }

    fn __repr__(&self) -> String {
        String::from("<juno.Audit>")
    }
}

/// One audit entry.
#[pyclass(frozen, name = "AuditEntry", module = "juno._juno")]
pub struct PyAuditEntry(pub(crate) AuditEntry);

#[pymethods]
impl PyAuditEntry {
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    #[getter]
    fn actor(&self) -> &str {
        &self.0.actor
    }
    #[getter]
    fn event(&self) -> &str {
        &self.0.event
    }
    #[getter]
    fn subject(&self) -> &str {
        &self.0.subject
    }
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.payload)
    }
    #[getter]
    fn payload_digest(&self) -> &str {
        &self.0.payload_digest
    }
    #[getter]
    fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
    #[getter]
    fn hash(&self) -> &str {
        &self.0.hash
    }
    /// The entry in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "AuditEntry(seq={}, event={:?}, actor={:?}, subject={:?})",
            self.0.seq, self.0.event, self.0.actor, self.0.subject
        )
    }
}

/// A checkpoint: a tree size and the Merkle root over the first `size` entries.
#[pyclass(frozen, name = "Checkpoint", module = "juno._juno")]
pub struct PyCheckpoint(pub(crate) Checkpoint);

#[pymethods]
impl PyCheckpoint {
    /// A checkpoint from its JSON shape (`to_dict()`'s output, e.g. read from a file).
    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyCheckpoint(checkpoint_from(data).py(py)?))
    }
    #[getter]
    fn size(&self) -> u64 {
        self.0.size
    }
    #[getter]
    fn root(&self) -> &str {
        &self.0.root
    }
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The checkpoint in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Checkpoint(size={}, root={:?}, at={:?})",
            self.0.size,
            self.0.root,
            self.0.at.to_rfc3339()
        )
    }
}

/// What `Audit.verify()` found.
#[pyclass(frozen, name = "VerifyReport", module = "juno._juno")]
pub struct PyVerifyReport(pub(crate) VerifyReport);

#[pymethods]
impl PyVerifyReport {
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }
    #[getter]
    fn entries(&self) -> u64 {
        self.0.entries
    }
    #[getter]
    fn first_bad_seq(&self) -> Option<u64> {
        self.0.first_bad_seq
    }
    #[getter]
    fn problems(&self) -> Vec<String> {
        self.0.problems.clone()
    }
    #[getter]
    fn checkpoints_checked(&self) -> u64 {
        self.0.checkpoints_checked
    }
    #[getter]
    fn root(&self) -> &str {
        &self.0.root
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "VerifyReport(ok={}, entries={}, first_bad_seq={}, problems={:?})",
            if self.0.ok { "True" } else { "False" },
            self.0.entries,
            self.0
                .first_bad_seq
                .map_or_else(|| String::from("None"), |s| s.to_string()),
            self.0.problems
        )
    }
}

/// Proof that one entry is among the first `tree_size` entries of a checkpoint.
#[pyclass(frozen, name = "InclusionProof", module = "juno._juno")]
pub struct PyInclusionProof(pub(crate) InclusionProof);

#[pymethods]
impl PyInclusionProof {
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    #[getter]
    fn entry_hash(&self) -> &str {
        &self.0.entry_hash
    }
    #[getter]
    fn tree_size(&self) -> u64 {
        self.0.tree_size
    }
    #[getter]
    fn path(&self) -> Vec<String> {
        self.0.path.clone()
    }
    /// True when the proof leads to `root` (a checkpoint's root, hex); its `tree_size` is
    /// taken on trust.
    fn verify(&self, root: &str) -> bool {
        self.0.verify(root)
    }
    /// True when the proof is for `checkpoint`'s size and leads to its root.
    fn verify_at(&self, py: Python<'_>, checkpoint: &Bound<'_, PyAny>) -> PyResult<bool> {
        let c = checkpoint_from(checkpoint).py(py)?;
        Ok(self.0.verify_at(&c))
    }
    /// The proof in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "InclusionProof(seq={}, tree_size={}, path=<{} hashes>)",
            self.0.seq,
            self.0.tree_size,
            self.0.path.len()
        )
    }
}

/// A checkpoint signed in the C2SP `tlog-checkpoint` / `signed-note` formats.
#[pyclass(frozen, name = "SignedCheckpoint", module = "juno._juno")]
pub struct PySignedCheckpoint(pub(crate) SignedCheckpoint);

#[pymethods]
impl PySignedCheckpoint {
    #[getter]
    fn origin(&self) -> &str {
        &self.0.origin
    }
    #[getter]
    fn size(&self) -> u64 {
        self.0.size
    }
    #[getter]
    fn root(&self) -> &str {
        &self.0.root
    }
    #[getter]
    fn note(&self) -> &str {
        &self.0.note
    }
    #[getter]
    fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The signed checkpoint in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "SignedCheckpoint(origin={:?}, size={}, root={:?})",
            self.0.origin, self.0.size, self.0.root
        )
    }
}

/// Proof that an older checkpoint's entries are a prefix of a newer one's.
#[pyclass(frozen, name = "ConsistencyProof", module = "juno._juno")]
pub struct PyConsistencyProof(pub(crate) ConsistencyProof);

#[pymethods]
impl PyConsistencyProof {
    #[getter]
    fn old_size(&self) -> u64 {
        self.0.old_size
    }
    #[getter]
    fn new_size(&self) -> u64 {
        self.0.new_size
    }
    #[getter]
    fn path(&self) -> Vec<String> {
        self.0.path.clone()
    }
    /// True when the proof leads from `old_root` to `new_root` (hex); its sizes are taken
    /// on trust.
    fn verify(&self, old_root: &str, new_root: &str) -> bool {
        self.0.verify(old_root, new_root)
    }
    /// True when the proof is for the two checkpoints' sizes and leads to both roots.
    fn verify_checkpoints(
        &self,
        py: Python<'_>,
        old: &Bound<'_, PyAny>,
        new: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let (old, new) = (checkpoint_from(old).py(py)?, checkpoint_from(new).py(py)?);
        Ok(self.0.verify_checkpoints(&old, &new))
    }
    /// The proof in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ConsistencyProof(old_size={}, new_size={}, path=<{} hashes>)",
            self.0.old_size,
            self.0.new_size,
            self.0.path.len()
        )
    }
}

/// What `Audit.verify_since()` found.
#[pyclass(frozen, name = "ConsistencyReport", module = "juno._juno")]
pub struct PyConsistencyReport(pub(crate) ConsistencyReport);

#[pymethods]
impl PyConsistencyReport {
    #[getter]
    fn ok(&self) -> bool {
        self.0.ok
    }
    #[getter]
    fn origin(&self) -> &str {
        &self.0.origin
    }
    #[getter]
    fn old_size(&self) -> u64 {
        self.0.old_size
    }
    #[getter]
    fn old_root(&self) -> &str {
        &self.0.old_root
    }
    #[getter]
    fn new_size(&self) -> u64 {
        self.0.new_size
    }
    #[getter]
    fn new_root(&self) -> &str {
        &self.0.new_root
    }
    #[getter]
    fn proof(&self) -> PyConsistencyProof {
        PyConsistencyProof(self.0.proof.clone())
    }
    #[getter]
    fn problems(&self) -> Vec<String> {
        self.0.problems.clone()
    }
    /// The report in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ConsistencyReport(ok={}, old_size={}, new_size={}, problems={:?})",
            if self.0.ok { "True" } else { "False" },
            self.0.old_size,
            self.0.new_size,
            self.0.problems
        )
    }
}

/// What `Audit.export_to()` wrote.
#[pyclass(frozen, name = "ExportSummary", module = "juno._juno")]
pub struct PyExportSummary(pub(crate) ExportSummary);

#[pymethods]
impl PyExportSummary {
    #[getter]
    fn entries(&self) -> u64 {
        self.0.entries
    }
    #[getter]
    fn checkpoints(&self) -> u64 {
        self.0.checkpoints
    }
    #[getter]
    fn proofs(&self) -> u64 {
        self.0.proofs
    }
    #[getter]
    fn root(&self) -> &str {
        &self.0.root
    }
    /// The summary in the core's JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serde_to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "ExportSummary(entries={}, checkpoints={}, proofs={}, root={:?})",
            self.0.entries, self.0.checkpoints, self.0.proofs, self.0.root
        )
    }
}
