use serde_json::{Value, json};

use super::common::{Ctx, send};

async fn page(ctx: &Ctx, path: &str, query: &str) -> (u16, Value) {
    ctx.send(ctx.http.get(format!("{}?{query}", ctx.v7(path))))
        .await
}

#[tokio::test]
async fn cursor_export_until_empty() {
    let ctx = Ctx::demo().await;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let (status, body) = page(
            &ctx,
            "sync/responses",
            &format!("per_page=4&cursor={cursor}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let data = body["data"].as_array().unwrap().clone();
        // The cursor is a JSON integer (art 5000880297), sent back in text form.
        cursor = body["cursor"]["next"]
            .as_u64()
            .unwrap_or_else(|| panic!("integer cursor in {body}"))
            .to_string();
        if data.is_empty() {
            break;
        }
        seen.extend(
            data.iter()
                .map(|d| d["number_customergauge"].as_u64().unwrap()),
        );
        assert!(data.iter().all(|d| d["nps"].is_i64()));
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5, 6]);
    // A new response shows up on the next sync with the stored cursor.
    ctx.post_form(
        "transactions/response.json",
        &[
            ("Email", "late@example.com"),
            ("NetPromoterScore", "8"),
            ("DateFormCompleted", "2024-05-01"),
        ],
    )
    .await;
    let (_, body) = page(&ctx, "sync/responses", &format!("cursor={cursor}")).await;
    assert_eq!(body["data"][0]["email"], "late@example.com");
}

#[tokio::test]
async fn non_responses_and_relations() {
    let ctx = Ctx::demo().await;
    let (_, body) = page(&ctx, "sync/non-responses", "").await;
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(data.iter().all(|d| d["nps"].is_null()));
    let (_, body) = page(
        &ctx,
        "sync/responses",
        "per_page=1&with[]=drivers&with[]=properties&with[]=tags&with[]=questions",
    )
    .await;
    let item = &body["data"][0];
    assert_eq!(item["drivers"], json!([{"label": "Product quality"}]));
    assert_eq!(
        item["properties"][0],
        json!({"field": "Region", "reference": "Europe"})
    );
    assert_eq!(item["tags"], json!(["happy"]));
    assert_eq!(item["questions"][0]["answer"], 10);
    let (_, plain) = page(&ctx, "sync/responses", "per_page=1").await;
    assert!(plain["data"][0].get("drivers").is_none());
}

#[tokio::test]
async fn period_filters() {
    let ctx = Ctx::demo().await;
    ctx.sb.with_state(|s| {
        if let Some(sv) = s.survey_mut(2) {
            sv.date_survey_response = Some("2020-02-02 10:00:00".into());
        }
    });
    let (_, body) = page(
        &ctx,
        "sync/responses",
        "period[field]=date_survey_response&period[start]=2020-02-01&period[end]=2020-02-03",
    )
    .await;
    let ids: Vec<u64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number_customergauge"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![2]);
}

#[tokio::test]
async fn validation_errors() {
    let ctx = Ctx::demo().await;
    let (status, body) = page(&ctx, "sync/responses", "per_page=1001").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["per_page"],
        json!(["The per page field must be between 1 and 1000."])
    );
    assert_eq!(page(&ctx, "sync/responses", "per_page=x").await.0, 422);
    assert_eq!(
        page(&ctx, "sync/responses", "period[field]=date_of_birth")
            .await
            .0,
        422
    );
    assert_eq!(
        page(&ctx, "sync/responses", "period[start]=01-01-2020")
            .await
            .0,
        422
    );
    let (status, body) = page(&ctx, "sync/responses", "cursor=garbage").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("The cursor is invalid."))
    );
    assert_eq!(page(&ctx, "sync/responses", "with[]=friends").await.0, 400);
    assert_eq!(
        send(
            ctx.http
                .post(ctx.v7("sync/responses"))
                .header("Authorization", ctx.bearer())
        )
        .await
        .0,
        405
    );
    assert_eq!(page(&ctx, "sync/everything", "").await.0, 404);
}

#[tokio::test]
async fn close_loop_status() {
    let ctx = Ctx::demo().await;
    let put = |body: Value| ctx.send(ctx.http.put(ctx.v7("close-loop/status")).json(&body));
    let ok = put(json!({"number_customergauge": 4, "status": "progress", "note": "Called", "happened_at": "2024-05-01 10:00:00"})).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    let state = ctx.sb.state();
    let wf = &state.survey(4).unwrap().workflow;
    assert_eq!(
        (wf.status.as_deref(), wf.happened_at.as_deref()),
        (Some("progress"), Some("2024-05-01 10:00:00"))
    );
    assert_eq!(wf.notes, vec!["Called".to_owned()]);
    assert_eq!(
        put(json!({"number_customergauge": "4", "status": "closed"}))
            .await
            .0,
        200
    );

    let no_note = put(json!({"number_customergauge": 4, "status": "progress"})).await;
    assert_eq!(no_note.0, 422);
    assert_eq!(
        no_note.1["errors"]["note"],
        json!(["The note field is required when status is progress."])
    );
    let bad = put(json!({"status": "done", "happened_at": "yesterday"})).await;
    assert_eq!(bad.0, 422);
    assert_eq!(
        bad.1["message"],
        "The number customergauge field is required. (and 2 more errors)"
    );
    assert_eq!(
        put(json!({"number_customergauge": 999, "status": "open"}))
            .await
            .0,
        404
    );
    let malformed = ctx
        .send(ctx.http.put(ctx.v7("close-loop/status")).body("{"))
        .await;
    assert_eq!(malformed.0, 400);
}

