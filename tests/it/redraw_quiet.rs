//! Frames are skipped for watch events that cannot change the screen. The oracle: whenever
//! `update` leaves the model clean after an event, drawing before and after the event gives
//! the same buffer, cell for cell and style for style. Random fleets, panes, sorts, scrolls and
//! row changes; plus fixed cases that must stay quiet or must draw.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use kbdash::k8s::watch::WatchEvent;
use kbdash::state::columns::ColumnId;
use kbdash::state::model::{Model, Overlay, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::{set_pages, update};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    Atom, BackupRow, ClusterRow, EventRow, ObjKey, OpsRow, PodRow, Progress, Row,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
}

const CLUSTERS: usize = 40;

fn cluster_name(i: usize) -> String {
    format!("pg-{i:02}")
}

fn cluster(i: usize, phase: &str) -> Row {
    Row::Cluster(ClusterRow {
        key: ObjKey::new("demo", cluster_name(i)),
        phase: phase.into(),
        desired: 2,
        version: "14.8.0".into(),
        created: Some(now() - Duration::days(i as i64 + 1)),
        ..ClusterRow::default()
    })
}

fn pod(i: usize, n: usize, role: &str, status: &str) -> Row {
    Row::Pod(PodRow {
        key: ObjKey::new("demo", format!("{}-postgresql-{n}", cluster_name(i))),
        cluster: cluster_name(i).into(),
        component: "postgresql".into(),
        role: role.into(),
        ready: status == "Running",
        ready_containers: u32::from(status == "Running"),
        containers: 1,
        status: status.into(),
        created: Some(now() - Duration::hours(i as i64 + 1)),
        ..PodRow::default()
    })
}

fn ops(i: usize, phase: &str, done: u32) -> Row {
    Row::Ops(OpsRow {
        key: ObjKey::new("demo", format!("{}-restart", cluster_name(i))),
        cluster: cluster_name(i).into(),
        op_type: "Restart".into(),
        phase: phase.into(),
        progress: Progress::Counts(done, 2),
        created: Some(now() - Duration::minutes(i as i64 + 1)),
        started: Some(now() - Duration::minutes(i as i64)),
        ..OpsRow::default()
    })
}

fn backup(i: usize, lag_secs: i64) -> Row {
    Row::Backup(BackupRow {
        key: ObjKey::new("demo", format!("{}-archive", cluster_name(i))),
        cluster: cluster_name(i).into(),
        backup_type: "Continuous".into(),
        method: "archive-wal".into(),
        phase: "Running".into(),
        created: Some(now() - Duration::days(2)),
        range_start: Some(now() - Duration::days(2)),
        range_end: Some(now() - Duration::seconds(lag_secs)),
        ..BackupRow::default()
    })
}

/// A Warning Event about cluster `i`'s pod `n`, seen `count` times.
fn warning(i: usize, n: usize, count: u32) -> Row {
    let pod = format!("{}-postgresql-{n}", cluster_name(i));
    Row::Event(EventRow {
        key: ObjKey::new("demo", format!("{pod}.{n:x}")),
        object_kind: Atom::new("Pod"),
        object_name: Atom::new(&pod),
        type_: Atom::new("Warning"),
        reason: Atom::new("BackOff"),
        message: "Back-off restarting failed container postgresql".into(),
        count,
        last: Some(now() + Duration::seconds(i64::from(count))),
        ..EventRow::default()
    })
}

fn watch(kind: Kind, event: WatchEvent) -> Msg {
    Msg::Watch {
        ctx: kbdash_core::rows::Ctx(0),
        kind,
        at: now(),
        event,
    }
}

fn fleet_model(w: u16, h: u16) -> Model {
    let mut m = Model::new("test", None, now());
    m.size = (w, h);
    set_pages(&mut m);
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..CLUSTERS {
        rows.push(cluster(i, "Running"));
        rows.push(pod(i, 0, "primary", "Running"));
        rows.push(pod(i, 1, "secondary", "Running"));
        rows.push(ops(i, "Succeed", 2));
        rows.push(backup(i, 30));
    }
    for kind in kbdash::state::store::WATCHED {
        update(&mut m, watch(kind, WatchEvent::Init));
        for r in rows.iter().filter(|r| r.kind() == kind) {
            update(
                &mut m,
                watch(kind, WatchEvent::InitRow(Box::new(r.clone()))),
            );
        }
        update(&mut m, watch(kind, WatchEvent::InitDone));
    }
    m
}

