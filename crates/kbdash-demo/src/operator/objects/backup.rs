//! Backups, backup policies and schedules, and the annotations KubeBlocks puts on backups.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::cluster::comp_str;
use super::{
    ACCOUNTS, COMPONENT, CONTINUOUS_METHODS, REPO, VCT, comp_labels, ensure_object, image_tag,
    policy_name, schedule_name,
};
use crate::store::timestamp;
use kbdash_core::domain::cron::parse_retention;

/// The cluster-snapshot annotation: the Cluster's name, namespace, annotations and spec.
pub(crate) fn cluster_snapshot(cluster: &Value) -> String {
    json!({
        "kind": "Cluster",
        "apiVersion": "apps.kubeblocks.io/v1",
        "metadata": {
            "name": cluster.pointer("/metadata/name"),
            "namespace": cluster.pointer("/metadata/namespace"),
            "creationTimestamp": null,
            "annotations": {"kubeblocks.io/crd-api-version": "apps.kubeblocks.io/v1"},
        },
        "spec": cluster.get("spec"),
        "status": {},
    })
    .to_string()
}

/// The encrypted-system-accounts annotation with random ciphertexts (44 base64 characters,
/// as nonce + AES-GCM of a 16-byte password + tag would be).
pub(crate) fn encrypted_accounts(mut next: impl FnMut() -> u64) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut accounts = serde_json::Map::new();
    for account in ACCOUNTS {
        let text: String = (0..43)
            .map(|_| B64[(next() % 64) as usize] as char)
            .chain(std::iter::once('='))
            .collect();
        accounts.insert(account.into(), text.into());
    }
    json!({ COMPONENT: accounts }).to_string()
}

/// The BackupPolicy of a cluster, shaped like `backuppolicy-pg-cluster.yaml`.
pub(crate) fn backup_policy(cluster: &Value, uid: &str, created: &str) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let cluster_uid = super::meta(cluster, "uid");
    let tag = image_tag(&comp_str(cluster, "serviceVersion"));
    let selector = |role: &str| {
        let mut l = comp_labels(name);
        l["kubeblocks.io/role"] = role.into();
        json!({"matchLabels": l})
    };
    let credential = json!({
        "secretName": format!("{name}-{COMPONENT}-account-postgres"),
        "usernameKey": "username",
        "passwordKey": "password",
    });
    let mounts = json!({"volumeMounts": [{"name": VCT, "mountPath": "/home/postgres/pgdata"}]});
    let env = json!([{"name": "IMAGE_TAG", "value": tag}]);
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "BackupPolicy",
        "metadata": {
            "name": policy_name(name),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": comp_labels(name),
            "annotations": {
                "dataprotection.kubeblocks.io/is-default-policy": "true",
                "apps.kubeblocks.io/backup-policy-template": "postgresql-backup-policy-template",
            },
        },
        "spec": {
            "backupRepoName": REPO,
            "pathPrefix": format!("/{name}-{cluster_uid}/{COMPONENT}"),
            "backoffLimit": 2,
            "target": {
                "podSelector": {
                    "matchLabels": selector("primary")["matchLabels"],
                    "fallbackLabelSelector": selector("secondary"),
                    "strategy": "Any",
                    "useParentSelectedPods": true,
                },
                "connectionCredential": credential,
            },
            "backupMethods": [
                {
                    "name": "pg-basebackup",
                    "snapshotVolumes": false,
                    "actionSetName": "postgresql-basebackup",
                    "env": env,
                    "targetVolumes": mounts,
                    "target": {
                        "podSelector": {
                            "matchLabels": selector("secondary")["matchLabels"],
                            "strategy": "Any",
                            "fallbackLabelSelector": selector("primary"),
                        },
                        "connectionCredential": credential,
                    },
                },
                {"name": "volume-snapshot", "snapshotVolumes": true, "targetVolumes": {"volumes": [VCT]}},
                {
                    "name": "archive-wal",
                    "snapshotVolumes": false,
                    "actionSetName": "postgresql-for-pitr",
                    "env": env,
                    "targetVolumes": mounts,
                    "target": {
                        "podSelector": {"matchLabels": selector("primary")["matchLabels"], "strategy": "Any"},
                        "connectionCredential": credential,
                    },
                },
            ],
        },
        "status": {"phase": "Available", "observedGeneration": 1},
    })
}

