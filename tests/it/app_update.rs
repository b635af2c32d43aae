//! `update` sequences: watch events in, model and commands out.

use crate::app_fixtures::{apply, ch, fleet, key, model_with, now, pod, type_text, watch};
use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::cmd::Cmd;
use kbdash::state::columns::ColumnId;
use kbdash::state::model::{Model, Overlay, Pane, StreamState};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, Row};
use serde_json::json;

fn fresh() -> Model {
    model_with(&fleet(), 120, 40)
}

fn pod_names(m: &Model) -> Vec<String> {
    (0..m.store.pods.visible_len())
        .map(|i| m.store.pods.visible_row(i).unwrap().key.name.to_string())
        .collect()
}

fn row(kind: Kind, v: &serde_json::Value) -> Box<Row> {
    Box::new(Row::from_value(kind, v).unwrap())
}

#[test]
fn initial_sync_goes_syncing_then_live() {
    let mut m = Model::new("ctx", None, now());
    assert_eq!(
        m.streams[&(kbdash_core::rows::Ctx(0), Kind::Pod)],
        StreamState::Pending
    );
    update(&mut m, watch(Kind::Pod, WatchEvent::Init));
    update(
        &mut m,
        watch(
            Kind::Pod,
            WatchEvent::InitRow(row(Kind::Pod, &pod("a", "c", 0, "primary", true))),
        ),
    );
    assert_eq!(
        m.streams[&(kbdash_core::rows::Ctx(0), Kind::Pod)],
        StreamState::Syncing { count: 1 }
    );
    assert!(m.store.pods.is_empty(), "rows wait for InitDone");
    update(&mut m, watch(Kind::Pod, WatchEvent::InitDone));
    assert_eq!(
        m.streams[&(kbdash_core::rows::Ctx(0), Kind::Pod)],
        StreamState::Live
    );
    assert_eq!(m.store.pods.len(), 1);
}

#[test]
fn relist_swaps_in_the_fresh_set_without_ghosts() {
    let mut m = fresh();
    assert_eq!(m.store.pods.len(), 5);
    update(&mut m, watch(Kind::Pod, WatchEvent::Init));
    // The old rows stay on screen while the list arrives.
    assert_eq!(m.store.pods.len(), 5);
    for v in [
        pod("ops", "billing", 0, "primary", true),
        pod("ops", "billing", 3, "secondary", true),
    ] {
        update(
            &mut m,
            watch(Kind::Pod, WatchEvent::InitRow(row(Kind::Pod, &v))),
        );
        // The same object twice in one list is still one row.
        update(
            &mut m,
            watch(Kind::Pod, WatchEvent::InitRow(row(Kind::Pod, &v))),
        );
    }
    update(&mut m, watch(Kind::Pod, WatchEvent::InitDone));
    assert_eq!(
        pod_names(&m),
        ["billing-postgresql-0", "billing-postgresql-3"]
    );
    let billing = ObjKey::new("ops", "billing");
    assert_eq!(m.store.cluster_pods(&billing).count(), 2);
}

