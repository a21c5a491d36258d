//! [`Memories`]: the memory layer's operations on one [`Juno`].

use chrono::{DateTime, Duration, Utc};

use super::learning::{self, Counts, OutcomeRecord, Pattern, RecentOutcome, TeamPreference};
use super::recall::{self, Ranked, RecallHit, RecallQuery, TopK};
use super::{
    HistoryEntry, Memory, MemoryId, MemoryKind, MemoryStats, MemoryUpdate, NewMemory, Provenance,
};
use crate::error::{Error, Result};
use crate::juno::Juno;
use crate::store::{from_ms, to_ms};

/// The memory layer of one [`Juno`]. Cheap to get: `juno.memory()`.
#[derive(Debug, Clone, Copy)]
pub struct Memories<'a> {
    juno: &'a Juno,
}

/// What [`Memories::record_outcome`] learned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutcomeLearned {
    /// The episodic memory that records the outcome.
    pub episode_id: MemoryId,
    /// The updated preference (none when `TEAM_PREFERENCE_LEARNING` is off).
    pub preference: Option<TeamPreference>,
}

impl<'a> Memories<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Memories { juno }
    }

    fn enabled(&self) -> Result<()> {
        if self.juno.config().memory_enabled {
            Ok(())
        } else {
            Err(Error::InvalidState {
                reason: "the memory layer is disabled (MEMORY_ENABLED=false)".into(),
            })
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.juno.now()
    }

    fn cutoff_ms(&self, now: DateTime<Utc>) -> i64 {
        to_ms(now - Duration::days(i64::from(self.juno.config().memory_retention_days)))
    }

    /// Stores one memory (or updates the one with the same team and key) and returns it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for any bad field; nothing is written then.
    ///
    /// # Examples
    ///
    /// ```
    /// # use juno_core::{Juno, memory::{MemoryKind, NewMemory}};
    /// let juno = Juno::open_in_memory()?;
    /// let m = juno.memory().store(NewMemory::new(MemoryKind::Semantic, "team_alpha", "alpha estimates in ideal days"))?;
    /// assert_eq!(m.version, 1);
    /// # Ok::<(), juno_core::Error>(())
    /// ```
    pub fn store(&self, memory: NewMemory) -> Result<Memory> {
        self.enabled()?;
        let now = self.now();
        let valid = memory.validate(now)?;
        let ids = self.juno.store().insert_memories(&[valid], to_ms(now))?;
        self.get(ids.first().copied().unwrap_or_default())
    }

    /// Stores many memories in one transaction: all or nothing. Returns ids in input order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first bad item (`items[3].importance`); nothing is
    /// written then.
    pub fn store_many(&self, memories: Vec<NewMemory>) -> Result<Vec<MemoryId>> {
        self.enabled()?;
        let now = self.now();
        let mut valid = Vec::with_capacity(memories.len());
        for (i, m) in memories.into_iter().enumerate() {
            valid.push(m.validate(now).map_err(|e| e.in_item(i))?);
        }
        self.juno.store().insert_memories(&valid, to_ms(now))
    }

    /// One memory by id.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn get(&self, id: MemoryId) -> Result<Memory> {
        self.juno.store().get_memory(id)?.ok_or(Error::NotFound {
            entity: "memory",
            id: id.to_string(),
        })
    }

    /// One memory by team and upsert key, if it exists.
    ///
    /// # Errors
    /// Storage errors.
    pub fn get_by_key(&self, team: &str, key: &str) -> Result<Option<Memory>> {
        self.juno.store().get_memory_by_key(team, key)
    }

    /// Changes some fields of a memory; its version rises and the change enters its history.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::InvalidInput`].
    pub fn update(&self, id: MemoryId, update: MemoryUpdate) -> Result<Memory> {
        self.enabled()?;
        let update = update.validate()?;
        self.juno
            .store()
            .update_memory(id, &update, to_ms(self.now()))
    }

    /// Deletes a memory; its history stays (with a `deleted` entry) until retention ends.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn delete(&self, id: MemoryId) -> Result<()> {
        self.enabled()?;
        if self.juno.store().delete_memory(id, to_ms(self.now()))? {
            Ok(())
        } else {
            Err(Error::NotFound {
                entity: "memory",
                id: id.to_string(),
            })
        }
    }

    /// A memory's change history, oldest first.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no history for `id`.
    pub fn history(&self, id: MemoryId) -> Result<Vec<HistoryEntry>> {
        let h = self.juno.store().memory_history(id)?;
        if h.is_empty() {
            return Err(Error::NotFound {
                entity: "memory",
                id: id.to_string(),
            });
        }
        Ok(h)
    }

    /// Finds the memories that best match `query`, best first, each with its score explained
    /// (see [`recall`](super::recall) for the formula). Expired memories never come back.
    ///
    /// A text with no searchable words (empty, blank, only punctuation) matches nothing and
    /// returns no hits, as a search box does; a query without text lists by the other
    /// filters.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad query (limit 0, a bad tag, …).
    pub fn recall(&self, query: &RecallQuery) -> Result<Vec<RecallHit>> {
        self.enabled()?;
        query.validate()?;
        let now = self.now();
        let hits = self.recall_at(query, now)?;
        if query.touch {
            let ids: Vec<MemoryId> = hits.iter().map(|h| h.memory.id).collect();
            self.juno.store().touch_memories(&ids, to_ms(now))?;
        }
        Ok(hits)
    }

    /// Runs many recalls as [`Memories::recall`] runs one, in input order, all as of one
    /// now; the accesses of every query that asks for `touch` are recorded together in
    /// one transaction at the end (one write instead of one per query). Each query sees
    /// the access counts as they were before the batch.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the query (`queries[3].limit`); every query is
    /// checked before any runs.
    pub fn recall_many(&self, queries: &[RecallQuery]) -> Result<Vec<Vec<RecallHit>>> {
        self.enabled()?;
        for (i, q) in queries.iter().enumerate() {
            if let Err(Error::InvalidInput { field, reason }) = q.validate() {
                return Err(Error::invalid(format!("queries[{i}].{field}"), reason));
            }
        }
        let now = self.now();
        let mut touched = Vec::new();
        let mut out = Vec::with_capacity(queries.len());
        for q in queries {
            let hits = self.recall_at(q, now)?;
            if q.touch {
                touched.extend(hits.iter().map(|h| h.memory.id));
            }
            out.push(hits);
        }
        self.juno.store().touch_memories(&touched, to_ms(now))?;
        Ok(out)
    }

    /// The hits of a checked `query` as of `now`, without recording the access.
    fn recall_at(&self, query: &RecallQuery, now: DateTime<Utc>) -> Result<Vec<RecallHit>> {
        // Accesses wait at most a minute of the engine's clock, so the retention filter
        // below sees them no later than that.
        self.juno.store().flush_accesses_if_due(to_ms(now))?;
        let now_ms = to_ms(now);
        let filter = recall::filter_of(query, now_ms, self.cutoff_ms(now));
        let store = self.juno.store();
        let terms = match &query.text {
            Some(t) => {
                let terms = recall::query_terms(t);
                if terms.is_empty() {
                    return Ok(Vec::new());
                }
                terms
            }
            None => Vec::new(),
        };
        let has_text = !terms.is_empty();
        let w = recall::weights(has_text);
        let mut top = TopK::new(query.limit);
        let mut by_id = std::collections::HashMap::new();
        let mut consider = |c: crate::store::Candidate| {
            let cov = c
                .text
                .as_deref()
                .map_or(0.0, |t| recall::coverage(&terms, t).0);
            let comps = recall::components(
                c.bm25,
                cov,
                c.importance,
                c.updated_at_ms,
                c.access_count,
                now_ms,
            );
            top.push(Ranked {
                score: recall::score_of(&comps, &w),
                id: c.id,
            });
            by_id.insert(c.id, c);
        };
        if has_text {
            for c in store.text_candidates(&filter, &terms, recall::CANDIDATE_POOL)? {
                consider(c);
            }
        } else {
            store.scan_candidates(&filter, &mut consider)?;
        }
        let ranked = top.into_sorted();
        let ids: Vec<MemoryId> = ranked.iter().map(|r| r.id).collect();
        let mut per_term = Vec::with_capacity(terms.len());
        for term in &terms {
            per_term.push((term.clone(), store.term_scores(&filter, term, &ids)?));
        }
        let memories = store.load_memories(&ids)?;
        let mut hits = Vec::with_capacity(memories.len());
        for memory in memories {
            let Some(c) = by_id.get(&memory.id) else {
                continue;
            };
            let (cov, present) = recall::coverage(&terms, &memory.text);
            let comps = recall::components(
                c.bm25,
                cov,
                c.importance,
                c.updated_at_ms,
                c.access_count,
                now_ms,
            );
            let term_parts = per_term
                .iter()
                .zip(present)
                .map(|((t, scores), here)| {
                    (
                        t.clone(),
                        scores.get(&memory.id).copied().unwrap_or(0.0),
                        here,
                    )
                })
                .collect();
            let explanation = recall::explain(c.bm25, &comps, &w, c.access_count, term_parts);
            hits.push(RecallHit {
                score: explanation.score,
                explanation,
                memory,
            });
        }
        Ok(hits)
    }

    /// Writes the accesses that recall has recorded but not yet written.
    ///
    /// A touched recall tallies its accesses in memory instead of writing a row per hit;
    /// the tally is written when it holds 4,096 memories, when its oldest access is a
    /// minute old on the engine's clock, before any other memory read or write, and when
    /// the engine closes. Recall and [`Memories::get`] always count pending accesses, so
    /// this matters only to another process reading the same file, or before a backup.
    ///
    /// # Errors
    /// Storage errors; the tally is kept for the next try.
    pub fn flush_accesses(&self) -> Result<()> {
        self.juno.store().flush_accesses()
    }

    /// Deletes every memory past its expiry or untouched for `MEMORY_RETENTION_DAYS`, as of
    /// the clock's now. Returns how many were deleted.
    ///
    /// # Errors
    /// Storage errors; on error nothing is deleted.
    pub fn cleanup(&self) -> Result<u64> {
        self.cleanup_at(self.now())
    }

    /// [`cleanup`](Self::cleanup) as of `now`.
    ///
    /// # Errors
    /// Storage errors; on error nothing is deleted.
    pub fn cleanup_at(&self, now: DateTime<Utc>) -> Result<u64> {
        let started = std::time::Instant::now();
        let removed = self
            .juno
            .store()
            .cleanup_memories(to_ms(now), self.cutoff_ms(now))?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::info!(target: crate::log::PERFORMANCE, operation = "cleanup", removed, ms,
            "memory cleanup removed {removed} in {ms:.1} ms");
        Ok(removed)
    }

    /// Runs [`cleanup`](Self::cleanup) when this engine has not run it in the last
    /// `MEMORY_CLEANUP_INTERVAL` hours (or ever): hosts call this on every tick of their
    /// scheduler and the setting decides how often work is done. Returns how many memories
    /// were removed, or `None` when no cleanup was due.
    ///
    /// # Errors
    /// Storage errors (the attempt still counts: the next one is due an interval later).
    pub fn cleanup_if_due(&self) -> Result<Option<u64>> {
        let now = self.now();
        let hours = i64::from(self.juno.config().memory_cleanup_interval_hours);
        if !self.juno.cleanup_due(now, Duration::hours(hours)) {
            return Ok(None);
        }
        self.cleanup_at(now).map(Some)
    }

    /// Ends a working session: its working memories are deleted. Returns how many.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty session name.
    pub fn end_session(&self, session: &str) -> Result<u64> {
        super::check_name("session", session)?;
        self.juno.store().end_session(session)
    }

    /// Counts by kind and team, database size, oldest and newest.
    ///
    /// # Errors
    /// Storage errors.
    pub fn stats(&self) -> Result<MemoryStats> {
        let now = self.now();
        let store = self.juno.store();
        let raw = store.memory_stats(to_ms(now), self.cutoff_ms(now))?;
        let mut by_kind: std::collections::BTreeMap<String, u64> = MemoryKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), 0))
            .collect();
        let mut total = 0;
        for kinds in raw.by_team.values() {
            for (k, n) in kinds {
                *by_kind.entry(k.clone()).or_default() += n;
                total += n;
            }
        }
        Ok(MemoryStats {
            total,
            by_kind,
            by_team: raw.by_team,
            expired: raw.expired,
            database_bytes: store.size_bytes()?,
            oldest: raw.oldest_ms.map(from_ms),
            newest: raw.newest_ms.map(from_ms),
        })
    }

    /// Records what became of a proposed action: an episodic memory, and (when
    /// `TEAM_PREFERENCE_LEARNING` is on) the team's updated preference for that action.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad team or action name.
    pub fn record_outcome(&self, record: &OutcomeRecord) -> Result<OutcomeLearned> {
        self.enabled()?;
        record.validate()?;
        let episode_id = self
            .store_many(vec![record.episode()])?
            .first()
            .copied()
            .unwrap_or_default();
        if !self.juno.config().team_preference_learning {
            return Ok(OutcomeLearned {
                episode_id,
                preference: None,
            });
        }
        let key = learning::preference_key(&record.action);
        let (mut counts, mut derived) = match self.get_by_key(&record.team, &key)? {
            Some(m) => (
                serde_json::from_value::<Counts>(m.content.clone()).unwrap_or_default(),
                m.provenance.derived_from,
            ),
            None => (Counts::default(), Vec::new()),
        };
        counts.add(record.outcome);
        derived.push(episode_id);
        if derived.len() > learning::MAX_PROVENANCE_IDS {
            derived.drain(..derived.len() - learning::MAX_PROVENANCE_IDS);
        }
        let mem = learning::preference_memory(&record.team, &record.action, &counts, derived);
        let stored = self.store(mem)?;
        Ok(OutcomeLearned {
            episode_id,
            preference: Some(counts.preference(stored.id, &record.team, &record.action)),
        })
    }

    /// The team's learned preference about `action`, if any outcome was recorded.
    ///
    /// # Errors
    /// Storage errors.
    pub fn preference(&self, team: &str, action: &str) -> Result<Option<TeamPreference>> {
        let Some(m) = self.get_by_key(team, &learning::preference_key(action))? else {
            return Ok(None);
        };
        let counts: Counts =
            serde_json::from_value(m.content.clone()).map_err(|e| Error::Corrupt {
                detail: format!("preference memory {}: {e}", m.id),
            })?;
        Ok(Some(counts.preference(m.id, team, action)))
    }

    /// The team's newest recorded outcomes, newest first, at most `limit`: what a
    /// preference over a narrower situation (an action in a context) is read from, most
    /// recent evidence first, so a changed preference shows as soon as new outcomes do.
    ///
    /// # Errors
    /// Storage errors.
    pub fn recent_outcomes(&self, team: &str, limit: usize) -> Result<Vec<RecentOutcome>> {
        let now = self.now();
        let rows =
            self.juno
                .store()
                .recent_outcomes(team, to_ms(now), self.cutoff_ms(now), limit)?;
        #[derive(serde::Deserialize)]
        struct Stored {
            action: String,
            outcome: learning::Outcome,
            #[serde(default)]
            context: Vec<String>,
        }
        // Only what `record_outcome` stored is read (its provenance says so); a row whose
        // content is not an outcome (edited by hand through `update`) is passed over
        // rather than failing every cycle that reads the team.
        Ok(rows
            .into_iter()
            .filter_map(|(id, content, at)| {
                let s: Stored = serde_json::from_value(content).ok()?;
                Some(RecentOutcome {
                    memory_id: id,
                    action: s.action,
                    outcome: s.outcome,
                    context: s.context,
                    at: from_ms(at),
                })
            })
            .collect())
    }

    /// Recognises patterns in a team's episodes (every team's when `team` is `None`) and
    /// stores each as a procedural memory. Returns the patterns that hold, sorted by team
    /// and event.
    ///
    /// # Errors
    /// Storage errors.
    pub fn recognize_patterns(&self, team: Option<&str>) -> Result<Vec<Pattern>> {
        self.enabled()?;
        let now = self.now();
        let threshold = self.juno.config().pattern_recognition_threshold;
        let store = self.juno.store();
        let teams = match team {
            Some(t) => vec![t.to_owned()],
            None => store.memory_teams()?,
        };
        let mut out = Vec::new();
        for team in teams {
            let episodes = store.episodes(&team, to_ms(now), self.cutoff_ms(now))?;
            for (event, (result, ids, total)) in learning::tally(&episodes) {
                let support = ids.len() as f64 / total as f64;
                let key = learning::pattern_key(&event);
                let existing = self.get_by_key(&team, &key)?;
                if support < threshold {
                    if let Some(m) = existing {
                        self.delete(m.id)?;
                    }
                    continue;
                }
                let content = serde_json::json!({
                    "event": event, "result": result, "support": support,
                    "supporting": ids.len(), "total": total,
                });
                let memory_id = match existing {
                    Some(m) if m.content == content => m.id,
                    _ => {
                        let mut derived = ids.clone();
                        if derived.len() > learning::MAX_PROVENANCE_IDS {
                            derived.drain(..derived.len() - learning::MAX_PROVENANCE_IDS);
                        }
                        let text = format!(
                            "when {}, team {team} usually ends {result} ({} of {total} episodes)",
                            event.replace(['_', '-'], " "),
                            ids.len()
                        );
                        let m = NewMemory::new(MemoryKind::Procedural, team.clone(), text)
                            .with_key(key)
                            .with_tags([
                                "pattern".to_owned(),
                                format!("event:{event}"),
                                format!("result:{result}"),
                            ])
                            .with_content(content)
                            .with_confidence(support)
                            .with_importance(0.6)
                            .with_provenance(Provenance {
                                source: "pattern_recognition".into(),
                                derived_from: derived,
                                reference: None,
                            });
                        self.store(m)?.id
                    }
                };
                out.push(Pattern {
                    memory_id,
                    team: team.clone(),
                    event,
                    result,
                    support,
                    supporting: ids.len() as u64,
                    total,
                    episode_ids: ids,
                });
            }
        }
        Ok(out)
    }
}
