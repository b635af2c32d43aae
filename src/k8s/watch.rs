//! The watch layer: one kube-runtime watcher per kind, objects converted to rows on arrival.
//!
//! Each stream runs a fresh `watcher` per attempt: when it fails, the failure is reported, the
//! task waits as long as kube-runtime's default backoff says, and starts over with a full list.
//! Starting over (instead of letting the watcher resume silently) gives every recovery an
//! `Init … InitDone` the model uses to swap in the complete set (no ghost or duplicate rows),
//! and an unmistakable moment at which the stream is live again.
//!
//! The layer reports in its own terms ([`Report`]); whoever listens turns a report into its own
//! message type through `From`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use kube::api::{Api, DynamicObject};
use kube::runtime::utils::Backoff as _;
use kube::runtime::watcher::{self, DefaultBackoff, watcher};
use kube::{Client, ResourceExt};
use serde_json::Value;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

use kbdash_core::forms::RESTORE_FROM_BACKUP_ANNOTATION;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, Row, strip_managed_fields};

/// How long a list may go without delivering anything before it is given up and retried.
/// kube's client sets no read timeout and guards only the watch phase (with its own idle
/// timeout): a list request sent on a connection that died silently (a VPN drop) would
/// otherwise leave its stream reconnecting for ever. Pages arrive far more often than this.
pub(crate) const LIST_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Pods kbdash watches: only those KubeBlocks manages.
pub const POD_SELECTOR: &str = "app.kubernetes.io/managed-by=kubeblocks";

/// Why a watch stream failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// 403: the API's message.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 on the resource: its API group is not served.
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else (network, 401, 5xx, 410 handled by relisting): retried with backoff. Its
    /// cause in words ([`crate::k8s::cause`]).
    #[error("{0}")]
    Other(String),
}

/// One event of a watch stream, objects already converted to rows.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent {
    /// A (re)list starts: rows until `InitDone` replace the whole set.
    Init,
    /// An object of the list.
    InitRow(Box<Row>),
    /// The list is complete and the watch runs.
    InitDone,
    /// An object was added or changed.
    Apply(Box<Row>),
    /// An object was deleted.
    Delete(ObjKey),
    /// The stream failed; it retries by itself.
    Error(StreamError),
}

/// What the watch layer reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// An event of the stream of `kind`, stamped with when it arrived.
    Watch {
        /// The stream's kind.
        kind: Kind,
        /// When the event arrived.
        at: DateTime<Utc>,
        /// What happened.
        event: WatchEvent,
    },
    /// The full body of the followed object, seen on its stream or fetched.
    Raw {
        /// The followed object.
        target: ObjRef,
        /// Its body, or why it could not be fetched.
        result: Result<Value, String>,
    },
}

/// Where the watch tasks send their reports (as `M`s), and which object's full body to pass on.
pub struct Sink<M> {
    /// Where reports go.
    pub tx: mpsc::Sender<M>,
    /// The followed object, if any, whose full body the streams pass on.
    pub follow: follow::Receiver<Option<ObjRef>>,
}

// Not derived: a derive would ask `M` to be `Clone`, but only the channel ends are cloned.
impl<M> Clone for Sink<M> {
    fn clone(&self) -> Sink<M> {
        Sink {
            tx: self.tx.clone(),
            follow: self.follow.clone(),
        }
    }
}

fn api_for(client: Client, kind: Kind, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = crate::k8s::client::api_resource(kind);
    match namespace {
        // A cluster-scoped kind (ActionSet) has no namespace to narrow to.
        Some(ns) if kind.info().namespaced => Api::namespaced_with(client, ns, &ar),
        _ => Api::all_with(client, &ar),
    }
}

/// Starts one watch task per kind of `kinds`.
pub fn spawn_all<M: From<Report> + Send + 'static>(
    tasks: &mut JoinSet<()>,
    client: &Client,
    namespace: Option<&str>,
    kinds: &[Kind],
    sink: &Sink<M>,
) {
    for &kind in kinds {
        let api = api_for(client.clone(), kind, namespace);
        tasks.spawn(watch_kind(api, kind, sink.clone()));
    }
}

