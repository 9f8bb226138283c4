use std::path::PathBuf;

use cg_sandbox::{Sandbox, State};
use serde_json::json;

use super::common::Ctx;

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cg-sandbox-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    path
}

#[tokio::test]
async fn with_state_and_snapshot() {
    let ctx = Ctx::new().await;
    ctx.sb.with_state(|s| s.api_keys.insert("k2".into()));
    assert!(ctx.sb.state().api_keys.contains("k2"));
    let (status, _) = super::common::send(
        ctx.http
            .get(ctx.v41("reasons.json"))
            .header("Authorization", "api_key k2"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn given_state_replaces_the_default() {
    let sb = Sandbox::builder().state(State::empty()).start().await;
    assert!(sb.state().clients.is_empty());
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let (id, secret) = sb.demo_client();
    let r = http
        .post(sb.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let demo = Sandbox::builder()
        .state(State::demo())
        .seed_demo(true)
        .start()
        .await;
    assert_eq!(demo.state().surveys.len(), 8, "seeding twice adds nothing");
}

#[tokio::test]
async fn restart_loses_nothing() {
    let path = temp_file("restart");
    let ctx = Ctx::with(Sandbox::builder().state_file(&path)).await;
    ctx.post_form("hierarchy.json", &[("division", "Persisted")])
        .await;
    ctx.post_form("lists/unsubscribe.json", &[("email", "kept@example.com")])
        .await;
    let token = ctx.token.clone();
    ctx.sb.shutdown().await;
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["unsubscribes"][0]["email"], json!("kept@example.com"));

    let sb = Sandbox::builder().state_file(&path).start().await;
    let state = sb.state();
    assert!(state.division("Persisted").is_some());
    assert!(
        state.tokens.contains_key(&token),
        "issued tokens survive a restart"
    );
    let http = cg_auth::tls::client_builder().build().expect("http client");
    let r = http
        .get(format!("{}/v4.1/lists/unsubscribe.json", sb.api_url()))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The lookups are rebuilt from the loaded file: the duplication rule sees the old
    // survey, the unsubscribe list the old address, the account is not created twice.
    let put = |email: &str| {
        http.put(format!("{}/records/", sb.imports_url()))
            .header("Authorization", format!("Bearer {token}"))
            .json(&json!({"configuration": cg_sandbox::DEMO_CONFIGURATION, "record": {"Email": email, "Account Name": "Kept Ltd"}}))
            .send()
    };
    assert_eq!(
        put("first@example.com").await.unwrap().status().as_u16(),
        200
    );
    sb.shutdown().await;
    let sb = Sandbox::builder().state_file(&path).start().await;
    let put = |email: &str| {
        http.put(format!("{}/records/", sb.imports_url()))
            .header("Authorization", format!("Bearer {token}"))
            .json(&json!({"configuration": cg_sandbox::DEMO_CONFIGURATION, "record": {"Email": email, "Account Name": "Kept Ltd"}}))
            .send()
    };
    assert_eq!(
        put("FIRST@example.com").await.unwrap().status().as_u16(),
        422
    );
    assert_eq!(
        put("kept@example.com").await.unwrap().status().as_u16(),
        200
    );
    let state = sb.state();
    assert_eq!(state.surveys.last().unwrap().status, "UNSUBSCRIBED");
    assert_eq!(
        state
            .accounts
            .iter()
            .filter(|a| a.reference == "Kept Ltd")
            .count(),
        1
    );
    assert_eq!(state.contacts.len(), 2);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn saved_after_each_change() {
    let path = temp_file("each-change");
    let ctx = Ctx::with(Sandbox::builder().state_file(&path)).await;
    ctx.post_form("hierarchy.json", &[("division", "Soon")])
        .await;
    let mut found = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if let Ok(text) = std::fs::read_to_string(&path)
            && text.contains("\"Soon\"")
        {
            found = true;
            break;
        }
    }
    assert!(found, "the change reaches the file without a shutdown");
    drop(ctx);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn unreadable_state_file_is_an_error() {
    let path = temp_file("broken");
    std::fs::write(&path, "{not json").unwrap();
    let err = Sandbox::builder()
        .state_file(&path)
        .try_start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn fixed_ports_follow_the_base_port() {
    // Find three free consecutive ports by binding the first one free and trying the next two.
    for _ in 0..20 {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base > 65000 {
            continue;
        }
        if let Ok(sb) = Sandbox::builder().port(base).try_start().await {
            assert_eq!(sb.api_url(), format!("http://127.0.0.1:{base}"));
            assert_eq!(sb.imports_url(), format!("http://127.0.0.1:{}", base + 1));
            assert_eq!(sb.auth_url(), format!("http://127.0.0.1:{}", base + 2));
            return;
        }
    }
    panic!("no three free consecutive ports found");
}
