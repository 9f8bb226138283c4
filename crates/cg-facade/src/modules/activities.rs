//! Activities (tickets, calls, ... on an account), `PUT /activities`
//! (`spec/imports.yaml`, art 5000810958): `client.activities()`.

use cg_auth::HostFamily;
use cg_raw_imports::types;
use serde_json::{Map, Value};

use crate::call::call_recorded;
use crate::client::raw_client;
use crate::{Client, Error, Result};

/// The longest activity reference, in characters.
pub const MAX_REFERENCE_LEN: usize = 128;
/// The longest account and contact, in characters.
pub const MAX_ACCOUNT_LEN: usize = 255;
/// The longest type and source, in characters.
pub const MAX_TYPE_LEN: usize = 100;

/// One activity, as `PUT /activities` takes it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Activity {
    /// Unique reference; give it to update an existing activity (at most 128 characters).
    pub reference: Option<String>,
    /// The account's name, created when missing (required, at most 255).
    pub account: String,
    /// E-mail or phone of an existing contact (at most 255).
    pub contact: Option<String>,
    /// Kind of activity, e.g. `Ticket` (required, at most 100).
    #[serde(rename = "type")]
    pub activity_type: String,
    /// Where it comes from, e.g. `Freshdesk` (required, at most 100).
    pub source: String,
    /// When it happened, `Y-m-d H:i:s`, optionally with an offset (`+0530`).
    pub happened_at: String,
    /// Free-form details.
    pub additional_information_object: Map<String, Value>,
}

impl Activity {
    /// An activity with its required fields.
    pub fn new(
        account: impl Into<String>,
        activity_type: impl Into<String>,
        source: impl Into<String>,
        happened_at: impl Into<String>,
    ) -> Self {
        Activity {
            account: account.into(),
            activity_type: activity_type.into(),
            source: source.into(),
            happened_at: happened_at.into(),
            ..Activity::default()
        }
    }

    /// Sets the reference.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the contact.
    pub fn contact(mut self, contact: impl Into<String>) -> Self {
        self.contact = Some(contact.into());
        self
    }

    /// Adds a detail to `additional_information_object`.
    pub fn detail(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.additional_information_object
            .insert(key.into(), value.into());
        self
    }

    /// The documented rules only: required fields, lengths, the date format.
    pub fn validate(&self) -> Result<()> {
        let required = [
            ("account", &self.account),
            ("type", &self.activity_type),
            ("source", &self.source),
            ("happened_at", &self.happened_at),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                return Err(Error::invalid(field, "is required"));
            }
        }
        let limits = [
            ("reference", self.reference.as_deref(), MAX_REFERENCE_LEN),
            ("account", Some(self.account.as_str()), MAX_ACCOUNT_LEN),
            ("contact", self.contact.as_deref(), MAX_ACCOUNT_LEN),
            ("type", Some(self.activity_type.as_str()), MAX_TYPE_LEN),
            ("source", Some(self.source.as_str()), MAX_TYPE_LEN),
        ];
        for (field, value, max) in limits {
            let len = value.map_or(0, |v| v.chars().count());
            if len > max {
                return Err(Error::invalid(
                    field,
                    format!("has {len} characters; at most {max} are allowed"),
                ));
            }
        }
        crate::validate::date_time_with_offset("happened_at", &self.happened_at)
    }
}

/// Whether `PUT /activities` created the activity or updated one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum ActivityOutcome {
    /// HTTP 201.
    Created {
        /// The service's message, when it sent one.
        message: Option<String>,
    },
    /// HTTP 200 (or another success status): an activity with this reference existed.
    Updated {
        /// The service's message, when it sent one.
        message: Option<String>,
    },
}

impl Client {
    /// Activities: `client.activities().put(Activity::new(..))`.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::activities::Activity;
    /// let activity = Activity::new("ACME Industries", "Ticket", "Freshdesk", "2019-10-06 22:34:45")
    ///     .contact("john.doe@example.com")
    ///     .detail("subject", "Printer broken");
    /// println!("{:?}", client.activities().put(activity).await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn activities(&self) -> Activities {
        Activities {
            client: self.clone(),
        }
    }
}

/// Activities: `client.activities()`.
#[derive(Clone, Debug)]
pub struct Activities {
    client: Client,
}

fn too_long(field: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid(field, e.to_string())
}

impl Activities {
    /// Checks the documented rules, then creates or updates the activity.
    pub async fn put(&self, activity: Activity) -> Result<ActivityOutcome> {
        activity.validate()?;
        let body = types::ActivityImport {
            account: activity
                .account
                .as_str()
                .try_into()
                .map_err(|e| too_long("account", e))?,
            additional_information_object: activity.additional_information_object,
            contact: match activity.contact.as_deref() {
                None => None,
                Some(c) => Some(c.try_into().map_err(|e| too_long("contact", e))?),
            },
            happened_at: activity.happened_at,
            reference: match activity.reference.as_deref() {
                None => None,
                Some(r) => Some(r.try_into().map_err(|e| too_long("reference", e))?),
            },
            source: activity
                .source
                .as_str()
                .try_into()
                .map_err(|e| too_long("source", e))?,
            type_: activity
                .activity_type
                .as_str()
                .try_into()
                .map_err(|e| too_long("type", e))?,
        };
        let raw = raw_client!(self.client, cg_raw_imports, HostFamily::Imports);
        let answer = call_recorded(
            self.client.ctx(),
            cg_raw_imports::ops::PUT_ACTIVITY.id,
            raw.put_activity().body(body).send(),
        )
        .await
        .map_err(|(e, _)| e)?;
        let message = answer.value.message;
        Ok(match answer.record.last_status {
            Some(201) => ActivityOutcome::Created { message },
            _ => ActivityOutcome::Updated { message },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_rules_only() {
        let ok = Activity::new(
            "ACME Industries",
            "Ticket",
            "Freshdesk",
            "2019-10-06 22:34:45",
        );
        assert!(ok.validate().is_ok());
        let offset = Activity {
            happened_at: "2019-03-06 10:00:00 +0530".into(),
            ..ok.clone()
        };
        assert!(offset.validate().is_ok(), "the article's own example");
        assert!(
            ok.clone()
                .contact("not an e-mail, the service decides")
                .validate()
                .is_ok()
        );
        for bad in [
            Activity {
                account: " ".into(),
                ..ok.clone()
            },
            Activity {
                source: "s".repeat(101),
                ..ok.clone()
            },
            Activity {
                happened_at: "06/10/2019".into(),
                ..ok.clone()
            },
            ok.clone().reference("r".repeat(129)),
        ] {
            assert!(
                matches!(bad.validate(), Err(Error::InvalidInput { .. })),
                "{bad:?}"
            );
        }
    }
}
