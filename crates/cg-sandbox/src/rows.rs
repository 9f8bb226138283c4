//! Tabular input: CSV files and `<records><record>..</record></records>` XML (uploads
//! and the stream module), as rows of (column, value).

use quick_xml::Reader;
use quick_xml::events::Event;

/// One row: column names as sent, with their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) cells: Vec<(String, String)>,
}

/// Column names compare without case, spaces, `_` and `-`: `Account Name` = `account_name`.
pub(crate) fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Row {
    /// The first non-blank value among columns matching one of `aliases` (normalized).
    pub(crate) fn get(&self, aliases: &[&str]) -> Option<&str> {
        self.cells
            .iter()
            .find(|(k, v)| !v.trim().is_empty() && aliases.contains(&normalize(k).as_str()))
            .map(|(_, v)| v.trim())
    }
}

/// Column aliases.
pub(crate) const EMAIL: &[&str] = &["email", "emailaddress", "mail"];
pub(crate) const PHONE: &[&str] = &[
    "phone",
    "telephone",
    "smstelephone",
    "mobile",
    "phonenumber",
];
pub(crate) const FIRST_NAME: &[&str] = &["firstname"];
pub(crate) const LAST_NAME: &[&str] = &["lastname"];
pub(crate) const ACCOUNT_NAME: &[&str] = &[
    "accountname",
    "account",
    "reference",
    "companyname",
    "company",
];
pub(crate) const ACCOUNT_NUMBER: &[&str] = &["accountnumber", "number", "accountid"];
pub(crate) const CUSTOMER_NUMBER: &[&str] = &["customernumber", "numbercustomer"];
pub(crate) const NPS: &[&str] = &["netpromoterscore", "nps", "score"];
pub(crate) const COMMENT: &[&str] = &["comment", "comments"];
pub(crate) const DATE_COMPLETED: &[&str] =
    &["dateformcompleted", "datesurveyresponse", "dateresponse"];
pub(crate) const DATE_ORDER: &[&str] = &["dateorder", "orderdate"];
pub(crate) const REVENUE: &[&str] = &["revenue", "amount", "value"];

/// Parses CSV with a header line; `;` is taken as the delimiter when the header has more
/// `;` than `,`. Rows that cannot be read are returned as `Err(line message)`.
pub(crate) fn parse_csv(data: &[u8]) -> Vec<Result<Row, String>> {
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    let semicolons = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(_) => return vec![Err("the header line could not be read".to_owned())],
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if record.len() != headers.len() {
                    rows.push(Err(format!(
                        "expected {} columns, found {}",
                        headers.len(),
                        record.len()
                    )));
                    continue;
                }
                let cells = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                rows.push(Ok(Row { cells }));
            }
            Err(e) => rows.push(Err(format!("could not be read ({e})"))),
        }
    }
    rows
}

/// Parses `<anything><record><Field>value</Field>..</record>..</anything>`: every child of
/// the root is a row, every child of a row a cell. `Err` when the XML is malformed.
pub(crate) fn parse_xml_records(data: &[u8]) -> Result<Vec<Row>, String> {
    let mut reader = Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut rows: Vec<Row> = Vec::new();
    let mut field: Option<(String, String)> = None;
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match depth {
                    1 if saw_root => return Err("more than one root element".to_owned()),
                    1 => saw_root = true,
                    2 => rows.push(Row::default()),
                    3 => field = Some((name, String::new())),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match depth {
                    0 if saw_root => return Err("more than one root element".to_owned()),
                    0 => saw_root = true,
                    1 => rows.push(Row::default()),
                    2 => {
                        if let Some(row) = rows.last_mut() {
                            row.cells.push((name, String::new()));
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some((_, value)) = field.as_mut()
                    && depth == 3
                {
                    let text = t.decode().map_err(|e| e.to_string())?;
                    let text = quick_xml::escape::unescape(&text).map_err(|e| e.to_string())?;
                    value.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some((_, value)) = field.as_mut()
                    && depth == 3
                {
                    value.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, value)) = field.as_mut()
                    && depth == 3
                {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    let entity = format!("&{name};");
                    let text = quick_xml::escape::unescape(&entity).map_err(|e| e.to_string())?;
                    value.push_str(&text);
                }
            }
            Event::End(_) => {
                if depth == 3
                    && let (Some((name, value)), Some(row)) = (field.take(), rows.last_mut())
                {
                    row.cells.push((name, value.trim().to_owned()));
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err("no root element".to_owned());
    }
    if depth != 0 {
        return Err("unexpected end of document".to_owned());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows() {
        let rows = parse_csv(b"Email,First Name\njoe@example.com,Joe\n\nbad\n");
        assert_eq!(rows.len(), 2);
        let row = rows[0].as_ref().unwrap();
        assert_eq!(row.get(EMAIL), Some("joe@example.com"));
        assert_eq!(row.get(FIRST_NAME), Some("Joe"));
        assert!(rows[1].is_err());
    }

    #[test]
    fn semicolon_csv() {
        let rows = parse_csv(b"Account Name;Revenue\nACME;12,5\n");
        assert_eq!(rows[0].as_ref().unwrap().get(REVENUE), Some("12,5"));
    }

    #[test]
    fn xml_records() {
        let rows = parse_xml_records(
            b"<?xml version=\"1.0\"?><records><record><Email>a@b.co</Email><Name>A &amp; B</Name><Empty/></record><record/></records>",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get(EMAIL), Some("a@b.co"));
        assert_eq!(rows[0].cells[1].1, "A & B");
        assert!(parse_xml_records(b"<records><record>").is_err());
        assert!(parse_xml_records(b"").is_err());
        assert_eq!(parse_xml_records(b"<records/>").unwrap().len(), 0);
    }
}