/// The BackupSchedule of a cluster, shaped like `backupschedule-pg-cluster.yaml`.
pub(crate) fn backup_schedule(
    cluster: &Value,
    uid: &str,
    created: &str,
    full_cron: &str,
    full_enabled: bool,
    continuous_enabled: bool,
) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let mut labels = comp_labels(name);
    labels["dataprotection.kubeblocks.io/backup-policy"] = policy_name(name).into();
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "BackupSchedule",
        "metadata": {
            "name": schedule_name(name),
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": created,
            "labels": labels,
            "finalizers": ["dataprotection.kubeblocks.io/finalizer"],
        },
        "spec": {
            "backupPolicyName": policy_name(name),
            "schedules": [
                {"backupMethod": "pg-basebackup", "enabled": full_enabled, "cronExpression": full_cron, "retentionPeriod": "7d"},
                {"backupMethod": "volume-snapshot", "enabled": false, "cronExpression": "0 18 * * *", "retentionPeriod": "7d"},
                {"backupMethod": "archive-wal", "enabled": continuous_enabled, "cronExpression": "*/5 * * * *", "retentionPeriod": "8d"},
            ],
        },
        "status": {"phase": "Available", "observedGeneration": 1, "schedules": {}},
    })
}

/// What a Backup is built from.
pub(crate) struct BackupInput<'a> {
    pub(crate) cluster: &'a Value,
    pub(crate) name: &'a str,
    pub(crate) uid: &'a str,
    pub(crate) method: &'a str,
    pub(crate) created: &'a str,
    /// The schedule that made it, for scheduled backups.
    pub(crate) schedule: Option<&'a str>,
    pub(crate) retention: &'a str,
    pub(crate) accounts: &'a str,
}

/// Whether a backup method archives continuously.
pub(crate) fn is_continuous(method: &str) -> bool {
    CONTINUOUS_METHODS.contains(&method)
}

/// The metadata KubeBlocks gives a Backup (labels, annotations; docs/kubeblocks.md#backup-labels) and its spec.
pub(crate) fn backup(b: &BackupInput) -> Value {
    let name = super::meta(b.cluster, "name");
    let ns = super::meta(b.cluster, "namespace");
    let cluster_uid = super::meta(b.cluster, "uid");
    let mut labels = json!({
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/managed-by": "kubeblocks-dataprotection",
        "apps.kubeblocks.io/component-name": COMPONENT,
        "dataprotection.kubeblocks.io/backup-policy": policy_name(name),
        "dataprotection.kubeblocks.io/backup-repo-name": REPO,
        "dataprotection.kubeblocks.io/backup-type": if is_continuous(b.method) { "Continuous" } else { "Full" },
        "dataprotection.kubeblocks.io/cluster-uid": cluster_uid,
    });
    if let Some(s) = b.schedule {
        labels["dataprotection.kubeblocks.io/backup-schedule"] = s.into();
        labels["dataprotection.kubeblocks.io/autobackup"] = "true".into();
    }
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "Backup",
        "metadata": {
            "name": b.name,
            "namespace": ns,
            "uid": b.uid,
            "creationTimestamp": b.created,
            "labels": labels,
            "annotations": {
                "kubeblocks.io/cluster-snapshot": cluster_snapshot(b.cluster),
                "kubeblocks.io/encrypted-system-accounts": b.accounts,
            },
            "finalizers": ["dataprotection.kubeblocks.io/finalizer"],
        },
        "spec": {
            "backupMethod": b.method,
            "backupPolicyName": policy_name(name),
            "deletionPolicy": "Delete",
            "retentionPeriod": b.retention,
        },
    })
}

