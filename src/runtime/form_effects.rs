//! Carrying out the forms' effects ([`FormCmd`]: load the live objects a form starts from,
//! dry-run, submit, write the preview to a file) into the messages that come back
//! ([`FormMsg`]). Writes to the API go through [`crate::k8s::submit::send`] only; every submit, whatever
//! its outcome, is appended to the audit log here, so an abandoned submit is audited too.
//!
//! Every effect that talks to the API gives up after [`EFFECT_TIMEOUT`]: kube's client sets no
//! read timeout, so a request sent on a connection that died silently (a VPN dropping, a laptop
//! waking up) would otherwise never be answered, and the form would wait for ever.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Offset as _, Utc};
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;

use crate::k8s::cause::describe;
use crate::k8s::{lookup, submit};
use crate::state::cmd::FormCmd;
use crate::state::msg::FormMsg;
use kbdash_core::forms::{FormContext, LiveObjects, Request, RequestAction, RestoreContext};
use kbdash_core::kinds::Kind;
use kbdash_core::redact;
use kbdash_core::rows::ObjKey;

/// How long a form effect waits for the API before saying it got no answer. Long enough for a
/// slow API server (the forms' loads make half a dozen requests), short enough that a request
/// lost on a dead connection ends in a message rather than an endless "submitting…".
pub(crate) const EFFECT_TIMEOUT: Duration = Duration::from_secs(60);

/// `work`, or the message that it got no answer within `limit`.
async fn bounded<T>(
    limit: Duration,
    work: impl Future<Output = Result<T, String>>,
) -> Result<T, String> {
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| Err(unanswered(limit, "")))
}

fn unanswered(limit: Duration, note: &str) -> String {
    format!("no answer from the API within {limit:?}{note}")
}

/// What a submit without an answer may have done.
const UNANSWERED_SUBMIT: &str = ": it may still have been carried out";

/// Carries out one form effect against `client`; `kube_context` and `audit_log` are recorded
/// with every submit. Gives up after [`EFFECT_TIMEOUT`].
pub async fn run(
    client: &Client,
    kube_context: &str,
    audit_log: Option<&Path>,
    cmd: FormCmd,
) -> FormMsg {
    run_within(EFFECT_TIMEOUT, client, kube_context, audit_log, cmd).await
}

