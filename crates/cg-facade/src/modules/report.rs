//! The NPS report (`spec/report.yaml`), with free-form `filter_<Segment>` parameters
//! (the generated `query::GetNpsReport` carries them, from `x-cg-query-prefix`).

use std::collections::BTreeMap;

use cg_auth::HostFamily;
use cg_raw_report::{query, types};
use chrono::NaiveDate;

use crate::call::call;
use crate::client::raw_client;
use crate::decode;
use crate::{Client, Error, Result, validate};

const OPERATION: &str = cg_raw_report::ops::GET_NPS_REPORT.id;

/// The Net Promoter Score of the responses in a range.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NpsReport {
    /// The score, -100 to 100 (may have decimals); `None` when the service sends none.
    pub nps: Option<f64>,
    /// Promoters counted (score 9-10), when sent.
    pub promoters: Option<u64>,
    /// Passives counted (score 7-8), when sent.
    pub passives: Option<u64>,
    /// Detractors counted (score 0-6), when sent.
    pub detractors: Option<u64>,
    /// Responses counted, when sent.
    pub responses: Option<u64>,
    /// Any other keys of the answer, as they came.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

fn decode_error(field: &str, value: String) -> Error {
    Error::Decode {
        operation: OPERATION,
        status: Some(200),
        problem: format!("{field} {value:?} is not a number"),
        body: value,
    }
}

impl TryFrom<types::NpsReport> for NpsReport {
    type Error = Error;

    fn try_from(r: types::NpsReport) -> Result<Self> {
        let nps = match r.nps {
            None => None,
            Some(types::NumberOrString::Double(n)) => Some(n),
            Some(types::NumberOrString::String(s)) if s.trim().is_empty() => None,
            Some(types::NumberOrString::String(s)) => Some(
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| decode_error("nps", s))?,
            ),
        };
        Ok(NpsReport {
            nps,
            promoters: decode::number(OPERATION, "promoters", r.promoters)?,
            passives: decode::number(OPERATION, "passives", r.passives)?,
            detractors: decode::number(OPERATION, "detractors", r.detractors)?,
            responses: decode::number(OPERATION, "responses", r.responses)?,
            extra: r.extra.into_iter().collect(),
        })
    }
}

impl Client {
    /// Reports.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let report = client.report().nps().filter("Region", "Europe").send().await?;
    /// println!("NPS {:?} over {:?} responses", report.nps, report.responses);
    /// # Ok(())
    /// # }
    /// ```
    pub fn report(&self) -> Report {
        Report {
            client: self.clone(),
        }
    }
}

/// Reports: `client.report()`.
#[derive(Clone, Debug)]
pub struct Report {
    client: Client,
}

impl Report {
    /// The Net Promoter Score, optionally for a date range and segments.
    pub fn nps(&self) -> GetNpsReport {
        GetNpsReport {
            client: self.client.clone(),
            from: None,
            to: None,
            filters: Vec::new(),
        }
    }
}

/// `GET /v4.1/report/nps`.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until .send()"]
pub struct GetNpsReport {
    client: Client,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    filters: Vec<(String, String)>,
}

impl GetNpsReport {
    /// Responses on or after this day (with [`to`](Self::to)).
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.from = Some(day);
        self
    }

    /// Responses on or before this day (with [`from`](Self::from)).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.to = Some(day);
        self
    }

    /// Only responses whose field `segment` (e.g. `Region`) is `value`; sent as
    /// `filter_<segment>=<value>`. A second filter on the same segment replaces the first.
    /// The service refuses an unknown segment (400000).
    pub fn filter(mut self, segment: impl Into<String>, value: impl Into<String>) -> Self {
        let segment = segment.into();
        self.filters.retain(|(s, _)| *s != segment);
        self.filters.push((segment, value.into()));
        self
    }

    fn query(&self) -> Result<query::GetNpsReport> {
        validate::date_range(self.from, self.to)?;
        let mut query = query::GetNpsReport::default();
        if let (Some(from), Some(to)) = (self.from, self.to) {
            query.date_range_from = Some(from);
            query.date_range_to = Some(to);
        }
        for (segment, value) in &self.filters {
            if segment.trim().is_empty() {
                return Err(Error::invalid("filter", "the segment name is empty"));
            }
            if value.is_empty() {
                return Err(Error::invalid(
                    format!("filter_{segment}"),
                    "the value is empty",
                ));
            }
            query
                .filters
                .insert(format!("filter_{segment}"), value.clone());
        }
        Ok(query)
    }

    /// The report.
    pub async fn send(self) -> Result<NpsReport> {
        let query = self.query()?;
        let raw = raw_client!(self.client, cg_raw_report, HostFamily::Api);
        let ctx = self.client.ctx();
        let answer: types::NpsReportResponse = call(
            ctx,
            OPERATION,
            raw.get_nps_report_as(ctx.format.as_str(), &query),
        )
        .await?;
        NpsReport::try_from(answer.data)
    }
}
