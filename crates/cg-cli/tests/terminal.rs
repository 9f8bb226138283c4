//! `cg` under a real terminal (a pseudo-terminal): the import progress bar is drawn
//! there, and is absent when stdout is not a terminal; `anonymize run` asks there.

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cg_sandbox::{DEMO_CONFIGURATION, FaultConfig};
use common::{CG, TestSandbox};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A program running under a pseudo-terminal, its output collected as it comes.
struct PtyRun {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    writer: Box<dyn Write + Send>,
    // Kept open while the program runs; its settings are the terminal's.
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl PtyRun {
    fn spawn(program: &str, args: &[String], cwd: &Path, env: (&str, String)) -> PtyRun {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 160,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(cwd);
        for (k, _) in std::env::vars() {
            if k.starts_with("CG_") || k == "RUST_LOG" || k == "NO_COLOR" {
                cmd.env_remove(k);
            }
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("CG_BIN", CG);
        cmd.env("CG_CONFIG", common::no_config());
        cmd.env(env.0, env.1);
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("spawned under the pty");
        // Only the child holds the terminal side now: reading ends when it exits.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            // EOF, or EIO on Linux once the terminal side is closed.
            while let Ok(n) = reader.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("output").extend_from_slice(&chunk[..n]);
            }
        });
        PtyRun {
            child,
            output,
            reader: Some(reader),
            writer,
            master: pair.master,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().expect("output")).replace("\r\n", "\n")
    }

    /// Waits (at most 60 s) until the terminal shows `needle`.
    fn wait_for(&self, needle: &str) {
        let start = Instant::now();
        while !self.text().contains(needle) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{needle:?} never appeared:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (at most 60 s) until the program has turned the terminal's echo off: a
    /// prompt is printed before echo goes off, and what is typed in between is echoed.
    fn wait_for_hidden_input(&self) {
        let start = Instant::now();
        loop {
            let termios = self.master.get_termios().expect("the terminal's settings");
            if !termios
                .local_flags
                .contains(nix::sys::termios::LocalFlags::ECHO)
            {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "echo never went off:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn type_line(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\r").as_bytes())
            .expect("typed");
        self.writer.flush().expect("flushed");
    }

    /// Ctrl-C, as typed: the terminal sends SIGINT to the program.
    fn ctrl_c(&mut self) {
        self.writer.write_all(b"\x03").expect("typed");
        self.writer.flush().expect("flushed");
    }

    /// Waits for the exit; the exit code and everything the terminal showed.
    fn finish(mut self) -> (u32, String) {
        let status = self.child.wait().expect("exit status");
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader");
        }
        (status.exit_code(), self.text())
    }
}

fn cg_args(sb: &TestSandbox, args: &[&str]) -> Vec<String> {
    let mut all = sb.connection();
    all.extend(args.iter().map(|a| a.to_string()));
    all
}

/// A few hundred rows, a sandbox that answers every request 20 ms late.
fn slow_import() -> (TestSandbox, tempfile::TempDir) {
    let sb =
        TestSandbox::with(|b| b.faults(FaultConfig::none().latency(Duration::from_millis(20))));
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut body = String::from("Email,First Name,Account Name\n");
    for i in 0..300 {
        body.push_str(&format!("row{i}@example.com,Row {i},ACME\n"));
    }
    std::fs::write(tmp.path().join("rows.csv"), body).expect("written");
    (sb, tmp)
}

const IMPORT: [&str; 6] = [
    "records",
    "import",
    "rows.csv",
    "--configuration",
    DEMO_CONFIGURATION,
    "--concurrency",
];

#[test]
fn progress_bar_is_drawn_on_a_terminal() {
    let (sb, tmp) = slow_import();
    let mut args = IMPORT.to_vec();
    args.push("4");
    let run = PtyRun::spawn(CG, &cg_args(&sb, &args), tmp.path(), sb.secret_env());
    let (code, screen) = run.finish();
    assert_eq!(code, 0, "{screen}");
    // The bar: its position against the row count, the word "records", the bar's cells.
    assert!(
        screen.contains("/300 records"),
        "no progress bar on the terminal:\n{screen}"
    );
    assert!(
        screen.contains('█') || screen.contains('░'),
        "no bar characters:\n{screen}"
    );
    assert!(
        screen.contains(" imported, "),
        "no running tally in the bar's message:\n{screen}"
    );
    // It is redrawn in place (carriage return or cursor movement), then the summary.
    assert!(
        screen.contains('\u{1b}'),
        "no terminal control sequences:\n{screen}"
    );
    assert!(
        screen.contains("IMPORTED  DUPLICATES  REJECTED  UNKNOWN  FAILED  RESUMED  REJECTED_FILE  UNKNOWN_FILE\n300 "),
        "{screen}"
    );
    assert_eq!(
        sb.sandbox
            .state()
            .surveys
            .iter()
            .filter(|s| s.source != "demo")
            .count(),
        300
    );
}

