//! A cluster's moving parts as the InstanceSet controller drives them: pods created, rolled and
//! deleted one step at a time, roles, and the Cluster/Component phase that follows from them.

use std::sync::Arc;

use futures::future::join_all;
use serde_json::Value;

use super::ctx::{Ctx, Key};
use super::objects::{self as obj, COMPONENT, Phase, PodInput, PodState};
use super::ticker;
use crate::store::StoreError;
use kbdash_core::kinds::Kind;

/// Simulated seconds a new pod stays Pending, then running but not ready.
const POD_PENDING_SECS: f64 = 3.0;
const POD_STARTING_SECS: f64 = 5.0;
/// Simulated seconds a deleted pod takes to terminate.
const POD_TERMINATING_SECS: f64 = 2.0;
/// Crashes of a crash-looping container are this many continuous-backup intervals apart.
const CRASH_INTERVALS: f64 = 6.0;

/// The Cluster object.
pub(crate) fn get(ctx: &Ctx, key: &Key) -> Option<Value> {
    ctx.store.get_value(Kind::Cluster, key.ns(), &key.name)
}

/// The cluster's pods, by ordinal.
pub(crate) fn pods(ctx: &Ctx, key: &Key) -> Vec<Value> {
    let (items, _) = ctx.store.list(Kind::Pod, key.ns());
    let mut pods: Vec<Value> = items
        .iter()
        .filter(|o| {
            o.label("app.kubernetes.io/instance") == Some(key.name.as_str())
                && o.label("apps.kubeblocks.io/component-name") == Some(COMPONENT)
        })
        .map(|o| o.value())
        .collect();
    pods.sort_by_key(|p| obj::ordinal_of(name_of(p)));
    pods
}

/// `metadata.name`.
pub(crate) fn name_of(v: &Value) -> &str {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Sets the phase of the Cluster and its Component.
pub(crate) fn set_phase(ctx: &Ctx, key: &Key, phase: Phase) {
    let unready: Vec<String> = if phase == Phase::Failed {
        pods(ctx, key)
            .iter()
            .filter(|p| !obj::pod_ready(p))
            .map(|p| name_of(p).to_string())
            .collect()
    } else {
        Vec::new()
    };
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
        obj::apply_phase(c, phase, &unready, &at);
        Ok(())
    });
    let _ = ctx.store.modify(
        Kind::Component,
        key.ns(),
        &format!("{}-{COMPONENT}", key.name),
        |c| {
            obj::apply_phase(c, phase, &unready, &at);
            Ok(())
        },
    );
}

