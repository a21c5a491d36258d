//! `juno_memory_*`: the memory layer — store, get, recall, learn, clean up.
//!
//! Inputs and outputs are JSON in the shapes of `juno_core::memory`'s serde types, the
//! same JSON the Python package and the HTTP API use.

use std::ffi::c_char;

use juno_core::memory::{MemoryUpdate, NewMemory, OutcomeRecord, RecallQuery};

use crate::boundary::{Out, handle, opt_str_in, str_in};
use crate::buf::juno_buf;
use crate::engine::juno;
use crate::error::juno_error;
use crate::ffi_boundary;
use crate::status::juno_status;

/// Stores one memory, or updates the memory with the same team and `key` (upsert).
///
/// - `j`: must not be NULL.
/// - `json`/`json_len`: one `NewMemory` object as UTF-8 JSON, e.g.
///   `{"kind":"semantic","scope":{"team":"team_alpha"},"text":"…","tags":["x"]}`;
///   must not be NULL.
/// - `out_id`: on success receives the memory's id; untouched on failure. Must not be NULL.
/// - `err`: optional (may be NULL); on failure receives a `juno_error` the caller frees
///   with `juno_error_free`; untouched on success.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON, an unknown field or kind, or
///   any invalid value; nothing is written then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_store(
    j: *mut juno,
    json: *const c_char,
    json_len: usize,
    out_id: *mut i64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `json` is NULL or `json_len` readable bytes.
        let json = unsafe { str_in("json", json, json_len) }?;
        let out_id = Out::new("out_id", out_id)?;
        let memory = j.inner.memory().store(NewMemory::from_json(json)?)?;
        // SAFETY: `out_id` points to a writable `int64_t`.
        unsafe { out_id.write(memory.id) };
        Ok(())
    })
}

/// Stores many memories in one transaction: all or nothing.
///
/// - `j`: must not be NULL.
/// - `json`/`json_len`: a JSON array of `NewMemory` objects (as for `juno_memory_store`);
///   must not be NULL.
/// - `out_ids_json`: on success receives a JSON array of the ids, in input order, e.g.
///   `[1,2,3]`; the caller frees it with `juno_buf_free`. Untouched on failure. Must not
///   be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` naming the first bad item (`items[3].importance`);
///   nothing is written then.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_store_many(
    j: *mut juno,
    json: *const c_char,
    json_len: usize,
    out_ids_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `json` is NULL or `json_len` readable bytes.
        let json = unsafe { str_in("json", json, json_len) }?;
        let out = Out::new("out_ids_json", out_ids_json)?;
        let ids = j
            .inner
            .memory()
            .store_many(NewMemory::many_from_json(json)?)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("memory ids", &ids) }
    })
}

/// One memory by id, as a JSON `Memory` object (`id`, `kind`, `scope`, `key`, `text`,
/// `tags`, `version`, timestamps as RFC 3339 strings, …).
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: on success receives the JSON; the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` if there is no memory `id`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_get(
    j: *const juno,
    id: i64,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let value = j.inner.memory().get(id)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("memory", &value) }
    })
}

/// A memory's change history, oldest first, as a JSON array of `HistoryEntry` objects
/// (`memory_id`, `version`, `event` — `"created"`, `"updated"` or `"deleted"` —, `at`,
/// `before`, `after`).
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: as for `juno_memory_get`.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` when there is no history for `id`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_history(
    j: *const juno,
    id: i64,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let value = j.inner.memory().history(id)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("memory history", &value) }
    })
}