/// stderr is the terminal but stdout goes to a file: no bar, nothing on stderr at all.
#[test]
fn no_progress_bar_when_stdout_is_not_a_terminal() {
    let (sb, tmp) = slow_import();
    let mut args = vec![
        "-c".to_string(),
        "exec \"$CG_BIN\" \"$@\" > summary.txt".into(),
        "sh".into(),
    ];
    let mut import = IMPORT.to_vec();
    import.push("4");
    args.extend(cg_args(&sb, &import));
    let run = PtyRun::spawn("sh", &args, tmp.path(), sb.secret_env());
    let (code, screen) = run.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("records"),
        "a progress bar although stdout is a file:\n{screen}"
    );
    assert!(
        !screen.contains('█') && !screen.contains('░') && !screen.contains('\u{1b}'),
        "{screen:?}"
    );
    assert_eq!(screen.trim(), "", "nothing on the terminal");
    let summary = std::fs::read_to_string(tmp.path().join("summary.txt")).expect("the summary");
    assert!(
        summary.starts_with("IMPORTED  DUPLICATES  REJECTED  UNKNOWN  FAILED  RESUMED  REJECTED_FILE  UNKNOWN_FILE\n300 "),
        "{summary}"
    );
}

/// Both piped (no terminal at all): stdout is the summary alone, stderr is empty.
#[test]
fn no_progress_bar_when_piped() {
    let (sb, tmp) = slow_import();
    let mut import = IMPORT.to_vec();
    import.push("4");
    let run = sb.cg_in(tmp.path(), &import).ok();
    assert_eq!(run.stderr, "");
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('█'));
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
}

/// At a terminal, `anonymize run` without --yes shows the records and asks; "y" goes on.
#[test]
fn anonymize_asks_at_a_terminal() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut run = PtyRun::spawn(
        CG,
        &cg_args(
            &sb,
            &["anonymize", "run", "--email", "jane.roe@example.com"],
        ),
        tmp.path(),
        sb.secret_env(),
    );
    run.wait_for("[y/N]");
    assert!(
        !sb.sandbox.state().survey(2).expect("survey 2").anonymized,
        "nothing before the answer"
    );
    run.type_line("y");
    let (code, screen) = run.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("anonymize 1 record(s)? This cannot be undone. [y/N]"),
        "{screen}"
    );
    assert!(
        screen.contains("jane.roe@example.com"),
        "the records are shown first:\n{screen}"
    );
    assert!(
        screen.contains("ANONYMIZED  RESULT\n1           done"),
        "{screen}"
    );
    assert!(sb.sandbox.state().survey(2).expect("survey 2").anonymized);
}

/// Any other answer cancels: exit 2, nothing anonymized.
#[test]
fn anonymize_cancelled_at_a_terminal() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut run = PtyRun::spawn(
        CG,
        &cg_args(
            &sb,
            &["anonymize", "run", "--email", "jane.roe@example.com"],
        ),
        tmp.path(),
        sb.secret_env(),
    );
    run.wait_for("[y/N]");
    run.type_line("");
    let (code, screen) = run.finish();
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen
            .trim_end()
            .ends_with("error: cancelled; nothing was anonymized"),
        "{screen}"
    );
    assert!(!sb.sandbox.state().survey(2).expect("survey 2").anonymized);
    assert!(
        sb.requests_to("/anonymize")
            .iter()
            .all(|r| r.method == "GET")
    );
}

/// At a terminal the help is coloured; `NO_COLOR` turns that off (no-color.org).
#[test]
fn no_color_is_honoured_at_a_terminal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let help = ["--help".to_string()];
    let (code, coloured) =
        PtyRun::spawn(CG, &help, tmp.path(), ("CG_PROFILE", "default".into())).finish();
    assert_eq!(code, 0, "{coloured}");
    assert!(coloured.contains("\u{1b}["), "no colour at a terminal");
    let (code, plain) = PtyRun::spawn(CG, &help, tmp.path(), ("NO_COLOR", "1".into())).finish();
    assert_eq!(code, 0, "{plain}");
    assert!(plain.contains("Global options:"), "{plain}");
    assert!(
        !plain.contains('\u{1b}'),
        "colour despite NO_COLOR: {plain:?}"
    );
}

/// `cg auth login` at a terminal: asks for what flags did not give, the secrets without
/// echo; the file is the owner's only.
#[test]
fn auth_login_prompts_without_echoing_the_secret() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    let mut run = PtyRun::spawn(
        CG,
        &[
            "--region".to_string(),
            "us".into(),
            "auth".into(),
            "login".into(),
        ],
        tmp.path(),
        ("CG_CONFIG", config.display().to_string()),
    );
    run.wait_for("client id");
    run.type_line("my-client");
    run.wait_for("client secret: ");
    run.wait_for_hidden_input();
    run.type_line("typed-s3cret");
    run.wait_for("API key");
    run.wait_for_hidden_input();
    run.type_line("");
    let (code, screen) = run.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("my-client"), "the id is echoed: {screen}");
    assert!(
        !screen.contains("typed-s3cret"),
        "the secret was echoed: {screen}"
    );
    let text = std::fs::read_to_string(&config).expect("written");
    assert!(text.contains("client_secret = \"typed-s3cret\""), "{text}");
    assert!(
        text.contains("region = \"us\"") && !text.contains("api_key"),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&config)
        .expect("there")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Ctrl-C at the confirmation prompt: exit 5 at once, nothing anonymized.
#[test]
fn ctrl_c_at_the_prompt_exits_5() {
    let sb = TestSandbox::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut run = PtyRun::spawn(
        CG,
        &cg_args(
            &sb,
            &["anonymize", "run", "--email", "jane.roe@example.com"],
        ),
        tmp.path(),
        sb.secret_env(),
    );
    run.wait_for("[y/N]");
    run.ctrl_c();
    let (code, screen) = run.finish();
    assert_eq!(code, 5, "{screen}");
    assert!(
        screen.trim_end().ends_with("error: interrupted"),
        "{screen}"
    );
    assert!(!sb.sandbox.state().survey(2).expect("survey 2").anonymized);
}
