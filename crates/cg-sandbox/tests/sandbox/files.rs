use reqwest::multipart::{Form, Part};
use serde_json::json;

use super::common::{Ctx, assert_code, data_array};

fn file(name: &str, data: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(data).file_name(name.to_owned()))
}

async fn upload(ctx: &Ctx, path: &str, name: &str, data: &[u8]) -> (u16, serde_json::Value) {
    ctx.send(
        ctx.http
            .post(ctx.v41(path))
            .multipart(file(name, data.to_vec())),
    )
    .await
}

const REVENUE: &[u8] =
    b"Account Name,Account Number,Revenue\nACME,ACME-001,1200.50\nGlobex,,300\nNoName,,lots\n";

#[tokio::test]
async fn revenue_upload_is_parsed_and_listed() {
    let ctx = Ctx::new().await;
    let answer = upload(
        &ctx,
        "company/revenue_file_automate.json",
        "revenue.csv",
        REVENUE,
    )
    .await;
    assert_eq!(answer, (200, json!({"Data": {"data": 1}})));
    let list = ctx.get("file/company-revenue.json").await;
    let items = data_array(&list);
    assert_eq!(items.len(), 1);
    let u = &items[0];
    assert_eq!(u["status"], "Processed");
    assert_eq!(u["source_filename"], "revenue.csv");
    assert_eq!(
        (
            u["total_records"].as_str(),
            u["successful_records"].as_str()
        ),
        (Some("3"), Some("2"))
    );
    assert_eq!(u["unsuccessful_records"], "1");
    assert_eq!(u["logs"], json!(["Row 4: Revenue 'lots' is not a number"]));
    assert!(u["date_upload"].as_str().is_some_and(|d| d.len() == 19));
    let state = ctx.sb.state();
    let acme = state
        .accounts
        .iter()
        .find(|a| a.reference == "ACME")
        .unwrap();
    assert_eq!(acme.revenue, Some(1200.5));
}

#[tokio::test]
async fn refused_files() {
    let ctx = Ctx::new().await;
    let path = "company/revenue_file_automate.json";
    assert_code(
        &upload(&ctx, path, "revenue.pdf", b"%PDF-1.4").await,
        400,
        400106,
    );
    assert_code(
        &upload(&ctx, path, "revenue.xlsx", b"a,b\n1,2\n").await,
        400,
        400106,
    );
    assert_code(
        &upload(&ctx, path, "revenue", &[0xff, 0x00, 0xfe]).await,
        400,
        400104,
    );
    assert_code(
        &upload(&ctx, path, "revenue.xml", b"<records><record>").await,
        400,
        400107,
    );
    assert_code(&upload(&ctx, path, "revenue.csv", b"").await, 400, 400115);
    assert_code(
        &upload(&ctx, path, "revenue.csv", b"Account Name\n").await,
        400,
        400115,
    );
    let big = vec![b'a'; 2 * 1024 * 1024 + 1];
    let too_big = upload(&ctx, path, "big.csv", &big).await;
    assert_code(&too_big, 400, 300001);
    assert!(
        too_big.1["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("2 MB")
    );
    let no_name = ctx
        .send(
            ctx.http
                .post(ctx.v41(path))
                .multipart(Form::new().part("file", Part::bytes(b"a".to_vec()))),
        )
        .await;
    assert_code(&no_name, 400, 400111);
    let other_part = ctx
        .send(
            ctx.http
                .post(ctx.v41(path))
                .multipart(Form::new().text("x", "y")),
        )
        .await;
    assert_code(&other_part, 400, 400110);
    let not_multipart = ctx.post_form(path, &[("file", "x")]).await;
    assert_code(&not_multipart, 400, 400140);
    let contact_not_multipart = ctx.post_form("file/contact.json", &[("file", "x")]).await;
    assert_code(&contact_not_multipart, 400, 400160);
}

#[tokio::test]
async fn too_many_rows_is_data_false() {
    let ctx = Ctx::new().await;
    let mut csv = b"Account Name,Revenue\n".to_vec();
    for i in 0..1001 {
        csv.extend_from_slice(format!("A{i},1\n").as_bytes());
    }
    let answer = upload(&ctx, "company/revenue_file_automate.json", "rows.csv", &csv).await;
    assert_eq!(answer, (200, json!({"Data": false})));
    let list = ctx.get("file/company-revenue.json").await;
    assert_eq!(data_array(&list)[0]["status"], "Failed");
    assert_eq!(data_array(&list)[0]["total_records"], "1001");
    let mut ok = b"Account Name,Revenue\n".to_vec();
    for i in 0..1000 {
        ok.extend_from_slice(format!("A{i},1\n").as_bytes());
    }
    let answer = upload(
        &ctx,
        "company/revenue_file_automate.json",
        "rows-ok.csv",
        &ok,
    )
    .await;
    assert_eq!(answer.1, json!({"Data": {"data": 1}}));
}

#[tokio::test]
async fn spreadsheets_and_xml_are_taken() {
    let ctx = Ctx::new().await;
    let xlsx = upload(
        &ctx,
        "company/revenue_file_automate.json",
        "r.xlsx",
        b"PK\x03\x04 zipped",
    )
    .await;
    assert_eq!(xlsx.1, json!({"Data": {"data": 1}}));
    let xls = upload(
        &ctx,
        "company/revenue_file_automate.json",
        "r.xls",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
    )
    .await;
    assert_eq!(xls.0, 200);
    let xml =
        b"<records><record><AccountName>ACME</AccountName><Revenue>5</Revenue></record></records>";
    assert_eq!(
        upload(&ctx, "company/revenue_file_automate.json", "r.xml", xml)
            .await
            .0,
        200
    );
    assert_eq!(
        data_array(&ctx.get("file/company-revenue.json").await).len(),
        3
    );
}

#[tokio::test]
async fn contact_and_historical_uploads() {
    let ctx = Ctx::new().await;
    let contacts =
        b"Email,First Name,Last Name,Account Name\nann@example.com,Ann,Lee,ACME\nbad,B,C,ACME\n";
    let first = upload(&ctx, "file/contact.json", "contacts.csv", contacts).await;
    assert_eq!(first, (200, json!({"Data": {"id": "1"}})));
    assert_code(
        &upload(&ctx, "file/contact.json", "contacts.csv", contacts).await,
        400,
        400103,
    );
    assert!(
        ctx.sb
            .state()
            .contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("ann@example.com"))
    );

    let historical = b"Email;NetPromoterScore;Comment;DateFormCompleted;Region\nh1@example.com;9;Nice;2024-05-01 10:00:00;EMEA\nh2@example.com;;;;\n";
    let answer = upload(&ctx, "file/historical.json", "hist.csv", historical).await;
    assert_eq!(answer.1["Data"]["id"], "2");
    assert_code(
        &upload(&ctx, "file/historical.json", "hist.csv", historical).await,
        400,
        400103,
    );
    let state = ctx.sb.state();
    let h1 = state
        .surveys
        .iter()
        .find(|s| s.email.as_deref() == Some("h1@example.com"))
        .unwrap();
    assert_eq!(
        (h1.nps, h1.fields.get("Region").map(String::as_str)),
        (Some(9), Some("EMEA"))
    );
    assert_eq!(state.surveys.len(), 2);

    let list = ctx.get("file/historical.json").await;
    assert_eq!(data_array(&list)[0]["successful_records"], "2");
    let contact_list = ctx.get("file/contact.json").await;
    assert_eq!(data_array(&contact_list)[0]["unsuccessful_records"], "1");
    assert_code(&ctx.get("file/transactional.json").await, 400, 400184);
}

