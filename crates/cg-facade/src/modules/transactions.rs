//! Survey records, v4.1 (`spec/transactions.yaml`): `client.transactions()` lists them
//! (deprecated upstream in favour of `client.responses().export()`), creates and updates
//! single responses and non-responses.

use std::collections::BTreeMap;

use cg_auth::HostFamily;
use cg_raw_transactions::types;

use serde_json::{Map, Value};

use crate::call::call;
use crate::client::raw_client;
use crate::decode::{self, read_list};
use crate::lenient;
use crate::paging::{OffsetListing, OffsetPage, OffsetSource, TakesLimit, sealed};
use crate::{Client, Error, Result};

/// The most days `days` may reach back.
pub const MAX_DAYS: u32 = 365;
/// The largest page of the listing.
pub const MAX_TRANSACTION_LIMIT: u32 = 1000;

/// Sending state of a survey record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum TransactionStatus {
    /// The invitation bounced.
    Bounced,
    /// Sending failed.
    Error,
    /// Sent (or answered).
    Processed,
    /// Waiting to be sent.
    Queue,
    /// The address is on the unsubscribe list.
    Unsubscribed,
}

impl TransactionStatus {
    /// The value on the wire, e.g. `PROCESSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransactionStatus::Bounced => "BOUNCED",
            TransactionStatus::Error => "ERROR",
            TransactionStatus::Processed => "PROCESSED",
            TransactionStatus::Queue => "QUEUE",
            TransactionStatus::Unsubscribed => "UNSUBSCRIBED",
        }
    }
}

impl std::str::FromStr for TransactionStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        [
            TransactionStatus::Bounced,
            TransactionStatus::Error,
            TransactionStatus::Processed,
            TransactionStatus::Queue,
            TransactionStatus::Unsubscribed,
        ]
        .into_iter()
        .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            Error::invalid(
                "status",
                format!("{s:?} is not one of BOUNCED, ERROR, PROCESSED, QUEUE, UNSUBSCRIBED"),
            )
        })
    }
}

/// The date the date range applies to; the service supports only the order date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DateMethod {
    /// `date_order`.
    #[default]
    DateOrder,
}

/// One survey record as the listing sends it. Every field the SDK does not name
/// (account and contact data, segments, custom fields) is kept in `extra`, as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Transaction {
    /// The CG-ID (a number or numeric string on the wire; 0 when not sent).
    #[serde(deserialize_with = "lenient::count")]
    pub number_customergauge: u64,
    /// Contact e-mail address.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub email: Option<String>,
    /// Contact first name.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub first_name: Option<String>,
    /// Contact last name.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub last_name: Option<String>,
    /// Sending state as sent (see [`Transaction::status_kind`]).
    #[serde(deserialize_with = "lenient::non_blank")]
    pub status: Option<String>,
    /// Order date, `YYYY-MM-DD HH:MM:SS` as sent.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub date_order: Option<String>,
    /// When the invitation was sent.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub date_sent: Option<String>,
    /// When the survey was answered; absent for non-responses.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub date_survey_response: Option<String>,
    /// The Net Promoter Score answer (a number or numeric string on the wire).
    #[serde(deserialize_with = "lenient::number")]
    pub nps: Option<u8>,
    /// The comment.
    #[serde(deserialize_with = "lenient::non_blank")]
    pub comment: Option<String>,
    /// Every other field of the record, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl lenient::Item for Transaction {
    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.extra
    }
}

impl Transaction {
    /// The sending state, when it is one of the documented values.
    pub fn status_kind(&self) -> Option<TransactionStatus> {
        self.status.as_deref().and_then(|s| s.parse().ok())
    }

    /// Another field of the record as text (a number as its digits); `None` when absent
    /// or null.
    pub fn field(&self, name: &str) -> Option<String> {
        match self.extra.get(name)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

fn decode_problem(operation: &'static str, problem: String) -> Error {
    Error::Decode {
        operation,
        status: decode::SUCCESS_STATUS,
        problem,
        body: String::new(),
    }
}

impl Client {
    /// Survey records (v4.1): list, create, update.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// for t in client.transactions().list().days(7).filter("Region", "Europe").send().await? {
    ///     println!("{} {:?} {:?}", t.number_customergauge, t.email, t.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn transactions(&self) -> Transactions {
        Transactions {
            client: self.clone(),
        }
    }
}

/// Survey records: `client.transactions()`.
#[derive(Clone, Debug)]
pub struct Transactions {
    client: Client,
}

/// Response or non-response, for the writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Response,
    NonResponse,
}

impl Transactions {
    /// Lists survey records, up to 1000 per page. Deprecated upstream: prefer
    /// `client.responses().export()`.
    pub fn list(&self) -> ListTransactions {
        OffsetListing::from_source(self.client.clone(), TransactionSource::default())
    }

