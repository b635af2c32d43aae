//! The last lines of one container's log, fetched once for triage's evidence with kube's
//! `Api<Pod>::logs`: `tailLines`, `container`, `previous` (docs/kubeblocks.md#logs). A backup's
//! job pod is found by its label first (docs/kubeblocks.md#backup-jobs).

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams, LogParams};

use kbdash_core::domain::evidence::{LogPlan, LogPod};

/// The label a backup's job pods carry with the backup's name.
const BACKUP_NAME_LABEL: &str = "dataprotection.kubeblocks.io/backup-name";

/// The log lines `plan` names in `namespace`, at most `tail_lines`, or why there are none.
pub async fn tail(
    client: Client,
    namespace: &str,
    plan: &LogPlan,
    tail_lines: u32,
) -> Result<Vec<String>, String> {
    let pods: Api<Pod> = Api::namespaced(client, namespace);
    let name = match &plan.pod {
        LogPod::Named(name) => name.clone(),
        LogPod::BackupJob(backup) => job_pod(&pods, backup).await?,
    };
    let params = LogParams {
        container: Some(plan.container.clone()),
        previous: plan.previous,
        tail_lines: Some(i64::from(tail_lines)),
        ..LogParams::default()
    };
    let text = pods.logs(&name, &params).await.map_err(|e| match &e {
        kube::Error::Api(s) if s.code == 400 || s.code == 404 => {
            format!("no log of {name}/{}: {}", plan.container, s.message)
        }
        _ => crate::k8s::cause::describe(&e),
    })?;
    Ok(text.lines().map(str::to_string).collect())
}

/// The newest job pod of `backup`.
async fn job_pod(pods: &Api<Pod>, backup: &str) -> Result<String, String> {
    let params = ListParams::default().labels(&format!("{BACKUP_NAME_LABEL}={backup}"));
    let list = pods
        .list(&params)
        .await
        .map_err(|e| crate::k8s::cause::describe(&e))?;
    list.items
        .into_iter()
        .max_by(|a, b| {
            a.metadata
                .creation_timestamp
                .cmp(&b.metadata.creation_timestamp)
        })
        .and_then(|p| p.metadata.name)
        .ok_or_else(|| format!("no job pod of backup {backup} (labelled {BACKUP_NAME_LABEL})"))
}
