//! `cg sandbox serve`: the emulator in the foreground, used by other `cg` runs, stopped
//! with Ctrl-C (SIGINT), its state kept in `--state FILE` across restarts.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::cg_command;

/// A running `cg sandbox serve`, killed if the test ends early.
struct Serve {
    child: Child,
    /// The `key value` lines it printed on start.
    info: BTreeMap<String, String>,
    /// Those lines as printed.
    banner: String,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut c = cg_command();
        c.args(["sandbox", "serve"]).args(args);
        let mut child = c.spawn().expect("cg sandbox serve runs");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut info = BTreeMap::new();
        let mut banner = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            let n = stdout.read_line(&mut line).expect("a line");
            if n == 0 {
                let _ = child.kill();
                let out = child.wait_with_output().expect("ended");
                panic!(
                    "cg sandbox serve ended before it was ready: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            banner.push_str(&line);
            if line.starts_with("(Ctrl-C") {
                break;
            }
            if let Some((k, v)) = line.trim_end().split_once(char::is_whitespace) {
                info.insert(k.to_string(), v.trim().to_string());
            }
        }
        Serve {
            child,
            info,
            banner,
        }
    }

    /// The global options that point `cg` at it, with the credentials it printed.
    fn connection(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (option, key) in [
            ("--api-url", "api"),
            ("--imports-url", "imports"),
            ("--auth-url", "auth"),
            ("--client-id", "client_id"),
        ] {
            args.push(option.to_string());
            args.push(
                self.info
                    .get(key)
                    .unwrap_or_else(|| panic!("{key} not printed: {:?}", self.info))
                    .clone(),
            );
        }
        args
    }

    fn cg(&self, args: &[&str]) -> common::Run {
        let mut all = self.connection();
        all.extend(args.iter().map(|a| a.to_string()));
        let secret = self
            .info
            .get("client_secret")
            .expect("client_secret printed");
        let mut c = cg_command();
        c.args(&all).env("CG_CLIENT_SECRET", secret);
        common::run_command(c, all)
    }

    /// Ctrl-C: SIGINT, then the exit status (at most 20 s later).
    fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "cg sandbox serve did not stop on SIGINT"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn serve_prints_how_to_connect_answers_and_keeps_its_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let state = tmp.path().join("state.json");
    let state_arg = state.display().to_string();

    let serve = Serve::start(&["--state", &state_arg]);
    let keys: Vec<&str> = serve.info.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "api",
            "api_key",
            "auth",
            "client_id",
            "client_secret",
            "configuration",
            "imports"
        ]
    );
    assert!(
        serve.info["api"].starts_with("http://127.0.0.1:"),
        "{:?}",
        serve.info
    );
    insta::assert_snapshot!("serve_banner", common::redact(&serve.banner, &[]));

    // Other cg runs use it: the demo data is there, and changes stick.
    let tree = serve.cg(&["hierarchy", "tree"]).ok();
    assert!(tree.stdout.contains("Benelux"), "{}", tree.stdout);
    serve.cg(&["hierarchy", "add", "Asia"]).ok();
    let configuration = serve.info["configuration"].clone();
    serve
        .cg(&[
            "records",
            "put",
            "--configuration",
            &configuration,
            "--field",
            "Email=kept@example.com",
            "--field",
            "Account Name=ACME",
        ])
        .ok();

    let status = serve.interrupt();
    assert!(status.success(), "{status:?}");
    assert!(state.exists(), "the state file was written");

    // Started again on the same file: what was added is still there.
    let again = Serve::start(&["--state", &state_arg]);
    let list = again.cg(&["hierarchy", "list", "-o", "json"]).ok();
    assert!(list.stdout.contains("\"name\":\"Asia\""), "{}", list.stdout);
    let week = again
        .cg(&[
            "transactions",
            "list",
            "--filter",
            "email=kept@example.com",
            "-o",
            "json",
        ])
        .ok();
    assert_eq!(common::json_lines(&week.stdout).len(), 1, "{}", week.stdout);
    assert!(again.interrupt().success());
}

/// A port that is taken: one error line, exit 2, at once.
#[test]
fn serve_on_a_taken_port_fails_with_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("addr").port().to_string();
    let mut c = cg_command();
    c.args(["sandbox", "serve", "--port", &port])
        .stdout(Stdio::piped());
    let run = common::run_command(
        c,
        vec![
            "sandbox".into(),
            "serve".into(),
            "--port".into(),
            port.clone(),
        ],
    )
    .expect_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.error_line()
            .starts_with("error: could not start the sandbox: "),
        "{}",
        run.stderr
    );
    drop(taken);
}
