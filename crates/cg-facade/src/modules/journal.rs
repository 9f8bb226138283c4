//! The journal of a bulk import: which rows were sent and what became of them, kept so
//! a crashed, killed or interrupted import can be run again without surveying anyone
//! twice.
//!
//! A row is journaled `started` before its request leaves and its outcome is appended
//! as soon as it is known. On the next run, rows with a final outcome are skipped and
//! rows started without one are *unknown*: the service may have imported them, so they
//! are not resent unless the caller opts in.
//!
//! [`FileJournal`] keeps it in a file of JSON lines:
//!
//! ```text
//! {"journal":"cg-records-import/1","input_sha256":"9f86..","configuration":"9dd58237-.."}
//! {"started":0}
//! {"row":0,"outcome":"imported"}
//! {"started":1}
//! {"row":1,"outcome":"duplicate","cg_id":42}
//! ```
//!
//! ```no_run
//! # async fn run(client: cg_facade::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use cg_facade::modules::journal::{FileJournal, JournalHeader, sha256_file};
//! use cg_facade::modules::records::Record;
//!
//! let header = JournalHeader {
//!     input_sha256: sha256_file("contacts.csv".as_ref())?,
//!     configuration: "9dd58237-c913-4073-9c76-07da0b49ff50".into(),
//! };
//! let (journal, resume) = FileJournal::open("contacts.csv.journal".as_ref(), &header, false)?;
//! let records = vec![Record::new().field("Email", "joe@example.com")];
//! let summary = client
//!     .records()
//!     .import(header.configuration.clone(), records)
//!     .journal(journal, resume)
//!     .run()
//!     .await;
//! println!("{summary}");
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::modules::bulk::BulkResult;

/// The format name on a journal's first line.
pub const JOURNAL_FORMAT: &str = "cg-records-import/1";

/// How often a [`FileJournal`] with unsynced lines is fsynced.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// What the journal keeps of a row's outcome (without the record itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JournalOutcome {
    /// Imported.
    Imported,
    /// Imported, confirmed by a duplicate answer to a resend.
    ImportedConfirmedByDuplicate {
        /// The CG-ID the service named.
        cg_id: u64,
    },
    /// A duplicate of an earlier survey (not imported).
    Duplicate {
        /// The CG-ID the service named.
        cg_id: u64,
    },
    /// Refused, locally or by the service.
    Rejected {
        /// Whether the record reached the service.
        sent: bool,
        /// Why.
        message: String,
    },
    /// Sent, fate unknown: it may be in.
    Unknown {
        /// Why it is unknown.
        reason: String,
    },
    /// Not processed (no answer that it arrived, and none that it may have): may be sent again.
    Failed {
        /// The error.
        reason: String,
    },
}

impl JournalOutcome {
    /// The journal's view of a bulk result.
    pub fn of(result: &BulkResult) -> JournalOutcome {
        match result {
            BulkResult::Imported => JournalOutcome::Imported,
            BulkResult::ImportedConfirmedByDuplicate { cg_id } => {
                JournalOutcome::ImportedConfirmedByDuplicate { cg_id: *cg_id }
            }
            BulkResult::Duplicate { cg_id } => JournalOutcome::Duplicate { cg_id: *cg_id },
            BulkResult::Rejected { sent, message, .. } => JournalOutcome::Rejected {
                sent: *sent,
                message: message.clone(),
            },
            BulkResult::Unknown { reason } => JournalOutcome::Unknown {
                reason: reason.clone(),
            },
            BulkResult::Failed { error } => JournalOutcome::Failed {
                reason: error.to_string(),
            },
        }
    }

    /// Whether a later run skips the row (everything but [`Failed`](Self::Failed),
    /// which was not processed and is sent again).
    pub fn is_final(&self) -> bool {
        !matches!(self, JournalOutcome::Failed { .. })
    }
}

/// Where a bulk import journals its rows. Implementations must make
/// [`started`](Journal::started) reach the operating system before returning (a killed
/// process must not lose it); outcome lines may be buffered until [`sync`](Journal::sync).
pub trait Journal: Send + Sync + fmt::Debug + 'static {
    /// Row `row` (its position in the input, from 0) is about to be sent.
    fn started(&self, row: u64) -> io::Result<()>;
    /// Row `row` ended with `outcome`.
    fn finished(&self, row: u64, outcome: &JournalOutcome) -> io::Result<()>;
    /// Makes everything written so far durable (fsync for a file).
    fn sync(&self) -> io::Result<()>;
}

/// What an earlier run left in the journal, by row.
#[derive(Clone, Debug, Default)]
pub struct Resume {
    outcomes: HashMap<u64, JournalOutcome>,
}

impl Resume {
    /// A first run: nothing to skip.
    pub fn fresh() -> Resume {
        Resume::default()
    }

    /// The final outcome an earlier run recorded for `row`; a row started without an
    /// outcome is [`JournalOutcome::Unknown`].
    pub fn outcome(&self, row: u64) -> Option<&JournalOutcome> {
        self.outcomes.get(&row)
    }