/// Classifies a watcher failure by the API status it carries.
pub(crate) fn classify(e: &watcher::Error) -> StreamError {
    let status = match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => Some(s.as_ref()),
        watcher::Error::WatchError(s) => Some(s.as_ref()),
        _ => None,
    };
    match status {
        Some(s) if s.code == 403 => StreamError::Forbidden(s.message.clone()),
        Some(s) if s.code == 404 => StreamError::NotFound(s.message.clone()),
        _ => StreamError::Other(crate::k8s::cause::describe(e)),
    }
}

/// Watches one kind until the receiver goes away.
async fn watch_kind<M: From<Report>>(api: Api<DynamicObject>, kind: Kind, sink: Sink<M>) {
    let config = if kind == Kind::Pod {
        watcher::Config::default().labels(POD_SELECTOR)
    } else {
        watcher::Config::default()
    };
    let mut backoff = DefaultBackoff::default();
    loop {
        let mut stream = Box::pin(watcher(api.clone(), config.clone()));
        // The watcher announces a relist before sending the list request. The announcement is
        // held back until the list answers: a list that fails (the API is still away) then
        // leaves the stream reconnecting since the first failure, with its attempts counted,
        // instead of restarting "since" and flickering to syncing at every retry.
        let mut init_held = false;
        // Listing (until InitDone, and again from a relist's Init): bounded by the idle timeout.
        let mut listing = true;
        loop {
            let item = match next_item(&mut stream, listing.then_some(LIST_IDLE_TIMEOUT)).await {
                Next::Item(item) => item,
                Next::Ended => break,
                Next::Silent => {
                    let error = format!("the list got no answer within {LIST_IDLE_TIMEOUT:?}");
                    tracing::warn!(kind = %kind, error, "watch failed");
                    let event = WatchEvent::Error(StreamError::Other(error));
                    if !send(&sink, kind, event).await {
                        return;
                    }
                    break;
                }
            };
            let event = match item {
                Ok(watcher::Event::Init) => {
                    init_held = true;
                    listing = true;
                    None
                }
                Ok(ev) => {
                    if matches!(ev, watcher::Event::InitDone) {
                        listing = false;
                    }
                    if init_held
                        && matches!(ev, watcher::Event::InitApply(_) | watcher::Event::InitDone)
                    {
                        init_held = false;
                        if !send(&sink, kind, WatchEvent::Init).await {
                            return;
                        }
                    }
                    if matches!(ev, watcher::Event::InitDone | watcher::Event::Apply(_)) {
                        backoff.reset();
                    }
                    convert(kind, ev, &sink).await
                }
                Err(e) => {
                    let error = classify(&e);
                    tracing::warn!(kind = %kind, %error, "watch failed");
                    Some(WatchEvent::Error(error))
                }
            };
            let failed = matches!(event, Some(WatchEvent::Error(_)));
            if let Some(event) = event
                && !send(&sink, kind, event).await
            {
                return;
            }
            if failed {
                break;
            }
        }
        let delay = backoff.next().unwrap_or(Duration::from_secs(30));
        tokio::time::sleep(delay).await;
    }
}

/// What a stream gave next.
#[derive(Debug, PartialEq)]
enum Next<T> {
    Item(T),
    /// The stream is over.
    Ended,
    /// Nothing came within the limit.
    Silent,
}

/// The next item of `stream`, waiting at most `limit` when there is one.
async fn next_item<S: Stream + Unpin>(stream: &mut S, limit: Option<Duration>) -> Next<S::Item> {
    let item = match limit {
        Some(limit) => match tokio::time::timeout(limit, stream.next()).await {
            Ok(item) => item,
            Err(_) => return Next::Silent,
        },
        None => stream.next().await,
    };
    item.map_or(Next::Ended, Next::Item)
}

