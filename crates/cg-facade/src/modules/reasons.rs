//! Reason codes (`spec/reasons.yaml`): what respondents can pick as the reason for their score.

use std::fmt;

use cg_auth::HostFamily;
use cg_raw_reasons::types;

use crate::call::call;
use crate::client::raw_client;
use crate::decode;
use crate::{Client, Error, Result};

/// Who is shown a reason code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShowFor {
    /// Promoters (score 9-10): `Promoter`.
    Promoter,
    /// Detractors and passives (score 0-8): `Detractor&Neutral`.
    DetractorAndNeutral,
}

impl ShowFor {
    /// The value the service uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ShowFor::Promoter => "Promoter",
            ShowFor::DetractorAndNeutral => "Detractor&Neutral",
        }
    }
}

impl fmt::Display for ShowFor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ShowFor {
    type Err = Error;

    /// `Promoter` or `Detractor&Neutral` (any case).
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

/// Whether a reason is positive or negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GoodBad {
    /// `pos`.
    Pos,
    /// `neg`.
    Neg,
}

/// One reason code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// Its identifier.
    pub reason_code: u64,
    /// Its number within its list, when sent.
    pub numeration: Option<u64>,
    /// Its display order, when sent.
    pub position: Option<u64>,
    /// Who is shown it, when sent.
    pub show_for: Option<ShowFor>,
    /// Positive or negative, when sent.
    pub good_bad: Option<GoodBad>,
    /// The main (level 1) category it belongs to, when sent.
    pub category_main: Option<u64>,
    /// Its level in the two-level hierarchy (1 or 2), when sent.
    pub level: Option<u8>,
    /// Its text as respondents see it.
    pub label: String,
}

fn decode_error(field: &str, value: &str, what: &str) -> Error {
    Error::Decode {
        operation: "listReasons",
        status: Some(200),
        problem: format!("{field} {value:?} is not {what}"),
        body: value.to_string(),
    }
}

impl TryFrom<types::Reason> for Reason {
    type Error = Error;

    fn try_from(r: types::Reason) -> Result<Self> {
        let reason_code = decode::required("listReasons", "reason_code", r.reason_code)?;
        let show_for = match r.show_for.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<ShowFor>()
                    .map_err(|_| decode_error("show_for", s, "Promoter or Detractor&Neutral"))?,
            ),
        };
        Ok(Reason {
            reason_code,
            numeration: decode::number("listReasons", "numeration", r.numeration)?,
            position: decode::number("listReasons", "position", r.position)?,
            show_for,
            good_bad: r.good_bad.map(|g| match g {
                types::ReasonGoodBad::Pos => GoodBad::Pos,
                types::ReasonGoodBad::Neg => GoodBad::Neg,
            }),
            category_main: decode::number("listReasons", "category_main", r.category_main)?,
            level: decode::number("listReasons", "level", r.level)?,
            label: r.label.unwrap_or_default(),
        })
    }
}

impl Client {
    /// Reason codes.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::reasons::ShowFor;
    /// for reason in client.reasons().list().show_for(ShowFor::Promoter).send().await? {
    ///     println!("{} {}", reason.reason_code, reason.label);
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
        let mut request = raw.list_reasons().format(ctx.format.as_str());
        if let Some(show_for) = self.show_for {
            request = request.show_for(match show_for {
                ShowFor::Promoter => types::ListReasonsShowFor::Promoter,
                ShowFor::DetractorAndNeutral => types::ListReasonsShowFor::DetractorNeutral,
            });
        }
        let reasons = decode::empty_when_none(
            call(ctx, "listReasons", request.send())
                .await
                .map(|a| a.data),
        )?;
        reasons.into_iter().map(Reason::try_from).collect()
    }
}
