//! Settings from the environment, an optional `.env` file and an optional TOML/JSON file.
//!
//! Precedence, lowest first: built-in defaults → config file (`JUNO_CONFIG_FILE`, or the
//! path given to [`Config::load`]) → `.env` file → process environment. Variable names are
//! the deployment guide's (`DATABASE_URL`, `MEMORY_RETENTION_DAYS`, …). Nested settings
//! (confidence weights, risk categories and thresholds, approval rules) come only from the
//! config file. Every bad value is an [`Error::Config`] naming the setting.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{AutomationLevel, ImpactLevel, Role};

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A private in-memory SQLite database (tests).
    Memory,
}

impl DatabaseUrl {
    /// Parses `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite::memory:` or
    /// `sqlite:///:memory:` (SQLAlchemy's conventions, which the deployment guide uses).
    ///
    /// # Errors
    /// [`Error::Config`] for any other scheme; PostgreSQL is planned but not yet built.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url == "sqlite::memory:" || url == "sqlite:///:memory:" || url == ":memory:" {
            return Ok(DatabaseUrl::Memory);
        }
        if let Some(path) = url.strip_prefix("sqlite:///") {
            if path.is_empty() {
                return Err(Error::config("DATABASE_URL", "sqlite URL has no path"));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(Error::config(
                "DATABASE_URL",
                "the PostgreSQL backend is not available in this build; use sqlite:///path.db",
            ));
        }
        Err(Error::config(
            "DATABASE_URL",
            format!(
                "unsupported database URL `{url}` (expected sqlite:///path.db or sqlite::memory:)"
            ),
        ))
    }
}

/// The five confidence factors' weights; they must sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfidenceWeights {
    /// Freshness and completeness of the evidence.
    pub data_quality: f64,
    /// Track record of this kind of decision for this team.
    pub historical_accuracy: f64,
    /// Support of matching patterns.
    pub pattern_strength: f64,
    /// How recent the evidence is.
    pub temporal_relevance: f64,
    /// Agreement between engines.
    pub consensus_score: f64,
}

impl Default for ConfidenceWeights {
    fn default() -> Self {
        ConfidenceWeights {
            data_quality: 0.30,
            historical_accuracy: 0.25,
            pattern_strength: 0.20,
            temporal_relevance: 0.15,
            consensus_score: 0.10,
        }
    }
}

/// One sprint-risk category's weight in the overall score and the score at which the
/// category is flagged (and its recommendations are given).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskCategory {
    /// Weight in the overall score; the five weights sum to 1.
    pub weight: f64,
    /// A category score at or above this flags the category.
    pub threshold: f64,
}

/// The five sprint-risk categories (the deployment guide's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskCategories {
    /// Pace needed versus pace shown (weight 0.25, threshold 0.7).
    pub velocity: RiskCategory,
    /// Scope added or removed since the start (0.20, 0.6).
    pub scope: RiskCategory,
    /// People and work in progress per person (0.20, 0.8).
    pub capacity: RiskCategory,
    /// Defects and the review queue (0.20, 0.7).
    pub quality: RiskCategory,
    /// Blocked and dependent work (0.15, 0.6).
    pub dependencies: RiskCategory,
}

impl Default for RiskCategories {
    fn default() -> Self {
        let c = |weight, threshold| RiskCategory { weight, threshold };
        RiskCategories {
            velocity: c(0.25, 0.7),
            scope: c(0.20, 0.6),
            capacity: c(0.20, 0.8),
            quality: c(0.20, 0.7),
            dependencies: c(0.15, 0.6),
        }
    }
}

impl RiskCategories {
    /// The categories by name, in the fixed order velocity, scope, capacity, quality,
    /// dependencies.
    pub fn named(&self) -> [(&'static str, RiskCategory); 5] {
        [
            ("velocity", self.velocity),
            ("scope", self.scope),
            ("capacity", self.capacity),
            ("quality", self.quality),
            ("dependencies", self.dependencies),
        ]
    }
}

/// Sprint-risk category weights and thresholds, and the overall score's level thresholds:
/// low below `medium_threshold`, then medium, high, and critical from `critical_threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskSettings {
    /// The five categories.
    pub categories: RiskCategories,
    /// An overall score at or above this is at least medium risk (default 0.3).
    pub medium_threshold: f64,
    /// …at least high risk (default 0.6).
    pub high_threshold: f64,
    /// …critical (default 0.8).
    pub critical_threshold: f64,
}

impl Default for RiskSettings {
    fn default() -> Self {
        RiskSettings {
            categories: RiskCategories::default(),
            medium_threshold: 0.3,
            high_threshold: 0.6,
            critical_threshold: 0.8,
        }
    }
}

/// Who approves what, and how long they have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApprovalRules {
    /// The first role that must approve an action of each impact level.
    pub route: BTreeMap<ImpactLevel, Role>,
    /// Hours each role has to decide before the request escalates or expires, each capped
    /// by `APPROVAL_TIMEOUT_HOURS`.
    pub deadline_hours: BTreeMap<Role, f64>,
    /// Impact levels the engine may approve alone (when policy and confidence allow).
    pub auto_approve_levels: Vec<ImpactLevel>,
    /// Calibrated confidence needed for auto-approval: the confidence at which JUNO may act
    /// on its own recommendation (flat setting `CONFIDENCE_THRESHOLD`).
    pub auto_approval_threshold: f64,
    /// Votes a human decision needs at each impact level (default: one approval or one
    /// rejection). E.g. `critical = { approvals = 2 }`: two distinct people eligible at the
    /// request's current role must approve it.
    pub quorum: BTreeMap<ImpactLevel, Quorum>,
    /// Hours before a pending request's deadline at which its eligible approvers are
    /// reminded (`process_deadlines` records each reminder and returns it for the host to
    /// deliver). At most [`MAX_REMINDERS`] entries, each positive; default one reminder two
    /// hours before. A reminder count starts again when a request escalates.
    pub reminder_hours_before: Vec<f64>,
    /// Who may decide a pending request when nobody holds a role that could (flat setting
    /// `FALLBACK_APPROVER`). Without one, such a request can only wait for its deadline.
    /// The fallback approver decides alone (a quorum cannot be met by nobody) and never
    /// their own request; each such decision is marked `"fallback": true` and reported.
    pub fallback_approver: Option<String>,
}

