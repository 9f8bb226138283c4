//! Single-record imports, `PUT /records/` (`spec/imports.yaml`), and the [`Record`]
//! type bulk import shares.
//!
//! A record import sends a survey, so a resend is never blind: the retrying middleware
//! resends an attempt whose fate is unknown only under
//! [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy), and when the resend is
//! answered `duplicates with <CG-ID>` the record counts as imported
//! ([`RecordOutcome::ImportedConfirmedByDuplicate`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use cg_auth::HostFamily;
use cg_errors::envelope::ValidationErrors;
use cg_raw_imports::types;

use crate::call::{call_recorded, call_recorded_with};
use crate::client::raw_client;
use crate::runtime::CallRecord;
use crate::{Client, Error, Result, validate};

/// The record key the service reads the contact's e-mail address from.
pub const EMAIL_FIELD: &str = "Email";
/// The record key the service reads the contact's phone number from.
pub const PHONE_FIELD: &str = "Phone";

/// One record to import: field names of the Inbound Mapping to values, in the order
/// they were set (setting a name again replaces its value in place).
///
/// ```
/// use cg_facade::modules::records::Record;
///
/// let record = Record::new().field("Email", "joe@example.com").field("Account Name", "ACME");
/// assert_eq!(record.get("Email"), Some("joe@example.com"));
/// let same: Record = [("Email", "joe@example.com"), ("Account Name", "ACME")].into_iter().collect();
/// assert_eq!(record, same);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Record {
    fields: Vec<(String, String)>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Record::default()
    }

    /// Sets a field (builder style).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Sets a field; an existing field of that name keeps its position.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.fields.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name, value)),
        }
    }

    /// Removes a field and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let i = self.fields.iter().position(|(k, _)| k == name)?;
        Some(self.fields.remove(i).1)
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The `Email` field, when set and not blank.
    pub fn email(&self) -> Option<&str> {
        self.get(EMAIL_FIELD).filter(|v| !v.trim().is_empty())
    }

    /// The `Phone` field, when set and not blank.
    pub fn phone(&self) -> Option<&str> {
        self.get(PHONE_FIELD).filter(|v| !v.trim().is_empty())
    }

    /// Checks the rules the service states for every record, without sending anything:
    /// a field name is not empty, `Email` or `Phone` is given (a blank value counts as
    /// absent), `Email` is an e-mail address and `Phone` holds only digits, space and
    /// `( ) - +`. The mapping's own field settings are checked by the service.
    pub fn validate(&self) -> Result<()> {
        match self.problems().into_iter().next() {
            Some((field, problem)) => Err(Error::InvalidInput { field, problem }),
            None => Ok(()),
        }
    }

    /// Every rule [`validate`](Self::validate) checks that this record breaks, as
    /// (field, problem) pairs.
    pub(crate) fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.fields.is_empty() {
            out.push((
                "record".to_owned(),
                "has no fields; give at least Email or Phone".to_owned(),
            ));
            return out;
        }
        if self.fields.iter().any(|(k, _)| k.trim().is_empty()) {
            out.push((
                "record".to_owned(),
                "has a field with an empty name".to_owned(),
            ));
        }
        match (self.email(), self.phone()) {
            (None, None) => {
                let mut problem =
                    "is required when Phone is not present (give Email or Phone)".to_owned();
                if let Some(near) = self.near_miss() {
                    problem.push_str(&format!(
                        "; found {near:?}: field names are case-sensitive and must be spelled as in the Inbound Mapping"
                    ));
                }
                out.push((EMAIL_FIELD.to_owned(), problem));
            }
            (email, phone) => {
                if let Some(Err(Error::InvalidInput { field, problem })) =
                    email.map(|e| validate::email(EMAIL_FIELD, e))
                {
                    out.push((field, problem));
                }
                if let Some(Err(Error::InvalidInput { field, problem })) =
                    phone.map(|p| validate::phone(PHONE_FIELD, p))
                {
                    out.push((field, problem));
                }
            }
        }
        out
    }

    /// A key that looks like `Email` or `Phone` but is spelled differently.
    fn near_miss(&self) -> Option<&str> {
        let squash = |s: &str| {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        };
        self.fields.iter().map(|(k, _)| k.as_str()).find(|k| {
            matches!(
                squash(k).as_str(),
                "email" | "phone" | "emailaddress" | "phonenumber" | "telephone"
            )
        })
    }

    /// A key the bracketed form encoding cannot carry (`record[a]b]` is ambiguous).
    fn form_unsafe_key(&self) -> Option<&str> {
        self.fields
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| k.contains(['[', ']']))
    }

    fn to_map(&self) -> BTreeMap<String, String> {
        self.fields.iter().cloned().collect()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Record {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut record = Record::new();
        record.extend(iter);
        record
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Record {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.set(k, v);
        }
    }
}

