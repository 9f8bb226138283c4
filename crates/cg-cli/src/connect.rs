//! From the resolved [`Settings`] to a facade [`Client`], with the embedded sandbox when
//! asked (or, for `cg demo`, when no credentials are configured).

use cg_facade::{Client, Credentials, Endpoints, Format};

use crate::cli::{Global, WireFormat};
use crate::error::CliError;
use crate::settings::{Settings, check_region, refuse_secret_flags};

/// A client, and the sandbox it talks to when there is one (kept alive with it).
pub struct Connection {
    pub client: Client,
    #[cfg(feature = "sandbox")]
    pub sandbox: Option<cg_sandbox::Sandbox>,
}

impl Connection {
    /// The sandbox's demo inbound mapping, when connected to one.
    pub fn demo_configuration(&self) -> Option<String> {
        #[cfg(feature = "sandbox")]
        return self
            .sandbox
            .as_ref()
            .map(|s| s.demo_configuration().to_string());
        #[cfg(not(feature = "sandbox"))]
        None
    }

    /// The sandbox's API URL, when connected to one.
    pub fn sandbox_url(&self) -> Option<String> {
        #[cfg(feature = "sandbox")]
        return self.sandbox.as_ref().map(|s| s.api_url());
        #[cfg(not(feature = "sandbox"))]
        None
    }
}

/// The error of a command that needs the embedded sandbox in a `cg` built without it.
#[cfg(not(feature = "sandbox"))]
pub fn sandbox_feature_off(what: &str) -> CliError {
    CliError::Usage(format!(
        "{what} needs the embedded sandbox, and this cg was built without the `sandbox` feature \
         (cargo install cg-cli builds it by default)"
    ))
}

fn wire_format(g: &Global) -> Format {
    match g.wire_format {
        WireFormat::Json => Format::Json,
        WireFormat::Xml => Format::Xml,
    }
}

/// Connects as the options say; `sandbox_if_unconfigured` is for `cg demo`.
pub async fn connect(g: &Global, sandbox_if_unconfigured: bool) -> Result<Connection, CliError> {
    if g.sandbox {
        // The profile is not read: a broken config file does not stop sandbox runs.
        refuse_secret_flags(g)?;
        return connect_sandbox(g).await;
    }
    let settings = Settings::resolve(g)?;
    if sandbox_if_unconfigured && !settings.has_credentials() {
        return connect_sandbox(g).await;
    }
    connect_with(g, &settings)
}

#[cfg(feature = "sandbox")]
async fn connect_sandbox(g: &Global) -> Result<Connection, CliError> {
    let sandbox = cg_sandbox::Sandbox::builder()
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
        .format(wire_format(g))
        .build()?;
    tracing::info!(api = %sandbox.api_url(), "using the embedded sandbox");
    Ok(Connection {
        client,
        sandbox: Some(sandbox),
    })
}

#[cfg(not(feature = "sandbox"))]
async fn connect_sandbox(g: &Global) -> Result<Connection, CliError> {
    Err(sandbox_feature_off(if g.sandbox {
        "--sandbox"
    } else {
        "cg demo without credentials"
    }))
}

/// A client for the account the settings name. An invalid region was named first (by
/// [`Settings::resolve`]); then missing credentials, then a missing region or bad URLs.
pub fn connect_with(g: &Global, s: &Settings) -> Result<Connection, CliError> {
    let credentials = match (&s.client_id, &s.client_secret, &s.api_key) {
        (Some(id), Some(secret), key) => {
            let c = Credentials::client_credentials(id.value.clone(), secret.value.clone());
            match key {
                Some(k) => c.with_api_key(k.value.clone()),
                None => c,
            }
        }
        (Some(_), None, _) => {
            return Err(CliError::Usage(
                "a client id without a client secret: set CG_CLIENT_SECRET, use --client-secret-stdin, \
                 or save both with `cg auth login`"
                    .into(),
            ));
        }
        (None, Some(_), _) => {
            return Err(CliError::Usage(
                "a client secret without a client id: set --client-id or CG_CLIENT_ID".into(),
            ));
        }
        (None, None, Some(key)) => Credentials::api_key(key.value.clone()),
        (None, None, None) => {
            return Err(CliError::Usage(
                "no credentials: set CG_CLIENT_ID and CG_CLIENT_SECRET (or CG_API_KEY), \
                 run `cg auth login`, or use --sandbox"
                    .into(),
            ));
        }
    };
    let region = s
        .region
        .as_ref()
        .map(|r| check_region(&r.value))
        .transpose()?;
    let urls = (&s.api_url, &s.imports_url, &s.auth_url);
    let mut builder = Client::builder().format(wire_format(g));
    match (region, urls) {
        (Some(r), _) => builder = builder.region(r),
        (None, (Some(api), Some(imports), Some(auth))) => {
            builder = builder.endpoints(
                Endpoints::from_urls(&api.value, &imports.value, &auth.value)
                    .map_err(|e| CliError::Usage(e.to_string()))?,
            );
        }
        (None, _) => {
            return Err(CliError::Usage(
                "no region: set --region or CG_REGION to eu, us or au, save one with `cg auth login` \
                 (or give all three --*-url overrides)"
                    .into(),
            ));
        }
    }
    if region.is_some() {
        if let Some(u) = &s.api_url {
            builder = builder.api_url(u.value.clone());
        }
        if let Some(u) = &s.imports_url {
            builder = builder.imports_url(u.value.clone());
        }
        if let Some(u) = &s.auth_url {
            builder = builder.auth_url(u.value.clone());
        }
    }
    Ok(Connection {
        client: builder.credentials(credentials).build()?,
        #[cfg(feature = "sandbox")]
        sandbox: None,
    })
}
