//! # JUNO C ABI
//!
//! The C interface of JUNO (`include/juno.h`, generated from this crate by cbindgen).
//!
//! Conventions (after rustls-ffi, see `STYLE.md`):
//! - opaque handles (`juno`, `juno_error`), constructors `_open`, destructors `_free`;
//!   `_free(NULL)` is a no-op;
//! - every fallible call returns a `juno_status` (`JUNO_STATUS_OK` = 0; misuse codes below
//!   100; domain errors from 100, one per `juno_core::ErrorKind`) and takes a trailing,
//!   optional `juno_error **err` that receives the message;
//! - strings in are `const char *ptr, size_t len` UTF-8 (a NULL `ptr` is always
//!   `JUNO_STATUS_NULL_PARAMETER`, even with `len` 0, unless documented optional);
//!   nested data crosses as JSON; output bytes are a library-owned `juno_buf`;
//! - outputs are written only on success; every body runs inside `ffi_boundary!`, so a
//!   panic returns `JUNO_STATUS_PANIC` instead of unwinding into C.
// The exported functions are `unsafe extern "C"`: their pointer parameters must satisfy
// contracts Rust cannot check (a non-NULL pointer must be valid). Each function's doc
// states that contract (ownership, NULL behaviour, lifetime, thread safety) for the C
// reader, who sees it in include/juno.h; a separate `# Safety` section would only repeat it.
#![allow(clippy::missing_safety_doc)]

// Declared in the order the header presents them (cbindgen keeps source order):
// status codes, errors, buffers, the engine handle, the memory layer, governance, audit,
// the pure engines, the sprint forecaster, flow analysis, the agent cycle (sources,
// cycles, executions), wording, notifications, the evaluations on real data, the batch calls,
// the structured logs.
mod boundary;

mod status;

mod error;

mod buf;

mod engine;

mod memory;

mod governance;

mod audit;

mod engines;

mod forecast;

mod flow;

mod agent;

mod llm;

mod notify;

mod eval;

mod batch;

mod log;

#[cfg(test)]
mod test_util;

pub(crate) use boundary::ffi_boundary;

// Every C function is also a Rust item of this crate, so Rust drivers (the fuzz targets,
// the tests) call exactly what C calls.
pub use agent::*;
pub use audit::*;
pub use batch::*;
pub use buf::*;
pub use engine::*;
pub use engines::*;
pub use error::{juno_error, juno_error_free, juno_error_message, juno_error_status, juno_str};
pub use eval::*;
pub use flow::*;
pub use forecast::*;
pub use governance::*;
pub use llm::*;
pub use log::*;
pub use memory::*;
pub use notify::*;
pub use status::juno_status;
