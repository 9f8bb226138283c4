//! The client secret is never echoed: not on stdout, not in `-vvv` tracing on stderr,
//! not in error messages, not in help.

mod common;

use std::process::Stdio;

use cg_sandbox::DEMO_CONFIGURATION;
use common::{Run, TestSandbox, cg, cg_command, run_command};

const CLIENT: &str = "cli-secret-test-client";
const SECRET: &str = "Zq8-s3cr3t-never-print-me";
const WRONG: &str = "Wx7-wrong-s3cr3t-never-print-me";

#[track_caller]
fn assert_no_secret(run: &Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret),
            "secret on stdout of cg {:?}:\n{}",
            run.args,
            run.stdout
        );
        assert!(
            !run.stderr.contains(secret),
            "secret on stderr of cg {:?}:\n{}",
            run.args,
            run.stderr
        );
        // Not even a good part of it (a secret cut at the start or end of a log field).
        let half = &secret[..secret.len() / 2];
        assert!(
            !run.stderr.contains(half),
            "part of the secret on stderr of cg {:?}:\n{}",
            run.args,
            run.stderr
        );
    }
}

fn with_sandbox() -> (TestSandbox, tempfile::TempDir) {
    let sb = TestSandbox::start();
    sb.sandbox.add_client(CLIENT, SECRET);
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("people.csv"),
        "Email,Account Name\nok@example.com,ACME\nbroken,ACME\nno.account@example.com,\n",
    )
    .expect("written");
    (sb, tmp)
}

fn run_as(sb: &TestSandbox, dir: &std::path::Path, secret: &str, args: &[&str]) -> Run {
    let mut all = sb.connection_as(CLIENT);
    all.extend(args.iter().map(|a| a.to_string()));
    let mut c = sb.command_as(secret);
    c.args(&all).current_dir(dir);
    run_command(c, all)
}

/// Successful and failing commands with the right secret, at every verbosity.
#[test]
fn not_in_any_output_of_commands_with_the_right_secret() {
    let (sb, tmp) = with_sandbox();
    let commands: [&[&str]; 6] = [
        &["hierarchy", "list"],
        &[
            "records",
            "import",
            "people.csv",
            "--configuration",
            DEMO_CONFIGURATION,
        ],
        &[
            "records",
            "put",
            "--configuration",
            DEMO_CONFIGURATION,
            "--field",
            "Email=x@example.com",
        ],
        &["unsubscribes", "add", "former.customer@example.com"],
        &["responses", "export"],
        &[
            "demo",
            "--file",
            "people.csv",
            "--configuration",
            DEMO_CONFIGURATION,
        ],
    ];
    let mut traced = false;
    for args in commands {
        for verbosity in [None, Some("-v"), Some("-vv"), Some("-vvv")] {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(verbosity);
            let run = run_as(&sb, tmp.path(), SECRET, &all);
            assert_no_secret(&run, &[SECRET]);
            traced |= verbosity == Some("-vvv") && run.stderr.contains("TRACE");
        }
    }
    assert!(
        traced,
        "-vvv showed no trace output: the check above proved little"
    );
    // Nor the bearer tokens it got with it.
    let tokens: Vec<String> = sb.sandbox.state().tokens.keys().cloned().collect();
    assert!(!tokens.is_empty());
    for args in commands {
        let mut all: Vec<&str> = args.to_vec();
        all.push("-vvv");
        let run = run_as(&sb, tmp.path(), SECRET, &all);
        let tokens: Vec<String> = sb.sandbox.state().tokens.keys().cloned().collect();
        let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        assert_no_secret(&run, &tokens);
    }
    // The secret did reach the token endpoint (it was used, just never shown).
    assert!(
        sb.requests_to("/oauth2/token")
            .iter()
            .any(|r| r.status == 200)
    );
}

/// A wrong secret: the refusal is reported without the secret, at every verbosity.
#[test]
fn not_in_the_error_of_a_refused_secret() {
    let (sb, tmp) = with_sandbox();
    for verbosity in [None, Some("-vvv")] {
        let mut args = vec!["hierarchy", "list"];
        args.extend(verbosity);
        let run = run_as(&sb, tmp.path(), WRONG, &args).expect_code(4);
        assert!(
            run.error_line().contains("rejected the client credentials"),
            "{}",
            run.stderr
        );
        assert_no_secret(&run, &[WRONG]);
    }
}

