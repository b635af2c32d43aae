//! The demo API server's object store: every object as compact JSON, a global monotonically
//! increasing resourceVersion, and a bounded event history that watches resume from.
//!
//! Objects are kept serialized (not as `serde_json::Value` trees) because the fleet-scale demo
//! holds tens of thousands of them and a list response is then a concatenation of stored bytes.
//! Labels are kept parsed beside the bytes so selectors never re-parse an object.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, SecondsFormat, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use tokio::sync::broadcast;

use kbdash_core::kinds::Kind;

mod page;

pub(crate) use page::{PageItems, PageRequest};

/// The source of "now" for timestamps the store writes, injectable for deterministic tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

/// One stored object, shared cheaply between the store, list responses and watch events.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub(crate) namespace: Option<Arc<str>>,
    /// `metadata.name`.
    pub name: Arc<str>,
    pub(crate) resource_version: u64,
    pub(crate) labels: Arc<[(Box<str>, Box<str>)]>,
    /// The object serialized as compact JSON, resourceVersion included.
    pub json: Arc<str>,
}

impl StoredObject {
    /// Parses the stored JSON back into a tree.
    pub fn value(&self) -> Value {
        // The store only ever holds JSON it serialized itself.
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }

    /// This object as of a later resourceVersion: a watch whose selector it no longer passes
    /// gets it, as it was, in a DELETED event at the version of the change.
    pub(crate) fn at_version(&self, rv: u64) -> StoredObject {
        let mut v = self.value();
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        stored_object(&v, rv)
    }

    /// The value of a label, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }
}

impl kbdash_core::selector::Selectable for StoredObject {
    fn name(&self) -> &str {
        &self.name
    }

    fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    fn label(&self, key: &str) -> Option<&str> {
        StoredObject::label(self, key)
    }

    fn value(&self) -> Value {
        StoredObject::value(self)
    }
}

/// A change to one object, as watches see it.
#[derive(Debug, Clone)]
pub(crate) struct StoreEvent {
    pub(crate) kind: Kind,
    pub(crate) event_type: EventType,
    pub(crate) object: StoredObject,
    /// The object before a modification or deletion: watches with selectors tell from it
    /// whether the object starts or stops matching, and lists at an older version undo the
    /// change with it.
    pub(crate) previous: Option<StoredObject>,
}

/// Why a store operation was refused; the server maps these to `metav1.Status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No object of that kind and name (in that namespace).
    #[error("{kind} \"{name}\" not found")]
    NotFound {
        /// The kind asked for.
        kind: Kind,
        /// The name asked for.
        name: String,
    },
    /// A create found the name taken.
    #[error("{kind} \"{name}\" already exists")]
    AlreadyExists {
        /// The kind created.
        kind: Kind,
        /// The name taken.
        name: String,
    },
    /// The object is not acceptable; `field: message` as the API server words it, e.g.
    /// `metadata.name: Required value`.
    #[error("{0}")]
    Invalid(String),
    /// A watch asked to resume from a version older than the history kept (410 Gone).
    #[error("too old resource version: {requested} ({oldest})")]
    Expired {
        /// The resourceVersion asked for.
        requested: u64,
        /// The oldest version the history can still resume from.
        oldest: u64,
    },
}

/// A watch on one kind: the events it missed since the requested version, then live ones.
pub(crate) struct Subscription {
    /// Events after the requested resourceVersion that were already in the history.
    pub(crate) backlog: Vec<Arc<StoreEvent>>,
    /// Live events, of every kind; the subscriber filters by kind.
    pub(crate) live: broadcast::Receiver<Arc<StoreEvent>>,
    /// The store's resourceVersion when the subscription was taken.
    pub(crate) resource_version: u64,
}

type Key = (Option<Arc<str>>, Arc<str>);

struct Inner {
    objects: HashMap<Kind, BTreeMap<Key, StoredObject>>,
    resource_version: u64,
    history: VecDeque<Arc<StoreEvent>>,
    /// Watches may resume from any version at or above this one.
    history_floor: u64,
}

