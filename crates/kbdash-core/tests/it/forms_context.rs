//! The form context built from the reference fixture objects is the fixture context the
//! examples use, so the examples really are built from the fixtures.

use std::path::Path;

use kbdash_core::forms::examples::fixture_context;
use kbdash_core::forms::{
    FormContext, LiveObjects, OpForm, OpKind, RequestAction, validate_edited,
};
use kbdash_core::kinds::Kind;
use serde::Deserialize;
use serde_json::{Value, json};

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
    let components = docs("component-pg-cluster-postgresql.yaml");
    let action_sets = docs("actionsets-postgresql.yaml");
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
        components: &components,
        pvcs: &[],
        component_version: Some(&cmpv),
        backup_policies: &policies,
        backup_schedules: &schedules,
        action_sets: &action_sets,
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
            components: &odd,
            pvcs: &odd,
            component_version: Some(cluster),
            backup_policies: &odd,
            backup_schedules: &odd,
            action_sets: &odd,
            now: Default::default(),
        });
        assert!(ctx.pods.is_empty() && ctx.backup_schedule.is_none());
    }
    let ctx = FormContext::from_objects(LiveObjects {
        cluster: &odd[2],
        pods: &[],
        components: &[],
        pvcs: &[],
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
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
        components: &[],
        pvcs: &pvcs,
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
        now: Default::default(),
    });
    assert_eq!(
        ctx.components[0].volumes[0].capacity.as_deref(),
        Some("24Gi")
    );
}

/// The context of `cluster` with the given objects and nothing else.
fn context(cluster: &Value, pods: &[Value], components: &[Value]) -> FormContext {
    FormContext::from_objects(LiveObjects {
        cluster,
        pods,
        components,
        pvcs: &[],
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
        now: Default::default(),
    })
}

/// `serviceVersion` is optional on the Cluster: the version KubeBlocks resolved is read from
/// the Component, else from the pods' label.
#[test]
fn the_service_version_falls_back_to_what_kubeblocks_resolved() {
    let mut cluster = docs("cluster-pg-cluster.yaml").remove(0);
    cluster["spec"]["componentSpecs"][0]
        .as_object_mut()
        .unwrap()
        .remove("serviceVersion");
    let mut component = docs("component-pg-cluster-postgresql.yaml").remove(0);
    component["spec"]["serviceVersion"] = "16.4.0".into();
    let pods = docs("pods-pg-cluster.yaml");
    let version = |ctx: FormContext| ctx.components[0].service_version.clone();
    assert_eq!(version(context(&cluster, &pods, &[component])), "16.4.0");
    assert_eq!(
        version(context(&cluster, &pods, &[])),
        "16.9.0",
        "the pods' label"
    );
    assert_eq!(version(context(&cluster, &[], &[])), "");
}

/// The wal-g policy of the addon guide, typed by its ActionSets: `wal-g` is Full,
/// `wal-g-archive` Continuous (and names `wal-g` as the full method it restores from).
#[test]
fn method_types_come_from_the_action_sets() {
    let mut cluster = docs("cluster-pg-cluster.yaml").remove(0);
    cluster["metadata"]["name"] = "pg-walg".into();
    let policies = docs("backuppolicy-wal-g.yaml");
    let schedules = docs("backupschedule-wal-g.yaml");
    let action_sets = docs("actionsets-postgresql.yaml");
    let live = |action_sets: &[Value]| {
        FormContext::from_objects(LiveObjects {
            cluster: &cluster,
            pods: &[],
            components: &[],
            pvcs: &[],
            component_version: None,
            backup_policies: &policies,
            backup_schedules: &schedules,
            action_sets,
            now: Default::default(),
        })
    };
    let ctx = live(&action_sets);
    use kbdash_core::domain::pitr::BackupKind;
    assert_eq!(ctx.method_kind("wal-g"), Some(BackupKind::Full));
    assert_eq!(
        ctx.method_kind("wal-g-archive"),
        Some(BackupKind::Continuous)
    );
    assert_eq!(ctx.method_kind("volume-snapshot"), Some(BackupKind::Full));
    assert_eq!(ctx.method_kind("archive-wal"), Some(BackupKind::Continuous));
    let blind = live(&[]);
    assert_eq!(
        blind.method_kind("wal-g-archive"),
        None,
        "no guess from the name"
    );
    assert_eq!(blind.method_kind("volume-snapshot"), Some(BackupKind::Full));
    let schedule = ctx.backup_schedule.unwrap();
    let keys: Vec<&str> = schedule.schedules.iter().map(|s| s.key()).collect();
    assert_eq!(keys, ["wal-g", "wal-g-weekly", "wal-g-archive"]);
}

