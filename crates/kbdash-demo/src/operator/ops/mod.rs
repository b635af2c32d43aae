//! The OpsRequest lifecycle (docs/kubeblocks.md#ops-lifecycle, #ops-validation): "" -> Pending -> (validation, queue,
//! cluster-phase precondition) -> Creating -> Running -> Succeed | Failed, with one file per op
//! type for its validation and effect.

mod backup;
mod cancel;
mod expose;
mod horizontal;
mod reconfigure;
mod restore;
mod rolling;
pub(crate) mod status;
mod stop_start;
mod switchover;
mod upgrade;
mod vertical;
mod volume;

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::cluster;
use super::ctx::{Ctx, Key};
use super::objects::{self as obj, COMPONENT, Phase};
use kbdash_core::kinds::Kind;

/// Simulated seconds between the lifecycle's first steps.
const STEP_SECS: f64 = 1.0;

/// Why an op stopped short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpError {
    /// Refused by validation: `Validated=False`, reason ValidateFailed.
    Invalid(String),
    /// Failed while acting: condition `Failed`, reason OpsRequestFailed.
    Failed(String),
    /// Ran past `spec.timeoutSeconds`: phase Aborted.
    Aborted(String),
}

/// The OpsRequest being worked on.
pub(crate) struct Op {
    pub(crate) key: Key,
    pub(crate) ty: String,
    /// The target cluster (the one to create, for Restore).
    pub(crate) cluster: Key,
    pub(crate) spec: Value,
}

impl Op {
    fn from_value(v: &Value) -> Op {
        let key = Key::from_value(v);
        let spec = v.get("spec").cloned().unwrap_or(Value::Null);
        Op {
            ty: spec
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            cluster: Key::new(
                &key.ns,
                spec.get("clusterName")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ),
            key,
            spec,
        }
    }

    /// Changes the OpsRequest's status.
    pub(crate) fn status(&self, ctx: &Ctx, f: impl FnOnce(&mut Map<String, Value>)) {
        let _ = ctx
            .store
            .modify(Kind::OpsRequest, self.key.ns(), &self.key.name, |o| {
                f(obj::ensure_object(o, "status"));
                Ok(())
            });
    }

    /// Phase Running with `expected` progress items (`-/-` when the type has none).
    pub(crate) fn running(&self, ctx: &Ctx, expected: Option<usize>) {
        self.status(ctx, |s| {
            s.insert("phase".into(), "Running".into());
            s.insert(
                "progress".into(),
                expected
                    .map_or("-/-".to_string(), |n| format!("0/{n}"))
                    .into(),
            );
            s.insert(
                "components".into(),
                json!({ COMPONENT: {"phase": "Updating"} }),
            );
        });
    }

    /// Adds or replaces (by objectKey) a progress detail and recounts the progress.
    pub(crate) fn detail(&self, ctx: &Ctx, detail: Value) {
        self.status(ctx, |s| {
            let comps = s.entry("components").or_insert_with(|| json!({}));
            let comp = &mut comps[COMPONENT];
            if !comp.is_object() {
                *comp = json!({"phase": "Updating"});
            }
            let list = comp
                .as_object_mut()
                .map(|c| c.entry("progressDetails").or_insert_with(|| json!([])));
            let Some(list) = list.and_then(Value::as_array_mut) else {
                return;
            };
            match list
                .iter_mut()
                .find(|d| d.get("objectKey") == detail.get("objectKey"))
            {
                Some(d) => *d = detail,
                None => list.push(detail),
            }
            let done = list
                .iter()
                .filter(|d| {
                    matches!(
                        d.get("status").and_then(Value::as_str),
                        Some("Succeed" | "Failed")
                    )
                })
                .count();
            let expected = s
                .get("progress")
                .and_then(Value::as_str)
                .and_then(|p| p.split('/').nth(1))
                .map(str::to_string);
            if let Some(n) = expected.filter(|n| n != "-") {
                s.insert("progress".into(), format!("{done}/{n}").into());
            }
        });
    }

