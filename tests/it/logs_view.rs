//! The log view without a server: `l` and its keys as update sequences (the commands they
//! send, what the view keeps), and snapshots of how it draws.

use crate::app_fixtures::{ch, fleet, key, model_with, render};
use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::logs::{LogEvent, LogSource};
use kbdash::state::cmd::Cmd;
use kbdash::state::logs::{LogStatus, LogsCmd, LogsMsg};
use kbdash::state::model::{Model, Overlay, Pane};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::logs::LogLine;
use kbdash_core::rows::ObjKey;

fn line(sec: u32, text: &str) -> LogLine {
    LogLine {
        at: Some(Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, sec % 60).unwrap()),
        text: text.into(),
    }
}

fn event(m: &mut Model, event: LogEvent) {
    let session = m.logs.as_ref().unwrap().session;
    update(m, Msg::Logs(LogsMsg::Event { session, event }));
}

fn opened(m: &mut Model, pod: &str) {
    event(
        m,
        LogEvent::Opened {
            pod: ObjKey::new("ops", pod),
            containers: vec!["postgresql".into(), "pgbouncer".into(), "kbagent".into()],
            container: "postgresql".into(),
        },
    );
}

fn patroni(m: &mut Model, from: u32, n: u32) {
    let lines = (from..from + n)
        .map(|i| {
            line(
                i,
                &format!(
                    "INFO: no action. I am (billing-postgresql-0), the leader with the lock #{i}"
                ),
            )
        })
        .collect();
    event(m, LogEvent::Lines(lines));
}

/// The model with the Pods pane on billing's primary and `l` pressed.
fn opened_on_pod() -> (Model, Vec<Cmd>) {
    let mut m = model_with(&fleet(), 120, 30);
    update(&mut m, ch('2'));
    m.store
        .pods
        .select_key(&ObjKey::new("ops", "billing-postgresql-0"));
    let cmds = update(&mut m, ch('l'));
    (m, cmds)
}

fn opens(cmds: &[Cmd]) -> Vec<(u64, kbdash::k8s::logs::LogRequest)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Logs(LogsCmd::Open { session, request }) => Some((*session, request.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn l_on_a_pod_opens_its_log_following_with_the_default_tail() {
    let (m, cmds) = opened_on_pod();
    assert_eq!(m.overlay, Overlay::Logs);
    let open = opens(&cmds);
    assert_eq!(open.len(), 1, "{cmds:?}");
    let (session, req) = &open[0];
    assert_eq!(*session, 1);
    assert_eq!(
        req.source,
        LogSource::Pod(ObjKey::new("ops", "billing-postgresql-0"))
    );
    assert_eq!(
        (req.container.as_deref(), req.previous, req.tail),
        (None, false, Some(500))
    );
    assert!(m.logs.as_ref().unwrap().following());
}

#[test]
fn l_on_a_cluster_opens_its_primary_first_and_brackets_step_through_its_pods() {
    let mut m = model_with(&fleet(), 120, 30);
    m.store.clusters.select_key(&ObjKey::new("ops", "billing"));
    let cmds = update(&mut m, ch('l'));
    let view = m.logs.as_ref().unwrap();
    let names: Vec<&str> = view.pods.iter().map(|p| &*p.name).collect();
    assert_eq!(
        names,
        [
            "billing-postgresql-0",
            "billing-postgresql-1",
            "billing-postgresql-2"
        ]
    );
    assert_eq!(
        opens(&cmds)[0].1.source,
        LogSource::Pod(ObjKey::new("ops", "billing-postgresql-0"))
    );
    opened(&mut m, "billing-postgresql-0");
    let cmds = update(&mut m, ch(']'));
    let (session, req) = opens(&cmds).remove(0);
    assert_eq!(session, 2);
    assert_eq!(
        req.source,
        LogSource::Pod(ObjKey::new("ops", "billing-postgresql-1"))
    );
    assert_eq!(
        req.container, None,
        "the next pod opens on its usual container"
    );
    let cmds = update(&mut m, ch('['));
    assert_eq!(
        opens(&cmds)[0].1.source,
        LogSource::Pod(ObjKey::new("ops", "billing-postgresql-0"))
    );
}

#[test]
fn l_in_a_pods_detail_opens_its_log_and_esc_goes_back_to_the_detail() {
    let mut m = model_with(&fleet(), 120, 30);
    update(&mut m, ch('2'));
    m.store
        .pods
        .select_key(&ObjKey::new("ops", "billing-postgresql-1"));
    update(&mut m, ch('d'));
    let detail = m.overlay.clone();
    assert!(matches!(detail, Overlay::Detail(_)));
    let cmds = update(&mut m, ch('l'));
    assert_eq!(
        opens(&cmds)[0].1.source,
        LogSource::Pod(ObjKey::new("ops", "billing-postgresql-1"))
    );
    opened(&mut m, "billing-postgresql-1");
    event(
        &mut m,
        LogEvent::Reconnecting {
            error: "dropped".into(),
            attempt: 1,
        },
    );
    event(&mut m, LogEvent::Resumed);
    assert_eq!(m.logs.as_ref().unwrap().status, LogStatus::Streaming);
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.overlay, detail);
}

#[test]
fn a_backup_opens_its_pod_and_other_objects_say_what_l_does() {
    let mut m = model_with(&fleet(), 120, 30);
    update(&mut m, ch('4'));
    let (backup, continuous) = m
        .store
        .backups
        .selected()
        .map(|b| (b.key.clone(), b.is_continuous()))
        .expect("the fixtures have a backup");
    let cmds = update(&mut m, ch('l'));
    assert_eq!(
        opens(&cmds)[0].1.source,
        LogSource::Backup { backup, continuous }
    );
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('3'));
    let cmds = update(&mut m, ch('l'));
    assert!(opens(&cmds).is_empty());
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .0
            .contains("l shows the log of a pod"),
        "{:?}",
        m.notice
    );
}

