use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_cg-sandbox");

#[test]
fn help_explains_the_ports() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in [
        "--port",
        "PORT+1",
        "PORT+2",
        "--seed-demo",
        "--state",
        "--token-ttl",
        "--faults",
        "--profile",
        "--rate-limit",
    ] {
        assert!(text.contains(needle), "{needle} missing in --help:\n{text}");
    }
}

#[test]
fn unknown_profile_is_refused() {
    let out = Command::new(BIN)
        .args(["--profile", "exotic"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard or variant"));
}

#[test]
fn bad_rate_limit_is_refused() {
    for args in [
        &["--rate-limit", "0"][..],
        &["--rate-limit", "fast"],
        &["--rate-limit-burst", "3"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn bad_faults_json_is_refused() {
    let out = Command::new(BIN)
        .args(["--faults", "{nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn prints_urls_and_credentials_and_serves() {
    let mut child = Command::new(BIN)
        .args(["--client", "extra:s3:cret", "--api-key", "extra-key"])
        .args([
            "--port",
            "0",
            "--seed-demo",
            "--token-ttl",
            "60",
            "--faults",
            r#"{"latency_ms":1}"#,
            "--profile",
            "variant",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(8)
        .map(Result::unwrap)
        .collect();
    let value = |key: &str| {
        lines
            .iter()
            .find_map(|l| {
                l.split_whitespace()
                    .collect::<Vec<_>>()
                    .split_first()
                    .filter(|(k, _)| **k == key)
                    .map(|(_, v)| v[0].to_owned())
            })
            .unwrap_or_else(|| panic!("{key} not printed: {lines:?}"))
    };
    let (api, auth) = (value("api"), value("auth"));
    assert!(value("imports").starts_with("http://127.0.0.1:"));
    assert_eq!(value("client_id"), "sandbox-demo-client");
    assert_eq!(value("configuration"), cg_sandbox::DEMO_CONFIGURATION);
    let http = cg_auth::tls::client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token: serde_json::Value = http
        .post(format!("{auth}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &value("client_id")),
            ("client_secret", &value("client_secret")),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 60);
    let r = http
        .get(format!("{api}/v4.1/lists/unsubscribe.json"))
        .header("Authorization", format!("api_key {}", value("api_key")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "demo data is seeded");
    let extra = http
        .post(format!("{auth}/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "extra"),
            ("client_secret", "s3:cret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(extra.status().as_u16(), 200, "--client registers a client");
    let r = http
        .get(format!("{api}/v4.1/reasons.json"))
        .header("Authorization", "api_key extra-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "--api-key registers a key");
    let reasons: serde_json::Value = r.json().await.unwrap();
    assert!(
        reasons["Data"][0]["reason_code"].is_number(),
        "--profile variant: codes as numbers in {reasons}"
    );
    let _ = child.kill();
    let _ = child.wait();
}
