//! A new Cluster brought up the way the cluster controller does it: Creating, its Component,
//! service, backup policy and schedule, PVCs and pods, then Running. A Cluster carrying the
//! `kubeblocks.io/restore-from-backup` annotation first gets its data from the backup through
//! the `-preparedata` and `-postready` Restore objects (docs/kubeblocks.md#restore-progress).

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use futures::future::join_all;
use serde_json::{Value, json};

use super::cluster;
use super::ctx::{Ctx, Key};
use super::objects::{self as obj, COMPONENT, Phase};
use kbdash_core::domain::pitr::{BackupFacts, check_restore_time};
use kbdash_core::domain::restore_time::parse_restore_time;
use kbdash_core::forms::RESTORE_FROM_BACKUP_ANNOTATION;
use kbdash_core::kinds::Kind;

/// Simulated seconds of a restore's data preparation per stage, and of post-ready.
const PREPARE_SECS: f64 = 6.0;
const POST_READY_SECS: f64 = 3.0;

/// Brings up one new cluster.
pub(crate) async fn run(ctx: Arc<Ctx>, key: Key) {
    provision(&ctx, &key).await;
    ctx.end(Kind::Cluster, &key);
}

/// A parsed restore-from-backup annotation entry.
struct RestoreFrom {
    backup: String,
    namespace: String,
    restore_time: Option<String>,
    policy: String,
}

fn restore_from(cluster: &Value) -> Option<RestoreFrom> {
    let raw = cluster
        .pointer("/metadata/annotations/kubeblocks.io~1restore-from-backup")
        .and_then(Value::as_str)?;
    let parsed: Value = serde_json::from_str(raw).ok()?;
    let entry = parsed
        .get(COMPONENT)
        .or_else(|| parsed.as_object()?.values().next())?;
    let field = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
    let ns = cluster
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Some(RestoreFrom {
        backup: field("name")?,
        namespace: field("namespace").unwrap_or_else(|| ns.to_string()),
        restore_time: field("restoreTime").filter(|t| !t.is_empty()),
        policy: String::new(),
    })
}

/// Checks a point-in-time restore against a continuous backup the way the operator does
/// (inside the continuous range, then the latest Completed full backup of the same cluster
/// ending at or before `t` and not before the range starts; docs/kubeblocks.md#pitr) and returns the
/// base backup's name. Errors carry the operator's message.
pub(crate) fn pitr_base(ctx: &Ctx, continuous: &Value, t: DateTime<Utc>) -> Result<String, String> {
    let cont = BackupFacts::from_backup(continuous)
        .ok_or_else(|| "invalid timeRange of the backup".to_string())?;
    let backups: Vec<BackupFacts> = ctx
        .store
        .list(Kind::Backup, Some(&cont.namespace))
        .0
        .iter()
        .filter(|o| o.label("app.kubernetes.io/instance") == Some(cont.cluster.as_str()))
        .filter_map(|o| BackupFacts::from_backup(&o.value()))
        .collect();
    check_restore_time(&cont, &backups, t)
        .map(|b| b.name.clone())
        .map_err(|e| e.to_string())
}

/// A restore time as the operator reads it (RFC 3339 or kbcli's `Jan 02,2006 15:04:05 UTC-0700`).
pub(crate) fn parse_time(ctx: &Ctx, s: &str) -> Result<DateTime<Utc>, String> {
    let utc = FixedOffset::east_opt(0).ok_or("no UTC offset")?;
    parse_restore_time(s, ctx.store.now(), utc)
        .map_err(|e| format!("invalid value for \"restorePointInTime\": {e}"))
}

