use super::common::{Ctx, assert_code, data_array};

#[tokio::test]
async fn lists_and_filters_reasons() {
    let ctx = Ctx::new().await;
    let all = ctx.get("reasons.json").await;
    assert_eq!(all.0, 200);
    let all = data_array(&all).clone();
    assert!(all.len() >= 6);
    for key in [
        "reason_code",
        "numeration",
        "position",
        "show_for",
        "good_bad",
        "category_main",
        "level",
        "label",
    ] {
        assert!(all[0].get(key).is_some(), "{key} missing in {}", all[0]);
    }
    let promoters = ctx.get("reasons.json?show_for=Promoter").await;
    assert!(
        data_array(&promoters)
            .iter()
            .all(|r| r["show_for"] == "Promoter" && r["good_bad"] == "pos")
    );
    let others = ctx.get("reasons.json?show_for=Detractor%26Neutral").await;
    assert!(!data_array(&others).is_empty());
    assert!(
        data_array(&others)
            .iter()
            .all(|r| r["show_for"] == "Detractor&Neutral" && r["good_bad"] == "neg")
    );
    assert_eq!(
        data_array(&promoters).len() + data_array(&others).len(),
        all.len()
    );
    assert_code(
        &ctx.get("reasons.json?show_for=Everyone").await,
        400,
        300001,
    );
}
