//! Records sent as an XML document (`POST /v4.1/stream/transactional`,
//! `/v4.1/stream/historical`, `spec/stream.yaml`): `client.stream()`.
//!
//! Transactional records go into the mail queue and may send invitations at once:
//! a call is never resent after an ambiguous failure.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use cg_auth::HostFamily;

use crate::call::call;
use crate::client::raw_client;
use crate::decode::DataEnvelope;
use crate::{Client, Error, Result};

/// Most records per call.
pub const MAX_STREAM_RECORDS: usize = 2000;
/// Largest document per call: 2 MB.
pub const MAX_STREAM_BYTES: usize = 2 * 1024 * 1024;

/// One record: field names of the upload mapping and their values, in order.
pub type StreamRecord = Vec<(String, String)>;

/// What the service reported for a stream call.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamReceipt {
    /// Records sent in the document.
    pub sent: usize,
    /// False only when the service answered `Data=false` (records not taken).
    pub accepted: bool,
    /// The id of the upload the call was listed as, when the service sent one
    /// (see `client.files().list(..)`).
    pub upload_id: Option<u64>,
    /// Records taken, when the service reported it.
    pub taken: Option<u64>,
    /// Records refused, when the service reported it.
    pub refused: Option<u64>,
    /// The service's messages about refused records.
    pub logs: Vec<String>,
}

impl Client {
    /// Records sent as XML (the older alternative to `client.records()`).
    ///
    /// ```no_run
    /// # async fn run(client: cg_facade::Client) -> Result<(), cg_facade::Error> {
    /// let receipt = client
    ///     .stream()
    ///     .transactional([[("Email", "joe.doe@example.com"), ("FirstName", "Joe")]])
    ///     .await?;
    /// println!("{receipt:?}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream(&self) -> Streaming {
        Streaming {
            client: self.clone(),
        }
    }
}

/// Records sent as XML: `client.stream()`.
#[derive(Clone, Debug)]
pub struct Streaming {
    client: Client,
}

impl Streaming {
    /// Sends survey invitation records (field name to value, e.g. `Email`, `FirstName`).
    /// Invitations may go out immediately, depending on the system's rules.
    pub async fn transactional<I, R, K, V>(&self, records: I) -> Result<StreamReceipt>
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.send(Kind::Transactional, records).await
    }

    /// Sends historical survey records (responses and non-responses of earlier campaigns).
    pub async fn historical<I, R, K, V>(&self, records: I) -> Result<StreamReceipt>
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.send(Kind::Historical, records).await
    }

    async fn send<I, R, K, V>(&self, kind: Kind, records: I) -> Result<StreamReceipt>
    where
        I: IntoIterator<Item = R>,
        R: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let records: Vec<StreamRecord> = records
            .into_iter()
            .map(|r| r.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
            .collect();
        let body = records_xml(&records)?;
        let raw = raw_client!(self.client, cg_raw_stream, HostFamily::Api);
        let ctx = self.client.ctx();
        let format = ctx.format.as_str();
        // `Data` is undocumented: read as a plain value rather than the generated type.
        let answer: DataEnvelope = match kind {
            Kind::Transactional => {
                let operation = cg_raw_stream::ops::STREAM_TRANSACTIONAL.id;
                call(ctx, operation, raw.stream_transactional_as(format, body)).await?
            }
            Kind::Historical => {
                let operation = cg_raw_stream::ops::STREAM_HISTORICAL.id;
                call(ctx, operation, raw.stream_historical_as(format, body)).await?
            }
        };
        Ok(receipt(records.len(), answer.data))
    }
}

/// Which stream a document goes to.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Transactional,
    Historical,
}

/// The undocumented `Data` read leniently: a count, or an upload record.
fn receipt(sent: usize, data: Option<serde_json::Value>) -> StreamReceipt {
    let count = |v: &serde_json::Value| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let mut receipt = StreamReceipt {
        sent,
        accepted: true,
        ..StreamReceipt::default()
    };
    match data {
        Some(serde_json::Value::Bool(flag)) => receipt.accepted = flag,
        Some(serde_json::Value::String(s)) if s.trim() == "false" => receipt.accepted = false,
        Some(serde_json::Value::Object(map)) => {
            receipt.upload_id = map.get("id").and_then(count);
            receipt.taken = map.get("successful_records").and_then(count);
            receipt.refused = map.get("unsuccessful_records").and_then(count);
            receipt.logs = match map.get("logs") {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|i| match i {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
                // XML sends one entry as text.
                Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.clone()],
                _ => Vec::new(),
            };
        }
        Some(other) => receipt.taken = count(&other),
        None => {}
    }
    receipt
}

/// Whether `name` can be an XML element name: a letter or `_` first, then letters,
/// digits, `-`, `_` or `.` (no `:`: namespaces are not used).
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Characters XML 1.0 cannot carry at all.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
}