impl From<BTreeMap<String, String>> for Record {
    fn from(map: BTreeMap<String, String>) -> Self {
        map.into_iter().collect()
    }
}

impl From<HashMap<String, String>> for Record {
    fn from(map: HashMap<String, String>) -> Self {
        map.into_iter().collect()
    }
}

impl IntoIterator for Record {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl serde::Serialize for Record {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Reads a map of strings (a JSON object, a CSV row with headers), keeping its order.
impl<'de> serde::Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of field names to string values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Record, A::Error> {
                let mut record = Record::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    record.set(k, v);
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// How the body of `PUT /records/` is encoded; the service reads both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RecordEncoding {
    /// `{"configuration":..,"record":{..}}` (the default).
    #[default]
    Json,
    /// `configuration=..&record[<field>]=..`.
    Form,
}

/// What became of an imported record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum RecordOutcome {
    /// The service took the record (and queues its survey).
    Imported,
    /// An earlier attempt may have reached the service (it failed without a clear
    /// answer) and the resend was answered "duplicates with `cg_id`": the earlier attempt
    /// imported it. Counted as imported. With a mapping whose duplication rule can also
    /// match an older survey of the same contact, `cg_id` tells which record it was.
    ImportedConfirmedByDuplicate {
        /// The CG-ID the service named.
        cg_id: u64,
    },
    /// Not imported: the contact already got a survey within the mapping's
    /// duplication rule, recorded as `cg_id`.
    Duplicate {
        /// The CG-ID of the existing record.
        cg_id: u64,
    },
    /// Nobody knows: the request was sent and no usable answer came back (a 5xx
    /// without Retry-After, a timeout, a connection dropped after sending). The service
    /// may have imported the record and sent its survey. It was not resent (see
    /// [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy)); check the
    /// account before sending it again.
    Unknown {
        /// What happened, e.g. "HTTP 502 after the record was sent".
        reason: String,
    },
}

impl RecordOutcome {
    /// Whether the record is in the system after this call.
    pub fn is_imported(&self) -> bool {
        matches!(
            self,
            RecordOutcome::Imported | RecordOutcome::ImportedConfirmedByDuplicate { .. }
        )
    }

    /// The CG-ID the service named, when it named one.
    pub fn cg_id(&self) -> Option<u64> {
        match self {
            RecordOutcome::ImportedConfirmedByDuplicate { cg_id }
            | RecordOutcome::Duplicate { cg_id } => Some(*cg_id),
            RecordOutcome::Imported | RecordOutcome::Unknown { .. } => None,
        }
    }
}

impl Client {
    /// Record imports: `client.records().put(configuration)` and bulk `import`.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let outcome = client
    ///     .records()
    ///     .put("9dd58237-c913-4073-9c76-07da0b49ff50")
    ///     .field("Email", "joe.doe@example.com")
    ///     .field("Account Name", "ACME")
    ///     .send()
    ///     .await?;
    /// assert!(outcome.is_imported());
    /// # Ok(())
    /// # }
    /// ```
    pub fn records(&self) -> Records {
        Records {
            client: self.clone(),
        }
    }
}

/// Record imports: `client.records()`.
#[derive(Clone, Debug)]
pub struct Records {
    pub(crate) client: Client,
}

