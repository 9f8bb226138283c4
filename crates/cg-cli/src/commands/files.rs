//! `cg revenue upload|list` and `cg files list|upload|delete`.

use cg_facade::Client;
use cg_facade::modules::files::{ListUploads, UploadFile, UploadKind, UploadOutcome, UploadRecord};
use serde_json::json;

use crate::cli::{FilesCommand, RevenueCommand, UploadFilter, UploadKindArg};
use crate::commands::print_stream;
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for UploadRecord {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("id", "id"),
        ("status", "status"),
        ("source_filename", "file"),
        ("date_upload", "uploaded"),
        ("total_records", "total"),
        ("successful_records", "ok"),
        ("unsuccessful_records", "failed"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        Vec::new()
    }
}

fn kind(k: UploadKindArg) -> UploadKind {
    match k {
        UploadKindArg::CompanyRevenue => UploadKind::CompanyRevenue,
        UploadKindArg::Contact => UploadKind::Contact,
        UploadKindArg::Historical => UploadKind::Historical,
        UploadKindArg::Transactional => UploadKind::Transactional,
    }
}

async fn list(
    mut uploads: ListUploads,
    filter: UploadFilter,
    out: &mut Printer,
) -> Result<(), CliError> {
    if let Some(id) = filter.id {
        uploads = uploads.id(id);
    }
    if let Some(f) = filter.range.since {
        uploads = uploads.from(f);
    }
    if let Some(t) = filter.range.until {
        uploads = uploads.to(t);
    }
    print_stream(uploads.stream(), filter.limit, out).await
}

pub async fn revenue(
    client: &Client,
    cmd: RevenueCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    match cmd {
        RevenueCommand::Upload { file } => {
            let outcome = client.revenue().upload_path(&file).await?;
            let result = if outcome.is_accepted() {
                "accepted"
            } else {
                "not taken"
            };
            out.row(vec![
                ("file", json!(file.display().to_string())),
                ("result", json!(result)),
            ])?;
            if !outcome.is_accepted() {
                return Err(CliError::Partial(
                    "the service did not take the file (see `cg revenue list`)".into(),
                ));
            }
        }
        RevenueCommand::List(filter) => list(client.revenue().list_uploads(), filter, out).await?,
    }
    Ok(())
}

pub async fn files(client: &Client, cmd: FilesCommand, out: &mut Printer) -> Result<(), CliError> {
    match cmd {
        FilesCommand::List { kind: k, filter } => {
            list(client.files().list(kind(k)), filter, out).await?
        }
        FilesCommand::Upload { kind: k, file } => {
            let outcome = client
                .files()
                .upload(kind(k), UploadFile::path(&file))
                .await?;
            let (result, id) = match &outcome {
                UploadOutcome::Accepted { id } => ("accepted", *id),
                _ => ("not taken", None),
            };
            out.row(vec![
                ("file", json!(file.display().to_string())),
                ("id", json!(id)),
                ("result", json!(result)),
            ])?;
            if !outcome.is_accepted() {
                return Err(CliError::Partial(
                    "the service did not take the file".into(),
                ));
            }
        }
        FilesCommand::Delete { id } => {
            client.files().delete(id).await?;
            out.row(vec![("id", json!(id)), ("result", json!("deleted"))])?;
        }
    }
    Ok(())
}