fn draw(m: &Model) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    terminal.draw(|f| kbdash::view::view(m, f)).unwrap();
    terminal.backend().buffer().clone()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Applies `row` and says whether the model asked for a frame; asserts that a skipped frame
/// would have been identical.
fn apply_checked(m: &mut Model, row: Row) -> bool {
    let before = draw(m);
    m.dirty = false;
    update(m, watch(row.kind(), WatchEvent::Apply(Box::new(row))));
    if !m.dirty {
        assert_eq!(
            draw(m),
            before,
            "a skipped frame differs from the last one drawn"
        );
    }
    m.dirty
}

#[derive(Debug, Clone)]
enum Change {
    ClusterPhase(usize, usize),
    Role(usize, bool),
    PodStatus(usize, usize, usize),
    OpsProgress(usize, usize, u32),
    BackupLag(usize, i64),
    Warning(usize, usize, u32),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..CLUSTERS, 0..3usize).prop_map(|(i, p)| Change::ClusterPhase(i, p)),
        (0..CLUSTERS, any::<bool>()).prop_map(|(i, flip)| Change::Role(i, flip)),
        (0..CLUSTERS, 0..2usize, 0..3usize).prop_map(|(i, n, s)| Change::PodStatus(i, n, s)),
        (0..CLUSTERS, 0..3usize, 0..3u32).prop_map(|(i, p, d)| Change::OpsProgress(i, p, d)),
        (0..CLUSTERS, 1..4000i64).prop_map(|(i, lag)| Change::BackupLag(i, lag)),
        (0..CLUSTERS, 0..2usize, 1..5u32).prop_map(|(i, n, c)| Change::Warning(i, n, c)),
    ]
}

