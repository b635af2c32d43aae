//! The config file (`$XDG_CONFIG_HOME/kbdash/config.yaml`, or `--config PATH`): default theme,
//! the contexts shown together, which contexts are read-only, triage thresholds, how database
//! health is scraped and judged, the wall's page cycle and whether `c` copies on the wall.
//!
//! Every key is optional and unknown keys are refused, so a typo is an error that names the
//! file, the line and the key rather than a setting silently ignored.
//!
//! It also says where kbdash keeps its files: the config's default path and the state
//! directory ([`state_dir`]) that holds the log and the audit log.

use std::path::{Path, PathBuf};

use chrono::Duration;
use serde::Deserialize;

use crate::state::health::{DEFAULT_INTERVAL_SECONDS, HealthConfig};
use crate::state::readonly::Policy;
use kbdash_core::domain::triage::Thresholds;

/// Triage thresholds, in minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageFile {
    pub(crate) stuck_ops_minutes: Option<u32>,
    /// The name before an old time range end was known to be no fault by itself.
    #[serde(alias = "wal_stall_minutes")]
    pub(crate) wal_quiet_minutes: Option<u32>,
    pub(crate) restart_window_minutes: Option<u32>,
    pub(crate) full_backup_grace_minutes: Option<u32>,
    pub(crate) stuck_deleting_minutes: Option<u32>,
    pub(crate) clock_skew_minutes: Option<u32>,
    pub(crate) settle_minutes: Option<u32>,
    pub(crate) phase_lag_minutes: Option<u32>,
    pub(crate) backup_age_minutes: Option<u32>,
}

/// Wall mode settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WallFile {
    /// Seconds between pages when the tiles do not fit.
    pub(crate) cycle_seconds: Option<u64>,
    /// Whether `c` copies the selected name to the clipboard on the wall (off: a wall is a
    /// shared screen).
    pub(crate) copy: Option<bool>,
}

/// Database health: how often the clusters on screen are scraped through the pod proxy, how
/// hard, and the rules' limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthFile {
    pub(crate) interval_seconds: Option<u64>,
    pub(crate) concurrency: Option<usize>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) lag_seconds: Option<u32>,
    pub(crate) lag_megabytes: Option<u32>,
    pub(crate) connections_percent: Option<u8>,
    pub(crate) long_transaction_minutes: Option<u32>,
}

/// The config file as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Theme name or path used when `--theme` is not given.
    pub theme: Option<String>,
    /// Contexts that are read-only unless `--write`: names or glob patterns (`*`, `?`).
    #[serde(default)]
    pub(crate) readonly_contexts: Vec<String>,
    /// Contexts shown together when no `--context` is given (none: the kubeconfig's current
    /// one).
    #[serde(default)]
    pub(crate) contexts: Vec<String>,
    #[serde(default)]
    pub(crate) triage: TriageFile,
    #[serde(default)]
    pub(crate) wall: WallFile,
    #[serde(default)]
    pub(crate) health: HealthFile,
}

/// Default wall page cycle.
pub(crate) const DEFAULT_CYCLE_SECONDS: u64 = 10;

