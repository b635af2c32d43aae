//! The restore wizard in the update loop: Enter on a continuous backup (or `:restore`) opens
//! it with the timeline; the arrow keys move the chosen time within the recoverable window;
//! an out-of-window time is refused next to the time field before anything is sent; a valid
//! one reaches the redacted preview, the typed confirmation of the new cluster's name and
//! the Submit of the original body; the new cluster is then followed; read-only refuses.

use crate::app_fixtures::{ch, fleet, key, model_with, render, type_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::state::cmd::Cmd;
use kbdash::state::cmd::FormCmd;
use kbdash::state::forms::{StageKind, TIME_FIELD};
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::FormMsg;
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::forms::examples::fixture_restore_context;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

const CONTINUOUS: &str = "5f8e2c1a-pg-cluster-postgresql-archive-wal";
/// The fixture context's window end, where the wizard's time starts.
const WINDOW_END: &str = "2025-06-03T10:14:52Z";

fn continuous_key() -> ObjKey {
    ObjKey::new("demo", CONTINUOUS)
}

/// The fleet with the Backups pane focused on the continuous backup.
fn on_backup(w: u16, h: u16) -> Model {
    let mut m = model_with(&fleet(), w, h);
    update(&mut m, ch('4'));
    assert_eq!(m.focus, Pane::Backups);
    m.store.backups.select_key(&continuous_key());
    m
}

/// Answers the LoadRestore Cmd with the fixture context of the continuous backup.
fn load(m: &mut Model, cmds: &[Cmd]) {
    let Some(Cmd::Form(FormCmd::LoadRestore { backup })) = cmds.last() else {
        panic!("expected LoadRestore, got {cmds:?}");
    };
    assert_eq!(*backup, continuous_key());
    let ctx = fixture_restore_context(true).unwrap();
    update(
        m,
        Msg::Form(FormMsg::RestoreContext {
            backup: backup.clone(),
            result: Ok(Box::new(ctx)),
        }),
    );
}

/// The wizard, loaded, focused on the time field.
fn wizard(w: u16, h: u16) -> Model {
    let mut m = on_backup(w, h);
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::Loading);
    load(&mut m, &cmds);
    m
}

fn stage(m: &Model) -> StageKind {
    m.forms
        .modal
        .as_ref()
        .expect("the wizard is open")
        .stage
        .kind()
}

fn time(m: &Model) -> String {
    let modal = m.forms.modal.as_ref().unwrap();
    let (_, input) = modal.restore_loaded().expect("loaded");
    input.time.clone()
}

fn time_errors(m: &Model) -> Vec<String> {
    let modal = m.forms.modal.as_ref().unwrap();
    modal.errors_for(TIME_FIELD).map(str::to_string).collect()
}

fn with(code: KeyCode, mods: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, mods))
}

#[test]
fn enter_on_a_continuous_backup_opens_the_wizard_with_the_timeline() {
    let m = wizard(120, 40);
    assert_eq!(stage(&m), StageKind::Edit);
    let modal = m.forms.modal.as_ref().unwrap();
    assert!(modal.time_focused(), "the time field is focused first");
    assert_eq!(time(&m), WINDOW_END);
    let screen = render(&m);
    assert!(screen.contains("Restore · from backup demo/"), "{screen}");
    assert!(screen.contains("Recoverable window"), "{screen}");
    assert!(
        screen.contains("window 06-03 02:01:10 ~ 06-03 10:14:52 UTC"),
        "{screen}"
    );
    // The chosen time in UTC and local (the fixture's local zone is UTC).
    assert!(
        screen.contains("2025-06-03T10:14:52Z (local 2025-06-03 10:14:52 +00:00)"),
        "{screen}"
    );
    assert!(
        screen.contains("Shift ±1h"),
        "the footer documents the keys: {screen}"
    );
}

#[test]
fn restore_command_opens_the_wizard_on_the_clusters_continuous_backup() {
    let mut m = model_with(&fleet(), 120, 40);
    m.store
        .clusters
        .select_key(&ObjKey::new("demo", "pg-cluster"));
    update(&mut m, ch(':'));
    type_text(&mut m, "restore");
    let cmds = update(&mut m, key(KeyCode::Enter));
    load(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Edit);
}