async fn cases(ctx: &Ctx, query: &str) -> (u16, Value) {
    page(ctx, "sync/close-loop", query).await
}

fn case_ids(body: &Value) -> Vec<u64> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {body}"))
        .iter()
        .map(|c| c["number_customergauge"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn close_loop_cases_demo_and_paging() {
    let ctx = Ctx::demo().await;
    let (status, body) = cases(&ctx, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(case_ids(&body), vec![3, 2, 5], "seeded cases in case order");
    let closed = &body["data"][2];
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["time_to_follow_up"], 24);
    assert_eq!(closed["time_to_close"], 24);
    assert_eq!(body["data"][1]["note"], "Called the customer");
    assert_eq!(body["data"][0]["time_to_follow_up"], Value::Null);
    assert!(body["cursor"]["next"].is_u64());

    // A status set through PUT close-loop/status makes a new case at the end.
    let put = ctx
        .send(ctx.http.put(ctx.v7("close-loop/status")).json(&json!({
            "number_customergauge": "4", "status": "open", "happened_at": "2024-05-01 10:00:00"
        })))
        .await;
    assert_eq!(put.0, 200, "{}", put.1);
    let mut cursor = String::new();
    let mut seen = Vec::new();
    for _ in 0..10 {
        let (status, body) = cases(&ctx, &format!("per_page=2&cursor={cursor}")).await;
        assert_eq!(status, 200, "{body}");
        let ids = case_ids(&body);
        cursor = body["cursor"]["next"].as_u64().unwrap().to_string();
        if ids.is_empty() {
            break;
        }
        assert!(ids.len() <= 2);
        seen.extend(ids);
    }
    assert_eq!(seen, vec![3, 2, 5, 4]);
    // An update keeps the case (and its place); the stored cursor sees nothing new.
    ctx.send(ctx.http.put(ctx.v7("close-loop/status")).json(&json!({
        "number_customergauge": 4, "status": "progress", "note": "Mailed", "happened_at": "2024-05-01 12:59:59"
    })))
    .await;
    assert!(case_ids(&cases(&ctx, &format!("cursor={cursor}")).await.1).is_empty());
    let (_, all) = cases(&ctx, "").await;
    assert_eq!(case_ids(&all), vec![3, 2, 5, 4]);
    assert_eq!(all["data"][3]["status"], "progress");
    assert_eq!(all["data"][3]["time_to_follow_up"], 2);
    assert_eq!(all["data"][3]["note"], "Mailed");
}

#[tokio::test]
async fn close_loop_cases_filters_and_errors() {
    let ctx = Ctx::demo().await;
    for (id, day) in [(1, "2022-07-17 08:00:00"), (6, "2022-07-25 23:59:59")] {
        ctx.send(ctx.http.put(ctx.v7("close-loop/status")).json(&json!({
            "number_customergauge": id, "status": "open", "happened_at": day
        })))
        .await;
    }
    let (status, body) = cases(
        &ctx,
        "updated_at[start]=2022-07-17&updated_at[end]=2022-07-25",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(case_ids(&body), vec![1, 6]);
    let (_, body) = cases(
        &ctx,
        "updated_at[start]=2022-07-18&updated_at[end]=2022-07-25",
    )
    .await;
    assert_eq!(case_ids(&body), vec![6]);
    let (_, body) = cases(&ctx, "updated_at[end]=2022-07-24").await;
    assert_eq!(case_ids(&body), vec![1]);

    let (status, body) = cases(&ctx, "updated_at[start]=17-07-2022&per_page=0").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["updated_at.start"],
        json!(["The updated_at.start field must match the format Y-m-d."])
    );
    assert!(body["errors"]["per_page"].is_array());
    let (status, body) = cases(&ctx, "cursor=abc").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["cursor"],
        json!(["The cursor field must be an integer."])
    );
    let post = send(
        ctx.http
            .post(ctx.v7("sync/close-loop"))
            .header("Authorization", ctx.bearer()),
    )
    .await;
    assert_eq!(post.0, 405);
    let anonymous = send(ctx.http.get(ctx.v7("sync/close-loop"))).await;
    assert_eq!(anonymous, (401, json!({"message": "Unauthenticated."})));
}