#[test]
fn stream_errors_become_visible_states() {
    let mut m = fresh();
    let t0 = now();
    let err = |at, e| Msg::Watch {
        ctx: kbdash_core::rows::Ctx(0),
        kind: Kind::Cluster,
        at,
        event: WatchEvent::Error(e),
    };
    update(
        &mut m,
        err(t0, StreamError::Other("connection refused".into())),
    );
    update(
        &mut m,
        err(
            t0 + TimeDelta::seconds(3),
            StreamError::Other("connection refused".into()),
        ),
    );
    match &m.streams[&(kbdash_core::rows::Ctx(0), Kind::Cluster)] {
        StreamState::Reconnecting { since, attempt, .. } => {
            assert_eq!((*since, *attempt), (t0, 2));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        m.store.clusters.len(),
        3,
        "rows are kept while reconnecting"
    );
    update(&mut m, watch(Kind::Cluster, WatchEvent::Init));
    update(&mut m, watch(Kind::Cluster, WatchEvent::InitDone));
    assert_eq!(
        m.streams[&(kbdash_core::rows::Ctx(0), Kind::Cluster)],
        StreamState::Live
    );

    update(
        &mut m,
        err(
            t0,
            StreamError::Forbidden("opsrequests is forbidden".into()),
        ),
    );
    assert_eq!(
        m.streams[&(kbdash_core::rows::Ctx(0), Kind::Cluster)],
        StreamState::Forbidden("opsrequests is forbidden".into())
    );
    update(
        &mut m,
        watch(
            Kind::BackupSchedule,
            WatchEvent::Error(StreamError::NotFound("404".into())),
        ),
    );
    let StreamState::NotInstalled(msg) =
        &m.streams[&(kbdash_core::rows::Ctx(0), Kind::BackupSchedule)]
    else {
        panic!("not NotInstalled")
    };
    assert!(msg.contains("data-protection"));
    let screen = crate::app_fixtures::render(&m);
    assert!(
        screen.contains("forbidden: opsrequests is forbidden"),
        "{screen}"
    );
}

#[test]
fn selection_stays_on_its_object_when_rows_come_and_go_above() {
    let mut m = fresh();
    update(&mut m, ch('2'));
    update(&mut m, ch('G'));
    let selected = m.store.pods.selected().unwrap().key.clone();
    assert_eq!(selected.name, "pg-cluster-postgresql-1");
    // A pod that sorts first appears, then another one above goes away.
    update(
        &mut m,
        apply(Kind::Pod, &pod("ops", "aaa", 0, "primary", true)),
    );
    assert_eq!(m.store.pods.selected().unwrap().key, selected);
    update(
        &mut m,
        watch(
            Kind::Pod,
            WatchEvent::Delete(ObjKey::new("ops", "billing-postgresql-1")),
        ),
    );
    assert_eq!(m.store.pods.selected().unwrap().key, selected);
    assert_eq!(m.store.pods.cursor(), 4);
}

#[test]
fn filter_matches_any_visible_column_and_esc_clears() {
    let mut m = fresh();
    update(&mut m, ch('2'));
    update(&mut m, ch('/'));
    type_text(&mut m, "SECONDARY");
    assert_eq!(
        pod_names(&m),
        ["billing-postgresql-1", "pg-cluster-postgresql-1"]
    );
    update(&mut m, key(KeyCode::Enter));
    assert!(m.input.is_none());
    assert_eq!(m.store.pods.visible_len(), 2, "Enter keeps the filter");
    update(&mut m, ch('/'));
    type_text(&mut m, "node-b");
    update(&mut m, key(KeyCode::Backspace));
    assert_eq!(
        m.store.pods.visible_len(),
        0,
        "secondarynode- matches nothing"
    );
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.store.pods.visible_len(), 5);
}

#[test]
fn scoping_to_a_cluster_and_back() {
    let mut m = fresh();
    assert_eq!(m.store.clusters.selected().unwrap().key.name, "billing");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.focus, Pane::Pods);
    assert_eq!(m.scope, Some(ObjKey::new("ops", "billing")));
    assert_eq!(m.store.pods.visible_len(), 3);
    update(&mut m, ch('3'));
    assert_eq!(m.store.ops.visible_len(), 0);
    // New pods of other clusters stay out of a scoped pane.
    update(
        &mut m,
        apply(Kind::Pod, &pod("demo", "pg-cluster", 7, "secondary", true)),
    );
    update(&mut m, ch('2'));
    assert_eq!(m.store.pods.visible_len(), 3);
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.scope, None);
    assert_eq!(m.store.pods.visible_len(), 6);
}