/// A config file that could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {file}: {message}")]
    Read {
        /// The file's path.
        file: String,
        /// Why it could not be read.
        message: String,
    },
    /// The file is not a valid config.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file's path.
        file: String,
        /// 1-based; 0 when the parser gave no location.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Parses config YAML; `file` names the source in errors.
    pub fn parse(file: &str, yaml: &str) -> Result<Config, ConfigError> {
        if yaml.trim().is_empty() {
            return Ok(Config::default());
        }
        let config: Config = serde_yaml_ng::from_str(yaml).map_err(|e| ConfigError::Invalid {
            file: file.to_string(),
            line: e.location().map_or(0, |l| l.line()),
            message: e.to_string(),
        })?;
        for (key, zero) in [
            (
                "interval_seconds",
                config.health.interval_seconds == Some(0),
            ),
            ("timeout_seconds", config.health.timeout_seconds == Some(0)),
            ("concurrency", config.health.concurrency == Some(0)),
            (
                "connections_percent",
                config
                    .health
                    .connections_percent
                    .is_some_and(|p| p == 0 || p > 100),
            ),
        ] {
            if zero {
                return Err(ConfigError::Invalid {
                    file: file.to_string(),
                    line: line_of(yaml, key),
                    message: format!("health.{key} is out of range"),
                });
            }
        }
        if config.wall.cycle_seconds == Some(0) {
            return Err(ConfigError::Invalid {
                file: file.to_string(),
                line: line_of(yaml, "cycle_seconds"),
                message: "wall.cycle_seconds must be at least 1".into(),
            });
        }
        Ok(config)
    }

    /// Loads `path`, or the default location when `path` is `None`; a missing default file is
    /// an empty config, a missing explicit one is an error.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match default_path() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&path.display().to_string(), &text),
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(ConfigError::Read {
                file: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Which contexts are read-only: every one when `always` (`--readonly`, `--wall`), else
    /// those this config names, unless `write` (`--write`) lifts that.
    pub fn readonly_policy(&self, always: bool, write: bool) -> Policy {
        Policy {
            always,
            contexts: if write {
                Vec::new()
            } else {
                self.readonly_contexts.clone()
            },
        }
    }

    /// The triage thresholds: configured ones, defaults for the rest.
    pub fn thresholds(&self) -> Thresholds {
        let d = Thresholds::default();
        let m =
            |v: Option<u32>, dflt: Duration| v.map_or(dflt, |n| Duration::minutes(i64::from(n)));
        Thresholds {
            stuck_ops: m(self.triage.stuck_ops_minutes, d.stuck_ops),
            wal_quiet: m(self.triage.wal_quiet_minutes, d.wal_quiet),
            restart_window: m(self.triage.restart_window_minutes, d.restart_window),
            full_backup_grace: m(self.triage.full_backup_grace_minutes, d.full_backup_grace),
            stuck_deleting: m(self.triage.stuck_deleting_minutes, d.stuck_deleting),
            clock_skew: m(self.triage.clock_skew_minutes, d.clock_skew),
            settle: m(self.triage.settle_minutes, d.settle),
            phase_lag: m(self.triage.phase_lag_minutes, d.phase_lag),
            backup_age: m(self.triage.backup_age_minutes, d.backup_age),
        }
    }

    /// How database health is scraped and judged: configured values, defaults for the rest.
    pub fn health(&self) -> HealthConfig {
        let h = &self.health;
        let mut c = HealthConfig::every(h.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS));
        if let Some(n) = h.concurrency {
            c.concurrency = n;
        }
        if let Some(s) = h.timeout_seconds {
            c.timeout = std::time::Duration::from_secs(s);
        }
        if let Some(s) = h.lag_seconds {
            c.limits.lag_seconds = f64::from(s);
        }
        if let Some(mb) = h.lag_megabytes {
            c.limits.lag_bytes = f64::from(mb) * 1024.0 * 1024.0;
        }
        if let Some(p) = h.connections_percent {
            c.limits.connections_share = f64::from(p) / 100.0;
        }
        if let Some(m) = h.long_transaction_minutes {
            c.limits.long_transaction = Duration::minutes(i64::from(m));
        }
        c
    }

    /// Whether `c` copies to the clipboard in wall mode (default: no).
    pub fn wall_copy(&self) -> bool {
        self.wall.copy.unwrap_or(false)
    }

    /// Seconds between wall pages.
    pub fn cycle_seconds(&self) -> u64 {
        self.wall.cycle_seconds.unwrap_or(DEFAULT_CYCLE_SECONDS)
    }
}

/// `$XDG_CONFIG_HOME/kbdash/config.yaml` (or the platform's config directory).
pub(crate) fn default_path() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("kbdash").join("config.yaml"));
    }
    directories::ProjectDirs::from("", "", "kbdash").map(|d| d.config_dir().join("config.yaml"))
}

/// The user's state directory for kbdash, where the log and the audit log go: the platform's
/// state directory (`$XDG_STATE_HOME/kbdash`), else its local data directory.
pub(crate) fn state_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kbdash").map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .to_path_buf()
    })
}

/// The audit log of submits: JSON lines in the state directory.
pub(crate) fn audit_log() -> Option<PathBuf> {
    state_dir().map(|d| d.join("audit.jsonl"))
}

/// The 1-based line where `key` is set, for errors found after parsing.
fn line_of(yaml: &str, key: &str) -> usize {
    yaml.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(0, |i| i + 1)
}