#[test]
fn d_still_opens_the_backup_detail() {
    let mut m = on_backup(120, 40);
    let cmds = update(&mut m, ch('d'));
    assert!(
        matches!(cmds.as_slice(), [Cmd::WatchObjectEvents { .. }]),
        "its Events only: {cmds:?}"
    );
    assert!(m.forms.modal.is_none());
    assert!(matches!(
        m.overlay,
        kbdash::state::model::Overlay::Detail(_)
    ));
}

#[test]
fn arrow_keys_move_the_time_within_the_window() {
    let mut m = wizard(120, 40);
    update(&mut m, key(KeyCode::Left));
    assert_eq!(time(&m), "2025-06-03T10:13:52Z");
    update(&mut m, with(KeyCode::Left, KeyModifiers::SHIFT));
    assert_eq!(time(&m), "2025-06-03T09:13:52Z");
    update(&mut m, with(KeyCode::Right, KeyModifiers::ALT));
    assert_eq!(time(&m), "2025-06-03T09:13:53Z");
    update(&mut m, ch('['));
    update(&mut m, ch('['));
    assert_eq!(time(&m), "2025-06-03T09:13:51Z");
    // Past the end: clamped to it.
    for _ in 0..3 {
        update(&mut m, with(KeyCode::Right, KeyModifiers::SHIFT));
    }
    assert_eq!(time(&m), WINDOW_END);
    // Far back: clamped to the window's start.
    for _ in 0..20 {
        update(&mut m, with(KeyCode::Left, KeyModifiers::SHIFT));
    }
    assert_eq!(time(&m), "2025-06-03T02:01:10Z");
    let screen = render(&m);
    assert!(screen.contains("at 06-03 02:01:10"), "{screen}");
}

#[test]
fn an_out_of_window_time_is_refused_on_the_time_field_and_sends_nothing() {
    let mut m = wizard(120, 40);
    update(&mut m, key(KeyCode::Delete));
    assert_eq!(time(&m), "");
    assert!(type_text(&mut m, "2025-06-04T09:00:00Z").is_empty());
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert!(cmds.is_empty(), "nothing is sent: {cmds:?}");
    assert_eq!(stage(&m), StageKind::Edit);
    let errors = time_errors(&m);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("restore-to-time is out of time range")),
        "{errors:?}"
    );
    let screen = render(&m);
    assert!(
        screen.contains("✗ restore-to-time is out of time range"),
        "{screen}"
    );
    // The window is on screen: the message names it rather than pointing to kbcli.
    assert!(
        screen.contains("the recoverable window is 2025-06-03T02:01:10Z ~"),
        "{screen}"
    );
    assert!(!screen.contains("kbcli cluster describe"), "{screen}");
}