/// [`run`], giving up after `limit` instead.
pub async fn run_within(
    limit: Duration,
    client: &Client,
    kube_context: &str,
    audit_log: Option<&Path>,
    cmd: FormCmd,
) -> FormMsg {
    match cmd {
        FormCmd::LoadContext { cluster } => FormMsg::Context {
            result: bounded(limit, load_context(client, &cluster))
                .await
                .map(Box::new),
            cluster,
        },
        FormCmd::LoadBlank { ctx, namespace } => FormMsg::Context {
            result: bounded(limit, load_blank(client, &namespace))
                .await
                .map(Box::new),
            cluster: ObjKey::new(&namespace, "").in_ctx(ctx),
        },
        FormCmd::LoadRestore { backup } => FormMsg::RestoreContext {
            result: bounded(limit, load_restore(client, &backup))
                .await
                .map(Box::new),
            backup,
        },
        FormCmd::DryRun {
            attempt, request, ..
        } => FormMsg::DryRun {
            attempt,
            result: bounded(limit, submit::send(client, &request.0, true))
                .await
                .map(|_| ())
                .map_err(|e| scrubbed(&e, &request.0)),
        },
        FormCmd::Submit {
            attempt, request, ..
        } => {
            let req = request.0;
            let sent = tokio::time::timeout(limit, submit::send(client, &req, false)).await;
            let answered = sent.is_ok();
            let result = sent
                .unwrap_or_else(|_| Err(unanswered(limit, UNANSWERED_SUBMIT)))
                .map_err(|e| scrubbed(&e, &req))
                .map(|v| {
                    v["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                });
            if let Some(path) = audit_log {
                let done = match req.action {
                    RequestAction::Create => "created",
                    RequestAction::MergePatch { .. } => "patched",
                    RequestAction::Delete { .. } => "deleted",
                };
                let (name, outcome) = match &result {
                    Ok(name) => (Some(name.as_str()), done.to_string()),
                    Err(e) if answered => (None, format!("refused: {e}")),
                    Err(e) => (None, format!("unanswered: {e}")),
                };
                let record = req.audit_record(Utc::now(), kube_context, name, &outcome);
                if let Err(e) = append_line(path, &record) {
                    tracing::warn!("cannot append to the audit log {}: {e}", path.display());
                }
            }
            FormMsg::Submitted {
                attempt,
                kind: req.kind,
                namespace: req.namespace,
                result,
            }
        }
        FormCmd::WriteYaml {
            attempt,
            path,
            text,
            overwrite,
        } => match write_preview(&path, &text, overwrite) {
            Ok(Wrote::File(path)) => FormMsg::Written(Ok(path)),
            Ok(Wrote::Exists(path)) => FormMsg::FileExists { attempt, path },
            Err(e) => FormMsg::Written(Err(e)),
        },
    }
}

/// What writing a preview did.
enum Wrote {
    /// Wrote the file (absolute path).
    File(PathBuf),
    /// Wrote nothing: a file is there (absolute path) and replacing it was not asked for.
    Exists(PathBuf),
}

/// Writes a preview to `path`, made absolute so that what the user is told names the file for
/// certain: a new file, or with `overwrite` a regular file that is there; never through a
/// symbolic link (the link's target could be any file the user can write).
fn write_preview(path: &Path, text: &str, overwrite: bool) -> Result<Wrote, String> {
    let path =
        std::path::absolute(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let shown = path.display();
    let symlink =
        || format!("not written: {shown} is a symbolic link (kbdash writes through none)");
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(symlink()),
        Ok(meta) if !meta.is_file() => {
            return Err(format!("not written: {shown} is not a regular file"));
        }
        Ok(_) if !overwrite => return Ok(Wrote::Exists(path)),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot write {shown}: {e}")),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    // The checks above and the open are apart in time: the open itself refuses a link that
    // appeared meanwhile, and does not wait on a FIFO.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Ok(Wrote::Exists(path));
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(symlink()),
        Err(e) => return Err(format!("cannot write {shown}: {e}")),
    };
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    Ok(Wrote::File(path.clone()))
}

/// The API's refusal of `request` with the secrets it carries shortened: a refusal may quote
/// the value it refused, and it is shown on screen and audited.
fn scrubbed(refusal: &str, request: &Request) -> String {
    redact::scrub(refusal, &redact::secrets(&request.body))
}

fn append_line(path: &Path, record: &Value) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{record}")
}

async fn list(client: &Client, kind: Kind, namespace: &str, cluster: &str) -> Vec<Value> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        namespace,
        &crate::k8s::client::api_resource(kind),
    );
    let params = ListParams::default().labels(&format!("app.kubernetes.io/instance={cluster}"));
    // A kind the server does not serve (no data protection installed) leaves its part empty.
    match api.list(&params).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect(),
        Err(e) => {
            tracing::debug!("listing {kind:?} for a form: {}", describe(&e));
            Vec::new()
        }
    }
}

async fn load_context(client: &Client, cluster: &ObjKey) -> Result<FormContext, String> {
    let ns = &cluster.namespace;
    let clusters: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        ns,
        &crate::k8s::client::api_resource(Kind::Cluster),
    );
    let obj = clusters
        .get(&cluster.name)
        .await
        .map_err(|e| format!("cannot read cluster {cluster}: {}", describe(&e)))?;
    let obj = serde_json::to_value(obj).map_err(|e| e.to_string())?;
    let pods = list(client, Kind::Pod, ns, &cluster.name).await;
    let pvcs = list(client, Kind::PersistentVolumeClaim, ns, &cluster.name).await;
    let policies = list(client, Kind::BackupPolicy, ns, &cluster.name).await;
    let schedules = list(client, Kind::BackupSchedule, ns, &cluster.name).await;
    let components = list(client, Kind::Component, ns, &cluster.name).await;
    // Cluster-scoped, and optional: without them the backup methods' types stay unknown.
    let action_sets: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &crate::k8s::client::api_resource(Kind::ActionSet),
    );
    let action_sets: Vec<Value> = match action_sets.list(&ListParams::default()).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect(),
        Err(e) => {
            tracing::debug!("listing ActionSets for a form: {e}");
            Vec::new()
        }
    };
    // The controller labels every OpsRequest with its cluster (docs/kubeblocks.md#ops-labels).
    let ops = list(client, Kind::OpsRequest, ns, &cluster.name).await;
    let version = component_version(client).await;
    let backups = list(client, Kind::Backup, ns, &cluster.name).await;
    let (classes, clusters) = create_choices(client).await;
    Ok(FormContext::from_objects(LiveObjects {
        cluster: &obj,
        pods: &pods,
        components: &components,
        pvcs: &pvcs,
        component_version: version.as_ref(),
        backup_policies: &policies,
        backup_schedules: &schedules,
        action_sets: &action_sets,
        now: Utc::now(),
    })
    .with_ops_requests(&ops)
    .with_backups(&backups)
    .with_storage_classes(&classes)
    .with_clusters(&clusters))
}