impl Records {
    /// Imports one record through the Inbound Mapping `configuration` (its Reference,
    /// a UUID) and sends a survey.
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let outcome = client
    ///     .records()
    ///     .put("9dd58237-c913-4073-9c76-07da0b49ff50")
    ///     .field("Email", "joe.doe@example.com")
    ///     .field("Account Name", "ACME")
    ///     .send()
    ///     .await?;
    /// assert!(outcome.is_imported());
    /// # Ok(()) }
    /// ```
    pub fn put(&self, configuration: impl Into<String>) -> PutRecord {
        PutRecord {
            client: self.client.clone(),
            configuration: configuration.into(),
            record: Record::new(),
            encoding: RecordEncoding::Json,
            local_checks: true,
        }
    }
}

/// `PUT /records/`: one record.
#[derive(Clone, Debug)]
#[must_use = "nothing is imported until .send()"]
pub struct PutRecord {
    client: Client,
    configuration: String,
    record: Record,
    encoding: RecordEncoding,
    local_checks: bool,
}

impl PutRecord {
    /// Sets a field of the record (a field name of the Inbound Mapping).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.record.set(name, value);
        self
    }

    /// Adds these fields to the record.
    pub fn fields<K: Into<String>, V: Into<String>>(
        mut self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.record.extend(fields);
        self
    }

    /// Replaces the record.
    pub fn record(mut self, record: Record) -> Self {
        self.record = record;
        self
    }

    /// Sends the body form-encoded (`record[<field>]=..`) instead of JSON.
    pub fn form(self) -> Self {
        self.encoding(RecordEncoding::Form)
    }

    /// Chooses the body encoding.
    pub fn encoding(mut self, encoding: RecordEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Whether [`Record::validate`] runs before sending (on by default). Turn it off
    /// for a mapping whose contact fields are not named `Email` and `Phone`; the
    /// service then applies its own rules.
    pub fn local_checks(mut self, on: bool) -> Self {
        self.local_checks = on;
        self
    }

    /// Validates (see [`Record::validate`]), then imports. A 422 other than the
    /// duplicate answer is [`Error::Validation`] with the messages per field.
    pub async fn send(self) -> Result<RecordOutcome> {
        let configuration = parse_configuration(&self.configuration)?;
        check(&self.record, self.encoding, self.local_checks)?;
        import_checked(&self.client, &configuration, &self.record, self.encoding)
            .await
            .0
    }
}

/// The Inbound Mapping reference: any non-blank text. The examples show UUIDs, the
/// built-in default mapping is `contact` (art 5000872718); the service decides.
pub(crate) fn parse_configuration(configuration: &str) -> Result<String> {
    let text = configuration.trim();
    if text.is_empty() {
        return Err(Error::invalid(
            "configuration",
            "is required: the Inbound Mapping's Reference (e.g. `contact` or a UUID)",
        ));
    }
    Ok(text.to_owned())
}

/// [`Record::validate`] (when `local_checks`) plus what the chosen encoding cannot carry.
pub(crate) fn check(record: &Record, encoding: RecordEncoding, local_checks: bool) -> Result<()> {
    if local_checks {
        record.validate()?;
    }
    if encoding == RecordEncoding::Form
        && let Some(key) = record.form_unsafe_key()
    {
        return Err(Error::invalid(
            key,
            "a field name with [ or ] cannot be form-encoded; send JSON",
        ));
    }
    Ok(())
}

/// Sends a validated record and reads the answer; the call record tells bulk import
/// how many attempts it took.
pub(crate) async fn import_checked(
    client: &Client,
    configuration: &str,
    record: &Record,
    encoding: RecordEncoding,
) -> (Result<RecordOutcome>, CallRecord) {
    let ctx = client.ctx();
    let answer = match encoding {
        RecordEncoding::Json => {
            let send = || put_record_json(client, configuration, record);
            call_recorded_with(ctx, cg_raw_imports::ops::PUT_RECORD.id, send).await
        }
        RecordEncoding::Form => {
            let raw = raw_client!(client, cg_raw_imports, HostFamily::Imports);
            let body = types::RecordImport {
                configuration: configuration.to_owned(),
                record: record.to_map(),
            };
            call_recorded(
                ctx,
                cg_raw_imports::ops::PUT_RECORD.id,
                raw.put_record_form(&body),
            )
            .await
        }
    };
    match answer {
        Ok(answer) => (Ok(RecordOutcome::Imported), answer.record),
        Err((error, record)) => (
            outcome_of_refusal(error, &record).or_else(|error| unknown_fate(error, &record)),
            record,
        ),
    }
}

