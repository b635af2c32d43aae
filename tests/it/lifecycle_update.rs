//! The cluster lifecycle in the update loop: `n` and `:create` open a new cluster's form
//! (without a selected cluster too), whose typed confirmation is the new name and whose
//! cluster is selected and followed until it runs; Ctrl-D and `:delete` open the delete
//! dialog, which states what the termination policy does and sends a DELETE after the
//! cluster's name is typed, then follows the cluster until it is gone; on a DoNotTerminate
//! cluster the dialog is the policy form, which offers the delete once it is in. Read-only
//! mode opens none of them. Snapshots of the create form and the delete dialog.

use crate::app_fixtures::{
    apply, ch, command, dry_run_ok, fleet, focus_field, key, model_with, render, type_text,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::state::cmd::{Cmd, FormCmd};
use kbdash::state::forms::StageKind;
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::{FormMsg, Msg};
use kbdash::update::update;
use kbdash_core::forms::examples::fixture_context;
use kbdash_core::forms::{BackupInfo, FormContext, RequestAction, StorageClassInfo};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey};
use serde_json::json;

fn model(w: u16, h: u16) -> (Model, ObjKey) {
    let mut m = model_with(&fleet(), w, h);
    let key = m.store.clusters.selected().unwrap().key.clone();
    m.familiar = Some(key.clone());
    (m, key)
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn stage(m: &Model) -> StageKind {
    m.forms.modal.as_ref().expect("a form is open").stage.kind()
}

/// The fixture context on `cluster`, with StorageClasses, two PVCs, three backups and the
/// termination policy `policy`.
fn context(cluster: &ObjKey, policy: &str) -> FormContext {
    let mut ctx = fixture_context();
    ctx.cluster = cluster.name.to_string();
    ctx.namespace = cluster.namespace.to_string();
    ctx.termination_policy = policy.to_string();
    ctx.pvcs = vec!["data-0".into(), "data-1".into()];
    ctx.backups = ["Delete", "Delete", "Retain"]
        .iter()
        .enumerate()
        .map(|(i, p)| BackupInfo {
            name: format!("b{i}"),
            deletion_policy: p.to_string(),
            phase: "Completed".into(),
            continuous: false,
        })
        .collect();
    ctx.storage_classes = vec![StorageClassInfo {
        name: "standard-rwo".into(),
        is_default: true,
    }];
    ctx
}

/// Answers the load Cmd (`LoadContext` or `LoadBlank`) with `ctx`.
fn load(m: &mut Model, cmds: &[Cmd], ctx: FormContext) {
    let cluster = match cmds.last() {
        Some(Cmd::Form(FormCmd::LoadContext { cluster })) => cluster.clone(),
        Some(Cmd::Form(FormCmd::LoadBlank { ctx, namespace })) => {
            ObjKey::new(namespace, "").in_ctx(*ctx)
        }
        other => panic!("expected a load, got {other:?}"),
    };
    update(
        m,
        Msg::Form(FormMsg::Context {
            cluster,
            result: Ok(Box::new(ctx)),
        }),
    );
}

/// Reviews and dry-runs the form, the server accepting it.
fn review_and_dry_run(m: &mut Model) {
    let cmds = update(m, key(KeyCode::Enter));
    assert_eq!(
        stage(m),
        StageKind::DryRun,
        "{:?}",
        m.forms.modal.as_ref().unwrap().errors
    );
    dry_run_ok(m, &cmds);
}

/// The submit the last key sent: its attempt and request.
fn sent_submit(cmds: &[Cmd]) -> (u64, kbdash_core::forms::Request) {
    let Some(Cmd::Form(FormCmd::Submit {
        attempt, request, ..
    })) = cmds.last()
    else {
        panic!("expected a submit, got {cmds:?}");
    };
    (*attempt, request.0.clone())
}

/// Reviews, dry-runs and confirms with `typed`; returns the submit's attempt and request.
fn submit(m: &mut Model, typed: &str) -> (u64, kbdash_core::forms::Request) {
    review_and_dry_run(m);
    assert_eq!(stage(m), StageKind::Preview);
    update(m, key(KeyCode::Enter));
    assert_eq!(stage(m), StageKind::Confirm);
    type_text(m, typed);
    sent_submit(&update(m, key(KeyCode::Enter)))
}

fn notice(m: &Model) -> String {
    m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default()
}

#[test]
fn n_creates_a_cluster_confirmed_by_its_new_name_and_follows_it_until_it_runs() {
    let (mut m, cluster) = model(120, 40);
    let cmds = update(&mut m, ch('n'));
    load(&mut m, &cmds, context(&cluster, "Delete"));
    assert_eq!(stage(&m), StageKind::Edit);
    focus_field(&mut m, "name");
    type_text(&mut m, "orders");
    // The cluster operated on is not the confirmation: the new name is.
    let cmds = update(&mut m, key(KeyCode::Enter));
    dry_run_ok(&mut m, &cmds);
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, &cluster.name);
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Edit);
    let (attempt, request) = submit(&mut m, "orders");
    assert_eq!(request.kind, Kind::Cluster);
    assert_eq!(request.action, RequestAction::Create);
    assert_eq!(request.body["metadata"]["name"], "orders");
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt,
            kind: Kind::Cluster,
            namespace: cluster.namespace.to_string(),
            result: Ok("orders".into()),
        }),
    );
    assert!(m.forms.modal.is_none());
    assert_eq!(m.focus, Pane::Clusters);
    assert!(
        notice(&m).contains("following it until it runs"),
        "{}",
        notice(&m)
    );
    let ns = cluster.namespace.to_string();
    let row = |phase: &str| {
        json!({"apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster",
               "metadata": {"name": "orders", "namespace": ns, "uid": "u-orders",
                            "creationTimestamp": "2025-06-04T12:00:00Z"},
               "spec": {"clusterDef": "postgresql", "componentSpecs": [{"name": "postgresql"}]},
               "status": {"phase": phase}})
    };
    update(&mut m, apply(Kind::Cluster, &row("Creating")));
    assert_eq!(
        m.store.clusters.selected().map(|c| c.key.name.to_string()),
        Some("orders".to_string()),
        "selected once its row arrives"
    );
    update(&mut m, apply(Kind::Cluster, &row("Running")));
    assert!(notice(&m).ends_with("orders: Running"), "{}", notice(&m));
    assert!(m.forms.tracked.is_empty());
}

