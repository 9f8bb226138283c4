//! One output stream in one format: JSON lines, CSV, Parquet or Singer messages.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::row::{self, Column, EXTRA, Kind, Row};

/// The file formats of the export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header; nested values as JSON text.
    Csv,
    /// Parquet with a typed schema.
    #[cfg(feature = "parquet")]
    Parquet,
    /// Singer SCHEMA, RECORD and STATE messages.
    Singer,
}

impl Format {
    /// The file name extension of a part.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            #[cfg(feature = "parquet")]
            Format::Parquet => "parquet",
            Format::Singer => "singer.jsonl",
        }
    }
}

/// What one stream's rows are written as.
pub struct Stream {
    /// The stream name (Singer `stream`).
    pub name: &'static str,
    /// Its typed columns.
    pub columns: Vec<Column>,
}

/// An open output of one format.
pub enum Encoder<W: Write + Send> {
    Jsonl(W),
    Csv(csv::Writer<W>),
    #[cfg(feature = "parquet")]
    Parquet(super::parquet::ParquetFile<W>),
    Singer(W, &'static str),
}

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A column's value as a CSV cell: scalars as text, lists and objects as JSON.
fn cell(kind: Kind, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(v) if !row::fits(kind, v) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// A row in the stream's schema: each column converted to its type (null when it
/// does not fit), the rest in `extra` as JSON text.
pub fn normalized(columns: &[Column], r: &Row) -> Row {
    let mut out = Map::new();
    for c in columns {
        let v = r.get(c.name).filter(|v| row::fits(c.kind, v));
        let typed = match (c.kind, v) {
            (_, None) => Value::Null,
            (Kind::Int, Some(v)) => row::as_int(v).map_or(Value::Null, Value::from),
            (Kind::Text | Kind::Timestamp, Some(v)) => {
                row::as_text(v).map_or(Value::Null, Value::from)
            }
            (Kind::TextList, Some(v)) => Value::Array(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| row::as_text(x).map_or(Value::Null, Value::from))
                    .collect(),
            ),
            (Kind::TextMap, Some(v)) => text_map(v),
            (Kind::MapList, Some(v)) => {
                Value::Array(v.as_array().into_iter().flatten().map(text_map).collect())
            }
        };
        out.insert(c.name.to_owned(), typed);
    }
    out.insert(
        EXTRA.to_owned(),
        row::extra_of(r, columns).map_or(Value::Null, Value::from),
    );
    out
}

fn text_map(v: &Value) -> Value {
    Value::Object(
        v.as_object()
            .into_iter()
            .flatten()
            .map(|(k, x)| (k.clone(), row::as_text(x).map_or(Value::Null, Value::from)))
            .collect(),
    )
}

/// The JSON Schema of a stream, for the Singer SCHEMA message.
pub fn json_schema(columns: &[Column]) -> Value {
    let text = json!({"type": ["null", "string"]});
    let text_map = json!({"type": ["null", "object"], "additionalProperties": text});
    let mut properties = Map::new();
    for c in columns {
        let schema = match c.kind {
            Kind::Int => json!({"type": ["null", "integer"]}),
            // `YYYY-MM-DD HH:MM:SS` with no stated zone: not RFC 3339, so no "format".
            Kind::Text | Kind::Timestamp => text.clone(),
            Kind::TextList => json!({"type": ["null", "array"], "items": text}),
            Kind::TextMap => text_map.clone(),
            Kind::MapList => json!({"type": ["null", "array"], "items": text_map}),
        };
        properties.insert(c.name.to_owned(), schema);
    }
    properties.insert(EXTRA.to_owned(), text);
    json!({"type": "object", "properties": properties})
}

fn line<W: Write>(out: &mut W, v: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io)?;
    out.write_all(b"\n")
}

impl<W: Write + Send> Encoder<W> {
    /// Opens `out` in `format`, writing what comes before the rows (CSV header,
    /// Singer SCHEMA).
    pub fn open(format: Format, stream: &Stream, mut out: W) -> std::io::Result<Self> {
        Ok(match format {
            Format::Jsonl => Encoder::Jsonl(out),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(stream.columns.iter().map(|c| c.name).chain([EXTRA]))
                    .map_err(io)?;
                Encoder::Csv(w)
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => Encoder::Parquet(
                super::parquet::ParquetFile::new(out, stream.columns.clone()).map_err(io)?,
            ),
            Format::Singer => {
                line(
                    &mut out,
                    &json!({
                        "type": "SCHEMA",
                        "stream": stream.name,
                        "schema": json_schema(&stream.columns),
                        "key_properties": [row::KEY],
                    }),
                )?;
                Encoder::Singer(out, stream.name)
            }
        })
    }

    /// Appends rows.
    pub fn rows(&mut self, columns: &[Column], rows: &[Row]) -> std::io::Result<()> {
        match self {
            Encoder::Jsonl(out) => {
                for r in rows {
                    line(out, r)?;
                }
            }
            Encoder::Csv(w) => {
                for r in rows {
                    let cells = columns
                        .iter()
                        .map(|c| cell(c.kind, r.get(c.name)))
                        .chain([row::extra_of(r, columns).unwrap_or_default()]);
                    w.write_record(cells).map_err(io)?;
                }
            }
            #[cfg(feature = "parquet")]
            Encoder::Parquet(p) => p.write(rows).map_err(io)?,
            Encoder::Singer(out, stream) => {
                for r in rows {
                    line(
                        out,
                        &json!({"type": "RECORD", "stream": stream, "record": normalized(columns, r)}),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// A Singer STATE message (nothing in the other formats).
    pub fn state(&mut self, value: Value) -> std::io::Result<()> {
        if let Encoder::Singer(out, _) = self {
            line(out, &json!({"type": "STATE", "value": value}))?;
        }
        Ok(())
    }

    /// Pushes what is buffered to the output (a Parquet file is complete only at
    /// [`finish`](Self::finish)).
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Encoder::Jsonl(out) | Encoder::Singer(out, _) => out.flush(),
            Encoder::Csv(w) => w.flush(),
            #[cfg(feature = "parquet")]
            Encoder::Parquet(_) => Ok(()),
        }
    }

    /// Completes the output and hands it back.
    pub fn finish(self) -> std::io::Result<W> {
        match self {
            Encoder::Jsonl(mut out) | Encoder::Singer(mut out, _) => {
                out.flush()?;
                Ok(out)
            }
            Encoder::Csv(w) => w.into_inner().map_err(|e| io(e.error())),
            #[cfg(feature = "parquet")]
            Encoder::Parquet(p) => {
                let mut out = p.finish().map_err(io)?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}
