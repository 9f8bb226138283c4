//! The surface scripts rely on: profiles and `cg auth`, precedence of flags over the
//! environment over the profile, exit codes, `--limit`, and a closed stdout.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{Run, TestSandbox, cg, cg_command, json_lines, run_command};

/// The secret of the sandbox's demo client: the value the tests look for in every output.
fn demo_secret(sb: &TestSandbox) -> String {
    sb.sandbox.demo_client().1
}

/// `cg ARGS` with this config file and these variables, stdin fed with `stdin`.
fn cg_with(config: &Path, env: &[(&str, &str)], args: &[&str], stdin: &str) -> Run {
    let mut c = cg_command();
    c.env("CG_CONFIG", config).args(args).stdin(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("cg runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    let out = child.wait_with_output().expect("cg ends");
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        hidden: 0,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `auth status` rows as (setting, value, source).
fn status_rows(run: &Run) -> Vec<(String, serde_json::Value, String)> {
    json_lines(&run.stdout)
        .into_iter()
        .map(|r| {
            (
                r["setting"].as_str().unwrap_or_default().to_string(),
                r["value"].clone(),
                r["source"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn row<'a>(
    rows: &'a [(String, serde_json::Value, String)],
    setting: &str,
) -> &'a (String, serde_json::Value, String) {
    rows.iter()
        .find(|r| r.0 == setting)
        .unwrap_or_else(|| panic!("no {setting} row in {rows:?}"))
}

#[test]
fn login_status_logout_with_precedence_and_no_secret_shown() {
    let sb = TestSandbox::start();
    let secret = demo_secret(&sb);
    let (id, _) = sb.sandbox.demo_client();
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("cg").join("config.toml");
    let s = &sb.sandbox;
    let (api, imports, auth) = (s.api_url(), s.imports_url(), s.auth_url());

    // Login without a terminal: values by flag, the secret on stdin's first line, no API key.
    let login = cg_with(
        &config,
        &[],
        &[
            "--profile",
            "work",
            "--api-url",
            &api,
            "--imports-url",
            &imports,
            "--auth-url",
            &auth,
            "--client-id",
            &id,
            "auth",
            "login",
        ],
        &format!("{secret}\n\n"),
    )
    .ok();
    assert!(login.stdout.contains("saved"), "{}", login.stdout);
    assert_no_secret(&login, &secret);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).expect("written").permissions();
        assert_eq!(mode.mode() & 0o777, 0o600, "the file is the owner's only");
    }
    let text = std::fs::read_to_string(&config).expect("readable");
    assert!(text.contains("[profiles.work]"), "{text}");
    // A secret as a flag value is refused by login too, before anything is written.
    let refused = cg_with(
        &config,
        &[],
        &[
            "--client-secret",
            "flag-s3cret",
            "--region",
            "eu",
            "auth",
            "login",
        ],
        "",
    )
    .expect_code(2);
    assert!(refused.error_line().contains("--client-secret is refused"));
    assert_no_secret(&refused, "flag-s3cret");
    assert!(
        !std::fs::read_to_string(&config)
            .expect("readable")
            .contains("flag-s3cret")
    );
    assert!(text.contains(&format!("client_id = \"{id}\"")), "{text}");

    // The profile alone is enough to run a command.
    let listed = cg_with(
        &config,
        &[],
        &["--profile", "work", "hierarchy", "list"],
        "",
    )
    .ok();
    assert!(listed.stdout.contains("Benelux"), "{}", listed.stdout);

    // Status: every value from the profile, a token fetched, the secret only "set".
    let status = cg_with(
        &config,
        &[("CG_PROFILE", "work")],
        &["auth", "status", "-o", "json"],
        "",
    )
    .ok();
    assert_no_secret(&status, &secret);
    let rows = status_rows(&status);
    assert_eq!(row(&rows, "profile").2, "env CG_PROFILE");
    assert_eq!(row(&rows, "client_id").1, id.as_str());
    assert_eq!(row(&rows, "client_id").2, "profile work");
    assert_eq!(row(&rows, "client_secret").1, "set");
    assert_eq!(row(&rows, "client_secret").2, "profile work");
    assert_eq!(row(&rows, "api_url").1, api.as_str());
    assert_eq!(row(&rows, "api_key").2, "not set");
    assert_eq!(row(&rows, "credentials").1, "OAuth2 client credentials");
    assert_eq!(row(&rows, "token").1, "fetched");

    // The environment wins over the profile, a flag over the environment: another client
    // id, unknown to the sandbox, and the token is refused: exit 4.
    let env_id = cg_with(
        &config,
        &[("CG_CLIENT_ID", "someone-else")],
        &["--profile", "work", "auth", "status", "-o", "json"],
        "",
    )
    .expect_code(4);
    let rows = status_rows(&env_id);
    assert_eq!(row(&rows, "client_id").1, "someone-else");
    assert_eq!(row(&rows, "client_id").2, "env CG_CLIENT_ID");
    assert_eq!(row(&rows, "token").1, "not fetched");
    assert!(
        env_id
            .error_line()
            .starts_with("error: no token for profile work")
    );
    assert_no_secret(&env_id, &secret);
    // As a table too: the rows printed before the failure are shown.
    let table = cg_with(
        &config,
        &[("CG_CLIENT_ID", "someone-else")],
        &["--profile", "work", "auth", "status"],
        "",
    )
    .expect_code(4);
    assert!(table.stdout.starts_with("SETTING "), "{}", table.stdout);
    assert!(
        table.stdout.contains("token          not fetched"),
        "{}",
        table.stdout
    );
    let flag_id = cg_with(
        &config,
        &[("CG_CLIENT_ID", "someone-else")],
        &[
            "--profile",
            "work",
            "auth",
            "status",
            "-o",
            "json",
            "--client-id",
            &id,
        ],
        "",
    )
    .ok();
    let rows = status_rows(&flag_id);
    assert_eq!(row(&rows, "client_id").2, "flag --client-id");
    assert_eq!(row(&rows, "token").1, "fetched");
    // A secret from the environment replaces the profile's (here a wrong one: exit 4).
    let env_secret = cg_with(
        &config,
        &[("CG_CLIENT_SECRET", "wrong")],
        &["--profile", "work", "hierarchy", "list"],
        "",
    )
    .expect_code(4);
    assert!(
        env_secret
            .error_line()
            .contains("rejected the client credentials")
    );

    // Logout removes the profile; naming it afterwards is a usage error saying how to fix it.
    let logout = cg_with(&config, &[], &["--profile", "work", "auth", "logout"], "").ok();
    assert!(logout.stdout.contains("removed"), "{}", logout.stdout);
    let text = std::fs::read_to_string(&config).expect("readable");
    assert!(!text.contains("work") && !text.contains(&secret), "{text}");
    let gone = cg_with(&config, &[], &["--profile", "work", "auth", "status"], "").expect_code(2);
    assert!(
        gone.error_line()
            .contains("`cg auth login --profile work` creates it"),
        "{}",
        gone.stderr
    );
}

/// The default profile is used without being named; a bad region in it is named as such.
#[test]
fn default_profile_and_its_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[profiles.default]\nregion = \"mars\"\nclient_id = \"a\"\nclient_secret = \"s3cret-in-file\"\n",
    )
    .expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let run = cg_with(&config, &[], &["hierarchy", "list"], "").expect_code(2);
    #[cfg(unix)]
    assert!(
        run.stderr.starts_with(&format!(
            "warning: {} holds secrets and others can read it: chmod 600 it\n",
            config.display()
        )),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.error_line(),
        "error: invalid region: unknown CustomerGauge region \"mars\"; expected one of eu, us, au (region of profile default)"
    );
    // A flag wins over the profile's region.
    let status = cg_with(
        &config,
        &[],
        &[
            "--region",
            "us",
            "auth",
            "status",
            "-o",
            "json",
            "--sandbox",
        ],
        "",
    )
    .ok();
    let rows = status_rows(&status);
    assert_eq!(row(&rows, "region").1, "us");
    assert_eq!(row(&rows, "region").2, "flag --region");
    assert_eq!(row(&rows, "client_id").2, "profile default");
    assert_no_secret(&status, "s3cret-in-file");

    // A broken file: its path and line, not its text.
    std::fs::write(
        &config,
        "[profiles.default]\nclient_secret = s3cret-in-file\n",
    )
    .expect("written");
    let broken = cg_with(&config, &[], &["hierarchy", "list"], "").expect_code(2);
    assert!(
        broken
            .error_line()
            .contains("config.toml line 2: not a valid config file")
    );
    assert_no_secret(&broken, "s3cret-in-file");
    // The embedded sandbox does not read the profile: it runs all the same.
    cg_with(&config, &[], &["--sandbox", "reasons", "list"], "").ok();
}

#[track_caller]
fn assert_no_secret(run: &Run, secret: &str) {
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the secret was shown:\n{}",
        run.transcript()
    );
}

/// `--limit N` prints N rows and stops paging: 150 of 2500 bounces in pages of 100 need
/// two pages (and at most the pages fetched ahead), not 25.
#[test]
fn limit_stops_paging_early() {
    let sb = TestSandbox::start();
    sb.sandbox.seed_bounces(2495);
    let run = sb
        .cg(&[
            "bounces",
            "list",
            "--page-size",
            "100",
            "--limit",
            "150",
            "-o",
            "json",
        ])
        .ok();
    let rows = json_lines(&run.stdout);
    assert_eq!(rows.len(), 150);
    assert_eq!(rows[149]["Email"], "bounce-149@example.com");
    let pages = sb.requests_to("/lists/bounce").len();
    assert!((2..=4).contains(&pages), "{pages} pages fetched");

    let hierarchy = sb
        .cg(&["hierarchy", "list", "--limit", "2", "-o", "csv"])
        .ok();
    assert_eq!(hierarchy.stdout.lines().count(), 3, "{}", hierarchy.stdout);
}

/// A reader that closed stdout (`cg ... | head`): exit 0, nothing on stderr, no panic.
#[test]
fn closed_stdout_ends_quietly() {
    for args in [
        &["errors", "list"][..],
        &["errors", "list", "-o", "json"],
        &["completions", "bash"],
        &["--help"],
        &["--sandbox", "bounces", "list"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        // Closed before cg starts: its first write fails with a broken pipe.
        drop(reader);
        let mut c = cg_command();
        c.args(args).stdout(Stdio::from(writer));
        let out = c.output().expect("cg runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Every exit code in one place, each from a real cause (5: [`interrupted_exits_5`]).
#[test]
fn exit_codes() {
    let top = cg(&["--help"]).ok();
    for line in [
        "0  success",
        "1  error",
        "2  usage",
        "3  partial",
        "4  authentication",
        "5  interrupted",
    ] {
        assert!(top.stdout.contains(line), "{line} not in cg --help");
    }
    cg(&["errors", "explain", "400401"]).expect_code(0);
    cg(&["errors", "explain", "12"]).expect_code(2);
    cg(&["bogus"]).expect_code(2);
    let sb = TestSandbox::start();
    sb.cg(&["hierarchy", "add", "Mars", "--parent", "Nowhere"])
        .expect_code(1);
    let mut args = sb.connection();
    args.extend(["hierarchy", "list"].map(String::from));
    let mut c = sb.command_as("wrong");
    c.args(&args);
    run_command(c, args).expect_code(4);
    // One row in, one refused by the mapping: partial, 3.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        tmp.path().join("two.csv"),
        "Email,Account Name\nok@example.com,ACME\nno.account@example.com,\n",
    )
    .expect("written");
    let partial = sb.cg_in(
        tmp.path(),
        &[
            "records",
            "import",
            "two.csv",
            "--configuration",
            cg_sandbox::DEMO_CONFIGURATION,
        ],
    );
    partial.expect_code(3);
}

/// Ctrl-C while a request is on its way: one line, exit 5.
#[cfg(unix)]
#[test]
fn interrupted_exits_5() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let mut c = cg_command();
    c.args([
        "--api-url",
        &url,
        "--imports-url",
        &url,
        "--auth-url",
        &url,
        "--client-id",
        "id",
        "hierarchy",
        "list",
    ])
    .env("CG_CLIENT_SECRET", "secret");
    let child = c.spawn().expect("cg runs");
    // cg is waiting for the token: the connection is taken and never answered.
    let (_held, _) = listener.accept().expect("cg connects");
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let out = child.wait_with_output().expect("cg ends");
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "error: interrupted\n");
}
