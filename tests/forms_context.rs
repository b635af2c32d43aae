//! The form context built from the reference fixture objects is the fixture context the
//! examples use, so the examples really are built from the fixtures.

use std::path::Path;

use kbdash::forms::examples::fixture_context;
use kbdash::forms::{FormContext, LiveObjects};
use serde::Deserialize;
use serde_json::Value;

fn docs(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kubeblocks")
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
    let expected = fixture_context();
    let ctx = FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &pods,
        component_version: Some(&cmpv),
        backup_policies: &policies,
        backup_schedules: &schedules,
        now: expected.now,
    });
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
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        now: Default::default(),
    });
    assert_eq!(ctx.components[0].replicas, 0);
    assert_eq!(ctx.components[0].cpu_limit.as_deref(), Some("2"));
}
