//! `cg sandbox serve`: the emulator in the foreground until Ctrl-C.

use crate::cli::SandboxCommand;
use crate::error::CliError;

#[cfg(not(feature = "sandbox"))]
pub async fn run(_cmd: SandboxCommand) -> Result<(), CliError> {
    Err(crate::connect::sandbox_feature_off("cg sandbox serve"))
}

#[cfg(feature = "sandbox")]
pub async fn run(cmd: SandboxCommand) -> Result<(), CliError> {
    use cg_sandbox::Sandbox;
    use std::io::Write;

    let SandboxCommand::Serve { port, state } = cmd;
    let mut builder = Sandbox::builder().seed_demo(true);
    if let Some(p) = port {
        builder = builder.port(p);
    }
    if let Some(path) = &state {
        builder = builder.state_file(path.clone());
    }
    let sandbox = builder
        .try_start()
        .await
        .map_err(|e| CliError::Usage(format!("could not start the sandbox: {e}")))?;
    let (client_id, client_secret) = sandbox.demo_client();
    // The sandbox's demo credentials are public test values, printed so they can be used.
    let banner = format!(
        "api            {}\nimports        {}\nauth           {}\nclient_id      {client_id}\n\
         client_secret  {client_secret}\napi_key        {}\nconfiguration  {}\n(Ctrl-C stops it)\n",
        sandbox.api_url(),
        sandbox.imports_url(),
        sandbox.auth_url(),
        sandbox.demo_api_key(),
        sandbox.demo_configuration()
    );
    // A closed stdout (`| head`) is not a reason to stop serving.
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
