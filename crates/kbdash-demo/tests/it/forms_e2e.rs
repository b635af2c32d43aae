//! End to end: requests built by the forms from live objects, sent through the kube client
//! to the demo server, run by the simulated operator to `Succeed` with their effect visible.
//! Polls are bounded; nothing sleeps to synchronize.

use chrono::Utc;
use kbdash_core::forms::{
    FormContext, LiveObjects, OpForm, OpKind, Request, RequestAction, ScaleDirection,
};
use kbdash_core::kinds::Kind;
use kbdash_demo::{DemoConfig, DemoServer};

use crate::demo_server_support::values;
use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;

use crate::demo_server_support::until;

async fn start() -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 6,
        seed: 7,
        speed: 200.0,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

/// The form context of cluster `ns/name`, from the live objects.
fn context(server: &DemoServer, ns: &str, name: &str) -> FormContext {
    let cluster = server
        .store
        .get_value(Kind::Cluster, Some(ns), name)
        .unwrap();
    let pods = values(server, Kind::Pod, Some(ns));
    let pvcs = values(server, Kind::PersistentVolumeClaim, Some(ns));
    let cmpv = values(server, Kind::ComponentVersion, None);
    let policies = values(server, Kind::BackupPolicy, Some(ns));
    let schedules = values(server, Kind::BackupSchedule, Some(ns));
    let components = values(server, Kind::Component, Some(ns));
    let action_sets = values(server, Kind::ActionSet, None);
    FormContext::from_objects(LiveObjects {
        cluster: &cluster,
        pods: &pods,
        components: &components,
        pvcs: &pvcs,
        component_version: cmpv.first(),
        backup_policies: &policies,
        backup_schedules: &schedules,
        action_sets: &action_sets,
        now: Utc::now(),
    })
}

