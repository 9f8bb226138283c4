//! Helpers shared by the integration tests of `cg`: running the binary, a sandbox the
//! test controls, and redaction of what changes from run to run (ports, paths, dates).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

use cg_sandbox::{Sandbox, SandboxBuilder};
use regex::Regex;

/// The `cg` binary under test.
pub const CG: &str = env!("CARGO_BIN_EXE_cg");

/// What one run of `cg` did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    /// How many leading arguments are the connection options of a [`TestSandbox`] (not shown in transcripts).
    pub hidden: usize,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the whole run unless it exited with `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "cg {:?}\n--- stdout\n{}--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    /// Exit 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect_code(0)
    }

    /// The one line of a failure: exactly one line on stderr starts with `error: ` (with
    /// `-v`.. tracing may come before or after it), and without tracing it is the last one.
    #[track_caller]
    pub fn error_line(&self) -> &str {
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "not one error line in stderr of cg {:?}:\n{}",
            self.args,
            self.stderr
        );
        let verbose = self
            .args
            .iter()
            .any(|a| a.starts_with("-v") && a.trim_start_matches('-').chars().all(|c| c == 'v'));
        if !verbose {
            let last = self
                .stderr
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or_default();
            assert_eq!(
                last, errors[0],
                "the error is not the last line of stderr of cg {:?}:\n{}",
                self.args, self.stderr
            );
        }
        errors[0]
    }

    /// A transcript for a snapshot: the command, the exit code, stdout and stderr.
    pub fn transcript(&self) -> String {
        let mut t = format!(
            "$ cg {}\n[exit {}]\n",
            shown_args(&self.args[self.hidden..]),
            self.code
        );
        if !self.stdout.is_empty() {
            t.push_str("--- stdout\n");
            t.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            t.push_str("--- stderr\n");
            t.push_str(&self.stderr);
        }
        t
    }
}

/// The arguments as shown in transcripts, quoted where they hold spaces.
fn shown_args(args: &[String]) -> String {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect();
    shown.join(" ")
}

/// A config file that does not exist: no run reads the profiles of whoever runs the tests.
pub fn no_config() -> std::path::PathBuf {
    std::env::temp_dir()
        .join("cg-cli-tests-no-config")
        .join("none.toml")
}

/// `cg` with a clean environment: no `CG_*` or `RUST_LOG` from the caller, no config
/// file, stdin empty.
pub fn cg_command() -> Command {
    let mut c = Command::new(CG);
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str()
            && (k.starts_with("CG_") || k == "RUST_LOG")
        {
            c.env_remove(k);
        }
    }
    c.env_remove("COLUMNS");
    c.env("CG_CONFIG", no_config())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Runs a prepared command to the end.
pub fn run_command(mut c: Command, args: Vec<String>) -> Run {
    let out = c.output().expect("cg runs");
    Run {
        args,
        hidden: 0,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cg ARGS` with a clean environment.
pub fn cg<S: AsRef<str>>(args: &[S]) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
    let mut c = cg_command();
    c.args(&args);
    run_command(c, args)
}

/// A sandbox on its own runtime, seeded with the demo data, for `cg` runs to talk to.
pub struct TestSandbox {
    // Dropped before the runtime that serves it.
    pub sandbox: Sandbox,
    runtime: tokio::runtime::Runtime,
}

impl TestSandbox {
    /// The demo data set, no faults.
    pub fn start() -> TestSandbox {
        TestSandbox::with(|b| b)
    }

