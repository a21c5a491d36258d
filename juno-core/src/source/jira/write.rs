//! The low-level writes the executor makes, and the reads it makes before one (to revert
//! it later, and to find its idempotency marker). Each is one call through the client's
//! politeness rules; none decides anything.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::model::User;

use super::client::{Call, Need, seg};
use super::map::person;
use super::{Flavor, JiraClient, clean};

/// The fields of an issue a write may change, read before it so that it can be reverted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueFields {
    /// The issue key.
    pub key: String,
    /// The status name now.
    pub status: Option<String>,
    /// The assignee now (account id on Cloud, user name on Server).
    pub assignee: Option<User>,
    /// The priority name now.
    pub priority: Option<String>,
}

/// Longest entity-property name Jira accepts.
const MAX_PROPERTY_NAME: usize = 255;

impl JiraClient {
    fn issue_path(&self, key: &str, rest: &str) -> Result<String> {
        let ok = !key.is_empty()
            && key.len() <= 64
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(Error::invalid(
                "key",
                format!("`{}` is not a jira issue key", clean(key, 64)),
            ));
        }
        Ok(format!("/rest/api/{}/issue/{}{rest}", self.api(), seg(key)))
    }

    fn send(&self, method: Method, path: String, body: Value, need: Need) -> Result<Value> {
        let call = Call {
            method,
            path,
            query: Vec::new(),
            body: Some(body),
            need,
            missing_ok: false,
        };
        Ok(self.call(&call)?.unwrap_or_default())
    }

    /// Adds a comment to issue `key`: Atlassian Document Format on Cloud (one paragraph
    /// per blank-line-separated block, line breaks kept), the plain text on Server.
    /// Returns the new comment's id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key; [`Error::Remote`] when Jira refuses
    /// (the account lacks `Add comments`, the issue does not exist) or cannot be reached.
    pub fn add_comment(&self, key: &str, text: &str) -> Result<String> {
        let path = self.issue_path(key, "/comment")?;
        let body = match self.settings.flavor {
            Flavor::Cloud => json!({ "body": adf(text) }),
            Flavor::Server => json!({ "body": text }),
        };
        let answer = self.send(Method::POST, path, body, Need::Comment)?;
        Ok(match answer.get("id") {
            Some(Value::String(s)) => clean(s, 64),
            Some(v) => clean(&v.to_string(), 64),
            None => String::new(),
        })
    }

    /// Moves issue `key` to the status named `to_status` (compared without case): reads
    /// the transitions open to it now, then takes the one that leads there.
    ///
    /// # Errors
    /// [`Error::InvalidState`] when no transition leads to `to_status` (naming the ones
    /// that exist); [`Error::Remote`] when Jira refuses or cannot be reached.
    pub fn transition(&self, key: &str, to_status: &str) -> Result<()> {
        let path = self.issue_path(key, "/transitions")?;
        let list = self
            .call(&Call::get(path.clone(), Need::Transition))?
            .unwrap_or_default();
        let all: Vec<&Value> = list
            .get("transitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .collect();
        let target = |t: &&Value| {
            let to = t.pointer("/to/name").and_then(Value::as_str);
            let name = t.get("name").and_then(Value::as_str);
            to.or(name)
                .is_some_and(|n| n.eq_ignore_ascii_case(to_status))
        };
        let Some(id) = all
            .iter()
            .copied()
            .find(target)
            .and_then(|t| t.get("id"))
            .cloned()
        else {
            let open: Vec<String> = all
                .iter()
                .filter_map(|t| t.pointer("/to/name").or(t.get("name")))
                .filter_map(Value::as_str)
                .map(|n| format!("`{}`", clean(n, 64)))
                .collect();
            return Err(Error::InvalidState {
                reason: format!(
                    "no transition of `{key}` leads to `{}` (open: {})",
                    clean(to_status, 64),
                    if open.is_empty() {
                        "none".to_owned()
                    } else {
                        open.join(", ")
                    }
                ),
            });
        };
        self.send(
            Method::POST,
            path,
            json!({ "transition": { "id": id } }),
            Need::Transition,
        )?;
        Ok(())
    }

    /// Assigns issue `key` to `user` (an account id on Cloud, a user name on Server), or
    /// unassigns it with `None`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key; [`Error::Remote`] when Jira refuses
    /// (the account lacks `Assign issues`, the user cannot be assigned) or cannot be
    /// reached.
    pub fn assign(&self, key: &str, user: Option<&User>) -> Result<()> {
        let path = self.issue_path(key, "/assignee")?;
        let who = user.map(User::as_str);
        let body = match self.settings.flavor {
            Flavor::Cloud => json!({ "accountId": who }),
            Flavor::Server => json!({ "name": who }),
        };
        self.send(Method::PUT, path, body, Need::Assign)?;
        Ok(())
    }

    /// Sets issue `key`'s priority by name (`High`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key; [`Error::Remote`] when Jira refuses
    /// (the account lacks `Edit issues`) or cannot be reached.
    pub fn set_priority(&self, key: &str, priority: &str) -> Result<()> {
        let path = self.issue_path(key, "")?;
        let body = json!({ "fields": { "priority": { "name": priority } } });
        self.send(Method::PUT, path, body, Need::Edit)?;
        Ok(())
    }

    /// Adds (`add`) or removes a label on issue `key`, leaving its other labels alone.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key; [`Error::Remote`] when Jira refuses
    /// (the account lacks `Edit issues`) or cannot be reached.
    pub fn change_label(&self, key: &str, label: &str, add: bool) -> Result<()> {
        let path = self.issue_path(key, "")?;
        let op = if add { "add" } else { "remove" };
        let body = json!({ "update": { "labels": [ { op: label } ] } });
        self.send(Method::PUT, path, body, Need::Edit)?;
        Ok(())
    }

    /// Issue `key`'s entity property `name` (where the executor keeps its idempotency
    /// marker), or `None` when it has none.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key or name; [`Error::Remote`] when Jira
    /// refuses or cannot be reached (a missing issue is an error, a missing property is
    /// `None`).
    pub fn get_property(&self, key: &str, name: &str) -> Result<Option<Value>> {
        let path = self.issue_path(key, &format!("/properties/{}", property(name)?))?;
        let mut call = Call::get(path, Need::Browse);
        call.missing_ok = true;
        Ok(self
            .call(&call)?
            .map(|v| v.get("value").cloned().unwrap_or(Value::Null)))
    }

    /// Sets issue `key`'s entity property `name` to `value`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key or name; [`Error::Remote`] when Jira
    /// refuses (the account lacks `Edit issues`) or cannot be reached.
    pub fn put_property(&self, key: &str, name: &str, value: &Value) -> Result<()> {
        let path = self.issue_path(key, &format!("/properties/{}", property(name)?))?;
        self.send(Method::PUT, path, value.clone(), Need::Edit)?;
        Ok(())
    }

    /// Issue `key`'s status, assignee and priority now, read before a write so that it can
    /// be reverted.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed key; [`Error::Remote`] when the issue does
    /// not exist, Jira refuses, or cannot be reached.
    pub fn issue_fields(&self, key: &str) -> Result<IssueFields> {
        let path = self.issue_path(key, "")?;
        let v = self
            .call(&Call::get(path, Need::Browse).with("fields", "status,assignee,priority"))?
            .unwrap_or_default();
        let f = v.get("fields").cloned().unwrap_or_default();
        let name = |p: &str| f.pointer(p).and_then(Value::as_str).map(|s| clean(s, 128));
        Ok(IssueFields {
            key: key.to_owned(),
            status: name("/status/name"),
            assignee: f
                .get("assignee")
                .and_then(|a| person(a, self.settings.flavor)),
            priority: name("/priority/name"),
        })
    }
}

/// A property name, checked (it becomes a path segment).
fn property(name: &str) -> Result<String> {
    if name.trim().is_empty() || name.chars().count() > MAX_PROPERTY_NAME {
        return Err(Error::invalid(
            "name",
            format!("a property name is 1–{MAX_PROPERTY_NAME} characters"),
        ));
    }
    Ok(seg(name))
}

/// `text` as an Atlassian Document Format document: a paragraph per block separated by a
/// blank line, its lines joined by hard breaks.
pub(crate) fn adf(text: &str) -> Value {
    let mut paragraphs = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut content = Vec::new();
        for (i, line) in block.lines().enumerate() {
            if i > 0 {
                content.push(json!({ "type": "hardBreak" }));
            }
            if !line.is_empty() {
                content.push(json!({ "type": "text", "text": line }));
            }
        }
        paragraphs.push(json!({ "type": "paragraph", "content": content }));
    }
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adf_keeps_paragraphs_and_lines() {
        let d = adf("one\ntwo\n\nthree");
        assert_eq!(d["content"].as_array().map(Vec::len), Some(2));
        assert_eq!(d["content"][0]["content"][1]["type"], "hardBreak");
        assert_eq!(d["content"][1]["content"][0]["text"], "three");
    }
}
