//! `cg auth login|status|logout`: profiles in the config file.

use std::io::{IsTerminal, Write};

use serde_json::json;

use crate::cli::{AuthCommand, Global};
use crate::connect::connect_with;
use crate::error::CliError;
use crate::output::Printer;
use crate::profile::{ConfigFile, DEFAULT_PROFILE, Profile, config_path};
use crate::settings::{
    Settings, Sourced, check_region, read_line, read_secret, refuse_secret_flags,
};

pub async fn run(g: &Global, cmd: AuthCommand, out: &mut Printer) -> Result<(), CliError> {
    match cmd {
        AuthCommand::Login => login(g, out),
        AuthCommand::Status => status(g, out).await,
        AuthCommand::Logout => logout(g, out),
    }
}

fn profile_name(g: &Global) -> String {
    g.profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
}

/// A visible value: as given, else asked for at a terminal.
fn ask(given: &Option<String>, prompt: &str, required: bool) -> Result<Option<String>, CliError> {
    if given.is_some() {
        return Ok(given.clone());
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let suffix = if required { "" } else { " (empty: none)" };
    eprint!("{prompt}{suffix}: ");
    std::io::stderr().flush()?;
    let line = read_line(prompt)?;
    Ok((!line.is_empty()).then_some(line))
}

fn login(g: &Global, out: &mut Printer) -> Result<(), CliError> {
    refuse_secret_flags(g)?;
    let name = profile_name(g);
    let path = config_path()?;
    let mut file = ConfigFile::load(&path)?;
    let terminal = std::io::stdin().is_terminal();

    let region = ask(&g.region, "region (eu, us or au)", true)?;
    if let Some(r) = &region {
        check_region(r)?;
    }
    let urls_given = g.api_url.is_some() && g.imports_url.is_some() && g.auth_url.is_some();
    if region.is_none() && !urls_given {
        return Err(CliError::Usage(
            "no region: give --region (eu, us or au) or CG_REGION".into(),
        ));
    }
    let client_id = ask(&g.client_id, "client id", false)?;
    // Secrets: the environment as it is; else hidden at a terminal, else stdin lines.
    let client_secret = match (&g.client_secret, &client_id) {
        (Some(s), _) => Some(s.0.clone()),
        (None, Some(_)) => Some(read_secret("client secret")?),
        (None, None) => None,
    };
    let api_key = match &g.api_key {
        Some(k) => Some(k.0.clone()),
        None if terminal => {
            let k = rpassword::prompt_password("API key (empty: none): ")
                .map_err(|e| CliError::Usage(format!("could not read the API key: {e}")))?;
            Some(k.trim().to_string()).filter(|k| !k.is_empty())
        }
        None => Some(read_line("API key")?).filter(|k| !k.is_empty()),
    };
    if client_id.is_none() && api_key.is_none() {
        return Err(CliError::Usage(
            "no credentials to save: give --client-id (and the secret on stdin) or an API key"
                .into(),
        ));
    }
    file.profiles.insert(
        name.clone(),
        Profile {
            region,
            api_url: g.api_url.clone(),
            imports_url: g.imports_url.clone(),
            auth_url: g.auth_url.clone(),
            client_id,
            client_secret,
            api_key,
        },
    );
    file.save(&path)?;
    out.row(vec![
        ("profile", json!(name)),
        ("file", json!(path.display().to_string())),
        ("result", json!("saved")),
    ])?;
    Ok(())
}

fn logout(g: &Global, out: &mut Printer) -> Result<(), CliError> {
    let name = profile_name(g);
    let path = config_path()?;
    let mut file = ConfigFile::load(&path)?;
    let result = if file.profiles.remove(&name).is_some() {
        file.save(&path)?;
        "removed"
    } else {
        "not there"
    };
    out.row(vec![
        ("profile", json!(name)),
        ("file", json!(path.display().to_string())),
        ("result", json!(result)),
    ])?;
    Ok(())
}

fn shown(s: &Option<Sourced>, secret: bool) -> (serde_json::Value, String) {
    match s {
        Some(v) if secret => (json!("set"), v.origin.to_string()),
        Some(v) => (json!(v.value), v.origin.to_string()),
        None => (json!(null), "not set".into()),
    }
}

async fn status(g: &Global, out: &mut Printer) -> Result<(), CliError> {
    let s = Settings::resolve(g)?;
    let file = match (&s.config_path, s.profile_found) {
        (Some(p), true) => format!("{}", p.display()),
        (Some(p), false) => format!("{} (no such profile)", p.display()),
        (None, _) => "no config directory".into(),
    };
    let mut rows = vec![
        ("profile", json!(s.profile), s.profile_origin.to_string()),
        ("config", json!(file), String::new()),
    ];
    for (name, value, secret) in [
        ("region", &s.region, false),
        ("api_url", &s.api_url, false),
        ("imports_url", &s.imports_url, false),
        ("auth_url", &s.auth_url, false),
        ("client_id", &s.client_id, false),
        ("client_secret", &s.client_secret, true),
        ("api_key", &s.api_key, true),
    ] {
        let (v, origin) = shown(value, secret);
        rows.push((name, v, origin));
    }
    let kind = match (
        s.client_id.is_some() && s.client_secret.is_some(),
        s.api_key.is_some(),
    ) {
        (true, true) => "OAuth2 client credentials and v4.1 API key",
        (true, false) => "OAuth2 client credentials",
        (false, true) => "v4.1 API key only",
        (false, false) => "none",
    };
    rows.push(("credentials", json!(kind), String::new()));

    if g.sandbox {
        rows.push((
            "token",
            json!("not checked: --sandbox uses its own"),
            String::new(),
        ));
        return print(out, rows);
    }
    let conn = match connect_with(g, &s) {
        Ok(c) => c,
        Err(e) => {
            print(out, rows)?;
            return Err(e);
        }
    };
    // URLs the region decides: shown as the client will use them.
    let endpoints = conn.client.endpoints();
    for (setting, value, source) in rows.iter_mut() {
        let effective = match *setting {
            "api_url" => endpoints.api_base_url(),
            "imports_url" => endpoints.imports_base_url(),
            "auth_url" => endpoints.auth_base_url(),
            _ => continue,
        };
        if value.is_null() {
            *value = json!(effective);
            *source = "from the region".into();
        }
    }
    let check = if s.client_id.is_some() {
        conn.client.authenticator().token().await.map(|_| ())
    } else {
        Ok(())
    };
    match check {
        Ok(()) if s.client_id.is_some() => {
            rows.push(("token", json!("fetched"), String::new()));
            print(out, rows)
        }
        Ok(()) => {
            rows.push(("token", json!("none needed (API key)"), String::new()));
            print(out, rows)
        }
        Err(e) => {
            rows.push(("token", json!("not fetched"), String::new()));
            print(out, rows)?;
            Err(CliError::Auth(format!(
                "no token for profile {}: {e}",
                s.profile
            )))
        }
    }
}

fn print(
    out: &mut Printer,
    rows: Vec<(&'static str, serde_json::Value, String)>,
) -> Result<(), CliError> {
    for (setting, value, source) in rows {
        out.row(vec![
            ("setting", json!(setting)),
            ("value", value),
            ("source", json!(source)),
        ])?;
    }
    Ok(())
}