/// A Running cluster with two or more ready pods, a primary and a backup schedule.
fn running_cluster(server: &DemoServer) -> (String, String) {
    values(server, Kind::Cluster, None)
        .iter()
        .map(|c| {
            (
                c["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                c["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .find(|(ns, name)| {
            let ctx = context(server, ns, name);
            ctx.phase == "Running"
                && ctx.pods.iter().filter(|p| p.ready).count() >= 2
                && ctx.primary_of("postgresql").is_some()
                && ctx.backup_schedule.is_some()
        })
        .expect("a healthy seeded cluster")
}

/// Sends the request with the kube client and returns the object's name.
async fn submit(server: &DemoServer, request: &Request) -> String {
    let client = server.client().expect("client");
    let api: Api<DynamicObject> = Api::namespaced_with(
        client,
        &request.namespace,
        &kbdash_demo::api_resource(request.kind),
    );
    let obj = match &request.action {
        RequestAction::Create => {
            let obj: DynamicObject = serde_json::from_value(request.body.clone()).unwrap();
            api.create(&PostParams::default(), &obj).await.unwrap()
        }
        RequestAction::MergePatch { name } => api
            .patch(name, &PatchParams::default(), &Patch::Merge(&request.body))
            .await
            .unwrap(),
        RequestAction::Delete { name } => {
            api.delete(name, &Default::default()).await.unwrap();
            return name.clone();
        }
    };
    obj.metadata.name.unwrap()
}

fn build(op: OpKind, ctx: &FormContext, fields: &[(&str, &str)]) -> Request {
    let mut form = OpForm::new(op, ctx);
    for (f, v) in fields {
        form.set(f, v).unwrap();
    }
    form.validate(ctx)
        .unwrap_or_else(|e| panic!("{op:?} {fields:?}: {e:?}"))
}

/// Builds, submits and waits for the OpsRequest to end; returns it.
async fn run_op(
    server: &DemoServer,
    ns: &str,
    cluster: &str,
    op: OpKind,
    fields: &[(&str, &str)],
) -> Value {
    let ctx = context(server, ns, cluster);
    let request = build(op, &ctx, fields);
    let name = submit(server, &request).await;
    assert!(name.starts_with(&format!(
        "{cluster}-{}-",
        op.ops_type().unwrap().to_lowercase()
    )));
    let done = until(&format!("{name} to end"), || {
        let o = server.store.get_value(Kind::OpsRequest, Some(ns), &name)?;
        matches!(o["status"]["phase"].as_str(), Some("Succeed" | "Failed")).then_some(o)
    })
    .await;
    assert_eq!(done["status"]["phase"], "Succeed", "{op:?}: {done:#}");
    done
}

async fn wait_phase(server: &DemoServer, ns: &str, cluster: &str, phase: &str) {
    until(&format!("{cluster} {phase}"), || {
        let c = server.store.get_value(Kind::Cluster, Some(ns), cluster)?;
        (c["status"]["phase"] == phase).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ops_request_form_runs_to_succeed_with_its_effect() {
    let server = start().await;
    let (ns, c) = running_cluster(&server);
    let comp = "postgresql";

    // horizontal scaling out by one, then the new pod taken offline again
    let before = context(&server, &ns, &c).components[0].replicas;
    run_op(
        &server,
        &ns,
        &c,
        OpKind::HorizontalScaling,
        &[("replica_changes", "1")],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    let ctx = until("the new pod ready", || {
        let ctx = context(&server, &ns, &c);
        (ctx.components[0].replicas == before + 1
            && ctx.pods.iter().filter(|p| p.ready).count() == (before + 1) as usize)
            .then_some(ctx)
    })
    .await;
    let newest = ctx.pods_of(comp).last().unwrap().name.clone();
    let mut offline = OpForm::new(OpKind::HorizontalScaling, &ctx);
    if let OpForm::HorizontalScaling(f) = &mut offline {
        f.direction = ScaleDirection::In;
        f.instances = vec![newest.clone()];
    }
    assert!(offline.disruptive(&ctx));
    let name = submit(&server, &offline.validate(&ctx).unwrap()).await;
    until("scale-in to succeed", || {
        let o = server.store.get_value(Kind::OpsRequest, Some(&ns), &name)?;
        (o["status"]["phase"] == "Succeed").then_some(())
    })
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    until("the pod gone", || {
        let ctx = context(&server, &ns, &c);
        (!ctx.pods.iter().any(|p| p.name == newest) && ctx.components[0].replicas == before)
            .then_some(())
    })
    .await;

    // vertical scaling
    run_op(
        &server,
        &ns,
        &c,
        OpKind::VerticalScaling,
        &[("cpu_request", "1500m"), ("cpu_limit", "1500m")],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    let ctx = context(&server, &ns, &c);
    assert_eq!(ctx.components[0].cpu_limit.as_deref(), Some("1500m"));

    // switchover to a named ready secondary: the roles swap
    let ctx = until("a ready secondary", || {
        let ctx = context(&server, &ns, &c);
        (!ctx.ready_secondaries_of(comp).is_empty()).then_some(ctx)
    })
    .await;
    let old_primary = ctx.primary_of(comp).unwrap().name.clone();
    let candidate = ctx.ready_secondaries_of(comp)[0].name.clone();
    run_op(
        &server,
        &ns,
        &c,
        OpKind::Switchover,
        &[("candidate", &candidate)],
    )
    .await;
    until("the candidate to be primary", || {
        let ctx = context(&server, &ns, &c);
        (ctx.primary_of(comp).map(|p| p.name.as_str()) == Some(candidate.as_str())).then_some(())
    })
    .await;
    assert_ne!(old_primary, candidate);
    wait_phase(&server, &ns, &c, "Running").await;

    // reconfigure a dynamic parameter
    run_op(
        &server,
        &ns,
        &c,
        OpKind::Reconfiguring,
        &[("parameters", "work_mem = 8MB")],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;

    // volume expansion: the cluster asks for the larger size
    let ctx = context(&server, &ns, &c);
    let volume = ctx.components[0].volumes[0].clone();
    let larger = kbdash_core::domain::quantity::Quantity::parse(&volume.storage).unwrap();
    let larger = format!("{}Gi", larger.units_ceil() / (1 << 30) + 5);
    run_op(
        &server,
        &ns,
        &c,
        OpKind::VolumeExpansion,
        &[("storage", &larger)],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    assert_eq!(
        context(&server, &ns, &c).components[0].volumes[0].storage,
        larger
    );

    // upgrade to another release of the same major (the seeded ComponentVersion has some)
    let ctx = context(&server, &ns, &c);
    let current = ctx.components[0].service_version.clone();
    let form = OpForm::new(OpKind::Upgrade, &ctx);
    let target = form
        .fields(&ctx)
        .into_iter()
        .find(|f| f.name == "service_version")
        .unwrap()
        .choices
        .into_iter()
        .find(|v| *v != current)
        .expect("another release of the same major");
    run_op(
        &server,
        &ns,
        &c,
        OpKind::Upgrade,
        &[("service_version", &target)],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    assert_eq!(
        context(&server, &ns, &c).components[0].service_version,
        target
    );

    // expose, restart
    run_op(
        &server,
        &ns,
        &c,
        OpKind::Expose,
        &[("service_type", "LoadBalancer"), ("preset", "aws-internal")],
    )
    .await;
    wait_phase(&server, &ns, &c, "Running").await;
    run_op(&server, &ns, &c, OpKind::Restart, &[]).await;
    wait_phase(&server, &ns, &c, "Running").await;

    // stop, then start: the cluster follows
    run_op(&server, &ns, &c, OpKind::Stop, &[]).await;
    wait_phase(&server, &ns, &c, "Stopped").await;
    let stopped = context(&server, &ns, &c);
    let errors = OpForm::new(OpKind::Restart, &stopped)
        .validate(&stopped)
        .unwrap_err();
    assert_eq!(
        errors[0].message,
        "OpsRequest.spec.type=Restart is forbidden when Cluster.status.phase=Stopped"
    );
    run_op(&server, &ns, &c, OpKind::Start, &[]).await;
    wait_phase(&server, &ns, &c, "Running").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_schedule_forms_reach_the_server() {
    let server = start().await;
    let (ns, c) = running_cluster(&server);
    let ctx = context(&server, &ns, &c);

    let request = build(OpKind::Backup, &ctx, &[("retention", "7d")]);
    let name = submit(&server, &request).await;
    let backup = until("the backup to complete", || {
        let b = server.store.get_value(Kind::Backup, Some(&ns), &name)?;
        matches!(b["status"]["phase"].as_str(), Some("Completed" | "Failed")).then_some(b)
    })
    .await;
    assert_eq!(backup["status"]["phase"], "Completed", "{backup:#}");

    let schedule = ctx.backup_schedule.clone().unwrap();
    let first = schedule.schedules[0].method.clone();
    let request = build(
        OpKind::BackupSchedule,
        &ctx,
        &[(&format!("{first}.cron"), "15 4 * * *")],
    );
    submit(&server, &request).await;
    let stored = server
        .store
        .get_value(Kind::BackupSchedule, Some(&ns), &schedule.name)
        .unwrap();
    assert_eq!(
        stored["spec"]["schedules"][0]["cronExpression"],
        "15 4 * * *"
    );
    assert_eq!(
        stored["spec"]["schedules"].as_array().unwrap().len(),
        schedule.schedules.len()
    );

    // disabling the continuous method stops archiving
    let continuous = schedule
        .schedules
        .iter()
        .find(|s| ctx.is_continuous(&s.method))
        .expect("a continuous method")
        .method
        .clone();
    let running = |server: &DemoServer| {
        values(server, Kind::Backup, Some(&ns))
            .into_iter()
            .any(|b| {
                b["spec"]["backupMethod"] == continuous.as_str()
                    && b["metadata"]["labels"]["app.kubernetes.io/instance"] == c.as_str()
                    && b["status"]["phase"] == "Running"
            })
    };
    assert!(running(&server), "seeded with continuous archiving");
    let ctx = context(&server, &ns, &c);
    let toggle = format!("{continuous}.enabled");
    submit(
        &server,
        &build(OpKind::BackupSchedule, &ctx, &[(&toggle, "false")]),
    )
    .await;
    until(&format!("{continuous} to stop"), || {
        (!running(&server)).then_some(())
    })
    .await;

    // enabling it again starts a new Running archive
    let ctx = context(&server, &ns, &c);
    submit(
        &server,
        &build(OpKind::BackupSchedule, &ctx, &[(&toggle, "true")]),
    )
    .await;
    until(&format!("{continuous} to run again"), || {
        running(&server).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reconfigure_sends_nothing() {
    let server = start().await;
    let (ns, c) = running_cluster(&server);
    let ctx = context(&server, &ns, &c);
    let before = server.store.count(Kind::OpsRequest);
    let mut form = OpForm::new(OpKind::Reconfiguring, &ctx);
    form.set("parameters", "max_connections = 5").unwrap();
    let errors = form.validate(&ctx).unwrap_err();
    assert_eq!(
        errors[0].message,
        "max_connections must be an integer between 6 and 8388607"
    );
    assert_eq!(server.store.count(Kind::OpsRequest), before);
}
