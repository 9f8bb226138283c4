//! The config file: named profiles with region, base URLs and credentials, in TOML.
//!
//! ```toml
//! [profiles.default]
//! region = "eu"
//! client_id = "..."
//! client_secret = "..."
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The profile used when neither `--profile` nor `CG_PROFILE` names one.
pub const DEFAULT_PROFILE: &str = "default";

/// One account's settings. Every value is optional: flags and environment fill the rest.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imports_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

// By hand: the secrets show as set or not, never as text.
impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("region", &self.region)
            .field("api_url", &self.api_url)
            .field("imports_url", &self.imports_url)
            .field("auth_url", &self.auth_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The whole file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// `CG_CONFIG` when set, else `customergauge/config.toml` in the platform's config directory.
pub fn config_path() -> Result<PathBuf, CliError> {
    if let Some(p) = std::env::var_os("CG_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir()
        .map(|d| d.join("customergauge").join("config.toml"))
        .ok_or_else(|| {
            CliError::Usage(
                "no config directory on this platform: set CG_CONFIG to the config file's path"
                    .into(),
            )
        })
}

impl ConfigFile {
    /// The file at `path`; an absent file is an empty one.
    pub fn load(path: &Path) -> Result<ConfigFile, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(source) => {
                return Err(CliError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| {
            // toml's Display quotes the offending line, which may hold a secret: message and line only.
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            CliError::Usage(format!(
                "{}{}: not a valid config file: {}",
                path.display(),
                line.map(|l| format!(" line {l}")).unwrap_or_default(),
                e.message()
            ))
        })?;
        file.warn_if_readable_by_others(path);
        Ok(file)
    }

    /// Secrets in a file others can read: said on stderr (the file is the user's to fix).
    fn warn_if_readable_by_others(&self, path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let holds_secrets = self
                .profiles
                .values()
                .any(|p| p.client_secret.is_some() || p.api_key.is_some());
            let mode = std::fs::metadata(path).map(|m| m.permissions().mode());
            if holds_secrets && mode.is_ok_and(|m| m & 0o077 != 0) {
                eprintln!(
                    "warning: {} holds secrets and others can read it: chmod 600 it",
                    path.display()
                );
            }
        }
        #[cfg(not(unix))]
        let _ = (self, path);
    }

    /// Writes the file readable by its owner only: a temporary file beside it, then a rename.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let io = |source| CliError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| CliError::Usage(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("toml.tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(io)?;
        // A temporary file left by an earlier run keeps its mode: set it again.
        #[cfg(unix)]
        std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_debug_hides_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config.toml");
        let mut file = ConfigFile::default();
        file.profiles.insert(
            "work".into(),
            Profile {
                region: Some("us".into()),
                client_id: Some("id-1".into()),
                client_secret: Some("s3cret-value".into()),
                ..Profile::default()
            },
        );
        file.save(&path).unwrap();
        let back = ConfigFile::load(&path).unwrap();
        assert_eq!(back.profiles["work"], file.profiles["work"]);
        let debug = format!("{back:?}");
        assert!(!debug.contains("s3cret-value"), "{debug}");
        assert!(debug.contains("id-1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn missing_file_is_empty_and_bad_file_names_the_line_not_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert!(ConfigFile::load(&path).unwrap().profiles.is_empty());
        std::fs::write(
            &path,
            "[profiles.a]\nregion = \"eu\"\nclient_secret = s3cret-value\n",
        )
        .unwrap();
        let err = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(!err.contains("s3cret-value"), "{err}");
        std::fs::write(&path, "[profiles.a]\nregoin = \"eu\"\n").unwrap();
        let err = ConfigFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("regoin"), "{err}");
    }
}