#[test]
fn a_valid_time_reaches_the_redacted_preview_and_submits_the_original_body() {
    let mut m = wizard(120, 40);
    update(&mut m, key(KeyCode::Delete));
    type_text(&mut m, "2025-06-03 09:30:00 UTC");
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::DryRun);
    let Some(Cmd::Form(FormCmd::DryRun {
        attempt, request, ..
    })) = cmds.last()
    else {
        panic!("expected a dry run, got {cmds:?}");
    };
    let body = request.0.body.clone();
    assert_eq!(request.0.kind, Kind::OpsRequest);
    assert_eq!(body["spec"]["type"], "Restore");
    assert_eq!(body["metadata"]["name"], "pg-cluster-pitr");
    assert_eq!(
        body["spec"]["restore"]["restorePointInTime"],
        "2025-06-03T09:30:00Z"
    );
    update(
        &mut m,
        Msg::Form(FormMsg::DryRun {
            attempt: *attempt,
            result: Ok(()),
        }),
    );
    assert_eq!(stage(&m), StageKind::Preview);
    let modal = m.forms.modal.as_ref().unwrap();
    let shown = modal.stage.review().unwrap().yaml.lines().join("\n");
    assert!(shown.contains("restorePointInTime"), "{shown}");
    // The preview is the redacted body.
    let redacted = serde_yaml_ng::to_string(&kbdash_core::redact::redacted(&body)).unwrap();
    assert_eq!(shown.trim(), redacted.trim());
    // `e` does not open the (redacted) YAML for editing.
    update(&mut m, ch('e'));
    assert_eq!(stage(&m), StageKind::Preview);
    // A restore always asks for the new cluster's name.
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(stage(&m), StageKind::Confirm);
    type_text(&mut m, "pg-cluster");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(stage(&m), StageKind::Confirm);
    type_text(&mut m, "-pitr");
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit {
        attempt, request, ..
    })) = cmds.last()
    else {
        panic!("expected a submit, got {cmds:?}");
    };
    assert_eq!(request.0.body, body, "the original body is sent");
    assert_eq!(stage(&m), StageKind::Submitting);
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: "demo".into(),
            result: Ok("pg-cluster-pitr".into()),
        }),
    );
    assert!(m.forms.modal.is_none());
    assert_eq!(m.focus, Pane::Clusters);
    assert_eq!(m.forms.tracked.len(), 1);
    assert_eq!(m.forms.tracked[0].kind, Kind::Cluster);
    assert_eq!(
        m.forms.tracked[0].key,
        ObjKey::new("demo", "pg-cluster-pitr")
    );
}

#[test]
fn the_new_cluster_is_followed_until_running() {
    let mut m = wizard(120, 40);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::DryRun { attempt, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}");
    };
    update(
        &mut m,
        Msg::Form(FormMsg::DryRun {
            attempt: *attempt,
            result: Ok(()),
        }),
    );
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, "pg-cluster-pitr");
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit { attempt, .. })) = cmds.last() else {
        panic!("expected a submit, got {cmds:?}");
    };
    update(
        &mut m,
        Msg::Form(FormMsg::Submitted {
            attempt: *attempt,
            kind: Kind::OpsRequest,
            namespace: "demo".into(),
            result: Ok("pg-cluster-pitr".into()),
        }),
    );
    let new = ObjKey::new("demo", "pg-cluster-pitr");
    for (phase, tracked) in [("Creating", 1), ("Running", 0)] {
        let c = crate::app_fixtures::cluster(
            "demo",
            "pg-cluster-pitr",
            phase,
            1,
            "2025-06-05T08:59:00Z",
        );
        update(&mut m, crate::app_fixtures::apply(Kind::Cluster, &c));
        assert_eq!(m.forms.tracked.len(), tracked, "{phase}");
    }
    assert_eq!(
        m.store.clusters.selected().map(|c| c.key.clone()),
        Some(new)
    );
    let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
    assert!(
        notice.contains("pg-cluster-pitr") && notice.contains("Running"),
        "{notice}"
    );
}

#[test]
fn read_only_refuses_the_wizard() {
    let mut m = on_backup(120, 40);
    m.readonly = true;
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.forms.modal.is_none());
    update(&mut m, ch(':'));
    type_text(&mut m, "restore");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.forms.modal.is_none());
    let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
    assert!(notice.contains("read-only"), "{notice}");
    assert!(kbdash::state::command::word_mutates("restore"));
    assert!(kbdash::state::keymap::Action::Restore.mutates());
    assert!(Cmd::mutates(&Cmd::Form(FormCmd::Submit {
        ctx: kbdash_core::rows::Ctx(0),
        attempt: 1,
        request: kbdash::state::cmd::Outgoing(
            fixture_restore_context(true)
                .map(|ctx| kbdash_core::forms::RestoreInput::initial(&ctx)
                    .validate(&ctx)
                    .unwrap())
                .unwrap()
        ),
    })));
}

#[test]
fn wizard_snapshot_120x40() {
    let mut m = wizard(120, 40);
    update(&mut m, with(KeyCode::Left, KeyModifiers::SHIFT));
    insta::assert_snapshot!("restore_wizard_120x40", render(&m));
}