/// Sends one event stamped with its arrival; `false` when the receiver is gone.
async fn send<M: From<Report>>(sink: &Sink<M>, kind: Kind, event: WatchEvent) -> bool {
    let report = Report::Watch {
        kind,
        at: Utc::now(),
        event,
    };
    sink.tx.send(M::from(report)).await.is_ok()
}

/// The object as JSON without managedFields.
fn to_value(mut obj: DynamicObject) -> Value {
    obj.metadata.managed_fields = None;
    let mut v = serde_json::to_value(&obj).unwrap_or(Value::Null);
    strip_managed_fields(&mut v);
    v
}

async fn convert<M: From<Report>>(
    kind: Kind,
    ev: watcher::Event<DynamicObject>,
    sink: &Sink<M>,
) -> Option<WatchEvent> {
    match ev {
        watcher::Event::Init => Some(WatchEvent::Init),
        watcher::Event::InitDone => Some(WatchEvent::InitDone),
        watcher::Event::InitApply(obj) => Row::from_value(kind, &pass_on(kind, obj, sink).await?)
            .map(|r| WatchEvent::InitRow(Box::new(r))),
        watcher::Event::Apply(obj) => Row::from_value(kind, &pass_on(kind, obj, sink).await?)
            .map(|r| WatchEvent::Apply(Box::new(r))),
        watcher::Event::Delete(obj) => Some(WatchEvent::Delete(ObjKey::new(
            obj.namespace().unwrap_or_default(),
            obj.name_any(),
        ))),
    }
}