async fn provision(ctx: &Ctx, key: &Key) {
    let Some(mut current) = cluster::get(ctx, key) else {
        return;
    };
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
        let labels = obj::labels_mut(c);
        labels.insert(
            "clusterdefinition.kubeblocks.io/name".into(),
            "postgresql".into(),
        );
        obj::annotations_mut(c).insert(
            "kubeblocks.io/crd-api-version".into(),
            "apps.kubeblocks.io/v1".into(),
        );
        c["metadata"]["finalizers"] = json!(["cluster.kubeblocks.io/finalizer"]);
        obj::provisioned_status(c, Phase::Creating, &[], &at, &at);
        Ok(())
    });
    if let Some(c) = cluster::get(ctx, key) {
        current = c;
    }
    let mut component = obj::component(&current, &ctx.uid(), &at);
    obj::apply_phase(&mut component, Phase::Creating, &[], &at);
    let component = ctx
        .store
        .create(Kind::Component, component)
        .unwrap_or(Value::Null);
    let ip = format!("10.96.{}.{}", ctx.random(0, 255), ctx.random(1, 255));
    let _ = ctx.store.create(
        Kind::Service,
        obj::service(&current, None, "ClusterIP", "primary", &ctx.uid(), &at, &ip),
    );
    let _ = ctx.store.create(
        Kind::BackupPolicy,
        obj::backup_policy(&current, &ctx.uid(), &at),
    );
    let mut schedule = obj::backup_schedule(
        &current,
        &ctx.uid(),
        &at,
        "0 18 * * *",
        obj::Methods::BaseBackup,
        false,
    );
    // The operator's schedule has an entry for every method of the policy template, all off
    // (docs/kubeblocks.md#schedules): the wal-g ones too, for the wal-g setup.
    if let Some(entries) = schedule
        .pointer_mut("/spec/schedules")
        .and_then(Value::as_array_mut)
    {
        let (full, continuous) = (obj::Methods::WalG.full(), obj::Methods::WalG.continuous());
        entries.push(json!({"name": full, "backupMethod": full, "enabled": false,
            "cronExpression": "0 18 * * *", "retentionPeriod": "7d"}));
        entries.push(
            json!({"name": continuous, "backupMethod": continuous, "enabled": false,
            "cronExpression": "*/5 * * * *", "retentionPeriod": "8d"}),
        );
    }
    let _ = ctx.store.create(Kind::BackupSchedule, schedule);
    ctx.pause(1.0).await;

    if let Some(mut from) = restore_from(&current) {
        let policy = ctx
            .store
            .get_value(Kind::Backup, Some(&from.namespace), &from.backup)
            .and_then(|b| {
                b.pointer("/spec/backupPolicyName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        from.policy = policy;
        if let Err(msg) = restore_data(ctx, key, &current, &component, &from).await {
            let at = ctx.now();
            let _ = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
                obj::apply_phase(c, Phase::Failed, &[], &at);
                let status = obj::ensure_object(c, "status");
                status.insert("message".into(), msg.clone().into());
                Ok(())
            });
            let _ = ctx.store.modify(
                Kind::Component,
                key.ns(),
                &format!("{}-{COMPONENT}", key.name),
                |c| {
                    obj::apply_phase(c, Phase::Failed, &[], &at);
                    Ok(())
                },
            );
            return;
        }
    }

    let replicas = obj::comp_replicas(&current);
    let stopped = obj::comp_spec(&current)
        .and_then(|c| c.get("stop"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let _ = ctx
        .store
        .create(Kind::InstanceSet, obj::instance_set(&current, &at, 0));
    if !stopped {
        join_all((0..replicas).map(|ordinal| {
            let role = if ordinal == 0 { "primary" } else { "secondary" };
            cluster::create_pod(ctx, key, ordinal, Some(role), None)
        }))
        .await;
    }
    if let Some(from) = restore_from(&current) {
        post_ready(ctx, key, &component, &from).await;
        // The restore is done: the operator removes the annotation
        // (docs/kubeblocks.md#restore-annotation).
        let _ = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
            obj::annotations_mut(c).remove(RESTORE_FROM_BACKUP_ANNOTATION);
            Ok(())
        });
    }
    if !stopped {
        let ready = replicas;
        let _ = ctx.store.modify(
            Kind::InstanceSet,
            key.ns(),
            &format!("{}-{}", key.name, obj::COMPONENT),
            |s| {
                s["status"]["readyReplicas"] = ready.into();
                s["status"]["availableReplicas"] = ready.into();
                Ok(())
            },
        );
    }
    cluster::settle(ctx, key);
}