/// How far JUNO may act on its own, per team and per action kind (`[automation]` in the
/// config file):
///
/// ```toml
/// [automation]
/// default = "approve"              # teams not listed
/// [automation.teams.team_alpha]
/// level = "auto"                   # this team
/// kinds = { close = "suggest", reassign = "off" }
/// ```
///
/// The most specific entry wins: the team's kind, then the team, then `default`. Without
/// a `default` (or `AUTOMATION_LEVEL`), a team not listed is at `approve` — or at `auto`
/// when `AUTONOMOUS_ACTIONS` is on, which is what that setting meant before levels existed.
/// `auto` acts alone only while `AUTONOMOUS_ACTIONS` is on and `SUPERVISOR_MODE` off: those
/// remain the organisation-wide switches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Automation {
    /// The level of teams not listed (flat setting `AUTOMATION_LEVEL`).
    pub default: Option<AutomationLevel>,
    /// Per team.
    pub teams: BTreeMap<String, TeamAutomation>,
}

/// One team's automation levels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeamAutomation {
    /// The team's level (else the default).
    pub level: Option<AutomationLevel>,
    /// Per action kind (`reassign`, `close`, …), over the team's level.
    pub kinds: BTreeMap<String, AutomationLevel>,
}

/// A candidate policy that runs **log-only** beside the live one (`[shadow]` in the config
/// file): every submission records what it would have decided, and
/// `Governance::shadow_report` shows which past and current decisions it would have
/// changed, before anyone switches it on. Each field left out is the live one's.
///
/// ```toml
/// [shadow]
/// auto_approval_threshold = 0.8
/// auto_approve_levels = ["low", "medium", "high"]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShadowPolicy {
    /// A candidate `approval_rules.auto_approval_threshold`.
    pub auto_approval_threshold: Option<f64>,
    /// Candidate `approval_rules.auto_approve_levels`.
    pub auto_approve_levels: Option<Vec<ImpactLevel>>,
    /// Candidate automation levels (replacing `[automation]` whole).
    pub automation: Option<Automation>,
}

/// The most reminders a request gets at one role (`approval_rules.reminder_hours_before`).
pub const MAX_REMINDERS: usize = 5;

/// How many distinct eligible people must agree before a request is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quorum {
    /// Approvals that approve the request (at least 1).
    pub approvals: u32,
    /// Rejections that reject it (at least 1).
    pub rejections: u32,
}

impl Default for Quorum {
    fn default() -> Self {
        Quorum {
            approvals: 1,
            rejections: 1,
        }
    }
}

impl ApprovalRules {
    /// The quorum for requests of `impact` (one vote either way unless configured).
    pub fn quorum_for(&self, impact: ImpactLevel) -> Quorum {
        self.quorum.get(&impact).copied().unwrap_or_default()
    }
}

impl Default for ApprovalRules {
    fn default() -> Self {
        ApprovalRules {
            route: [
                (ImpactLevel::Low, Role::TeamLead),
                (ImpactLevel::Medium, Role::TeamLead),
                (ImpactLevel::High, Role::ProjectManager),
                (ImpactLevel::Critical, Role::EngineeringManager),
            ]
            .into_iter()
            .collect(),
            deadline_hours: [
                (Role::TeamLead, 24.0),
                (Role::ProjectManager, 12.0),
                (Role::EngineeringManager, 4.0),
                (Role::Director, 24.0),
            ]
            .into_iter()
            .collect(),
            auto_approve_levels: vec![ImpactLevel::Low, ImpactLevel::Medium],
            auto_approval_threshold: 0.9,
            quorum: BTreeMap::new(),
            reminder_hours_before: vec![2.0],
            fallback_approver: None,
        }
    }
}

/// Where JUNO's notifications go (`[notify]` in the config file, or the `SLACK_*`,
/// `TEAMS_WEBHOOK_URL` and `DASHBOARD_URL` settings): Slack by incoming webhook or by bot
/// token and channel, Microsoft Teams by workflow webhook. With no channel configured,
/// nothing is queued. See [`crate::notify`].
///
/// ```toml
/// [notify]
/// slack_webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"
/// teams_webhook_url = "https://prod-00.westeurope.logic.azure.com/workflows/..."
/// dashboard_url = "https://juno.example.com/dashboard/"
/// kinds = ["approval_requested", "escalated", "expiring", "break_glass"]
///
/// [notify.slack_users]          # Slack user id = JUNO user (mentions, chat approvals)
/// U024BE7LH = "ana@company.com"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifySettings {
    /// A Slack incoming webhook (`SLACK_WEBHOOK_URL`).
    pub slack_webhook_url: Option<Secret>,
    /// A Slack bot token (`SLACK_BOT_TOKEN`), used with `slack_channel` through
    /// `chat.postMessage`; needed for interactive approve/reject buttons.
    pub slack_bot_token: Option<Secret>,
    /// The channel a bot token posts to (`SLACK_CHANNEL`).
    pub slack_channel: Option<String>,
    /// Slack's Web API base (default `https://slack.com/api`; a test points it at loopback).
    pub slack_api_url: String,
    /// A Microsoft Teams workflow webhook (`TEAMS_WEBHOOK_URL`): Adaptive Cards.
    pub teams_webhook_url: Option<Secret>,
    /// The dashboard's address (`DASHBOARD_URL`): messages link each request's page.
    pub dashboard_url: Option<String>,
    /// Which notices to send (default: every kind).
    pub kinds: Vec<crate::model::NoticeKind>,
    /// Slack user id → JUNO user: mentions in messages, and who clicked a button.
    pub slack_users: BTreeMap<String, String>,
    /// Delivery attempts before a message is set aside as `dead` (kept, never dropped;
    /// default 8, 1–50).
    pub max_attempts: u32,
    /// Seconds to wait for a chat service's answer (default 5).
    pub timeout_secs: f64,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            slack_webhook_url: None,
            slack_bot_token: None,
            slack_channel: None,
            slack_api_url: "https://slack.com/api".into(),
            teams_webhook_url: None,
            dashboard_url: None,
            kinds: crate::model::NoticeKind::ALL.to_vec(),
            slack_users: BTreeMap::new(),
            max_attempts: 8,
            timeout_secs: 5.0,
        }
    }
}

