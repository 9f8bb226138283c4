//! Anonymization of a person's records (`spec/anonymize.yaml`): a dry run that lists
//! what would change, and the irreversible run.

use std::collections::BTreeMap;

use cg_auth::HostFamily;
use cg_raw_anonymize::types;

use crate::call::call;
use crate::client::raw_client;
use crate::decode::{self, read_list};
use crate::lenient;
use crate::{Client, Error, Result, validate};

/// A record an anonymization with the same e-mail address or telephone would change
/// (art 5000769820 sends `"number_customergauge": "10438"`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AnonymizeCandidate {
    /// CG-ID of the survey record, when sent.
    #[serde(deserialize_with = "lenient::number")]
    pub number_customergauge: Option<u64>,
    /// First name of the contact.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub first_name: Option<String>,
    /// Last name of the contact.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub last_name: Option<String>,
    /// E-mail address of the contact.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub email: Option<String>,
    /// Telephone of the contact (SMS surveys).
    #[serde(deserialize_with = "lenient::non_blank")]
    pub sms_telephone: Option<String>,
    /// Undocumented keys, as they came.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl lenient::Item for AnonymizeCandidate {
    fn extra_mut(&mut self) -> &mut serde_json::Map<String, serde_json::Value> {
        &mut self.extra
    }
}

/// What an anonymization did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AnonymizeResult {
    /// How many records were anonymized, when the service says.
    pub anonymized: Option<u64>,
    /// Any other keys of the answer, as they came.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl TryFrom<types::AnonymizeResult> for AnonymizeResult {
    type Error = Error;

    fn try_from(r: types::AnonymizeResult) -> Result<Self> {
        Ok(AnonymizeResult {
            anonymized: decode::number(
                cg_raw_anonymize::ops::EXECUTE_ANONYMIZE.id,
                "anonymized",
                r.anonymized,
            )?,
            extra: r.extra.into_iter().collect(),
        })
    }
}

/// Whose records: an e-mail address or a telephone number, exactly one, checked locally.
#[derive(Clone, Debug, Default)]
struct Target {
    email: Option<String>,
    telephone: Option<String>,
}

impl Target {
    fn checked(self) -> Result<(Option<String>, Option<String>)> {
        match (&self.email, &self.telephone) {
            (Some(email), None) => validate::email("email", email)?,
            (None, Some(phone)) => validate::phone("telephone", phone)?,
            (None, None) => {
                return Err(Error::invalid(
                    "email",
                    "give an e-mail address or a telephone number",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "telephone",
                    "give an e-mail address or a telephone number, not both",
                ));
            }
        }
        Ok((self.email, self.telephone))
    }
}

impl Client {
    /// Anonymization of a person's records.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// // A dry run first: what would be anonymized.
    /// let found = client.anonymize().validate().email("joe.doe@example.com").send().await?;
    /// if !found.is_empty() {
    ///     client.anonymize().execute().email("joe.doe@example.com").send().await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn anonymize(&self) -> Anonymize {
        Anonymize {
            client: self.clone(),
        }
    }
}

/// Anonymization: `client.anonymize()`.
#[derive(Clone, Debug)]
pub struct Anonymize {
    client: Client,
}

impl Anonymize {
    /// Dry run: the records that would be anonymized.
    pub fn validate(&self) -> ValidateAnonymize {
        ValidateAnonymize {
            client: self.client.clone(),
            target: Target::default(),
        }
    }

    /// Anonymizes every matching record. This cannot be undone.
    pub fn execute(&self) -> ExecuteAnonymize {
        ExecuteAnonymize {
            client: self.client.clone(),
            target: Target::default(),
        }
    }
}

/// `GET /v4.1/anonymize`: the dry run.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct ValidateAnonymize {
    client: Client,
    target: Target,
}

impl ValidateAnonymize {
    /// The records of this e-mail address (give this or [`telephone`](Self::telephone)).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.target.email = Some(email.into());
        self
    }

    /// The records of this telephone number (give this or [`email`](Self::email)).
    pub fn telephone(mut self, telephone: impl Into<String>) -> Self {
        self.target.telephone = Some(telephone.into());
        self
    }

    /// The matching records; empty when none match.
    pub async fn send(self) -> Result<Vec<AnonymizeCandidate>> {
        let (email, telephone) = self.target.checked()?;
        let raw = raw_client!(self.client, cg_raw_anonymize, HostFamily::Api);
        let ctx = self.client.ctx();
        let query = cg_raw_anonymize::query::ValidateAnonymize { email, telephone };
        // "No records" is an empty dry run, not a failure.
        read_list(
            ctx,
            cg_raw_anonymize::ops::VALIDATE_ANONYMIZE,
            raw.validate_anonymize_as(ctx.format.as_str(), &query),
        )
        .await
    }
}

/// `POST /v4.1/anonymize`: the irreversible run.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct ExecuteAnonymize {
    client: Client,
    target: Target,
}

impl ExecuteAnonymize {
    /// Anonymize the records of this e-mail address (give this or [`telephone`](Self::telephone)).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.target.email = Some(email.into());
        self
    }

    /// Anonymize the records of this telephone number (give this or [`email`](Self::email)).
    pub fn telephone(mut self, telephone: impl Into<String>) -> Self {
        self.target.telephone = Some(telephone.into());
        self
    }

    /// Anonymizes the records.
    pub async fn send(self) -> Result<AnonymizeResult> {
        let (email, telephone) = self.target.checked()?;
        let raw = raw_client!(self.client, cg_raw_anonymize, HostFamily::Api);
        let ctx = self.client.ctx();
        let body = types::ExecuteAnonymizeRequest { email, telephone };
        let answer = call(
            ctx,
            cg_raw_anonymize::ops::EXECUTE_ANONYMIZE.id,
            raw.execute_anonymize()
                .format(ctx.format.as_str())
                .body(body)
                .send(),
        )
        .await?;
        AnonymizeResult::try_from(answer.data)
    }
}
