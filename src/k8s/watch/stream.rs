//! One kind's stream: a paged list, then a watch from the list's version, for as long as
//! anyone listens.

use std::time::Duration;

use futures::AsyncBufReadExt as _;
use kube::Client;
use kube::api::{ListParams, WatchParams};
use kube::runtime::utils::Backoff as _;
use kube::runtime::watcher::DefaultBackoff;
use serde_json::Value;
use tokio::time::Instant;

use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjRef;

use super::decode::{self, Line};
use super::{
    Feed, LIST_IDLE_TIMEOUT, Report, Sink, StreamError, WatchEvent, WatchTiming, classify,
};

/// Objects asked for per list page, as kube-runtime asks.
const PAGE: u32 = 500;

/// An expiry this soon after the previous one relists after a growing wait. One expiry is
/// normal (the API server compacted its history) and a relist at once is right; expiries in a
/// row mean the server's watch cache lags its lists, and relisting at once would make
/// kbdash list the whole kind in a tight loop.
const EXPIRY_QUIET: Duration = Duration::from_secs(60);

/// The next wait of a backoff that never gives up.
fn next_wait(backoff: &mut DefaultBackoff) -> Duration {
    backoff.next().unwrap_or(Duration::from_secs(30))
}

/// How a stream's list or watch ended.
enum Ended {
    /// Nobody listens any more.
    Gone,
    /// Failed: reported, then retried after a backoff with a full list.
    Failed(StreamError),
    /// The watch's version is too old (410 Gone): reported, then listed again at once, unless
    /// the previous expiry was recent (see [`EXPIRY_QUIET`]).
    Expired(StreamError),
}

/// One kind's stream and where it reports.
pub(super) struct Stream<M> {
    pub(super) client: Client,
    pub(super) kind: Kind,
    /// The collection's path.
    pub(super) collection: String,
    pub(super) labels: Option<&'static str>,
    /// A field selector: the store's Events are its Warnings; a detail's are its object's.
    pub(super) fields: Option<String>,
    /// Whom the stream reports to.
    pub(super) feed: Feed,
    pub(super) timing: WatchTiming,
    pub(super) sink: Sink<M>,
}

impl<M: From<Report>> Stream<M> {
    /// Lists and watches until the receiver goes away.
    pub(super) async fn run(self) {
        let mut backoff = DefaultBackoff::default();
        let mut expiry_backoff = DefaultBackoff::default();
        let mut last_expiry: Option<Instant> = None;
        loop {
            let (error, delay) = match self.list_and_watch(&mut backoff).await {
                Ended::Gone => return,
                Ended::Failed(error) => (error, Some(next_wait(&mut backoff))),
                Ended::Expired(error) => {
                    let now = Instant::now();
                    let again = last_expiry.is_some_and(|t| now - t < EXPIRY_QUIET);
                    last_expiry = Some(now);
                    if again {
                        (error, Some(next_wait(&mut expiry_backoff)))
                    } else {
                        expiry_backoff.reset();
                        (error, None)
                    }
                }
            };
            tracing::warn!(kind = %self.kind, %error, "watch failed");
            if self.send(WatchEvent::Error(error)).await.is_err() {
                return;
            }
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
        }
    }

    async fn list_and_watch(&self, backoff: &mut DefaultBackoff) -> Ended {
        match self.list().await {
            Ok(resource_version) => {
                backoff.reset();
                self.watch(resource_version).await
            }
            Err(ended) => ended,
        }
    }

    /// Lists every page and reports the rows; the version the list is at.
    async fn list(&self) -> Result<String, Ended> {
        let mut params = ListParams {
            label_selector: self.labels.map(str::to_string),
            field_selector: self.fields.clone(),
            limit: Some(PAGE),
            ..ListParams::default()
        };
        // The relist is announced once the list answers: a list that fails (the API is still
        // away) then leaves the stream reconnecting since the first failure, with its attempts
        // counted, instead of restarting "since" and flickering to syncing at every retry.
        let mut announced = false;
        loop {
            let text = self.list_page(&params).await?;
            if !announced {
                announced = true;
                self.send(WatchEvent::Init).await?;
            }
            let page = decode::page(self.kind, &text, &|key| self.sink.follows(self.kind, key))
                .map_err(|e| {
                    Ended::Failed(StreamError::Other(format!(
                        "the list's answer could not be read: {e}"
                    )))
                })?;
            if let Some((target, body)) = page.followed {
                self.pass_on(target, body).await?;
            }
            for row in page.rows {
                self.send(WatchEvent::InitRow(Box::new(row))).await?;
            }
            match page.continue_token {
                Some(token) => params.continue_token = Some(token),
                None => {
                    self.send(WatchEvent::InitDone).await?;
                    return Ok(page.resource_version);
                }
            }
        }
    }

