//! Watch streams: one JSON WatchEvent per line over a chunked response.
//!
//! A watch begins with the current state (ADDED for each object) when it names no
//! resourceVersion (or "0") or asks for `sendInitialEvents`, otherwise it replays the history
//! after the version it names. With selectors, a change that makes an object pass is ADDED
//! and one that makes it stop passing is DELETED (the object as it was), as the API server
//! tells them from the object before and after the change. It ends at `timeoutSeconds`, when the client goes away, when a
//! fault drops every watch, when the server shuts down, or when it falls too far behind the
//! store's broadcast (the client then resumes from the last version it saw).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use super::faults::Faults;
use super::status::ApiError;
use super::store::{EventType, Store, StoreEvent, StoredObject};
use super::table;
use kbdash_core::kinds::Kind;
use kbdash_core::selector::Selectors;

/// How often a watch that allows bookmarks gets one, unless the server is configured otherwise.
pub(crate) const BOOKMARK_INTERVAL: Duration = Duration::from_secs(5);

/// How long a watch lasts when the client names no `timeoutSeconds`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// Initial events are sent in chunks of about this many bytes.
const CHUNK: usize = 64 * 1024;

/// What a watch request asks for.
pub(crate) struct WatchRequest {
    /// The kind watched.
    pub(crate) kind: Kind,
    /// The namespace watched; `None` for all.
    pub(crate) namespace: Option<String>,
    /// Label and field selectors events must pass.
    pub(crate) selectors: Selectors,
    /// `None` for no version or "0": begin with the current state.
    pub(crate) resource_version: Option<u64>,
    /// `sendInitialEvents=true`: the state first, then a bookmark marking its end.
    pub(crate) send_initial_events: bool,
    /// `allowWatchBookmarks=true`: how often a bookmark is sent.
    pub(crate) bookmarks: Option<Duration>,
    /// `timeoutSeconds`.
    pub(crate) timeout: Option<Duration>,
    /// Events carry one-row Tables instead of objects (`kubectl get -w`).
    pub(crate) table: Option<table::IncludeObject>,
}

/// What ends watches besides the client and their timeout.
#[derive(Clone)]
pub(crate) struct WatchEnders {
    /// Changes when a fault drops every watch.
    pub(crate) drop_watches: watch::Receiver<u64>,
    /// Turns true when the server shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Which kinds' watches are frozen.
    pub(crate) faults: Faults,
}

impl WatchEnders {
    /// Whether watches of `kind` are frozen: they send nothing more, not even their end.
    fn frozen(&self, kind: Kind) -> bool {
        self.faults.is_frozen(kind)
    }

    /// Whether watches of `kind` resuming from a version are answered 410 at once.
    fn expiring(&self, kind: Kind) -> bool {
        self.faults.is_expiring(kind)
    }

    /// Holds a frozen watch open, silent, until its client goes away or it is ended.
    async fn hang(&mut self, client: &mpsc::Sender<Bytes>) {
        tokio::select! {
            _ = client.closed() => {}
            _ = self.drop_watches.changed() => {}
            _ = self.shutdown.changed() => {}
        }
    }
}

struct Emitter {
    tx: mpsc::Sender<Bytes>,
    buf: String,
    req: WatchRequest,
    store: Arc<Store>,
}

impl Emitter {
    fn object_json(&self, o: &StoredObject) -> String {
        if let Some(include) = self.req.table {
            table::table(
                self.req.kind,
                vec![table::row(
                    self.req.kind,
                    o.value(),
                    self.store.now(),
                    include,
                )],
                json!({"resourceVersion": o.resource_version.to_string()}),
            )
            .to_string()
        } else {
            o.json.to_string()
        }
    }

    fn push_event(&mut self, event_type: &str, o: &StoredObject) {
        let object = self.object_json(o);
        self.buf.push_str("{\"type\":\"");
        self.buf.push_str(event_type);
        self.buf.push_str("\",\"object\":");
        self.buf.push_str(&object);
        self.buf.push_str("}\n");
    }

    fn push_value(&mut self, event_type: &str, object: Value) {
        self.buf
            .push_str(&json!({"type": event_type, "object": object}).to_string());
        self.buf.push('\n');
    }

    fn push_bookmark(&mut self, rv: u64, initial_events_end: bool) {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({
            "kind": self.req.kind.info().kind_name,
            "apiVersion": self.req.kind.api_version(),
            "metadata": meta,
        });
        self.push_value("BOOKMARK", object);
    }