    /// The demo data set and whatever `configure` adds.
    pub fn with(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> TestSandbox {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let sandbox = runtime.block_on(configure(Sandbox::builder().seed_demo(true)).start());
        TestSandbox { sandbox, runtime }
    }

    /// The global options that point `cg` at this sandbox, as the demo client (whose
    /// secret goes in the environment: see [`TestSandbox::command`]).
    pub fn connection(&self) -> Vec<String> {
        let (id, _) = self.sandbox.demo_client();
        self.connection_as(&id)
    }

    /// The same, with another client id.
    pub fn connection_as(&self, id: &str) -> Vec<String> {
        let s = &self.sandbox;
        [
            "--api-url",
            &s.api_url(),
            "--imports-url",
            &s.imports_url(),
            "--auth-url",
            &s.auth_url(),
            "--client-id",
            id,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    }

    /// The demo client's secret, as `CG_CLIENT_SECRET` holds it.
    pub fn secret_env(&self) -> (&'static str, String) {
        ("CG_CLIENT_SECRET", self.sandbox.demo_client().1)
    }

    /// [`cg_command`] with the demo client's secret in the environment.
    pub fn command(&self) -> Command {
        let (k, v) = self.secret_env();
        let mut c = cg_command();
        c.env(k, v);
        c
    }

    /// [`cg_command`] with this client secret in the environment.
    pub fn command_as(&self, secret: &str) -> Command {
        let mut c = cg_command();
        c.env("CG_CLIENT_SECRET", secret);
        c
    }

    /// Runs `cg <connection> ARGS`.
    pub fn cg<S: AsRef<str>>(&self, args: &[S]) -> Run {
        let mut all = self.connection();
        let hidden = all.len();
        all.extend(args.iter().map(|a| a.as_ref().to_string()));
        let mut c = self.command();
        c.args(&all);
        Run {
            hidden,
            ..run_command(c, all)
        }
    }

    /// Runs `cg <connection> ARGS` in the directory `dir` (so files can be named relatively).
    pub fn cg_in<S: AsRef<str>>(&self, dir: &Path, args: &[S]) -> Run {
        let mut all = self.connection();
        let hidden = all.len();
        all.extend(args.iter().map(|a| a.as_ref().to_string()));
        let mut c = self.command();
        c.args(&all).current_dir(dir);
        Run {
            hidden,
            ..run_command(c, all)
        }
    }

    /// Runs `cg <connection> ARGS` with this text on stdin.
    pub fn cg_with_stdin<S: AsRef<str>>(&self, args: &[S], stdin: &str) -> Run {
        use std::io::Write;
        let mut all = self.connection();
        let hidden = all.len();
        all.extend(args.iter().map(|a| a.as_ref().to_string()));
        let mut c = self.command();
        c.args(&all).stdin(Stdio::piped());
        let mut child = c.spawn().expect("cg runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin written");
        let out = child.wait_with_output().expect("cg ends");
        Run {
            args: all,
            hidden,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Requests whose path contains `part`.
    pub fn requests_to(&self, part: &str) -> Vec<cg_sandbox::LoggedRequest> {
        self.sandbox
            .requests()
            .into_iter()
            .filter(|r| r.path.contains(part))
            .collect()
    }

    /// The runtime the sandbox runs on (for async checks).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

static PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(127\.0\.0\.1|localhost):\d+").expect("regex"));
static DATE_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}").expect("regex"));
static PID_DIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"cg-demo-[A-Za-z0-9]+").expect("regex"));

/// Ports and the given directories redacted (dates kept).
pub fn redact(text: &str, dirs: &[&Path]) -> String {
    let mut t = PORT.replace_all(text, "$1:[PORT]").into_owned();
    for dir in dirs {
        // Canonical and given forms (macOS /private/var, symlinked tmp).
        if let Ok(canonical) = dir.canonicalize() {
            t = t.replace(&canonical.display().to_string(), "[TMP]");
        }
        t = t.replace(&dir.display().to_string(), "[TMP]");
    }
    PID_DIR.replace_all(&t, "cg-demo-[DIR]").into_owned()
}

/// [`redact`], and every `YYYY-MM-DD hh:mm:ss` replaced by a placeholder of the same width
/// (the demo surveys are dated relative to now).
pub fn redact_dates(text: &str, dirs: &[&Path]) -> String {
    DATE_TIME
        .replace_all(&redact(text, dirs), "YYYY-MM-DD hh:mm:ss")
        .into_owned()
}

/// Every line of `text` parsed as one JSON object.
#[track_caller]
pub fn json_lines(text: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    text.lines()
        .map(
            |line| match serde_json::from_str::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(m)) => m,
                other => panic!("not one JSON object per line: {line:?} ({other:?})"),
            },
        )
        .collect()
}
