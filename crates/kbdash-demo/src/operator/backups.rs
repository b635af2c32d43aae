//! Backups as the dataprotection controller runs them: on-demand and scheduled full backups
//! go New -> Running -> Completed; continuous ones stay Running and their `timeRange.end`
//! follows the clock; BackupSchedules start and stop continuous archiving and fire full
//! backups on their cron.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::cluster;
use super::ctx::{CronEntry, Ctx, Key, lock};
use super::objects as obj;
use super::ticker;
use crate::store::timestamp;
use kbdash_core::domain::cron::parse_cron;
use kbdash_core::kinds::Kind;

/// Simulated seconds of a full backup's phases.
const NEW_SECS: f64 = 1.0;
const FULL_BACKUP_SECS: f64 = 20.0;

/// Whether a Backup object is a continuous one: its `backup-type` label, which the controller
/// sets from the method's ActionSet.
pub(crate) fn is_continuous(backup: &Value) -> bool {
    backup
        .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-type")
        .and_then(Value::as_str)
        == Some("Continuous")
}

/// Whether a Running continuous backup's archiver uploads WAL, so its end advances: not on
/// the demo's idle database, nor once its StatefulSet has no available pod.
pub(crate) fn archives(backup: &Value) -> bool {
    let annotated = |key: &str| {
        backup
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .is_some()
    };
    let down = backup
        .pointer("/status/actions/0/availableReplicas")
        .and_then(Value::as_u64)
        == Some(0);
    !annotated(crate::seed::IDLE_ANNOTATION) && !down
}

/// The type of backup `method` of `policy` makes, as the dataprotection controller decides it:
/// the `spec.backupType` of the method's ActionSet (Full for a method that only snapshots
/// volumes); `None` when the policy or ActionSet does not say.
pub(crate) fn method_type(ctx: &Ctx, policy: &Value, method: &str) -> Option<String> {
    let m = policy
        .pointer("/spec/backupMethods")?
        .as_array()?
        .iter()
        .find(|m| m.get("name").and_then(Value::as_str) == Some(method))?;
    match m.get("actionSetName").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => ctx
            .store
            .get_value(Kind::ActionSet, None, name)?
            .pointer("/spec/backupType")?
            .as_str()
            .map(str::to_string),
        _ if m.get("snapshotVolumes").and_then(Value::as_bool) == Some(true) => {
            Some("Full".to_string())
        }
        _ => None,
    }
}

/// Runs one new Backup to Completed (or Running, for a continuous one).
pub(crate) async fn run_backup(ctx: Arc<Ctx>, key: Key) {
    backup_lifecycle(&ctx, &key).await;
    ctx.end(Kind::Backup, &key);
}

fn fail(ctx: &Ctx, key: &Key, reason: &str) {
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Backup, key.ns(), &key.name, |b| {
        let s = obj::ensure_object(b, "status");
        s.insert("phase".into(), "Failed".into());
        s.insert("failureReason".into(), reason.into());
        s.insert("completionTimestamp".into(), at.into());
        Ok(())
    });
}