/// Finds the memories that best match a query, best first, each with its score explained.
///
/// - `j`: must not be NULL. Not `const`: unless the query says `"touch": false`, recall
///   counts as an access of the returned memories.
/// - `query_json`/`query_len`: a `RecallQuery` object, e.g.
///   `{"text":"flaky deploy","team":"team_alpha","kinds":["episodic"],"tags":["ci"],"limit":5}`
///   (every field optional; `{}` lists everything); must not be NULL.
/// - `out_hits_json`: on success receives a JSON array of `RecallHit` objects
///   (`memory`, `score`, `explanation`); the caller frees it with `juno_buf_free`.
///   Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or a bad query (limit 0, a
///   text with no words, …).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_recall(
    j: *mut juno,
    query_json: *const c_char,
    query_len: usize,
    out_hits_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `query_json` is NULL or `query_len` readable bytes.
        let query = unsafe { str_in("query_json", query_json, query_len) }?;
        let out = Out::new("out_hits_json", out_hits_json)?;
        let hits = j.inner.memory().recall(&RecallQuery::from_json(query)?)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("recall hits", &hits) }
    })
}

/// Writes the accesses that recall has recorded but not yet written. A touched recall
/// tallies its accesses in memory; the tally is written when it holds 4,096 memories, when
/// its oldest access is a minute old on the engine's clock, before any other memory read or
/// write, and by `juno_free`. Recall and `juno_memory_get` always count pending accesses, so
/// this matters only to another process reading the same file, or before a backup.
///
/// - `j`: must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: storage errors; the tally is kept for the next try.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_flush_accesses(
    j: *mut juno,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        j.inner.memory().flush_accesses()?;
        Ok(())
    })
}

/// Deletes every memory past its expiry or untouched for the retention period, as of the
/// engine's clock.
///
/// - `j`: must not be NULL.
/// - `out_deleted`: on success receives how many memories were deleted; untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: storage errors; on error nothing is deleted.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_cleanup(
    j: *mut juno,
    out_deleted: *mut u64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let out = Out::new("out_deleted", out_deleted)?;
        let deleted = j.inner.memory().cleanup()?;
        // SAFETY: `out` points to a writable `uint64_t`.
        unsafe { out.write(deleted) };
        Ok(())
    })
}

/// Counts and sizes, as a JSON `MemoryStats` object: `total`, `by_kind` (every kind,
/// zeros included), `by_team`, `expired`, `database_bytes`, `oldest`, `newest`.
///
/// - `j`: must not be NULL; not modified.
/// - `out_json`: as for `juno_memory_get`.
/// - `err`: optional, as for `juno_memory_store`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_stats(
    j: *const juno,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        let out = Out::new("out_json", out_json)?;
        let value = j.inner.memory().stats()?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("memory stats", &value) }
    })
}

/// Records what became of a proposed action: an episodic memory and the team's updated
/// preference for that action.
///
/// - `j`: must not be NULL.
/// - `json`/`json_len`: an `OutcomeRecord` object, e.g.
///   `{"team":"team_alpha","action":"auto_reassign","outcome":"rejected","subject":"ABC-12"}`
///   (`outcome` is `"approved"`, `"rejected"` or `"reverted"`); must not be NULL.
/// - `out_json`: on success receives `{"episode_id":…,"preference":{…}|null}`; the caller
///   frees it with `juno_buf_free`. Untouched on failure. Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for malformed JSON or a bad team or action name.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_record_outcome(
    j: *mut juno,
    json: *const c_char,
    json_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `json` is NULL or `json_len` readable bytes.
        let json = unsafe { str_in("json", json, json_len) }?;
        let out = Out::new("out_json", out_json)?;
        let record: OutcomeRecord = juno_core::json::parse_object("record", json)?;
        let learned = j.inner.memory().record_outcome(&record)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("learned outcome", &learned) }
    })
}

/// The team's learned preference about `action`, as a JSON `TeamPreference` object
/// (`stance` — `"favours"`, `"avoids"` or `"undecided"` —, `approved`, `rejected`,
/// `reverted`, `total`, `acceptance_rate`, `confidence`, …), or the JSON text `null` when
/// no outcome was ever recorded for that team and action.
///
/// - `j`: must not be NULL; not modified.
/// - `team`/`team_len`, `action`/`action_len`: UTF-8; must not be NULL.
/// - `out_json`: as for `juno_memory_get`.
/// - `err`: optional, as for `juno_memory_store`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_preference(
    j: *const juno,
    team: *const c_char,
    team_len: usize,
    action: *const c_char,
    action_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: each string is NULL or its length in readable bytes.
        let team = unsafe { str_in("team", team, team_len) }?;
        // SAFETY: as above.
        let action = unsafe { str_in("action", action, action_len) }?;
        let out = Out::new("out_json", out_json)?;
        let pref = j.inner.memory().preference(team, action)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("team preference", &pref) }
    })
}

