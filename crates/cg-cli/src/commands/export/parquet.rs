//! Rows to Parquet: a typed Arrow schema from the stream's columns (integers, floats,
//! timestamps, lists, maps, the extra fields as JSON text) and bounded row groups.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Int64Builder, ListBuilder, MapBuilder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use super::row::{self, Column, EXTRA, Kind, Row};

/// Rows per row group: a writer holds at most this many rows in memory.
pub const ROW_GROUP_ROWS: usize = 16_384;

type TextMapBuilder = MapBuilder<StringBuilder, StringBuilder>;

enum Builder {
    Int(Int64Builder),
    Text(StringBuilder),
    Timestamp(TimestampMillisecondBuilder),
    TextList(ListBuilder<StringBuilder>),
    TextMap(TextMapBuilder),
    MapList(ListBuilder<TextMapBuilder>),
}

fn text_map() -> TextMapBuilder {
    MapBuilder::new(None, StringBuilder::new(), StringBuilder::new())
}

fn fill_map(b: &mut TextMapBuilder, m: &serde_json::Map<String, Value>) {
    for (k, v) in m {
        b.keys().append_value(k);
        b.values().append_option(row::as_text(v));
    }
    // Keys and values were appended in pairs, so the entry is well formed.
    let _ = b.append(true);
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Int => Builder::Int(Int64Builder::new()),
            Kind::Text => Builder::Text(StringBuilder::new()),
            Kind::Timestamp => Builder::Timestamp(TimestampMillisecondBuilder::new()),
            Kind::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
            Kind::TextMap => Builder::TextMap(text_map()),
            Kind::MapList => Builder::MapList(ListBuilder::new(text_map())),
        }
    }

    /// Appends `v`; one that does not fit is appended as null (it is in `extra`).
    fn push(&mut self, v: Option<&Value>) {
        let v = v.filter(|v| !v.is_null());
        match self {
            Builder::Int(b) => b.append_option(v.and_then(row::as_int)),
            Builder::Text(b) => b.append_option(
                v.filter(|v| !v.is_object() && !v.is_array())
                    .and_then(row::as_text),
            ),
            // Milliseconds: Parquet has no timestamp in seconds.
            Builder::Timestamp(b) => {
                b.append_option(v.and_then(row::as_timestamp).map(|s| s * 1000))
            }
            Builder::TextList(b) => match v.and_then(Value::as_array) {
                Some(items) => b.append_value(items.iter().map(row::as_text)),
                None => b.append_null(),
            },
            Builder::TextMap(b) => match v.and_then(Value::as_object) {
                Some(m) => fill_map(b, m),
                None => {
                    let _ = b.append(false);
                }
            },
            Builder::MapList(b) => match v.and_then(Value::as_array) {
                Some(items) => {
                    for item in items {
                        match item.as_object() {
                            Some(m) => fill_map(b.values(), m),
                            None => {
                                let _ = b.values().append(false);
                            }
                        }
                    }
                    b.append(true);
                }
                None => b.append_null(),
            },
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::TextList(b) => ArrayBuilder::finish(b),
            Builder::TextMap(b) => Arc::new(b.finish()),
            Builder::MapList(b) => ArrayBuilder::finish(b),
        }
    }
}

/// The rows as one Arrow batch of `columns` plus `extra`.
pub fn batch(columns: &[Column], rows: &[Row]) -> Result<RecordBatch, String> {
    let mut builders: Vec<Builder> = columns.iter().map(|c| Builder::new(c.kind)).collect();
    let mut extra = StringBuilder::new();
    for r in rows {
        for (c, b) in columns.iter().zip(builders.iter_mut()) {
            let v = r.get(c.name);
            // A value that does not fit goes to `extra` only.
            b.push(v.filter(|v| row::fits(c.kind, v)));
        }
        extra.append_option(row::extra_of(r, columns));
    }
    let mut arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
    arrays.push(Arc::new(extra.finish()));
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| c.name)
        .chain([EXTRA])
        .zip(&arrays)
        .map(|(name, a)| Field::new(name, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| e.to_string())
}

/// The Arrow schema of a stream.
pub fn schema(columns: &[Column]) -> Result<SchemaRef, String> {
    Ok(batch(columns, &[])?.schema())
}

/// A Parquet file being written.
pub struct ParquetFile<W: Write + Send> {
    writer: ArrowWriter<W>,
    columns: Vec<Column>,
}

impl<W: Write + Send> ParquetFile<W> {
    /// Starts a file of `columns` on `out`.
    pub fn new(out: W, columns: Vec<Column>) -> Result<Self, String> {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer =
            ArrowWriter::try_new(out, schema(&columns)?, Some(props)).map_err(|e| e.to_string())?;
        Ok(ParquetFile { writer, columns })
    }

    /// Appends rows.
    pub fn write(&mut self, rows: &[Row]) -> Result<(), String> {
        let batch = batch(&self.columns, rows)?;
        self.writer.write(&batch).map_err(|e| e.to_string())
    }

    /// Writes the footer and hands back the output.
    pub fn finish(self) -> Result<W, String> {
        self.writer.into_inner().map_err(|e| e.to_string())
    }
}
