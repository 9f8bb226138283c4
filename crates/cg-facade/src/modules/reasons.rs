//! Reason codes (`spec/reasons.yaml`): what respondents can pick as the reason for their score.

use cg_auth::HostFamily;
use serde_json::{Map, Value};

use crate::client::raw_client;
use crate::decode::read_list;
use crate::lenient::{self, open_enum};
use crate::{Client, Error, Result};

open_enum!(
    /// Who is shown a reason code (others kept as sent).
    ShowFor {
        /// Promoters (score 9-10): `Promoter`.
        Promoter = "Promoter",
        /// Detractors and passives (score 0-8): `Detractor&Neutral`.
        DetractorAndNeutral = "Detractor&Neutral",
    }
);

impl std::str::FromStr for ShowFor {
    type Err = Error;

    /// `Promoter` or `Detractor&Neutral` (any case): what a caller may ask for.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "promoter" => Ok(ShowFor::Promoter),
            "detractor&neutral" => Ok(ShowFor::DetractorAndNeutral),
            _ => Err(Error::invalid(
                "show_for",
                format!("{s:?} is neither Promoter nor Detractor&Neutral"),
            )),
        }
    }
}

open_enum!(
    /// Whether a reason is positive or negative (others kept as sent).
    GoodBad {
        /// `pos`.
        Pos = "pos",
        /// `neg`.
        Neg = "neg",
    }
);

/// One reason code. The code is text: no document fixes its format (art 5000722471
/// sends `"11060"`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Reason {
    /// Its identifier, as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub reason_code: Option<String>,
    /// Its number within its list (e.g. `1.6`), as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub numeration: Option<String>,
    /// Its display order, when sent.
    #[serde(deserialize_with = "lenient::number")]
    pub position: Option<u64>,
    /// Who is shown it, when sent.
    pub show_for: Option<ShowFor>,
    /// Positive or negative, when sent.
    pub good_bad: Option<GoodBad>,
    /// The main (level 1) category it belongs to, as sent (an id or a name).
    #[serde(deserialize_with = "lenient::text")]
    pub category_main: Option<String>,
    /// Its level in the two-level hierarchy (1 or 2), when sent.
    #[serde(deserialize_with = "lenient::number")]
    pub level: Option<u8>,
    /// Its text as respondents see it.
    #[serde(deserialize_with = "lenient::text")]
    pub label: Option<String>,
    /// Fields this SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for Reason {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

impl Client {
    /// Reason codes.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::reasons::ShowFor;
    /// for reason in client.reasons().list().show_for(ShowFor::Promoter).send().await? {
    ///     println!("{:?} {:?}", reason.reason_code, reason.label);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn reasons(&self) -> Reasons {
        Reasons {
            client: self.clone(),
        }
    }
}

/// Reason codes: `client.reasons()`.
#[derive(Clone, Debug)]
pub struct Reasons {
    client: Client,
}

impl Reasons {
    /// Lists reason codes (all of them unless [`ListReasons::show_for`] narrows it).
    pub fn list(&self) -> ListReasons {
        ListReasons {
            client: self.client.clone(),
            show_for: None,
        }
    }
}

/// `GET /v4.1/reasons`.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until .send()"]
pub struct ListReasons {
    client: Client,
    show_for: Option<ShowFor>,
}

impl ListReasons {
    /// Only the reasons shown to this group.
    pub fn show_for(mut self, show_for: ShowFor) -> Self {
        self.show_for = Some(show_for);
        self
    }

    /// The reason codes, in the service's order; empty when there are none.
    pub async fn send(self) -> Result<Vec<Reason>> {
        let raw = raw_client!(self.client, cg_raw_reasons, HostFamily::Api);
        let ctx = self.client.ctx();
        let query = cg_raw_reasons::query::ListReasons {
            show_for: self.show_for.as_ref().map(|s| s.as_str().to_owned()),
        };
        read_list(
            ctx,
            cg_raw_reasons::ops::LIST_REASONS,
            raw.list_reasons_as(ctx.format.as_str(), &query),
        )
        .await
    }
}