/// `<records><record><Field>value</Field>..</record>..</records>`, values escaped;
/// refuses what the service would refuse (no records, 400700) or could not read.
pub(crate) fn records_xml(records: &[StreamRecord]) -> Result<Vec<u8>> {
    if records.is_empty() {
        return Err(Error::invalid(
            "records",
            "no records to send (the service answers 400700 \"No data provided\")",
        ));
    }
    if records.len() > MAX_STREAM_RECORDS {
        return Err(Error::invalid(
            "records",
            format!(
                "{} records; at most {MAX_STREAM_RECORDS} per call",
                records.len()
            ),
        ));
    }
    for (i, record) in records.iter().enumerate() {
        if record.is_empty() {
            return Err(Error::invalid(format!("records[{i}]"), "has no fields"));
        }
        for (name, value) in record {
            if !is_xml_name(name) {
                return Err(Error::invalid(
                    name.clone(),
                    format!(
                        "records[{i}]: {name:?} is not a valid XML element name (a letter or _ first, then letters, digits, - _ .)"
                    ),
                ));
            }
            if let Some(bad) = value.chars().find(|c| !is_xml_char(*c)) {
                return Err(Error::invalid(
                    name.clone(),
                    format!("records[{i}]: the value holds {bad:?}, which XML cannot carry"),
                ));
            }
        }
    }
    let mut writer = quick_xml::Writer::new(Vec::new());
    let write = |w: &mut quick_xml::Writer<Vec<u8>>, e: Event<'_>| {
        w.write_event(e).map_err(|e| {
            Error::invalid(
                "records",
                format!("the XML document could not be written: {e}"),
            )
        })
    };
    write(
        &mut writer,
        Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)),
    )?;
    write(&mut writer, Event::Start(BytesStart::new("records")))?;
    for record in records {
        write(&mut writer, Event::Start(BytesStart::new("record")))?;
        for (name, value) in record {
            write(&mut writer, Event::Start(BytesStart::new(name.as_str())))?;
            write(&mut writer, Event::Text(BytesText::new(value)))?;
            write(&mut writer, Event::End(BytesEnd::new(name.as_str())))?;
        }
        write(&mut writer, Event::End(BytesEnd::new("record")))?;
    }
    write(&mut writer, Event::End(BytesEnd::new("records")))?;
    let body = writer.into_inner();
    if body.len() > MAX_STREAM_BYTES {
        return Err(Error::invalid(
            "records",
            format!(
                "the document has {} bytes; at most 2 MB per call",
                body.len()
            ),
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[(&str, &str)]) -> StreamRecord {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn documents_are_escaped_and_names_checked() {
        let xml = records_xml(&[rec(&[
            ("Email", "a@b.co"),
            ("Comment", "<fast> & \"cheap\""),
        ])])
        .unwrap();
        let text = String::from_utf8(xml).unwrap();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><records><record><Email>a@b.co</Email>\
             <Comment>&lt;fast&gt; &amp; &quot;cheap&quot;</Comment></record></records>"
        );
        let (_, root) = crate::xml::parse(&text).unwrap();
        assert_eq!(root, crate::xml::parse("<records><record><Email>a@b.co</Email><Comment>&lt;fast&gt; &amp; \"cheap\"</Comment></record></records>").unwrap().1);

        for bad in ["Account Name", "1st", "a:b", "", "x<y"] {
            match records_xml(&[rec(&[("Email", "a@b.co"), (bad, "v")])]) {
                Err(Error::InvalidInput { field, problem }) => {
                    assert_eq!(field, bad);
                    assert!(
                        problem.contains("not a valid XML element name"),
                        "{problem}"
                    );
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(records_xml(&[rec(&[("Émail_2.x-y", "ok")])]).is_ok());
        assert!(
            matches!(records_xml(&[]), Err(Error::InvalidInput { field, .. }) if field == "records")
        );
        assert!(
            matches!(records_xml(&[vec![]]), Err(Error::InvalidInput { field, .. }) if field == "records[0]")
        );
        assert!(records_xml(&[rec(&[("Email", "a\u{1}b")])]).is_err());
    }

    #[test]
    fn receipts_are_read_leniently() {
        let r = receipt(
            2,
            Some(
                serde_json::json!({"id": "9", "successful_records": "1", "unsuccessful_records": 1, "logs": ["Record 2: bad"]}),
            ),
        );
        assert_eq!(
            (r.accepted, r.upload_id, r.taken, r.refused, r.logs.len()),
            (true, Some(9), Some(1), Some(1), 1)
        );
        assert_eq!(receipt(3, Some(serde_json::json!("3"))).taken, Some(3));
        assert_eq!(
            receipt(3, None),
            StreamReceipt {
                sent: 3,
                accepted: true,
                ..StreamReceipt::default()
            }
        );
        assert!(!receipt(3, Some(serde_json::json!(false))).accepted);
    }
}