    /// Creates a response; `fields` are the mapped field names and values
    /// (`Email`, `NetPromoterScore`, `DateFormCompleted`, ... in the default mapping;
    /// the completion date is required, 400007). Returns the new CG-ID.
    pub async fn create_response<I, K, V>(&self, fields: I) -> Result<u64>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.write(Kind::Response, None, collect(fields)?).await
    }

    /// Creates a non-response (an unanswered invitation); the completion date must not
    /// be given (400008). Returns the new CG-ID.
    pub async fn create_non_response<I, K, V>(&self, fields: I) -> Result<u64>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.write(Kind::NonResponse, None, collect(fields)?).await
    }

    /// Changes fields of the response `id` (an unknown id answers 400005). Returns its CG-ID.
    pub async fn update_response<I, K, V>(&self, id: u64, fields: I) -> Result<u64>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.write(Kind::Response, Some(id), collect(fields)?).await
    }

    /// Changes fields of the non-response `id`. Returns its CG-ID.
    pub async fn update_non_response<I, K, V>(&self, id: u64, fields: I) -> Result<u64>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.write(Kind::NonResponse, Some(id), collect(fields)?)
            .await
    }

    async fn write(
        &self,
        kind: Kind,
        id: Option<u64>,
        fields: BTreeMap<String, String>,
    ) -> Result<u64> {
        if fields.is_empty() {
            return Err(Error::invalid("fields", "no fields given"));
        }
        if id.is_some() && fields.keys().any(|k| k == "id") {
            return Err(Error::invalid(
                "fields",
                "the CG-ID is the first argument; `id` must not be among the fields",
            ));
        }
        let raw = raw_client!(self.client, cg_raw_transactions, HostFamily::Api);
        let ctx = self.client.ctx();
        let format = ctx.format.as_str();
        let new = |extra| types::TransactionFields {
            comment: None,
            customer_number: None,
            date_form_completed: None,
            date_order: None,
            email: None,
            first_name: None,
            last_name: None,
            net_promoter_score: None,
            extra,
        };
        let changed = |id: u64, extra| -> Result<types::TransactionUpdateFields> {
            Ok(types::TransactionUpdateFields {
                id: crate::validate::wire_id("id", id)?,
                comment: None,
                customer_number: None,
                date_form_completed: None,
                date_order: None,
                email: None,
                first_name: None,
                last_name: None,
                net_promoter_score: None,
                extra,
            })
        };
        // The four operations differ only in their generated builder's type.
        macro_rules! send {
            ($op:ident, $method:ident, $body:expr) => {{
                let op = cg_raw_transactions::ops::$op.id;
                let sent = raw.$method().format(format).body($body).send();
                (op, call(ctx, op, sent).await?)
            }};
        }
        let (operation, answer) = match (kind, id) {
            (Kind::Response, None) => send!(CREATE_RESPONSE, create_response, new(fields)),
            (Kind::NonResponse, None) => {
                send!(CREATE_NON_RESPONSE, create_non_response, new(fields))
            }
            (Kind::Response, Some(id)) => {
                send!(UPDATE_RESPONSE, update_response, changed(id, fields)?)
            }
            (Kind::NonResponse, Some(id)) => {
                send!(
                    UPDATE_NON_RESPONSE,
                    update_non_response,
                    changed(id, fields)?
                )
            }
        };
        let id = answer
            .data
            .and_then(|d| d.id)
            .ok_or_else(|| decode_problem(operation, "the answer carries no Data.id".into()))?;
        decode::required(operation, "Data.id", Some(id))
    }
}

/// Field names must be non-empty; values are sent as given.
fn collect<I, K, V>(fields: I) -> Result<BTreeMap<String, String>>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let mut out = BTreeMap::new();
    for (k, v) in fields {
        let k: String = k.into();
        if k.trim().is_empty() {
            return Err(Error::invalid("fields", "a field name is empty"));
        }
        out.insert(k, v.into());
    }
    Ok(out)
}

/// `GET /v4.1/transactions`, up to 1000 per page: `.send()` one page or `.stream()`
/// them all; `from`/`to` is the order date.
pub type ListTransactions = OffsetListing<TransactionSource>;

/// The filters and request of [`ListTransactions`].
#[derive(Clone, Debug, Default)]
pub struct TransactionSource {
    days: Option<u32>,
    date_method: Option<DateMethod>,
    status: Option<TransactionStatus>,
    filters: Vec<(String, String)>,
}

impl ListTransactions {
    /// Only records of the last `days` days, 1 to 365.
    pub fn days(mut self, days: u32) -> Self {
        self.source_mut().days = Some(days);
        self
    }