#[test]
fn role_flip_records_history_and_highlights() {
    let mut m = fresh();
    let cluster = ObjKey::new("ops", "billing");
    assert_eq!(m.store.roles.primaries[&cluster], "billing-postgresql-0");
    let later = now() + TimeDelta::seconds(10);
    let flip = |v| Msg::Watch {
        ctx: kbdash_core::rows::Ctx(0),
        kind: Kind::Pod,
        at: later,
        event: WatchEvent::Apply(row(Kind::Pod, &v)),
    };
    update(&mut m, flip(pod("ops", "billing", 0, "secondary", true)));
    assert!(
        !m.store.roles.history.contains_key(&cluster),
        "no primary yet: nothing to record"
    );
    update(&mut m, flip(pod("ops", "billing", 1, "primary", true)));
    let h = &m.store.roles.history[&cluster];
    assert_eq!(h.len(), 1);
    assert_eq!(
        (
            h[0].at,
            h[0].old_primary.as_str(),
            h[0].new_primary.as_str()
        ),
        (later, "billing-postgresql-0", "billing-postgresql-1")
    );
    let pod1 = ObjKey::new("ops", "billing-postgresql-1");
    m.now = later;
    assert!(m.is_flashing(&pod1));
    update(&mut m, Msg::Tick(later + TimeDelta::seconds(6)));
    assert!(!m.is_flashing(&pod1));
    assert!(
        m.store.roles.flashes.is_empty(),
        "old highlights are dropped"
    );
}

#[test]
fn role_history_is_bounded() {
    let mut m = fresh();
    for i in 0..50u32 {
        let (a, b) = if i % 2 == 0 { (0, 1) } else { (1, 0) };
        update(
            &mut m,
            apply(Kind::Pod, &pod("ops", "billing", a, "secondary", true)),
        );
        update(
            &mut m,
            apply(Kind::Pod, &pod("ops", "billing", b, "primary", true)),
        );
    }
    assert_eq!(
        m.store.roles.history[&ObjKey::new("ops", "billing")].len(),
        kbdash::state::store::ROLE_HISTORY_LEN
    );
}

#[test]
fn detail_and_live_yaml_follow() {
    let mut m = fresh();
    update(&mut m, ch('2'));
    let target = ObjRef {
        kind: Kind::Pod,
        key: ObjKey::new("ops", "billing-postgresql-0"),
    };
    // A pod's detail follows the pod from the start: its containers are in no row.
    let cmds = update(&mut m, key(KeyCode::Enter));
    assert_eq!(cmds[0], Cmd::Follow(Some(target.clone())));
    assert!(
        matches!(&cmds[1..], [Cmd::WatchObjectEvents { .. }]),
        "its Events"
    );
    assert!(matches!(&m.overlay, Overlay::Detail(d) if d.target == target && !d.yaml));
    assert_eq!(update(&mut m, ch('y')), [Cmd::Follow(Some(target.clone()))]);
    // A body for another object is ignored; the followed one is shown as YAML.
    let other = ObjRef {
        kind: Kind::Pod,
        key: ObjKey::new("ops", "x"),
    };
    update(
        &mut m,
        Msg::Raw {
            target: other,
            result: Ok(json!({"a": 1})),
        },
    );
    assert!(m.raw.is_none());
    update(
        &mut m,
        Msg::Raw {
            target: target.clone(),
            result: Ok(json!({"metadata": {"name": "billing-postgresql-0"}})),
        },
    );
    let (_, lines) = m.raw.as_ref().unwrap();
    assert_eq!(lines, &["metadata:", "  name: billing-postgresql-0"]);
    assert_eq!(
        update(&mut m, key(KeyCode::Esc)),
        [Cmd::Follow(None), Cmd::StopObjectEvents]
    );
    assert_eq!(m.overlay, Overlay::None);
    assert!(m.raw.is_none());
}

