//! Which region, URLs and credentials a command uses, and where each came from:
//! flags, then the environment, then the profile.

use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::Global;
use crate::error::CliError;
use crate::profile::{ConfigFile, DEFAULT_PROFILE, Profile, config_path};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The profile of that name in the config file.
    Profile(String),
    /// Read from stdin.
    Stdin,
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Profile(name) => write!(f, "profile {name}"),
            Origin::Stdin => f.write_str("stdin"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// The global options clap filled, each with flag or environment as its origin.
#[derive(Clone, Debug, Default)]
pub struct Given(BTreeMap<&'static str, Origin>);

/// The global options that can come from flag, environment or profile: (arg id, flag, variable).
const SOURCED: [(&str, &str, &str); 8] = [
    ("profile", "--profile", "CG_PROFILE"),
    ("region", "--region", "CG_REGION"),
    ("client_id", "--client-id", "CG_CLIENT_ID"),
    ("client_secret", "--client-secret", "CG_CLIENT_SECRET"),
    ("api_key", "--api-key", "CG_API_KEY"),
    ("api_url", "--api-url", "CG_API_URL"),
    ("imports_url", "--imports-url", "CG_IMPORTS_URL"),
    ("auth_url", "--auth-url", "CG_AUTH_URL"),
];

impl Given {
    /// Reads the origins from clap's matches (globals given after the subcommand included).
    pub fn from_matches(matches: &ArgMatches) -> Given {
        let mut origins = BTreeMap::new();
        for (id, flag, var) in SOURCED {
            let source = leaf_source(matches, id);
            match source {
                Some(ValueSource::CommandLine) => origins.insert(id, Origin::Flag(flag)),
                Some(ValueSource::EnvVariable) => origins.insert(id, Origin::Env(var)),
                _ => None,
            };
        }
        Given(origins)
    }

    fn origin(&self, id: &str) -> Option<Origin> {
        self.0.get(id).cloned()
    }
}

/// The source of a global arg as the deepest subcommand saw it (clap propagates globals down).
fn leaf_source(matches: &ArgMatches, id: &str) -> Option<ValueSource> {
    let mut m = matches;
    let mut source = m.value_source(id);
    while let Some((_, sub)) = m.subcommand() {
        m = sub;
        if let Some(s) = m.value_source(id) {
            source = Some(s);
        }
    }
    source
}

/// A value and its origin.
#[derive(Clone)]
pub struct Sourced {
    pub value: String,
    pub origin: Origin,
}

/// What a command uses. Holds secrets: no Debug, never printed.
pub struct Settings {
    pub profile: String,
    pub profile_origin: Origin,
    pub config_path: Option<PathBuf>,
    /// Whether the profile is in the config file.
    pub profile_found: bool,
    pub region: Option<Sourced>,
    pub api_url: Option<Sourced>,
    pub imports_url: Option<Sourced>,
    pub auth_url: Option<Sourced>,
    pub client_id: Option<Sourced>,
    pub client_secret: Option<Sourced>,
    pub api_key: Option<Sourced>,
}

fn pick(
    given: Option<&String>,
    origin: Option<Origin>,
    profile: &Option<String>,
    name: &str,
) -> Option<Sourced> {
    match given {
        Some(v) => Some(Sourced {
            value: v.clone(),
            origin: origin.unwrap_or(Origin::Default),
        }),
        None => profile.as_ref().map(|v| Sourced {
            value: v.clone(),
            origin: Origin::Profile(name.to_string()),
        }),
    }
}

impl Settings {
    /// Resolves the settings; secrets given as flag values are refused here.
    pub fn resolve(g: &Global) -> Result<Settings, CliError> {
        // Named first: the region's own error wins over everything a later step would say.
        if let Some(r) = &g.region {
            check_region(r)?;
        }
        refuse_secret_flags(g)?;

        let (profile, profile_origin) = match &g.profile {
            Some(p) => (
                p.clone(),
                g.given.origin("profile").unwrap_or(Origin::Default),
            ),
            None => (DEFAULT_PROFILE.to_string(), Origin::Default),
        };
        let named = profile_origin != Origin::Default;
        let (config_path, stored) = match config_path() {
            Ok(path) => {
                let file = ConfigFile::load(&path)?;
                (Some(path), file.profiles.get(&profile).cloned())
            }
            // Without a config directory there is no profile, which is fine unless one was named.
            Err(e) if named => return Err(e),
            Err(_) => (None, None),
        };
        if named && stored.is_none() {
            return Err(CliError::Usage(format!(
                "profile {profile:?} is not in {}; `cg auth login --profile {profile}` creates it",
                config_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )));
        }
        let profile_found = stored.is_some();
        let p = stored.unwrap_or_else(Profile::default);
        let o = |id| g.given.origin(id);
        let mut client_secret = pick(
            g.client_secret.as_ref().map(|s| &s.0),
            o("client_secret"),
            &p.client_secret,
            &profile,
        );
        if g.client_secret_stdin {
            if let Some(Sourced {
                origin: Origin::Env(_),
                ..
            }) = client_secret
            {
                return Err(CliError::Usage(
                    "give the client secret either by CG_CLIENT_SECRET or by --client-secret-stdin, not both".into(),
                ));
            }
            client_secret = Some(Sourced {
                value: read_secret("client secret")?,
                origin: Origin::Stdin,
            });
        }
        let settings = Settings {
            region: pick(g.region.as_ref(), o("region"), &p.region, &profile),
            api_url: pick(g.api_url.as_ref(), o("api_url"), &p.api_url, &profile),
            imports_url: pick(
                g.imports_url.as_ref(),
                o("imports_url"),
                &p.imports_url,
                &profile,
            ),
            auth_url: pick(g.auth_url.as_ref(), o("auth_url"), &p.auth_url, &profile),
            client_id: pick(g.client_id.as_ref(), o("client_id"), &p.client_id, &profile),
            client_secret,
            api_key: pick(
                g.api_key.as_ref().map(|s| &s.0),
                o("api_key"),
                &p.api_key,
                &profile,
            ),
            profile,
            profile_origin,
            config_path,
            profile_found,
        };
        if let Some(r) = &settings.region {
            check_region(&r.value).map_err(|e| match &r.origin {
                Origin::Profile(_) => CliError::Usage(format!("{e} (region of {})", r.origin)),
                _ => e,
            })?;
        }
        Ok(settings)
    }

    /// Whether any credential is configured.
    pub fn has_credentials(&self) -> bool {
        self.client_id.is_some() || self.client_secret.is_some() || self.api_key.is_some()
    }
}

/// An invalid region, named with the three valid ones.
pub fn check_region(text: &str) -> Result<cg_facade::Region, CliError> {
    text.parse::<cg_facade::Region>()
        .map_err(|e| CliError::Usage(format!("invalid region: {e}")))
}

/// Secrets given as flag values are refused: `ps` and shell history would keep them.
pub fn refuse_secret_flags(g: &Global) -> Result<(), CliError> {
    refuse_secret_flag(
        g,
        "client_secret",
        "CG_CLIENT_SECRET",
        Some("--client-secret-stdin"),
    )?;
    refuse_secret_flag(g, "api_key", "CG_API_KEY", None)
}

fn refuse_secret_flag(
    g: &Global,
    id: &str,
    var: &str,
    stdin_flag: Option<&str>,
) -> Result<(), CliError> {
    if let Some(Origin::Flag(flag)) = g.given.origin(id) {
        let stdin = stdin_flag
            .map(|f| format!(", pipe it with {f}"))
            .unwrap_or_default();
        return Err(CliError::Usage(format!(
            "{flag} is refused: a secret on the command line is kept by ps and shell history; \
             set {var}{stdin}, or save it in a profile with `cg auth login`"
        )));
    }
    Ok(())
}

/// A secret from stdin: hidden at a terminal prompt, else the next line.
pub fn read_secret(what: &str) -> Result<String, CliError> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{what}: "))
            .map_err(|e| CliError::Usage(format!("could not read the {what}: {e}")))?
    } else {
        read_line(what)?
    };
    let secret = secret.trim().to_string();
    if secret.is_empty() {
        return Err(CliError::Usage(format!(
            "the {what} read from stdin is empty"
        )));
    }
    Ok(secret)
}

/// One line of stdin (without its end), for a value piped in.
pub fn read_line(what: &str) -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("could not read the {what} from stdin: {e}")))?;
    Ok(line.trim().to_string())
}