/// The object store. Cheap to share: wrap it in an `Arc`.
pub struct Store {
    inner: RwLock<Inner>,
    tx: broadcast::Sender<Arc<StoreEvent>>,
    history_cap: usize,
    clock: Clock,
    rng: Mutex<ChaCha8Rng>,
}

/// Live events buffered per subscriber before a slow watch is cut off (it then resumes).
const BROADCAST_CAPACITY: usize = 16 * 1024;

impl Store {
    /// An empty store keeping the last `history_cap` events for resuming watches.
    pub fn new(history_cap: usize, clock: Clock, seed: u64) -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            inner: RwLock::new(Inner {
                objects: HashMap::new(),
                resource_version: 1,
                history: VecDeque::new(),
                history_floor: 1,
            }),
            tx,
            history_cap: history_cap.max(1),
            clock,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The current time by the store's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The latest resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.read().resource_version
    }

    /// One object, if present.
    pub fn get(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Option<StoredObject> {
        let inner = self.read();
        inner
            .objects
            .get(&kind)?
            .get(&key(namespace, name))
            .cloned()
    }

    /// One object parsed, if present.
    pub fn get_value(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.get(kind, namespace, name).map(|o| o.value())
    }

    /// All objects of a kind, in one namespace or all, sorted by namespace then name, with the
    /// resourceVersion the list is consistent at.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> (Vec<StoredObject>, u64) {
        let inner = self.read();
        let items = match inner.objects.get(&kind) {
            None => Vec::new(),
            Some(map) => match namespace {
                None => map.values().cloned().collect(),
                Some(ns) => {
                    let ns: Arc<str> = Arc::from(ns);
                    let lo = (Some(ns.clone()), Arc::from(""));
                    map.range(lo..)
                        .take_while(|((n, _), _)| n.as_deref() == Some(&*ns))
                        .map(|(_, o)| o.clone())
                        .collect()
                }
            },
        };
        (items, inner.resource_version)
    }

    /// Number of objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.read().objects.get(&kind).map_or(0, |m| m.len())
    }

    /// A random lowercase alphanumeric suffix like the API server's for `generateName`,
    /// drawn from the store's seeded generator.
    pub(crate) fn random_suffix(&self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// A random RFC 4122 version-4 UID from the store's seeded generator.
    pub(crate) fn random_uid(&self) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let mut b: [u8; 16] = rng.random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        format!(
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            b[0],
            b[1],
            b[2],
            b[3],
            b[4],
            b[5],
            b[6],
            b[7],
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }

    /// Stores a new object. Fills `metadata.name` from `generateName`, and sets uid,
    /// creationTimestamp (unless already set, as seed data does), generation and
    /// resourceVersion. Returns the stored object.
    pub fn create(&self, kind: Kind, mut obj: Value) -> Result<Value, StoreError> {
        let info = kind.info();
        let now = self.now();
        {
            let meta = metadata_mut(&mut obj)?;
            let has_name = meta
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            if !has_name {
                let prefix = meta
                    .get("generateName")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                match prefix {
                    Some(p) if !p.is_empty() => {
                        let name = format!("{p}{}", self.random_suffix(5));
                        meta.insert("name".into(), Value::String(name));
                    }
                    _ => {
                        return Err(StoreError::Invalid(
                            "metadata.name: Required value: name or generateName is required"
                                .into(),
                        ));
                    }
                }
            }
            if info.namespaced {
                let has_ns = meta
                    .get("namespace")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty());
                if !has_ns {
                    meta.insert("namespace".into(), Value::String("default".into()));
                }
            } else {
                meta.remove("namespace");
            }
            if meta.get("uid").and_then(Value::as_str).is_none() {
                meta.insert("uid".into(), Value::String(self.random_uid()));
            }
            if meta
                .get("creationTimestamp")
                .and_then(Value::as_str)
                .is_none()
            {
                meta.insert("creationTimestamp".into(), Value::String(timestamp(now)));
            }
            meta.insert("generation".into(), Value::from(1));
            meta.remove("managedFields");
            meta.remove("resourceVersion");
        }
        set_api_version_kind(&mut obj, kind);
        let (ns, name) = namespace_and_name(&obj)?;
        let mut inner = self.write();
        let k = key(ns.as_deref(), &name);
        if inner.objects.get(&kind).is_some_and(|m| m.contains_key(&k)) {
            return Err(StoreError::AlreadyExists { kind, name });
        }
        let stored = self.commit(&mut inner, kind, EventType::Added, &mut obj, None);
        inner.objects.entry(kind).or_default().insert(k, stored);
        Ok(obj)
    }

    /// Reads, changes and writes back one object atomically. The closure may return an error
    /// to abandon the change. Nothing is written (and no event sent) when the object is left
    /// unchanged.
    pub fn modify<F>(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
        f: F,
    ) -> Result<Value, StoreError>
    where
        F: FnOnce(&mut Value) -> Result<(), StoreError>,
    {
        let mut inner = self.write();
        let k = key(namespace, name);
        let Some(old) = inner.objects.get(&kind).and_then(|m| m.get(&k)) else {
            return Err(StoreError::NotFound {
                kind,
                name: name.to_string(),
            });
        };
        let old = old.clone();
        let old_value = old.value();
        let mut obj = old_value.clone();
        f(&mut obj)?;
        if obj == old_value {
            return Ok(obj);
        }
        carry_server_fields(&old_value, &mut obj);
        set_api_version_kind(&mut obj, kind);
        let stored = self.commit(&mut inner, kind, EventType::Modified, &mut obj, Some(old));
        inner.objects.entry(kind).or_default().insert(k, stored);
        Ok(obj)
    }

    /// Removes an object, returning it as it was last stored (with the deletion's
    /// resourceVersion, as the API server does).
    pub fn delete(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, StoreError> {
        let mut inner = self.write();
        let k = key(namespace, name);
        let Some(old) = inner.objects.get_mut(&kind).and_then(|m| m.remove(&k)) else {
            return Err(StoreError::NotFound {
                kind,
                name: name.to_string(),
            });
        };
        let mut obj = old.value();
        self.commit(&mut inner, kind, EventType::Deleted, &mut obj, Some(old));
        Ok(obj)
    }

    /// Subscribes to changes after `since` (a resourceVersion), or from now when `None`.
    /// Fails with [`StoreError::Expired`] when the history no longer reaches back that far.
    pub(crate) fn subscribe(
        &self,
        kind: Kind,
        since: Option<u64>,
    ) -> Result<Subscription, StoreError> {
        let inner = self.read();
        let live = self.tx.subscribe();
        let backlog = match since {
            None => Vec::new(),
            Some(rv) if rv >= inner.resource_version => Vec::new(),
            Some(rv) if rv < inner.history_floor => {
                return Err(StoreError::Expired {
                    requested: rv,
                    oldest: inner.history_floor,
                });
            }
            Some(rv) => inner
                .history
                .iter()
                .filter(|e| e.kind == kind && e.object.resource_version > rv)
                .cloned()
                .collect(),
        };
        Ok(Subscription {
            backlog,
            live,
            resource_version: inner.resource_version,
        })
    }

    /// Lists a kind and subscribes to its changes at one consistent resourceVersion, for
    /// watches that begin with the current state (no version, or `sendInitialEvents`).
    pub(crate) fn list_and_subscribe(
        &self,
        kind: Kind,
        namespace: Option<&str>,
    ) -> (Vec<StoredObject>, Subscription) {
        let inner = self.read();
        let live = self.tx.subscribe();
        let items = match inner.objects.get(&kind) {
            None => Vec::new(),
            Some(map) => map
                .values()
                .filter(|o| namespace.is_none() || o.namespace.as_deref() == namespace)
                .cloned()
                .collect(),
        };
        let rv = inner.resource_version;
        (
            items,
            Subscription {
                backlog: Vec::new(),
                live,
                resource_version: rv,
            },
        )
    }

    /// Forgets the event history: every watch resuming from an older version now gets 410.
    #[cfg(any(test, feature = "faults"))]
    pub(crate) fn expire_history(&self) {
        let mut inner = self.write();
        inner.history.clear();
        inner.history_floor = inner.resource_version;
    }

    fn commit(
        &self,
        inner: &mut Inner,
        kind: Kind,
        event_type: EventType,
        obj: &mut Value,
        previous: Option<StoredObject>,
    ) -> StoredObject {
        inner.resource_version += 1;
        let rv = inner.resource_version;
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
            meta.remove("managedFields");
        }
        let stored = stored_object(obj, rv);
        let event = Arc::new(StoreEvent {
            kind,
            event_type,
            object: stored.clone(),
            previous,
        });
        inner.history.push_back(event.clone());
        while inner.history.len() > self.history_cap {
            if let Some(old) = inner.history.pop_front() {
                inner.history_floor = old.object.resource_version;
            }
        }
        // No receivers is normal: nobody is watching.
        let _ = self.tx.send(event);
        stored
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Formats a time the way Kubernetes writes timestamps: UTC, seconds, `Z`.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn key(namespace: Option<&str>, name: &str) -> Key {
    (namespace.map(Arc::from), Arc::from(name))
}

fn metadata_mut(obj: &mut Value) -> Result<&mut Map<String, Value>, StoreError> {
    let Some(map) = obj.as_object_mut() else {
        return Err(StoreError::Invalid(
            "the object is not a JSON object".into(),
        ));
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    meta.as_object_mut()
        .ok_or_else(|| StoreError::Invalid("metadata: Invalid value: must be an object".into()))
}

fn namespace_and_name(obj: &Value) -> Result<(Option<String>, String), StoreError> {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| StoreError::Invalid("metadata.name: Required value".into()))?;
    let ns = obj
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok((ns, name.to_string()))
}

fn set_api_version_kind(obj: &mut Value, kind: Kind) {
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(kind.api_version()));
        map.insert(
            "kind".into(),
            Value::String(kind.info().kind_name.to_string()),
        );
    }
}

