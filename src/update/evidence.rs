//! Triage's evidence: Enter on a problem opens its object's detail with, on the same screen,
//! the problem, the last lines of the container that matters (fetched once), the component's
//! message and the events; `f` opens the usual remedy's form prefilled (refused in read-only
//! mode, like every mutating key).

use crate::state::cmd::Cmd;
use crate::state::evidence::Evidence;
use crate::state::model::{Model, Overlay};
use crate::update::forms;
use kbdash_core::domain::evidence::{self, Subject};
use kbdash_core::domain::triage::Problem;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, PodRow};

/// Gathers the evidence of `problem`, whose object's detail just opened.
pub(crate) fn open(m: &mut Model, problem: &Problem, object: &ObjRef, cmds: &mut Vec<Cmd>) {
    let store = &m.store;
    let key = &object.key;
    let cluster = match object.kind {
        Kind::Cluster => Some(key.clone()),
        kind => store.cluster_of(kind, key),
    };
    let pods: Vec<&PodRow> = cluster.iter().flat_map(|c| store.cluster_pods(c)).collect();
    let primary = pods
        .iter()
        .copied()
        .filter(|p| p.is_primary())
        .chain(pods.iter().copied())
        .min_by_key(|p| (!p.is_primary(), p.key.name.clone()));
    let subject = Subject {
        pod: (object.kind == Kind::Pod)
            .then(|| store.pods.get(key))
            .flatten(),
        cluster: cluster.as_ref().and_then(|c| store.clusters.get(c)),
        primary,
        backup: (object.kind == Kind::Backup)
            .then(|| store.backups.get(key))
            .flatten(),
        op: (object.kind == Kind::OpsRequest)
            .then(|| store.ops.get(key))
            .flatten(),
    };
    let plan = evidence::plan(&problem.reason, subject);
    if let Some(log) = &plan.log {
        cmds.push(Cmd::FetchLogTail {
            object: object.clone(),
            namespace: key.namespace.to_string(),
            plan: log.clone(),
        });
    }
    m.evidence = Some(Evidence {
        object: object.clone(),
        reason: problem.reason.clone(),
        cluster,
        log: plan.log.map(|l| (l, None)),
        remedy: plan.remedy,
    });
}

/// The log lines for the evidence on `object` arrived.
pub(crate) fn on_log(m: &mut Model, object: ObjRef, result: Result<Vec<String>, String>) {
    if let Some(e) = m.evidence.as_mut().filter(|e| e.object == object)
        && let Some((_, lines)) = &mut e.log
    {
        *lines = Some(result);
    }
}

/// `f`: the remedy's form on the problem's cluster, as its `:` command opens it.
pub(crate) fn remedy(m: &mut Model, cmds: &mut Vec<Cmd>) {
    let shown = match &m.overlay {
        Overlay::Detail(d) => m.evidence.as_ref().filter(|e| e.object == d.target),
        _ => None,
    };
    let Some((op, cluster, pod)) = shown.and_then(|e| {
        let pod = (e.object.kind == Kind::Pod).then(|| e.object.key.name.to_string());
        Some((e.remedy?, e.cluster.clone()?, pod))
    }) else {
        super::notify(
            m,
            "no usual remedy here: o on a cluster opens its operations".into(),
        );
        return;
    };
    let Some(word) = op.commands().first() else {
        return;
    };
    forms::open::command_on(m, ObjKey::clone(&cluster), word, pod, cmds);
}