#[test]
fn containers_run_and_tail_each_open_a_new_stream_whose_old_lines_are_ignored() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 3);
    let cmds = update(&mut m, key(KeyCode::Tab));
    let (session, req) = opens(&cmds).remove(0);
    assert_eq!((session, req.container.as_deref()), (2, Some("pgbouncer")));
    assert!(
        m.logs.as_ref().unwrap().buffer.is_empty(),
        "a new stream starts empty"
    );
    // A late message of the first stream changes nothing.
    update(
        &mut m,
        Msg::Logs(LogsMsg::Event {
            session: 1,
            event: LogEvent::Lines(vec![line(9, "late")]),
        }),
    );
    assert!(m.logs.as_ref().unwrap().buffer.is_empty());
    let back_tab = Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    let req = opens(&update(&mut m, back_tab)).remove(0).1;
    assert_eq!(req.container.as_deref(), Some("postgresql"));
    let req = opens(&update(&mut m, ch('p'))).remove(0).1;
    assert!(req.previous);
    let req = opens(&update(&mut m, ch('+'))).remove(0).1;
    assert_eq!((req.tail, req.previous), (Some(1000), true));
    let req = opens(&update(&mut m, ch('-'))).remove(0).1;
    assert_eq!(req.tail, Some(500));
    // Esc closes the stream and goes back to the pane.
    let cmds = update(&mut m, key(KeyCode::Esc));
    assert!(cmds.contains(&Cmd::Logs(LogsCmd::Close)), "{cmds:?}");
    assert_eq!((m.overlay.clone(), m.focus), (Overlay::None, Pane::Pods));
    assert!(m.logs.is_none());
}

#[test]
fn scrolling_up_pauses_and_counts_new_lines_and_g_follows_again() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 100);
    update(&mut m, key(KeyCode::Up));
    let view = m.logs.as_ref().unwrap();
    assert!(!view.following());
    let top = view.paused_at.unwrap();
    patroni(&mut m, 100, 7);
    let view = m.logs.as_ref().unwrap();
    assert_eq!(
        (view.paused_at, view.unseen, view.buffer.len()),
        (Some(top), 7, 107)
    );
    update(&mut m, ch('G'));
    let view = m.logs.as_ref().unwrap();
    assert!(view.following());
    assert_eq!(view.unseen, 0);
    // f stops where the end is, and f again follows.
    update(&mut m, ch('f'));
    assert!(!m.logs.as_ref().unwrap().following());
    update(&mut m, ch('f'));
    assert!(m.logs.as_ref().unwrap().following());
}

#[test]
fn search_goes_to_the_newest_match_and_n_and_shift_n_step_with_wrap() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    let mut lines: Vec<LogLine> = (0..60)
        .map(|i| line(i, &format!("ordinary line {i}")))
        .collect();
    for at in [5, 20, 50] {
        lines[at].text = format!("FATAL:  something at {at}");
    }
    event(&mut m, LogEvent::Lines(lines));
    update(&mut m, ch('/'));
    for c in "fatal".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    let at = |m: &Model| m.logs.as_ref().unwrap().search.as_ref().unwrap().at;
    assert_eq!(at(&m), Some(50), "the newest match");
    assert!(
        !m.logs.as_ref().unwrap().following(),
        "the view stops at the match"
    );
    update(&mut m, ch('N'));
    assert_eq!(at(&m), Some(20));
    update(&mut m, ch('N'));
    assert_eq!(at(&m), Some(5));
    update(&mut m, ch('N'));
    assert_eq!(at(&m), Some(50), "wraps");
    update(&mut m, ch('n'));
    assert_eq!(at(&m), Some(5), "wraps");
    let screen = render(&m);
    assert!(screen.contains("FATAL:  something at 5"), "{screen}");
}