/// The StorageClasses and every Cluster, which a new cluster's form chooses from and checks its
/// name against; a list the API refuses leaves its part empty (the dry run still judges).
async fn create_choices(client: &Client) -> (Vec<Value>, Vec<Value>) {
    let mut found = Vec::new();
    for kind in [Kind::StorageClass, Kind::Cluster] {
        found.push(
            lookup::everywhere(client.clone(), kind)
                .await
                .unwrap_or_else(|e| {
                    tracing::debug!("listing {kind:?} for a form: {e}");
                    Vec::new()
                }),
        );
    }
    let clusters = found.pop().unwrap_or_default();
    (found.pop().unwrap_or_default(), clusters)
}

/// The PostgreSQL ComponentVersion, when the API has it.
async fn component_version(client: &Client) -> Option<Value> {
    let versions: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &crate::k8s::client::api_resource(Kind::ComponentVersion),
    );
    versions
        .get_opt("postgresql")
        .await
        .ok()
        .flatten()
        .and_then(|v| serde_json::to_value(v).ok())
}

/// The context of a new cluster's form with no cluster to start from: the namespace, the
/// releases, the StorageClasses and the taken names.
async fn load_blank(client: &Client, namespace: &str) -> Result<FormContext, String> {
    let version = component_version(client).await;
    let (classes, clusters) = create_choices(client).await;
    let nobody = serde_json::json!({"metadata": {"namespace": namespace}});
    Ok(FormContext::from_objects(LiveObjects {
        cluster: &nobody,
        pods: &[],
        components: &[],
        pvcs: &[],
        component_version: version.as_ref(),
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
        now: Utc::now(),
    })
    .with_storage_classes(&classes)
    .with_clusters(&clusters))
}

async fn load_restore(client: &Client, backup: &ObjKey) -> Result<RestoreContext, String> {
    let backups: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &backup.namespace,
        &crate::k8s::client::api_resource(Kind::Backup),
    );
    let obj = backups
        .get(&backup.name)
        .await
        .map_err(|e| format!("cannot read backup {backup}: {}", describe(&e)))?;
    let obj = serde_json::to_value(obj).map_err(|e| e.to_string())?;
    let values = |list: kube::core::ObjectList<DynamicObject>| -> Vec<Value> {
        list.items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect()
    };
    let all_backups = backups
        .list(&ListParams::default())
        .await
        .map(values)
        .map_err(|e| {
            format!(
                "cannot list backups in {}: {}",
                backup.namespace,
                describe(&e)
            )
        })?;
    let clusters: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &crate::k8s::client::api_resource(Kind::Cluster),
    );
    // Without the cluster list the free-name check would pass blindly: refuse instead.
    let all_clusters = clusters
        .list(&ListParams::default())
        .await
        .map(values)
        .map_err(|e| format!("cannot list clusters: {}", describe(&e)))?;
    let now = Utc::now();
    let local = chrono::Local::now().offset().fix();
    RestoreContext::from_objects(&obj, &all_backups, &all_clusters, now, local)
        .ok_or_else(|| format!("backup {backup} has no name"))
}