impl NotifySettings {
    /// Whether any channel is configured.
    pub fn any_channel(&self) -> bool {
        self.slack_webhook_url.is_some()
            || self.slack_bot_token.is_some()
            || self.teams_webhook_url.is_some()
    }
}

/// A secret string that never prints.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value (a token read from a vault, a test's credential).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Whether no secret was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Every JUNO setting. `Config::default()` is the deployment guide's defaults.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// `DATABASE_URL` (default `sqlite:///juno.db`).
    pub database_url: DatabaseUrl,
    /// `MEMORY_ENABLED` (default true).
    pub memory_enabled: bool,
    /// `MEMORY_RETENTION_DAYS` (default 365): memories untouched this long are cleaned up.
    pub memory_retention_days: u32,
    /// `MEMORY_CLEANUP_INTERVAL` in hours (default 24): how often
    /// [`crate::Memories::cleanup_if_due`] really cleans up.
    pub memory_cleanup_interval_hours: u32,
    /// `PATTERN_RECOGNITION_THRESHOLD` (default 0.7): share of episodes that makes a pattern.
    pub pattern_recognition_threshold: f64,
    /// `TEAM_PREFERENCE_LEARNING` (default true).
    pub team_preference_learning: bool,
    /// `AUTONOMOUS_ACTIONS` (default false): may the engine act without a human.
    pub autonomous_actions: bool,
    /// `SUPERVISOR_MODE` (default false): send everything to humans.
    pub supervisor_mode: bool,
    /// `APPROVAL_TIMEOUT_HOURS` (default 24, at least 1): the longest any approver has
    /// before a request escalates or expires — it caps every role's
    /// `approval_rules.deadline_hours` and is the deadline of a role without one.
    pub approval_timeout_hours: u32,
    /// `EXECUTION_WINDOW_HOURS` (default 72, at least 1): how long an approval stays good.
    /// An approved action not executed within this many hours of its approval expires
    /// (`request_approval_lapsed`) and must be proposed and approved again: the Jira state
    /// it was approved against may have moved on. Three days by default: a daily agent
    /// cycle executes what people approved between cycles, with a weekend's margin.
    pub execution_window_hours: u32,
    /// `AUTO_ESCALATION` (default true).
    pub auto_escalation: bool,
    /// `FORECAST_TRIALS` (default 10,000; 100 to 1,000,000): Monte Carlo trials per sprint
    /// forecast. Fewer is faster and noisier: see `docs/performance.md` for how far P10/P50/P90
    /// move from a 100,000-trial reference at each count.
    pub forecast_trials: u32,
    /// `COMPLIANCE_MONITORING` (default true).
    pub compliance_monitoring: bool,
    /// `JIRA_URL`.
    pub jira_url: Option<String>,
    /// `JIRA_USERNAME`.
    pub jira_username: Option<String>,
    /// `JIRA_API_TOKEN`: the API token (Cloud) or personal access token (Server / DC).
    pub jira_api_token: Option<Secret>,
    /// `JIRA_PROJECTS`: the project keys to sync, comma-separated (`ALPHA,BETA`).
    pub jira_projects: Vec<String>,
    /// `JIRA_FLAVOR`: `cloud` (default) or `server` (Server / Data Center, bearer token).
    pub jira_flavor: Option<String>,
    /// `JIRA_ACCOUNT_ID`: the account JUNO writes as (its own changes never count as
    /// activity on a ticket).
    pub jira_account_id: Option<String>,
    /// `AUDIT_SIGNING_KEY`: the Ed25519 key that signs audit checkpoints, in the C2SP
    /// signed-note form `PRIVATE+KEY+<name>+<key ID>+<base64>` (`juno audit keygen` makes
    /// one). Read from configuration only, never stored in the database; checked when the
    /// settings load.
    pub audit_signing_key: Option<Secret>,
    /// `AUDIT_ORIGIN`: the first line of every signed checkpoint, naming this log (e.g.
    /// `juno.example.com/audit`); default: the signing key's name.
    pub audit_origin: Option<String>,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<Secret>,
    /// `OPENAI_MODEL`.
    pub openai_model: Option<String>,
    /// `AZURE_OPENAI_ENDPOINT`.
    pub azure_openai_endpoint: Option<String>,
    /// `AZURE_OPENAI_API_KEY`.
    pub azure_openai_api_key: Option<Secret>,
    /// `AZURE_OPENAI_DEPLOYMENT`.
    pub azure_openai_deployment: Option<String>,
    /// `AZURE_OPENAI_API_VERSION`.
    pub azure_openai_api_version: Option<String>,
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`; an OpenAI-compatible
    /// server, or a test's stand-in).
    pub openai_base_url: String,
    /// `LLM_TIMEOUT_SECS` (default 10): past it, the template wording is used.
    pub llm_timeout_secs: f64,
    /// `LLM_PROMPT_COST_PER_1K` (default 0: unknown): the price of 1,000 prompt tokens, for
    /// the cost metering.
    pub llm_prompt_cost_per_1k: f64,
    /// `LLM_COMPLETION_COST_PER_1K` (default 0: unknown): the price of 1,000 completion
    /// tokens.
    pub llm_completion_cost_per_1k: f64,
    /// `LOG_PSEUDONYM_KEY` (default: none): when set, user identifiers in log events are
    /// keyed-hash pseudonyms ([`crate::log::Pseudonymiser`]); the audit log keeps names.
    pub log_pseudonym_key: Option<Secret>,
    /// Nested: the reasoning engine's factor weights.
    pub confidence_weights: ConfidenceWeights,
    /// Nested: sprint-risk categories and thresholds.
    pub risk: RiskSettings,
    /// Nested: governance routing, deadlines and auto-approval.
    pub approval_rules: ApprovalRules,
    /// Nested: how far JUNO may act on its own, per team and action kind.
    pub automation: Automation,
    /// Nested: a candidate policy that runs log-only beside the live one.
    pub shadow: Option<ShadowPolicy>,
    /// Nested: where notifications go.
    pub notify: NotifySettings,
}

impl Config {
    /// The settings as the shadow policy would have them (`None` without `[shadow]`).
    pub fn shadow_config(&self) -> Option<Config> {
        let shadow = self.shadow.as_ref()?;
        let mut c = self.clone();
        if let Some(t) = shadow.auto_approval_threshold {
            c.approval_rules.auto_approval_threshold = t;
        }
        if let Some(l) = &shadow.auto_approve_levels {
            c.approval_rules.auto_approve_levels.clone_from(l);
        }
        if let Some(a) = &shadow.automation {
            c.automation = a.clone();
        }
        c.shadow = None;
        Some(c)
    }

    /// The automation level for actions of `kind` on `team` (see [`Automation`]).
    pub fn automation_level(&self, team: &str, kind: &str) -> AutomationLevel {
        let t = self.automation.teams.get(team);
        t.and_then(|t| t.kinds.get(kind).copied())
            .or_else(|| t.and_then(|t| t.level))
            .or(self.automation.default)
            .unwrap_or(if self.autonomous_actions {
                AutomationLevel::Auto
            } else {
                AutomationLevel::Approve
            })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DatabaseUrl::Sqlite(PathBuf::from("juno.db")),
            memory_enabled: true,
            memory_retention_days: 365,
            memory_cleanup_interval_hours: 24,
            pattern_recognition_threshold: 0.7,
            team_preference_learning: true,
            autonomous_actions: false,
            supervisor_mode: false,
            approval_timeout_hours: 24,
            execution_window_hours: 72,
            auto_escalation: true,
            forecast_trials: crate::forecast::FORECAST_TRIALS,
            compliance_monitoring: true,
            jira_url: None,
            jira_username: None,
            jira_api_token: None,
            jira_projects: Vec::new(),
            jira_flavor: None,
            jira_account_id: None,
            audit_signing_key: None,
            audit_origin: None,
            openai_api_key: None,
            openai_model: None,
            azure_openai_endpoint: None,
            azure_openai_api_key: None,
            azure_openai_deployment: None,
            azure_openai_api_version: None,
            openai_base_url: "https://api.openai.com/v1".into(),
            llm_timeout_secs: 10.0,
            llm_prompt_cost_per_1k: 0.0,
            llm_completion_cost_per_1k: 0.0,
            log_pseudonym_key: None,
            confidence_weights: ConfidenceWeights::default(),
            risk: RiskSettings::default(),
            approval_rules: ApprovalRules::default(),
            automation: Automation::default(),
            shadow: None,
            notify: NotifySettings::default(),
        }
    }
}

/// The shape of the optional config file: nested sections plus any flat setting
/// under its lower-case name.
// No deny_unknown_fields: serde cannot combine it with flatten; `flat` catches unknown keys.
#[derive(Debug, Default, Deserialize)]
struct FileConfig {
    #[serde(default)]
    confidence_weights: Option<ConfidenceWeights>,
    #[serde(default)]
    risk: Option<RiskSettings>,
    #[serde(default)]
    approval_rules: Option<ApprovalRules>,
    #[serde(default)]
    automation: Option<Automation>,
    #[serde(default)]
    shadow: Option<ShadowPolicy>,
    #[serde(default)]
    notify: Option<NotifySettings>,
    #[serde(flatten)]
    flat: BTreeMap<String, toml::Value>,
}

const FLAT_KEYS: &[&str] = &[
    "DATABASE_URL",
    "MEMORY_ENABLED",
    "MEMORY_RETENTION_DAYS",
    "MEMORY_CLEANUP_INTERVAL",
    "PATTERN_RECOGNITION_THRESHOLD",
    "TEAM_PREFERENCE_LEARNING",
    "AUTONOMOUS_ACTIONS",
    "SUPERVISOR_MODE",
    "APPROVAL_TIMEOUT_HOURS",
    "EXECUTION_WINDOW_HOURS",
    "AUTO_ESCALATION",
    "FORECAST_TRIALS",
    "COMPLIANCE_MONITORING",
    "CONFIDENCE_THRESHOLD",
    "JIRA_URL",
    "JIRA_USERNAME",
    "JIRA_API_TOKEN",
    "JIRA_PROJECTS",
    "JIRA_FLAVOR",
    "JIRA_ACCOUNT_ID",
    "AUDIT_SIGNING_KEY",
    "AUDIT_ORIGIN",
    "SLACK_WEBHOOK_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_CHANNEL",
    "TEAMS_WEBHOOK_URL",
    "DASHBOARD_URL",
    "FALLBACK_APPROVER",
    "AUTOMATION_LEVEL",
    "OPENAI_API_KEY",
    "OPENAI_MODEL",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_DEPLOYMENT",
    "AZURE_OPENAI_API_VERSION",
    "OPENAI_BASE_URL",
    "LLM_TIMEOUT_SECS",
    "LLM_PROMPT_COST_PER_1K",
    "LLM_COMPLETION_COST_PER_1K",
    "LOG_PSEUDONYM_KEY",
];

impl Config {
    /// Loads settings the way a deployed host does: config file named by
    /// `JUNO_CONFIG_FILE` (if set), then `./.env` (if present), then the process environment.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first bad setting; [`Error::Io`] if a named file is unreadable.
    pub fn from_env() -> Result<Self> {
        let vars: BTreeMap<String, String> = std::env::vars().collect();
        let file = vars.get("JUNO_CONFIG_FILE").map(PathBuf::from);
        let dotenv = Path::new(".env");
        Self::load(file.as_deref(), dotenv.exists().then_some(dotenv), &vars)
    }

    /// Settings from a map of the environment-variable names (`{"AUTONOMOUS_ACTIONS":
    /// "true"}`) over the defaults, ignoring the process environment: how the C and Python
    /// surfaces pass settings explicitly.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first bad setting, or an unknown name.
    pub fn from_settings(settings: &BTreeMap<String, String>) -> Result<Self> {
        for name in settings.keys() {
            if !FLAT_KEYS.contains(&name.as_str()) && name != "JUNO_CONFIG_FILE" {
                return Err(Error::config(name.clone(), "unknown setting"));
            }
        }
        let file = settings.get("JUNO_CONFIG_FILE").map(PathBuf::from);
        Self::load(file.as_deref(), None, settings)
    }

    /// Loads settings from an optional config file, an optional `.env` file and a map of
    /// environment variables (later sources win). Nothing here reads the process environment,
    /// so tests can pass exactly what they mean.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first bad setting; [`Error::Io`] if a file is unreadable.
    pub fn load(
        config_file: Option<&Path>,
        dotenv_file: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Self> {
        let mut cfg = Config::default();
        if let Some(path) = config_file {
            cfg.apply_file(path)?;
        }
        if let Some(path) = dotenv_file {
            let iter = dotenvy::from_path_iter(path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            for item in iter {
                let (k, v) =
                    item.map_err(|e| Error::config(path.display().to_string(), e.to_string()))?;
                cfg.apply_var(&k, &v)?;
            }
        }
        for (k, v) in env {
            cfg.apply_var(k, v)?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn apply_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let setting = path.display().to_string();
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let file: FileConfig = if is_json {
            serde_json::from_str(&text).map_err(|e| Error::config(&setting, e.to_string()))?
        } else {
            toml::from_str(&text).map_err(|e| Error::config(&setting, e.to_string()))?
        };
        if let Some(w) = file.confidence_weights {
            self.confidence_weights = w;
        }
        if let Some(r) = file.risk {
            self.risk = r;
        }
        if let Some(a) = file.approval_rules {
            self.approval_rules = a;
        }
        if let Some(a) = file.automation {
            self.automation = a;
        }
        if let Some(sh) = file.shadow {
            self.shadow = Some(sh);
        }
        if let Some(n) = file.notify {
            self.notify = n;
        }
        for (key, value) in file.flat {
            let upper = key.to_ascii_uppercase();
            if !FLAT_KEYS.contains(&upper.as_str()) {
                return Err(Error::config(key, "unknown setting in config file"));
            }
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => return Err(Error::config(key, "expected a string, number or boolean")),
            };
            self.apply_var(&upper, &text)?;
        }
        Ok(())
    }

    /// Applies one `NAME=value` setting; unknown names are ignored (the environment holds
    /// much that is not ours).
    fn apply_var(&mut self, name: &str, value: &str) -> Result<()> {
        let v = value.trim();
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        match name {
            "DATABASE_URL" => self.database_url = DatabaseUrl::parse(v)?,
            "MEMORY_ENABLED" => self.memory_enabled = parse_bool(name, v)?,
            "MEMORY_RETENTION_DAYS" => self.memory_retention_days = parse_num(name, v)?,
            "MEMORY_CLEANUP_INTERVAL" => self.memory_cleanup_interval_hours = parse_num(name, v)?,
            "PATTERN_RECOGNITION_THRESHOLD" => {
                self.pattern_recognition_threshold = parse_unit(name, v)?;
            }
            "TEAM_PREFERENCE_LEARNING" => self.team_preference_learning = parse_bool(name, v)?,
            "AUTONOMOUS_ACTIONS" => self.autonomous_actions = parse_bool(name, v)?,
            "SUPERVISOR_MODE" => self.supervisor_mode = parse_bool(name, v)?,
            "APPROVAL_TIMEOUT_HOURS" => self.approval_timeout_hours = parse_num(name, v)?,
            "EXECUTION_WINDOW_HOURS" => self.execution_window_hours = parse_num(name, v)?,
            "AUTO_ESCALATION" => self.auto_escalation = parse_bool(name, v)?,
            "FORECAST_TRIALS" => self.forecast_trials = parse_num(name, v)?,
            "COMPLIANCE_MONITORING" => self.compliance_monitoring = parse_bool(name, v)?,
            // The guide's knob for acting on a recommendation: the flat name of
            // `approval_rules.auto_approval_threshold` (a flat setting wins over the nested
            // one, as every later source wins over an earlier one).
            "CONFIDENCE_THRESHOLD" => {
                self.approval_rules.auto_approval_threshold = parse_unit(name, v)?;
            }
            "JIRA_URL" => self.jira_url = opt(v),
            "JIRA_USERNAME" => self.jira_username = opt(v),
            "JIRA_API_TOKEN" => self.jira_api_token = opt(v).map(Secret),
            "JIRA_PROJECTS" => {
                self.jira_projects = v
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            "JIRA_FLAVOR" => self.jira_flavor = opt(v),
            "JIRA_ACCOUNT_ID" => self.jira_account_id = opt(v),
            "AUDIT_SIGNING_KEY" => {
                if let Some(text) = opt(v) {
                    // Checked now, so a bad key fails at start-up, not at the first
                    // checkpoint; the error never quotes the key.
                    crate::audit::SigningKey::parse(name, &text).map_err(|e| match e {
                        Error::InvalidInput { reason, .. } => Error::config(name, reason),
                        other => other,
                    })?;
                    self.audit_signing_key = Some(Secret(text));
                } else {
                    self.audit_signing_key = None;
                }
            }
            "SLACK_WEBHOOK_URL" => self.notify.slack_webhook_url = opt(v).map(Secret::new),
            "SLACK_BOT_TOKEN" => self.notify.slack_bot_token = opt(v).map(Secret::new),
            "SLACK_CHANNEL" => self.notify.slack_channel = opt(v),
            "TEAMS_WEBHOOK_URL" => self.notify.teams_webhook_url = opt(v).map(Secret::new),
            "DASHBOARD_URL" => self.notify.dashboard_url = opt(v),
            "AUDIT_ORIGIN" => {
                if let Some(origin) = opt(v) {
                    if origin.contains('\n') {
                        return Err(Error::config(name, "the origin is one line"));
                    }
                    self.audit_origin = Some(origin);
                } else {
                    self.audit_origin = None;
                }
            }
            "FALLBACK_APPROVER" => self.approval_rules.fallback_approver = opt(v),
            "AUTOMATION_LEVEL" => {
                self.automation.default = opt(v)
                    .map(|l| {
                        l.parse::<AutomationLevel>().map_err(|_| {
                            Error::config(
                                name,
                                format!("expected off, suggest, approve or auto, got `{l}`"),
                            )
                        })
                    })
                    .transpose()?;
            }
            "OPENAI_API_KEY" => self.openai_api_key = opt(v).map(Secret),
            "OPENAI_MODEL" => self.openai_model = opt(v),
            "AZURE_OPENAI_ENDPOINT" => self.azure_openai_endpoint = opt(v),
            "AZURE_OPENAI_API_KEY" => self.azure_openai_api_key = opt(v).map(Secret),
            "AZURE_OPENAI_DEPLOYMENT" => self.azure_openai_deployment = opt(v),
            "AZURE_OPENAI_API_VERSION" => self.azure_openai_api_version = opt(v),
            "OPENAI_BASE_URL" => {
                if let Some(u) = opt(v) {
                    self.openai_base_url = u;
                }
            }
            "LLM_TIMEOUT_SECS" => self.llm_timeout_secs = parse_num::<f64>(name, v)?,
            "LLM_PROMPT_COST_PER_1K" => self.llm_prompt_cost_per_1k = parse_num::<f64>(name, v)?,
            "LLM_COMPLETION_COST_PER_1K" => {
                self.llm_completion_cost_per_1k = parse_num::<f64>(name, v)?;
            }
            "LOG_PSEUDONYM_KEY" => self.log_pseudonym_key = opt(v).map(Secret),
            _ => {}
        }
        Ok(())
    }

    /// Reads host-given settings, a JSON object of setting names to **string** values as
    /// in the environment (`{"AUTONOMOUS_ACTIONS": "true"}`), into the map that
    /// [`Config::from_settings`] takes. The C ABI and the Python package both call this, so
    /// the same bad settings are the same error on both.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`settings`) for anything but an object; [`Error::Config`]
    /// naming the setting for a value that is not a string.
    pub fn settings_from_json(value: serde_json::Value) -> Result<BTreeMap<String, String>> {
        let serde_json::Value::Object(map) = value else {
            return Err(Error::invalid(
                "settings",
                "expected an object of setting names to string values, e.g. {\"AUTONOMOUS_ACTIONS\": \"true\"}",
            ));
        };
        map.into_iter()
            .map(|(name, value)| match value {
                serde_json::Value::String(s) => Ok((name, s)),
                other => Err(Error::config(
                    name,
                    format!("expected a string value as in the environment (\"true\", \"24\"), got `{other}`"),
                )),
            })
            .collect()
    }

    /// Checks the cross-field rules (weights sum to 1, thresholds ordered, …).
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending setting.
    pub fn validate(&self) -> Result<()> {
        let w = &self.confidence_weights;
        let parts = [
            ("confidence_weights.data_quality", w.data_quality),
            (
                "confidence_weights.historical_accuracy",
                w.historical_accuracy,
            ),
            ("confidence_weights.pattern_strength", w.pattern_strength),
            (
                "confidence_weights.temporal_relevance",
                w.temporal_relevance,
            ),
            ("confidence_weights.consensus_score", w.consensus_score),
        ];
        for (name, v) in parts {
            check_unit(name, v)?;
        }
        let sum: f64 = parts.iter().map(|(_, v)| v).sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(Error::config(
                "confidence_weights",
                format!("weights must sum to 1, they sum to {sum:.4}"),
            ));
        }
        let r = &self.risk;
        for (name, c) in r.categories.named() {
            check_unit(&format!("risk.categories.{name}.weight"), c.weight)?;
            check_unit(&format!("risk.categories.{name}.threshold"), c.threshold)?;
        }
        let rsum: f64 = r.categories.named().iter().map(|(_, c)| c.weight).sum();
        if (rsum - 1.0).abs() > 1e-6 {
            return Err(Error::config(
                "risk.categories",
                format!("weights must sum to 1, they sum to {rsum:.4}"),
            ));
        }
        check_unit("risk.medium_threshold", r.medium_threshold)?;
        check_unit("risk.high_threshold", r.high_threshold)?;
        check_unit("risk.critical_threshold", r.critical_threshold)?;
        if !(r.medium_threshold < r.high_threshold && r.high_threshold < r.critical_threshold) {
            return Err(Error::config(
                "risk",
                "thresholds must rise: medium < high < critical",
            ));
        }
        let a = &self.approval_rules;
        for level in [
            ImpactLevel::Low,
            ImpactLevel::Medium,
            ImpactLevel::High,
            ImpactLevel::Critical,
        ] {
            match a.route.get(&level) {
                None => {
                    return Err(Error::config(
                        format!("approval_rules.route.{level}"),
                        "no approver role for this impact level",
                    ));
                }
                Some(Role::Admin) => {
                    return Err(Error::config(
                        format!("approval_rules.route.{level}"),
                        "ADMIN cannot approve actions",
                    ));
                }
                Some(_) => {}
            }
        }
        for (role, hours) in &a.deadline_hours {
            if !hours.is_finite() || *hours <= 0.0 {
                return Err(Error::config(
                    format!("approval_rules.deadline_hours.{role}"),
                    "must be a positive number of hours",
                ));
            }
        }
        check_unit(
            "approval_rules.auto_approval_threshold",
            a.auto_approval_threshold,
        )?;
        if self.memory_retention_days == 0 {
            return Err(Error::config("MEMORY_RETENTION_DAYS", "must be at least 1"));
        }
        if self.approval_timeout_hours == 0 {
            return Err(Error::config(
                "APPROVAL_TIMEOUT_HOURS",
                "must be at least 1",
            ));
        }
        for (level, q) in &self.approval_rules.quorum {
            for (what, n) in [("approvals", q.approvals), ("rejections", q.rejections)] {
                if !(1..=20).contains(&n) {
                    return Err(Error::config(
                        format!("approval_rules.quorum.{level}.{what}"),
                        format!("must be 1 to 20, got {n}"),
                    ));
                }
            }
        }
        if let Some(t) = self.shadow.as_ref().and_then(|s| s.auto_approval_threshold) {
            check_unit("shadow.auto_approval_threshold", t)?;
        }
        let reminders = &self.approval_rules.reminder_hours_before;
        if reminders.len() > MAX_REMINDERS {
            return Err(Error::config(
                "approval_rules.reminder_hours_before",
                format!("at most {MAX_REMINDERS} reminders, got {}", reminders.len()),
            ));
        }
        if reminders.iter().any(|h| !h.is_finite() || *h <= 0.0) {
            return Err(Error::config(
                "approval_rules.reminder_hours_before",
                "each must be a positive number of hours",
            ));
        }
        if let Some(user) = &self.approval_rules.fallback_approver {
            crate::model::check_name("FALLBACK_APPROVER", user).map_err(|e| match e {
                Error::InvalidInput { reason, .. } => Error::config("FALLBACK_APPROVER", reason),
                other => other,
            })?;
        }
        if self.execution_window_hours == 0 {
            return Err(Error::config(
                "EXECUTION_WINDOW_HOURS",
                "must be at least 1",
            ));
        }
        if !(100..=1_000_000).contains(&self.forecast_trials) {
            return Err(Error::config(
                "FORECAST_TRIALS",
                format!("must be 100 to 1000000, got {}", self.forecast_trials),
            ));
        }
        self.validate_llm()?;
        self.validate_notify()
    }

    fn validate_llm(&self) -> Result<()> {
        if !(self.openai_base_url.starts_with("https://")
            || self.openai_base_url.starts_with("http://"))
        {
            return Err(Error::config("OPENAI_BASE_URL", "must be an http(s) URL"));
        }
        if !(self.llm_timeout_secs.is_finite()
            && self.llm_timeout_secs > 0.0
            && self.llm_timeout_secs <= 120.0)
        {
            return Err(Error::config(
                "LLM_TIMEOUT_SECS",
                "must be more than 0 and at most 120 seconds",
            ));
        }
        for (name, v) in [
            ("LLM_PROMPT_COST_PER_1K", self.llm_prompt_cost_per_1k),
            (
                "LLM_COMPLETION_COST_PER_1K",
                self.llm_completion_cost_per_1k,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::config(name, "must be a number ≥ 0"));
            }
        }
        Ok(())
    }

    fn validate_notify(&self) -> Result<()> {
        let n = &self.notify;
        let url = |name: &str, value: Option<&str>| -> Result<()> {
            match value {
                Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
                    Err(Error::config(name, "must be an http(s) URL"))
                }
                _ => Ok(()),
            }
        };
        url(
            "notify.slack_webhook_url",
            n.slack_webhook_url.as_ref().map(Secret::expose),
        )?;
        url(
            "notify.teams_webhook_url",
            n.teams_webhook_url.as_ref().map(Secret::expose),
        )?;
        url("notify.slack_api_url", Some(&n.slack_api_url))?;
        url("notify.dashboard_url", n.dashboard_url.as_deref())?;
        if n.slack_bot_token.is_some() && n.slack_channel.is_none() {
            return Err(Error::config(
                "notify.slack_channel",
                "a Slack bot token posts to a channel: name it (SLACK_CHANNEL)",
            ));
        }
        if !(1..=50).contains(&n.max_attempts) {
            return Err(Error::config(
                "notify.max_attempts",
                format!("must be 1 to 50, got {}", n.max_attempts),
            ));
        }
        if !(n.timeout_secs.is_finite() && n.timeout_secs > 0.0 && n.timeout_secs <= 60.0) {
            return Err(Error::config(
                "notify.timeout_secs",
                "must be more than 0 and at most 60 seconds",
            ));
        }
        Ok(())
    }
}

