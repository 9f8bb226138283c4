//! The state file: the cursor of each stream, with the account it belongs to, in the
//! Singer state layout (`{"bookmarks": {stream: {"cursor": ..}}}`) so Meltano can hand
//! it back. Stored atomically: temporary file in the same directory, fsync, rename,
//! fsync of the directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use cg_facade::modules::checkpoint::Token;

use super::cursor;
use crate::error::CliError;

/// Which account a cursor belongs to: never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The API base URL.
    pub api_url: String,
    /// The OAuth2 client id (empty with an API key or a bearer token only).
    pub client_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Bookmark {
    #[serde(default)]
    cursor: Option<Value>,
    #[serde(default)]
    account: Option<Account>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Layout {
    #[serde(default)]
    bookmarks: Map<String, Value>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The state of one stream, loaded and checked; `store` writes it back.
#[derive(Debug)]
pub struct StreamState {
    path: Option<PathBuf>,
    layout: Layout,
    stream: String,
    account: Account,
    /// The stored cursor (`None`: from the start).
    pub cursor: Option<Token>,
}

fn bad(path: &Path, problem: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!(
        "state file {}: {problem}; nothing was exported (fix or remove the file to start over)",
        path.display()
    ))
}

impl StreamState {
    /// No state file: start at the beginning, store nothing.
    pub fn none(stream: &str, account: Account) -> StreamState {
        StreamState {
            path: None,
            layout: Layout::default(),
            stream: stream.to_owned(),
            account,
            cursor: None,
        }
    }

    /// Reads `path` (absent or empty: a new state) for `stream` of `account`: a
    /// corrupt file, one holding only other streams, or one of another account is an
    /// error.
    pub fn load(path: &Path, stream: &str, account: Account) -> Result<StreamState, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(bad(path, format!("cannot be read: {e}"))),
        };
        let mut state = StreamState::none(stream, account);
        state.path = Some(path.to_owned());
        if text.trim().is_empty() {
            return Ok(state);
        }
        let layout: Layout = serde_json::from_str(&text).map_err(|e| {
            bad(
                path,
                format!("is not a state file (JSON with \"bookmarks\"): {e}"),
            )
        })?;
        if let Some(mark) = layout.bookmarks.get(stream) {
            let mark: Bookmark = serde_json::from_value(mark.clone()).map_err(|e| {
                bad(
                    path,
                    format!("the bookmark of stream {stream} is malformed: {e}"),
                )
            })?;
            if let Some(stored) = &mark.account
                && *stored != state.account
            {
                return Err(bad(
                    path,
                    format!(
                        "it belongs to client {:?} at {}, not to client {:?} at {}",
                        stored.client_id,
                        stored.api_url,
                        state.account.client_id,
                        state.account.api_url
                    ),
                ));
            }
            state.cursor = match &mark.cursor {
                None | Some(Value::Null) => None,
                Some(v) => Some(cursor::from_json(v).ok_or_else(|| {
                    bad(
                        path,
                        format!("the cursor of stream {stream} is {v}, not a string or an integer"),
                    )
                })?),
            };
        } else if !layout.bookmarks.is_empty() {
            let streams: Vec<&str> = layout.bookmarks.keys().map(String::as_str).collect();
            return Err(bad(
                path,
                format!(
                    "it holds the state of {}, not of {stream}",
                    streams.join(", ")
                ),
            ));
        }
        state.layout = layout;
        Ok(state)
    }

    /// The Singer state value with this stream at `cursor` (other bookmarks kept).
    pub fn value_at(&mut self, at: Option<&Token>) -> Value {
        let mark = Bookmark {
            cursor: at.map(cursor::to_json),
            account: Some(self.account.clone()),
            other: Map::new(),
        };
        let mark = serde_json::to_value(mark).unwrap_or(Value::Null);
        self.layout.bookmarks.insert(self.stream.clone(), mark);
        serde_json::to_value(&self.layout).unwrap_or(Value::Null)
    }

    /// Stores `at` as this stream's cursor, durably, when there is a state file.
    pub fn store(&mut self, at: Option<&Token>) -> Result<(), CliError> {
        let value = self.value_at(at);
        self.cursor = at.cloned();
        let Some(path) = &self.path else {
            return Ok(());
        };
        let mut text = serde_json::to_string_pretty(&value).map_err(std::io::Error::other)?;
        text.push('\n');
        write_atomically(path, text.as_bytes())
            .map_err(|e| bad(path, format!("could not be written: {e}")))
    }
}

/// The directory holding `path` ("." for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Replaces `path` with `bytes` so a crash leaves the old or the new content, never a
/// mix: temporary file beside it, fsync, rename, fsync of the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-state-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            api_url: "http://127.0.0.1:1/".into(),
            client_id: "demo".into(),
        }
    }

    #[test]
    fn a_stored_cursor_is_read_back_for_the_same_stream_and_account() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut s = StreamState::load(&path, "responses", account()).unwrap();
        assert_eq!(s.cursor, None);
        s.store(Some(&Token::from("cg1_abc"))).unwrap();
        let again = StreamState::load(&path, "responses", account()).unwrap();
        assert_eq!(
            again.cursor.map(|c| cursor::text(&c)).as_deref(),
            Some("cg1_abc")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"bookmarks\""), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[test]
    fn corrupt_other_stream_and_other_account_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{not json").unwrap();
        let e = StreamState::load(&path, "responses", account())
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a state file"), "{e}");

        let mut s = StreamState::load(&dir.path().join("b.json"), "responses", account()).unwrap();
        s.store(Some(&Token::from("c1"))).unwrap();
        let e = StreamState::load(&dir.path().join("b.json"), "non-responses", account())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("holds the state of responses, not of non-responses"),
            "{e}"
        );
        let other = Account {
            client_id: "someone-else".into(),
            ..account()
        };
        let e = StreamState::load(&dir.path().join("b.json"), "responses", other)
            .unwrap_err()
            .to_string();
        assert!(e.contains("belongs to client \"demo\""), "{e}");

        std::fs::write(&path, r#"{"bookmarks":{"responses":{"cursor":[1]}}}"#).unwrap();
        let e = StreamState::load(&path, "responses", account())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a string or an integer"), "{e}");
    }

    #[test]
    fn integer_cursors_from_singer_state_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, r#"{"bookmarks":{"responses":{"cursor":123}}}"#).unwrap();
        let s = StreamState::load(&path, "responses", account()).unwrap();
        assert_eq!(s.cursor.map(|c| cursor::text(&c)).as_deref(), Some("123"));
    }
}