#[test]
fn create_without_a_selected_cluster_loads_its_choices_alone() {
    let mut m = model_with(&[], 120, 40);
    m.namespace = Some("demo".into());
    let cmds = command(&mut m, "create");
    assert_eq!(
        cmds.last(),
        Some(&Cmd::Form(FormCmd::LoadBlank {
            ctx: Ctx::default(),
            namespace: "demo".into()
        }))
    );
    let ctx = FormContext {
        namespace: "demo".into(),
        releases: vec!["16.9.0".into(), "17.5.0".into()],
        ..FormContext::default()
    };
    load(&mut m, &cmds, ctx);
    assert_eq!(stage(&m), StageKind::Edit);
    let fields = m.forms.modal.as_ref().unwrap().fields();
    let version = fields.iter().find(|f| f.name == "version").unwrap();
    assert_eq!(version.value, "17.5.0", "newest by default");
    assert!(render(&m).contains("New cluster"));
    // Without a cluster, the others need one.
    let mut m = model_with(&[], 120, 40);
    assert!(command(&mut m, "delete").is_empty());
    assert_eq!(notice(&m), ":delete needs a selected cluster");
}

#[test]
fn ctrl_d_deletes_by_the_policy_after_the_name_and_follows_until_gone() {
    let (mut m, cluster) = model(120, 40);
    let cmds = update(&mut m, ctrl('d'));
    load(&mut m, &cmds, context(&cluster, "WipeOut"));
    assert_eq!(stage(&m), StageKind::Edit);
    let screen = render(&m);
    assert!(screen.contains("Delete the cluster"), "{screen}");
    assert!(
        screen.contains("backups too, except backups with deletionPolicy"),
        "{screen}"
    );
    assert!(screen.contains("2 (1 kept)"), "{screen}");
    let (attempt, request) = submit(&mut m, &cluster.name);
    assert_eq!(
        request.action,
        RequestAction::Delete {
            name: cluster.name.to_string()
        }
    );
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt,
            kind: Kind::Cluster,
            namespace: cluster.namespace.to_string(),
            result: Ok(cluster.name.to_string()),
        }),
    );
    assert!(notice(&m).contains("deletion submitted"), "{}", notice(&m));
    assert_eq!(m.forms.tracked.len(), 1);
    // Running, then Deleting: followed on.
    let row = m.store.clusters.get(&cluster).unwrap().clone();
    let deleting = json!({"apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster",
        "metadata": {"name": cluster.name.to_string(), "namespace": cluster.namespace.to_string(),
                     "uid": "u", "creationTimestamp": "2025-06-01T09:00:00Z",
                     "deletionTimestamp": "2025-06-04T12:00:00Z"},
        "status": {"phase": "Deleting"}});
    update(&mut m, apply(Kind::Cluster, &deleting));
    assert_eq!(m.forms.tracked.len(), 1, "{row:?}");
    update(
        &mut m,
        crate::app_fixtures::watch(
            Kind::Cluster,
            kbdash::k8s::watch::WatchEvent::Delete(cluster.clone()),
        ),
    );
    assert!(m.forms.tracked.is_empty());
    assert!(notice(&m).ends_with(": deleted"), "{}", notice(&m));
}