/// The phase the cluster's pods call for once no op is working on it: Stopped when stopped,
/// Failed when a pod is missing or not ready (its one component is Failed), else Running.
pub(crate) fn settled_phase(ctx: &Ctx, key: &Key) -> Phase {
    let Some(cluster) = get(ctx, key) else {
        return Phase::Running;
    };
    let stopped = obj::comp_spec(&cluster)
        .and_then(|c| c.get("stop"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if stopped {
        return Phase::Stopped;
    }
    let pods = pods(ctx, key);
    let all_ready = pods.len() >= obj::comp_replicas(&cluster) && pods.iter().all(obj::pod_ready);
    if all_ready {
        Phase::Running
    } else {
        Phase::Failed
    }
}

/// Puts the cluster back in the phase its pods call for.
pub(crate) fn settle(ctx: &Ctx, key: &Key) -> Phase {
    let phase = settled_phase(ctx, key);
    set_phase(ctx, key, phase);
    phase
}

/// Changes the component spec of the Cluster (and mirrors it into the Component). Returns the
/// cluster as written, with its new generation.
pub(crate) fn modify_comp_spec(
    ctx: &Ctx,
    key: &Key,
    f: impl FnOnce(&mut Value),
) -> Result<Value, StoreError> {
    let cluster = ctx.store.modify(Kind::Cluster, key.ns(), &key.name, |c| {
        if let Some(comp) = obj::comp_spec_mut(c) {
            f(comp);
        }
        Ok(())
    })?;
    if let Some(spec) = obj::comp_spec(&cluster).cloned() {
        let sv = spec
            .get("serviceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let _ = ctx.store.modify(
            Kind::Component,
            key.ns(),
            &format!("{}-{COMPONENT}", key.name),
            |c| {
                let mut spec = spec;
                if let Some(m) = spec.as_object_mut() {
                    m.remove("name");
                    m.insert("compDef".into(), obj::comp_def(&sv).into());
                    m.insert("terminationPolicy".into(), "Delete".into());
                }
                c["spec"] = spec;
                obj::labels_mut(c).insert(
                    "app.kubernetes.io/component".into(),
                    obj::comp_def(&sv).into(),
                );
                Ok(())
            },
        );
    }
    Ok(cluster)
}

/// Creates a pod (and its PVC when missing) from the cluster's current spec and brings it to
/// Ready with `role`.
pub(crate) async fn create_pod(
    ctx: &Ctx,
    key: &Key,
    ordinal: usize,
    role: Option<&str>,
    node: Option<String>,
) -> Result<(), String> {
    let Some(cluster) = get(ctx, key) else {
        return Err(format!(
            "clusters.apps.kubeblocks.io \"{}\" not found",
            key.name
        ));
    };
    let pod_name = obj::pod_name(&key.name, COMPONENT, ordinal);
    let pvc_name = obj::pvc_name(&pod_name);
    if ctx
        .store
        .get(Kind::PersistentVolumeClaim, key.ns(), &pvc_name)
        .is_none()
    {
        let pvc = obj::pvc(
            &cluster,
            &pod_name,
            &obj::comp_storage(&cluster),
            &ctx.uid(),
            &ctx.now(),
        );
        let _ = ctx.store.create(Kind::PersistentVolumeClaim, pvc);
    }
    let node = node.unwrap_or_else(|| obj::node_name(ctx.random(0, 6) as usize));
    let ip = ctx.pod_ip();
    let pod = obj::pod(&PodInput {
        cluster: &cluster,
        ordinal,
        uid: &ctx.uid(),
        created: &ctx.now(),
        node: &node,
        pod_ip: &ip,
        role: None,
        state: PodState::Pending,
        restart_count: 0,
    });
    ctx.store
        .create(Kind::Pod, pod)
        .map_err(|e| e.to_string())?;
    ctx.pause(POD_PENDING_SECS).await;
    set_pod_state(ctx, key, &pod_name, PodState::Starting, &ip);
    ctx.pause(POD_STARTING_SECS).await;
    set_pod_state(ctx, key, &pod_name, PodState::Ready, &ip);
    if let Some(role) = role {
        set_role(ctx, key, &pod_name, Some(role));
    }
    Ok(())
}

fn set_pod_state(ctx: &Ctx, key: &Key, pod: &str, state: PodState, ip: &str) {
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Pod, key.ns(), pod, |p| {
        let restarts = obj::restart_count(p);
        obj::set_pod_state(p, state, ip, &at, restarts);
        Ok(())
    });
}

/// Sets or removes a pod's role label; a role comes with kbagent's `roleProbe` Event that
/// reports it, as the operator sets the label from those (docs/kubeblocks.md#roles).
pub(crate) fn set_role(ctx: &Ctx, key: &Key, pod: &str, role: Option<&str>) {
    let changed = ctx.store.modify(Kind::Pod, key.ns(), pod, |p| {
        let labels = obj::labels_mut(p);
        match role {
            Some(r) => labels.insert("kubeblocks.io/role".into(), r.into()),
            None => labels.remove("kubeblocks.io/role"),
        };
        Ok(())
    });
    if let (Ok(p), Some(role)) = (changed, role) {
        report_role(ctx, key, &p, role);
    }
}

/// kbagent's `roleProbe` Event for `pod` answering `role`: the pod's one Event, its count and
/// message brought up to date.
fn report_role(ctx: &Ctx, key: &Key, pod: &Value, role: &str) {
    let at = ctx.now();
    let name = obj::role_probe_event_name(pod);
    let fresh = obj::role_probe_event(pod, role, 1, &at, &at);
    let bumped = ctx.store.modify(Kind::Event, key.ns(), &name, |e| {
        let count = e.get("count").and_then(Value::as_u64).unwrap_or(0) + 1;
        e["count"] = count.into();
        e["lastTimestamp"] = at.clone().into();
        e["message"] = fresh["message"].clone();
        Ok(())
    });
    if bumped.is_err() {
        let _ = ctx.store.create(Kind::Event, fresh);
    }
}

/// Deletes a pod after it terminates (its PVC stays).
pub(crate) async fn delete_pod(ctx: &Ctx, key: &Key, pod: &str) {
    let at = ctx.now();
    let _ = ctx.store.modify(Kind::Pod, key.ns(), pod, |p| {
        p["metadata"]["deletionTimestamp"] = at.clone().into();
        p["metadata"]["deletionGracePeriodSeconds"] = 30.into();
        Ok(())
    });
    ctx.pause(POD_TERMINATING_SECS).await;
    let _ = ctx.store.delete(Kind::Pod, key.ns(), pod);
}

/// Replaces a pod by a new one built from the cluster's current spec (new uid, start time and
/// IP), keeping its node and role: what a rolling update does to each pod.
pub(crate) async fn recreate_pod(ctx: &Ctx, key: &Key, pod: &Value) -> Result<(), String> {
    let name = name_of(pod).to_string();
    let role = obj::pod_role(pod);
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .map(str::to_string);
    delete_pod(ctx, key, &name).await;
    create_pod(
        ctx,
        key,
        obj::ordinal_of(&name),
        Some(role.as_deref().unwrap_or("secondary")),
        node,
    )
    .await
}

/// After the primary went away, Patroni promotes a ready pod.
pub(crate) fn ensure_primary(ctx: &Ctx, key: &Key) {
    let pods = pods(ctx, key);
    if pods
        .iter()
        .any(|p| obj::pod_role(p).as_deref() == Some("primary"))
    {
        return;
    }
    if let Some(p) = pods.iter().find(|p| obj::pod_ready(p)) {
        set_role(ctx, key, name_of(p), Some("primary"));
    }
}

/// Brings the pods in line with the component's replicas and offline instances: the lowest
/// free ordinals are created, the others deleted (with their PVCs).
pub(crate) async fn reconcile_replicas(ctx: &Ctx, key: &Key) {
    let Some(current) = get(ctx, key) else {
        return;
    };
    let offline = obj::comp_offline(&current);
    let wanted: Vec<String> = (0..)
        .map(|o| obj::pod_name(&key.name, COMPONENT, o))
        .filter(|n| !offline.contains(n))
        .take(obj::comp_replicas(&current))
        .collect();
    let existing: Vec<String> = pods(ctx, key)
        .iter()
        .map(|p| name_of(p).to_string())
        .collect();
    join_all(
        existing
            .iter()
            .filter(|p| !wanted.contains(p))
            .map(|p| async move {
                delete_pod(ctx, key, p).await;
                let _ = ctx
                    .store
                    .delete(Kind::PersistentVolumeClaim, key.ns(), &obj::pvc_name(p));
            }),
    )
    .await;
    ensure_primary(ctx, key);
    join_all(
        wanted
            .iter()
            .filter(|p| !existing.contains(p))
            .map(|p| create_pod(ctx, key, obj::ordinal_of(p), Some("secondary"), None)),
    )
    .await;
    ensure_primary(ctx, key);
}

/// Orders pods for a rolling update: pods without a role, secondaries, then the primary
/// (KubeBlocks updates by role priority, lowest first).
pub(crate) fn rolling_order(mut pods: Vec<Value>) -> Vec<Value> {
    pods.sort_by_key(|p| {
        let rank = match obj::pod_role(p).as_deref() {
            Some("primary") => 2,
            Some(_) => 1,
            None => 0,
        };
        (rank, obj::ordinal_of(name_of(p)))
    });
    pods
}

/// Bumps the restart count of crash-looping pods, for ever.
pub(crate) async fn run_crash_ticker(ctx: Arc<Ctx>) {
    let interval = ctx.pacing.continuous_interval_secs * CRASH_INTERVALS;
    ticker::round_robin(
        ctx,
        |c| &c.crashing,
        |c| &c.crashing_added,
        interval,
        crash_again,
    )
    .await;
}

/// One more crash of a crash-looping pod, counted in its BackOff event; false when the pod
/// is gone or healthy again.
fn crash_again(ctx: &Ctx, key: &Key) -> bool {
    let at = ctx.now();
    let mut crashed: Option<Value> = None;
    let _ = ctx.store.modify(Kind::Pod, key.ns(), &key.name, |p| {
        let Some(statuses) = p
            .pointer_mut("/status/containerStatuses")
            .and_then(Value::as_array_mut)
        else {
            return Ok(());
        };
        let mut any = false;
        for s in statuses.iter_mut() {
            let crashing = s.pointer("/state/waiting/reason").and_then(Value::as_str)
                == Some("CrashLoopBackOff");
            if !crashing {
                continue;
            }
            any = true;
            let n = s.get("restartCount").and_then(Value::as_u64).unwrap_or(0) + 1;
            s["restartCount"] = n.into();
            s["lastState"]["terminated"]["startedAt"] = at.clone().into();
            s["lastState"]["terminated"]["finishedAt"] = at.clone().into();
        }
        if any {
            crashed = Some(p.clone());
        }
        Ok(())
    });
    let Some(pod) = crashed else {
        return false;
    };
    let event = obj::back_off_event_name(&pod);
    let bumped = ctx.store.modify(Kind::Event, key.ns(), &event, |e| {
        let count = e.get("count").and_then(Value::as_u64).unwrap_or(0) + 1;
        e["count"] = count.into();
        e["lastTimestamp"] = at.clone().into();
        Ok(())
    });
    if bumped.is_err() {
        let _ = ctx
            .store
            .create(Kind::Event, obj::back_off_event(&pod, 1, &at, &at));
    }
    true
}