/// The JSON body of `PUT /records/`: what [`types::RecordImport`] serializes to, written
/// from the record's own pairs (in their order) instead of a `BTreeMap` copy of them.
#[derive(serde::Serialize)]
struct JsonBody<'a> {
    configuration: &'a str,
    record: &'a Record,
}

/// `PUT /records/` with the JSON body written straight from the record's pairs (the
/// generated `put_record_with`): no `types::RecordImport` with a `BTreeMap` of every
/// field is built, and the raw client is the one the facade client holds. A bulk import
/// sends one per record.
async fn put_record_json(
    client: &Client,
    configuration: &str,
    record: &Record,
) -> std::result::Result<(), progenitor_client::Error<types::ImportsError>> {
    let body = JsonBody {
        configuration,
        record,
    };
    client
        .inner
        .imports
        .put_record_with(&body)
        .await
        .map(|_| ())
}

/// An error after an attempt whose fate is unknown is not a failure of the record but
/// an unknown outcome: it may be in, and it must not be guessed at either way.
fn unknown_fate(error: Error, record: &CallRecord) -> Result<RecordOutcome> {
    let refused = matches!(
        error,
        Error::Validation { .. } | Error::InvalidInput { .. } | Error::Decode { .. }
    );
    if !record.fate_unknown || refused {
        return Err(error);
    }
    let attempts = if record.attempts == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{} attempts", record.attempts)
    };
    Ok(RecordOutcome::Unknown {
        reason: format!(
            "the record was sent but its fate is unknown ({error}; {attempts}); it may have been imported and surveyed, so it was not resent"
        ),
    })
}

/// A duplicate answer is an outcome, not an error; after an ambiguous attempt it
/// confirms the import.
fn outcome_of_refusal(error: Error, record: &CallRecord) -> Result<RecordOutcome> {
    let Error::Validation {
        operation,
        status,
        message,
        errors,
    } = error
    else {
        return Err(error);
    };
    // The duplicate answer is a 422; the same words under another status are not one.
    if status != 422 || !errors.contains_key("duplicate") {
        return Err(Error::Validation {
            operation,
            status,
            message,
            errors,
        });
    }
    let found = ValidationErrors { message, errors };
    let cg_id = match found.duplicate_of() {
        Some(id) => parse_cg_id(id).ok_or_else(|| Error::Decode {
            operation,
            status: Some(status),
            problem: format!("the duplicate answer names {id:?}, not a numeric CG-ID"),
            body: found.to_string(),
        })?,
        None => {
            return Err(Error::Decode {
                operation,
                status: Some(status),
                problem: "a duplicate answer without \"duplicates with <CG-ID>\"".into(),
                body: found.to_string(),
            });
        }
    };
    if record.resent_after_ambiguity {
        tracing::info!(
            cg_id,
            attempts = record.attempts,
            "resent record answered as a duplicate: imported by an earlier attempt"
        );
        Ok(RecordOutcome::ImportedConfirmedByDuplicate { cg_id })
    } else {
        Ok(RecordOutcome::Duplicate { cg_id })
    }
}

