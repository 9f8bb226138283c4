//! `cg sandbox serve`: the emulator in the foreground until Ctrl-C.

use cg_sandbox::Sandbox;

use crate::cli::SandboxCommand;
use crate::error::CliError;

pub async fn run(cmd: SandboxCommand) -> Result<(), CliError> {
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
    println!("api            {}", sandbox.api_url());
    println!("imports        {}", sandbox.imports_url());
    println!("auth           {}", sandbox.auth_url());
    println!("client_id      {client_id}");
    println!("client_secret  {client_secret}");
    println!("api_key        {}", sandbox.demo_api_key());
    println!("configuration  {}", sandbox.demo_configuration());
    println!("(Ctrl-C stops it)");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