#[test]
fn command_line_emits_commands() {
    let mut m = fresh();
    m.contexts = vec!["prod".into(), "staging".into()];
    let run = |m: &mut Model, line: &str| {
        update(m, ch(':'));
        let mut cmds = type_text(m, line);
        cmds.extend(update(m, key(KeyCode::Enter)));
        cmds
    };
    assert_eq!(
        run(&mut m, "ns demo"),
        [Cmd::Watch {
            namespace: Some("demo".into())
        }]
    );
    assert_eq!(run(&mut m, "ns all"), [Cmd::Watch { namespace: None }]);
    assert_eq!(
        run(&mut m, "ctx staging"),
        [Cmd::SwitchContext("staging".into())]
    );
    assert!(run(&mut m, "ctx nowhere").is_empty());
    assert!(m.notice.as_ref().unwrap().0.contains("nowhere"));
    assert_eq!(run(&mut m, "theme light"), [Cmd::LoadTheme("light".into())]);
    assert!(run(&mut m, "backups").is_empty());
    assert_eq!(m.focus, Pane::Backups);
    // Tab completes.
    update(&mut m, ch(':'));
    type_text(&mut m, "ct");
    update(&mut m, key(KeyCode::Tab));
    type_text(&mut m, "p");
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(m.input.as_ref().unwrap().text, "ctx prod ");
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(run(&mut m, "q"), [Cmd::Quit]);
    assert!(m.quit);
}

#[test]
fn q_quits_and_ctrl_c_always_quits() {
    let mut m = fresh();
    assert_eq!(update(&mut m, ch('q')), [Cmd::Quit]);
    let mut m = fresh();
    update(&mut m, ch('/'));
    type_text(&mut m, "q");
    assert!(!m.quit, "q in the filter is text");
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut m, ctrl_c), [Cmd::Quit]);
}

#[test]
fn panes_cycle_and_sort_changes_order() {
    let mut m = fresh();
    update(&mut m, key(KeyCode::Tab));
    assert_eq!(m.focus, Pane::Pods);
    update(&mut m, key(KeyCode::BackTab));
    update(&mut m, key(KeyCode::BackTab));
    assert_eq!(m.focus, Pane::Backups);
    update(&mut m, ch('2'));
    // NAME -> ROLE.
    update(&mut m, ch('>'));
    assert_eq!(m.store.pods.sort().column, ColumnId::Role);
    assert_eq!(m.store.pods.visible_row(0).unwrap().role, "");
    update(&mut m, ch('r'));
    assert!(m.store.pods.sort().descending);
    assert_eq!(m.store.pods.visible_row(0).unwrap().role, "secondary");
    let screen = crate::app_fixtures::render(&m);
    assert!(screen.contains("ROLE↓"), "{screen}");
    update(&mut m, ch('<'));
    update(&mut m, ch('<'));
    assert_eq!(
        m.store.pods.sort().column,
        ColumnId::Namespace,
        "NAMESPACE sorts when several show"
    );
    // Shift-letters sort by a named column; the same letter again reverses.
    update(&mut m, ch('S'));
    assert_eq!(m.store.pods.sort().column, ColumnId::Status);
    assert!(!m.store.pods.sort().descending);
    update(&mut m, ch('S'));
    assert!(m.store.pods.sort().descending);
    update(&mut m, ch('A'));
    assert_eq!(m.store.pods.sort().column, ColumnId::Age);
}

#[test]
fn paging_moves_by_a_screen() {
    let mut objs = fleet();
    for i in 0..100 {
        objs.push((Kind::Pod, pod("bulk", "big", i, "secondary", true)));
    }
    let mut m = model_with(&objs, 80, 24);
    update(&mut m, ch('2'));
    update(&mut m, key(KeyCode::PageDown));
    assert_eq!(m.store.pods.cursor(), 18);
    update(&mut m, ch('G'));
    assert_eq!(m.store.pods.cursor(), 104);
    assert_eq!(m.store.pods.offset(), 105 - 18);
    update(&mut m, ch('g'));
    assert_eq!((m.store.pods.cursor(), m.store.pods.offset()), (0, 0));
}