/// The Restore object `<cluster>-<comp>-<uid8>-<stage>`.
fn restore_object(
    ctx: &Ctx,
    key: &Key,
    current: &Value,
    component: &Value,
    from: &RestoreFrom,
    stage: &str,
) -> Value {
    let uid8: String = current
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(8)
        .collect();
    let replicas = obj::comp_replicas(current);
    let mut spec = json!({
        "backup": {"name": from.backup, "namespace": from.namespace},
        "backoffLimit": 2,
    });
    if let Some(t) = &from.restore_time {
        spec["restoreTime"] = t.clone().into();
    }
    if stage == "preparedata" {
        spec["prepareDataConfig"] = json!({
            "volumeClaimRestorePolicy": "Parallel",
            "requiredPolicyForAllPodSelection": {"dataRestorePolicy": "OneToOne"},
            "volumeClaimsTemplate": {
                "replicas": replicas,
                "startingIndex": 0,
                "templates": [{
                    "metadata": {
                        "name": format!("{}-{}-{COMPONENT}", obj::VCT, key.name),
                        "labels": {
                            "app.kubernetes.io/instance": key.name,
                            "app.kubernetes.io/managed-by": "kubeblocks",
                            "apps.kubeblocks.io/component-name": COMPONENT,
                            "apps.kubeblocks.io/vct-name": obj::VCT,
                        },
                    },
                    "volumeClaimSpec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": obj::STORAGE_CLASS,
                        "resources": {"requests": {"storage": obj::comp_storage(current)}},
                    },
                    "volumeSource": obj::VCT,
                }],
            },
        });
    } else {
        spec["readyConfig"] = json!({"jobAction": {"target": {"podSelector": {"matchLabels": {
            "app.kubernetes.io/instance": key.name,
            "apps.kubeblocks.io/component-name": COMPONENT,
            "kubeblocks.io/role": "primary",
        }}}}});
    }
    let at = ctx.now();
    json!({
        "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
        "kind": "Restore",
        "metadata": {
            "name": format!("{}-{COMPONENT}-{uid8}-{stage}", key.name),
            "namespace": key.ns,
            "uid": ctx.uid(),
            "creationTimestamp": at,
            "labels": {
                "app.kubernetes.io/instance": key.name,
                "app.kubernetes.io/managed-by": "kubeblocks",
                "apps.kubeblocks.io/component-name": COMPONENT,
            },
            "ownerReferences": [obj::owner(
                "apps.kubeblocks.io/v1",
                "Component",
                &format!("{}-{COMPONENT}", key.name),
                component.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default(),
            )],
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "startTimestamp": at,
            "conditions": [
                obj::condition("CheckBackupRepo", true, "CheckBackupRepoSuccessfully", "", &at),
            ],
        },
    })
}

fn restore_uid(restore: &Value) -> String {
    restore
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(8)
        .collect()
}

/// The prepareData stage: validates the backup and restore time, then runs the jobs (base
/// full backup, then WAL replay for a point in time).
async fn restore_data(
    ctx: &Ctx,
    key: &Key,
    current: &Value,
    component: &Value,
    from: &RestoreFrom,
) -> Result<(), String> {
    let restore = restore_object(ctx, key, current, component, from, "preparedata");
    let name = restore
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let ruid = restore_uid(&restore);
    let _ = ctx.store.create(Kind::Restore, restore);
    ctx.pause(1.0).await;
    let backup = ctx
        .store
        .get_value(Kind::Backup, Some(&from.namespace), &from.backup);
    let mut steps: Vec<String> = Vec::new();
    let checked: Result<(), String> = match &backup {
        None => Err(format!(
            "backup {} not found in namespace {}",
            from.backup, from.namespace
        )),
        Some(b) if crate::operator::backups::is_continuous(b) => match &from.restore_time {
            None => Err("restoreTime is required for a continuous backup".to_string()),
            Some(t) => parse_time(ctx, t)
                .and_then(|t| pitr_base(ctx, b, t))
                .map(|base| {
                    steps.push(base);
                    steps.push(from.backup.clone());
                }),
        },
        Some(b) => match b.pointer("/status/phase").and_then(Value::as_str) {
            Some("Completed") => {
                steps.push(from.backup.clone());
                Ok(())
            }
            other => Err(format!(
                "backup {} status is {}, only completed backup can be used to restore",
                from.backup,
                other.unwrap_or_default()
            )),
        },
    };
    let at = ctx.now();
    if let Err(msg) = &checked {
        let _ = ctx.store.modify(Kind::Restore, key.ns(), &name, |r| {
            let s = obj::ensure_object(r, "status");
            s.insert("phase".into(), "Failed".into());
            s.insert("completionTimestamp".into(), at.clone().into());
            obj::set_condition(
                s,
                obj::condition("ValidationPassed", false, "ValidateFailed", msg, &at),
            );
            Ok(())
        });
        return checked;
    }
    let _ = ctx.store.modify(Kind::Restore, key.ns(), &name, |r| {
        let s = obj::ensure_object(r, "status");
        obj::set_condition(
            s,
            obj::condition(
                "ValidationPassed",
                true,
                "ValidateSuccessfully",
                "validate restore spec successfully",
                &at,
            ),
        );
        obj::set_condition(
            s,
            obj::condition(
                "PrepareData",
                false,
                "Processing",
                "processing prepareData stage.",
                &at,
            ),
        );
        Ok(())
    });
    let replicas = obj::comp_replicas(current);
    let mut actions: Vec<Value> = Vec::new();
    for (step, backup_name) in steps.iter().enumerate() {
        let started = ctx.now();
        let job = |i: usize| format!("Job/restore-preparedata-{ruid}-{backup_name}-{i}");
        let running: Vec<Value> = (0..replicas)
            .map(|i| {
                json!({
                    "name": format!("prepareData-{step}"),
                    "backupName": backup_name,
                    "objectKey": job(i),
                    "status": "Processing",
                    "startTime": started,
                    "message": format!("\"{}\" is processing", job(i)),
                })
            })
            .collect();
        let with_running: Vec<Value> = actions.iter().cloned().chain(running).collect();
        let _ = ctx.store.modify(Kind::Restore, key.ns(), &name, |r| {
            r["status"]["actions"] = json!({"prepareData": with_running});
            Ok(())
        });
        ctx.pause(PREPARE_SECS).await;
        let ended = ctx.now();
        for i in 0..replicas {
            actions.push(json!({
                "name": format!("prepareData-{step}"),
                "backupName": backup_name,
                "objectKey": job(i),
                "status": "Completed",
                "startTime": started,
                "endTime": ended,
                "message": format!("successfully processed the \"{}\"", job(i)),
            }));
        }
    }
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Restore, key.ns(), &name, |r| {
        r["status"]["actions"] = json!({"prepareData": actions});
        let s = obj::ensure_object(r, "status");
        s.insert("phase".into(), "Completed".into());
        s.insert("completionTimestamp".into(), at.clone().into());
        obj::set_condition(
            s,
            obj::condition(
                "PrepareData",
                true,
                "Succeed",
                "successfully processed prepareData stage.",
                &at,
            ),
        );
        Ok(())
    });
    Ok(())
}

