//! The model's part for database health (issue 17): how often and how hard to scrape, what each
//! scraped cluster's exporters and Patroni said (kept in [`ClusterHealth`], bounded per pod),
//! and, per context, the limits that hold for the whole context (`pods/proxy` refused, pods
//! unreachable), each said once. Keeping it is `update::health`'s part.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use kbdash_core::domain::health::{ClusterHealth, HealthLimits};
use kbdash_core::rows::{Ctx, ObjKey};

/// Default seconds between scrapes.
pub const DEFAULT_INTERVAL_SECONDS: u64 = 10;
/// Default requests in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default seconds one request may take.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 5;

/// How health is scraped and judged (the config file's `health` section).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthConfig {
    /// Time between scrapes.
    pub interval: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long one request may take.
    pub timeout: std::time::Duration,
    /// The rules' limits.
    pub limits: HealthLimits,
}

impl Default for HealthConfig {
    fn default() -> HealthConfig {
        HealthConfig::every(DEFAULT_INTERVAL_SECONDS)
    }
}

impl HealthConfig {
    /// The defaults with a scrape every `seconds`: figures older than three intervals are
    /// stale.
    pub fn every(seconds: u64) -> HealthConfig {
        let secs = i64::try_from(seconds.max(1)).unwrap_or(i64::MAX / 4);
        HealthConfig {
            interval: Duration::seconds(secs),
            concurrency: DEFAULT_CONCURRENCY,
            timeout: std::time::Duration::from_secs(DEFAULT_TIMEOUT_SECONDS),
            limits: HealthLimits {
                stale_after: Duration::seconds(secs.saturating_mul(3)),
                ..HealthLimits::default()
            },
        }
    }
}

/// One context's scrapes: when they were asked for, and the limits its API server set, each
/// said once. Kept per context: one context refusing `pods/proxy` says nothing of another.
#[derive(Debug, Clone, Default)]
pub struct ContextScrapes {
    /// When the scrape in flight was asked for.
    pub(crate) in_flight: Option<DateTime<Utc>>,
    /// When the last scrape was asked for.
    pub(crate) last: Option<DateTime<Utc>>,
    /// The API server refused `pods/proxy` in this context: its message, said once.
    pub forbidden: Option<String>,
    /// The API server could not reach a pod through its proxy in this context, said once.
    pub(crate) unreachable_said: bool,
}

/// Health state of the contexts shown.
#[derive(Debug, Clone, Default)]
pub struct HealthState {
    /// How to scrape and judge.
    pub config: HealthConfig,
    /// What each scraped cluster said (its key names its context); a cluster not scraped for
    /// a while is forgotten.
    pub clusters: HashMap<ObjKey, ClusterHealth>,
    /// Each context's scrapes and limits.
    pub contexts: HashMap<Ctx, ContextScrapes>,
}

impl HealthState {
    /// A fresh state with `config`, as after a context switch.
    pub(crate) fn with_config(config: HealthConfig) -> HealthState {
        HealthState {
            config,
            ..HealthState::default()
        }
    }

    /// Why `pods/proxy` was refused in context `ctx`, if it was.
    pub fn forbidden_in(&self, ctx: Ctx) -> Option<&str> {
        self.contexts.get(&ctx)?.forbidden.as_deref()
    }

    /// Forgets everything of context `ctx` (no longer shown).
    pub(crate) fn forget_ctx(&mut self, ctx: Ctx) {
        self.contexts.remove(&ctx);
        self.clusters.retain(|k, _| k.ctx != ctx);
    }
}
