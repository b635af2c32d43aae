//! Container logs: the stream a log view shows ([`stream`], kube's `Api<Pod>::log_stream`) and
//! the last lines of one container at once ([`last_lines`], and [`evidence`] for triage). All are `GET pods/{name}/log`,
//! which the read-only gate lets through like every GET (docs/kubeblocks.md#logs).
//!
//! Lines are always asked for with `timestamps=true`: a stream that drops is resumed from the
//! second of the last line seen (`sinceTime`), and the stamps tell which lines it repeats
//! ([`kbdash_core::logs::resume`]). Whether stamps are shown is the view's business.

use std::future::Future;
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ListParams, LogParams};
use kube::{Client, ResourceExt};

use kbdash_core::domain::evidence::{LogPlan, LogPod};
use kbdash_core::logs::LogLine;
use kbdash_core::logs::resume::Resume;
use kbdash_core::rows::{Ctx, ObjKey};

/// The container a PostgreSQL pod's log opens on: Patroni's and the server's output
/// (docs/kubeblocks.md#logs).
pub const POSTGRES_CONTAINER: &str = "postgresql";

/// The container of a backup's pod that runs the backup (docs/kubeblocks.md#backup-jobs).
pub const BACKUP_CONTAINER: &str = "backupdata";

/// The most lines a batch carries: a flood arrives in batches, not a message a line.
const BATCH: usize = 512;

/// The first wait before reconnecting a dropped stream; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// The longest wait between reconnections.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Whose log to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// A pod.
    Pod(ObjKey),
    /// The pod running a backup: a job's pod labelled with the backup's name, or a continuous
    /// backup's StatefulSet pod `<backup>-0` (docs/kubeblocks.md#backup-jobs).
    Backup {
        /// The Backup.
        backup: ObjKey,
        /// Whether it is a continuous backup.
        continuous: bool,
    },
}

impl LogSource {
    /// The context of the pod or backup: the stream goes to its API server.
    pub fn ctx(&self) -> Ctx {
        match self {
            LogSource::Pod(pod) => pod.ctx,
            LogSource::Backup { backup, .. } => backup.ctx,
        }
    }
}

/// A log stream to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// Whose log.
    pub source: LogSource,
    /// The container; `None`: the source's usual one ([`POSTGRES_CONTAINER`], for a backup
    /// [`BACKUP_CONTAINER`]), else the pod's first.
    pub container: Option<String>,
    /// The previous (terminated) run of the container.
    pub previous: bool,
    /// How many lines from the end to start with; `None`: the whole log.
    pub tail: Option<i64>,
}

/// What a log stream reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// The pod found, its containers (the usual one first, then the pod's order) and the one
    /// streamed.
    Opened {
        /// The pod.
        pod: ObjKey,
        /// Its containers.
        containers: Vec<String>,
        /// The container streamed.
        container: String,
    },
    /// New lines, oldest first, none of them seen before.
    Lines(Vec<LogLine>),
    /// The stream ended or failed; it is opened again from where it got to.
    Reconnecting {
        /// Why it ended.
        error: String,
        /// How many times in a row.
        attempt: u32,
    },
    /// The stream is open again after [`LogEvent::Reconnecting`].
    Resumed,
    /// The whole log was read: a previous container's log does not grow.
    Ended,
    /// No log to show, and why (no such pod, no such container, the API refused).
    Failed(String),
}

/// What the API server said, in words: a missing pod named as such, else its message.
fn said(e: &kube::Error, pod: &ObjKey) -> String {
    match e {
        kube::Error::Api(s) if s.code == 404 => format!("pod {pod} not found"),
        kube::Error::Api(s) => s.message.clone(),
        other => crate::k8s::cause::describe(other),
    }
}