fn parse_bool(name: &str, v: &str) -> Result<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(
            name,
            format!("expected true or false, got `{v}`"),
        )),
    }
}

fn parse_num<T: std::str::FromStr>(name: &str, v: &str) -> Result<T> {
    v.parse::<T>().map_err(|_| {
        Error::config(
            name,
            format!("expected a whole non-negative number, got `{v}`"),
        )
    })
}

fn parse_unit(name: &str, v: &str) -> Result<f64> {
    let x: f64 = v.parse().map_err(|_| {
        Error::config(
            name,
            format!("expected a number between 0 and 1, got `{v}`"),
        )
    })?;
    check_unit(name, x)?;
    Ok(x)
}

fn check_unit(name: &str, x: f64) -> Result<()> {
    match crate::model::unit_complaint(x) {
        None => Ok(()),
        Some(m) => Err(Error::config(name, m)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_guides() {
        let c = Config::load(None, None, &BTreeMap::new()).ok();
        let c = c.as_ref();
        assert_eq!(c.map(|c| c.memory_retention_days), Some(365));
        assert_eq!(c.map(|c| c.pattern_recognition_threshold), Some(0.7));
        assert_eq!(c.map(|c| c.approval_timeout_hours), Some(24));
    }

    #[test]
    fn bad_number_names_the_setting() {
        let err = Config::load(None, None, &env(&[("MEMORY_RETENTION_DAYS", "abc")]))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "bad setting `MEMORY_RETENTION_DAYS`: expected a whole non-negative number, got `abc`"
            )
        );
    }

    #[test]
    fn weights_must_sum_to_one() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let path = dir.path().join("juno.toml");
        let written = std::fs::write(
            &path,
            "[confidence_weights]\ndata_quality = 0.5\nhistorical_accuracy = 0.25\npattern_strength = 0.2\ntemporal_relevance = 0.15\nconsensus_score = 0.1\n",
        );
        assert!(written.is_ok());
        let err = Config::load(Some(&path), None, &BTreeMap::new()).err();
        assert!(
            matches!(&err, Some(Error::Config { setting, .. }) if setting == "confidence_weights"),
            "{err:?}"
        );
    }

    #[test]
    fn risk_categories_default_to_the_guide_and_are_checked() {
        let c = Config::load(None, None, &BTreeMap::new()).ok();
        let r = c.map(|c| c.risk);
        let weights: Option<Vec<(&str, f64, f64)>> = r.as_ref().map(|r| {
            r.categories
                .named()
                .iter()
                .map(|(n, c)| (*n, c.weight, c.threshold))
                .collect()
        });
        assert_eq!(
            weights,
            Some(vec![
                ("velocity", 0.25, 0.7),
                ("scope", 0.20, 0.6),
                ("capacity", 0.20, 0.8),
                ("quality", 0.20, 0.7),
                ("dependencies", 0.15, 0.6),
            ])
        );
        let Some(dir) = tempfile::tempdir().ok() else {
            return;
        };
        let path = dir.path().join("juno.toml");
        // Velocity's weight raised without lowering another: the sum is 1.05.
        assert!(
            std::fs::write(
                &path,
                "[risk.categories.velocity]\nweight = 0.30\nthreshold = 0.7\n"
            )
            .is_ok()
        );
        let err = Config::load(Some(&path), None, &BTreeMap::new()).err();
        assert!(
            matches!(&err, Some(Error::Config { setting, reason }) if setting == "risk.categories" && reason.contains("1.0500")),
            "{err:?}"
        );
        // A category the guide does not have is refused by name.
        assert!(
            std::fs::write(
                &path,
                "[risk.categories.blockers]\nweight = 0.1\nthreshold = 0.5\n"
            )
            .is_ok()
        );
        let err = Config::load(Some(&path), None, &BTreeMap::new()).err();
        assert!(format!("{err:?}").contains("blockers"), "{err:?}");
        // A consistent override loads.
        assert!(
            std::fs::write(
                &path,
                "[risk.categories.velocity]\nweight = 0.20\nthreshold = 0.65\n[risk.categories.scope]\nweight = 0.25\nthreshold = 0.6\n"
            )
            .is_ok()
        );
        let c = Config::load(Some(&path), None, &BTreeMap::new()).ok();
        assert_eq!(c.map(|c| c.risk.categories.velocity.threshold), Some(0.65));
    }

    #[test]
    fn env_beats_dotenv_beats_file() {
        let Some(dir) = tempfile::tempdir().ok() else {
            return;
        };
        let file = dir.path().join("juno.json");
        let dotenv = dir.path().join(".env");
        assert!(
            std::fs::write(
                &file,
                r#"{"memory_retention_days": 30, "confidence_threshold": 0.5}"#
            )
            .is_ok()
        );
        assert!(
            std::fs::write(
                &dotenv,
                "MEMORY_RETENTION_DAYS=60\nDATABASE_URL=sqlite::memory:\n"
            )
            .is_ok()
        );
        let c = Config::load(
            Some(&file),
            Some(&dotenv),
            &env(&[("MEMORY_RETENTION_DAYS", "90")]),
        )
        .ok();
        assert_eq!(c.as_ref().map(|c| c.memory_retention_days), Some(90));
        assert_eq!(
            c.as_ref().map(|c| c.approval_rules.auto_approval_threshold),
            Some(0.5)
        );
        assert_eq!(
            c.as_ref().map(|c| c.database_url.clone()),
            Some(DatabaseUrl::Memory)
        );
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:////var/lib/juno.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/juno.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///juno.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("juno.db")))
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::load(None, None, &env(&[("OPENAI_API_KEY", "sk-very-secret")])).ok();
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-very-secret"));
    }
}
