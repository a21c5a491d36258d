//! Recall: filters, the ranking score, and its explanation.
//!
//! # The score
//!
//! Each candidate gets four components, each in [0, 1]:
//!
//! | component | formula |
//! |---|---|
//! | `text` | `0.5 × coverage + 0.5 × b / (b + 2)`: coverage is the share of the query's words the memory contains; `b` is the FTS5 BM25 relevance of the query (k1 = 1.2, b = 0.75) |
//! | `recency` | `0.5 ^ (age_days / 30)`, age since the memory last changed |
//! | `importance` | the memory's importance |
//! | `access` | `n / (n + 5)` where `n` is how often recall has returned it |
//!
//! `score = Σ weight × value` with weights text 0.55, recency 0.20, importance 0.15,
//! access 0.10. Without a text query the text weight is dropped and the others are
//! rescaled to sum to 1. With a text query, the 200 best BM25 matches that pass the filters
//! form the candidate pool that is re-ranked. Ties break by lower id, so results are
//! deterministic.
//!
//! Coverage keeps a matching memory from scoring zero where BM25 cannot tell: a word in more
//! than half of a team's memories has an IDF of (almost) zero, and a team-scoped recall
//! computes IDF over that team only.
//!
//! The text component is explained term by term: each present word earns its share of the
//! coverage half, and, BM25 being a sum over query terms, its share of `b` in the other half.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Memory, MemoryKind};
use crate::error::{Error, Result};
use crate::model::Factor;
use crate::store::RecallFilter;

/// Weight of the text component when a query has text.
pub const TEXT_WEIGHT: f64 = 0.55;
/// Weight of the recency component.
pub const RECENCY_WEIGHT: f64 = 0.20;
/// Weight of the importance component.
pub const IMPORTANCE_WEIGHT: f64 = 0.15;
/// Weight of the access-frequency component.
pub const ACCESS_WEIGHT: f64 = 0.10;
/// Recency halves every this many days.
pub const RECENCY_HALF_LIFE_DAYS: f64 = 30.0;
/// BM25 relevance at which the text component reaches one half.
pub const TEXT_HALF_POINT: f64 = 2.0;
/// Access count at which the access component reaches one half.
pub const ACCESS_HALF_POINT: f64 = 5.0;
/// How many BM25 matches are re-ranked for a text query.
pub const CANDIDATE_POOL: usize = 200;
/// The most results one recall returns.
pub const MAX_LIMIT: usize = 1000;
/// The most distinct words of a text query that are searched.
pub const MAX_QUERY_TERMS: usize = 16;

fn default_limit() -> usize {
    10
}
fn default_touch() -> bool {
    true
}

/// What to recall. Every field is optional; an empty query returns the best memories overall.
///
/// # Examples
///
/// ```
/// use juno_core::memory::{MemoryKind, RecallQuery};
/// let q = RecallQuery::text("flaky deploy").team("team_alpha").kinds([MemoryKind::Episodic]).limit(5);
/// assert_eq!(q.limit, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallQuery {
    /// Free text, searched with FTS5 (BM25).
    #[serde(default)]
    pub text: Option<String>,
    /// Only this team's memories.
    #[serde(default)]
    pub team: Option<String>,
    /// Only memories about this user.
    #[serde(default)]
    pub user: Option<String>,
    /// Only memories about this project.
    #[serde(default)]
    pub project: Option<String>,
    /// Only these kinds (empty: all).
    #[serde(default)]
    pub kinds: Vec<MemoryKind>,
    /// Only memories carrying every one of these tags (exact match).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only memories created at or after this.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Only memories created before this.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Only memories at least this confident.
    #[serde(default)]
    pub min_confidence: Option<f64>,
    /// Only this working-memory session.
    #[serde(default)]
    pub session: Option<String>,
    /// How many results (1 to 1000, default 10).
    #[serde(default = "default_limit")]
    pub limit: usize,
    /// Count this recall as an access of the results (default true); dashboards pass false.
    #[serde(default = "default_touch")]
    pub touch: bool,
}

impl Default for RecallQuery {
    fn default() -> Self {
        RecallQuery {
            text: None,
            team: None,
            user: None,
            project: None,
            kinds: Vec::new(),
            tags: Vec::new(),
            since: None,
            until: None,
            min_confidence: None,
            session: None,
            limit: default_limit(),
            touch: default_touch(),
        }
    }
}

