//! From the global options to a facade [`Client`], with the embedded sandbox when asked
//! (or, for `cg demo`, when no credentials are configured).

use std::io::IsTerminal;

use cg_facade::{Client, Credentials, Endpoints, Format, Region};
use cg_sandbox::Sandbox;

use crate::cli::{Global, WireFormat};
use crate::error::CliError;

/// A client, and the sandbox it talks to when there is one (kept alive with it).
pub struct Connection {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
}

impl Connection {
    /// The sandbox's demo inbound mapping, when connected to one.
    pub fn demo_configuration(&self) -> Option<String> {
        self.sandbox
            .as_ref()
            .map(|s| s.demo_configuration().to_string())
    }
}

fn has_credentials(g: &Global) -> bool {
    g.client_id.is_some()
        || g.client_secret.is_some()
        || g.client_secret_stdin
        || g.api_key.is_some()
}

/// Connects as the options say; `sandbox_if_unconfigured` is for `cg demo`.
pub async fn connect(g: &Global, sandbox_if_unconfigured: bool) -> Result<Connection, CliError> {
    let format = match g.format {
        WireFormat::Json => Format::Json,
        WireFormat::Xml => Format::Xml,
    };
    if g.sandbox || (sandbox_if_unconfigured && !has_credentials(g)) {
        let sandbox = Sandbox::builder()
            .seed_demo(true)
            .try_start()
            .await
            .map_err(|e| CliError::Usage(format!("could not start the embedded sandbox: {e}")))?;
        let (id, secret) = sandbox.demo_client();
        let endpoints = Endpoints::from_urls(
            &sandbox.api_url(),
            &sandbox.imports_url(),
            &sandbox.auth_url(),
        )
        .map_err(|e| CliError::Usage(e.to_string()))?;
        let client = Client::builder()
            .endpoints(endpoints)
            .credentials(Credentials::client_credentials(id, secret))
            .format(format)
            .build()?;
        tracing::info!(api = %sandbox.api_url(), "using the embedded sandbox");
        return Ok(Connection {
            client,
            sandbox: Some(sandbox),
        });
    }

    let secret = match (&g.client_secret, g.client_secret_stdin) {
        (Some(_), true) => return Err(CliError::Usage("give the client secret either by --client-secret/CG_CLIENT_SECRET or by --client-secret-stdin, not both".into())),
        (Some(s), false) => Some(s.clone()),
        (None, true) => Some(read_secret()?),
        (None, false) => None,
    };
    let credentials = match (&g.client_id, secret, &g.api_key) {
        (Some(id), Some(secret), key) => {
            let c = Credentials::client_credentials(id.clone(), secret);
            match key {
                Some(k) => c.with_api_key(k.clone()),
                None => c,
            }
        }
        (Some(_), None, _) => return Err(CliError::Usage("--client-id (CG_CLIENT_ID) needs --client-secret (CG_CLIENT_SECRET or --client-secret-stdin)".into())),
        (None, Some(_), _) => return Err(CliError::Usage("a client secret was given without --client-id (CG_CLIENT_ID)".into())),
        (None, None, Some(key)) => Credentials::api_key(key.clone()),
        (None, None, None) => {
            return Err(CliError::Usage(
                "no credentials: set CG_CLIENT_ID and CG_CLIENT_SECRET (or CG_API_KEY), or use --sandbox".into(),
            ));
        }
    };
    let mut builder = Client::builder().credentials(credentials).format(format);
    match &g.region {
        Some(r) => builder = builder.region(r.parse::<Region>().map_err(|e| CliError::Usage(e.to_string()))?),
        None if g.api_url.is_some() && g.imports_url.is_some() && g.auth_url.is_some() => {}
        None => return Err(CliError::Usage("no region: set --region or CG_REGION to eu, us or au (or give all three --*-url overrides)".into())),
    }
    if let (None, Some(api), Some(imports), Some(auth)) =
        (&g.region, &g.api_url, &g.imports_url, &g.auth_url)
    {
        builder = builder.endpoints(
            Endpoints::from_urls(api, imports, auth).map_err(|e| CliError::Usage(e.to_string()))?,
        );
    } else {
        if let Some(u) = &g.api_url {
            builder = builder.api_url(u.clone());
        }
        if let Some(u) = &g.imports_url {
            builder = builder.imports_url(u.clone());
        }
        if let Some(u) = &g.auth_url {
            builder = builder.auth_url(u.clone());
        }
    }
    Ok(Connection {
        client: builder.build()?,
        sandbox: None,
    })
}

/// The client secret from stdin: hidden at a terminal prompt, else the first line.
fn read_secret() -> Result<String, CliError> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("client secret: ")
            .map_err(|e| CliError::Usage(format!("could not read the client secret: {e}")))?
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            CliError::Usage(format!("could not read the client secret from stdin: {e}"))
        })?;
        line
    };
    let secret = secret.trim().to_string();
    if secret.is_empty() {
        return Err(CliError::Usage(
            "the client secret read from stdin is empty".into(),
        ));
    }
    Ok(secret)
}
