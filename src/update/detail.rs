//! The detail view's facts that no row keeps: a pod's containers (read from the followed
//! object), and a cluster's Services and Restore objects (listed once when its detail opens,
//! and again when an Expose of it ends, since that adds or removes a Service).

use serde_json::Value;

use crate::state::cmd::Cmd;
use crate::state::model::{ClusterFacts, Model, Overlay};
use kbdash_core::detail::containers::containers;
use kbdash_core::detail::restored::RestoreSource;
use kbdash_core::detail::services::ServiceFacts;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, OpsRow};

/// The component a PostgreSQL cluster has when its status does not list any yet
/// (docs/kubeblocks.md#postgresql-addon).
const DEFAULT_COMPONENT: &str = "postgresql";

/// The detail of `target` opens: what it loads besides the rows.
pub(crate) fn on_open(m: &mut Model, target: &ObjRef, cmds: &mut Vec<Cmd>) {
    on_close(m);
    if target.kind == Kind::Cluster {
        load_cluster_facts(m, &target.key, cmds);
    }
}

/// The detail closes: what it loaded is dropped.
pub(crate) fn on_close(m: &mut Model) {
    m.followed_pod = None;
    m.cluster_facts = None;
}

/// The followed object's body arrived.
pub(crate) fn on_raw(m: &mut Model, target: &ObjRef, v: &Value) {
    match target.kind {
        Kind::OpsRequest => m.followed_ops = Some(OpsRow::from_value_full(v)),
        Kind::Pod => m.followed_pod = Some((target.key.clone(), containers(v))),
        _ => {}
    }
}

/// A cluster's Services and Restore objects arrived; kept if its detail is still open.
pub(crate) fn on_cluster_facts(
    m: &mut Model,
    cluster: ObjKey,
    services: Result<Vec<ServiceFacts>, String>,
    restores: Result<Vec<RestoreSource>, String>,
) {
    if let Some(facts) = &mut m.cluster_facts
        && facts.cluster == cluster
    {
        facts.services = Some(services);
        facts.restores = Some(restores);
    }
}

/// An OpsRequest changed: an Expose of the cluster whose detail is open that just ended has
/// changed its Services, which are listed again.
pub(crate) fn after_ops_change(
    m: &mut Model,
    before: Option<bool>,
    op: &ObjKey,
    cmds: &mut Vec<Cmd>,
) {
    let Some(row) = m.store.ops.get(op) else {
        return;
    };
    let cluster = row.key.sibling(&row.cluster);
    let showing = matches!(&m.overlay, Overlay::Detail(d)
        if d.target.kind == Kind::Cluster && d.target.key == cluster);
    if showing && row.op_type == "Expose" && row.is_finished() && before != Some(true) {
        load_cluster_facts(m, &cluster, cmds);
    }
}

/// Asks for the Services and Restore objects of `cluster`, keeping what is shown until they come.
fn load_cluster_facts(m: &mut Model, cluster: &ObjKey, cmds: &mut Vec<Cmd>) {
    let mut components: Vec<String> = m
        .store
        .clusters
        .get(cluster)
        .map(|c| c.components.iter().map(|s| s.name.to_string()).collect())
        .unwrap_or_default();
    if components.is_empty() {
        components.push(DEFAULT_COMPONENT.to_string());
    }
    if m.cluster_facts.as_ref().map(|f| &f.cluster) != Some(cluster) {
        m.cluster_facts = Some(ClusterFacts {
            cluster: cluster.clone(),
            services: None,
            restores: None,
        });
    }
    cmds.push(Cmd::LoadClusterFacts {
        cluster: cluster.clone(),
        components,
    });
}