/// The wal-g cluster's context, from the fixtures, with `backup` as its Cluster's
/// `spec.backup` if given.
fn wal_g_context(backup: Option<Value>) -> FormContext {
    let mut cluster = docs("cluster-pg-cluster.yaml").remove(0);
    cluster["metadata"]["name"] = "pg-walg".into();
    if let Some(b) = backup {
        cluster["spec"]["backup"] = b;
    }
    FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &[],
        components: &[],
        pvcs: &[],
        component_version: None,
        backup_policies: &docs("backuppolicy-wal-g.yaml"),
        backup_schedules: &docs("backupschedule-wal-g.yaml"),
        action_sets: &docs("actionsets-postgresql.yaml"),
        now: Default::default(),
    })
}

/// A merge patch replaces `spec.schedules` whole: every entry goes back with every field it
/// had (`name`, `parameters`), and entries are told apart by name, not by method.
#[test]
fn the_schedule_form_keeps_every_field_of_every_entry() {
    let ctx = wal_g_context(None);
    let mut form = OpForm::new(OpKind::BackupSchedule, &ctx);
    form.set("wal-g-weekly.enabled", "true").unwrap();
    form.set("wal-g.enabled", "false").unwrap();
    let r = form.validate(&ctx).unwrap();
    assert_eq!(r.kind, Kind::BackupSchedule);
    assert_eq!(
        r.body["spec"]["schedules"],
        json!([
            {"name": "wal-g", "backupMethod": "wal-g", "enabled": false,
             "cronExpression": "0 18 * * *", "retentionPeriod": "7d"},
            {"name": "wal-g-weekly", "backupMethod": "wal-g", "enabled": true,
             "cronExpression": "0 3 * * 0", "retentionPeriod": "30d",
             "parameters": [{"name": "compression", "value": "lz4"}]},
            {"name": "wal-g-archive", "backupMethod": "wal-g-archive", "enabled": true,
             "cronExpression": "*/5 * * * *", "retentionPeriod": "8d"},
        ])
    );
    assert!(
        r.notes.is_empty(),
        "wal-g, the archive's full method, is enabled (weekly)"
    );
    form.set("wal-g-weekly.enabled", "false").unwrap();
    assert_eq!(
        form.validate(&ctx).unwrap().notes,
        [
            "wal-g-archive archives WAL continuously, but point-in-time restore also needs its \
          full backup method wal-g enabled"
        ]
    );
    let hints: Vec<(String, Option<String>)> = form
        .fields(&ctx)
        .into_iter()
        .filter(|f| f.name.ends_with(".enabled"))
        .map(|f| (f.label, f.hint))
        .collect();
    assert_eq!(
        hints,
        [
            ("wal-g enabled".to_string(), Some("full".to_string())),
            (
                "wal-g-weekly (wal-g) enabled".to_string(),
                Some("full".to_string())
            ),
            (
                "wal-g-archive enabled".to_string(),
                Some("continuous: point-in-time restore also needs a full method enabled".into())
            ),
        ]
    );
}

/// With `spec.backup` on the Cluster the operator re-applies it onto the schedule, so the
/// form changes the Cluster (a merge patch) and says why.
#[test]
fn the_schedule_form_changes_the_cluster_when_it_has_spec_backup() {
    let ctx = wal_g_context(Some(json!({
        "method": "wal-g", "enabled": true, "cronExpression": "0 18 * * *",
        "retentionPeriod": "7d", "pitrEnabled": true,
    })));
    let mut form = OpForm::new(OpKind::BackupSchedule, &ctx);
    let names: Vec<String> = form.fields(&ctx).into_iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        [
            "backup.method",
            "backup.enabled",
            "backup.cron",
            "backup.retention",
            "backup.pitr",
            "backup.continuous_method"
        ]
    );
    form.set("backup.cron", "30 1 * * *").unwrap();
    form.set("backup.continuous_method", "wal-g-archive")
        .unwrap();
    let r = form.validate(&ctx).unwrap();
    assert_eq!(
        (r.kind, r.action.clone()),
        (
            Kind::Cluster,
            RequestAction::MergePatch {
                name: "pg-walg".into()
            }
        )
    );
    assert_eq!(
        r.body["spec"],
        json!({"backup": {"method": "wal-g", "enabled": true, "cronExpression": "30 1 * * *",
            "retentionPeriod": "7d", "pitrEnabled": true, "continuousMethod": "wal-g-archive"}})
    );
    assert!(r.notes[0].contains("mergeClusterBackup"), "{:?}", r.notes);
    // Unset keeps the operator's hands off the schedule's continuous entries.
    form.set("backup.pitr", "unset").unwrap();
    form.set("backup.continuous_method", "").unwrap();
    let r = form.validate(&ctx).unwrap();
    assert_eq!(r.body["spec"]["backup"]["pitrEnabled"], Value::Null);
    // The YAML preview goes through the same checks.
    let text = serde_yaml_ng::to_string(&r.body).unwrap();
    let (_, edited) = validate_edited(&form, &text, &ctx).unwrap();
    assert_eq!(edited.kind, Kind::Cluster);
    form.set("backup.method", "wal-g-archive").unwrap();
    let errors = form.validate(&ctx).unwrap_err();
    assert_eq!(
        errors[0].message,
        "wal-g-archive is a continuous method: choose it as the continuous method"
    );
}