    /// One page's body, within the idle timeout.
    async fn list_page(&self, params: &ListParams) -> Result<Vec<u8>, Ended> {
        let request = kube::core::Request::new(&self.collection)
            .list(params)
            .map_err(|e| Ended::Failed(StreamError::Other(e.to_string())))?;
        let answer = tokio::time::timeout(LIST_IDLE_TIMEOUT, async {
            let text = self.client.request_text(request).await?;
            Ok::<_, kube::Error>(text.into_bytes())
        })
        .await;
        match answer {
            Ok(Ok(body)) => Ok(body),
            Ok(Err(e)) => Err(Ended::Failed(classify(&e))),
            Err(_) => Err(Ended::Failed(StreamError::Other(format!(
                "the list got no answer within {LIST_IDLE_TIMEOUT:?}"
            )))),
        }
    }

    /// Watches from `resource_version`, resuming after each watch the server ends, until the
    /// stream fails or goes silent.
    async fn watch(&self, mut resource_version: String) -> Ended {
        let quiet = self.timing.quiet_limit;
        let silent = Ended::Failed(StreamError::NotAnswering { quiet });
        let params = WatchParams {
            label_selector: self.labels.map(str::to_string),
            field_selector: self.fields.clone(),
            timeout: Some(
                u32::try_from(self.timing.server_timeout.as_secs().max(1)).unwrap_or(u32::MAX),
            ),
            bookmarks: true,
            ..WatchParams::default()
        };
        let mut line = Vec::new();
        loop {
            let request = match kube::core::Request::new(&self.collection)
                .watch(&params, &resource_version)
            {
                Ok(r) => r,
                Err(e) => return Ended::Failed(StreamError::Other(e.to_string())),
            };
            let body = match tokio::time::timeout(quiet, self.client.request_stream(request)).await
            {
                Ok(Ok(body)) => body,
                Ok(Err(e)) => return expired_or_failed(e),
                Err(_) => return silent,
            };
            let mut body = std::pin::pin!(body);
            loop {
                line.clear();
                match tokio::time::timeout(quiet, body.read_until(b'\n', &mut line)).await {
                    Err(_) => return silent,
                    Ok(Err(e)) => {
                        return Ended::Failed(StreamError::Other(crate::k8s::cause::describe(&e)));
                    }
                    // The server ended the watch: resume from the last version seen.
                    Ok(Ok(0)) => break,
                    Ok(Ok(_)) => {}
                }
                let text = line.trim_ascii();
                if text.is_empty() {
                    continue;
                }
                let decoded =
                    decode::line(self.kind, text, &|key| self.sink.follows(self.kind, key));
                let event = match decoded {
                    Ok(event) => event,
                    Err(e) => {
                        // One unreadable event costs that event, not the stream.
                        tracing::warn!(kind = %self.kind, error = %e, "watch event skipped");
                        continue;
                    }
                };
                match event {
                    Line::Apply {
                        row,
                        followed,
                        resource_version: rv,
                    } => {
                        resource_version = rv;
                        if let Some((target, body)) = followed
                            && let Err(ended) = self.pass_on(target, body).await
                        {
                            return ended;
                        }
                        if let Err(ended) = self.send(WatchEvent::Apply(row)).await {
                            return ended;
                        }
                    }
                    Line::Delete {
                        key,
                        resource_version: rv,
                    } => {
                        resource_version = rv;
                        if let Err(ended) = self.send(WatchEvent::Delete(key)).await {
                            return ended;
                        }
                    }
                    Line::Bookmark {
                        resource_version: rv,
                    }
                    | Line::Skip {
                        resource_version: rv,
                    } => {
                        if !rv.is_empty() {
                            resource_version = rv;
                        }
                    }
                    Line::Error(status) => return expired_or_failed(kube::Error::Api(status)),
                }
            }
        }
    }

    /// Reports one event; `Gone` when nobody listens.
    async fn send(&self, event: WatchEvent) -> Result<(), Ended> {
        if self.sink.event(self.kind, self.feed, event).await {
            Ok(())
        } else {
            Err(Ended::Gone)
        }
    }

    /// Reports the followed object's full body.
    async fn pass_on(&self, target: ObjRef, body: Value) -> Result<(), Ended> {
        let report = Report::Raw {
            target,
            result: Ok(body),
        };
        self.sink
            .tx
            .send(M::from(report))
            .await
            .map_err(|_| Ended::Gone)
    }
}

/// A failed watch request or a watch's ERROR event: 410 Gone means listing again.
fn expired_or_failed(e: kube::Error) -> Ended {
    match &e {
        kube::Error::Api(s) if s.code == 410 => Ended::Expired(classify(&e)),
        _ => Ended::Failed(classify(&e)),
    }
}
