use serde_json::json;

use super::common::{Ctx, assert_code, send};

async fn text(ctx: &Ctx, request: reqwest::RequestBuilder) -> (u16, String, String) {
    let r = request
        .header("Authorization", ctx.bearer())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

#[tokio::test]
async fn xml_envelopes() {
    let ctx = Ctx::new().await;
    let (status, ct, body) = text(&ctx, ctx.http.get(ctx.v41("hierarchy.xml"))).await;
    assert_eq!((status, ct.as_str()), (200, "application/xml"));
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Data><item><id>1</id><division>Global</division><parent></parent></item></Data>"
    );
    let (status, _, body) = text(
        &ctx,
        ctx.http
            .post(ctx.v41("lists/unsubscribe.xml"))
            .form(&[("email", "x@example.com")]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.ends_with("<Data><Message>Record added</Message></Data>"),
        "{body}"
    );
    let (status, ct, body) = text(&ctx, ctx.http.post(ctx.v41("lists/unsubscribe.xml"))).await;
    assert_eq!((status, ct.as_str()), (400, "application/xml"));
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Message>Email address is required</Message><Code>400402</Code></Error>"
    );
    let (_, _, body) = text(&ctx, ctx.http.delete(ctx.v41("file.xml?id=5"))).await;
    assert!(
        body.contains("<Message>File not found</Message><Code>400200</Code>"),
        "{body}"
    );
}

#[tokio::test]
async fn json_by_default_and_unknown_suffix() {
    let ctx = Ctx::new().await;
    let (status, ct, _) = text(&ctx, ctx.http.get(ctx.v41("hierarchy"))).await;
    assert_eq!((status, ct.as_str()), (200, "application/json"));
    assert_code(&ctx.get("hierarchy.csv").await, 404, 300002);
}

#[tokio::test]
async fn unknown_module_and_wrong_method() {
    let ctx = Ctx::new().await;
    let unknown = ctx.get("products.json").await;
    assert_eq!(
        unknown,
        (
            404,
            json!({"Error": {"Message": "Module does not exist", "Code": 300002}})
        )
    );
    assert_code(&ctx.get("lists/nothing.json").await, 404, 300002);
    let (status, _, body) = text(&ctx, ctx.http.get(ctx.v41("products.xml"))).await;
    assert_eq!(status, 404);
    assert!(body.contains("<Code>300002</Code>"));
    // Unknown modules answer 404 before credentials are checked.
    assert_eq!(send(ctx.http.get(ctx.v41("products.json"))).await.0, 404);

    let response = ctx
        .http
        .delete(ctx.v41("reasons.json"))
        .header("Authorization", ctx.bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "GET");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"Error": {"Message": "Method does not exist", "Code": 300003}})
    );
    assert_code(
        &ctx.send(ctx.http.patch(ctx.v41("hierarchy.json"))).await,
        405,
        300003,
    );
    assert_code(
        &ctx.send(ctx.http.get(ctx.v41("workflow.json"))).await,
        405,
        300003,
    );
}
