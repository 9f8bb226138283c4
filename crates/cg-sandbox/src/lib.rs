#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod accounts;
mod activities;
mod anonymize;
mod app;
mod auth;
mod faults;
mod files;
mod hierarchy;
mod index;
mod ingest;
mod lists;
mod log;
mod params;
pub mod persist;
mod profile;
mod reasons;
mod records;
mod report;
mod respond;
mod routes;
mod rows;
mod seed;
mod server;
pub mod state;
mod stream;
mod sync;
mod transactions;
mod workflow;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultConfig, RateLimit};
pub use files::{MAX_FILE_BYTES, MAX_RECORD_ROWS, MAX_REVENUE_ROWS};
pub use log::{AuthKind, Family, LoggedRequest};
pub use profile::Profile;
pub use seed::{DEMO_TOUCHPOINTS, demo_configuration, demo_configuration_without_rule};
pub use state::{
    Configuration, DEMO_API_KEY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CONFIGURATION,
    DEMO_CONFIGURATION_NO_RULE, DEMO_OPEN_CONFIGURATION, DuplicationRule, FieldFormat,
    FieldSetting, FieldTarget, State,
};

use app::App;

/// Default lifetime of issued tokens: one hour, as the service documents.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// Default capacity of the request log (older entries are dropped first).
pub const DEFAULT_LOG_CAPACITY: usize = 100_000;

/// Settings of a [`Sandbox`]; start it with [`SandboxBuilder::start`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    seed_demo: bool,
    token_ttl: Duration,
    faults: FaultConfig,
    state: Option<State>,
    state_file: Option<PathBuf>,
    host: IpAddr,
    base_port: u16,
    log_capacity: usize,
    profile: Profile,
}

impl Default for SandboxBuilder {
    fn default() -> SandboxBuilder {
        SandboxBuilder {
            seed_demo: false,
            token_ttl: DEFAULT_TOKEN_TTL,
            faults: FaultConfig::default(),
            state: None,
            state_file: None,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            base_port: 0,
            log_capacity: DEFAULT_LOG_CAPACITY,
            profile: Profile::Standard,
        }
    }
}

impl SandboxBuilder {
    /// Adds the demo data set (divisions, lists, accounts, surveys with responses,
    /// uploads) to the initial state, unless it already has it.
    pub fn seed_demo(mut self, seed: bool) -> SandboxBuilder {
        self.seed_demo = seed;
        self
    }

    /// Lifetime of issued tokens (default one hour; `expires_in` is rounded up to seconds).
    pub fn token_ttl(mut self, ttl: Duration) -> SandboxBuilder {
        self.token_ttl = ttl;
        self
    }

    /// Faults to inject (default none).
    pub fn faults(mut self, faults: FaultConfig) -> SandboxBuilder {
        self.faults = faults;
        self
    }

    /// The initial state (default [`State::new`]: demo credentials and mappings, no data).
    pub fn state(mut self, state: State) -> SandboxBuilder {
        self.state = Some(state);
        self
    }

    /// Persists the state in this JSON file: loaded at start when it exists (it then
    /// wins over [`SandboxBuilder::state`]), saved after every change and at shutdown.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> SandboxBuilder {
        self.state_file = Some(path.into());
        self
    }

    /// Address to listen on (default 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> SandboxBuilder {
        self.host = host;
        self
    }

    /// Fixed ports: api on `port`, imports on `port + 1`, auth on `port + 2`
    /// (default 0: three free ports).
    pub fn port(mut self, port: u16) -> SandboxBuilder {
        self.base_port = port;
        self
    }

    /// Capacity of the request log (default [`DEFAULT_LOG_CAPACITY`]; 0 disables it).
    pub fn request_log_capacity(mut self, capacity: usize) -> SandboxBuilder {
        self.log_capacity = capacity;
        self
    }

    /// The shape of the answers (default [`Profile::Standard`]; see [`Profile`]).
    pub fn profile(mut self, profile: Profile) -> SandboxBuilder {
        self.profile = profile;
        self
    }

    /// Binds the three listeners and starts serving on the current tokio runtime.
    ///
    /// # Panics
    /// When a port cannot be bound or the state file cannot be read; use
    /// [`SandboxBuilder::try_start`] to get the error instead.
    pub async fn start(self) -> Sandbox {
        match self.try_start().await {
            Ok(sandbox) => sandbox,
            Err(e) => panic!("cg-sandbox could not start: {e}"),
        }
    }

    /// Like [`SandboxBuilder::start`], returning errors.
    pub async fn try_start(self) -> std::io::Result<Sandbox> {
        let loaded = match &self.state_file {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let mut state = loaded.or(self.state).unwrap_or_default();
        if self.seed_demo {
            seed::demo(&mut state);
        }
        let port = |offset: u16| -> std::io::Result<u16> {
            if self.base_port == 0 {
                return Ok(0);
            }
            self.base_port.checked_add(offset).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "port + 2 must not exceed 65535",
                )
            })
        };
        let api = server::bind(Family::Api, SocketAddr::new(self.host, port(0)?)).await?;
        let imports = server::bind(Family::Imports, SocketAddr::new(self.host, port(1)?)).await?;
        let auth = server::bind(Family::Auth, SocketAddr::new(self.host, port(2)?)).await?;
        let addrs = (api.addr, imports.addr, auth.addr);
        let app = Arc::new(App::new(
            state,
            self.faults,
            self.token_ttl,
            self.log_capacity,
            self.profile,
        ));
        let (shutdown, stop) = watch::channel(false);
        let mut tasks = Vec::new();
        for bound in [api, imports, auth] {
            tasks.push(tokio::spawn(server::run(bound, app.clone(), stop.clone())));
        }
        if let Some(path) = self.state_file {
            tasks.push(tokio::spawn(persist::saver(app.clone(), path, stop)));
        }
        Ok(Sandbox {
            app,
            api: addrs.0,
            imports: addrs.1,
            auth: addrs.2,
            shutdown,
            tasks,
        })
    }
}

