//! The v7 export of survey responses and non-responses, cursor paged
//! (`GET /v7/rest/sync/responses`, `/v7/rest/sync/non-responses`, `spec/sync.yaml`):
//! `client.responses()`.

use cg_raw_sync::types;

use serde_json::{Map, Value};

use crate::client::raw_client;
use crate::lenient;
use crate::paging::{CursorListing, CursorPage, CursorSource, Page, sealed};
use crate::sync_page::{cursor_page, wire_cursor};
use crate::{Client, Result};
use cg_auth::HostFamily;

/// The largest export page.
pub const MAX_PER_PAGE: u32 = 1000;

/// Which date a period filters on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeriodField {
    /// When the record was created.
    DateCreation,
    /// The order (transaction) date.
    DateOrder,
    /// When the survey was sent.
    DateSent,
    /// When the survey was answered.
    DateSurveyResponse,
}

impl From<PeriodField> for types::PeriodField {
    fn from(f: PeriodField) -> Self {
        match f {
            PeriodField::DateCreation => types::PeriodField::DateCreation,
            PeriodField::DateOrder => types::PeriodField::DateOrder,
            PeriodField::DateSent => types::PeriodField::DateSent,
            PeriodField::DateSurveyResponse => types::PeriodField::DateSurveyResponse,
        }
    }
}

/// Expansions of each exported item (`with[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum With {
    /// The drivers (self-select reasons) chosen.
    Drivers,
    /// Tags.
    Tags,
    /// Additional questions and their answers.
    Questions,
    /// Segment data (`properties`).
    Properties,
}

impl From<With> for types::ExportResponsesWithItem {
    fn from(w: With) -> Self {
        match w {
            With::Drivers => types::ExportResponsesWithItem::Drivers,
            With::Tags => types::ExportResponsesWithItem::Tags,
            With::Questions => types::ExportResponsesWithItem::Questions,
            With::Properties => types::ExportResponsesWithItem::Properties,
        }
    }
}

impl From<With> for types::ExportNonResponsesWithItem {
    fn from(w: With) -> Self {
        match w {
            With::Drivers => types::ExportNonResponsesWithItem::Drivers,
            With::Tags => types::ExportNonResponsesWithItem::Tags,
            With::Questions => types::ExportNonResponsesWithItem::Questions,
            With::Properties => types::ExportNonResponsesWithItem::Properties,
        }
    }
}

/// A segment value of a survey (`with[]=properties`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SurveyProperty {
    /// The field (segment) name.
    #[serde(deserialize_with = "lenient::text")]
    pub field: Option<String>,
    /// Its value.
    #[serde(deserialize_with = "lenient::text")]
    pub reference: Option<String>,
    /// Fields this SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A driver chosen in the survey (`with[]=drivers`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SurveyDriver {
    /// The driver's label.
    #[serde(deserialize_with = "lenient::text")]
    pub label: Option<String>,
    /// Fields this SDK does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One exported survey: a response, or a non-response (answer fields absent).
///
/// Contact and account data arrive flat (`first_name`, `account_name`) or nested
/// (`contact: {first_name}`, `account: {name}`, the v6 shape, art 5000875861); both land
/// in the flat fields. Fields the SDK cannot read, or does not know, are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SurveyResponse {
    /// The CG-ID (a number or a numeric string on the wire).
    #[serde(deserialize_with = "lenient::number")]
    pub number_customergauge: Option<u64>,
    /// The customer number.
    #[serde(deserialize_with = "lenient::text")]
    pub number_customer: Option<String>,
    /// Contact e-mail address.
    #[serde(deserialize_with = "lenient::text")]
    pub email: Option<String>,
    /// Contact phone.
    #[serde(deserialize_with = "lenient::text")]
    pub phone: Option<String>,
    /// Contact first name.
    #[serde(deserialize_with = "lenient::text")]
    pub first_name: Option<String>,
    /// Contact last name.
    #[serde(deserialize_with = "lenient::text")]
    pub last_name: Option<String>,
    /// The account's name.
    #[serde(deserialize_with = "lenient::text")]
    pub account_name: Option<String>,
    /// The account's number.
    #[serde(deserialize_with = "lenient::text")]
    pub account_number: Option<String>,
    /// The Net Promoter Score answer, 0 to 10; absent for non-responses.
    #[serde(deserialize_with = "lenient::number")]
    pub nps: Option<u8>,
    /// The comment.
    #[serde(deserialize_with = "lenient::text")]
    pub comment: Option<String>,
    /// When the record was created, `YYYY-MM-DD HH:MM:SS` as sent.
    #[serde(deserialize_with = "lenient::text")]
    pub date_creation: Option<String>,
    /// The order date.
    #[serde(deserialize_with = "lenient::text")]
    pub date_order: Option<String>,
    /// When the survey was sent.
    #[serde(deserialize_with = "lenient::text")]
    pub date_sent: Option<String>,
    /// When the survey was answered; absent for non-responses.
    #[serde(deserialize_with = "lenient::text")]
    pub date_survey_response: Option<String>,
    /// Segment data (with [`With::Properties`]).
    #[serde(deserialize_with = "lenient::list")]
    pub properties: Vec<SurveyProperty>,
    /// The drivers chosen (with [`With::Drivers`]).
    #[serde(deserialize_with = "lenient::list")]
    pub drivers: Vec<SurveyDriver>,
    /// Tags (with [`With::Tags`]).
    #[serde(deserialize_with = "lenient::list")]
    pub tags: Vec<String>,
    /// Additional questions, as sent (with [`With::Questions`]).
    #[serde(deserialize_with = "lenient::list")]
    pub questions: Vec<Map<String, Value>>,
    /// Fields this SDK does not know (or could not read), as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for SurveyResponse {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