/// `123`, `"123"`, `#123`, `CG-123`: the digits.
fn parse_cg_id(text: &str) -> Option<u64> {
    let digits = text
        .trim()
        .trim_start_matches(|c: char| !c.is_ascii_digit());
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keeps_order_and_replaces_in_place() {
        let mut r = Record::new().field("b", "1").field("a", "2");
        r.set("b", "3");
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![("b", "3"), ("a", "2")]);
        assert_eq!(r.remove("b").as_deref(), Some("3"));
        assert_eq!(r.len(), 1);
        let json = serde_json::to_string(&Record::new().field("z", "1").field("a", "2")).unwrap();
        assert_eq!(json, r#"{"z":"1","a":"2"}"#);
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.iter().next(), Some(("z", "1")));
    }

    #[test]
    fn validation_names_the_field() {
        let problem = |r: &Record| match r.validate() {
            Err(Error::InvalidInput { field, problem }) => (field, problem),
            other => panic!("{other:?}"),
        };
        assert_eq!(problem(&Record::new()).0, "record");
        let (field, text) = problem(&Record::new().field("email", "a@b.co"));
        assert_eq!(field, "Email");
        assert!(
            text.contains("\"email\"") && text.contains("case-sensitive"),
            "{text}"
        );
        assert_eq!(problem(&Record::new().field("Email", "nope")).0, "Email");
        assert_eq!(problem(&Record::new().field("Phone", "+31 x")).0, "Phone");
        assert!(
            Record::new()
                .field("Phone", "+55 (62) 01234-56789")
                .validate()
                .is_ok()
        );
        assert!(
            Record::new()
                .field("Email", " ")
                .field("Phone", "123")
                .validate()
                .is_ok(),
            "blank Email counts as absent"
        );
        let both = Record::new()
            .field("Email", "x")
            .field("Phone", "y")
            .problems();
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn json_body_is_what_the_generated_type_sends() {
        let r = Record::new()
            .field("Email", "a@b.co")
            .field("Account Name", "ACME \"quoted\" é");
        let ours = serde_json::to_value(JsonBody {
            configuration: "contact",
            record: &r,
        })
        .unwrap();
        let generated = serde_json::to_value(types::RecordImport {
            configuration: "contact".into(),
            record: r.to_map(),
        })
        .unwrap();
        assert_eq!(ours, generated);
    }

    #[test]
    fn configuration_is_any_non_blank_reference() {
        for good in [
            "9dd58237-c913-4073-9c76-07da0b49ff50",
            "contact",
            "12305294-0b20-4009-b95d-c8123301d66",
        ] {
            assert_eq!(parse_configuration(good).unwrap(), good);
        }
        for bad in ["", "  "] {
            let e = parse_configuration(bad).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { field, .. } if field == "configuration"),
                "{e}"
            );
        }
    }

    #[test]
    fn form_refuses_brackets() {
        let r = Record::new().field("Email", "a@b.co").field("x[y]", "1");
        assert!(check(&r, RecordEncoding::Json, true).is_ok());
        assert!(check(&r, RecordEncoding::Form, false).is_err());
        assert!(check(&Record::new(), RecordEncoding::Json, false).is_ok());
    }

    #[test]
    fn duplicate_answers() {
        let dup = |msg: &str| Error::Validation {
            operation: "putRecord",
            status: 422,
            message: msg.into(),
            errors: BTreeMap::from([("duplicate".to_owned(), vec![msg.to_owned()])]),
        };
        let msg = "Record could not be imported because it duplicates with 42.";
        let plain = CallRecord {
            attempts: 1,
            ..CallRecord::default()
        };
        let resent = CallRecord {
            attempts: 2,
            resent_after_ambiguity: true,
            ..CallRecord::default()
        };
        assert_eq!(
            outcome_of_refusal(dup(msg), &plain).unwrap(),
            RecordOutcome::Duplicate { cg_id: 42 }
        );
        assert_eq!(
            outcome_of_refusal(dup(msg), &resent).unwrap(),
            RecordOutcome::ImportedConfirmedByDuplicate { cg_id: 42 }
        );
        assert!(matches!(
            outcome_of_refusal(dup("duplicates with ?"), &plain),
            Err(Error::Decode { .. })
        ));
        let other = Error::Validation {
            operation: "putRecord",
            status: 422,
            message: "m".into(),
            errors: BTreeMap::new(),
        };
        assert!(matches!(
            outcome_of_refusal(other, &resent),
            Err(Error::Validation { .. })
        ));
        assert_eq!(parse_cg_id("CG-7"), Some(7));
    }
}
