//! The detail view's Events: which objects' Events a detail shows, starting their streams when
//! it opens and stopping them when it closes, and what the streams bring. kbagent's
//! `roleProbe` Events among them enrich the cluster's role history.

use chrono::{DateTime, Utc};

use crate::k8s::watch::WatchEvent;
use crate::k8s::watch::object_events::EventSubject;
use crate::state::cmd::Cmd;
use crate::state::model::Model;
use crate::state::object_events::ObjectEvents;
use crate::state::store::RoleProbeReport;
use kbdash_core::domain::role_probe::{self, ROLE_PROBE_REASON};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, EventRow, ObjKey, ObjRef, Row};

/// The component a PostgreSQL cluster has when its status lists none yet
/// (docs/kubeblocks.md#postgresql-addon).
const DEFAULT_COMPONENT: &str = "postgresql";

/// Starts the Events streams of `target`'s detail (replacing any earlier detail's).
pub(crate) fn open(m: &mut Model, target: &ObjRef, cmds: &mut Vec<Cmd>) {
    m.object_events = Some(ObjectEvents {
        target: Some(target.clone()),
        ..ObjectEvents::default()
    });
    watch(m, target, cmds);
}

/// Starts the open detail's Events streams again when they ran in `ctx`, whose watches are
/// restarting (the engine stops every stream of a context it restarts): the rows stay, the
/// section lists again under a new id, so a stream the outage ended does not sit there looking
/// live.
pub(crate) fn restart(m: &mut Model, ctx: Ctx, cmds: &mut Vec<Cmd>) {
    let Some(target) = m
        .object_events
        .as_ref()
        .and_then(|e| e.target.clone())
        .filter(|t| t.key.ctx == ctx)
    else {
        return;
    };
    watch(m, &target, cmds);
}

/// Asks for the streams of `target`'s Events under a new id, which the open section takes
/// (answers under an earlier id are ignored), listing again from nothing.
fn watch(m: &mut Model, target: &ObjRef, cmds: &mut Vec<Cmd>) {
    let subjects = subjects(m, target);
    let id = m.next_events_id;
    m.next_events_id += 1;
    if let Some(events) = m.object_events.as_mut() {
        events.id = id;
        events.listed = 0;
        events.streams = subjects.len();
    }
    cmds.push(Cmd::WatchObjectEvents {
        ctx: target.key.ctx,
        id,
        namespace: target.key.namespace.to_string(),
        subjects,
    });
}

/// Stops them: the detail closed.
pub(crate) fn close(m: &mut Model, cmds: &mut Vec<Cmd>) {
    if m.object_events.take().is_some() {
        cmds.push(Cmd::StopObjectEvents);
    }
}

/// The objects whose Events `target`'s detail shows: the object; for a cluster also its
/// Components and InstanceSets (`<cluster>-<component>`) and its pods
/// (docs/kubeblocks.md#events).
fn subjects(m: &Model, target: &ObjRef) -> Vec<EventSubject> {
    let subject = |kind: &str, name: &str| EventSubject {
        kind: kind.to_string(),
        name: name.to_string(),
    };
    let name = target.key.name.as_str();
    let kind = target.kind.info().kind_name;
    let mut out = vec![subject(kind, name)];
    if target.kind == Kind::Cluster {
        let mut components: Vec<String> = m
            .store
            .clusters
            .get(&target.key)
            .map(|c| c.components.iter().map(|s| s.name.to_string()).collect())
            .unwrap_or_default();
        if components.is_empty() {
            components.push(DEFAULT_COMPONENT.to_string());
        }
        for c in &components {
            out.push(subject("Component", &format!("{name}-{c}")));
            out.push(subject("InstanceSet", &format!("{name}-{c}")));
        }
        let mut pods: Vec<&str> = m
            .store
            .cluster_pods(&target.key)
            .map(|p| p.key.name.as_str())
            .collect();
        pods.sort_unstable();
        out.extend(pods.into_iter().map(|p| subject("Pod", p)));
    }
    out
}

/// An event of detail `id`'s streams.
pub(crate) fn on_event(m: &mut Model, id: u64, event: WatchEvent, at: DateTime<Utc>) {
    let Some(events) = m.object_events.as_mut().filter(|e| e.id == id) else {
        return;
    };
    match event {
        WatchEvent::Init => {}
        WatchEvent::InitDone => {
            events.listed += 1;
            events.error = None;
        }
        WatchEvent::InitRow(row) | WatchEvent::Apply(row) => {
            if let Row::Event(e) = *row {
                events.error = None;
                let probe = role_probe_of(&e, at);
                events.rows.insert(e.key.clone(), e);
                if let Some((pod, report)) = probe
                    && let Some(cluster) = m.store.pods.get(&pod).map(|p| p.key.sibling(&p.cluster))
                {
                    m.store.note_role_probe(&cluster, report);
                }
            }
        }
        // Kept: an Event the API server's TTL removed is still what happened.
        WatchEvent::Delete(_) => {}
        WatchEvent::Error(e) => events.error = Some(e.to_string()),
    }
}

/// kbagent's role probe report in `e`, with its pod, when `e` is one.
fn role_probe_of(e: &EventRow, at: DateTime<Utc>) -> Option<(ObjKey, RoleProbeReport)> {
    if e.reason != ROLE_PROBE_REASON || e.object_kind != "Pod" {
        return None;
    }
    let probe = role_probe::parse(&e.message)?;
    let report = RoleProbeReport {
        at: e.seen().unwrap_or(at),
        pod: e.object_name.clone(),
        probe,
    };
    // The pod is in the Event's namespace and context.
    Some((e.key.sibling(&e.object_name), report))
}
