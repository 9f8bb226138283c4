//! `cg anonymize check|run`.

use std::io::{BufRead, IsTerminal, Write};

use cg_facade::Client;
use cg_facade::modules::anonymize::AnonymizeCandidate;
use serde_json::json;

use crate::cli::{AnonymizeCommand, Person};
use crate::error::CliError;
use crate::output::{Listed, Printer};

impl Listed for AnonymizeCandidate {
    const TABLE: &'static [(&'static str, &'static str)] = &[
        ("number_customergauge", "cg_id"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("email", "email"),
        ("sms_telephone", "telephone"),
    ];
    fn extra_keys(&self) -> Vec<String> {
        self.extra.keys().cloned().collect()
    }
}

async fn check(client: &Client, person: &Person, out: &mut Printer) -> Result<usize, CliError> {
    let mut validate = client.anonymize().validate();
    if let Some(e) = &person.email {
        validate = validate.email(e.clone());
    }
    if let Some(t) = &person.telephone {
        validate = validate.telephone(t.clone());
    }
    let found = validate.send().await?;
    if found.is_empty() {
        eprintln!("no records match");
    }
    for c in &found {
        out.item(c)?;
    }
    Ok(found.len())
}

async fn confirm(count: usize) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "anonymize run needs --yes when stdin is not a terminal".into(),
        ));
    }
    eprint!("anonymize {count} record(s)? This cannot be undone. [y/N] ");
    std::io::stderr().flush()?;
    // On a blocking thread: Ctrl-C at the prompt must still end the command.
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map(|_| answer)
    })
    .await
    .map_err(|e| CliError::Usage(format!("the answer could not be read: {e}")))??;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

pub async fn run(
    client: &Client,
    cmd: AnonymizeCommand,
    out: &mut Printer,
) -> Result<(), CliError> {
    match cmd {
        AnonymizeCommand::Check(person) => {
            check(client, &person, out).await?;
        }
        AnonymizeCommand::Run { person, yes } => {
            if !yes {
                let mut preview =
                    Printer::new(crate::cli::OutputFormat::Table, Box::new(std::io::stderr()));
                let count = check(client, &person, &mut preview).await?;
                preview.finish()?;
                if count == 0 {
                    out.row(vec![
                        ("anonymized", json!(0)),
                        ("result", json!("nothing to anonymize")),
                    ])?;
                    return Ok(());
                }
                if !confirm(count).await? {
                    return Err(CliError::Usage("cancelled; nothing was anonymized".into()));
                }
            }
            let mut execute = client.anonymize().execute();
            if let Some(e) = person.email {
                execute = execute.email(e);
            }
            if let Some(t) = person.telephone {
                execute = execute.telephone(t);
            }
            let result = execute.send().await?;
            out.row(vec![
                ("anonymized", json!(result.anonymized)),
                ("result", json!("done")),
            ])?;
        }
    }
    Ok(())
}
