//! Private timing hooks for `benches/python/`: the same work as a bulk Python call, timed
//! inside Rust, so the boundary's share of a call can be measured on the same payload.

use std::time::Instant;

use juno_core::Error;
use juno_core::forecast::SprintItem;
use juno_core::memory::RecallQuery;
use juno_core::reasoning::{Evidence, EvidenceTable};
use juno_core::triage::{Ticket, TriageSettings};
use pyo3::prelude::*;

use crate::convert::{list_from_py, opt_datetime};
use crate::errors::CoreResultExt;
use crate::juno::PyJuno;

fn ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Nanoseconds the core takes for `workload` on `payload` (converted beforehand, not
/// timed): `triage_scan` (tickets, at `now`), `confidence_many` and `confidence_columns`
/// (evidence dicts), `forecast_sprints` (items), `recall_many` (queries, untouched).
#[pyfunction]
#[pyo3(signature = (juno, workload, payload, now=None))]
pub(crate) fn _bench_core_ns(
    py: Python<'_>,
    juno: &PyJuno,
    workload: &str,
    payload: &Bound<'_, PyAny>,
    now: Option<&Bound<'_, PyAny>>,
) -> PyResult<u64> {
    let engine = juno.engine.get().py(py)?;
    match workload {
        "triage_scan" => {
            let tickets: Vec<Ticket> = list_from_py(payload, "payload", true).py(py)?;
            let now = opt_datetime(now, "now")
                .py(py)?
                .unwrap_or_else(|| engine.now());
            let settings = TriageSettings::default();
            let start = Instant::now();
            let r = engine.triage().scan_at(&tickets, &settings, now).py(py)?;
            std::hint::black_box(r);
            Ok(ns(start))
        }
        "confidence_many" => {
            let evidence: Vec<Evidence> = list_from_py(payload, "payload", true).py(py)?;
            let start = Instant::now();
            let r = engine.reasoning().confidence_many(&evidence, None).py(py)?;
            std::hint::black_box(r);
            Ok(ns(start))
        }
        "confidence_columns" => {
            let evidence: Vec<Evidence> = list_from_py(payload, "payload", true).py(py)?;
            let table = EvidenceTable::from(&evidence[..]);
            let columns = table.columns();
            let start = Instant::now();
            let r = engine
                .reasoning()
                .confidence_columns(&columns, None)
                .py(py)?;
            std::hint::black_box(r);
            Ok(ns(start))
        }
        "forecast_sprints" => {
            let items: Vec<SprintItem> = list_from_py(payload, "payload", true).py(py)?;
            let items = SprintItem::pairs(items);
            let start = Instant::now();
            let r = py.detach(|| engine.forecast().sprints(&items)).py(py)?;
            std::hint::black_box(r);
            Ok(ns(start))
        }
        "recall_many" => {
            let mut queries: Vec<RecallQuery> = list_from_py(payload, "payload", true).py(py)?;
            for q in &mut queries {
                q.touch = false;
            }
            let start = Instant::now();
            let r = engine.memory().recall_many(&queries).py(py)?;
            std::hint::black_box(r);
            Ok(ns(start))
        }
        other => Err(Error::invalid(
            "workload",
            format!("unknown workload `{other}`"),
        ))
        .py(py),
    }
}

/// Nanoseconds to convert `tickets` (a list of dicts) into the core's tickets: the
/// boundary's conversion alone.
#[pyfunction]
pub(crate) fn _bench_convert_tickets_ns(
    py: Python<'_>,
    tickets: &Bound<'_, PyAny>,
) -> PyResult<u64> {
    let start = Instant::now();
    let t: Vec<Ticket> = list_from_py(tickets, "tickets", true).py(py)?;
    let elapsed = ns(start);
    std::hint::black_box(t);
    Ok(elapsed)
}

/// Nanoseconds `serde_json` takes to parse `text` (a JSON array of tickets) into the
/// core's tickets: the reference the conversion is held to.
#[pyfunction]
pub(crate) fn _bench_parse_tickets_ns(py: Python<'_>, text: &str) -> PyResult<u64> {
    let start = Instant::now();
    let t: Vec<Ticket> = serde_json::from_str(text)
        .map_err(|e| Error::invalid("text", e.to_string()))
        .py(py)?;
    let elapsed = ns(start);
    std::hint::black_box(t);
    Ok(elapsed)
}
