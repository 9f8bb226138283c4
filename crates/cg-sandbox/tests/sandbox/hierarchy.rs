use serde_json::json;

use super::common::{Ctx, assert_code, data_array};

fn parent_of(list: &(u16, serde_json::Value), name: &str) -> Option<String> {
    data_array(list)
        .iter()
        .find(|d| d["division"] == name)
        .map(|d| d["parent"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn starts_with_global() {
    let ctx = Ctx::new().await;
    let list = ctx.get("hierarchy.json").await;
    assert_eq!(
        list,
        (
            200,
            json!({"Data": [{"id": "1", "division": "Global", "parent": ""}]})
        )
    );
}

#[tokio::test]
async fn add_update_delete() {
    let ctx = Ctx::new().await;
    let added = ctx
        .post_form("hierarchy.json", &[("division", "Europe")])
        .await;
    assert_eq!(added, (200, json!({"Data": {"id": "2"}})));
    let benelux = ctx
        .post_form(
            "hierarchy.json",
            &[("division", "Benelux"), ("parent", "Europe")],
        )
        .await;
    assert_eq!(benelux.1["Data"]["id"], "3");
    assert_eq!(
        parent_of(&ctx.get("hierarchy.json").await, "Benelux").as_deref(),
        Some("Europe")
    );

    let renamed = ctx
        .put_form(
            "hierarchy.json",
            &[
                ("division", "Benelux"),
                ("division_to_update", "Low Countries"),
            ],
        )
        .await;
    assert_eq!(
        renamed,
        (
            200,
            json!({"Data": {"message": "Division has been updated successfully"}})
        )
    );
    let moved = ctx
        .put_form(
            "hierarchy.json",
            &[("division", "Low Countries"), ("parent", "Global")],
        )
        .await;
    assert_eq!(moved.0, 200);
    assert_eq!(
        parent_of(&ctx.get("hierarchy.json").await, "Low Countries").as_deref(),
        Some("Global")
    );

    let deleted = ctx
        .delete_form(
            "hierarchy.json",
            &[
                ("division", "Low Countries"),
                ("replacement-division", "Europe"),
            ],
        )
        .await;
    assert_eq!(
        deleted,
        (
            200,
            json!({"Data": {"message": "Division has been deleted successfully."}})
        )
    );
    assert_eq!(data_array(&ctx.get("hierarchy.json").await).len(), 2);
}

#[tokio::test]
async fn add_errors() {
    let ctx = Ctx::new().await;
    assert_code(&ctx.post_form("hierarchy.json", &[]).await, 400, 300004);
    assert_code(
        &ctx.post_form("hierarchy.json", &[("parent", "Global")])
            .await,
        400,
        300004,
    );
    assert_code(
        &ctx.post_form(
            "hierarchy.json",
            &[("division", "X"), ("parent", "Nowhere")],
        )
        .await,
        400,
        400900,
    );
    ctx.post_form("hierarchy.json", &[("division", "X")]).await;
    assert_code(
        &ctx.post_form("hierarchy.json", &[("division", "X")]).await,
        400,
        300001,
    );
}

#[tokio::test]
async fn update_errors() {
    let ctx = Ctx::new().await;
    ctx.post_form("hierarchy.json", &[("division", "A")]).await;
    ctx.post_form("hierarchy.json", &[("division", "B"), ("parent", "A")])
        .await;
    assert_code(
        &ctx.put_form("hierarchy.json", &[("division_to_update", "Z")])
            .await,
        400,
        300004,
    );
    assert_code(
        &ctx.put_form(
            "hierarchy.json",
            &[("division", "Nope"), ("division_to_update", "Z")],
        )
        .await,
        400,
        400901,
    );
    assert_code(
        &ctx.put_form(
            "hierarchy.json",
            &[("division", "Global"), ("division_to_update", "Z")],
        )
        .await,
        400,
        400902,
    );
    assert_code(
        &ctx.put_form("hierarchy.json", &[("division", "A")]).await,
        400,
        300004,
    );
    assert_code(
        &ctx.put_form("hierarchy.json", &[("division", "A"), ("parent", "Nope")])
            .await,
        400,
        400900,
    );
    assert_code(
        &ctx.put_form("hierarchy.json", &[("division", "A"), ("parent", "B")])
            .await,
        400,
        300001,
    );
    assert_code(
        &ctx.put_form(
            "hierarchy.json",
            &[("division", "A"), ("division_to_update", "B")],
        )
        .await,
        400,
        300001,
    );
}

#[tokio::test]
async fn delete_errors() {
    let ctx = Ctx::new().await;
    ctx.post_form("hierarchy.json", &[("division", "A")]).await;
    ctx.post_form("hierarchy.json", &[("division", "B"), ("parent", "A")])
        .await;
    assert_code(
        &ctx.delete_form("hierarchy.json", &[("division", "B")])
            .await,
        400,
        300004,
    );
    let global = ctx
        .delete_form(
            "hierarchy.json",
            &[("division", "Global"), ("replacement-division", "A")],
        )
        .await;
    assert_code(&global, 400, 400903);
    let parent = ctx
        .delete_form(
            "hierarchy.json",
            &[("division", "A"), ("replacement-division", "Global")],
        )
        .await;
    assert_code(&parent, 400, 400904);
    let missing = ctx
        .delete_form(
            "hierarchy.json",
            &[("division", "Nope"), ("replacement-division", "A")],
        )
        .await;
    assert_code(&missing, 400, 400901);
    let bad_replacement = ctx
        .delete_form(
            "hierarchy.json",
            &[("division", "B"), ("replacement-division", "Nope")],
        )
        .await;
    assert_code(&bad_replacement, 400, 400901);
}
