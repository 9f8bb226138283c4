//! The sandbox as a separate process (the release `cg-sandbox` binary), so that it does
//! not share the benchmark's runtime or CPU accounting.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use crate::procfs;

/// A running `cg-sandbox` process; killed when dropped.
pub struct SandboxProc {
    child: Child,
    // Kept open: the sandbox may still print, and a closed pipe would fail its writes.
    _stdout: BufReader<ChildStdout>,
    pid: String,
    /// Root of the api host.
    pub api: String,
    /// Root of the imports host.
    pub imports: String,
    /// Root of the auth host.
    pub auth: String,
    /// The demo client id.
    pub client_id: String,
    /// The demo client secret.
    pub client_secret: String,
    /// The demo API key.
    pub api_key: String,
}

/// How to start a sandbox.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--seed-demo`.
    pub seed_demo: bool,
    /// `--faults JSON`.
    pub faults: Option<String>,
    /// `--state FILE`.
    pub state: Option<PathBuf>,
    /// `--rate-limit R`: a token bucket of R requests per second per client.
    pub rate_limit: Option<u32>,
}

impl SandboxProc {
    /// Starts `bin` on free ports and reads the URLs and credentials it prints.
    pub fn start(bin: &Path, options: &Options) -> Result<SandboxProc, String> {
        let mut command = Command::new(bin);
        command.args(["--port", "0"]);
        if options.seed_demo {
            command.arg("--seed-demo");
        }
        if let Some(faults) = &options.faults {
            command.args(["--faults", faults]);
        }
        if let Some(rate) = options.rate_limit {
            command.args(["--rate-limit", &rate.to_string()]);
        }
        if let Some(state) = &options.state {
            command.arg("--state").arg(state);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout of the sandbox")?;
        let mut stdout = BufReader::new(stdout);
        let mut said: HashMap<String, String> = HashMap::new();
        let mut line = String::new();
        while !said.contains_key("configuration") {
            line.clear();
            let n = stdout
                .read_line(&mut line)
                .map_err(|e| format!("reading the sandbox's output: {e}"))?;
            if n == 0 {
                let _ = child.kill();
                let status = child.wait().map_err(|e| e.to_string())?;
                return Err(format!("the sandbox exited before it was ready ({status})"));
            }
            let mut words = line.split_whitespace();
            if let (Some(key), Some(value)) = (words.next(), words.next()) {
                said.insert(key.to_owned(), value.to_owned());
            }
        }
        let get = |key: &str| {
            said.get(key)
                .cloned()
                .ok_or_else(|| format!("the sandbox did not print {key:?}"))
        };
        let sandbox = SandboxProc {
            pid: child.id().to_string(),
            api: get("api")?,
            imports: get("imports")?,
            auth: get("auth")?,
            client_id: get("client_id")?,
            client_secret: get("client_secret")?,
            api_key: get("api_key")?,
            child,
            _stdout: stdout,
        };
        Ok(sandbox)
    }

    /// CPU seconds the sandbox has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        procfs::cpu_seconds(&self.pid).unwrap_or(0.0)
    }

    /// Peak resident memory of the sandbox, in KiB.
    pub fn peak_kib(&self) -> u64 {
        procfs::status_kib(&self.pid, "VmHWM").unwrap_or(0)
    }

    /// The token endpoint.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.auth)
    }
}

impl Drop for SandboxProc {
    fn drop(&mut self) {
        // Our own child, by its handle: SIGKILL, so a state file is not saved again.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