#[test]
fn a_full_backup_opens_the_wizard_without_a_time() {
    let mut m = model_with(&fleet(), 120, 40);
    update(&mut m, ch('4'));
    let full = ObjKey::new("demo", "pg-cluster-20250603020000");
    m.store.backups.select_key(&full);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::LoadRestore { backup })) = cmds.last() else {
        panic!("expected LoadRestore, got {cmds:?}");
    };
    assert_eq!(*backup, full);
    let ctx = fixture_restore_context(false).unwrap();
    update(
        &mut m,
        Msg::Form(FormMsg::RestoreContext {
            backup: full,
            result: Ok(Box::new(ctx)),
        }),
    );
    assert_eq!(stage(&m), StageKind::Edit);
    let modal = m.forms.modal.as_ref().unwrap();
    assert!(modal.fields().iter().all(|f| f.name != TIME_FIELD));
    assert!(!modal.time_focused());
    let screen = render(&m);
    assert!(!screen.contains("Recoverable window"), "{screen}");
    assert!(screen.contains("pg-cluster-restore"), "{screen}");
}

/// A restore sent as an OpsRequest that fails before its cluster exists (the backup is gone)
/// ends with the op's reason, rather than a cluster followed for ever.
#[test]
fn a_restore_whose_op_fails_is_no_longer_followed() {
    let mut m = wizard(120, 40);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::DryRun { attempt, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}");
    };
    let dry_run = FormMsg::DryRun {
        attempt: *attempt,
        result: Ok(()),
    };
    update(&mut m, Msg::Form(dry_run));
    update(&mut m, key(KeyCode::Enter));
    type_text(&mut m, "pg-cluster-pitr");
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit {
        attempt, request, ..
    })) = cmds.last()
    else {
        panic!("expected a submit, got {cmds:?}");
    };
    assert_eq!(request.0.kind, Kind::OpsRequest);
    let submitted = FormMsg::Submitted {
        attempt: *attempt,
        kind: Kind::OpsRequest,
        namespace: "demo".into(),
        result: Ok("pg-cluster-pitr-x7k2q".into()),
    };
    update(&mut m, Msg::Form(submitted));
    assert_eq!(m.forms.tracked.len(), 1);
    let op = serde_json::json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": "pg-cluster-pitr-x7k2q", "namespace": "demo",
            "creationTimestamp": "2025-06-05T08:59:00Z"},
        "spec": {"type": "Restore", "clusterName": "pg-cluster-pitr"},
        "status": {"phase": "Failed", "conditions": [{"type": "Validated", "status": "False",
            "message": "backup b not found in namespace demo"}]}
    });
    update(&mut m, crate::app_fixtures::apply(Kind::OpsRequest, &op));
    assert!(m.forms.tracked.is_empty(), "{:?}", m.forms.tracked);
    let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
    assert_eq!(
        notice,
        "Cluster demo/pg-cluster-pitr: Failed: OpsRequest demo/pg-cluster-pitr-x7k2q Failed: \
         backup b not found in namespace demo"
    );
}

/// The continuous backup of the fixtures with its range ending at `end`.
fn continuous_ending(end: &str) -> serde_json::Value {
    let mut cont = crate::app_fixtures::objects()
        .into_iter()
        .find(|(k, v)| *k == Kind::Backup && v["metadata"]["name"] == CONTINUOUS)
        .unwrap()
        .1;
    cont["status"]["timeRange"]["end"] = end.into();
    cont
}