    /// Sends what is buffered; false when the client is gone.
    async fn flush(&mut self) -> bool {
        if self.buf.is_empty() {
            return true;
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx.send(chunk).await.is_ok()
    }

    /// Whether the watch is interested in `o`: its namespace and selectors.
    fn passes(&self, o: &StoredObject) -> bool {
        (self.req.namespace.is_none() || o.namespace.as_deref() == self.req.namespace.as_deref())
            && self.req.selectors.matches(o)
    }

    /// Buffers an object of the current state.
    fn push_initial(&mut self, o: &StoredObject) {
        if self.passes(o) {
            self.push_event("ADDED", o);
        }
    }

    /// Buffers a store event as the client should see it.
    fn push_change(&mut self, e: &StoreEvent) {
        let now = e.event_type != EventType::Deleted && self.passes(&e.object);
        let before = match e.event_type {
            EventType::Added => None,
            EventType::Modified => e.previous.as_ref().filter(|p| self.passes(p)),
            EventType::Deleted => Some(&e.object).filter(|o| self.passes(o)),
        };
        match (now, before) {
            (true, Some(_)) => self.push_event("MODIFIED", &e.object),
            (true, None) => self.push_event("ADDED", &e.object),
            (false, Some(was)) if e.event_type == EventType::Deleted => {
                self.push_event("DELETED", was)
            }
            (false, Some(was)) => {
                let gone = was.at_version(e.object.resource_version);
                self.push_event("DELETED", &gone);
            }
            (false, None) => {}
        }
    }
}

/// Starts a watch and returns its streaming response.
pub(crate) fn watch_response(
    store: Arc<Store>,
    enders: WatchEnders,
    req: WatchRequest,
) -> Response {
    let (tx, mut rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(run(store, enders, req, tx));
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|chunk| chunk.map(Ok::<Bytes, std::convert::Infallible>))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn run(
    store: Arc<Store>,
    mut enders: WatchEnders,
    req: WatchRequest,
    tx: mpsc::Sender<Bytes>,
) {
    enders.drop_watches.mark_unchanged();
    if *enders.shutdown.borrow_and_update() {
        return;
    }
    if enders.frozen(req.kind) {
        enders.hang(&tx).await;
        return;
    }
    let deadline = Instant::now() + req.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let begin_with_state = req.send_initial_events || req.resource_version.is_none();
    let kind = req.kind;
    let mut em = Emitter {
        tx,
        buf: String::new(),
        req,
        store: store.clone(),
    };

    let mut live = if begin_with_state {
        let (items, sub) = store.list_and_subscribe(kind, em.req.namespace.as_deref());
        for o in &items {
            em.push_initial(o);
            if em.buf.len() >= CHUNK && !em.flush().await {
                return;
            }
        }
        if em.req.send_initial_events {
            em.push_bookmark(sub.resource_version, true);
        }
        (sub.live, sub.resource_version)
    } else {
        let subscribed = if enders.expiring(kind) {
            None
        } else {
            store.subscribe(kind, em.req.resource_version).ok()
        };
        match subscribed {
            Some(sub) => {
                for e in &sub.backlog {
                    em.push_change(e);
                    if em.buf.len() >= CHUNK && !em.flush().await {
                        return;
                    }
                }
                (sub.live, sub.resource_version)
            }
            // Only an expired version fails a subscription; worded as the API server does.
            None => {
                let expired =
                    ApiError::expired("The resourceVersion for the provided watch is too old.");
                em.push_value("ERROR", expired.to_status());
                em.flush().await;
                return;
            }
        }
    };
    if !em.flush().await {
        return;
    }
    let (ref mut events, mut last_rv) = live;
    let bookmark_interval = em.req.bookmarks.unwrap_or(DEFAULT_TIMEOUT);
    let mut bookmark_at = Instant::now() + bookmark_interval;
    let client = em.tx.clone();
    loop {
        if enders.frozen(kind) {
            enders.hang(&client).await;
            return;
        }
        tokio::select! {
            received = events.recv() => match received {
                // Withheld: the loop's next turn holds the watch open and silent.
                Ok(_) if enders.frozen(kind) => {}
                Ok(ev) => {
                    if ev.kind == kind {
                        em.push_change(&ev);
                    }
                    last_rv = last_rv.max(ev.object.resource_version);
                    // Drain what is already queued before writing, to send fewer chunks.
                    while em.buf.len() < CHUNK {
                        match events.try_recv() {
                            Ok(ev) => {
                                if ev.kind == kind {
                                    em.push_change(&ev);
                                }
                                last_rv = last_rv.max(ev.object.resource_version);
                            }
                            Err(broadcast::error::TryRecvError::Empty) => break,
                            Err(_) => {
                                em.flush().await;
                                return;
                            }
                        }
                    }
                    if !em.flush().await {
                        return;
                    }
                }
                // Lagged: the client resumes from the last version it saw. Closed: store gone.
                Err(_) => return,
            },
            _ = tokio::time::sleep_until(bookmark_at), if em.req.bookmarks.is_some() => {
                if enders.frozen(kind) {
                    continue;
                }
                em.push_bookmark(last_rv, false);
                if !em.flush().await {
                    return;
                }
                bookmark_at = Instant::now() + bookmark_interval;
            }
            _ = tokio::time::sleep_until(deadline) => {
                if enders.frozen(kind) {
                    continue;
                }
                if em.req.bookmarks.is_some() {
                    em.push_bookmark(last_rv, false);
                    em.flush().await;
                }
                return;
            }
            _ = client.closed() => return,
            _ = enders.drop_watches.changed() => return,
            // The shutdown flag only ever turns true.
            _ = enders.shutdown.changed() => return,
        }
    }
}