#[tokio::test]
async fn listing_filters() {
    let ctx = Ctx::demo().await;
    let by_id = ctx.get("file/company-revenue.json?id=1").await;
    assert_eq!(
        data_array(&by_id)[0]["source_filename"],
        "RevenueUploadTemplate_5May2019.xlsx"
    );
    let missing = ctx.get("file/company-revenue.json?id=999").await;
    assert_code(&missing, 400, 400184);
    assert_eq!(
        missing.1["Error"]["Message"],
        "No data found with passed parameters."
    );
    assert_code(
        &ctx.get("file/company-revenue.json?date_range_from=2020-01-01&date_range_to=2020-12-31")
            .await,
        400,
        400184,
    );
    assert_eq!(
        data_array(
            &ctx.get(
                "file/company-revenue.json?date_range_from=2019-05-15&date_range_to=2019-05-15"
            )
            .await
        )
        .len(),
        1
    );
    assert_code(
        &ctx.get("file/company-revenue.json?start=1").await,
        400,
        400184,
    );
    assert_code(
        &ctx.get("file/company-revenue.json?limit=5000").await,
        400,
        300001,
    );
    assert_code(
        &ctx.get("file/company-revenue.json?id=abc").await,
        400,
        300001,
    );
    assert_code(&ctx.get("file/transactional.json?id=").await, 400, 400143);
    assert_code(&ctx.get("file/historical.json?id=").await, 400, 400183);
    assert_eq!(
        data_array(&ctx.get("file/transactional.json").await).len(),
        1
    );
    assert_eq!(data_array(&ctx.get("file/contact.json").await).len(), 1);
}

#[tokio::test]
async fn delete_upload() {
    let ctx = Ctx::new().await;
    let historical = b"Email,NetPromoterScore\nd@example.com,7\n";
    upload(&ctx, "file/historical.json", "d.csv", historical).await;
    assert_eq!(ctx.sb.state().surveys.len(), 1);
    let deleted = ctx.send(ctx.http.delete(ctx.v41("file.json?id=1"))).await;
    assert_eq!(deleted, (200, json!({"Data": true})));
    assert!(
        ctx.sb.state().surveys.is_empty(),
        "the upload's records go with it"
    );
    assert!(ctx.sb.state().uploads.is_empty());
    let again = ctx.send(ctx.http.delete(ctx.v41("file.json?id=1"))).await;
    assert_code(&again, 400, 400200);
    assert_eq!(again.1["Error"]["Message"], "File not found");
    assert_code(
        &ctx.send(ctx.http.delete(ctx.v41("file.json"))).await,
        400,
        300004,
    );
    assert_code(
        &ctx.send(ctx.http.delete(ctx.v41("file.json?id=x"))).await,
        400,
        300001,
    );
    // Re-uploading a deleted file is allowed again.
    assert_eq!(
        upload(&ctx, "file/historical.json", "d.csv", historical)
            .await
            .0,
        200
    );
}
