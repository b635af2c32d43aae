//! End to end: a cluster created from the create form reaches Running with a primary and a
//! secondary and everything the operator makes for it; clusters deleted from the delete
//! dialog go as their termination policy promises (docs/kubeblocks.md#deletion). Requests go
//! through the kube client to the demo server; polls are bounded, nothing sleeps to
//! synchronize.

use chrono::Utc;
use kbdash_core::forms::{
    FormContext, LiveObjects, OpForm, OpKind, Request, RequestAction, WAL_G_ARCHIVE_COMMAND,
    WalGStep,
};
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};

use crate::demo_server_support::values;
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use crate::demo_server_support::until;

const NS: &str = "demo";

async fn start() -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 1,
        seed: 3,
        speed: 200.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

fn of_cluster(server: &DemoServer, kind: Kind, cluster: &str) -> Vec<Value> {
    values(server, kind, Some(NS))
        .into_iter()
        .filter(|o| o["metadata"]["labels"]["app.kubernetes.io/instance"] == cluster)
        .collect()
}

/// The create form's context with no cluster to start from, as the dashboard loads it.
fn blank_context(server: &DemoServer) -> FormContext {
    let nobody = json!({"metadata": {"namespace": NS}});
    let cmpv = values(server, Kind::ComponentVersion, None);
    FormContext::from_objects(LiveObjects {
        cluster: &nobody,
        pods: &[],
        components: &[],
        pvcs: &[],
        component_version: cmpv.first(),
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
        now: Utc::now(),
    })
    .with_storage_classes(&values(server, Kind::StorageClass, None))
    .with_clusters(&values(server, Kind::Cluster, None))
}

/// The delete dialog's context of a cluster, as the dashboard loads it.
fn context(server: &DemoServer, name: &str) -> FormContext {
    let cluster = server
        .store
        .get_value(Kind::Cluster, Some(NS), name)
        .unwrap();
    FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &values(server, Kind::Pod, Some(NS)),
        components: &values(server, Kind::Component, Some(NS)),
        pvcs: &values(server, Kind::PersistentVolumeClaim, Some(NS)),
        component_version: None,
        backup_policies: &[],
        backup_schedules: &[],
        action_sets: &[],
        now: Utc::now(),
    })
    .with_backups(&values(server, Kind::Backup, Some(NS)))
}

/// The context of a cluster as an operation form loads it (policies, schedules, ActionSets).
fn full_context(server: &DemoServer, name: &str) -> FormContext {
    let cluster = server
        .store
        .get_value(Kind::Cluster, Some(NS), name)
        .unwrap();
    FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &values(server, Kind::Pod, Some(NS)),
        components: &values(server, Kind::Component, Some(NS)),
        pvcs: &values(server, Kind::PersistentVolumeClaim, Some(NS)),
        component_version: values(server, Kind::ComponentVersion, None).first(),
        backup_policies: &values(server, Kind::BackupPolicy, Some(NS)),
        backup_schedules: &values(server, Kind::BackupSchedule, Some(NS)),
        action_sets: &values(server, Kind::ActionSet, None),
        now: Utc::now(),
    })
}

async fn send(server: &DemoServer, request: &Request) {
    let api: Api<DynamicObject> = Api::namespaced_with(
        server.client().unwrap(),
        &request.namespace,
        &kbdash_demo::api_resource(request.kind),
    );
    match &request.action {
        RequestAction::Create => {
            let obj: DynamicObject = serde_json::from_value(request.body.clone()).unwrap();
            api.create(&PostParams::default(), &obj).await.unwrap();
        }
        RequestAction::MergePatch { name } => {
            api.patch(name, &PatchParams::default(), &Patch::Merge(&request.body))
                .await
                .unwrap();
        }
        RequestAction::Delete { name } => {
            api.delete(name, &DeleteParams::default()).await.unwrap();
        }
    }
}

/// Creates cluster `name` from the create form with `policy`, and waits for it to run.
async fn create(server: &DemoServer, name: &str, policy: &str) {
    let ctx = blank_context(server);
    let mut form = OpForm::from_command("create", &ctx).unwrap();
    form.set("name", name).unwrap();
    form.set("termination_policy", policy).unwrap();
    let request = form.validate(&ctx).unwrap();
    send(server, &request).await;
    until(&format!("{name} Running"), || {
        let c = server.store.get_value(Kind::Cluster, Some(NS), name)?;
        (c["status"]["phase"] == "Running").then_some(())
    })
    .await;
}

