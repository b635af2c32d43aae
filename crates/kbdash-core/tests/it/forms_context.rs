//! The form context built from the reference fixture objects is the fixture context the
//! examples use, so the examples really are built from the fixtures.

use std::path::Path;

use kbdash_core::forms::examples::fixture_context;
use kbdash_core::forms::{FormContext, LiveObjects};
use serde::Deserialize;
use serde_json::Value;

fn docs(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/kubeblocks")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

#[test]
fn context_from_fixture_objects_matches_the_fixture_context() {
    let cluster = docs("cluster-pg-cluster.yaml").remove(0);
    let pods = docs("pods-pg-cluster.yaml");
    assert_eq!(pods.len(), 2);
    let cmpv = docs("componentversion-postgresql.yaml").remove(0);
    let policies = docs("backuppolicy-pg-cluster.yaml");
    let schedules = docs("backupschedule-pg-cluster.yaml");
    // Another cluster's request is left out.
    let mut other = docs("opsrequest-restart-succeed.yaml").remove(0);
    other["spec"]["clusterName"] = "billing".into();
    let ops = [
        docs("opsrequest-horizontalscaling-running.yaml").remove(0),
        docs("opsrequest-verticalscaling-succeed.yaml").remove(0),
        other,
    ];
    let expected = fixture_context();
    let ctx = FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &pods,
        pvcs: &[],
        component_version: Some(&cmpv),
        backup_policies: &policies,
        backup_schedules: &schedules,
        now: expected.now,
    })
    .with_ops_requests(&ops);
    assert_eq!(ctx, expected);
}

#[test]
fn context_from_odd_objects_does_not_panic() {
    let odd = [
        Value::Null,
        serde_json::json!({"metadata": {"name": 5}, "spec": {"componentSpecs": "x"}}),
        serde_json::json!({"spec": {"componentSpecs": [{"replicas": -1, "resources": {"limits": {"cpu": 2}}}]}}),
    ];
    for cluster in &odd {
        let ctx = FormContext::from_objects(LiveObjects {
            cluster,
            pods: &odd,
            pvcs: &odd,
            component_version: Some(cluster),
            backup_policies: &odd,
            backup_schedules: &odd,
            now: Default::default(),
        });
        assert!(ctx.pods.is_empty() && ctx.backup_schedule.is_none());
    }
    let ctx = FormContext::from_objects(LiveObjects {
        cluster: &odd[2],
        pods: &[],
        pvcs: &[],
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        now: Default::default(),
    });
    assert_eq!(ctx.components[0].replicas, 0);
    assert_eq!(ctx.components[0].cpu_limit.as_deref(), Some("2"));
}

#[test]
fn volume_capacity_comes_from_the_largest_pvc_of_the_template() {
    let cluster = docs("cluster-pg-cluster.yaml").remove(0);
    let pvc = |name: &str, vct: &str, capacity: &str| {
        serde_json::json!({
            "metadata": {"name": name, "labels": {
                "app.kubernetes.io/instance": "pg-cluster",
                "apps.kubeblocks.io/component-name": "postgresql",
                "apps.kubeblocks.io/vct-name": vct,
            }},
            "status": {"capacity": {"storage": capacity}},
        })
    };
    let pvcs = [
        pvc("data-pg-cluster-postgresql-0", "data", "20Gi"),
        pvc("data-pg-cluster-postgresql-1", "data", "21474836480"),
        pvc("data-pg-cluster-postgresql-2", "data", "24Gi"),
        pvc("logs-pg-cluster-postgresql-0", "logs", "99Gi"),
        pvc("data-x", "data", "not-a-size"),
    ];
    let ctx = FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &[],
        pvcs: &pvcs,
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        now: Default::default(),
    });
    assert_eq!(
        ctx.components[0].volumes[0].capacity.as_deref(),
        Some("24Gi")
    );
}