/// Keeps the fields only the server may set (uid, creationTimestamp) from the stored object
/// and bumps `generation` when the spec changed.
fn carry_server_fields(old: &Value, new: &mut Value) {
    let old_gen = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let spec_changed = old.get("spec") != new.get("spec");
    let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for field in ["uid", "creationTimestamp"] {
        if let Some(v) = old.pointer(&format!("/metadata/{field}")) {
            meta.insert(field.into(), v.clone());
        }
    }
    let generation = if spec_changed { old_gen + 1 } else { old_gen };
    meta.insert("generation".into(), Value::from(generation));
}

fn stored_object(obj: &Value, rv: u64) -> StoredObject {
    let meta = obj.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str);
    let labels: Vec<(Box<str>, Box<str>)> = meta
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str().into(), v.into())))
                .collect()
        })
        .unwrap_or_default();
    StoredObject {
        namespace: namespace.map(Arc::from),
        name: Arc::from(name),
        resource_version: rv,
        labels: labels.into(),
        json: Arc::from(obj.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A store keeping `cap` history entries, its clock stopped.
    pub(super) fn store(cap: usize) -> Store {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("valid time");
        Store::new(cap, Arc::new(move || t0), 7)
    }

    fn pod(ns: &str, name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": ns, "labels": {"a": "1"}}, "spec": {}})
    }

    #[test]
    fn create_assigns_server_fields_and_refuses_duplicates() {
        let s = store(10);
        let obj = s.create(Kind::Pod, pod("ns1", "p1")).expect("created");
        assert_eq!(obj["metadata"]["resourceVersion"], "2");
        assert_eq!(obj["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
        assert_eq!(obj["apiVersion"], "v1");
        assert_eq!(obj["kind"], "Pod");
        assert_eq!(obj["metadata"]["uid"].as_str().map(str::len), Some(36));
        assert!(matches!(
            s.create(Kind::Pod, pod("ns1", "p1")),
            Err(StoreError::AlreadyExists { .. })
        ));
        // Same name in another namespace is a different object.
        assert!(s.create(Kind::Pod, pod("ns2", "p1")).is_ok());
    }

    #[test]
    fn generate_name_is_deterministic_per_seed() {
        let a = store(10);
        let b = store(10);
        let mk = || json!({"metadata": {"generateName": "c-restart-", "namespace": "n"}});
        let na = a.create(Kind::OpsRequest, mk()).expect("created");
        let nb = b.create(Kind::OpsRequest, mk()).expect("created");
        assert_eq!(na["metadata"]["name"], nb["metadata"]["name"]);
        let name = na["metadata"]["name"].as_str().unwrap_or_default();
        assert!(name.starts_with("c-restart-") && name.len() == "c-restart-".len() + 5);
    }

    #[test]
    fn list_by_namespace_and_all() {
        let s = store(10);
        for (ns, n) in [("a", "x"), ("b", "y"), ("a", "z"), ("ab", "w")] {
            s.create(Kind::Pod, pod(ns, n)).expect("created");
        }
        let (a, rv) = s.list(Kind::Pod, Some("a"));
        assert_eq!(
            a.iter().map(|o| &*o.name).collect::<Vec<_>>(),
            vec!["x", "z"]
        );
        assert_eq!(rv, 5);
        assert_eq!(s.list(Kind::Pod, None).0.len(), 4);
        assert!(s.list(Kind::Cluster, None).0.is_empty());
    }

    #[test]
    fn modify_bumps_generation_only_on_spec_change() {
        let s = store(10);
        s.create(Kind::Pod, pod("a", "x")).expect("created");
        let v = s
            .modify(Kind::Pod, Some("a"), "x", |o| {
                o["status"] = json!({"phase": "Running"});
                Ok(())
            })
            .expect("modified");
        assert_eq!(v["metadata"]["generation"], 1);
        let v = s
            .modify(Kind::Pod, Some("a"), "x", |o| {
                o["spec"] = json!({"nodeName": "n1"});
                Ok(())
            })
            .expect("modified");
        assert_eq!(v["metadata"]["generation"], 2);
        let rv = s.resource_version();
        s.modify(Kind::Pod, Some("a"), "x", |_| Ok(()))
            .expect("no-op");
        assert_eq!(s.resource_version(), rv, "a no-op change writes nothing");
    }

    #[tokio::test]
    async fn subscribe_replays_backlog_and_expires() {
        let s = store(3);
        s.create(Kind::Pod, pod("a", "p0")).expect("created"); // rv 2
        let rv_after_first = s.resource_version();
        s.create(Kind::Pod, pod("a", "p1")).expect("created"); // rv 3
        s.create(Kind::Cluster, pod("a", "c")).expect("created"); // rv 4
        let sub = s.subscribe(Kind::Pod, Some(rv_after_first)).expect("ok");
        assert_eq!(sub.backlog.len(), 1);
        assert_eq!(&*sub.backlog[0].object.name, "p1");

        s.delete(Kind::Pod, Some("a"), "p0").expect("deleted"); // rv 5
        s.create(Kind::Pod, pod("a", "p2")).expect("created"); // rv 6: history now 4..6
        assert!(matches!(
            s.subscribe(Kind::Pod, Some(rv_after_first)),
            Err(StoreError::Expired { .. })
        ));
        let mut live = s.subscribe(Kind::Pod, None).expect("ok").live;
        s.delete(Kind::Pod, Some("a"), "p1").expect("deleted");
        let ev = live.recv().await.expect("event");
        assert_eq!(ev.event_type, EventType::Deleted);
        assert_eq!(&*ev.object.name, "p1");

        s.expire_history();
        let now = s.resource_version();
        assert!(s.subscribe(Kind::Pod, Some(now - 1)).is_err());
        assert!(s.subscribe(Kind::Pod, Some(now)).is_ok());
    }
}
