//! `cg-sandbox`: run the CustomerGauge API emulator from the command line.
#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cg_sandbox::{FaultConfig, Profile, RateLimit, Sandbox};
use clap::Parser;

/// A local, stateful emulator of the CustomerGauge API.
///
/// Three listeners, one per host family: api (`/v4.1/...`, `/v7/rest/...`) on PORT,
/// imports (`/records/`, `/accounts`) on PORT+1, auth (`/oauth2/token`) on PORT+2.
/// With `--port 0` (the default) each gets a free port. The URLs and the demo
/// credentials are printed on start; Ctrl-C (or SIGTERM) stops it and saves the state.
#[derive(Debug, Parser)]
#[command(name = "cg-sandbox", version)]
struct Args {
    /// Port of the api host; imports listens on PORT+1, auth on PORT+2 (0: free ports).
    #[arg(long, default_value_t = 0, env = "CG_SANDBOX_PORT")]
    port: u16,

    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,

    /// Add the demo data set (divisions, lists, accounts, surveys, uploads).
    #[arg(long)]
    seed_demo: bool,

    /// JSON state file: loaded at start if present, saved after every change and at shutdown.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Lifetime of issued tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    token_ttl: u64,

    /// Register another OAuth2 client, as ID:SECRET (repeatable).
    #[arg(long = "client", value_name = "ID:SECRET")]
    clients: Vec<String>,

    /// Register another v4.1 API key (repeatable).
    #[arg(long = "api-key", value_name = "KEY")]
    api_keys: Vec<String>,

    /// Shape of the answers: `standard` (as the spec) or `variant` (the other shape the
    /// docs allow: numbers as strings and strings as numbers, nested v7 contact/account,
    /// unknown enum values, null lists, extra fields; same items).
    #[arg(long, value_name = "PROFILE", default_value = "standard")]
    profile: Profile,

    /// Faults to inject, as FaultConfig JSON or @FILE, e.g.
    /// '{"seed":1,"server_error_rate":0.1,"latency_ms":50}'.
    #[arg(long, value_name = "JSON")]
    faults: Option<String>,

    /// Rate limit: R requests per second per client (access token or API key); beyond
    /// it, 429 with Retry-After. Overrides `rate_limit` of --faults.
    #[arg(long, value_name = "R")]
    rate_limit: Option<f64>,

    /// Burst of the rate limit: requests a client may send at once (default: R, at least 1).
    #[arg(long, value_name = "N", requires = "rate_limit")]
    rate_limit_burst: Option<u32>,
}

fn faults(arg: Option<&str>) -> Result<FaultConfig, String> {
    let Some(arg) = arg else {
        return Ok(FaultConfig::default());
    };
    let text = match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("--faults {path}: {e}"))?,
        None => arg.to_owned(),
    };
    serde_json::from_str(&text).map_err(|e| format!("--faults: {e}"))
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut faults = match faults(args.faults.as_deref()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cg-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(rate) = args.rate_limit {
        if !(rate.is_finite() && rate > 0.0) {
            eprintln!("cg-sandbox: --rate-limit must be a positive number, got {rate}");
            return ExitCode::from(2);
        }
        let limit = RateLimit::per_second(rate);
        faults.rate_limit = Some(match args.rate_limit_burst {
            Some(burst) => RateLimit::new(rate, burst),
            None => limit,
        });
    }
    let mut clients = Vec::new();
    for pair in &args.clients {
        match pair.split_once(':') {
            Some((id, secret)) if !id.is_empty() => {
                clients.push((id.to_owned(), secret.to_owned()))
            }
            _ => {
                eprintln!("cg-sandbox: --client takes ID:SECRET, got {pair:?}");
                return ExitCode::from(2);
            }
        }
    }
    let mut builder = Sandbox::builder()
        .host(args.host)
        .port(args.port)
        .seed_demo(args.seed_demo)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .profile(args.profile)
        .faults(faults);
    if let Some(path) = &args.state {
        builder = builder.state_file(path);
    }
    let sandbox = match builder.try_start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cg-sandbox: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (id, secret) in clients {
        sandbox.add_client(id, secret);
    }
    for key in &args.api_keys {
        sandbox.add_api_key(key.clone());
    }
    let (client_id, client_secret) = sandbox.demo_client();
    println!("cg-sandbox {} ready", env!("CARGO_PKG_VERSION"));
    println!(
        "api            {}   (/v4.1/..., /v7/rest/...)",
        sandbox.api_url()
    );
    println!(
        "imports        {}   (/records/, /accounts)",
        sandbox.imports_url()
    );
    println!("auth           {}   (/oauth2/token)", sandbox.auth_url());
    println!("client_id      {client_id}");
    println!("client_secret  {client_secret}");
    println!("api_key        {}", sandbox.demo_api_key());
    println!("configuration  {}", sandbox.demo_configuration());
    if let Some(path) = &args.state {
        println!("state          {}", path.display());
    }
    if let Some(limit) = sandbox.faults().rate_limit {
        println!(
            "rate_limit     {}/s per client, burst {}",
            limit.per_second, limit.burst
        );
    }
    if args.profile != Profile::Standard {
        println!("profile        {}", args.profile);
    }
    stopped().await;
    sandbox.shutdown().await;
    println!("cg-sandbox stopped");
    ExitCode::SUCCESS
}
