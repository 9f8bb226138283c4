use super::common::{Ctx, assert_code};

async fn post(ctx: &Ctx, path: &str, body: &str) -> (u16, serde_json::Value) {
    ctx.send(
        ctx.http
            .post(ctx.v41(path))
            .header("Content-Type", "application/xml")
            .body(body.to_owned()),
    )
    .await
}

#[tokio::test]
async fn transactional_records_are_queued() {
    let ctx = Ctx::new().await;
    let xml = "<?xml version=\"1.0\"?><records><record><Email>s1@example.com</Email><FirstName>S</FirstName><Region>EMEA</Region></record>\
               <record><Phone>+1 555 0100</Phone></record><record><FirstName>nobody</FirstName></record></records>";
    let answer = post(&ctx, "stream/transactional.json", xml).await;
    assert_eq!(answer.0, 200);
    let data = &answer.1["Data"];
    assert_eq!(
        (
            data["total_records"].as_str(),
            data["successful_records"].as_str()
        ),
        (Some("3"), Some("2"))
    );
    assert_eq!(data["logs"][0], "Record 3: Email or Phone is required");
    let state = ctx.sb.state();
    assert_eq!(state.surveys.len(), 2);
    assert!(
        state
            .surveys
            .iter()
            .all(|s| s.status == "QUEUE" && s.source == "stream")
    );
    assert_eq!(
        state.surveys[0].fields.get("Region").map(String::as_str),
        Some("EMEA")
    );
    let listed = ctx.get("file/transactional.json").await;
    assert_eq!(listed.0, 200);
}

#[tokio::test]
async fn historical_records_with_scores_are_responses() {
    let ctx = Ctx::new().await;
    let xml = "<records><record><Email>h@example.com</Email><NetPromoterScore>3</NetPromoterScore>\
               <DateFormCompleted>2024-04-01 09:00:00</DateFormCompleted></record></records>";
    assert_eq!(post(&ctx, "stream/historical.json", xml).await.0, 200);
    let state = ctx.sb.state();
    assert_eq!(state.surveys[0].nps, Some(3));
    assert_eq!(
        state.surveys[0].kind,
        cg_sandbox::state::SurveyKind::Response
    );
}

#[tokio::test]
async fn empty_and_malformed_bodies() {
    let ctx = Ctx::new().await;
    assert_code(
        &post(&ctx, "stream/transactional.json", "").await,
        400,
        400700,
    );
    assert_code(
        &post(&ctx, "stream/transactional.json", "<records/>").await,
        400,
        400700,
    );
    assert_code(
        &post(&ctx, "stream/transactional.json", "<records><record>").await,
        400,
        300001,
    );
    assert_code(
        &post(&ctx, "stream/historical.json", "not xml at all").await,
        400,
        300001,
    );
}