/// The pod of `source` and its containers, the usual one first.
async fn resolve(client: &Client, source: &LogSource) -> Result<(ObjKey, Vec<String>), String> {
    let (namespace, name, usual) = match source {
        LogSource::Pod(pod) => (
            pod.namespace.to_string(),
            Some(pod.name.to_string()),
            POSTGRES_CONTAINER,
        ),
        LogSource::Backup {
            backup,
            continuous: true,
        } => (
            backup.namespace.to_string(),
            Some(format!("{}-0", backup.name)),
            BACKUP_CONTAINER,
        ),
        LogSource::Backup {
            backup,
            continuous: false,
        } => (backup.namespace.to_string(), None, BACKUP_CONTAINER),
    };
    let api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let pod = match (name, source) {
        (Some(name), _) => {
            let key = ObjKey::new(&namespace, &name);
            api.get(&name).await.map_err(|e| match (&e, source) {
                (kube::Error::Api(s), LogSource::Backup { backup, .. }) if s.code == 404 => {
                    format!(
                        "continuous backup {backup}: its StatefulSet pod {name} is gone (the \
                         backup no longer runs)"
                    )
                }
                _ => said(&e, &key),
            })?
        }
        (None, LogSource::Backup { backup, .. }) => {
            let selector = format!(
                "dataprotection.kubeblocks.io/backup-name={},app.kubernetes.io/managed-by=kubeblocks-dataprotection",
                backup.name
            );
            let pods = api
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|e| crate::k8s::cause::describe(&e))?;
            // A job that retried leaves a pod per try: the newest says how it ended.
            pods.items
                .into_iter()
                .max_by_key(|p| p.metadata.creation_timestamp.clone())
                .ok_or_else(|| {
                    format!("backup {backup}: no pod labelled {selector} (its job's pods are gone)")
                })?
        }
        (None, LogSource::Pod(pod)) => return Err(format!("pod {pod} not found")),
    };
    // The pod as the view keys it: the answer names no context, the source does.
    let key =
        ObjKey::new(pod.namespace().unwrap_or(namespace), pod.name_any()).in_ctx(source.ctx());
    let mut containers: Vec<String> = pod
        .spec
        .map(|s| s.containers.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    if let Some(i) = containers.iter().position(|c| c == usual) {
        let first = containers.remove(i);
        containers.insert(0, first);
    }
    Ok((key, containers))
}