impl RecallQuery {
    /// A query for `text`.
    pub fn text(text: impl Into<String>) -> Self {
        RecallQuery {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// Restricts to a team.
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.team = Some(team.into());
        self
    }

    /// Restricts to kinds.
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = MemoryKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Restricts to memories with all these tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the number of results.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the minimum confidence.
    pub fn min_confidence(mut self, c: f64) -> Self {
        self.min_confidence = Some(c);
        self
    }

    /// Parses a query from JSON.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON or unknown fields.
    pub fn from_json(json: &str) -> Result<Self> {
        crate::json::parse_object("query", json)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > MAX_LIMIT {
            return Err(Error::invalid(
                "limit",
                format!("must be 1 to {MAX_LIMIT}, got {}", self.limit),
            ));
        }
        if let Some(c) = self.min_confidence {
            super::check_unit("min_confidence", c)?;
        }
        for t in &self.tags {
            super::check_tag(t)?;
        }
        for (field, v) in [
            ("team", &self.team),
            ("user", &self.user),
            ("project", &self.project),
            ("session", &self.session),
        ] {
            if let Some(v) = v {
                super::check_name(field, v)?;
            }
        }
        if let (Some(s), Some(u)) = (self.since, self.until) {
            if s >= u {
                return Err(Error::invalid("since", "must be before `until`"));
            }
        }
        Ok(())
    }
}

/// The old name of [`Factor`], which recall scores share with confidence factors.
pub type ScoreComponent = Factor;

/// One query term's part of the text component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermContribution {
    /// The query term (lower-cased).
    pub term: String,
    /// Its BM25 relevance in this memory (0 when the memory lacks the term).
    pub bm25: f64,
    /// Its share of the score.
    pub contribution: f64,
}

/// Why a memory scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreExplanation {
    /// The total score: the sum of the components' contributions.
    pub score: f64,
    /// The four components, always in the order text, recency, importance, access.
    pub components: Vec<Factor>,
    /// The text component split by query term (empty without a text query).
    pub terms: Vec<TermContribution>,
}

impl ScoreExplanation {
    /// The explanation as readable lines.
    pub fn render(&self) -> String {
        let mut s = format!("score {:.4} =", self.score);
        for (i, c) in self.components.iter().enumerate() {
            let sep = if i == 0 { " " } else { " + " };
            let _ = write!(s, "{sep}{} {:.4}", c.name, c.contribution);
        }
        for c in &self.components {
            let _ = write!(
                s,
                "\n  {:<10} {:.4} × weight {:.2} = {:.4}  ({})",
                c.name, c.value, c.weight, c.contribution, c.evidence
            );
        }
        for t in &self.terms {
            let _ = write!(
                s,
                "\n    term `{}`: bm25 {:.4} → {:.4}",
                t.term, t.bm25, t.contribution
            );
        }
        s
    }
}

/// One recalled memory with its score and explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecallHit {
    /// The memory (access count and time as they were before this recall).
    pub memory: Memory,
    /// Its score.
    pub score: f64,
    /// Why.
    pub explanation: ScoreExplanation,
}

/// Splits free text into searchable terms the way the FTS5 `unicode61` tokenizer does:
/// lower-cased runs of letters and digits, first occurrence order, no duplicates.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let w = word.to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == MAX_QUERY_TERMS {
            break;
        }
    }
    out
}

/// The component values for a candidate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Components {
    pub text: f64,
    pub recency: f64,
    pub importance: f64,
    pub access: f64,
    pub age_days: f64,
}

/// The share of `terms` among the words of `text` (same tokenisation as the query), and
/// which terms are present.
pub(crate) fn coverage(terms: &[String], text: &str) -> (f64, Vec<bool>) {
    if terms.is_empty() {
        return (0.0, Vec::new());
    }
    let words: std::collections::HashSet<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let present: Vec<bool> = terms.iter().map(|t| words.contains(t)).collect();
    let share = present.iter().filter(|p| **p).count() as f64 / terms.len() as f64;
    (share, present)
}

pub(crate) fn components(
    bm25: f64,
    coverage: f64,
    importance: f64,
    updated_at_ms: i64,
    access: u64,
    now_ms: i64,
) -> Components {
    let b = bm25.max(0.0);
    let age_days = ((now_ms - updated_at_ms).max(0) as f64) / 86_400_000.0;
    let n = access as f64;
    Components {
        text: 0.5 * coverage + 0.5 * b / (b + TEXT_HALF_POINT),
        recency: 0.5_f64.powf(age_days / RECENCY_HALF_LIFE_DAYS),
        importance,
        access: n / (n + ACCESS_HALF_POINT),
        age_days,
    }
}