/// Issue 14, item 8: the wizard's window and "now" stay live while it is open: the clock's
/// ticks move "now" (a typed `-1h` counts from the current time), the watch moves the window
/// as the continuous backup archives on, and a new backup of the namespace has the wizard
/// load its context again, keeping what was entered.
#[test]
fn the_wizard_follows_the_clock_and_the_backups() {
    use crate::app_fixtures::{apply, now};
    let mut m = wizard(120, 40);
    update(&mut m, Msg::Tick(now()));
    update(
        &mut m,
        apply(Kind::Backup, &continuous_ending("2025-06-05T08:59:00Z")),
    );
    let screen = render(&m);
    assert!(
        screen.contains("window 06-03 02:01:10 ~ 06-05 08:59:00 UTC"),
        "the window follows the backup: {screen}"
    );
    assert!(screen.contains("now 06-05 09:00"), "{screen}");
    update(&mut m, key(KeyCode::Delete));
    type_text(&mut m, "-1h");
    let screen = render(&m);
    assert!(
        screen.contains("2025-06-05T08:00:00Z (local 2025-06-05 08:00:00 +00:00)"),
        "-1h counts from now: {screen}"
    );
    update(&mut m, Msg::Tick(now() + chrono::TimeDelta::minutes(10)));
    let screen = render(&m);
    assert!(screen.contains("now 06-05 09:10"), "{screen}");
    assert!(screen.contains("2025-06-05T08:10:00Z (local"), "{screen}");
    // A backup the wizard does not know: it loads its context again, and keeps the input.
    let mut full = crate::app_fixtures::objects()
        .into_iter()
        .find(|(k, v)| *k == Kind::Backup && v["metadata"]["name"] != CONTINUOUS)
        .unwrap()
        .1;
    full["metadata"]["name"] = "pg-cluster-20250605020000".into();
    let cmds = update(&mut m, apply(Kind::Backup, &full));
    assert!(
        matches!(cmds.last(), Some(Cmd::Form(FormCmd::LoadRestore { backup })) if *backup == continuous_key()),
        "{cmds:?}"
    );
    assert!(
        update(&mut m, apply(Kind::Backup, &full)).is_empty(),
        "one reload at a time"
    );
    load(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Edit);
    assert_eq!(time(&m), "-1h");
    let screen = render(&m);
    assert!(
        screen.contains("now 06-05 09:10"),
        "the reloaded context keeps the clock: {screen}"
    );
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::DryRun { request, .. })) = cmds.last() else {
        panic!("expected a dry run, got {cmds:?}:\n{}", render(&m));
    };
    assert_eq!(
        request.0.body["spec"]["restore"]["restorePointInTime"],
        "2025-06-05T08:10:00Z"
    );
}

/// Issue 14, item 8: a deleted base backup takes the window away while the wizard is open;
/// the Backups listed again bring it back as a backup the wizard does not know, which has it
/// load its context again.
#[test]
fn a_deleted_base_backup_takes_the_window_away_until_it_is_listed_again() {
    use crate::app_fixtures::{objects, watch};
    use kbdash::k8s::watch::WatchEvent;
    use kbdash_core::rows::Row;
    let mut m = wizard(120, 40);
    assert!(render(&m).contains("window 06-03 02:01:10 ~ 06-03 10:14:52 UTC"));
    let full = ObjKey::new("demo", "pg-cluster-20250603020000");
    let cmds = update(&mut m, watch(Kind::Backup, WatchEvent::Delete(full)));
    assert!(cmds.is_empty(), "{cmds:?}");
    let screen = render(&m);
    assert!(
        screen.contains("no Completed full or incremental backup of cluster pg-cluster"),
        "{screen}"
    );
    update(&mut m, watch(Kind::Backup, WatchEvent::Init));
    for (_, v) in objects().iter().filter(|(k, _)| *k == Kind::Backup) {
        let row = Row::from_value(Kind::Backup, v).unwrap();
        let cmds = update(
            &mut m,
            watch(Kind::Backup, WatchEvent::InitRow(Box::new(row))),
        );
        assert!(
            cmds.is_empty(),
            "a list is followed once complete: {cmds:?}"
        );
    }
    let cmds = update(&mut m, watch(Kind::Backup, WatchEvent::InitDone));
    assert!(
        matches!(cmds.last(), Some(Cmd::Form(FormCmd::LoadRestore { .. }))),
        "{cmds:?}"
    );
    load(&mut m, &cmds);
    assert!(render(&m).contains("window 06-03 02:01:10 ~ 06-03 10:14:52 UTC"));
}