/// Streams the log `req` asks for, handing each event to `emit` (which returns false once
/// nobody listens, ending the stream). A running container's log is followed: when the
/// stream ends or fails it is opened again from the last line's second, after a backoff, and
/// no line is handed on twice. Ends only with the log read whole (a previous container's),
/// a failure to find the pod or container, or `emit` refusing.
pub async fn stream<F, Fut>(client: Client, req: LogRequest, mut emit: F)
where
    F: FnMut(LogEvent) -> Fut,
    Fut: Future<Output = bool>,
{
    let (pod, containers) = match resolve(&client, &req.source).await {
        Ok(found) => found,
        Err(e) => {
            emit(LogEvent::Failed(e)).await;
            return;
        }
    };
    let container = match &req.container {
        Some(c) if !containers.contains(c) => {
            let e = format!(
                "pod {pod} has no container {c} (it has: {})",
                containers.join(", ")
            );
            emit(LogEvent::Failed(e)).await;
            return;
        }
        Some(c) => c.clone(),
        None => match containers.first() {
            Some(c) => c.clone(),
            None => {
                emit(LogEvent::Failed(format!("pod {pod} has no containers"))).await;
                return;
            }
        },
    };
    let opened = LogEvent::Opened {
        pod: pod.clone(),
        containers,
        container: container.clone(),
    };
    if !emit(opened).await {
        return;
    }
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let follow = !req.previous;
    let mut resume = Resume::default();
    let mut attempt: u32 = 0;
    let mut first = true;
    loop {
        let since = (!first).then(|| resume.since()).flatten();
        let params = LogParams {
            container: Some(container.clone()),
            follow,
            previous: req.previous,
            tail_lines: if first || since.is_none() {
                req.tail
            } else {
                None
            },
            // Cut to the second here: kube rounds to the nearest one, which could skip the
            // lines of the rest of that second (docs/kubeblocks.md#logs).
            since_time: since.and_then(|t| Timestamp::from_second(t.timestamp()).ok()),
            timestamps: true,
            ..LogParams::default()
        };
        let error = match api.log_stream(&pod.name, &params).await {
            Err(e) if first => {
                emit(LogEvent::Failed(said(&e, &pod))).await;
                return;
            }
            Err(e) => said(&e, &pod),
            Ok(reader) => {
                if !first {
                    resume.reconnected();
                    if !emit(LogEvent::Resumed).await {
                        return;
                    }
                }
                first = false;
                let mut batches = reader.lines().ready_chunks(BATCH);
                let mut failed = None;
                while let Some(batch) = batches.next().await {
                    let mut new = Vec::with_capacity(batch.len());
                    for line in batch {
                        match line {
                            Ok(raw) => {
                                let line = LogLine::parse(&raw);
                                if resume.admit(&line) {
                                    new.push(line);
                                }
                            }
                            Err(e) => failed = Some(e.to_string()),
                        }
                    }
                    if !new.is_empty() {
                        attempt = 0;
                        if !emit(LogEvent::Lines(new)).await {
                            return;
                        }
                    }
                    if failed.is_some() {
                        break;
                    }
                }
                if !follow && failed.is_none() {
                    emit(LogEvent::Ended).await;
                    return;
                }
                failed.unwrap_or_else(|| {
                    "the stream ended (the connection dropped, or the container stopped)".into()
                })
            }
        };
        attempt = attempt.saturating_add(1);
        if !emit(LogEvent::Reconnecting { error, attempt }).await {
            return;
        }
        let backoff = FIRST_BACKOFF
            .saturating_mul(1 << attempt.min(5).saturating_sub(1))
            .min(MAX_BACKOFF);
        tokio::time::sleep(backoff).await;
    }
}

/// The last `lines` lines `plan` names in `namespace`, oldest first, or why there are none:
/// triage's evidence. A backup's job pod is found as the log view finds it, by its labels
/// (docs/kubeblocks.md#backup-jobs).
pub async fn evidence(
    client: Client,
    namespace: &str,
    plan: &LogPlan,
    lines: u32,
) -> Result<Vec<String>, String> {
    let pod = match &plan.pod {
        LogPod::Named(name) => ObjKey::new(namespace, name),
        LogPod::BackupJob(backup) => {
            let source = LogSource::Backup {
                backup: ObjKey::new(namespace, backup),
                continuous: false,
            };
            resolve(&client, &source).await?.0
        }
    };
    let found = last_lines(
        client,
        &pod,
        &plan.container,
        plan.previous,
        i64::from(lines),
    )
    .await?;
    Ok(found.into_iter().map(|l| l.text).collect())
}

/// The last `lines` lines of `container` in `pod` (its `previous` run's if asked), oldest
/// first: the evidence of a problem (a crash loop's previous `postgresql`, `kbagent` for role
/// trouble, a failed backup's `backupdata`). One request, no follow; the error in words (a
/// missing pod or container, a container without a previous run) when there is no log.
pub async fn last_lines(
    client: Client,
    pod: &ObjKey,
    container: &str,
    previous: bool,
    lines: i64,
) -> Result<Vec<LogLine>, String> {
    let api: Api<Pod> = Api::namespaced(client, &pod.namespace);
    let params = LogParams {
        container: Some(container.to_string()),
        previous,
        tail_lines: Some(lines.max(1)),
        timestamps: true,
        ..LogParams::default()
    };
    let text = api
        .logs(&pod.name, &params)
        .await
        .map_err(|e| said(&e, pod))?;
    Ok(text.lines().map(LogLine::parse).collect())
}