/// The status of a backup that started: repo, path, method, target pod.
pub(crate) fn backup_running_status(
    backup: &mut Value,
    cluster: &Value,
    target_pod: &str,
    started: &str,
) {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let cluster_uid = super::meta(cluster, "uid");
    let backup_name = super::meta(backup, "name").to_string();
    let method = backup
        .pointer("/spec/backupMethod")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let continuous = is_continuous(&method);
    let (action_set, role) = match method.as_str() {
        "archive-wal" | "wal-g-archive" => ("postgresql-for-pitr", "primary"),
        "volume-snapshot" => ("", "secondary"),
        _ => ("postgresql-basebackup", "secondary"),
    };
    let mut labels = comp_labels(name);
    labels["kubeblocks.io/role"] = role.into();
    let mut action = json!({
        "name": "dp-backup-0",
        "actionType": if continuous { "StatefulSet" } else { "Job" },
        "phase": "Running",
        "targetPodName": target_pod,
        "startTimestamp": started,
    });
    if continuous {
        action["availableReplicas"] = 1.into();
    }
    let status = ensure_object(backup, "status");
    status.insert("phase".into(), "Running".into());
    status.insert("backupRepoName".into(), REPO.into());
    status.insert(
        "path".into(),
        format!("/{ns}/{name}-{cluster_uid}/{COMPONENT}/{backup_name}").into(),
    );
    status.insert("formatVersion".into(), "0.1.0".into());
    status.insert("startTimestamp".into(), started.into());
    status.insert(
        "backupMethod".into(),
        json!({
            "name": method,
            "actionSetName": action_set,
            "snapshotVolumes": method == "volume-snapshot",
        }),
    );
    status.insert(
        "target".into(),
        json!({"podSelector": {"matchLabels": labels, "strategy": "Any"}, "selectedTargetPods": [target_pod]}),
    );
    status.insert("actions".into(), json!([action]));
}

/// Sets a backup's time range and size (status and its action alike).
pub(crate) fn backup_progress(backup: &mut Value, start: &str, end: &str, total_size: u64) {
    let continuous = backup
        .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-type")
        .and_then(Value::as_str)
        == Some("Continuous");
    let mut range = json!({"start": start, "end": end});
    if continuous {
        range["timeZone"] = "+00:00".into();
    }
    let status = ensure_object(backup, "status");
    status.insert("timeRange".into(), range.clone());
    status.insert("totalSize".into(), total_size.to_string().into());
    if let Some(action) = status.get_mut("actions").and_then(|a| a.get_mut(0)) {
        action["timeRange"] = range;
        action["totalSize"] = total_size.to_string().into();
    }
}

/// Marks a backup Completed (status and action) with its duration and expiration.
pub(crate) fn backup_completed(backup: &mut Value, completed: DateTime<Utc>, retention: &str) {
    let started = backup
        .pointer("/status/startTimestamp")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(completed);
    let status = ensure_object(backup, "status");
    status.insert("phase".into(), "Completed".into());
    status.insert("completionTimestamp".into(), timestamp(completed).into());
    status.insert(
        "duration".into(),
        go_duration((completed - started).num_seconds()).into(),
    );
    status.insert(
        "expiration".into(),
        timestamp(
            started + parse_retention(retention).unwrap_or_else(|_| chrono::Duration::days(7)),
        )
        .into(),
    );
    if let Some(action) = status.get_mut("actions").and_then(|a| a.get_mut(0)) {
        action["phase"] = "Completed".into();
        action["completionTimestamp"] = timestamp(completed).into();
        if let Some(a) = action.as_object_mut() {
            a.remove("availableReplicas");
        }
    }
}

/// A duration the way Go prints it (`1m12s`, `2h0m5s`, `45s`).
pub(crate) fn go_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}
