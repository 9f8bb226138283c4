use serde_json::json;

use super::common::{Ctx, assert_code};

#[tokio::test]
async fn sets_status_comment_and_assignee() {
    let ctx = Ctx::demo().await;
    let answer = ctx
        .post_form(
            "workflow.json",
            &[
                ("number_customergauge", "1"),
                ("status", "in-progress"),
                ("comment", "Called back"),
                ("assigned_to", "agent@example.com"),
            ],
        )
        .await;
    assert_eq!(answer, (200, json!({"Data": {"number_customergauge": 1}})));
    let state = ctx.sb.state();
    let wf = &state.survey(1).unwrap().workflow;
    assert_eq!(wf.status.as_deref(), Some("IN-PROGRESS"));
    assert_eq!(wf.notes, vec!["Called back".to_owned()]);
    assert_eq!(wf.assigned_to.as_deref(), Some("agent@example.com"));
    assert_eq!(
        ctx.post_form(
            "workflow.json",
            &[("number_customergauge", "1"), ("status", "42")]
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn errors() {
    let ctx = Ctx::demo().await;
    assert_code(
        &ctx.post_form("workflow.json", &[("status", "OPEN")]).await,
        400,
        400201,
    );
    let unknown = ctx
        .post_form("workflow.json", &[("number_customergauge", "99999")])
        .await;
    assert_code(&unknown, 400, 400200);
    assert_eq!(unknown.1["Error"]["Message"], "Workflow not found");
    assert_code(
        &ctx.post_form(
            "workflow.json",
            &[("number_customergauge", "1"), ("status", "DONE")],
        )
        .await,
        400,
        400011,
    );
    assert_code(
        &ctx.post_form(
            "workflow.json",
            &[("number_customergauge", "1"), ("status", "100")],
        )
        .await,
        400,
        400011,
    );
    assert_code(
        &ctx.post_form("workflow.json", &[("number_customergauge", "abc")])
            .await,
        400,
        300001,
    );
    let bad_assignee = ctx
        .post_form(
            "workflow.json",
            &[("number_customergauge", "1"), ("assigned_to", "x")],
        )
        .await;
    assert_code(&bad_assignee, 400, 300001);
}
