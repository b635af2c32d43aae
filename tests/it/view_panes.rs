//! Snapshots of every pane, the detail view and help, from the reference fixtures with a fixed
//! clock, at 120x40 and 80x24.

use crate::app_fixtures::{ch, fleet, key, model_with, objects, render};
use crossterm::event::KeyCode;
use kbdash::state::model::Model;
use kbdash::update::update;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn at(w: u16, h: u16) -> Model {
    model_with(&fleet(), w, h)
}

fn snap(name: &str, m: &Model) {
    let (w, h) = m.size;
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(m));
}

#[test]
fn panes() {
    for (w, h) in SIZES {
        let mut m = at(w, h);
        snap("clusters", &m);
        for (pane, name) in [('2', "pods"), ('3', "ops"), ('4', "backups")] {
            update(&mut m, ch(pane));
            snap(name, &m);
        }
    }
}

#[test]
fn single_namespace_hides_namespace_column() {
    let mut m = model_with(&objects(), 120, 40);
    m.namespace = Some("demo".into());
    snap("clusters_one_namespace", &m);
}

#[test]
fn cluster_detail() {
    for (w, h) in SIZES {
        let mut m = at(w, h);
        // pg-cluster sorts after billing.
        update(&mut m, ch('j'));
        update(&mut m, ch('d'));
        snap("detail_cluster", &m);
    }
}

#[test]
fn ops_detail_with_progress() {
    for (w, h) in SIZES {
        let mut m = at(w, h);
        update(&mut m, ch('3'));
        update(&mut m, ch('/'));
        for c in "horizontalscaling-x7k".chars() {
            update(&mut m, ch(c));
        }
        update(&mut m, key(KeyCode::Enter));
        update(&mut m, key(KeyCode::Enter));
        snap("detail_ops_running", &m);
    }
}

#[test]
fn backup_detail() {
    let mut m = at(120, 40);
    update(&mut m, ch('4'));
    // Enter on a backup opens the restore wizard; d its detail.
    update(&mut m, ch('d'));
    snap("detail_backup", &m);
}

#[test]
fn help() {
    for (w, h) in SIZES {
        let mut m = at(w, h);
        update(&mut m, ch('?'));
        snap("help", &m);
    }
}

#[test]
fn too_small() {
    let mut m = at(30, 6);
    m.size = (30, 6);
    snap("too_small", &m);
}

#[test]
fn tiny_sizes_never_panic() {
    for w in 1..45 {
        for h in 1..12 {
            let mut m = at(120, 40);
            m.size = (w, h);
            render(&m);
        }
    }
}

#[test]
fn stream_states_in_header_and_status_line() {
    use crate::app_fixtures::{now, watch};
    use kbdash::k8s::watch::{StreamError, WatchEvent};
    use kbdash::state::msg::Msg;
    use kbdash_core::kinds::Kind;
    for (w, h) in SIZES {
        let mut m = at(w, h);
        for kind in [Kind::Cluster, Kind::Pod] {
            update(
                &mut m,
                Msg::Watch {
                    kind,
                    at: now(),
                    event: WatchEvent::Error(StreamError::Other("connection refused".into())),
                },
            );
        }
        update(
            &mut m,
            watch(
                Kind::OpsRequest,
                WatchEvent::Error(StreamError::Forbidden(
                    "opsrequests.operations.kubeblocks.io is forbidden".into(),
                )),
            ),
        );
        update(
            &mut m,
            watch(
                Kind::Backup,
                WatchEvent::Error(StreamError::NotFound("404".into())),
            ),
        );
        update(&mut m, watch(Kind::BackupSchedule, WatchEvent::Init));
        m.readonly = true;
        snap("streams_degraded", &m);
        update(&mut m, ch('3'));
        snap("streams_degraded_ops", &m);
    }
}

#[test]
fn yaml_detail() {
    use kbdash::state::msg::Msg;
    let mut m = at(80, 24);
    update(&mut m, ch('2'));
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, ch('y'));
    let kbdash::state::model::Overlay::Detail(d) = &m.overlay else {
        unreachable!()
    };
    let target = d.target.clone();
    let body = fleet()
        .into_iter()
        .find(|(_, v)| v["metadata"]["name"] == "billing-postgresql-0")
        .unwrap()
        .1;
    update(
        &mut m,
        Msg::Raw {
            target,
            result: Ok(body),
        },
    );
    update(&mut m, key(KeyCode::PageDown));
    snap("detail_yaml_scrolled", &m);
}

#[test]
fn role_change_row_is_highlighted_for_a_few_seconds() {
    use crate::app_fixtures::{pod, watch};
    use kbdash::k8s::watch::WatchEvent;
    use kbdash::state::msg::Msg;
    use kbdash_core::kinds::Kind;
    use kbdash_core::rows::Row;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    let mut m = at(120, 40);
    update(&mut m, ch('2'));
    let v = pod("ops", "billing", 1, "primary", true);
    update(
        &mut m,
        watch(
            Kind::Pod,
            WatchEvent::Apply(Box::new(Row::from_value(Kind::Pod, &v).unwrap())),
        ),
    );
    let bg_of_row = |m: &Model, name: &str| {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| kbdash::view::view(m, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let y = (0..40)
            .find(|y| {
                (0..120)
                    .map(|x| buf[(x, *y)].symbol().to_string())
                    .collect::<String>()
                    .contains(name)
            })
            .unwrap();
        buf[(20, y)].bg
    };
    assert_eq!(bg_of_row(&m, "billing-postgresql-1"), m.theme.flash);
    update(
        &mut m,
        Msg::Tick(crate::app_fixtures::now() + chrono::TimeDelta::seconds(6)),
    );
    assert_ne!(bg_of_row(&m, "billing-postgresql-1"), m.theme.flash);
}