/// The postReady stage, once the pods run.
async fn post_ready(ctx: &Ctx, key: &Key, component: &Value, from: &RestoreFrom) {
    let Some(current) = cluster::get(ctx, key) else {
        return;
    };
    let restore = restore_object(ctx, key, &current, component, from, "postready");
    let name = restore
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let _ = ctx.store.create(Kind::Restore, restore);
    ctx.pause(POST_READY_SECS).await;
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Restore, key.ns(), &name, |r| {
        let s = obj::ensure_object(r, "status");
        s.insert("phase".into(), "Completed".into());
        s.insert("completionTimestamp".into(), at.clone().into());
        obj::set_condition(
            s,
            obj::condition(
                "PostReady",
                true,
                "Succeed",
                "successfully processed postReady stage.",
                &at,
            ),
        );
        Ok(())
    });
}

/// Removes what a deleted Cluster owned (pods, PVCs, component, services, backup policy and
/// schedule) and stops its continuous archiving; its backups stay (terminationPolicy Delete
/// keeps backups, only WipeOut would remove them).
pub(crate) async fn tear_down(ctx: Arc<Ctx>, key: Key) {
    tear_down_owned(&ctx, &key);
}

/// What [`tear_down`] does, for a deletion that goes on after it (`operator::deletion`).
pub(crate) fn tear_down_owned(ctx: &Ctx, key: &Key) {
    for kind in [
        Kind::Pod,
        Kind::PersistentVolumeClaim,
        Kind::InstanceSet,
        Kind::Component,
        Kind::Service,
        Kind::BackupSchedule,
        Kind::BackupPolicy,
    ] {
        let owned: Vec<String> = ctx
            .store
            .list(kind, key.ns())
            .0
            .iter()
            .filter(|o| o.label("app.kubernetes.io/instance") == Some(key.name.as_str()))
            .map(|o| o.name.to_string())
            .collect();
        for name in owned {
            let _ = ctx.store.delete(kind, key.ns(), &name);
        }
    }
    ctx.forget_schedule(&Key::new(&key.ns, &obj::schedule_name(&key.name)));
    // Continuous archiving stops with the cluster; the backups themselves stay.
    let running: Vec<String> = ctx
        .store
        .list(Kind::Backup, key.ns())
        .0
        .iter()
        .filter(|o| {
            o.label("app.kubernetes.io/instance") == Some(key.name.as_str())
                && o.label("dataprotection.kubeblocks.io/backup-type") == Some("Continuous")
        })
        .map(|o| o.name.to_string())
        .collect();
    let at = ctx.store.now();
    for name in running {
        let _ = ctx.store.modify(Kind::Backup, key.ns(), &name, |b| {
            if b.pointer("/status/phase").and_then(Value::as_str) == Some("Running") {
                let retention = b
                    .pointer("/spec/retentionPeriod")
                    .and_then(Value::as_str)
                    .unwrap_or("7d")
                    .to_string();
                obj::backup_completed(b, at, &retention);
            }
            Ok(())
        });
    }
}
