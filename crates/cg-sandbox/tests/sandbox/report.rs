use serde_json::json;

use super::common::{Ctx, assert_code};

#[tokio::test]
async fn nps_from_stored_responses() {
    let ctx = Ctx::demo().await;
    let all = ctx.get("report/nps.json").await;
    assert_eq!(
        all,
        (
            200,
            json!({"Data": {"nps": 16.67, "promoters": "3", "passives": "1", "detractors": "2", "responses": "6"}})
        )
    );
    let europe = ctx.get("report/nps.json?filter_Region=Europe").await;
    assert_eq!(europe.1["Data"]["nps"], 100.0);
    let na = ctx
        .get("report/nps.json?filter_Region=North%20America")
        .await;
    assert_eq!(na.1["Data"]["nps"], -100.0);
    let none = ctx
        .get("report/nps.json?date_range_from=2000-01-01&date_range_to=2000-01-02")
        .await;
    assert_eq!(none.1["Data"]["responses"], "0");
    assert_eq!(none.1["Data"]["nps"], 0.0);
    ctx.post_form(
        "transactions/response.json",
        &[
            ("Email", "z@example.com"),
            ("NetPromoterScore", "10"),
            ("DateFormCompleted", "2000-01-01"),
        ],
    )
    .await;
    let one = ctx
        .get("report/nps.json?date_range_from=2000-01-01&date_range_to=2000-01-02")
        .await;
    assert_eq!(one.1["Data"]["nps"], 100.0);
}

#[tokio::test]
async fn errors() {
    let ctx = Ctx::demo().await;
    assert_code(
        &ctx.get("report/nps.json?filter_Planet=Mars").await,
        400,
        400000,
    );
    assert_code(
        &ctx.get("report/nps.json?date_range_from=yesterday").await,
        400,
        300001,
    );
}