/// A running emulator of the CustomerGauge API: three listeners on loopback (api,
/// imports, auth), a state in memory, a request log, and fault injection. Stops when
/// dropped; [`Sandbox::shutdown`] also waits for requests in flight and the last save.
pub struct Sandbox {
    app: Arc<App>,
    api: SocketAddr,
    imports: SocketAddr,
    auth: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("api", &self.api)
            .field("imports", &self.imports)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn root(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl Sandbox {
    /// A builder with the defaults (free ports, no demo data, one-hour tokens, no faults).
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Root of the api host (`/v4.1/...`, `/v7/rest/...`), e.g. `http://127.0.0.1:41001`.
    pub fn api_url(&self) -> String {
        root(self.api)
    }

    /// Root of the imports host (`/records/`, `/accounts`).
    pub fn imports_url(&self) -> String {
        root(self.imports)
    }

    /// Root of the auth host (`/oauth2/token`).
    pub fn auth_url(&self) -> String {
        root(self.auth)
    }

    /// The token endpoint, `auth_url() + "/oauth2/token"`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.auth_url())
    }

    /// Socket addresses of the api, imports and auth listeners.
    pub fn addrs(&self) -> (SocketAddr, SocketAddr, SocketAddr) {
        (self.api, self.imports, self.auth)
    }

    /// The requests answered so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.app.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.app.log.clear();
    }

    /// A snapshot of the state.
    pub fn state(&self) -> State {
        self.app.store.read(State::clone)
    }

    /// Reads or changes the state (a change is saved like any other).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        self.app.store.write(|s| {
            let result = f(s);
            s.reindex();
            result
        })
    }

    /// The demo client's (client id, client secret).
    pub fn demo_client(&self) -> (String, String) {
        (DEMO_CLIENT_ID.to_owned(), DEMO_CLIENT_SECRET.to_owned())
    }

    /// The demo API key.
    pub fn demo_api_key(&self) -> String {
        DEMO_API_KEY.to_owned()
    }

    /// Reference of the demo Inbound Mapping ([`demo_configuration`]).
    pub fn demo_configuration(&self) -> String {
        DEMO_CONFIGURATION.to_owned()
    }

    /// Reference of the demo mapping without a duplication rule
    /// ([`DEMO_CONFIGURATION_NO_RULE`], [`demo_configuration_without_rule`]).
    pub fn demo_configuration_without_rule(&self) -> String {
        DEMO_CONFIGURATION_NO_RULE.to_owned()
    }

    /// Registers an OAuth2 client.
    pub fn add_client(&self, client_id: impl Into<String>, client_secret: impl Into<String>) {
        let (id, secret) = (client_id.into(), client_secret.into());
        self.app.store.write(|s| s.clients.insert(id, secret));
    }

    /// Registers an API key.
    pub fn add_api_key(&self, key: impl Into<String>) {
        let key = key.into();
        self.app.store.write(|s| s.api_keys.insert(key));
    }

    /// Adds an Inbound Mapping under a new random UUID and returns the UUID.
    pub fn add_configuration(&self, configuration: Configuration) -> String {
        let reference = uuid::Uuid::new_v4().to_string();
        self.add_configuration_with_reference(reference.clone(), configuration);
        reference
    }

    /// Adds (or replaces) an Inbound Mapping under the given reference.
    pub fn add_configuration_with_reference(
        &self,
        reference: impl Into<String>,
        configuration: Configuration,
    ) {
        let reference = reference.into();
        self.app
            .store
            .write(|s| s.configurations.insert(reference, configuration));
    }

    /// Appends `n` bounces (`bounce-<k>@example.com`, hard/soft alternating), for paging tests.
    pub fn seed_bounces(&self, n: usize) {
        self.app.store.write(|s| seed::seed_bounces(s, n));
    }

    /// Replaces the fault configuration (and reseeds its generator).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.app.faults.set(faults);
    }

    /// The fault configuration, with the scripted faults still pending.
    pub fn faults(&self) -> FaultConfig {
        self.app.faults.config()
    }

    /// Appends faults for the next requests of the affected families.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.app.faults.push(faults);
    }

    /// The answer profile in use.
    pub fn profile(&self) -> Profile {
        self.app.profile()
    }

    /// Switches the answer profile for the next requests (the state is unchanged, so
    /// both profiles can be compared on the very same items).
    pub fn set_profile(&self, profile: Profile) {
        self.app.set_profile(profile);
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.app.set_token_ttl(ttl);
    }

    /// A valid bearer token for the demo client, issued without HTTP.
    pub fn issue_token(&self) -> String {
        let token: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(48)
            .map(char::from)
            .collect();
        let ttl = u64::try_from(self.app.token_ttl().as_millis()).unwrap_or(u64::MAX);
        let expires_at_ms = params::now_ms().saturating_add(ttl);
        let issued = state::IssuedToken {
            client_id: DEMO_CLIENT_ID.to_owned(),
            expires_at_ms,
        };
        self.app
            .store
            .write(|s| s.tokens.insert(token.clone(), issued));
        token
    }

    /// Makes every issued token expire now.
    pub fn expire_tokens(&self) {
        self.app
            .store
            .write(|s| s.tokens.values_mut().for_each(|t| t.expires_at_ms = 0));
    }

    /// Stops accepting, waits (at most 5 s) for requests in flight, saves the state file.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