/// Nothing listening on the token endpoint: the transport error does not show the secret.
#[test]
fn not_in_transport_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    drop(listener);
    let args: Vec<String> = [
        "--api-url",
        &url,
        "--imports-url",
        &url,
        "--auth-url",
        &url,
        "--client-id",
        CLIENT,
        "-vvv",
        "hierarchy",
        "list",
    ]
    .map(String::from)
    .to_vec();
    let mut c = cg_command();
    c.args(&args).env("CG_CLIENT_SECRET", SECRET);
    let run = run_command(c, args).expect_code(1);
    assert_no_secret(&run, &[SECRET]);
}

/// Usage errors and clap's own errors do not repeat it either.
#[test]
fn not_in_usage_errors() {
    let cases: [&[&str]; 5] = [
        &["--client-secret", SECRET, "hierarchy", "list"],
        &[
            "--client-secret",
            SECRET,
            "--client-id",
            CLIENT,
            "hierarchy",
            "list",
        ],
        &[
            "--client-secret",
            SECRET,
            "--client-id",
            CLIENT,
            "--region",
            "mars",
            "hierarchy",
            "list",
        ],
        &[
            "--client-secret",
            SECRET,
            "--client-id",
            CLIENT,
            "--region",
            "eu",
            "--client-secret-stdin",
            "hierarchy",
            "list",
        ],
        &["--client-secret", SECRET, "bogus"],
    ];
    for args in cases {
        let run = cg(args).expect_code(2);
        assert_no_secret(&run, &[SECRET]);
        if !args.contains(&"mars") && args.last() != Some(&"bogus") {
            assert!(
                run.error_line().contains("--client-secret is refused"),
                "{}",
                run.stderr
            );
        }
    }
}

/// From the environment: not in help (the env value is hidden) nor in tracing.
#[test]
fn not_shown_from_the_environment() {
    let (sb, _tmp) = with_sandbox();
    let mut help = cg_command();
    help.arg("--help")
        .env("CG_CLIENT_SECRET", SECRET)
        .env("CG_CLIENT_ID", CLIENT);
    let run = run_command(help, vec!["--help".into()]).ok();
    assert!(run.stdout.contains("CG_CLIENT_SECRET"));
    assert_no_secret(&run, &[SECRET]);

    let mut c = cg_command();
    c.args([
        "--api-url",
        &sb.sandbox.api_url(),
        "--imports-url",
        &sb.sandbox.imports_url(),
        "--auth-url",
        &sb.sandbox.auth_url(),
    ])
    .args(["-vvv", "reasons", "list"])
    .env("CG_CLIENT_ID", CLIENT)
    .env("CG_CLIENT_SECRET", SECRET);
    let run = run_command(c, vec!["reasons".into(), "list".into()]).ok();
    assert_no_secret(&run, &[SECRET]);

    // RUST_LOG=trace wins over -v: still nothing.
    let mut c = cg_command();
    c.args([
        "--api-url",
        &sb.sandbox.api_url(),
        "--imports-url",
        &sb.sandbox.imports_url(),
        "--auth-url",
        &sb.sandbox.auth_url(),
    ])
    .args(["-v", "reasons", "list"])
    .env("RUST_LOG", "trace")
    .env("CG_CLIENT_ID", CLIENT)
    .env("CG_CLIENT_SECRET", SECRET);
    let run = run_command(c, vec!["reasons".into(), "list".into()]).ok();
    assert!(run.stderr.contains("TRACE"));
    assert_no_secret(&run, &[SECRET]);
}

/// `--client-secret-stdin`: read from a pipe, used, never shown.
#[test]
fn not_shown_when_read_from_stdin() {
    use std::io::Write;
    let (sb, _tmp) = with_sandbox();
    let mut c = cg_command();
    let args: Vec<String> = [
        "--api-url",
        &sb.sandbox.api_url(),
        "--imports-url",
        &sb.sandbox.imports_url(),
        "--auth-url",
        &sb.sandbox.auth_url(),
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        [
            "--client-id",
            CLIENT,
            "--client-secret-stdin",
            "-vvv",
            "hierarchy",
            "list",
        ]
        .map(String::from),
    )
    .collect();
    c.args(&args).stdin(Stdio::piped());
    let mut child = c.spawn().expect("cg runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{SECRET}\n").as_bytes())
        .expect("written");
    let out = child.wait_with_output().expect("cg ends");
    let run = Run {
        args,
        hidden: 0,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
    .ok();
    assert!(run.stdout.contains("Benelux"));
    assert_no_secret(&run, &[SECRET]);

    // An empty stdin: a usage error, exit 2.
    let mut c = cg_command();
    c.args([
        "--region",
        "eu",
        "--client-id",
        CLIENT,
        "--client-secret-stdin",
        "hierarchy",
        "list",
    ]);
    let run = run_command(c, vec![]).expect_code(2);
    assert_eq!(
        run.error_line(),
        "error: the client secret read from stdin is empty"
    );
}