#[test]
fn do_not_terminate_is_refused_and_the_policy_change_offers_the_delete() {
    let (mut m, cluster) = model(120, 40);
    let cmds = command(&mut m, "delete");
    load(&mut m, &cmds, context(&cluster, "DoNotTerminate"));
    let screen = render(&m);
    assert!(
        screen.contains("refused: ") && screen.contains("has terminationPolicy DoNotTerminate"),
        "{screen}"
    );
    let (attempt, request) = submit(&mut m, &cluster.name);
    assert_eq!(request.body["spec"], json!({"terminationPolicy": "Delete"}));
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt,
            kind: Kind::Cluster,
            namespace: cluster.namespace.to_string(),
            result: Ok(cluster.name.to_string()),
        }),
    );
    assert!(
        notice(&m).ends_with(&format!(":delete on {cluster} deletes it now")),
        "{}",
        notice(&m)
    );
}

#[test]
fn read_only_opens_no_lifecycle_form() {
    let (mut m, _) = model(120, 40);
    m.readonly = true;
    for msg in [ch('n'), ctrl('d'), ch('D')] {
        assert!(update(&mut m, msg).is_empty());
        assert!(m.forms.modal.is_none());
    }
    for line in ["create", "clone", "delete", "termination-policy"] {
        assert!(command(&mut m, line).is_empty(), ":{line}");
        assert!(m.forms.modal.is_none(), ":{line}");
    }
}

#[test]
fn snapshots() {
    for (w, h) in [(120, 40), (80, 24)] {
        let (mut m, cluster) = model(w, h);
        let cmds = command(&mut m, "clone");
        load(&mut m, &cmds, context(&cluster, "Delete"));
        insta::assert_snapshot!(format!("create_form_{w}x{h}"), render(&m));

        let (mut m, cluster) = model(w, h);
        let cmds = update(&mut m, ctrl('d'));
        load(&mut m, &cmds, context(&cluster, "Delete"));
        insta::assert_snapshot!(format!("delete_dialog_{w}x{h}"), render(&m));
    }
}

/// Submits the open form and answers the submit with `name`.
fn submitted(m: &mut Model, cluster: &ObjKey, kind: Kind, name: &str) {
    let (attempt, request) = submit_unconfirmed(m);
    assert_eq!(request.kind, kind);
    update(
        m,
        Msg::Form(FormMsg::Submitted {
            attempt,
            kind,
            namespace: cluster.namespace.to_string(),
            result: Ok(name.into()),
        }),
    );
}

/// Reviews, dry-runs and submits a form that asks no typed confirmation.
fn submit_unconfirmed(m: &mut Model) -> (u64, kbdash_core::forms::Request) {
    review_and_dry_run(m);
    sent_submit(&update(m, key(KeyCode::Enter)))
}