    /// Rows with a final outcome.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// Whether no row has a final outcome.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// Rows whose outcome is unknown, in input order.
    pub fn unknown_rows(&self) -> Vec<u64> {
        let mut rows: Vec<u64> = self
            .outcomes
            .iter()
            .filter(|(_, o)| matches!(o, JournalOutcome::Unknown { .. }))
            .map(|(r, _)| *r)
            .collect();
        rows.sort_unstable();
        rows
    }

    /// Forgets the unknown rows, so they are sent again: only for a mapping with a
    /// duplication rule (see [`RetryPolicy::resend_ambiguous_records`](crate::RetryPolicy)).
    pub fn resend_unknown(&mut self) {
        self.outcomes
            .retain(|_, o| !matches!(o, JournalOutcome::Unknown { .. }));
    }

    fn apply(&mut self, line: Line) {
        match line {
            Line::Started { started } => {
                // Started again after an earlier outcome that was not final: unknown until told.
                self.outcomes
                    .entry(started)
                    .and_modify(|o| {
                        if !o.is_final() {
                            *o = started_without_outcome();
                        }
                    })
                    .or_insert_with(started_without_outcome);
            }
            Line::Finished { row, outcome } => {
                if outcome.is_final() {
                    self.outcomes.insert(row, outcome);
                } else {
                    self.outcomes.remove(&row);
                }
            }
            Line::Header(_) => {}
        }
    }
}

fn started_without_outcome() -> JournalOutcome {
    JournalOutcome::Unknown {
        reason: "sent by an earlier run that ended before the answer came (crash, kill or interrupt); it may have been imported".into(),
    }
}

/// The first line of a journal: what it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// SHA-256 of the input, hex ([`sha256_file`]).
    pub input_sha256: String,
    /// The Inbound Mapping reference.
    pub configuration: String,
}

#[derive(Serialize, Deserialize)]
struct HeaderLine {
    journal: String,
    #[serde(flatten)]
    header: JournalHeader,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Line {
    Header(HeaderLine),
    Started {
        started: u64,
    },
    Finished {
        row: u64,
        #[serde(flatten)]
        outcome: JournalOutcome,
    },
}

/// Why a journal could not be opened or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing the file failed.
    #[error("journal {}: {source}", .path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not a journal of this format.
    #[error("{} is not a records import journal (line {line}); give another --journal path or remove it", .path.display())]
    NotAJournal {
        /// The file.
        path: PathBuf,
        /// The first line that is not one.
        line: usize,
    },
    /// The input or the configuration changed since the journal was started.
    #[error(
        "{} belongs to another import: the {what} changed since it was started; \
         resuming would skip or resend the wrong rows (use --restart to start over, which forgets what was sent)",
        .path.display()
    )]
    Mismatch {
        /// The journal file.
        path: PathBuf,
        /// "input file" or "configuration".
        what: &'static str,
    },
}

/// A journal in an append-only file of JSON lines; see the [module docs](self).
#[derive(Clone)]
pub struct FileJournal {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    file: Mutex<File>,
    dirty: AtomicBool,
}

impl fmt::Debug for FileJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileJournal")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl FileJournal {
    /// Opens (or creates) the journal at `path` for the import `header` describes and
    /// reads what earlier runs left. A journal of another input or configuration is
    /// refused unless `restart`, which starts it over.
    pub fn open(
        path: &Path,
        header: &JournalHeader,
        restart: bool,
    ) -> Result<(FileJournal, Resume), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut resume = Resume::default();
        let len = file.metadata().map_err(io)?.len();
        if len > 0 && !restart {
            let whole = read_all_lines(path, &mut file, header, &mut resume)?;
            if whole < len {
                // A line cut short by a kill: drop it so the next one starts clean.
                file.set_len(whole).map_err(io)?;
            }
        } else {
            if len > 0 {
                file.set_len(0).map_err(io)?;
            }
            let line = HeaderLine {
                journal: JOURNAL_FORMAT.into(),
                header: header.clone(),
            };
            write_line(&mut file, &line).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        let inner = Arc::new(Inner {
            path: path.to_owned(),
            file: Mutex::new(file),
            dirty: AtomicBool::new(false),
        });
        spawn_syncer(Arc::downgrade(&inner));
        Ok((FileJournal { inner }, resume))
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn append(&self, line: &Line) -> io::Result<()> {
        let mut file = self
            .inner
            .file
            .lock()
            .map_err(|_| io::Error::other("the journal lock was poisoned"))?;
        write_line(&mut file, line)?;
        self.inner.dirty.store(true, Ordering::Release);
        Ok(())
    }
}

/// One `write` of the whole line: it is in the OS when this returns.
fn write_line<T: Serialize>(file: &mut File, line: &T) -> io::Result<()> {
    let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
    bytes.push(b'\n');
    file.write_all(&bytes)
}