async fn backup_lifecycle(ctx: &Ctx, key: &Key) {
    let Some(backup) = ctx.store.get_value(Kind::Backup, key.ns(), &key.name) else {
        return;
    };
    let policy_name = backup
        .pointer("/spec/backupPolicyName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let method = backup
        .pointer("/spec/backupMethod")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(policy) = ctx
        .store
        .get_value(Kind::BackupPolicy, key.ns(), policy_name)
    else {
        return fail(
            ctx,
            key,
            &format!("backuppolicies.dataprotection.kubeblocks.io \"{policy_name}\" not found"),
        );
    };
    let methods = obj::names_at(&policy, "/spec/backupMethods");
    if !methods.contains(&method.as_str()) {
        return fail(
            ctx,
            key,
            &format!("backupPolicy {policy_name} does not have the backup method {method}"),
        );
    }
    let Some(backup_type) = method_type(ctx, &policy, &method) else {
        return fail(
            ctx,
            key,
            &format!("the ActionSet of backup method {method} is not found"),
        );
    };
    let continuous = backup_type == "Continuous";
    let cluster_name = policy
        .pointer("/metadata/labels/app.kubernetes.io~1instance")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let cluster_key = Key::new(&key.ns, cluster_name);
    let Some(cluster_obj) = cluster::get(ctx, &cluster_key) else {
        return fail(
            ctx,
            key,
            &format!("clusters.apps.kubeblocks.io \"{cluster_name}\" not found"),
        );
    };
    // Labels and annotations the controller adds, then phase New.
    let template = obj::backup(&obj::BackupInput {
        cluster: &cluster_obj,
        name: &key.name,
        uid: "",
        method: &method,
        created: "",
        schedule: None,
        retention: "",
        accounts: &obj::encrypted_accounts(|| ctx.random(0, u64::MAX)),
    });
    let _ = ctx.store.modify(Kind::Backup, key.ns(), &key.name, |b| {
        let labels = obj::labels_mut(b);
        if let Some(t) = template
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
        {
            for (k, v) in t {
                labels.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        labels.insert(
            "dataprotection.kubeblocks.io/backup-type".into(),
            backup_type.clone().into(),
        );
        let annotations = obj::annotations_mut(b);
        if let Some(t) = template
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
        {
            for (k, v) in t {
                annotations.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        b["metadata"]["finalizers"] = json!(["dataprotection.kubeblocks.io/finalizer"]);
        obj::ensure_object(b, "status").insert("phase".into(), "New".into());
        Ok(())
    });
    ctx.pause(NEW_SECS).await;

    let pods = cluster::pods(ctx, &cluster_key);
    let role_of = |r: &str| {
        pods.iter()
            .find(|p| obj::pod_role(p).as_deref() == Some(r) && obj::pod_ready(p))
            .map(|p| cluster::name_of(p).to_string())
    };
    let target = if continuous {
        role_of("primary")
    } else {
        role_of("secondary").or_else(|| role_of("primary"))
    };
    let Some(target) = target else {
        return fail(
            ctx,
            key,
            &format!(
                "no available pod found for backup target of cluster {cluster_name}: the cluster has no ready instance"
            ),
        );
    };
    let started = ctx.now();
    let size_base = 40 * 1024 * 1024 + ctx.random(0, 2 * 1024 * 1024 * 1024);
    let _ = ctx.store.modify(Kind::Backup, key.ns(), &key.name, |b| {
        obj::backup_running_status(b, &cluster_obj, &target, &started);
        if continuous {
            obj::backup_progress(b, &started, &started, size_base / 8);
        }
        Ok(())
    });
    if continuous {
        ctx.watch_continuous(key.clone());
        return;
    }
    ctx.pause(FULL_BACKUP_SECS).await;
    let end = ctx.store.now();
    let retention = backup
        .pointer("/spec/retentionPeriod")
        .and_then(Value::as_str)
        .unwrap_or("7d")
        .to_string();
    let snapshot_of = (method == "volume-snapshot").then(|| obj::comp_storage(&cluster_obj));
    let _ = ctx.store.modify(Kind::Backup, key.ns(), &key.name, |b| {
        obj::backup_progress(b, &started, &timestamp(end), size_base);
        if let Some(size) = &snapshot_of {
            obj::snapshot_size(b, size);
        }
        obj::backup_completed(b, end, &retention);
        Ok(())
    });
    let schedule = backup
        .pointer("/metadata/labels/dataprotection.kubeblocks.io~1backup-schedule")
        .and_then(Value::as_str);
    if let Some(schedule) = schedule {
        let _ = ctx
            .store
            .modify(Kind::BackupSchedule, key.ns(), schedule, |s| {
                let entry = entry_name(s, &method);
                s["status"]["schedules"][&entry]["lastSuccessfulTime"] = timestamp(end).into();
                Ok(())
            });
    }
}

/// The status key of `schedule`'s entry for `method`: its name, else the method.
fn entry_name(schedule: &Value, method: &str) -> String {
    schedule
        .pointer("/spec/schedules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| e.get("backupMethod").and_then(Value::as_str) == Some(method))
        .and_then(|e| e.get("name").and_then(Value::as_str))
        .filter(|n| !n.is_empty())
        .unwrap_or(method)
        .to_string()
}

/// Refreshes the Running continuous backups' `timeRange.end`, for ever.
pub(crate) async fn run_continuous_ticker(ctx: Arc<Ctx>) {
    let interval = ctx.pacing.continuous_interval_secs;
    ticker::round_robin(
        ctx,
        |c| &c.continuous,
        |c| &c.continuous_added,
        interval,
        refresh_continuous,
    )
    .await;
}

/// Moves one continuous backup's window end to now; false once it no longer archives (no
/// longer Running, or its archiver lost its pod).
fn refresh_continuous(ctx: &Ctx, key: &Key) -> bool {
    let now = ctx.now();
    let grow = ctx.random(4096, 4 * 1024 * 1024);
    let mut running = false;
    let _ = ctx.store.modify(Kind::Backup, key.ns(), &key.name, |b| {
        if b.pointer("/status/phase").and_then(Value::as_str) != Some("Running") {
            return Ok(());
        }
        let fails_at = b
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(crate::seed::ARCHIVER_FAILS_ANNOTATION))
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        if fails_at.is_some_and(|t| t <= ctx.store.now()) {
            // The StatefulSet loses its pod: the action stays Running with no available
            // replica, and no WAL is uploaded any more (kbcli: Running(AvailablePods: 0)).
            if let Some(action) = b.pointer_mut("/status/actions/0") {
                action["availableReplicas"] = 0.into();
            }
            return Ok(());
        }
        running = true;
        let start = b
            .pointer("/status/timeRange/start")
            .and_then(Value::as_str)
            .unwrap_or(&now)
            .to_string();
        let size = b
            .pointer("/status/totalSize")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        obj::backup_progress(b, &start, &now, size + grow);
        Ok(())
    });
    running
}

/// Whether the cluster's component is stopped.
fn is_stopped(cluster: &Value) -> bool {
    obj::comp_spec(cluster)
        .and_then(|c| c.get("stop"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Ends a continuous backup that is Running: Completed now, its window's end where the last
/// uploaded WAL left it (docs/kubeblocks.md#continuous-backup).
fn complete_continuous(ctx: &Ctx, ns: Option<&str>, name: &str, retention: &str) {
    let at = ctx.store.now();
    let _ = ctx.store.modify(Kind::Backup, ns, name, |b| {
        if b.pointer("/status/phase").and_then(Value::as_str) == Some("Running") {
            obj::backup_completed(b, at, retention);
        }
        Ok(())
    });
}

/// A cluster was stopped: its continuous backups turn Completed, as they do in the real
/// operator (docs/kubeblocks.md#continuous-backup), and their end stops advancing.
pub(crate) fn stop_archiving(ctx: &Ctx, cluster: &Key) {
    let (backups, _) = ctx.store.list(Kind::Backup, cluster.ns());
    for b in backups
        .iter()
        .filter(|b| b.label("app.kubernetes.io/instance") == Some(cluster.name.as_str()))
        .map(|b| b.value())
        .filter(is_continuous)
    {
        let retention = b
            .pointer("/spec/retentionPeriod")
            .and_then(Value::as_str)
            .unwrap_or("8d");
        complete_continuous(ctx, cluster.ns(), cluster::name_of(&b), retention);
    }
}

/// A stopped cluster was started: its schedules are applied again, so an enabled continuous
/// method archives anew. What the real operator does then is not recorded
/// (docs/kubeblocks.md#continuous-backup); the demo starts a new archive, as when an entry is
/// enabled again.
pub(crate) fn resume_archiving(ctx: &Ctx, cluster: &Key) {
    let (schedules, _) = ctx.store.list(Kind::BackupSchedule, cluster.ns());
    for s in schedules
        .iter()
        .filter(|s| s.label("app.kubernetes.io/instance") == Some(cluster.name.as_str()))
    {
        sync_schedule(ctx, &s.value());
    }
}

/// Applies a BackupSchedule: continuous methods enabled get their Running backup (none while
/// the cluster is stopped), disabled ones have it stopped; enabled full methods are registered
/// with the cron loop.
pub(crate) fn sync_schedule(ctx: &Ctx, schedule: &Value) {
    let key = Key::from_value(schedule);
    let policy_name = schedule
        .pointer("/spec/backupPolicyName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(policy) = ctx
        .store
        .get_value(Kind::BackupPolicy, key.ns(), policy_name)
    else {
        return;
    };
    let cluster_name = policy
        .pointer("/metadata/labels/app.kubernetes.io~1instance")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(cluster_obj) = cluster::get(ctx, &Key::new(&key.ns, &cluster_name)) else {
        return;
    };
    let cluster_uid = cluster_obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let stopped_cluster = is_stopped(&cluster_obj);
    let entries = schedule
        .pointer("/spec/schedules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut crons = Vec::new();
    let mut phases = Vec::new();
    for e in &entries {
        let method = e
            .get("backupMethod")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = e
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(method);
        let enabled = e.get("enabled").and_then(Value::as_bool).unwrap_or(false);
        let retention = e
            .get("retentionPeriod")
            .and_then(Value::as_str)
            .unwrap_or("7d");
        // The scheduler asks the method's ActionSet whether it archives continuously.
        if method_type(ctx, &policy, method).as_deref() == Some("Continuous") {
            let name = obj::continuous_backup_name(cluster_uid, &key.name, &key.ns, method);
            let existing = ctx.store.get_value(Kind::Backup, key.ns(), &name);
            let phase = existing
                .as_ref()
                .and_then(|b| b.pointer("/status/phase"))
                .and_then(Value::as_str);
            if stopped_cluster {
                // Nothing to archive from: the cluster's archive ended when it stopped.
                complete_continuous(ctx, key.ns(), &name, retention);
                continue;
            }
            // Re-enabling after a stop starts a new archive (and so a new window): the stopped
            // one, under the same deterministic name, is replaced.
            let stopped = matches!(phase, Some("Completed" | "Failed"));
            if enabled && stopped {
                let _ = ctx.store.delete(Kind::Backup, key.ns(), &name);
            }
            if enabled && (existing.is_none() || stopped) {
                let mut backup = obj::backup(&obj::BackupInput {
                    cluster: &cluster_obj,
                    name: &name,
                    uid: &ctx.uid(),
                    method,
                    created: &ctx.now(),
                    schedule: Some(&key.name),
                    retention,
                    accounts: &obj::encrypted_accounts(|| ctx.random(0, u64::MAX)),
                });
                if let Some(m) = backup.as_object_mut() {
                    m.remove("status");
                }
                let _ = ctx.store.create(Kind::Backup, backup);
            } else if !enabled && phase == Some("Running") {
                let at = ctx.store.now();
                let _ = ctx.store.modify(Kind::Backup, key.ns(), &name, |b| {
                    obj::backup_completed(b, at, retention);
                    Ok(())
                });
            }
        } else if enabled {
            let expression = e
                .get("cronExpression")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match parse_cron(expression) {
                Ok(cron) => crons.push(CronEntry {
                    name: name.to_string(),
                    method: method.to_string(),
                    expression: expression.to_string(),
                    cron,
                    next: cron.next_after(ctx.store.now()),
                    retention: retention.to_string(),
                    cluster: cluster_name.clone(),
                }),
                Err(_) => {
                    phases.push((name.to_string(), "Failed"));
                    continue;
                }
            }
        }
        if enabled {
            phases.push((name.to_string(), "Running"));
        }
    }
    {
        // An unchanged entry keeps its next fire time (status writes re-trigger this sync).
        let mut schedules = lock(&ctx.schedules);
        if let Some(old) = schedules.get(&key) {
            for entry in crons.iter_mut() {
                if let Some(o) = old
                    .iter()
                    .find(|o| o.name == entry.name && o.expression == entry.expression)
                {
                    entry.next = o.next;
                }
            }
        }
        schedules.insert(key.clone(), crons);
    }
    let _ = ctx
        .store
        .modify(Kind::BackupSchedule, key.ns(), &key.name, |s| {
            let status = obj::ensure_object(s, "status");
            let all_ok = phases.iter().all(|(_, p)| *p == "Running");
            status.insert(
                "phase".into(),
                if all_ok { "Available" } else { "Failed" }.into(),
            );
            let per = status.entry("schedules").or_insert_with(|| json!({}));
            for (method, phase) in &phases {
                per[method.as_str()]["phase"] = (*phase).into();
            }
            Ok(())
        });
}

/// Fires full backups when their schedule's next time has come by the store's clock.
pub(crate) async fn run_cron(ctx: Arc<Ctx>) {
    loop {
        fire_due(&ctx, ctx.store.now());
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

fn fire_due(ctx: &Ctx, now: DateTime<Utc>) {
    let mut due: Vec<(Key, CronEntry, DateTime<Utc>)> = Vec::new();
    for (key, entries) in lock(&ctx.schedules).iter_mut() {
        for entry in entries.iter_mut() {
            if let Some(at) = entry.next.filter(|t| *t <= now) {
                due.push((key.clone(), entry.clone(), at));
                entry.next = entry.cron.next_after(now);
            }
        }
    }
    for (schedule, entry, at) in due {
        let Some(cluster_obj) = cluster::get(ctx, &Key::new(&schedule.ns, &entry.cluster)) else {
            continue;
        };
        let name = format!("{}-{}", entry.cluster, at.format("%Y%m%d%H%M%S"));
        let mut backup = obj::backup(&obj::BackupInput {
            cluster: &cluster_obj,
            name: &name,
            uid: &ctx.uid(),
            method: &entry.method,
            created: &timestamp(at),
            schedule: Some(&schedule.name),
            retention: &entry.retention,
            accounts: &obj::encrypted_accounts(|| ctx.random(0, u64::MAX)),
        });
        if let Some(m) = backup.as_object_mut() {
            m.remove("status");
        }
        if ctx.store.create(Kind::Backup, backup).is_ok() {
            let _ = ctx
                .store
                .modify(Kind::BackupSchedule, schedule.ns(), &schedule.name, |s| {
                    s["status"]["schedules"][&entry.name]["lastScheduleTime"] =
                        timestamp(at).into();
                    Ok(())
                });
        }
    }
}