impl SurveyResponse {
    /// The value of a segment, when exported with [`With::Properties`].
    pub fn property(&self, field: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.field.as_deref() == Some(field))
            .and_then(|p| p.reference.as_deref())
    }

    /// Labels of the drivers chosen.
    pub fn driver_labels(&self) -> impl Iterator<Item = &str> {
        self.drivers.iter().filter_map(|d| d.label.as_deref())
    }

    /// Moves the nested `contact` / `account` objects into the flat fields (a flat value
    /// wins); keys the SDK does not know stay in `extra` under the object's name.
    fn flatten_nested(mut self) -> Self {
        for (object, keys) in [
            (
                "contact",
                &[
                    ("first_name", 0usize),
                    ("last_name", 1),
                    ("email", 2),
                    ("phone", 3),
                ][..],
            ),
            ("account", &[("name", 4), ("number", 5)][..]),
        ] {
            let Some(Value::Object(mut nested)) = self.extra.remove(object) else {
                continue;
            };
            for (key, slot) in keys {
                let Some(value) = nested.remove(*key) else {
                    continue;
                };
                let text = match value {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
                    odd => {
                        nested.insert((*key).to_owned(), odd);
                        continue;
                    }
                };
                let field = match slot {
                    0 => &mut self.first_name,
                    1 => &mut self.last_name,
                    2 => &mut self.email,
                    3 => &mut self.phone,
                    4 => &mut self.account_name,
                    _ => &mut self.account_number,
                };
                if field.is_none() {
                    *field = text;
                }
            }
            if !nested.is_empty() {
                self.extra.insert(object.to_owned(), Value::Object(nested));
            }
        }
        self
    }
}

impl Client {
    /// The v7 export of survey responses and non-responses.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// use cg_facade::modules::responses::With;
    /// use futures::StreamExt;
    /// let mut export = client.responses().export().with(&[With::Drivers]).per_page(1000).stream();
    /// while let Some(response) = export.next().await {
    ///     let response = response?;
    ///     println!("{:?} {:?}", response.number_customergauge, response.nps);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn responses(&self) -> Responses {
        Responses {
            client: self.clone(),
        }
    }
}

/// The v7 export: `client.responses()`.
#[derive(Clone, Debug)]
pub struct Responses {
    client: Client,
}

impl Responses {
    /// Exports answered surveys, oldest first.
    pub fn export(&self) -> Export {
        CursorListing::from_source(self.client.clone(), ExportSource::new(true))
    }

    /// Exports surveys sent but not answered, oldest first.
    pub fn export_non_responses(&self) -> Export {
        CursorListing::from_source(self.client.clone(), ExportSource::new(false))
    }
}

/// A cursor-paged export (`GET /v7/rest/sync/responses` or `/non-responses`):
/// `.stream()` every item, or `.send()` one page and keep its cursor to resume later
/// (`.cursor(..)`). `since`/`until` apply to the date [`period_field`](Export::period_field)
/// names.
pub type Export = CursorListing<ExportSource>;

/// The filters and request of [`Export`].
#[derive(Clone, Debug)]
pub struct ExportSource {
    responses: bool,
    period_field: Option<PeriodField>,
    with: Vec<With>,
}

impl ExportSource {
    fn new(responses: bool) -> Self {
        ExportSource {
            responses,
            period_field: None,
            with: Vec::new(),
        }
    }
}

impl Export {
    /// The date [`since`](Self::since) and [`until`](Self::until) apply to (the
    /// service's default is the creation date).
    pub fn period_field(mut self, field: PeriodField) -> Self {
        self.source_mut().period_field = Some(field);
        self
    }

    /// Expansions of each item; repeated calls add to the list.
    pub fn with(mut self, with: &[With]) -> Self {
        let source = self.source_mut();
        for w in with {
            if !source.with.contains(w) {
                source.with.push(*w);
            }
        }
        self
    }
}

impl sealed::Sealed for ExportSource {}

impl CursorSource for ExportSource {
    type Item = SurveyResponse;
    const MAX_PER_PAGE: u32 = MAX_PER_PAGE;

    async fn page(&self, client: &Client, at: CursorPage) -> Result<Page<SurveyResponse>> {
        let raw = raw_client!(client, cg_raw_sync, HostFamily::Api);
        let ctx = client.ctx();
        let per_page = Some(at.per_page.into());
        let cursor = wire_cursor(&at);
        let with = self
            .with
            .iter()
            .map(|w| types::ExportResponsesWithItem::from(*w).to_string())
            .collect();
        let period_field = self.period_field.map(types::PeriodField::from);
        let page: Page<SurveyResponse> = if self.responses {
            let query = cg_raw_sync::query::ExportResponses {
                per_page,
                cursor,
                with,
                period_field,
                period_start: at.since,
                period_end: at.until,
            };
            let answer = raw.export_responses_as(&query);
            cursor_page(ctx, cg_raw_sync::ops::EXPORT_RESPONSES, answer).await?
        } else {
            let query = cg_raw_sync::query::ExportNonResponses {
                per_page,
                cursor,
                with,
                period_field,
                period_start: at.since,
                period_end: at.until,
            };
            let answer = raw.export_non_responses_as(&query);
            cursor_page(ctx, cg_raw_sync::ops::EXPORT_NON_RESPONSES, answer).await?
        };
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(SurveyResponse::flatten_nested)
                .collect(),
            next: page.next,
        })
    }
}
