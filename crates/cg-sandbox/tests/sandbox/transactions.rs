use serde_json::json;

use super::common::{Ctx, assert_code, data_array};

#[tokio::test]
async fn lists_with_filters_and_paging() {
    let ctx = Ctx::demo().await;
    let all = ctx.get("transactions.json").await;
    assert_eq!(data_array(&all).len(), 8);
    let first = &data_array(&all)[0];
    assert_eq!(first["number_customergauge"], "1");
    assert_eq!(first["nps"], "10");
    assert_eq!(first["Region"], "Europe");
    assert_eq!(
        data_array(&ctx.get("transactions.json?limit=3&start=6").await).len(),
        2
    );
    let by_mail = ctx
        .get("transactions.json?filter_email=jane.roe@example.com")
        .await;
    assert_eq!(data_array(&by_mail).len(), 1);
    let by_region = ctx
        .get("transactions.json?filter_Region=north%20america&filter_nps=6")
        .await;
    assert_eq!(data_array(&by_region).len(), 1);
    let queued = ctx.get("transactions.json?status=QUEUE").await;
    assert_eq!(data_array(&queued).len(), 2);
    let recent = ctx
        .get("transactions.json?days=6&date_method=date_order")
        .await;
    assert_eq!(data_array(&recent).len(), 2, "{}", recent.1);
    let ranged = ctx
        .get("transactions.json?date_range_from=2000-01-01&date_range_to=2000-12-31")
        .await;
    assert_code(&ranged, 400, 400002);
}

#[tokio::test]
async fn list_errors() {
    let ctx = Ctx::demo().await;
    assert_code(&ctx.get("transactions.json?days=366").await, 400, 400009);
    assert_code(&ctx.get("transactions.json?days=0").await, 400, 300001);
    assert_code(
        &ctx.get("transactions.json?date_method=date_sent").await,
        400,
        400001,
    );
    assert_code(
        &ctx.get("transactions.json?filter_shoe_size=42").await,
        400,
        400000,
    );
    assert_code(&ctx.get("transactions.json?status=LOST").await, 400, 300001);
    assert_code(&ctx.get("transactions.json?limit=1001").await, 400, 300001);
}

#[tokio::test]
async fn create_and_update_responses() {
    let ctx = Ctx::new().await;
    let created = ctx
        .post_form(
            "transactions/response.json",
            &[
                ("Email", "r@example.com"),
                ("NetPromoterScore", "9"),
                ("DateFormCompleted", "2024-05-01 10:00:00"),
                ("Segment", "B2B"),
            ],
        )
        .await;
    assert_eq!(created, (200, json!({"Data": {"id": 1}})));
    let updated = ctx
        .put_form(
            "transactions/response.json",
            &[("id", "1"), ("Comment", "Great")],
        )
        .await;
    assert_eq!(updated, (200, json!({"Data": {"id": 1}})));
    let state = ctx.sb.state();
    let s = state.survey(1).unwrap();
    assert_eq!((s.nps, s.comment.as_deref()), (Some(9), Some("Great")));
    assert_eq!(s.fields.get("Segment").map(String::as_str), Some("B2B"));
    let listed = ctx
        .get("transactions.json?filter_number_customergauge=1")
        .await;
    assert_eq!(
        data_array(&listed)[0]["date_survey_response"],
        "2024-05-01 10:00:00"
    );

    assert_code(
        &ctx.post_form("transactions/response.json", &[("Email", "r@example.com")])
            .await,
        400,
        400007,
    );
    assert_code(
        &ctx.post_form(
            "transactions/response.json",
            &[("DateFormCompleted", "2024-05-01")],
        )
        .await,
        400,
        300004,
    );
    let bad_score = ctx
        .post_form(
            "transactions/response.json",
            &[
                ("Email", "r@example.com"),
                ("DateFormCompleted", "2024-05-01"),
                ("NetPromoterScore", "11"),
            ],
        )
        .await;
    assert_code(&bad_score, 400, 300001);
    let bad_date = ctx
        .post_form(
            "transactions/response.json",
            &[
                ("Email", "r@example.com"),
                ("DateFormCompleted", "yesterday"),
            ],
        )
        .await;
    assert_code(&bad_date, 400, 300001);
    assert_code(
        &ctx.put_form("transactions/response.json", &[("Comment", "x")])
            .await,
        400,
        400010,
    );
    assert_code(
        &ctx.put_form("transactions/response.json", &[("id", "abc")])
            .await,
        400,
        400004,
    );
    assert_code(
        &ctx.put_form("transactions/response.json", &[("id", "99")])
            .await,
        400,
        400005,
    );
    assert_code(
        &ctx.put_form(
            "transactions/response.json",
            &[("id", "1"), ("DateFormCompleted", "")],
        )
        .await,
        400,
        400007,
    );
}

#[tokio::test]
async fn create_and_update_non_responses() {
    let ctx = Ctx::new().await;
    let created = ctx
        .post_form(
            "transactions/non_response.json",
            &[("CustomerNumber", "C-9"), ("Email", "n@example.com")],
        )
        .await;
    assert_eq!(created.1, json!({"Data": {"id": 1}}));
    assert_eq!(ctx.sb.state().survey(1).unwrap().status, "QUEUE");
    let forbidden = ctx
        .post_form(
            "transactions/non_response.json",
            &[
                ("Email", "n@example.com"),
                ("DateFormCompleted", "2024-05-01"),
            ],
        )
        .await;
    assert_code(&forbidden, 400, 400008);
    assert_code(
        &ctx.put_form(
            "transactions/non_response.json",
            &[("id", "1"), ("DateFormCompleted", "2024-05-01")],
        )
        .await,
        400,
        400008,
    );
    assert_eq!(
        ctx.put_form(
            "transactions/non_response.json",
            &[("id", "1"), ("FirstName", "Nina")]
        )
        .await
        .0,
        200
    );
    // A non-response is not found through the response endpoint.
    assert_code(
        &ctx.put_form("transactions/response.json", &[("id", "1")])
            .await,
        400,
        400005,
    );
    assert_code(
        &ctx.post_form("transactions/non_response.json", &[("Email", "bad")])
            .await,
        400,
        300001,
    );
}
