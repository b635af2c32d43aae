//! Backups, backup policies and schedules, and the annotations KubeBlocks puts on backups.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::cluster::comp_str;
use super::{
    ACCOUNTS, COMPONENT, METHODS, REPO, VCT, comp_labels, ensure_object, image_tag, policy_name,
    schedule_name,
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
            "backupMethods": METHODS.iter().map(|(method, action_set, _)| {
                let role = if action_set_type(action_set) == Some("Continuous") {
                    "primary"
                } else {
                    "secondary"
                };
                match *method {
                    "volume-snapshot" => json!({
                        "name": method, "snapshotVolumes": true, "targetVolumes": {"volumes": [VCT]},
                    }),
                    _ => {
                        let mut target = json!({
                            "podSelector": {"matchLabels": selector(role)["matchLabels"], "strategy": "Any"},
                            "connectionCredential": credential,
                        });
                        if role == "secondary" {
                            target["podSelector"]["fallbackLabelSelector"] = selector("primary");
                        }
                        let mut m = json!({
                            "name": method,
                            "snapshotVolumes": false,
                            "actionSetName": action_set,
                            "env": env,
                            "targetVolumes": mounts,
                            "target": target,
                        });
                        if *method == "wal-g-archive" {
                            m["compatibleMethod"] = "wal-g".into();
                        }
                        m
                    }
                }
            }).collect::<Vec<Value>>(),
        },
        "status": {"phase": "Available", "observedGeneration": 1},
    })
}

/// Which backup methods a seeded cluster schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Methods {
    /// `pg-basebackup` with `archive-wal`.
    BaseBackup,
    /// The addon guide's wal-g setup: `wal-g` with `wal-g-archive`.
    WalG,
}

impl Methods {
    /// The full method.
    pub(crate) fn full(self) -> &'static str {
        match self {
            Methods::BaseBackup => "pg-basebackup",
            Methods::WalG => "wal-g",
        }
    }

    /// The continuous method.
    pub(crate) fn continuous(self) -> &'static str {
        match self {
            Methods::BaseBackup => "archive-wal",
            Methods::WalG => "wal-g-archive",
        }
    }
}

/// The BackupSchedule of a cluster, shaped like `backupschedule-pg-cluster.yaml`, with entry
/// names as the operator sets them (the method's).
pub(crate) fn backup_schedule(
    cluster: &Value,
    uid: &str,
    created: &str,
    full_cron: &str,
    methods: Methods,
    enabled: bool,
) -> Value {
    let name = super::meta(cluster, "name");
    let ns = super::meta(cluster, "namespace");
    let mut labels = comp_labels(name);
    labels["dataprotection.kubeblocks.io/backup-policy"] = policy_name(name).into();
    let (full, continuous) = (methods.full(), methods.continuous());
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
                {"name": full, "backupMethod": full, "enabled": enabled, "cronExpression": full_cron, "retentionPeriod": "7d"},
                {"name": "volume-snapshot", "backupMethod": "volume-snapshot", "enabled": false, "cronExpression": "0 18 * * *", "retentionPeriod": "7d"},
                {"name": continuous, "backupMethod": continuous, "enabled": enabled, "cronExpression": "*/5 * * * *", "retentionPeriod": "8d"},
            ],
        },
        "status": {"phase": "Available", "observedGeneration": 1, "schedules": {}},
    })
}

/// An ActionSet of the addon, trimmed to its type, shaped like
/// `actionsets-postgresql.yaml`.
pub(crate) fn action_set(name: &str, backup_type: &str, uid: &str, created: &str) -> Value {
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {
            "name": name,
            "uid": uid,
            "creationTimestamp": created,
            "labels": {"clusterdefinition.kubeblocks.io/name": "postgresql"},
        },
        "spec": {"backupType": backup_type},
        "status": {"phase": "Available"},
    })
}

/// `spec.backupType` of the addon's ActionSet called `name`.
fn action_set_type(name: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .find(|(_, a, _)| !a.is_empty() && *a == name)
        .map(|(_, _, t)| *t)
}

/// The addon's ActionSet of `method` and the type of backup it makes.
pub(crate) fn method_info(method: &str) -> Option<(&'static str, &'static str)> {
    METHODS
        .iter()
        .find(|(m, _, _)| *m == method)
        .map(|(_, a, t)| (*a, *t))
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

/// Whether one of the addon's backup methods archives continuously (its ActionSet's type).
pub(crate) fn is_continuous(method: &str) -> bool {
    method_info(method).is_some_and(|(_, t)| t == "Continuous")
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
    let action_set = method_info(&method).map_or("", |(a, _)| a);
    let role = if continuous { "primary" } else { "secondary" };
    let snapshot = method == "volume-snapshot";
    let mut labels = comp_labels(name);
    labels["kubeblocks.io/role"] = role.into();
    let (action_name, action_type) = match (continuous, snapshot) {
        (true, _) => ("dp-backup-0", "StatefulSet"),
        (false, true) => ("createVolumeSnapshot", "VolumeSnapshot"),
        (false, false) => ("dp-backup-0", "Job"),
    };
    let mut action = json!({
        "name": action_name,
        "actionType": action_type,
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
            "snapshotVolumes": snapshot,
        }),
    );
    status.insert(
        "target".into(),
        json!({"podSelector": {"matchLabels": labels, "strategy": "Any"}, "selectedTargetPods": [target_pod]}),
    );
    status.insert("actions".into(), json!([action]));
}

/// Sets a volume-snapshot backup's size the way the operator writes it: the snapshotted
/// volume's size as a quantity (docs/kubeblocks.md#backup-sizes).
pub(crate) fn snapshot_size(backup: &mut Value, quantity: &str) {
    let status = ensure_object(backup, "status");
    status.insert("totalSize".into(), quantity.into());
    if let Some(action) = status.get_mut("actions").and_then(|a| a.get_mut(0)) {
        action["totalSize"] = quantity.into();
        action["volumeSnapshots"] = json!([{"volumeName": VCT, "size": quantity}]);
    }
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
