//! Printing results as they arrive: an aligned table, JSON lines, or CSV.
//!
//! Listings print the facade's models through `serde::Serialize` ([`Printer::item`]):
//! - JSON lines: the model serialized as is, unknown fields kept by the model included;
//! - CSV: one column per key of the serialized model (sorted, as serde_json orders them),
//!   fixed by the first row, and a last `extra` column holding the unknown fields (and any
//!   key the first row did not have) as one JSON object, empty when there are none. Nested
//!   values (lists, objects) are JSON text in their cell;
//! - table: the model's chosen columns ([`Listed::TABLE`]).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::OutputFormat;

/// Colour on stderr: only at a terminal, and never with `NO_COLOR` set (no-color.org).
pub fn colour_on_stderr() -> bool {
    io::IsTerminal::is_terminal(&io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Progress bars and spinners: only when someone watches stderr at a terminal.
pub fn progress_on_stderr() -> bool {
    io::IsTerminal::is_terminal(&io::stderr())
}

/// Rows a table collects before it fixes its column widths and starts printing.
const TABLE_WINDOW: usize = 64;

/// One output row: column name and value, in column order.
pub type Row = Vec<(&'static str, Value)>;

/// The name of the CSV column that holds a model's unknown fields.
pub const EXTRA_COLUMN: &str = "extra";

/// A facade model a listing prints.
pub trait Listed: Serialize {
    /// The columns of a table: key of the serialized model and column heading.
    const TABLE: &'static [(&'static str, &'static str)];
    /// The keys of the serialized model that are fields the SDK does not know.
    fn extra_keys(&self) -> Vec<String>;
}

/// Writes rows to stdout in the chosen format without holding a whole listing.
pub struct Printer {
    format: OutputFormat,
    out: Box<dyn Write>,
    headers: Vec<String>,
    window: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    rows: u64,
}

/// A cell: text as is, nothing for null, nested values (lists, objects) as JSON text.
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_line(cells: &[String]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

impl Printer {
    /// A printer to stdout.
    pub fn stdout(format: OutputFormat) -> Self {
        Printer::new(format, Box::new(io::BufWriter::new(io::stdout())))
    }

    /// A printer to any writer (tests).
    pub fn new(format: OutputFormat, out: Box<dyn Write>) -> Self {
        Printer {
            format,
            out,
            headers: Vec::new(),
            window: Vec::new(),
            widths: None,
            rows: 0,
        }
    }

    fn first_row(&self) -> bool {
        self.rows == 0 && self.window.is_empty()
    }

    fn set_headers(&mut self, headers: Vec<String>) -> io::Result<()> {
        self.headers = headers;
        if self.format == OutputFormat::Csv {
            self.out.write_all(&csv_line(&self.headers)?)?;
        }
        Ok(())
    }

    /// Prints one model (see the module docs for what each format shows).
    pub fn item<T: Listed>(&mut self, item: &T) -> io::Result<()> {
        let value = serde_json::to_value(item).map_err(io::Error::other)?;
        let mut object = match value {
            Value::Object(m) => m,
            other => Map::from_iter([("value".to_string(), other)]),
        };
        match self.format {
            OutputFormat::Json | OutputFormat::Parquet | OutputFormat::Singer => {
                self.rows += 1;
                let mut line = serde_json::to_string(&object).map_err(io::Error::other)?;
                line.push('\n');
                self.out.write_all(line.as_bytes())
            }
            OutputFormat::Csv => {
                let mut extra = Map::new();
                for key in item.extra_keys() {
                    if let Some(v) = object.remove(&key) {
                        extra.insert(key, v);
                    }
                }
                if self.first_row() {
                    let mut headers: Vec<String> = object.keys().cloned().collect();
                    headers.push(EXTRA_COLUMN.to_string());
                    self.set_headers(headers)?;
                }
                self.rows += 1;
                let known = self.headers.len().saturating_sub(1);
                let mut cells: Vec<String> = self.headers[..known]
                    .iter()
                    .map(|h| object.remove(h).as_ref().map(text).unwrap_or_default())
                    .collect();
                // Keys the first row did not have join the unknown fields.
                extra.extend(object);
                cells.push(if extra.is_empty() {
                    String::new()
                } else {
                    Value::Object(extra).to_string()
                });
                self.out.write_all(&csv_line(&cells)?)
            }
            OutputFormat::Table => {
                let cells = T::TABLE
                    .iter()
                    .map(|(key, _)| object.get(*key).map(text).unwrap_or_default())
                    .collect();
                if self.first_row() {
                    self.set_headers(T::TABLE.iter().map(|(_, h)| h.to_string()).collect())?;
                }
                self.rows += 1;
                self.table_row(cells)
            }
        }
    }

    /// A table row: held until the window sizes the columns, then printed at once.
    fn table_row(&mut self, cells: Vec<String>) -> io::Result<()> {
        match &self.widths {
            Some(_) => self.table_line(&cells),
            None => {
                self.window.push(cells);
                if self.window.len() >= TABLE_WINDOW {
                    self.flush_window()?;
                }
                Ok(())
            }
        }
    }

    /// Prints one row (tables hold the first few to size their columns).
    pub fn row(&mut self, row: Row) -> io::Result<()> {
        if self.first_row() {
            self.set_headers(row.iter().map(|(k, _)| k.to_string()).collect())?;
        }
        self.rows += 1;
        match self.format {
            // The file formats of `cg export` are refused for other commands.
            OutputFormat::Json | OutputFormat::Parquet | OutputFormat::Singer => {
                let mut line = String::from("{");
                for (i, (k, v)) in row.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    line.push_str(&serde_json::to_string(k).map_err(io::Error::other)?);
                    line.push(':');
                    line.push_str(&serde_json::to_string(v).map_err(io::Error::other)?);
                }
                line.push_str("}\n");
                self.out.write_all(line.as_bytes())
            }
            OutputFormat::Csv => {
                let cells: Vec<String> = row.iter().map(|(_, v)| text(v)).collect();
                self.out.write_all(&csv_line(&cells)?)
            }
            OutputFormat::Table => self.table_row(row.iter().map(|(_, v)| text(v)).collect()),
        }
    }

    fn flush_window(&mut self) -> io::Result<()> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for cells in &self.window {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.chars().count());
            }
        }
        self.widths = Some(widths);
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        self.table_line(&headers)?;
        for cells in std::mem::take(&mut self.window) {
            self.table_line(&cells)?;
        }
        Ok(())
    }

    fn table_line(&mut self, cells: &[String]) -> io::Result<()> {
        let widths = self.widths.clone().unwrap_or_default();
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        line.truncate(line.trim_end().len());
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    /// Prints what a table still holds and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == OutputFormat::Table && self.widths.is_none() && !self.window.is_empty() {
            self.flush_window()?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn print(format: OutputFormat) -> String {
        let buf = Buf::default();
        let mut p = Printer::new(format, Box::new(buf.clone()));
        p.row(vec![
            ("id", json!(1)),
            ("name", json!("Global")),
            ("parent", Value::Null),
        ])
        .unwrap();
        p.row(vec![
            ("id", json!(22)),
            ("name", json!("Sales, EU")),
            ("parent", json!("Global")),
        ])
        .unwrap();
        p.finish().unwrap();
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(
            print(OutputFormat::Table),
            "ID  NAME       PARENT\n1   Global\n22  Sales, EU  Global\n"
        );
        assert_eq!(
            print(OutputFormat::Json),
            "{\"id\":1,\"name\":\"Global\",\"parent\":null}\n{\"id\":22,\"name\":\"Sales, EU\",\"parent\":\"Global\"}\n"
        );
        assert_eq!(
            print(OutputFormat::Csv),
            "id,name,parent\n1,Global,\n22,\"Sales, EU\",Global\n"
        );
    }

    #[derive(serde::Serialize)]
    struct Model {
        id: u64,
        name: Option<String>,
        tags: Vec<String>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    impl Listed for Model {
        const TABLE: &'static [(&'static str, &'static str)] = &[("name", "name"), ("id", "id")];
        fn extra_keys(&self) -> Vec<String> {
            self.extra.keys().cloned().collect()
        }
    }

    fn print_items(format: OutputFormat) -> String {
        let buf = Buf::default();
        let mut p = Printer::new(format, Box::new(buf.clone()));
        let first = Model {
            id: 1,
            name: Some("a, b".into()),
            tags: vec!["x".into()],
            extra: Map::from_iter([("revision".to_string(), json!(3))]),
        };
        let second = Model {
            id: 2,
            name: None,
            tags: vec![],
            extra: Map::new(),
        };
        p.item(&first).unwrap();
        p.item(&second).unwrap();
        p.finish().unwrap();
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn models_print_as_serialized() {
        assert_eq!(
            print_items(OutputFormat::Json),
            "{\"id\":1,\"name\":\"a, b\",\"revision\":3,\"tags\":[\"x\"]}\n\
             {\"id\":2,\"name\":null,\"tags\":[]}\n"
        );
        assert_eq!(
            print_items(OutputFormat::Csv),
            "id,name,tags,extra\n1,\"a, b\",\"[\"\"x\"\"]\",\"{\"\"revision\"\":3}\"\n2,,[],\n"
        );
        assert_eq!(
            print_items(OutputFormat::Table),
            "NAME  ID\na, b  1\n      2\n"
        );
    }
}
