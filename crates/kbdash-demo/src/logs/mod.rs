//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`, as the API server serves it: `container`
//! (required when the pod has more than one), `previous`, `sinceTime`/`sinceSeconds`,
//! `tailLines`, `timestamps`, `limitBytes`, and `follow`, which keeps the response open and
//! sends lines as the container writes them until its run ends. Errors are worded as the API
//! server words them. The lines follow what the demo is doing ([`content`]).

mod content;
mod script;

use std::convert::Infallible;
use std::time::Duration as StdDuration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use tokio::sync::mpsc;

use super::api::ApiState;
use super::list::Params;
use super::route::ResourcePath;
use super::status::ApiError;
use kbdash_core::kinds::Kind;

/// How often a followed log looks for new lines.
const FOLLOW_POLL: StdDuration = StdDuration::from_millis(250);

/// What a log request asks for.
struct LogRequest {
    container: String,
    previous: bool,
    since: Option<DateTime<Utc>>,
    tail: Option<usize>,
    timestamps: bool,
    limit_bytes: Option<usize>,
    follow: bool,
}

fn request(
    pod: &Value,
    name: &str,
    params: &Params,
    now: DateTime<Utc>,
) -> Result<LogRequest, ApiError> {
    let containers = crate::operator::objects::names_at(pod, "/spec/containers");
    let container = match (params.get("container"), containers.as_slice()) {
        (Some(c), _) if !c.is_empty() => c.to_string(),
        (_, [only]) => only.to_string(),
        _ => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let since = match (params.get("sinceTime"), params.positive("sinceSeconds")?) {
        (Some(t), _) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| ApiError::bad_request(format!("invalid sinceTime: {t:?}")))?
                .with_timezone(&Utc),
        ),
        (None, Some(s)) => {
            Some(now - chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 2)))
        }
        (None, None) => None,
    };
    let tail = match params.get("tailLines") {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("invalid tailLines: {t:?}")))?
                .max(0),
        ),
    };
    Ok(LogRequest {
        container,
        previous: params.flag("previous"),
        since,
        tail: tail.map(|t| usize::try_from(t).unwrap_or(usize::MAX)),
        timestamps: params.flag("timestamps"),
        limit_bytes: params
            .positive("limitBytes")?
            .map(|b| usize::try_from(b).unwrap_or(usize::MAX)),
        follow: params.flag("follow"),
    })
}

fn format(lines: &[(DateTime<Utc>, String)], timestamps: bool) -> String {
    let mut out = String::new();
    for (t, line) in lines {
        if timestamps {
            out.push_str(&t.to_rfc3339_opts(SecondsFormat::Nanos, true));
            out.push(' ');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Cuts `text` to at most `limit` bytes (at a character boundary), as `limitBytes` does.
fn cut(mut text: String, limit: Option<usize>) -> String {
    if let Some(limit) = limit
        && text.len() > limit
    {
        let mut at = limit;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}

/// Serves a pod's log.
pub(crate) fn serve(
    state: &ApiState,
    rp: &ResourcePath,
    name: &str,
    params: &Params,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let ns = rp.namespace.clone();
    let pod = store
        .get_value(Kind::Pod, ns.as_deref(), name)
        .ok_or_else(|| ApiError::not_found(Kind::Pod, name))?;
    let now = store.now();
    let req = request(&pod, name, params, now)?;
    let script = content::script(&store, &pod, &req.container, req.previous)?;
    let mut lines: Vec<(DateTime<Utc>, String)> = script
        .between(None, now)
        .into_iter()
        .filter(|(t, _)| req.since.is_none_or(|s| *t >= s))
        .collect();
    if let Some(tail) = req.tail {
        lines.drain(..lines.len().saturating_sub(tail));
    }
    let first = cut(format(&lines, req.timestamps), req.limit_bytes);
    let body = if req.follow && !script.over(now) && req.limit_bytes.is_none() {
        let (tx, rx) = mpsc::channel::<Bytes>(16);
        let mut dropper = state.faults.log_dropper();
        dropper.mark_unchanged();
        let mut shutdown = state.shutdown.clone();
        let (ns, name, container) = (ns.clone(), name.to_string(), req.container.clone());
        let (previous, timestamps) = (req.previous, req.timestamps);
        tokio::spawn(async move {
            if tx.send(Bytes::from(first)).await.is_err() {
                return;
            }
            let mut sent_to = now;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(FOLLOW_POLL) => {}
                    _ = dropper.changed() => return,
                    _ = shutdown.changed() => return,
                }
                let now = store.now();
                // The pod gone, or another run of the container started: the stream ends.
                let Some(pod) = store.get_value(Kind::Pod, ns.as_deref(), &name) else {
                    return;
                };
                let Ok(script) = content::script(&store, &pod, &container, previous) else {
                    return;
                };
                let new = script.between(Some(sent_to), now);
                sent_to = now;
                if !new.is_empty()
                    && tx
                        .send(Bytes::from(format(&new, timestamps)))
                        .await
                        .is_err()
                {
                    return;
                }
                if script.over(now) {
                    return;
                }
            }
        });
        Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
        }))
    } else {
        Body::from(first)
    };
    let mut resp = Response::new(body);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(resp)
}
