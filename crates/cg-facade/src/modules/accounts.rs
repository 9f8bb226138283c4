//! Account upserts, `PUT /accounts` (`spec/imports.yaml`).

use cg_auth::HostFamily;
use cg_raw_imports::types;

use crate::call::call_recorded;
use crate::client::raw_client;
use crate::{Client, Error, Result};

/// The longest account reference the service takes, in characters.
pub const MAX_REFERENCE_LEN: usize = 128;
/// The longest account number the service takes, in characters.
pub const MAX_NUMBER_LEN: usize = 255;

/// Whether `PUT /accounts` created the account or updated an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum AccountOutcome {
    /// HTTP 201: a new account.
    Created,
    /// HTTP 200: the account existed and was updated.
    Updated,
}

impl Client {
    /// Accounts: `client.accounts().put(reference)`.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let outcome = client.accounts().put("ACME").number("A-1001").region("Europe").send().await?;
    /// println!("{outcome:?}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn accounts(&self) -> Accounts {
        Accounts {
            client: self.clone(),
        }
    }
}

/// Accounts: `client.accounts()`.
#[derive(Clone, Debug)]
pub struct Accounts {
    client: Client,
}

impl Accounts {
    /// Creates the account `reference` (its name) or updates it when it exists.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::accounts::AccountOutcome;
    ///
    /// let outcome = client.accounts().put("ACME").number("ACME-001").region("Europe").send().await?;
    /// println!("{}", if outcome == AccountOutcome::Created { "created" } else { "updated" });
    /// # Ok(()) }
    /// ```
    pub fn put(&self, reference: impl Into<String>) -> PutAccount {
        PutAccount {
            client: self.client.clone(),
            reference: reference.into(),
            number: None,
            manager: None,
            parent: None,
            region: None,
        }
    }
}

/// `PUT /accounts`: one account.
#[derive(Clone, Debug)]
#[must_use = "nothing is sent until .send()"]
pub struct PutAccount {
    client: Client,
    reference: String,
    number: Option<String>,
    manager: Option<String>,
    parent: Option<String>,
    region: Option<String>,
}

impl PutAccount {
    /// The account number (at most 255 characters).
    pub fn number(mut self, number: impl Into<String>) -> Self {
        self.number = Some(number.into());
        self
    }

    /// The account manager (the service does not document the format; a user name or e-mail).
    pub fn manager(mut self, manager: impl Into<String>) -> Self {
        self.manager = Some(manager.into());
        self
    }

    /// The reference of the parent account.
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// The account's region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    fn body(&self) -> Result<types::AccountImport> {
        if self.reference.trim().is_empty() {
            return Err(Error::invalid("reference", "is required: the account name"));
        }
        let reference =
            types::AccountImportReference::try_from(self.reference.as_str()).map_err(|_| {
                Error::invalid(
                    "reference",
                    format!(
                        "has {} characters; at most {MAX_REFERENCE_LEN} are allowed",
                        self.reference.chars().count()
                    ),
                )
            })?;
        let number = match &self.number {
            None => None,
            Some(n) => Some(
                types::AccountImportNumber::try_from(n.as_str()).map_err(|_| {
                    Error::invalid(
                        "number",
                        format!(
                            "has {} characters; at most {MAX_NUMBER_LEN} are allowed",
                            n.chars().count()
                        ),
                    )
                })?,
            ),
        };
        Ok(types::AccountImport {
            reference,
            number,
            manager: self.manager.clone(),
            parent: self.parent.clone(),
            region: self.region.clone(),
        })
    }

    /// Validates the lengths, then sends. Answers [`AccountOutcome::Created`] on 201 and
    /// [`AccountOutcome::Updated`] on 200; a 422 is [`Error::Validation`].
    pub async fn send(self) -> Result<AccountOutcome> {
        let body = self.body()?;
        let raw = raw_client!(self.client, cg_raw_imports, HostFamily::Imports);
        let answer = call_recorded(
            self.client.ctx(),
            cg_raw_imports::ops::PUT_ACCOUNT.id,
            raw.put_account().body(body).send(),
        )
        .await
        .map_err(|(e, _)| e)?;
        match answer.record.last_status {
            Some(201) => Ok(AccountOutcome::Created),
            Some(200) => Ok(AccountOutcome::Updated),
            status => Err(Error::Decode {
                operation: cg_raw_imports::ops::PUT_ACCOUNT.id,
                status,
                problem: "a success status other than 200 or 201".into(),
                body: String::new(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lengths_are_checked() {
        let client = Client::builder()
            .endpoints(cg_auth::Endpoints::for_region(cg_auth::Region::Eu))
            .credentials(cg_auth::Credentials::client_credentials("id", "secret"))
            .build()
            .unwrap();
        let put = |r: &str| client.accounts().put(r);
        assert!(put(&"a".repeat(128)).number("n".repeat(255)).body().is_ok());
        assert_eq!(
            field_of(put(&"a".repeat(129)).body().unwrap_err()),
            "reference"
        );
        assert_eq!(field_of(put(" ").body().unwrap_err()), "reference");
        assert_eq!(
            field_of(put("ACME").number("n".repeat(256)).body().unwrap_err()),
            "number"
        );
        assert!(
            put(&"é".repeat(128)).body().is_ok(),
            "characters, not bytes"
        );
    }
}