/// The team's newest recorded outcomes, newest first, as a JSON array of `RecentOutcome`
/// objects (`memory_id`, `action`, `outcome`, `context` — the facets the outcome was
/// recorded with —, `at`): what the agent cycle reads a preference for a narrower situation
/// from.
///
/// - `j`: must not be NULL; not modified.
/// - `team`/`team_len`: UTF-8; must not be NULL.
/// - `limit`: at most this many.
/// - `out_json`: as for `juno_memory_get`.
/// - `err`: optional, as for `juno_memory_store`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_recent_outcomes(
    j: *const juno,
    team: *const c_char,
    team_len: usize,
    limit: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j) }?;
        // SAFETY: `team` is NULL or its length in readable bytes.
        let team = unsafe { str_in("team", team, team_len) }?;
        let out = Out::new("out_json", out_json)?;
        let recent = j.inner.memory().recent_outcomes(team, limit)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("recent outcomes", &recent) }
    })
}

/// Recognises patterns in a team's episodes and stores each as a procedural memory.
///
/// - `j`: must not be NULL.
/// - `team`/`team_len`: UTF-8 team name; **optional**: NULL (with any length) means every
///   team.
/// - `out_json`: on success receives a JSON array of `Pattern` objects (`memory_id`,
///   `team`, `event`, `result`, `support`, `supporting`, `total`, `episode_ids`), sorted by
///   team and event; the caller frees it with `juno_buf_free`. Untouched on failure. Must
///   not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_recognize_patterns(
    j: *mut juno,
    team: *const c_char,
    team_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `team` is NULL or `team_len` readable bytes.
        let team = unsafe { opt_str_in("team", team, team_len) }?;
        let out = Out::new("out_json", out_json)?;
        let patterns = j.inner.memory().recognize_patterns(team)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("patterns", &patterns) }
    })
}

/// Changes some fields of memory `id`; the version rises and the change enters its history.
/// Returns the updated memory as JSON (as for `juno_memory_get`).
///
/// - `j`: must not be NULL.
/// - `update_json`/`update_len`: a `MemoryUpdate` object, every field optional: `text`,
///   `content`, `tags` (replace the old set), `importance`, `confidence`, `ttl_seconds`
///   (from now), e.g. `{"importance":0.9}`; must not be NULL.
/// - `out_json`: as for `juno_memory_get`.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` if there is no memory `id`; `JUNO_STATUS_INVALID_INPUT`
///   for a bad value or an unknown field (nothing changes then).
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_update(
    j: *mut juno,
    id: i64,
    update_json: *const c_char,
    update_len: usize,
    out_json: *mut juno_buf,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `update_json` is NULL or `update_len` readable bytes.
        let json = unsafe { str_in("update_json", update_json, update_len) }?;
        let out = Out::new("out_json", out_json)?;
        let update: MemoryUpdate = juno_core::json::parse_object("update", json)?;
        let value = j.inner.memory().update(id, update)?;
        // SAFETY: `out` points to a writable `juno_buf`.
        unsafe { out.write_json("memory", &value) }
    })
}

/// Deletes memory `id`; its history stays.
///
/// - `j`: must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_NOT_FOUND` if there is no memory `id`.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_delete(
    j: *mut juno,
    id: i64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        j.inner.memory().delete(id)?;
        Ok(())
    })
}