fn row_for(c: &Change) -> Row {
    match *c {
        Change::ClusterPhase(i, p) => cluster(i, ["Running", "Updating", "Abnormal"][p]),
        Change::Role(i, flip) => pod(i, 0, if flip { "secondary" } else { "primary" }, "Running"),
        Change::PodStatus(i, n, s) => pod(
            i,
            n,
            if n == 0 { "primary" } else { "secondary" },
            ["Running", "CrashLoopBackOff", "Pending"][s],
        ),
        Change::OpsProgress(i, p, d) => ops(i, ["Succeed", "Running", "Failed"][p], d),
        Change::BackupLag(i, lag) => backup(i, lag),
        Change::Warning(i, n, count) => warning(i, n, count),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_skipped_frame_is_always_an_identical_frame(
        tall in any::<bool>(),
        pane in 0..4usize,
        sorts in 0..4usize,
        scroll in 0..30usize,
        detail in any::<bool>(),
        changes in prop::collection::vec(change(), 1..40),
    ) {
        let (w, h) = if tall { (120, 40) } else { (80, 24) };
        let mut m = fleet_model(w, h);
        update(&mut m, key(KeyCode::Char(char::from(b'1' + pane as u8))));
        for _ in 0..sorts {
            update(&mut m, key(KeyCode::Char('>')));
        }
        for _ in 0..scroll {
            update(&mut m, key(KeyCode::Char('j')));
        }
        if detail {
            update(&mut m, key(KeyCode::Char('d')));
        }
        for c in &changes {
            apply_checked(&mut m, row_for(c));
        }
    }
}

#[test]
fn an_off_screen_change_draws_nothing_and_an_on_screen_one_draws() {
    let mut m = fleet_model(80, 24);
    assert_eq!(m.focus, Pane::Clusters);
    // Clusters sort by name: pg-39 is far below the first screen, pg-00 is on it.
    assert!(
        !apply_checked(&mut m, backup(39, 45)),
        "pg-39's archive is off screen"
    );
    assert!(!apply_checked(&mut m, cluster(39, "Updating")));
    assert!(
        apply_checked(&mut m, backup(0, 45)),
        "pg-00's PITR lag shows"
    );
    assert!(apply_checked(&mut m, cluster(0, "Updating")));
}

#[test]
fn an_on_screen_change_in_a_reversed_sort_draws() {
    let mut m = fleet_model(80, 24);
    // Clusters by name, reversed: the selected pg-00 goes to the last row and the window with
    // it, while pg-39, now the first row, is far above the window.
    update(&mut m, key(KeyCode::Char('r')));
    assert!(apply_checked(&mut m, cluster(0, "Updating")), "pg-00 shows");
    assert!(
        !apply_checked(&mut m, cluster(39, "Updating")),
        "pg-39 is off screen"
    );
}

#[test]
fn a_row_moving_past_the_window_draws() {
    let mut m = fleet_model(80, 24);
    update(&mut m, key(KeyCode::Char('2')));
    // Pods by STATUS (all Running, then by name), scrolled so the first pods are above the
    // window; one of those turning Terminating moves below it, shifting every row shown.
    while m.store.pods.sort().column != ColumnId::Status {
        update(&mut m, key(KeyCode::Char('>')));
    }
    for _ in 0..40 {
        update(&mut m, key(KeyCode::Char('j')));
    }
    let moved = ObjKey::new("demo", "pg-00-postgresql-1");
    let shown = |m: &Model| m.store.pods.window_keys().any(|k| *k == moved);
    assert!(!shown(&m));
    assert!(apply_checked(&mut m, pod(0, 1, "secondary", "Terminating")));
    assert!(!shown(&m));
}

#[test]
fn an_open_overlay_always_draws() {
    let mut m = fleet_model(80, 24);
    update(&mut m, key(KeyCode::Char('?')));
    assert!(apply_checked(&mut m, backup(39, 45)));
}

#[test]
fn a_detail_draws_for_its_own_clusters_changes_only() {
    let mut m = fleet_model(80, 24);
    // pg-00's detail: another cluster's changes leave it as it is, its own draw.
    update(&mut m, key(KeyCode::Char('d')));
    assert!(matches!(m.overlay, Overlay::Detail(_)));
    assert!(!apply_checked(&mut m, backup(39, 45)));
    assert!(!apply_checked(&mut m, ops(39, "Succeed", 1)));
    assert!(!apply_checked(&mut m, cluster(39, "Updating")));
    assert!(apply_checked(
        &mut m,
        pod(0, 1, "secondary", "CrashLoopBackOff")
    ));
    assert!(apply_checked(&mut m, backup(0, 45)));
    assert!(apply_checked(&mut m, cluster(0, "Updating")));
}

/// Only the triage view and the wall show the problem list: a problem found about a cluster
/// off screen draws nothing on a pane, and draws the triage view.
#[test]
fn a_problem_off_screen_draws_only_where_problems_show() {
    let mut m = fleet_model(80, 24);
    assert!(!apply_checked(
        &mut m,
        pod(39, 1, "secondary", "CrashLoopBackOff")
    ));
    let (shown, _) = kbdash::update::triage::recompute(&m);
    assert!(
        shown.iter().any(|p| p.subject.contains("pg-39")),
        "the crash loop is a problem"
    );
    update(&mut m, key(KeyCode::Char('!')));
    assert!(matches!(m.overlay, Overlay::Triage { .. }));
    assert!(apply_checked(
        &mut m,
        pod(38, 1, "secondary", "CrashLoopBackOff")
    ));
}

/// No pane shows Warning Events: a new one or a count bump draws nothing on the plain view;
/// in a detail, whose evidence lists its cluster's, it draws.
#[test]
fn a_warning_event_draws_nothing_on_a_pane() {
    let mut m = fleet_model(80, 24);
    assert!(!apply_checked(&mut m, warning(0, 1, 1)));
    assert!(!apply_checked(&mut m, warning(0, 1, 2)));
    update(&mut m, key(KeyCode::Char('d')));
    assert!(apply_checked(&mut m, warning(0, 1, 3)));
}
