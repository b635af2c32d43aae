//! The watch layer: one list+watch loop per kind, objects converted to rows on arrival.
//!
//! kbdash runs the loop itself (`stream`) rather than kube-runtime's watcher, because the
//! watcher swallows bookmarks, and a stream whose server has gone silent can only be told
//! from a quiet one by them: kbdash asks for bookmarks, and a watch that brings no event and no
//! bookmark for longer than the server's bookmark interval allows is not answering
//! ([`WatchTiming`]). Each failure is reported, and after a backoff the stream starts over with
//! a full list: every recovery has an `Init … InitDone` the model uses to swap in the complete
//! set (no ghost or duplicate rows), and an unmistakable moment at which the stream is live
//! again. A watch the server ends cleanly (its `timeoutSeconds`) resumes from the last version
//! seen, without a list.
//!
//! The layer reports in its own terms ([`Report`]); whoever listens turns a report into its own
//! message type through `From`.

mod decode;
pub mod object_events;
mod stream;

use std::time::Duration;

use chrono::{DateTime, Utc};
use kube::Client;
use kube::api::GetParams;
use serde_json::Value;
use tokio::sync::{mpsc, watch as follow};
use tokio::task::JoinSet;

use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef, Row, strip_managed_fields};

/// How long a list page may take before the list is given up and retried. kube's client sets
/// no read timeout: a list request sent on a connection that died silently (a VPN drop) would
/// otherwise leave its stream reconnecting for ever. Pages arrive far more often than this.
pub(crate) const LIST_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Pods kbdash watches: only those KubeBlocks manages.
pub const POD_SELECTOR: &str = "app.kubernetes.io/managed-by=kubeblocks";

/// The Events the store keeps: Warnings, which feed triage and the incident timeline
/// (docs/kubeblocks.md#events). A detail's own events are watched apart ([`object_events`]).
pub const WARNING_EVENTS: &str = "type=Warning";

/// Whom a stream reports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    /// The store: [`Report::Watch`].
    Store,
    /// The events section of the detail view `id`: [`Report::ObjectEvents`].
    Detail(u64),
}

/// How the watches are timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchTiming {
    /// How long a watch may bring no event and no bookmark before its stream is marked not
    /// answering and restarted.
    pub quiet_limit: Duration,
    /// The `timeoutSeconds` each watch asks of the server, after which the server ends it and
    /// it resumes. Shorter than `quiet_limit`, so that a server that sends no bookmarks (its
    /// watch cache turned off) still speaks within the limit by ending the watch.
    pub server_timeout: Duration,
}

impl Default for WatchTiming {
    /// kube-apiserver sends a bookmark about every minute to a watch that asks for them (and
    /// one shortly before the watch's timeout): two and a half minutes without either leaves
    /// a missed bookmark and a slow network their margin.
    fn default() -> WatchTiming {
        WatchTiming {
            quiet_limit: Duration::from_secs(150),
            server_timeout: Duration::from_secs(120),
        }
    }
}

/// Why a watch stream failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// 403: the API's message.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 on the resource: its API group is not served.
    #[error("not found: {0}")]
    NotFound(String),
    /// The watch brought no event and no bookmark for `quiet`: the server (or something on
    /// the way) stopped answering it. Restarted.
    #[error("not answering: no event and no bookmark for {}s", quiet.as_secs())]
    NotAnswering {
        /// How long the watch was silent: it last answered that long before the report.
        quiet: Duration,
    },
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
    /// An event of the stream of `kind` in context `ctx`, stamped with when it arrived.
    Watch {
        /// The context the stream watches.
        ctx: Ctx,
        /// The stream's kind.
        kind: Kind,
        /// When the event arrived.
        at: DateTime<Utc>,
        /// What happened.
        event: WatchEvent,
    },
    /// An event of a detail view's Events streams ([`object_events`]).
    ObjectEvents {
        /// The detail view the streams were started for.
        id: u64,
        /// What happened; rows are Events.
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
    /// The context the streams watch: every row and key they report is marked with it.
    pub ctx: Ctx,
    /// Where reports go.
    pub tx: mpsc::Sender<M>,
    /// The followed object, if any, whose full body the streams pass on.
    pub follow: follow::Receiver<Option<ObjRef>>,
}