/// Ends a working session: its working memories are deleted.
///
/// - `j`: must not be NULL.
/// - `session`/`session_len`: the session name; must not be NULL or empty.
/// - `out_deleted`: on success receives how many memories were deleted; untouched on
///   failure. Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: `JUNO_STATUS_INVALID_INPUT` for an empty session name.
/// - Thread safety: safe to call while other threads use `j`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_end_session(
    j: *mut juno,
    session: *const c_char,
    session_len: usize,
    out_deleted: *mut u64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        // SAFETY: `session` is NULL or `session_len` readable bytes.
        let session = unsafe { str_in("session", session, session_len) }?;
        let out = Out::new("out_deleted", out_deleted)?;
        let deleted = j.inner.memory().end_session(session)?;
        // SAFETY: `out` points to a writable `uint64_t`.
        unsafe { out.write(deleted) };
        Ok(())
    })
}

/// Runs `juno_memory_cleanup` when this handle has not run it in the last
/// `MEMORY_CLEANUP_INTERVAL` hours (or ever); call it on every tick of a scheduler.
///
/// - `j`: must not be NULL.
/// - `out_ran`: on success receives whether a cleanup ran. Must not be NULL.
/// - `out_deleted`: on success receives how many memories were deleted (0 when none ran).
///   Must not be NULL.
/// - `err`: optional, as for `juno_memory_store`.
/// - Errors: storage errors.
/// - Thread safety: safe to call while other threads use `j`; at most one of them runs
///   the cleanup per interval.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn juno_memory_cleanup_if_due(
    j: *mut juno,
    out_ran: *mut bool,
    out_deleted: *mut u64,
    err: *mut *mut juno_error,
) -> juno_status {
    ffi_boundary!(err, {
        // SAFETY: `j` is NULL or a live handle (the documented contract).
        let j = unsafe { handle("j", j.cast_const()) }?;
        let ran = Out::new("out_ran", out_ran)?;
        let out = Out::new("out_deleted", out_deleted)?;
        let result = j.inner.memory().cleanup_if_due()?;
        // SAFETY: both point to writable values.
        unsafe {
            ran.write(result.is_some());
            out.write(result.unwrap_or(0));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::buf::juno_buf_free;
    use crate::engine::{juno_free, juno_open_in_memory};
    use crate::error::{juno_error_free, juno_error_message, juno_error_status};
    use std::ptr;

    /// An in-memory engine, freed on drop.
    struct Engine(*mut juno);

    impl Engine {
        fn new() -> Self {
            // SAFETY: every pointer passed is NULL on purpose or valid for the call.
            unsafe {
                let mut j = ptr::null_mut();
                assert_eq!(
                    juno_open_in_memory(&mut j, ptr::null_mut()),
                    juno_status::Ok
                );
                Engine(j)
            }
        }

        fn total(&self) -> u64 {
            // SAFETY: every pointer passed is NULL on purpose or valid for the call.
            unsafe {
                let mut buf = juno_buf {
                    data: ptr::null_mut(),
                    len: 0,
                };
                assert_eq!(
                    juno_memory_stats(self.0, &mut buf, ptr::null_mut()),
                    juno_status::Ok
                );
                let v: serde_json::Value = serde_json::from_str(&take(&mut buf)).unwrap();
                v["total"].as_u64().unwrap()
            }
        }
    }

    impl Drop for Engine {
        fn drop(&mut self) {
            // SAFETY: every pointer passed is NULL on purpose or valid for the call.
            unsafe {
                juno_free(self.0);
            }
        }
    }

    fn take(buf: &mut juno_buf) -> String {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            // SAFETY: `buf` was filled by a successful JUNO call.
            let bytes = std::slice::from_raw_parts(buf.data, buf.len).to_vec();
            juno_buf_free(buf);
            String::from_utf8(bytes).unwrap()
        }
    }

    /// A buffer holding a recognisable value that no JUNO call produces.
    fn sentinel_buf() -> juno_buf {
        juno_buf {
            data: 0x40 as *mut u8,
            len: 77,
        }
    }

    fn message(err: *mut juno_error) -> String {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let m = juno_error_message(err);
            // SAFETY: a view of a live error.
            let bytes = std::slice::from_raw_parts(m.data.cast::<u8>(), m.len);
            String::from_utf8(bytes.to_vec()).unwrap()
        }
    }

    const MEMORY: &str = r#"{"kind":"semantic","scope":{"team":"team_alpha"},"key":"k1","text":"alpha splits big stories","tags":["estimation"]}"#;

    #[test]
    fn store_get_recall_round_trip() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let mut id = 0i64;
            let s = juno_memory_store(
                e.0,
                MEMORY.as_ptr().cast(),
                MEMORY.len(),
                &mut id,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::Ok);
            assert!(id > 0);

            let mut buf = sentinel_buf();
            assert_eq!(
                juno_memory_get(e.0, id, &mut buf, ptr::null_mut()),
                juno_status::Ok
            );
            let m: serde_json::Value = serde_json::from_str(&take(&mut buf)).unwrap();
            assert_eq!(m["key"], "k1");
            assert_eq!(m["version"], 1);

            let q = r#"{"text":"stories","team":"team_alpha"}"#;
            let mut buf = sentinel_buf();
            let s = juno_memory_recall(e.0, q.as_ptr().cast(), q.len(), &mut buf, ptr::null_mut());
            assert_eq!(s, juno_status::Ok);
            let hits: serde_json::Value = serde_json::from_str(&take(&mut buf)).unwrap();
            assert_eq!(hits[0]["memory"]["id"], id);
            assert!(hits[0]["score"].as_f64().unwrap() > 0.0);
            assert_eq!(e.total(), 1);
        }
    }

    #[test]
    fn malformed_json_is_invalid_input_and_touches_nothing() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let mut id = -7i64;
            let mut err: *mut juno_error = ptr::null_mut();
            let bad = r#"{"kind": "semantic", "#;
            let s = juno_memory_store(e.0, bad.as_ptr().cast(), bad.len(), &mut id, &mut err);
            assert_eq!(s, juno_status::InvalidInput);
            assert_eq!(id, -7, "out_id written on failure");
            assert_eq!(juno_error_status(err), juno_status::InvalidInput);
            assert!(
                message(err).starts_with("malformed JSON for memory"),
                "{}",
                message(err)
            );
            juno_error_free(err);

            let mut buf = sentinel_buf();
            let s = juno_memory_store_many(
                e.0,
                bad.as_ptr().cast(),
                bad.len(),
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::InvalidInput);
            assert_eq!(
                (buf.data as usize, buf.len),
                (0x40, 77),
                "out buffer written on failure"
            );

            let s = juno_memory_recall(
                e.0,
                bad.as_ptr().cast(),
                bad.len(),
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::InvalidInput);
            assert_eq!((buf.data as usize, buf.len), (0x40, 77));

            let s = juno_memory_record_outcome(
                e.0,
                bad.as_ptr().cast(),
                bad.len(),
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::InvalidInput);
            assert_eq!(e.total(), 0);
        }
    }

    #[test]
    fn invalid_values_name_the_field() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let many = r#"[{"kind":"semantic","scope":{"team":"t"},"text":"ok"},
                          {"kind":"semantic","scope":{"team":"t"},"text":"x","importance":1.5}]"#;
            let mut buf = sentinel_buf();
            let mut err = ptr::null_mut();
            let s =
                juno_memory_store_many(e.0, many.as_ptr().cast(), many.len(), &mut buf, &mut err);
            assert_eq!(s, juno_status::InvalidInput);
            assert!(
                message(err).contains("items[1].importance"),
                "{}",
                message(err)
            );
            juno_error_free(err);
            assert_eq!(e.total(), 0, "a batch is all or nothing");
        }
    }

    #[test]
    fn null_pointers_are_refused_before_any_work() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let mut id = 0i64;
            let mut buf = sentinel_buf();
            let null = juno_status::NullParameter;
            let (m, n) = (MEMORY.as_ptr().cast(), MEMORY.len());
            assert_eq!(
                juno_memory_store(ptr::null_mut(), m, n, &mut id, ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_store(e.0, ptr::null(), 0, &mut id, ptr::null_mut()),
                null
            );
            // A NULL output must not leave a stored memory behind.
            assert_eq!(
                juno_memory_store(e.0, m, n, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_store_many(e.0, m, n, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(e.total(), 0);
            assert_eq!(
                juno_memory_get(ptr::null(), 1, &mut buf, ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_get(e.0, 1, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_history(e.0, 1, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_recall(e.0, ptr::null(), 0, &mut buf, ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_cleanup(e.0, ptr::null_mut(), ptr::null_mut()),
                null
            );
            assert_eq!(
                juno_memory_stats(ptr::null(), &mut buf, ptr::null_mut()),
                null
            );
            let t = "team_alpha";
            let s = juno_memory_preference(
                e.0,
                t.as_ptr().cast(),
                t.len(),
                ptr::null(),
                0,
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, null);
            assert_eq!(
                juno_memory_recognize_patterns(
                    e.0,
                    ptr::null(),
                    0,
                    ptr::null_mut(),
                    ptr::null_mut()
                ),
                null
            );
            assert_eq!((buf.data as usize, buf.len), (0x40, 77));
        }
    }

    #[test]
    fn invalid_utf8_is_refused() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let mut id = 0i64;
            let bad = b"{\"kind\":\"semantic\",\"scope\":{\"team\":\"t\"},\"text\":\"\xff\"}";
            let mut err = ptr::null_mut();
            let s = juno_memory_store(e.0, bad.as_ptr().cast(), bad.len(), &mut id, &mut err);
            assert_eq!(s, juno_status::InvalidUtf8);
            assert!(
                message(err).contains("`json` is not valid UTF-8"),
                "{}",
                message(err)
            );
            juno_error_free(err);
            assert_eq!(e.total(), 0);
        }
    }

    #[test]
    fn missing_memory_is_not_found() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let mut buf = sentinel_buf();
            let mut err = ptr::null_mut();
            assert_eq!(
                juno_memory_get(e.0, 42, &mut buf, &mut err),
                juno_status::NotFound
            );
            assert_eq!(message(err), "memory `42` not found");
            juno_error_free(err);
            assert_eq!(
                juno_memory_history(e.0, 42, &mut buf, ptr::null_mut()),
                juno_status::NotFound
            );
            assert_eq!((buf.data as usize, buf.len), (0x40, 77));
        }
    }

    #[test]
    fn outcomes_teach_a_preference() {
        // SAFETY: every pointer passed is NULL on purpose or valid for the call.
        unsafe {
            let e = Engine::new();
            let (t, a) = ("team_alpha", "auto_reassign");
            let mut buf = sentinel_buf();
            let s = juno_memory_preference(
                e.0,
                t.as_ptr().cast(),
                t.len(),
                a.as_ptr().cast(),
                a.len(),
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::Ok);
            assert_eq!(take(&mut buf), "null");
            for outcome in ["rejected", "rejected", "approved", "rejected", "rejected"] {
                let rec = format!(r#"{{"team":"{t}","action":"{a}","outcome":"{outcome}"}}"#);
                let s = juno_memory_record_outcome(
                    e.0,
                    rec.as_ptr().cast(),
                    rec.len(),
                    &mut buf,
                    ptr::null_mut(),
                );
                assert_eq!(s, juno_status::Ok);
                take(&mut buf);
            }
            let s = juno_memory_preference(
                e.0,
                t.as_ptr().cast(),
                t.len(),
                a.as_ptr().cast(),
                a.len(),
                &mut buf,
                ptr::null_mut(),
            );
            assert_eq!(s, juno_status::Ok);
            let p: serde_json::Value = serde_json::from_str(&take(&mut buf)).unwrap();
            assert_eq!(p["stance"], "avoids");
            assert_eq!(p["rejected"], 4);
            let s = juno_memory_recognize_patterns(e.0, ptr::null(), 0, &mut buf, ptr::null_mut());
            assert_eq!(s, juno_status::Ok);
            let pats: serde_json::Value = serde_json::from_str(&take(&mut buf)).unwrap();
            assert_eq!(pats[0]["result"], "rejected");
        }
    }
}