#[test]
fn ctrl_s_writes_the_lines_kept_and_the_path_is_shown() {
    let (mut m, _) = opened_on_pod();
    let ctrl_s = Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(
        update(&mut m, ctrl_s.clone()).is_empty(),
        "nothing to write yet"
    );
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 2);
    let cmds = update(&mut m, ctrl_s);
    let [Cmd::Logs(LogsCmd::Write { path, text })] = cmds.as_slice() else {
        panic!("{cmds:?}");
    };
    assert!(
        path.to_string_lossy()
            .starts_with("billing-postgresql-0-postgresql-"),
        "{path:?}"
    );
    assert_eq!(text.lines().count(), 2);
    assert!(
        text.starts_with("2025-06-05T09:00:00.000000000Z INFO: no action."),
        "{text}"
    );
    update(
        &mut m,
        Msg::Logs(LogsMsg::Written(Ok("/work/x.log".into()))),
    );
    assert!(render(&m).contains("written to /work/x.log"));
}

#[test]
fn logs_are_reads_and_read_only_mode_opens_them() {
    let (mut m, _) = {
        let mut m = model_with(&fleet(), 120, 30);
        m.readonly = true;
        update(&mut m, ch('2'));
        m.store
            .pods
            .select_key(&ObjKey::new("ops", "billing-postgresql-0"));
        let cmds = update(&mut m, ch('l'));
        (m, cmds)
    };
    assert_eq!(m.overlay, Overlay::Logs);
    opened(&mut m, "billing-postgresql-0");
    let cmds = update(&mut m, key(KeyCode::Tab));
    assert!(cmds.iter().all(|c| !c.mutates()), "{cmds:?}");
    assert_eq!(opens(&cmds).len(), 1);
}

fn screen(m: &mut Model) -> String {
    render(m)
}

#[test]
fn snapshot_following_with_a_hostile_line() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 20);
    event(
        &mut m,
        LogEvent::Lines(vec![line(
            21,
            "evil \u{1b}]52;c;aGk=\u{7} \u{1b}[2J cleared? \u{202e}reversed",
        )]),
    );
    insta::assert_snapshot!(screen(&mut m));
}

#[test]
fn snapshot_paused_with_search_timestamps_and_wrap() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 40);
    event(
        &mut m,
        LogEvent::Lines(vec![line(
            41,
            &format!(
                "FATAL:  the leader is gone {}",
                "and a long tail ".repeat(12)
            ),
        )]),
    );
    update(&mut m, ch('t'));
    update(&mut m, ch('w'));
    update(&mut m, ch('/'));
    for c in "leader".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::PageUp));
    patroni(&mut m, 42, 3);
    insta::assert_snapshot!(screen(&mut m));
}

#[test]
fn snapshot_reconnecting_and_failed() {
    let (mut m, _) = opened_on_pod();
    opened(&mut m, "billing-postgresql-0");
    patroni(&mut m, 0, 5);
    event(
        &mut m,
        LogEvent::Reconnecting {
            error: "the stream ended".into(),
            attempt: 2,
        },
    );
    insta::assert_snapshot!("reconnecting", screen(&mut m));
    update(&mut m, ch('p'));
    event(
        &mut m,
        LogEvent::Failed("previous terminated container \"postgresql\" in pod \"billing-postgresql-0\" not found".into()),
    );
    assert!(matches!(
        m.logs.as_ref().unwrap().status,
        LogStatus::Failed(_)
    ));
    insta::assert_snapshot!("failed", screen(&mut m));
}

#[test]
fn the_wall_opens_no_log_it_could_not_show() {
    let mut m = model_with(&fleet(), 120, 30);
    kbdash::state::launch::Launch {
        wall_cycle: Some(10),
        ..Default::default()
    }
    .apply(&mut m);
    m.store.clusters.select_key(&ObjKey::new("ops", "billing"));
    let cmds = update(&mut m, ch('l'));
    assert!(opens(&cmds).is_empty(), "{cmds:?}");
    assert!(m.logs.is_none());
    assert!(
        m.notice
            .as_ref()
            .unwrap()
            .0
            .contains("the wall shows no logs")
    );
}