/// A Completed full backup of `cluster` with `deletion_policy`, as the operator leaves one.
fn backup(server: &DemoServer, cluster: &str, name: &str, deletion_policy: &str) {
    server
        .store
        .create(
            Kind::Backup,
            json!({
                "apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
                "kind": "Backup",
                "metadata": {"name": name, "namespace": NS, "labels": {
                    "app.kubernetes.io/instance": cluster,
                    "dataprotection.kubeblocks.io/backup-type": "Full",
                }},
                "spec": {"backupMethod": "pg-basebackup", "deletionPolicy": deletion_policy,
                         "backupPolicyName": format!("{cluster}-postgresql-backup-policy")},
                "status": {"phase": "Completed"},
            }),
        )
        .unwrap();
}

fn backup_names(server: &DemoServer, cluster: &str) -> Vec<String> {
    let mut names: Vec<String> = of_cluster(server, Kind::Backup, cluster)
        .iter()
        .map(|b| b["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn gone(server: &DemoServer, name: &str) {
    until(&format!("{name} gone"), || {
        server
            .store
            .get_value(Kind::Cluster, Some(NS), name)
            .is_none()
            .then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_cluster_runs_with_a_primary_and_a_secondary() {
    let server = start().await;
    let ctx = blank_context(&server);
    assert!(
        ctx.storage_classes
            .iter()
            .any(|c| c.is_default && c.name == "standard-rwo"),
        "{:?}",
        ctx.storage_classes
    );
    create(&server, "lc-new", "Delete").await;
    let roles = until("a primary and a secondary", || {
        let mut roles: Vec<String> = of_cluster(&server, Kind::Pod, "lc-new")
            .iter()
            .filter_map(|p| {
                p["metadata"]["labels"]["kubeblocks.io/role"]
                    .as_str()
                    .map(str::to_string)
            })
            .collect();
        roles.sort();
        (roles.len() == 2).then_some(roles)
    })
    .await;
    assert_eq!(roles, ["primary", "secondary"]);
    for kind in [
        Kind::Component,
        Kind::InstanceSet,
        Kind::PersistentVolumeClaim,
        Kind::Service,
        Kind::BackupPolicy,
        Kind::BackupSchedule,
    ] {
        assert!(
            !of_cluster(&server, kind, "lc-new").is_empty(),
            "{kind:?} of lc-new"
        );
    }
    let cluster = server
        .store
        .get_value(Kind::Cluster, Some(NS), "lc-new")
        .unwrap();
    assert_eq!(
        cluster["spec"]["componentSpecs"][0]["labels"]["apps.kubeblocks.postgres.patroni/scope"],
        "lc-new-postgresql"
    );
    // The name is taken now: the form says so before the API would.
    let ctx = blank_context(&server);
    let mut form = OpForm::from_command("create", &ctx).unwrap();
    form.set("name", "lc-new").unwrap();
    let errors = form.validate(&ctx).unwrap_err();
    assert_eq!(
        errors[0].message,
        "cluster lc-new already exists in namespace demo"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_goes_as_the_termination_policy_says() {
    let server = start().await;
    for (name, policy) in [
        ("lc-delete", "Delete"),
        ("lc-wipeout", "WipeOut"),
        ("lc-keep", "DoNotTerminate"),
    ] {
        create(&server, name, policy).await;
        backup(&server, name, &format!("{name}-full"), "Delete");
        backup(&server, name, &format!("{name}-retained"), "Retain");
    }

    // Delete: pods, services and PVCs go, backups stay.
    let ctx = context(&server, "lc-delete");
    let dialog = OpForm::new(OpKind::Delete, &ctx);
    let request = dialog.validate(&ctx).unwrap();
    assert!(request.notes[1].starts_with("2 PVC(s) and 0 backup(s) go"));
    send(&server, &request).await;
    gone(&server, "lc-delete").await;
    for kind in [
        Kind::Pod,
        Kind::PersistentVolumeClaim,
        Kind::Service,
        Kind::InstanceSet,
        Kind::Component,
    ] {
        assert!(
            of_cluster(&server, kind, "lc-delete").is_empty(),
            "{kind:?}"
        );
    }
    assert_eq!(
        backup_names(&server, "lc-delete"),
        ["lc-delete-full", "lc-delete-retained"]
    );

    // WipeOut: backups go too, except those with deletionPolicy Retain.
    let ctx = context(&server, "lc-wipeout");
    let request = OpForm::new(OpKind::Delete, &ctx).validate(&ctx).unwrap();
    assert!(request.notes[1].ends_with("1 backup(s) go; 1 backup(s) stay"));
    send(&server, &request).await;
    gone(&server, "lc-wipeout").await;
    assert!(of_cluster(&server, Kind::PersistentVolumeClaim, "lc-wipeout").is_empty());
    assert_eq!(backup_names(&server, "lc-wipeout"), ["lc-wipeout-retained"]);

    // DoNotTerminate: the dialog is the policy form; a DELETE sent anyway (as kubectl would)
    // leaves the cluster Deleting with its Warning event and everything in place.
    let ctx = context(&server, "lc-keep");
    let form = OpForm::new(OpKind::Delete, &ctx);
    assert!(matches!(form, OpForm::TerminationPolicy(_)), "{form:?}");
    send(
        &server,
        &Request {
            action: RequestAction::Delete {
                name: "lc-keep".into(),
            },
            ..form.validate(&ctx).unwrap()
        },
    )
    .await;
    until("lc-keep Deleting with its Warning event", || {
        let c = server.store.get_value(Kind::Cluster, Some(NS), "lc-keep")?;
        let warned = values(&server, Kind::Event, Some(NS))
            .iter()
            .any(|e| e["involvedObject"]["name"] == "lc-keep" && e["reason"] == "DoNotTerminate");
        (c["status"]["phase"] == "Deleting" && warned).then_some(())
    })
    .await;
    assert_eq!(of_cluster(&server, Kind::Pod, "lc-keep").len(), 2);
    // The guide's way out: change the policy; the held deletion then goes on.
    let patch = form.validate(&ctx).unwrap();
    assert_eq!(patch.offer, Some(OpKind::Delete));
    send(&server, &patch).await;
    gone(&server, "lc-keep").await;
    assert!(of_cluster(&server, Kind::PersistentVolumeClaim, "lc-keep").is_empty());
    assert_eq!(
        backup_names(&server, "lc-keep"),
        ["lc-keep-full", "lc-keep-retained"]
    );
}

/// The wal-g setup on a new cluster: each step's object ends well before the next is sent;
/// the archive command shows in the component's applied parameters; the wal-g backup
/// completes. The schedule form lists the wal-g methods the policy has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_g_setup_runs_step_by_step() {
    let server = start().await;
    create(&server, "lc-walg", "Delete").await;
    let ctx = full_context(&server, "lc-walg");
    let schedule = OpForm::new(OpKind::BackupSchedule, &ctx).fields(&ctx);
    for method in ["wal-g", "wal-g-archive"] {
        assert!(
            schedule
                .iter()
                .any(|f| f.name == format!("{method}.enabled")),
            "{method} in the schedule form"
        );
    }
    for step in WalGStep::ALL {
        let ctx = full_context(&server, "lc-walg");
        let request = step
            .form(&ctx)
            .validate(&ctx)
            .unwrap_or_else(|e| panic!("{step:?}: {e:?}"));
        send(&server, &request).await;
        let (kind, done) = match request.kind {
            Kind::Backup => (Kind::Backup, "Completed"),
            _ => (Kind::OpsRequest, "Succeed"),
        };
        until(&format!("{step:?} {done}"), || {
            let objects = of_cluster(&server, kind, "lc-walg");
            let phase = objects
                .iter()
                .filter(|o| {
                    kind == Kind::OpsRequest
                        || o["metadata"]["name"] == request.body["metadata"]["name"]
                })
                .find_map(|o| o["status"]["phase"].as_str().map(str::to_string))?;
            assert_ne!(phase, "Failed", "{step:?}");
            (phase == done).then_some(())
        })
        .await;
        if step == WalGStep::ArchiveCommand {
            let component = of_cluster(&server, Kind::Component, "lc-walg").remove(0);
            let applied = component["metadata"]["annotations"]["kbdash.io/applied-parameters"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let applied: Value = serde_json::from_str(&applied).unwrap_or_default();
            assert_eq!(
                applied["archive_command"], WAL_G_ARCHIVE_COMMAND,
                "{component}"
            );
        }
    }
}