/// The weights in force: with text, or without (rescaled to sum to 1).
pub(crate) fn weights(has_text: bool) -> [f64; 4] {
    if has_text {
        [
            TEXT_WEIGHT,
            RECENCY_WEIGHT,
            IMPORTANCE_WEIGHT,
            ACCESS_WEIGHT,
        ]
    } else {
        let rest = RECENCY_WEIGHT + IMPORTANCE_WEIGHT + ACCESS_WEIGHT;
        [
            0.0,
            RECENCY_WEIGHT / rest,
            IMPORTANCE_WEIGHT / rest,
            ACCESS_WEIGHT / rest,
        ]
    }
}

pub(crate) fn score_of(c: &Components, w: &[f64; 4]) -> f64 {
    w[0] * c.text + w[1] * c.recency + w[2] * c.importance + w[3] * c.access
}

pub(crate) fn explain(
    bm25: f64,
    c: &Components,
    w: &[f64; 4],
    access: u64,
    terms: Vec<(String, f64, bool)>,
) -> ScoreExplanation {
    let n_terms = terms.len().max(1) as f64;
    let present = terms.iter().filter(|t| t.2).count();
    let comps = vec![
        Factor {
            name: "text".into(),
            value: c.text,
            weight: w[0],
            contribution: w[0] * c.text,
            evidence: format!(
                "bm25 {bm25:.4}, {present} of {} query words present",
                terms.len()
            ),
        },
        Factor {
            name: "recency".into(),
            value: c.recency,
            weight: w[1],
            contribution: w[1] * c.recency,
            evidence: format!(
                "age {:.2} days, half-life {RECENCY_HALF_LIFE_DAYS} days",
                c.age_days
            ),
        },
        Factor {
            name: "importance".into(),
            value: c.importance,
            weight: w[2],
            contribution: w[2] * c.importance,
            evidence: format!("importance {:.2}", c.importance),
        },
        Factor {
            name: "access".into(),
            value: c.access,
            weight: w[3],
            contribution: w[3] * c.access,
            evidence: format!("recalled {access} times"),
        },
    ];
    let b_total = bm25.max(0.0);
    let bm25_half = w[0] * 0.5 * b_total / (b_total + TEXT_HALF_POINT);
    let terms = terms
        .into_iter()
        .map(|(term, b, here)| TermContribution {
            contribution: if here { w[0] * 0.5 / n_terms } else { 0.0 }
                + if b_total > 0.0 {
                    bm25_half * b / b_total
                } else {
                    0.0
                },
            term,
            bm25: b,
        })
        .collect();
    ScoreExplanation {
        score: score_of(c, w),
        components: comps,
        terms,
    }
}

/// A scored candidate ordered so that a max-heap pops the *worst* first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    pub score: f64,
    pub id: i64,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// Better = higher score, then lower id. "Greater" here means *worse*, for the heap.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(&other.id))
    }
}

/// Keeps the best `k` of a stream.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    pub fn push(&mut self, r: Ranked) {
        self.heap.push(r);
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<Ranked> {
        let mut v = self.heap.into_vec();
        v.sort();
        v
    }
}

pub(crate) fn filter_of<'a>(q: &'a RecallQuery, now_ms: i64, cutoff_ms: i64) -> RecallFilter<'a> {
    RecallFilter {
        team: q.team.as_deref(),
        user: q.user.as_deref(),
        project: q.project.as_deref(),
        kinds: &q.kinds,
        tags: &q.tags,
        since_ms: q.since.map(|t| t.timestamp_millis()),
        until_ms: q.until.map(|t| t.timestamp_millis()),
        min_confidence: q.min_confidence,
        session: q.session.as_deref(),
        now_ms,
        retention_cutoff_ms: cutoff_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lowercased_and_unique() {
        assert_eq!(
            query_terms("Flaky deploy, FLAKY tests!"),
            vec!["flaky", "deploy", "tests"]
        );
        assert!(query_terms("!!! ???").is_empty());
    }

    #[test]
    fn weights_sum_to_one_with_and_without_text() {
        for has_text in [true, false] {
            let s: f64 = weights(has_text).iter().sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn recency_halves_every_half_life() {
        let now = 100 * 86_400_000;
        let c = components(0.0, 0.0, 0.5, now - 30 * 86_400_000, 0, now);
        assert!((c.recency - 0.5).abs() < 1e-12);
    }

    #[test]
    fn topk_keeps_best_and_breaks_ties_by_id() {
        let mut t = TopK::new(2);
        for (score, id) in [(0.5, 3), (0.9, 2), (0.5, 1), (0.1, 4)] {
            t.push(Ranked { score, id });
        }
        let ids: Vec<i64> = t.into_sorted().iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![2, 1]);
    }
}