// Not derived: a derive would ask `M` to be `Clone`, but only the channel ends are cloned.
impl<M> Clone for Sink<M> {
    fn clone(&self) -> Sink<M> {
        Sink {
            ctx: self.ctx,
            tx: self.tx.clone(),
            follow: self.follow.clone(),
        }
    }
}

impl<M: From<Report>> Sink<M> {
    /// Sends one event stamped with its arrival; `false` when the receiver is gone.
    async fn event(&self, kind: Kind, feed: Feed, mut event: WatchEvent) -> bool {
        // Both feeds mark what they decode: a detail's Events are as much its context's as
        // the store's rows.
        match &mut event {
            WatchEvent::InitRow(row) | WatchEvent::Apply(row) => row.set_ctx(self.ctx),
            WatchEvent::Delete(key) => key.ctx = self.ctx,
            WatchEvent::Init | WatchEvent::InitDone | WatchEvent::Error(_) => {}
        }
        let report = match feed {
            Feed::Store => Report::Watch {
                ctx: self.ctx,
                kind,
                at: Utc::now(),
                event,
            },
            Feed::Detail(id) => Report::ObjectEvents { id, event },
        };
        self.tx.send(M::from(report)).await.is_ok()
    }

    /// Whether `kind`'s object `key` (as decoded, not yet marked with the context) is the
    /// followed one.
    fn follows(&self, kind: Kind, key: &ObjKey) -> Option<ObjRef> {
        self.follow
            .borrow()
            .as_ref()
            .filter(|t| {
                t.kind == kind
                    && t.key.ctx == self.ctx
                    && t.key.name == key.name
                    && t.key.namespace == key.namespace
            })
            .cloned()
    }
}

/// The path of `kind`'s collection, in `namespace` unless the kind is cluster-scoped (an
/// ActionSet has no namespace to narrow to) or `namespace` is `None`.
fn collection(kind: Kind, namespace: Option<&str>) -> String {
    use kube::Resource as _;
    let ar = crate::k8s::client::api_resource(kind);
    let namespace = namespace.filter(|_| kind.info().namespaced);
    kube::api::DynamicObject::url_path(&ar, namespace)
}

/// Starts one watch task per kind of `kinds`.
pub fn spawn_all<M: From<Report> + Send + 'static>(
    tasks: &mut JoinSet<()>,
    client: &Client,
    namespace: Option<&str>,
    kinds: &[Kind],
    timing: WatchTiming,
    sink: &Sink<M>,
) {
    for &kind in kinds {
        let stream = stream::Stream {
            client: client.clone(),
            kind,
            collection: collection(kind, namespace),
            labels: (kind == Kind::Pod).then_some(POD_SELECTOR),
            fields: (kind == Kind::Event).then(|| WARNING_EVENTS.to_string()),
            feed: Feed::Store,
            timing,
            sink: sink.clone(),
        };
        tasks.spawn(stream.run());
    }
}

/// Classifies a failed request by the API status it carries.
pub(crate) fn classify(e: &kube::Error) -> StreamError {
    match e {
        kube::Error::Api(s) if s.code == 403 => StreamError::Forbidden(s.message.clone()),
        kube::Error::Api(s) if s.code == 404 => StreamError::NotFound(s.message.clone()),
        _ => StreamError::Other(crate::k8s::cause::describe(e)),
    }
}

/// The object as JSON without managedFields.
fn without_managed_fields(mut v: Value) -> Value {
    strip_managed_fields(&mut v);
    v
}

/// Fetches one object's full body for the YAML view.
pub async fn fetch(client: Client, target: ObjRef) -> Report {
    let path = collection(target.kind, Some(&target.key.namespace));
    let result = match kube::core::Request::new(path).get(&target.key.name, &GetParams::default()) {
        Ok(request) => client
            .request::<Value>(request)
            .await
            .map(without_managed_fields)
            .map_err(|e| crate::k8s::cause::describe(&e)),
        Err(e) => Err(e.to_string()),
    };
    Report::Raw { target, result }
}
