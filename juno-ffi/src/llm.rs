//! Wording: a language model's checked paragraph for an explanation, or the template
//! ([`juno_core::llm`]).

use std::ffi::c_char;

use juno_core::llm::WordingInput;

use crate::boundary::{Out, handle, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::engines::json_object_in;
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Words an explanation for a person. Writes `{"text", "source", "reason", "model",
/// "prompt_tokens", "completion_tokens", "cost"}`: `source` is `model` (a configured
/// OpenAI or Azure OpenAI model's answer, checked: no number the input lacks, no other
/// decision), `cache` (the same input worded before) or `template` (the explanation
/// itself: no model configured, an error, a timeout or a rejected answer — `reason` says
/// which). The model's failures are never returned as errors.
///
/// - `j`: must not be NULL.
/// - `input_json`/`input_len`: a `WordingInput` object: `explanation` (the engine's
///   text), optional `decision`, optional `quoted` (untrusted ticket text, an array of
///   strings, passed to the model as data); must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the field of a malformed input.
/// - Thread safety: safe to call while other threads use `j`; it waits for the model (at
///   most `LLM_TIMEOUT_SECS`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_llm_word(
    j: *const juno,
    input_json: *const c_char,
    input_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `input_json` is NULL or points to `input_len` readable bytes.
        let text = unsafe { str_in("input_json", input_json, input_len) }?;
        let out = Out::new("out_json", out_json)?;
        let input: WordingInput = json_object_in("input_json", text)?;
        let worded = j.inner.llm().word(&input)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("wording", &worded) }
    })
}

/// Calls, tokens and cost of wordings so far, as a JSON array of `{"source", "calls",
/// "prompt_tokens", "completion_tokens", "cost"}` (sources `cache`, `model`, `template`).
///
/// - `j`: must not be NULL.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_source_sync_sim`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_llm_usage(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let usage = j.inner.llm().usage()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("usage", &usage) }
    })
}