    /// Records the cluster's generation after the op changed its spec.
    pub(crate) fn cluster_generation(&self, ctx: &Ctx, cluster: &Value) {
        let generation = cluster
            .pointer("/metadata/generation")
            .cloned()
            .unwrap_or(Value::Null);
        self.status(ctx, |s| {
            s.insert("clusterGeneration".into(), generation);
        });
    }

    /// Records what the op is about to change (`status.lastConfiguration`).
    pub(crate) fn last_configuration(&self, ctx: &Ctx, comp: Value) {
        self.status(ctx, |s| {
            s.insert(
                "lastConfiguration".into(),
                json!({"components": { COMPONENT: comp }}),
            );
        });
    }

    /// The list under `spec.<field>` (an empty list when absent).
    pub(crate) fn items(&self, field: &str) -> Vec<Value> {
        self.spec
            .get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// Runs one OpsRequest to its end.
pub(crate) async fn run(ctx: Arc<Ctx>, key: Key) {
    lifecycle(&ctx, &key).await;
    expire(&ctx, &key).await;
    ctx.end(Kind::OpsRequest, &key);
}

/// Deletes a finished op once its `ttlSecondsAfterSucceed` (or, after any other ending,
/// `ttlSecondsAfterUnsuccessfulCompletion`) has passed, as the controller does.
async fn expire(ctx: &Ctx, key: &Key) {
    let Some(op) = ctx.store.get_value(Kind::OpsRequest, key.ns(), &key.name) else {
        return;
    };
    let field = match op.pointer("/status/phase").and_then(Value::as_str) {
        Some("Succeed") => "ttlSecondsAfterSucceed",
        Some("Failed" | "Cancelled" | "Aborted") => "ttlSecondsAfterUnsuccessfulCompletion",
        _ => return,
    };
    let Some(ttl) = op
        .pointer(&format!("/spec/{field}"))
        .and_then(Value::as_u64)
        .filter(|t| *t > 0)
    else {
        return;
    };
    ctx.pause(ttl as f64).await;
    let _ = ctx.store.delete(Kind::OpsRequest, key.ns(), &key.name);
}

/// Which cluster phases an op type may start in (None: no check). docs/kubeblocks.md#preconditions.
fn allowed_phases(ty: &str) -> Option<&'static [&'static str]> {
    const UP: &[&str] = &["Running", "Abnormal", "Failed"];
    const UP_UPDATING: &[&str] = &["Running", "Abnormal", "Failed", "Updating"];
    match ty {
        "HorizontalScaling" | "VerticalScaling" | "Restart" | "Switchover" | "Upgrade" => Some(UP),
        "Reconfiguring" | "Stop" => Some(UP_UPDATING),
        "Start" => Some(&[
            "Running", "Abnormal", "Failed", "Updating", "Stopped", "Stopping",
        ]),
        "RebuildInstance" => Some(&["Abnormal", "Failed", "Updating"]),
        "Backup" => Some(&["Running", "Updating", "Abnormal"]),
        _ => None,
    }
}

/// How an op type waits for others on the same cluster.
enum Queue {
    ByCluster,
    BySelf,
    None,
}

fn queue_of(ty: &str) -> Queue {
    match ty {
        "VolumeExpansion" | "Expose" => Queue::BySelf,
        "Backup" | "Restore" => Queue::None,
        _ => Queue::ByCluster,
    }
}

async fn lifecycle(ctx: &Ctx, key: &Key) {
    let Some(v) = ctx.store.get_value(Kind::OpsRequest, key.ns(), &key.name) else {
        return;
    };
    let op = Op::from_value(&v);
    let target = cluster::get(ctx, &op.cluster);
    pending(ctx, &op, target.as_ref());
    ctx.pause(STEP_SECS).await;

    let is_restore = op.ty == "Restore";
    let Some(target) = target
        .or_else(|| cluster::get(ctx, &op.cluster))
        .or(is_restore.then_some(Value::Null))
    else {
        let msg = format!("spec.clusterName {} is not found", op.cluster.name);
        return finish(ctx, &op, Err(("ClusterNotFound", msg)));
    };
    if let Err(msg) = validate(ctx, &op, &target) {
        return finish(ctx, &op, Err(("ValidateFailed", msg)));
    }

    let force = op
        .spec
        .get("force")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && op.ty != "Start";
    let enqueue_on_force = op
        .spec
        .get("enqueueOnForce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let lock = match queue_of(&op.ty) {
        Queue::ByCluster if !force || enqueue_on_force => Some(ctx.cluster_lock(&op.cluster)),
        Queue::BySelf => Some(ctx.type_lock(&op.cluster, &op.ty)),
        _ => None,
    };
    let by_self = matches!(queue_of(&op.ty), Queue::BySelf);
    let _turn = match &lock {
        Some(l) => {
            let guard = match l.clone().try_lock_owned() {
                Ok(guard) => guard,
                Err(_) => {
                    queue_entry(
                        ctx,
                        &op,
                        Some(QueueEntry {
                            in_queue: true,
                            by_self,
                        }),
                    );
                    l.clone().lock_owned().await
                }
            };
            queue_entry(
                ctx,
                &op,
                Some(QueueEntry {
                    in_queue: false,
                    by_self,
                }),
            );
            Some(guard)
        }
        None => None,
    };

    if !force && let Err(msg) = precondition(ctx, &op).await {
        return finish(ctx, &op, Err(("ValidateFailed", msg)));
    }

    let at = ctx.now();
    op.status(ctx, |s| {
        s.insert("phase".into(), "Creating".into());
        s.insert("startTimestamp".into(), at.clone().into());
        let conditions = s.entry("conditions").or_insert_with(|| json!([]));
        if let Some(list) = conditions.as_array_mut() {
            list.push(status::validated(&op.key.name, &at));
            list.push(status::started(&op.ty, &op.cluster.name, &at));
        }
    });
    ctx.pause(STEP_SECS).await;

    let timeout = op
        .spec
        .get("timeoutSeconds")
        .and_then(Value::as_u64)
        .filter(|t| *t > 0);
    let work = async {
        match timeout {
            Some(secs) => tokio::time::timeout(ctx.real(secs as f64), act(ctx, &op))
                .await
                .unwrap_or_else(|_| {
                    Err(OpError::Aborted(
                        "Aborted due to exceeding the specified timeout period (timeoutSeconds)"
                            .to_string(),
                    ))
                }),
            None => act(ctx, &op).await,
        }
    };
    let result = if cancel::cancellable(&op.ty) {
        tokio::select! {
            result = work => result,
            () = cancel::requested(ctx, &op) => {
                cancel::run(ctx, &op).await;
                queue_entry(ctx, &op, None);
                return;
            }
        }
    } else {
        work.await
    };
    let outcome = match result {
        Ok(()) => Ok(()),
        Err(OpError::Invalid(msg)) => Err(("ValidateFailed", msg)),
        Err(OpError::Failed(msg)) => Err(("OpsRequestFailed", msg)),
        Err(OpError::Aborted(msg)) => Err(("Aborted", msg)),
    };
    finish(ctx, &op, outcome);
}

/// An op's entry in the cluster's `kubeblocks.io/ops-request` annotation.
struct QueueEntry {
    in_queue: bool,
    by_self: bool,
}

/// The most entries KubeBlocks keeps in the annotation.
const QUEUE_ANNOTATION_MAX: usize = 20;

/// Adds, updates or (with None) removes the op in the cluster's `kubeblocks.io/ops-request`
/// annotation, a JSON array of `{"name","type","inQueue"?,"queueBySelf"?}`.
fn queue_entry(ctx: &Ctx, op: &Op, entry: Option<QueueEntry>) {
    const KEY: &str = "kubeblocks.io/ops-request";
    let _ = ctx
        .store
        .modify(Kind::Cluster, op.cluster.ns(), &op.cluster.name, |c| {
            let annotations = obj::annotations_mut(c);
            let mut list: Vec<Value> = annotations
                .get(KEY)
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            list.retain(|e| e.get("name").and_then(Value::as_str) != Some(op.key.name.as_str()));
            if let Some(entry) = entry {
                let mut v = json!({"name": op.key.name, "type": op.ty});
                if entry.in_queue {
                    v["inQueue"] = true.into();
                }
                if entry.by_self {
                    v["queueBySelf"] = true.into();
                }
                list.push(v);
                list.truncate(QUEUE_ANNOTATION_MAX);
            }
            if list.is_empty() {
                annotations.remove(KEY);
            } else {
                annotations.insert(KEY.into(), Value::Array(list).to_string().into());
            }
            Ok(())
        });
}

/// Phase Pending, the controller's labels and the owner reference.
fn pending(ctx: &Ctx, op: &Op, cluster: Option<&Value>) {
    let at = ctx.now();
    let _ = ctx
        .store
        .modify(Kind::OpsRequest, op.key.ns(), &op.key.name, |o| {
            let labels = obj::labels_mut(o);
            labels.insert(
                "app.kubernetes.io/instance".into(),
                op.cluster.name.clone().into(),
            );
            labels.insert(
                "operations.kubeblocks.io/ops-type".into(),
                op.ty.clone().into(),
            );
            if let Some(uid) = cluster
                .and_then(|c| c.pointer("/metadata/uid"))
                .and_then(Value::as_str)
            {
                o["metadata"]["ownerReferences"] = json!([{
                    "apiVersion": "apps.kubeblocks.io/v1",
                    "kind": "Cluster",
                    "name": op.cluster.name,
                    "uid": uid,
                }]);
            }
            o["metadata"]["finalizers"] = json!(["opsrequest.kubeblocks.io/finalizer"]);
            let s = obj::ensure_object(o, "status");
            s.insert("phase".into(), "Pending".into());
            s.insert("progress".into(), "-/-".into());
            s.insert(
                "conditions".into(),
                json!([status::waiting(&op.key.name, &op.cluster.name, &at)]),
            );
            Ok(())
        });
}

/// The cluster-phase precondition, waiting up to `spec.preConditionDeadlineSeconds`.
async fn precondition(ctx: &Ctx, op: &Op) -> Result<(), String> {
    let Some(allowed) = allowed_phases(&op.ty) else {
        return Ok(());
    };
    let deadline = op
        .spec
        .get("preConditionDeadlineSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let mut waited = 0;
    loop {
        let phase = cluster::get(ctx, &op.cluster)
            .and_then(|c| {
                c.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        if allowed.contains(&phase.as_str()) {
            return Ok(());
        }
        if waited >= deadline {
            return Err(format!(
                "OpsRequest.spec.type={} is forbidden when Cluster.status.phase={phase}",
                op.ty
            ));
        }
        ctx.pause(1.0).await;
        waited += 1;
    }
}

/// Writes the terminal phase; on success (and on failure after the op touched the cluster)
/// the cluster settles back to the phase its pods call for.
fn finish(ctx: &Ctx, op: &Op, outcome: Result<(), (&str, String)>) {
    let at = ctx.now();
    let started = ctx
        .store
        .get_value(Kind::OpsRequest, op.key.ns(), &op.key.name)
        .and_then(|o| o.pointer("/status/startTimestamp").cloned())
        .is_some();
    op.status(ctx, |s| {
        let condition = match &outcome {
            Ok(()) => status::succeed(&op.key.name, &op.cluster.name, &at),
            Err(("OpsRequestFailed", msg)) => status::failed(msg, &at),
            Err(("Aborted", msg)) => status::aborted(msg, &at),
            Err((reason, msg)) => status::validate_failed(reason, msg, &at),
        };
        s.insert(
            "phase".into(),
            match &outcome {
                Ok(()) => "Succeed",
                Err(("Aborted", _)) => "Aborted",
                Err(_) => "Failed",
            }
            .into(),
        );
        s.insert("completionTimestamp".into(), at.clone().into());
        let conditions = s.entry("conditions").or_insert_with(|| json!([]));
        if let Some(list) = conditions.as_array_mut() {
            // A validation failure replaces the Validated=True condition it contradicts.
            if condition["type"] == "Validated" {
                list.retain(|c| c["type"] != "Validated");
            }
            list.push(condition);
        }
        if let Some(comp) = s.get_mut("components").and_then(|c| c.get_mut(COMPONENT)) {
            let phase = match (&outcome, op.ty.as_str()) {
                (Err(_), _) => "Failed",
                (Ok(()), "Stop") => "Stopped",
                (Ok(()), "Switchover" | "Expose") => "Updating",
                _ => "Running",
            };
            comp["phase"] = phase.into();
        }
    });
    if !matches!(queue_of(&op.ty), Queue::None) {
        queue_entry(ctx, op, None);
    }
    let touched = started && !matches!(op.ty.as_str(), "Backup" | "Restore");
    if touched && cluster::get(ctx, &op.cluster).is_some() {
        cluster::settle(ctx, &op.cluster);
    }
}

/// The names of components a list-type spec names that the cluster does not have.
fn unknown_components(cluster: &Value, items: &[Value]) -> Result<(), String> {
    let known = obj::names_at(cluster, "/spec/componentSpecs");
    let missing: Vec<&str> = items
        .iter()
        .filter_map(|i| i.get("componentName").and_then(Value::as_str))
        .filter(|n| !known.contains(n))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "components: [{}] not found, in cluster.spec.componentSpecs or cluster.spec.shardingSpecs",
            missing.join(" ")
        ))
    }
}

/// The component an item of a list-type spec names (`componentName`); the addon's only
/// component when it names none.
pub(crate) fn item_component(item: &Value) -> &str {
    item.get("componentName")
        .and_then(Value::as_str)
        .unwrap_or(COMPONENT)
}

/// `"<field>" can not be empty` when a list-type spec is empty.
fn non_empty(items: &[Value], field: &str) -> Result<(), String> {
    if items.is_empty() {
        Err(format!("\"{field}\" can not be empty"))
    } else {
        Ok(())
    }
}

/// The per-type checks that run before the op is queued (Validated=False on failure).
fn validate(ctx: &Ctx, op: &Op, cluster: &Value) -> Result<(), String> {
    let list = |field: &str| -> Result<Vec<Value>, String> {
        let items = op.items(field);
        non_empty(&items, field)?;
        unknown_components(cluster, &items)?;
        Ok(items)
    };
    match op.ty.as_str() {
        "HorizontalScaling" => horizontal::validate(cluster, &list("horizontalScaling")?),
        "VerticalScaling" => vertical::validate(&list("verticalScaling")?),
        "VolumeExpansion" => volume::validate(ctx, op, cluster, &list("volumeExpansion")?),
        "Switchover" => switchover::validate(&list("switchover")?),
        "Restart" => list("restart").map(|_| ()),
        "Stop" | "Start" => Ok(()),
        "Reconfiguring" => list("reconfigures").map(|_| ()),
        "Expose" => list("expose").map(|_| ()),
        "Upgrade" => {
            let items = op
                .spec
                .pointer("/upgrade/components")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            non_empty(&items, "upgrade.components")?;
            unknown_components(cluster, &items)
        }
        "Restore" => restore::validate(ctx, op),
        "Backup" => Ok(()),
        other => Err(format!(
            "OpsRequest.spec.type={other} is not supported by the demo operator"
        )),
    }
}

/// The op's effect.
async fn act(ctx: &Ctx, op: &Op) -> Result<(), OpError> {
    let phase = match op.ty.as_str() {
        "Stop" => Some(Phase::Stopping),
        "Backup" | "Restore" => None,
        _ => Some(Phase::Updating),
    };
    if let Some(phase) = phase {
        cluster::set_phase(ctx, &op.cluster, phase);
    }
    match op.ty.as_str() {
        "Restart" => rolling::restart(ctx, op).await,
        "VerticalScaling" => vertical::run(ctx, op).await,
        "HorizontalScaling" => horizontal::run(ctx, op).await,
        "Switchover" => switchover::run(ctx, op).await,
        "VolumeExpansion" => volume::run(ctx, op).await,
        "Stop" => stop_start::stop(ctx, op).await,
        "Start" => stop_start::start(ctx, op).await,
        "Upgrade" => upgrade::run(ctx, op).await,
        "Expose" => expose::run(ctx, op).await,
        "Reconfiguring" => reconfigure::run(ctx, op).await,
        "Restore" => restore::run(ctx, op).await,
        "Backup" => backup::run(ctx, op).await,
        other => Err(OpError::Failed(format!("unsupported ops type {other}"))),
    }
}
