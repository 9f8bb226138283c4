//! Printing results as they arrive: an aligned table, JSON lines, or CSV.

use std::io::{self, Write};

use serde_json::Value;

use crate::cli::OutputFormat;

/// Rows a table collects before it fixes its column widths and starts printing.
const TABLE_WINDOW: usize = 64;

/// One output row: column name and value, in column order.
pub type Row = Vec<(&'static str, Value)>;

/// Writes rows to stdout in the chosen format without holding a whole listing.
pub struct Printer {
    format: OutputFormat,
    out: Box<dyn Write>,
    headers: Vec<&'static str>,
    window: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    rows: u64,
}

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

    /// Prints one row (tables hold the first few to size their columns).
    pub fn row(&mut self, row: Row) -> io::Result<()> {
        if self.rows == 0 && self.window.is_empty() {
            self.headers = row.iter().map(|(k, _)| *k).collect();
            if self.format == OutputFormat::Csv {
                let header: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
                self.out.write_all(&csv_line(&header)?)?;
            }
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
            OutputFormat::Table => {
                let cells: Vec<String> = row.iter().map(|(_, v)| text(v)).collect();
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
}
