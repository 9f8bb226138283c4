//! The v7 export of survey responses and non-responses, cursor paged
//! (`GET /v7/rest/sync/responses`, `/v7/rest/sync/non-responses`, `spec/sync.yaml`):
//! `client.responses()`.

use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::BoxStream;

use cg_auth::HostFamily;
use cg_raw_sync::types;

use crate::call::call;
use crate::client::raw_client;
use crate::paging::{Fetch, Page, PageCursor, walk};
use crate::{Client, Error, Result};

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyProperty {
    /// The field (segment) name.
    pub field: String,
    /// Its value.
    pub reference: Option<String>,
}

/// One exported survey: a response, or a non-response (answer fields absent).
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyResponse {
    /// The CG-ID.
    pub number_customergauge: u64,
    /// The customer number.
    pub number_customer: Option<String>,
    /// Contact e-mail address.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Contact first name.
    pub first_name: Option<String>,
    /// Contact last name.
    pub last_name: Option<String>,
    /// The account's name.
    pub account_name: Option<String>,
    /// The account's number.
    pub account_number: Option<String>,
    /// The Net Promoter Score answer, 0 to 10; absent for non-responses.
    pub nps: Option<u8>,
    /// The comment.
    pub comment: Option<String>,
    /// When the record was created, `YYYY-MM-DD HH:MM:SS` as sent.
    pub date_creation: Option<String>,
    /// The order date.
    pub date_order: Option<String>,
    /// When the survey was sent.
    pub date_sent: Option<String>,
    /// When the survey was answered; absent for non-responses.
    pub date_survey_response: Option<String>,
    /// Segment data (with [`With::Properties`]).
    pub properties: Vec<SurveyProperty>,
    /// Labels of the drivers chosen (with [`With::Drivers`]).
    pub drivers: Vec<String>,
    /// Tags (with [`With::Tags`]).
    pub tags: Vec<String>,
    /// Additional questions, as sent (with [`With::Questions`]).
    pub questions: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl SurveyResponse {
    /// The value of a segment, when exported with [`With::Properties`].
    pub fn property(&self, field: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.field == field)
            .and_then(|p| p.reference.as_deref())
    }
}

fn survey(operation: &'static str, raw: types::SurveyResponse) -> Result<SurveyResponse> {
    let decode = |problem: String| Error::Decode {
        operation,
        status: None,
        problem,
        body: String::new(),
    };
    let id = raw
        .number_customergauge
        .ok_or_else(|| decode("an exported item has no number_customergauge".into()))?;
    let id_text = id.to_string();
    let number_customergauge = id_text.trim().parse().map_err(|_| {
        decode(format!(
            "number_customergauge {id_text:?} is not a non-negative whole number"
        ))
    })?;
    let nps = match raw.nps {
        None => None,
        Some(n) => Some(
            u8::try_from(n)
                .ok()
                .filter(|n| *n <= 10)
                .ok_or_else(|| decode(format!("nps {n} is not a score from 0 to 10")))?,
        ),
    };
    Ok(SurveyResponse {
        number_customergauge,
        number_customer: raw.number_customer,
        email: raw.email,
        phone: raw.phone,
        first_name: raw.first_name,
        last_name: raw.last_name,
        account_name: raw.account_name,
        account_number: raw.account_number,
        nps,
        comment: raw.comment,
        date_creation: raw.date_creation,
        date_order: raw.date_order,
        date_sent: raw.date_sent,
        date_survey_response: raw.date_survey_response,
        properties: raw
            .properties
            .into_iter()
            .filter_map(|p| {
                p.field.map(|field| SurveyProperty {
                    field,
                    reference: p.reference,
                })
            })
            .collect(),
        drivers: raw.drivers.into_iter().filter_map(|d| d.label).collect(),
        tags: raw.tags,
        questions: raw.questions.into_iter().map(|q| q.0).collect(),
    })
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
    ///     println!("{} {:?}", response.number_customergauge, response.nps);
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
        Export::new(self.client.clone(), true)
    }

    /// Exports surveys sent but not answered, oldest first.
    pub fn export_non_responses(&self) -> Export {
        Export::new(self.client.clone(), false)
    }
}