/// The row of a finished Backup or OpsRequest of `cluster`.
fn finished(cluster: &ObjKey, kind: Kind, name: &str, phase: &str) -> Msg {
    let meta = json!({"name": name, "namespace": cluster.namespace.to_string(), "uid": name,
        "creationTimestamp": "2025-06-04T12:00:00Z",
        "labels": {"app.kubernetes.io/instance": cluster.name.to_string()}});
    let body = match kind {
        Kind::Backup => json!({"apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
            "kind": "Backup", "metadata": meta,
            "spec": {"backupMethod": "wal-g"}, "status": {"phase": phase}}),
        _ => json!({"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
            "metadata": meta,
            "spec": {"clusterName": cluster.name.to_string(), "type": "Reconfiguring"},
            "status": {"phase": phase}}),
    };
    apply(kind, &body)
}

#[test]
fn the_wal_g_setup_opens_each_step_once_the_one_before_has_ended_well() {
    let (mut m, cluster) = model(120, 40);
    let wal_g = || {
        let mut ctx = context(&cluster, "Delete");
        ctx.backup_policies = kbdash_core::forms::examples::fixture_wal_g_context().backup_policies;
        ctx
    };
    // Step 1: the config-wal-g Backup.
    let cmds = command(&mut m, "wal-g-setup");
    load(&mut m, &cmds, wal_g());
    let fields = m.forms.modal.as_ref().unwrap().fields();
    let method = fields.iter().find(|f| f.name == "method").unwrap();
    assert_eq!(method.value, "config-wal-g");
    submitted(
        &mut m,
        &cluster,
        Kind::Backup,
        &format!("{}-config-wal-g", cluster.name),
    );
    assert!(notice(&m).contains("step 1 of 3"), "{}", notice(&m));
    // Its row arrives and is selected: not before it has ended.
    let config = format!("{}-config-wal-g", cluster.name);
    update(&mut m, finished(&cluster, Kind::Backup, &config, "Running"));
    assert!(command(&mut m, "wal-g-setup").is_empty());
    assert!(notice(&m).contains("has not ended yet"), "{}", notice(&m));
    update(
        &mut m,
        finished(&cluster, Kind::Backup, &config, "Completed"),
    );
    assert!(
        notice(&m).contains(":wal-g-setup opens step 2 of 3"),
        "{}",
        notice(&m)
    );

    // Step 2: archive_command, exactly the guide's value.
    let cmds = command(&mut m, "wal-g-setup");
    load(&mut m, &cmds, wal_g());
    let ops = format!("{}-reconfiguring-x1", cluster.name);
    let (attempt, request) = submit_unconfirmed(&mut m);
    assert_eq!(
        request.body["spec"]["reconfigures"][0]["parameters"][0]["value"],
        kbdash_core::forms::WAL_G_ARCHIVE_COMMAND
    );
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt,
            kind: Kind::OpsRequest,
            namespace: cluster.namespace.to_string(),
            result: Ok(ops.clone()),
        }),
    );
    // A failed step is run again.
    update(&mut m, finished(&cluster, Kind::OpsRequest, &ops, "Failed"));
    assert!(notice(&m).contains("runs it again"), "{}", notice(&m));
    let cmds = command(&mut m, "wal-g-setup");
    load(&mut m, &cmds, wal_g());
    let ops = format!("{}-reconfiguring-x2", cluster.name);
    submitted(&mut m, &cluster, Kind::OpsRequest, &ops);
    update(
        &mut m,
        finished(&cluster, Kind::OpsRequest, &ops, "Succeed"),
    );
    assert!(notice(&m).contains("opens step 3 of 3"), "{}", notice(&m));

    // Step 3: the wal-g full backup; then the setup is done.
    let cmds = command(&mut m, "wal-g-setup");
    load(&mut m, &cmds, wal_g());
    let full = format!("{}-wal-g", cluster.name);
    submitted(&mut m, &cluster, Kind::Backup, &full);
    update(&mut m, finished(&cluster, Kind::Backup, &full, "Completed"));
    assert!(notice(&m).ends_with("is done"), "{}", notice(&m));
    assert!(command(&mut m, "wal-g-setup").is_empty());
    assert!(notice(&m).contains("is done (:wal-g-config runs it again)"));
}
