//! Directory output: parts named by the cursor they start from
//! (`DIR[/FIELD=YYYY-MM-DD]/part-<cursor>.<ext>`), written under a hidden temporary name
//! and renamed once complete, so a re-run after a crash replaces a part rather than
//! adding a second copy, and readers (Spark, Trino, DuckDB, pandas skip dot files)
//! never see a half-written one.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::encode::{Encoder, Format, Stream};
use super::row::{self, Row};
use super::state::sync_dir;
use crate::error::CliError;

/// The partition of rows without a readable day (Hive's convention).
pub const NO_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

const TMP_PREFIX: &str = ".tmp-part-";

/// A part name from a cursor: `start` for the beginning; characters that are not
/// safe in file names percent-encoded.
pub fn part_name(from: Option<&str>) -> String {
    let Some(cursor) = from else {
        return "start".to_owned();
    };
    let mut name = String::with_capacity(cursor.len());
    for b in cursor.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    name
}

fn io_at(path: &Path, source: std::io::Error) -> CliError {
    CliError::Io {
        path: path.display().to_string(),
        source,
    }
}

struct PartFile {
    dir: PathBuf,
    encoder: Encoder<BufWriter<NamedTempFile>>,
}

/// The part being written: one file per partition.
struct Part {
    name: String,
    rows: u64,
    files: BTreeMap<String, PartFile>,
}

/// Writes pages into parts of about `part_rows` rows.
pub struct DirSink {
    root: PathBuf,
    format: Format,
    stream: Stream,
    partition_by: Option<String>,
    part_rows: u64,
    part: Option<Part>,
}

impl DirSink {
    /// Creates `root` if needed and removes the temporary files a killed run left.
    pub fn new(
        root: PathBuf,
        format: Format,
        stream: Stream,
        partition_by: Option<String>,
        part_rows: u64,
    ) -> Result<DirSink, CliError> {
        std::fs::create_dir_all(&root).map_err(|e| io_at(&root, e))?;
        remove_temporaries(&root, partition_by.is_some()).map_err(|e| io_at(&root, e))?;
        let stream = match &partition_by {
            Some(field) => Stream {
                columns: row::partitioned(&stream.columns, field),
                ..stream
            },
            None => stream,
        };
        Ok(DirSink {
            root,
            format,
            stream,
            partition_by,
            part_rows,
            part: None,
        })
    }

    fn dir_of(&self, partition: &str) -> PathBuf {
        match &self.partition_by {
            Some(field) => self.root.join(format!("{field}={partition}")),
            None => self.root.clone(),
        }
    }

    /// Writes a page that was asked with cursor `from`; `true` when it completed a
    /// part, so everything up to this page is durable.
    pub fn page(&mut self, from: Option<&str>, rows: &[Row]) -> Result<bool, CliError> {
        if self.part.is_none() {
            self.part = Some(Part {
                name: part_name(from),
                rows: 0,
                files: BTreeMap::new(),
            });
        }
        let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        match &self.partition_by {
            None => {
                groups.insert(String::new(), rows.to_vec());
            }
            Some(field) => {
                let full = row::full_value_column(field).unwrap_or(field);
                for r in rows {
                    let day = row::day_of(r.get(field)).unwrap_or_else(|| NO_PARTITION.to_owned());
                    let mut r = r.clone();
                    if let Some(v) = r.remove(field) {
                        r.insert(full.to_owned(), v);
                    }
                    groups.entry(day).or_default().push(r);
                }
            }
        }
        for (partition, rows) in groups {
            let dir = self.dir_of(&partition);
            let Some(part) = self.part.as_mut() else {
                unreachable!("a part was started above")
            };
            if !part.files.contains_key(&partition) {
                std::fs::create_dir_all(&dir).map_err(|e| io_at(&dir, e))?;
                let tmp = tempfile::Builder::new()
                    .prefix(TMP_PREFIX)
                    .tempfile_in(&dir)
                    .map_err(|e| io_at(&dir, e))?;
                let encoder = Encoder::open(self.format, &self.stream, BufWriter::new(tmp))
                    .map_err(|e| io_at(&dir, e))?;
                part.files.insert(
                    partition.clone(),
                    PartFile {
                        dir: dir.clone(),
                        encoder,
                    },
                );
            }
            if let Some(file) = part.files.get_mut(&partition) {
                file.encoder
                    .rows(&self.stream.columns, &rows)
                    .map_err(|e| io_at(&dir, e))?;
            }
        }
        let full = self.part.as_mut().is_some_and(|p| {
            p.rows += rows.len() as u64;
            p.rows >= self.part_rows
        });
        if full {
            self.close_part()?;
        }
        Ok(full)
    }

    /// Completes the part being written, if any: every file is synced, then renamed
    /// to its final name, then the directories are synced.
    pub fn close_part(&mut self) -> Result<(), CliError> {
        let Some(part) = self.part.take() else {
            return Ok(());
        };
        let final_name = format!("part-{}.{}", part.name, self.format.extension());
        let mut done = Vec::new();
        for (_, file) in part.files {
            let tmp = file.encoder.finish().map_err(|e| io_at(&file.dir, e))?;
            let tmp = tmp
                .into_inner()
                .map_err(|e| io_at(&file.dir, e.into_error()))?;
            tmp.as_file().sync_all().map_err(|e| io_at(&file.dir, e))?;
            done.push((file.dir, tmp));
        }
        for (dir, tmp) in done {
            let target = dir.join(&final_name);
            tmp.persist(&target).map_err(|e| io_at(&target, e.error))?;
            sync_dir(&dir).map_err(|e| io_at(&dir, e))?;
        }
        if self.partition_by.is_some() {
            sync_dir(&self.root).map_err(|e| io_at(&self.root, e))?;
        }
        Ok(())
    }
}

/// Removes `.tmp-part-*` files in `root` (and its partition directories).
fn remove_temporaries(root: &Path, partitioned: bool) -> std::io::Result<()> {
    let mut dirs = vec![root.to_owned()];
    if partitioned {
        for entry in std::fs::read_dir(root)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    for dir in dirs {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_keep_safe_cursors_and_encode_the_rest() {
        assert_eq!(part_name(None), "start");
        assert_eq!(part_name(Some("cg1_00ff")), "cg1_00ff");
        assert_eq!(part_name(Some("123")), "123");
        assert_eq!(part_name(Some("a/b=")), "a%2Fb%3D");
    }
}