/// The object as rows read it: spec and status as they came, and only the metadata rows use.
/// Serializing the whole object back to JSON (annotations, owner references, every label) for
/// each event was a tenth of the dashboard's CPU under churn, and its garbage fragmented memory.
fn row_view(obj: DynamicObject) -> Value {
    let DynamicObject { metadata, data, .. } = obj;
    let mut out = match data {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let mut meta = serde_json::Map::new();
    let mut put = |field: &str, value: Option<Value>| {
        if let Some(v) = value.filter(|v| !v.is_null()) {
            meta.insert(field.to_string(), v);
        }
    };
    put("name", metadata.name.map(Value::String));
    put("namespace", metadata.namespace.map(Value::String));
    put(
        "labels",
        metadata
            .labels
            .map(|l| Value::Object(l.into_iter().map(|(k, v)| (k, Value::String(v))).collect())),
    );
    // The one annotation a row reads (a restored cluster's source); the rest are never looked at.
    put(
        "annotations",
        metadata
            .annotations
            .and_then(|mut a| a.remove(RESTORE_FROM_BACKUP_ANNOTATION))
            .map(|v| serde_json::json!({ RESTORE_FROM_BACKUP_ANNOTATION: v })),
    );
    put(
        "creationTimestamp",
        metadata
            .creation_timestamp
            .and_then(|t| serde_json::to_value(t).ok()),
    );
    put(
        "deletionTimestamp",
        metadata
            .deletion_timestamp
            .and_then(|t| serde_json::to_value(t).ok()),
    );
    out.insert("metadata".into(), Value::Object(meta));
    Value::Object(out)
}

/// Converts the object and, when it is the followed one, sends its full body too.
async fn pass_on<M: From<Report>>(kind: Kind, obj: DynamicObject, sink: &Sink<M>) -> Option<Value> {
    let target = sink.follow.borrow().clone();
    if let Some(target) = target
        && target.kind == kind
        && obj.metadata.name.as_deref() == Some(target.key.name.as_str())
        && obj.metadata.namespace.as_deref().unwrap_or_default() == target.key.namespace.as_str()
    {
        let v = to_value(obj);
        let report = Report::Raw {
            target,
            result: Ok(v.clone()),
        };
        sink.tx.send(M::from(report)).await.ok()?;
        return Some(v);
    }
    Some(row_view(obj))
}

/// Fetches one object's full body for the YAML view.
pub async fn fetch(client: Client, target: ObjRef) -> Report {
    let api = api_for(client, target.kind, Some(&target.key.namespace));
    let result = api
        .get(&target.key.name)
        .await
        .map(to_value)
        .map_err(|e| crate::k8s::cause::describe(&e));
    Report::Raw { target, result }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: [(Kind, &str); 9] = [
        (
            Kind::Cluster,
            include_str!("../../tests/fixtures/kubeblocks/cluster-pg-cluster.yaml"),
        ),
        (
            Kind::Cluster,
            include_str!("../../tests/fixtures/kubeblocks/cluster-restore-from-backup-pitr.yaml"),
        ),
        (
            Kind::OpsRequest,
            include_str!("../../tests/fixtures/kubeblocks/opsrequest-restore-pitr.yaml"),
        ),
        (
            Kind::OpsRequest,
            include_str!("../../tests/fixtures/kubeblocks/opsrequest-reconfiguring-succeed.yaml"),
        ),
        (
            Kind::Pod,
            include_str!("../../tests/fixtures/kubeblocks/pods-pg-cluster.yaml"),
        ),
        (
            Kind::OpsRequest,
            include_str!("../../tests/fixtures/kubeblocks/opsrequest-volumeexpansion-running.yaml"),
        ),
        (
            Kind::OpsRequest,
            include_str!(
                "../../tests/fixtures/kubeblocks/opsrequest-switchover-clusterphase-failed.yaml"
            ),
        ),
        (
            Kind::Backup,
            include_str!("../../tests/fixtures/kubeblocks/backup-continuous-archive-wal.yaml"),
        ),
        (
            Kind::BackupSchedule,
            include_str!("../../tests/fixtures/kubeblocks/backupschedule-pg-cluster.yaml"),
        ),
    ];

    /// The trimmed view rows are built from gives the same rows as the whole object.
    #[test]
    fn rows_from_the_trimmed_view_equal_rows_from_the_whole_object() {
        let mut compared = 0;
        for (kind, text) in FIXTURES {
            for doc in serde_yaml_ng::Deserializer::from_str(text) {
                let mut v: Value = serde::Deserialize::deserialize(doc).unwrap();
                // Exercise the deletion timestamp too.
                v["metadata"]["deletionTimestamp"] = "2025-06-05T09:00:00Z".into();
                let obj: DynamicObject = serde_json::from_value(v).unwrap();
                let whole = Row::from_value(kind, &to_value(obj.clone()));
                let trimmed = Row::from_value(kind, &row_view(obj));
                assert!(whole.is_some());
                if let Some(Row::Cluster(c)) = &whole
                    && c.key.name == "pg-cluster-pitr"
                {
                    assert!(
                        c.restored_from.is_some(),
                        "the fixture is a restored cluster"
                    );
                }
                assert_eq!(trimmed, whole);
                compared += 1;
            }
        }
        assert_eq!(compared, 10);
    }

    #[tokio::test]
    async fn a_silent_stream_is_given_up_only_when_bounded() {
        let limit = Some(Duration::from_millis(20));
        let mut silent = futures::stream::pending::<u8>();
        assert_eq!(next_item(&mut silent, limit).await, Next::Silent);
        let mut two = futures::stream::iter([1u8, 2]);
        assert_eq!(next_item(&mut two, limit).await, Next::Item(1));
        assert_eq!(next_item(&mut two, None).await, Next::Item(2));
        assert_eq!(next_item(&mut two, limit).await, Next::Ended);
        // Unbounded, a quiet stream is waited for (a watch with nothing to say is healthy).
        let mut quiet = futures::stream::pending::<u8>();
        let waited =
            tokio::time::timeout(Duration::from_millis(50), next_item(&mut quiet, None)).await;
        assert!(waited.is_err());
    }
}
