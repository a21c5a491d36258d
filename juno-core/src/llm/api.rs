//! The wording handle, `juno.llm()`: a checked paragraph from a language model, or the
//! template.

use std::time::Duration;

use reqwest::blocking::Client;
use serde_json::{Value, json};

use super::{Usage, Worded, WordingInput, check, digest, messages};
use crate::config::Config;
use crate::error::Result;
use crate::juno::Juno;
use crate::store::llm as sql;
use crate::store::to_ms;

/// How the reason of a rejected answer starts (such answers are cached as verdicts).
const REJECTED: &str = "the model's answer was rejected";

/// Where the model is.
enum Provider {
    OpenAi {
        url: String,
        key: String,
        model: String,
    },
    Azure {
        url: String,
        key: String,
        model: String,
    },
}

impl Provider {
    fn from(config: &Config) -> Option<Provider> {
        if let (Some(endpoint), Some(key), Some(deployment)) = (
            &config.azure_openai_endpoint,
            &config.azure_openai_api_key,
            &config.azure_openai_deployment,
        ) {
            let version = config
                .azure_openai_api_version
                .as_deref()
                .unwrap_or("2024-10-21");
            return Some(Provider::Azure {
                url: format!(
                    "{}/openai/deployments/{deployment}/chat/completions?api-version={version}",
                    endpoint.trim_end_matches('/')
                ),
                key: key.expose().to_owned(),
                model: format!("azure:{deployment}"),
            });
        }
        let key = config.openai_api_key.as_ref()?;
        Some(Provider::OpenAi {
            url: format!(
                "{}/chat/completions",
                config.openai_base_url.trim_end_matches('/')
            ),
            key: key.expose().to_owned(),
            model: config
                .openai_model
                .clone()
                .unwrap_or_else(|| "gpt-4o-mini".into()),
        })
    }

    fn model(&self) -> &str {
        match self {
            Provider::OpenAi { model, .. } | Provider::Azure { model, .. } => model,
        }
    }
}

/// The wording of one [`Juno`]: `juno.llm()` (see the [module docs](super)).
#[derive(Debug, Clone, Copy)]
pub struct Wording<'a> {
    juno: &'a Juno,
}

impl<'a> Wording<'a> {
    pub(crate) fn new(juno: &'a Juno) -> Self {
        Wording { juno }
    }

    /// Whether a model is configured (else every wording is the template).
    pub fn configured(&self) -> bool {
        Provider::from(self.juno.config()).is_some()
    }

    /// Words `input` for a person: the cached wording, a model's checked answer, or the
    /// template with the reason. Never fails because of the model or the network; the
    /// wording is metered either way.
    ///
    /// # Errors
    /// Storage errors only.
    pub fn word(&self, input: &WordingInput) -> Result<Worded> {
        let config = self.juno.config();
        let worded = match Provider::from(config) {
            None => Worded::template(input, "no language model is configured"),
            Some(provider) => {
                let key = digest(input, provider.model());
                match self.juno.store().read(|c| sql::cached(c, &key))? {
                    Some((text, model, reason)) => Worded {
                        // A rejected answer's verdict is reused too: the template again.
                        text: if reason.is_some() {
                            input.explanation.trim().to_owned()
                        } else {
                            text
                        },
                        source: if reason.is_some() {
                            "template"
                        } else {
                            "cache"
                        }
                        .into(),
                        reason: reason.map(|r| format!("{r} (cached verdict)")),
                        model: Some(model),
                        prompt_tokens: 0,
                        completion_tokens: 0,
                        cost: 0.0,
                    },
                    None => {
                        let worded = ask(config, &provider, input);
                        // Accepted wordings and rejected answers are kept; a failure of the
                        // service (error, timeout) is not: the next call tries again.
                        let rejected = worded
                            .reason
                            .as_deref()
                            .is_some_and(|r| r.starts_with(REJECTED));
                        if worded.source == "model" || rejected {
                            let now_ms = to_ms(self.juno.now());
                            self.juno
                                .store()
                                .write(|tx| sql::cache(tx, &key, &worded, now_ms))?;
                        }
                        worded
                    }
                }
            }
        };
        self.juno.store().write(|tx| sql::meter(tx, &worded))?;
        if worded.source == "template"
            && let Some(reason) = &worded.reason
            && config.openai_api_key.is_some() | config.azure_openai_api_key.is_some()
        {
            let shown = self.juno.store().log_names().free_text(reason);
            tracing::warn!(target: crate::log::APPLICATION, reason = %shown,
                "the language model's wording was not used: {shown}");
        }
        Ok(worded)
    }

    /// Calls, tokens and cost so far, by source (`cache`, `model`, `template`).
    ///
    /// # Errors
    /// Storage errors.
    pub fn usage(&self) -> Result<Vec<Usage>> {
        self.juno.store().read(sql::usage)
    }
}

/// One call to the model; the template (with the reason) on any failure.
fn ask(config: &Config, provider: &Provider, input: &WordingInput) -> Worded {
    let http = match Client::builder()
        .timeout(Duration::from_secs_f64(config.llm_timeout_secs))
        .user_agent(concat!("juno/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Worded::template(input, format!("cannot build the http client: {e}")),
    };
    let mut body = json!({"messages": messages(input), "temperature": 0, "max_tokens": 300});
    let req = match provider {
        Provider::OpenAi { url, key, model } => {
            body["model"] = json!(model);
            http.post(url).bearer_auth(key)
        }
        Provider::Azure { url, key, .. } => http.post(url).header("api-key", key.as_str()),
    };
    let answer = match req.json(&body).send() {
        Ok(r) if r.status().is_success() => r.json::<Value>(),
        Ok(r) => {
            let status = r.status().as_u16();
            return Worded::template(input, format!("the model service answered HTTP {status}"));
        }
        Err(e) if e.is_timeout() => {
            return Worded::template(
                input,
                format!("no answer within {} s", config.llm_timeout_secs),
            );
        }
        Err(e) => {
            return Worded::template(
                input,
                format!("the model service failed: {}", e.without_url()),
            );
        }
    };
    let Ok(answer) = answer else {
        return Worded::template(input, "the model service's answer is not JSON");
    };
    let tokens = |name: &str| answer["usage"][name].as_u64().unwrap_or(0);
    let (prompt_tokens, completion_tokens) = (tokens("prompt_tokens"), tokens("completion_tokens"));
    let cost = (prompt_tokens as f64 * config.llm_prompt_cost_per_1k
        + completion_tokens as f64 * config.llm_completion_cost_per_1k)
        / 1000.0;
    let spent = |mut w: Worded| {
        // A rejected answer still cost its tokens: meter them under `template`.
        w.prompt_tokens = prompt_tokens;
        w.completion_tokens = completion_tokens;
        w.cost = cost;
        w.model = Some(provider.model().to_owned());
        w
    };
    let Some(text) = answer["choices"][0]["message"]["content"].as_str() else {
        return spent(Worded::template(input, "the model's answer has no text"));
    };
    if let Err(why) = check(input, text) {
        return spent(Worded::template(input, format!("{REJECTED}: {why}")));
    }
    Worded {
        text: text.trim().to_owned(),
        source: "model".into(),
        reason: None,
        model: Some(provider.model().to_owned()),
        prompt_tokens,
        completion_tokens,
        cost,
    }
}
