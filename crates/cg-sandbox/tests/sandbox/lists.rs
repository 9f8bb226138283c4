use serde_json::json;

use super::common::{Ctx, assert_code, data_array};

#[tokio::test]
async fn unsubscribe_add_and_list() {
    let ctx = Ctx::new().await;
    assert_code(&ctx.get("lists/unsubscribe.json").await, 400, 400401);
    let added = ctx
        .post_form(
            "lists/unsubscribe.json",
            &[("email", "joe.doe@example.com")],
        )
        .await;
    assert_eq!(added, (200, json!({"Data": {"Message": "Record added"}})));
    let list = ctx.get("lists/unsubscribe.json").await;
    let items = data_array(&list);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["Email"], "joe.doe@example.com");
    assert_eq!(items[0]["Date"].as_str().map(str::len), Some(19));
    assert!(
        ctx.sb
            .state()
            .unsubscribes
            .iter()
            .any(|u| u.email == "joe.doe@example.com")
    );
}

#[tokio::test]
async fn unsubscribe_errors() {
    let ctx = Ctx::new().await;
    assert_code(
        &ctx.post_form("lists/unsubscribe.json", &[]).await,
        400,
        400402,
    );
    assert_code(
        &ctx.post_form("lists/unsubscribe.json", &[("email", " ")])
            .await,
        400,
        400402,
    );
    assert_code(
        &ctx.post_form("lists/unsubscribe.json", &[("email", "not-an-email")])
            .await,
        400,
        300001,
    );
    ctx.post_form("lists/unsubscribe.json", &[("email", "a@example.com")])
        .await;
    assert_code(
        &ctx.post_form("lists/unsubscribe.json", &[("email", "A@example.com")])
            .await,
        400,
        400403,
    );
}

#[tokio::test]
async fn unsubscribe_pages_by_100() {
    let ctx = Ctx::new().await;
    ctx.sb.with_state(|s| {
        for i in 0..250 {
            s.unsubscribes.push(cg_sandbox::state::Unsubscribe {
                email: format!("u{i}@example.com"),
                date: format!("2024-01-{:02} 10:00:00", 1 + i % 28),
            });
        }
    });
    assert_eq!(
        data_array(&ctx.get("lists/unsubscribe.json").await).len(),
        100
    );
    let second = ctx.get("lists/unsubscribe.json?start=100").await;
    assert_eq!(data_array(&second)[0]["Email"], "u100@example.com");
    assert_eq!(
        data_array(&ctx.get("lists/unsubscribe.json?start=200").await).len(),
        50
    );
    assert_code(
        &ctx.get("lists/unsubscribe.json?start=300").await,
        400,
        400401,
    );
    let ranged = ctx
        .get("lists/unsubscribe.json?date_range_from=2024-01-01&date_range_to=2024-01-01")
        .await;
    assert!(
        data_array(&ranged)
            .iter()
            .all(|u| u["Date"].as_str().unwrap().starts_with("2024-01-01"))
    );
    assert_eq!(data_array(&ranged).len(), 9);
    assert_code(
        &ctx.get("lists/unsubscribe.json?date_range_from=01-01-2024")
            .await,
        400,
        300001,
    );
    assert_code(
        &ctx.get("lists/unsubscribe.json?start=-1").await,
        400,
        300001,
    );
}

#[tokio::test]
async fn bounces_page_with_start_and_limit() {
    let ctx = Ctx::new().await;
    assert_code(&ctx.get("lists/bounce.json").await, 400, 400401);
    ctx.sb.seed_bounces(2500);
    assert_eq!(data_array(&ctx.get("lists/bounce.json").await).len(), 1000);
    let page = ctx.get("lists/bounce.json?start=2400&limit=1000").await;
    let items = data_array(&page);
    assert_eq!(items.len(), 100);
    assert_eq!(items[0]["Email"], "bounce-2400@example.com");
    assert_eq!(items[0]["Type"], "hard");
    assert_eq!(items[1]["Type"], "soft");
    assert!(items[0]["Reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        data_array(&ctx.get("lists/bounce.json?limit=5").await).len(),
        5
    );
    assert_code(&ctx.get("lists/bounce.json?limit=1001").await, 400, 300001);
    assert_code(&ctx.get("lists/bounce.json?limit=0").await, 400, 300001);
    assert_code(&ctx.get("lists/bounce.json?start=2500").await, 400, 400401);
    let day = ctx
        .get("lists/bounce.json?date_range_from=2024-01-01&date_range_to=2024-01-01")
        .await;
    assert_eq!(
        data_array(&day).len(),
        1000,
        "first day holds 1440 bounces, one page of 1000"
    );
}

#[tokio::test]
async fn demo_seed_has_lists() {
    let ctx = Ctx::demo().await;
    assert_eq!(
        data_array(&ctx.get("lists/unsubscribe.json").await).len(),
        3
    );
    assert_eq!(data_array(&ctx.get("lists/bounce.json").await).len(), 5);
}