/// Reads every line into `resume`; the length of the whole lines.
fn read_all_lines(
    path: &Path,
    file: &mut File,
    header: &JournalHeader,
    resume: &mut Resume,
) -> Result<u64, JournalError> {
    let io = |source| JournalError::Io {
        path: path.to_owned(),
        source,
    };
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut reader = BufReader::new(&mut *file);
    let mut buf = Vec::new();
    let mut number = 0usize;
    let mut whole = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        number += 1;
        let ends_in_newline = buf.ends_with(b"\n");
        if ends_in_newline {
            whole += n as u64;
        }
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let parsed: Option<Line> = serde_json::from_slice(text).ok();
        match (number, parsed) {
            (1, Some(Line::Header(h))) => {
                if h.journal != JOURNAL_FORMAT {
                    return Err(JournalError::NotAJournal {
                        path: path.to_owned(),
                        line: 1,
                    });
                }
                let what = if h.header.input_sha256 != header.input_sha256 {
                    Some("input file")
                } else if h.header.configuration != header.configuration {
                    Some("configuration")
                } else {
                    None
                };
                if let Some(what) = what {
                    return Err(JournalError::Mismatch {
                        path: path.to_owned(),
                        what,
                    });
                }
            }
            (1, _) => {
                return Err(JournalError::NotAJournal {
                    path: path.to_owned(),
                    line: 1,
                });
            }
            (_, Some(line @ (Line::Started { .. } | Line::Finished { .. }))) => resume.apply(line),
            // Only the last line can be cut short (by a kill mid-write); it said nothing whole.
            (_, _) if !ends_in_newline => {}
            (line, _) => {
                return Err(JournalError::NotAJournal {
                    path: path.to_owned(),
                    line,
                });
            }
        }
    }
    Ok(whole)
}

/// Fsyncs a dirty journal once per [`SYNC_INTERVAL`] until the journal is dropped.
fn spawn_syncer(inner: Weak<Inner>) {
    let spawned = std::thread::Builder::new()
        .name("cg-journal-sync".into())
        .spawn(move || {
            loop {
                std::thread::sleep(SYNC_INTERVAL);
                let Some(inner) = inner.upgrade() else { return };
                if inner.dirty.swap(false, Ordering::AcqRel) {
                    let synced = inner.file.lock().map(|f| f.sync_data());
                    if let Ok(Err(e)) = synced {
                        tracing::warn!(error = %e, "could not fsync the import journal");
                        inner.dirty.store(true, Ordering::Release);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no journal sync thread; the journal is synced on finish only");
    }
}

impl Journal for FileJournal {
    fn started(&self, row: u64) -> io::Result<()> {
        self.append(&Line::Started { started: row })
    }

    fn finished(&self, row: u64, outcome: &JournalOutcome) -> io::Result<()> {
        self.append(&Line::Finished {
            row,
            outcome: outcome.clone(),
        })
    }

    fn sync(&self) -> io::Result<()> {
        let file = self
            .inner
            .file
            .lock()
            .map_err(|_| io::Error::other("the journal lock was poisoned"))?;
        file.sync_data()?;
        self.inner.dirty.store(false, Ordering::Release);
        Ok(())
    }
}

/// SHA-256 of a file's content, hex: what a journal header names its input by.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(hash: &str) -> JournalHeader {
        JournalHeader {
            input_sha256: hash.into(),
            configuration: "c".into(),
        }
    }

    #[test]
    fn resume_skips_final_rows_and_marks_started_ones_unknown() {
        let dir = std::env::temp_dir().join(format!("cg-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.journal");
        let _ = std::fs::remove_file(&path);
        {
            let (j, resume) = FileJournal::open(&path, &header("h"), false).unwrap();
            assert!(resume.is_empty());
            for row in 0..4 {
                j.started(row).unwrap();
            }
            j.finished(0, &JournalOutcome::Imported).unwrap();
            j.finished(1, &JournalOutcome::Duplicate { cg_id: 7 })
                .unwrap();
            j.finished(
                2,
                &JournalOutcome::Failed {
                    reason: "429".into(),
                },
            )
            .unwrap();
            j.sync().unwrap();
        }
        // A line cut short by a kill.
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"row\":3,\"outc")
            .unwrap();
        let (j, mut resume) = FileJournal::open(&path, &header("h"), false).unwrap();
        assert_eq!(resume.outcome(0), Some(&JournalOutcome::Imported));
        assert_eq!(
            resume.outcome(1),
            Some(&JournalOutcome::Duplicate { cg_id: 7 })
        );
        assert_eq!(resume.outcome(2), None, "not processed: sent again");
        assert_eq!(resume.unknown_rows(), vec![3]);
        j.finished(3, &JournalOutcome::Imported).unwrap();
        drop(j);
        let (_, again) = FileJournal::open(&path, &header("h"), false).unwrap();
        assert_eq!(again.outcome(3), Some(&JournalOutcome::Imported));
        resume.resend_unknown();
        assert!(resume.unknown_rows().is_empty());

        let e = FileJournal::open(&path, &header("other"), false).unwrap_err();
        assert!(e.to_string().contains("input file changed"), "{e}");
        let (_, fresh) = FileJournal::open(&path, &header("other"), true).unwrap();
        assert!(fresh.is_empty(), "restart forgets");
        std::fs::write(&path, "hello\n").unwrap();
        assert!(matches!(
            FileJournal::open(&path, &header("h"), false),
            Err(JournalError::NotAJournal { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
