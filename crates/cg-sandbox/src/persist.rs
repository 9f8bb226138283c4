//! The `--state FILE`: loaded at start when present, saved (atomically: temp file, then
//! rename) shortly after every change and at shutdown.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::App;
use crate::state::State;

/// Changes within this window are written together.
const DEBOUNCE: Duration = Duration::from_millis(25);

/// Reads a state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> io::Result<Option<State>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes a state file atomically.
pub fn save(path: &Path, state: &State) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

async fn save_now(app: &App, path: &Path) -> u64 {
    let (version, snapshot) = app.store.read(|s| (app.store.version(), s.clone()));
    let path = path.to_owned();
    let result = tokio::task::spawn_blocking(move || save(&path, &snapshot)).await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("cg-sandbox: could not save the state: {e}"),
        Err(e) => eprintln!("cg-sandbox: could not save the state: {e}"),
    }
    version
}

/// Resolves once `shutdown` turns true (or its sender is gone).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Saves after changes until shutdown, then once more.
pub(crate) async fn saver(app: Arc<App>, path: PathBuf, mut shutdown: watch::Receiver<bool>) {
    let mut saved = save_now(&app, &path).await;
    loop {
        tokio::select! {
            () = app.store.changed() => {
                tokio::time::sleep(DEBOUNCE).await;
                if app.store.version() != saved {
                    saved = save_now(&app, &path).await;
                }
            }
            () = stopped(&mut shutdown) => break,
        }
    }
    if app.store.version() != saved {
        save_now(&app, &path).await;
    }
}
