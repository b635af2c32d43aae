//! The simulated KubeBlocks operator. It watches the store the way the real controllers watch
//! the API server, keeps the work it has started (OpsRequests, cluster provisioning, backups) as
//! tasks that advance on timers scaled by `speed`, and writes the phases, conditions, progress
//! and effects docs/kubeblocks.md describes.

pub(crate) mod backups;
pub(crate) mod cluster;
pub(crate) mod ctx;
pub(crate) mod deletion;
pub(crate) mod objects;
pub(crate) mod ops;
pub(crate) mod provision;
pub(crate) mod ticker;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;

use super::store::{EventType, Store, StoreEvent};
use ctx::{Ctx, Key};
use kbdash_core::kinds::Kind;

/// How the simulated operator behaves.
#[derive(Debug, Clone)]
pub struct OperatorConfig {
    /// How much faster than real time the operator works: every simulated duration is divided
    /// by it.
    pub speed: f64,
    /// Seed of the operator's random values (pod and service IPs, nodes, backup sizes,
    /// ciphertexts): the same seed gives the same objects.
    pub seed: u64,
}

impl Default for OperatorConfig {
    fn default() -> Self {
        OperatorConfig {
            speed: 1.0,
            seed: 1,
        }
    }
}

/// How often periodic refreshes happen.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// Simulated seconds between two refreshes of one continuous backup's `timeRange.end`
    /// (and of a crash-looping pod's restart count is six times this).
    pub continuous_interval_secs: f64,
    /// The most refreshes per real second across the fleet, whatever its size; zero or less
    /// turns periodic refreshes off.
    pub updates_per_sec: f64,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            continuous_interval_secs: 5.0,
            updates_per_sec: crate::DEFAULT_CHURN,
        }
    }
}

/// Starts the operator on the current tokio runtime with the default [`Pacing`]. Aborting the
/// handle stops every task it started.
pub fn spawn(store: Arc<Store>, config: OperatorConfig) -> tokio::task::JoinHandle<()> {
    spawn_paced(store, config, Pacing::default())
}

/// Starts the operator with explicit pacing.
pub fn spawn_paced(
    store: Arc<Store>,
    config: OperatorConfig,
    pacing: Pacing,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(store, config, pacing))
}

async fn run(store: Arc<Store>, config: OperatorConfig, pacing: Pacing) {
    // Subscribe before looking at the current state so nothing falls between the two.
    let live = match store.subscribe(Kind::OpsRequest, None) {
        Ok(sub) => sub.live,
        Err(_) => return,
    };
    let ctx = Arc::new(Ctx::new(store, config, pacing));
    let mut tasks = JoinSet::new();
    if ctx.pacing.updates_per_sec > 0.0 {
        tasks.spawn(backups::run_continuous_ticker(ctx.clone()));
        tasks.spawn(cluster::run_crash_ticker(ctx.clone()));
    }
    tasks.spawn(backups::run_cron(ctx.clone()));
    resync(&ctx, &mut tasks);
    let mut live = live;
    loop {
        tokio::select! {
            event = live.recv() => match event {
                Ok(event) => handle(&ctx, &mut tasks, &event),
                Err(RecvError::Lagged(_)) => resync(&ctx, &mut tasks),
                Err(RecvError::Closed) => return,
            },
            Some(_) = tasks.join_next() => {}
        }
    }
}

/// Looks at every object the operator cares about, as after a (re)start.
fn resync(ctx: &Arc<Ctx>, tasks: &mut JoinSet<()>) {
    for kind in [
        Kind::OpsRequest,
        Kind::Cluster,
        Kind::Backup,
        Kind::BackupSchedule,
    ] {
        for o in ctx.store.list(kind, None).0 {
            // Finished objects are the vast majority at fleet scale: skip them unparsed.
            if kind != Kind::BackupSchedule && is_settled(kind, &o.json) {
                continue;
            }
            consider(ctx, tasks, kind, EventType::Added, &o.value());
        }
    }
    for o in ctx.store.list(Kind::Pod, None).0 {
        if o.json.contains("CrashLoopBackOff") {
            ctx.watch_crashing(Key::of(o.namespace.as_deref(), &o.name));
        }
    }
}

/// Whether a stored object is in a phase the operator never acts on again (continuous backups
/// excepted: they keep running).
fn is_settled(kind: Kind, json: &str) -> bool {
    let phase = status_phase(json).unwrap_or_default();
    match kind {
        Kind::OpsRequest => matches!(
            phase.as_str(),
            "Succeed" | "Failed" | "Cancelled" | "Aborted"
        ),
        Kind::Backup => matches!(phase.as_str(), "Completed" | "Failed"),
        Kind::Cluster => !phase.is_empty(),
        _ => false,
    }
}

/// `status.phase` of a stored object, read without building the whole tree.
fn status_phase(json: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        status: Option<StatusProbe>,
    }
    #[derive(serde::Deserialize)]
    struct StatusProbe {
        phase: Option<String>,
    }
    serde_json::from_str::<Probe>(json).ok()?.status?.phase
}

fn handle(ctx: &Arc<Ctx>, tasks: &mut JoinSet<()>, event: &StoreEvent) {
    let kind = event.kind;
    if kind == Kind::Pod {
        if event.event_type != EventType::Deleted && event.object.json.contains("CrashLoopBackOff")
        {
            ctx.watch_crashing(Key::of(
                event.object.namespace.as_deref(),
                &event.object.name,
            ));
        }
        return;
    }
    if !matches!(
        kind,
        Kind::OpsRequest | Kind::Cluster | Kind::Backup | Kind::BackupSchedule
    ) {
        return;
    }
    consider(ctx, tasks, kind, event.event_type, &event.object.value());
}

/// Starts the work an object calls for, unless it is already under way.
fn consider(ctx: &Arc<Ctx>, tasks: &mut JoinSet<()>, kind: Kind, event: EventType, obj: &Value) {
    let key = Key::from_value(obj);
    let phase = obj
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (kind, event) {
        (Kind::OpsRequest, EventType::Added | EventType::Modified)
            if phase.is_empty() && ctx.begin(kind, &key) =>
        {
            tasks.spawn(ops::run(ctx.clone(), key));
        }
        (Kind::Cluster, EventType::Added | EventType::Modified)
            if deletion::is_deleted(obj) && ctx.begin(kind, &key) =>
        {
            tasks.spawn(deletion::run(ctx.clone(), key));
        }
        (Kind::Cluster, EventType::Added | EventType::Modified)
            if phase.is_empty() && ctx.begin(kind, &key) =>
        {
            tasks.spawn(provision::run(ctx.clone(), key));
        }
        (Kind::Cluster, EventType::Deleted) => {
            tasks.spawn(provision::tear_down(ctx.clone(), key));
        }
        (Kind::Backup, EventType::Added | EventType::Modified) => {
            if (phase.is_empty() || phase == "New") && ctx.begin(kind, &key) {
                tasks.spawn(backups::run_backup(ctx.clone(), key));
            } else if phase == "Running" && backups::is_continuous(obj) && backups::archives(obj) {
                ctx.watch_continuous(key);
            }
        }
        (Kind::BackupSchedule, EventType::Added | EventType::Modified) => {
            backups::sync_schedule(ctx, obj);
        }
        (Kind::BackupSchedule, EventType::Deleted) => ctx.forget_schedule(&key),
        _ => {}
    }
}