/// A cursor-paged export: `.stream()` every item, or `.send()` one page and keep its
/// cursor to resume later (`.cursor(..)`).
#[derive(Clone, Debug)]
#[must_use = "an export does nothing until .send() or .stream()"]
pub struct Export {
    client: Client,
    responses: bool,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    period_field: Option<PeriodField>,
    with: Vec<With>,
    per_page: u32,
    cursor: Option<String>,
}

impl Export {
    fn new(client: Client, responses: bool) -> Self {
        Export {
            client,
            responses,
            since: None,
            until: None,
            period_field: None,
            with: Vec::new(),
            per_page: MAX_PER_PAGE,
            cursor: None,
        }
    }

    /// Only surveys whose period date (see [`period_field`](Self::period_field)) is on
    /// or after this day.
    pub fn since(mut self, day: NaiveDate) -> Self {
        self.since = Some(day);
        self
    }

    /// Only surveys whose period date is on or before this day.
    pub fn until(mut self, day: NaiveDate) -> Self {
        self.until = Some(day);
        self
    }

    /// The date [`since`](Self::since) and [`until`](Self::until) apply to (the
    /// service's default is the creation date).
    pub fn period_field(mut self, field: PeriodField) -> Self {
        self.period_field = Some(field);
        self
    }

    /// Expansions of each item; repeated calls add to the list.
    pub fn with(mut self, with: &[With]) -> Self {
        for w in with {
            if !self.with.contains(w) {
                self.with.push(*w);
            }
        }
        self
    }

    /// Items per page, 1 to 1000 (default 1000, the vendor's advice for a first load).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Resumes after the page that handed out this cursor ([`Page::next`]).
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into()).filter(|c| !c.is_empty());
        self
    }

    fn operation(&self) -> &'static str {
        if self.responses {
            "exportResponses"
        } else {
            "exportNonResponses"
        }
    }

    fn fetch(&self) -> Result<Fetch<SurveyResponse>> {
        if self.per_page == 0 || self.per_page > MAX_PER_PAGE {
            return Err(Error::invalid(
                "per_page",
                format!("{} is outside 1..={MAX_PER_PAGE}", self.per_page),
            ));
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since > until
        {
            return Err(Error::invalid(
                "since",
                format!("{since} is after until {until}"),
            ));
        }
        let this = self.clone();
        Ok(Arc::new(move |cursor| {
            let this = this.clone();
            Box::pin(async move {
                let PageCursor::Token(token) = cursor else {
                    return Err(Error::invalid("cursor", "the export pages by cursor"));
                };
                let raw = raw_client!(this.client, cg_raw_sync, HostFamily::Api);
                let ctx = this.client.ctx();
                let operation = this.operation();
                let per_page = u64::from(this.per_page);
                let field = this.period_field.map(types::PeriodField::from);
                macro_rules! export {
                    ($builder:expr, $with:ty) => {{
                        let mut request = $builder.per_page(per_page);
                        if let Some(token) = token {
                            request = request.cursor(token);
                        }
                        if let Some(field) = field {
                            request = request.period_field(field);
                        }
                        if let Some(since) = this.since {
                            request = request.period_start(since);
                        }
                        if let Some(until) = this.until {
                            request = request.period_end(until);
                        }
                        if !this.with.is_empty() {
                            request = request.with(
                                this.with
                                    .iter()
                                    .map(|w| <$with>::from(*w))
                                    .collect::<Vec<_>>(),
                            );
                        }
                        call(ctx, operation, request.send()).await?
                    }};
                }
                let page: types::SyncResponsesPage = if this.responses {
                    export!(raw.export_responses(), types::ExportResponsesWithItem)
                } else {
                    export!(
                        raw.export_non_responses(),
                        types::ExportNonResponsesWithItem
                    )
                };
                let items = page
                    .data
                    .into_iter()
                    .map(|r| survey(operation, r))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Page {
                    items,
                    next: page.cursor.and_then(|c| c.next),
                })
            })
        }))
    }

    /// One page from the configured cursor (or the start): its items and the cursor
    /// to resume from. The export is complete when a page comes back empty.
    pub async fn send(self) -> Result<Page<SurveyResponse>> {
        let cursor = self.cursor.clone();
        (self.fetch()?)(PageCursor::Token(cursor)).await
    }

    /// Every item from the configured cursor (or the start) on, until a page is empty.
    pub fn stream(self) -> BoxStream<'static, Result<SurveyResponse>> {
        let first = PageCursor::Token(self.cursor.clone());
        walk(self.fetch(), first, self.client.inner.prefetch)
    }
}
