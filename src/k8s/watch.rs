//! The watch layer: one kube-runtime watcher per kind, objects converted to rows on arrival.
//!
//! Each stream runs a fresh `watcher` per attempt: when it fails, the failure is reported, the
//! task waits as long as kube-runtime's default backoff says, and starts over with a full list.
//! Starting over (instead of letting the watcher resume silently) gives every recovery an
//! `Init … InitDone` the model uses to swap in the complete set (no ghost or duplicate rows),
//! and an unmistakable moment at which the stream is live again.

use chrono::Utc;
use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::utils::Backoff as _;
use kube::runtime::watcher::{self, DefaultBackoff, watcher};
use kube::{Client, ResourceExt};
use serde_json::Value;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

use crate::app::model::WATCHED;
use crate::app::msg::{Msg, StreamError, WatchEvent};
use crate::k8s::kinds::Kind;
use crate::k8s::resources::{ObjKey, ObjRef, Row, strip_managed_fields};

/// Pods kbdash watches: only those KubeBlocks manages.
pub const POD_SELECTOR: &str = "app.kubernetes.io/managed-by=kubeblocks";

/// Where the watch tasks send their messages, and which object's full body to pass on.
#[derive(Clone)]
pub struct Sink {
    pub tx: mpsc::Sender<Msg>,
    pub follow: follow::Receiver<Option<ObjRef>>,
}

fn api_for(client: Client, kind: Kind, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = kind.api_resource();
    match namespace {
        Some(ns) => Api::namespaced_with(client, ns, &ar),
        None => Api::all_with(client, &ar),
    }
}

/// Starts one watch task per watched kind.
pub fn spawn_all(tasks: &mut JoinSet<()>, client: &Client, namespace: Option<&str>, sink: &Sink) {
    for kind in WATCHED {
        let api = api_for(client.clone(), kind, namespace);
        tasks.spawn(watch_kind(api, kind, sink.clone()));
    }
}

/// Classifies a watcher failure by the API status it carries.
pub fn classify(e: &watcher::Error) -> StreamError {
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
        _ => StreamError::Other(e.to_string()),
    }
}

/// Watches one kind until the receiver goes away.
async fn watch_kind(api: Api<DynamicObject>, kind: Kind, sink: Sink) {
    let config = if kind == Kind::Pod {
        watcher::Config::default().labels(POD_SELECTOR)
    } else {
        watcher::Config::default()
    };
    let mut backoff = DefaultBackoff::default();
    loop {
        let mut stream = Box::pin(watcher(api.clone(), config.clone()));
        while let Some(item) = stream.next().await {
            let event = match item {
                Ok(ev) => {
                    if matches!(ev, watcher::Event::InitDone | watcher::Event::Apply(_)) {
                        backoff.reset();
                    }
                    convert(kind, ev, &sink).await
                }
                Err(e) => {
                    tracing::warn!(kind = %kind, error = %e, "watch failed");
                    Some(WatchEvent::Error(classify(&e)))
                }
            };
            let failed = matches!(event, Some(WatchEvent::Error(_)));
            if let Some(event) = event {
                let msg = Msg::Watch {
                    kind,
                    at: Utc::now(),
                    event,
                };
                if sink.tx.send(msg).await.is_err() {
                    return;
                }
            }
            if failed {
                break;
            }
        }
        let delay = backoff.next().unwrap_or(std::time::Duration::from_secs(30));
        tokio::time::sleep(delay).await;
    }
}

/// The object as JSON without managedFields.
fn to_value(mut obj: DynamicObject) -> Value {
    obj.metadata.managed_fields = None;
    let mut v = serde_json::to_value(&obj).unwrap_or(Value::Null);
    strip_managed_fields(&mut v);
    v
}

async fn convert(kind: Kind, ev: watcher::Event<DynamicObject>, sink: &Sink) -> Option<WatchEvent> {
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
async fn pass_on(kind: Kind, obj: DynamicObject, sink: &Sink) -> Option<Value> {
    let target = sink.follow.borrow().clone();
    if let Some(target) = target
        && target.kind == kind
        && obj.metadata.name.as_deref() == Some(target.key.name.as_str())
        && obj.metadata.namespace.as_deref().unwrap_or_default() == target.key.namespace.as_str()
    {
        let v = to_value(obj);
        let msg = Msg::Raw {
            target,
            result: Ok(v.clone()),
        };
        sink.tx.send(msg).await.ok()?;
        return Some(v);
    }
    Some(row_view(obj))
}

/// Fetches one object's full body for the YAML view.
pub async fn fetch(client: Client, target: ObjRef) -> Msg {
    let api = api_for(client, target.kind, Some(&target.key.namespace));
    let result = api
        .get(&target.key.name)
        .await
        .map(to_value)
        .map_err(|e| e.to_string());
    Msg::Raw { target, result }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: [(Kind, &str); 6] = [
        (
            Kind::Cluster,
            include_str!("../../tests/fixtures/kubeblocks/cluster-pg-cluster.yaml"),
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
                assert_eq!(trimmed, whole);
                compared += 1;
            }
        }
        assert_eq!(compared, 7);
    }
}
