//! What every operator task shares: the store, the simulated clock's pace, the seeded random
//! source, and the registries of work under way.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use tokio::sync::Notify;

use super::{OperatorConfig, Pacing};
use chrono::{DateTime, Utc};

use crate::store::{Store, timestamp};
use kbdash_core::domain::cron::CronSchedule;
use kbdash_core::kinds::Kind;

/// Namespace and name of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) ns: String,
    pub(crate) name: String,
}

impl Key {
    pub(crate) fn of(ns: Option<&str>, name: &str) -> Key {
        Key {
            ns: ns.unwrap_or_default().to_string(),
            name: name.to_string(),
        }
    }

    pub(crate) fn new(ns: &str, name: &str) -> Key {
        Key::of(Some(ns), name)
    }

    pub(crate) fn from_value(v: &Value) -> Key {
        Key::of(
            v.pointer("/metadata/namespace").and_then(Value::as_str),
            v.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }

    pub(crate) fn ns(&self) -> Option<&str> {
        Some(self.ns.as_str()).filter(|s| !s.is_empty())
    }
}

/// A full-backup schedule entry the cron loop fires.
#[derive(Debug, Clone)]
pub(crate) struct CronEntry {
    /// The entry's name (its method when it has none): its status key.
    pub(crate) name: String,
    pub(crate) method: String,
    pub(crate) expression: String,
    pub(crate) cron: CronSchedule,
    /// When it fires next.
    pub(crate) next: Option<DateTime<Utc>>,
    pub(crate) retention: String,
    pub(crate) cluster: String,
}

/// Round-robin sets for the periodic tickers.
#[derive(Default)]
pub(crate) struct RoundRobin {
    queue: VecDeque<Key>,
    members: HashSet<Key>,
}

impl RoundRobin {
    /// Adds a member; false when it was there already.
    pub(crate) fn insert(&mut self, key: Key) -> bool {
        if self.members.insert(key.clone()) {
            self.queue.push_back(key);
            true
        } else {
            false
        }
    }

    /// The next member, moved to the back.
    pub(crate) fn next(&mut self) -> Option<Key> {
        let key = self.queue.pop_front()?;
        self.queue.push_back(key.clone());
        Some(key)
    }

    pub(crate) fn remove(&mut self, key: &Key) {
        if self.members.remove(key) {
            self.queue.retain(|k| k != key);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}

/// A queue: ops holding its guard run, the others wait their turn.
type QueueLock = Arc<tokio::sync::Mutex<()>>;

/// Shared operator state.
pub(crate) struct Ctx {
    pub(crate) store: Arc<Store>,
    pub(crate) config: OperatorConfig,
    pub(crate) pacing: Pacing,
    rng: Mutex<ChaCha8Rng>,
    /// Objects a task is working on, so events about them do not start a second task.
    active: Mutex<HashSet<(Kind, Key)>>,
    /// One lock per cluster: ops that queue by cluster run one at a time.
    cluster_locks: Mutex<HashMap<Key, QueueLock>>,
    /// Locks for ops that queue by themselves (same type on the same cluster).
    type_locks: Mutex<HashMap<(Key, String), QueueLock>>,
    pub(crate) continuous: Mutex<RoundRobin>,
    pub(crate) continuous_added: Notify,
    pub(crate) crashing: Mutex<RoundRobin>,
    pub(crate) crashing_added: Notify,
    pub(crate) schedules: Mutex<HashMap<Key, Vec<CronEntry>>>,
}

/// Locks a std mutex, recovering from poisoning (a panicked task must not stop the others).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Ctx {
    pub(crate) fn new(store: Arc<Store>, config: OperatorConfig, pacing: Pacing) -> Ctx {
        Ctx {
            store,
            pacing,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(
                config.seed ^ 0x6f70_6572_6174_6f72,
            )),
            config,
            active: Mutex::default(),
            cluster_locks: Mutex::default(),
            type_locks: Mutex::default(),
            continuous: Mutex::default(),
            continuous_added: Notify::new(),
            crashing: Mutex::default(),
            crashing_added: Notify::new(),
            schedules: Mutex::default(),
        }
    }

    /// Waits for `secs` simulated seconds.
    pub(crate) async fn pause(&self, secs: f64) {
        tokio::time::sleep(self.real(secs)).await;
    }

    /// The real duration of `secs` simulated seconds.
    pub(crate) fn real(&self, secs: f64) -> Duration {
        let speed = if self.config.speed > 0.0 {
            self.config.speed
        } else {
            1.0
        };
        Duration::try_from_secs_f64((secs / speed).max(0.0)).unwrap_or(Duration::MAX)
    }

    /// Now, formatted as Kubernetes timestamps are.
    pub(crate) fn now(&self) -> String {
        timestamp(self.store.now())
    }

    /// A number in `lo..hi` from the operator's seeded source.
    pub(crate) fn random(&self, lo: u64, hi: u64) -> u64 {
        lock(&self.rng).random_range(lo..hi.max(lo + 1))
    }

    /// A pod IP.
    pub(crate) fn pod_ip(&self) -> String {
        format!("10.244.{}.{}", self.random(0, 64), self.random(2, 254))
    }

    /// Marks work on an object as started; false when it already was.
    pub(crate) fn begin(&self, kind: Kind, key: &Key) -> bool {
        lock(&self.active).insert((kind, key.clone()))
    }

    /// Marks work on an object as finished.
    pub(crate) fn end(&self, kind: Kind, key: &Key) {
        lock(&self.active).remove(&(kind, key.clone()));
    }

    /// The queue lock of a cluster.
    pub(crate) fn cluster_lock(&self, cluster: &Key) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.cluster_locks)
            .entry(cluster.clone())
            .or_default()
            .clone()
    }

    /// The queue lock of one op type on a cluster.
    pub(crate) fn type_lock(&self, cluster: &Key, op_type: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.type_locks)
            .entry((cluster.clone(), op_type.to_string()))
            .or_default()
            .clone()
    }

    /// Starts refreshing a Running continuous backup.
    pub(crate) fn watch_continuous(&self, key: Key) {
        if lock(&self.continuous).insert(key) {
            self.continuous_added.notify_one();
        }
    }

    /// Starts bumping the restart count of a crash-looping pod.
    pub(crate) fn watch_crashing(&self, key: Key) {
        if lock(&self.crashing).insert(key) {
            self.crashing_added.notify_one();
        }
    }

    /// Drops the cron entries of a deleted schedule.
    pub(crate) fn forget_schedule(&self, key: &Key) {
        lock(&self.schedules).remove(key);
    }

    /// A fresh object uid from the store's seeded source.
    pub(crate) fn uid(&self) -> String {
        self.store.random_uid()
    }
}