    /// The date the range applies to (only the order date is supported).
    pub fn date_method(mut self, method: DateMethod) -> Self {
        self.source_mut().date_method = Some(method);
        self
    }

    /// Only records in this sending state.
    pub fn status(mut self, status: TransactionStatus) -> Self {
        self.source_mut().status = Some(status);
        self
    }

    /// Only records whose `field` equals `value`, sent as `filter_<field>=value`
    /// (e.g. `filter("email", "joe@example.com")`); several filters combine. A field the
    /// system does not have answers 400000. A leading `filter_` in `field` is accepted.
    pub fn filter(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        let field: String = field.into();
        let field = field
            .strip_prefix("filter_")
            .map(str::to_owned)
            .unwrap_or(field);
        self.source_mut().filters.push((field, value.into()));
        self
    }
}

impl sealed::Sealed for TransactionSource {}

impl TakesLimit for TransactionSource {}

impl OffsetSource for TransactionSource {
    type Item = Transaction;
    const MAX_LIMIT: u32 = MAX_TRANSACTION_LIMIT;

    fn check(&self) -> Result<()> {
        if let Some(days) = self.days
            && !(1..=MAX_DAYS).contains(&days)
        {
            // The service answers 400009 above 365.
            return Err(Error::invalid(
                "days",
                format!("{days} is outside 1..={MAX_DAYS}"),
            ));
        }
        for (field, _) in &self.filters {
            if field.trim().is_empty() {
                return Err(Error::invalid("filter", "a filter's field name is empty"));
            }
        }
        Ok(())
    }

    async fn page(&self, client: &Client, at: OffsetPage) -> Result<Vec<Transaction>> {
        let raw = raw_client!(client, cg_raw_transactions, HostFamily::Api);
        let ctx = client.ctx();
        let query = self.query(at);
        let answer = raw.list_transactions_as(ctx.format.as_str(), &query);
        read_list(ctx, cg_raw_transactions::ops::LIST_TRANSACTIONS, answer).await
    }
}

impl TransactionSource {
    /// The generated query, with the free-form `filter_<FIELD>` parameters.
    fn query(&self, at: OffsetPage) -> cg_raw_transactions::query::ListTransactions {
        use cg_raw_transactions::types::TransactionStatus as Wire;
        let (date_range_from, date_range_to) = at.date_range();
        cg_raw_transactions::query::ListTransactions {
            days: self.days.map(u64::from),
            date_range_from,
            date_range_to,
            date_method: self
                .date_method
                .map(|DateMethod::DateOrder| "date_order".to_owned()),
            start: Some(at.start),
            limit: Some(at.limit.into()),
            status: self.status.map(|s| match s {
                TransactionStatus::Bounced => Wire::Bounced,
                TransactionStatus::Error => Wire::Error,
                TransactionStatus::Processed => Wire::Processed,
                TransactionStatus::Queue => Wire::Queue,
                TransactionStatus::Unsubscribed => Wire::Unsubscribed,
            }),
            filters: self
                .filters
                .iter()
                .map(|(field, value)| (format!("filter_{field}"), value.clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_other_fields_and_read_numbers_as_text() {
        let rows: Vec<Transaction> = crate::lenient::items(vec![
            serde_json::json!({"number_customergauge":"7","email":"a@b.co","nps":"9","Region":"Europe","type":"response","comment":""}),
            serde_json::json!({"number_customergauge":8,"nps":""}),
            serde_json::json!({"number_customergauge":"x","email":"odd@b.co"}),
        ]);
        assert_eq!(
            (
                rows[0].number_customergauge,
                rows[0].nps,
                rows[0].comment.as_deref()
            ),
            (7, Some(9), None)
        );
        assert_eq!(rows[0].field("Region").as_deref(), Some("Europe"));
        assert_eq!((rows[1].number_customergauge, rows[1].nps), (8, None));
        // An odd id does not fail the page: the item is kept, the value in `extra`.
        assert_eq!(rows[2].email.as_deref(), Some("odd@b.co"));
        assert_eq!(rows[2].field("number_customergauge").as_deref(), Some("x"));

        #[derive(serde::Deserialize)]
        struct Xml {
            #[serde(rename = "Data", deserialize_with = "crate::lenient::data_list")]
            data: Vec<Value>,
        }
        let xml: Xml = crate::xml::from_slice(
            b"<Data><item><number_customergauge>3</number_customergauge><status>QUEUE</status><Touchpoint>Support</Touchpoint><nps/></item></Data>",
        )
        .unwrap();
        let t: Vec<Transaction> = crate::lenient::items(xml.data);
        assert_eq!(
            (t[0].number_customergauge, t[0].status_kind(), t[0].nps),
            (3, Some(TransactionStatus::Queue), None)
        );
        assert_eq!(t[0].field("Touchpoint").as_deref(), Some("Support"));
    }
}
