//! Snapshots of every pane, the detail view and help, from the reference fixtures with a fixed
//! clock, at 120x40 and 80x24; what a narrow screen gives up first; long names, times
//! in another year or in the future, and several primaries as the screens show them.

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
                    ctx: kbdash_core::rows::Ctx(0),
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

/// The column titles of the table on screen.
fn header_row(screen: &str) -> &str {
    screen.lines().nth(3).unwrap()
}

#[test]
fn narrow_screens_drop_namespace_and_primary_before_status() {
    let wide = at(120, 40);
    let header = header_row(&render(&wide)).to_string();
    for title in ["NAMESPACE", "PRIMARY", "STATUS", "AGE"] {
        assert!(header.contains(title), "{header}");
    }
    let narrow = at(80, 24);
    let screen = render(&narrow);
    let header = header_row(&screen);
    assert!(header.contains("STATUS"), "{screen}");
    assert!(header.contains("LAST OP"), "{screen}");
    assert!(!header.contains("NAMESPACE"), "{screen}");
    assert!(!header.contains("PRIMARY"), "{screen}");
    // A cut cell says so.
    assert!(screen.contains("Vertica… ✗ Failed"), "{screen}");
    // Pods: NAMESPACE goes, NAME keeps its full width, STATUS and NODE stay.
    let mut pods = at(80, 24);
    update(&mut pods, ch('2'));
    let screen = render(&pods);
    let header = header_row(&screen);
    assert!(
        !header.contains("NAMESPACE") && header.contains("STATUS"),
        "{screen}"
    );
    assert!(screen.contains("pg-cluster-postgresql-0 "), "{screen}");
}

#[test]
fn long_names_differing_at_the_end_stay_apart() {
    use crate::app_fixtures::{cluster, pod};
    use kbdash_core::kinds::Kind;
    let stem = "orders-db-".to_string() + &"x".repeat(52);
    let (a, b) = (format!("{stem}a"), format!("{stem}b"));
    assert_eq!(a.len(), 63);
    let mut objs = fleet();
    for name in [&a, &b] {
        objs.push((
            Kind::Cluster,
            cluster("shop", name, "Running", 1, "2025-06-01T09:00:00Z"),
        ));
        objs.push((Kind::Pod, pod("shop", name, 0, "primary", true)));
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let m = model_with(&objs, w, h);
        let screen = render(&m);
        // Both ends of each name show, with the cut between them.
        let rows: Vec<&str> = screen.lines().filter(|l| l.contains("│orders-d")).collect();
        assert_eq!(rows.len(), 2, "{screen}");
        assert!(rows[0].contains("xxxxxa "), "{screen}");
        assert!(rows[1].contains("xxxxxb "), "{screen}");
        assert!(rows[0].contains('…') && rows[1].contains('…'), "{screen}");
    }
    let mut m = model_with(&objs, 80, 24);
    update(&mut m, ch('2'));
    let screen = render(&m);
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("orders-d")).collect();
    assert_eq!(rows.len(), 2, "{screen}");
    // Cut where they part, not in the middle of the run they share.
    assert!(rows[0].contains("…a-postgresql-0 "), "{screen}");
    assert!(rows[1].contains("…b-postgresql-0 "), "{screen}");
}

#[test]
fn several_primaries_are_all_named_in_the_detail() {
    use crate::app_fixtures::{cluster, pod};
    use kbdash_core::kinds::Kind;
    let mut objs = vec![(
        Kind::Cluster,
        cluster("ops", "split", "Running", 3, "2025-06-01T09:00:00Z"),
    )];
    for i in 0..3 {
        objs.push((Kind::Pod, pod("ops", "split", i, "primary", true)));
    }
    let mut m = model_with(&objs, 120, 40);
    update(&mut m, ch('d'));
    let screen = render(&m);
    assert!(
        screen.contains(
            "Primaries         ! 3 primaries: split-postgresql-0, split-postgresql-1, split-postgresql-2"
        ),
        "{screen}"
    );
    assert!(!screen.contains("Primary  "), "{screen}");
}

#[test]
fn times_in_another_year_or_ahead_of_the_clock_say_so() {
    use crate::app_fixtures::{cluster, fixture_file};
    use kbdash_core::kinds::Kind;
    use serde_json::json;
    let mut objs = fleet();
    for (_, v) in &mut objs {
        if v["kind"] == "Backup" && v["spec"]["backupMethod"] == "archive-wal" {
            v["status"]["timeRange"]["start"] = json!("2024-12-31T23:00:00Z");
            v["status"]["timeRange"]["end"] = json!("9999-12-31T23:59:59Z");
        }
    }
    let mut odd = cluster("ops", "odd", "Failed", 1, "9999-12-31T23:59:59Z");
    odd["status"]["conditions"] = json!([{"type": "Ready", "status": "False",
        "reason": "Odd", "message": "dated in the future",
        "lastTransitionTime": "9999-12-31T23:59:59Z"}]);
    objs.push((Kind::Cluster, odd));
    assert!(fixture_file("backup-continuous-archive-wal.yaml").len() == 1);
    let mut m = model_with(&objs, 200, 60);
    let screen = render(&m);
    // The continuous backup's end in the Clusters pane's PITR cell: a warning, not "✓ to
    // 23:59:59" (an end ahead of the clock never lags, so no stall could ever show).
    assert!(screen.contains("! ends in the future"), "{screen}");
    assert!(!screen.contains("✓ to "), "{screen}");
    let odd_row = screen.lines().find(|l| l.contains("odd ")).unwrap();
    assert!(
        odd_row.contains("future"),
        "AGE of a cluster created in 9999: {odd_row}"
    );
    update(&mut m, ch('4'));
    let screen = render(&m);
    assert!(
        screen.contains("2024-12-31 23:00:00 → 9999-12-31 23:59:59 (future)"),
        "{screen}"
    );
    // Its detail: the whole end, and no verdict of a stall or of its absence.
    update(&mut m, ch('/'));
    for c in "archive".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, ch('d'));
    let screen = render(&m);
    assert!(
        screen.contains(
            "! time range end 9999-12-31 23:59:59 is in the future: how far behind archiving is cannot be told"
        ),
        "{screen}"
    );
    assert!(
        !screen.contains("lag 0s") && !screen.contains("0s behind"),
        "{screen}"
    );
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('1'));
    update(&mut m, ch('/'));
    for c in "odd".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, ch('d'));
    let screen = render(&m);
    assert!(
        screen.contains("Created           9999-12-31 23:59:59 UTC (in the future)"),
        "{screen}"
    );
    assert!(
        screen.contains("Odd 9999-12-31 23:59:59 (future)"),
        "{screen}"
    );
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('!'));
    let screen = render(&m);
    let line = screen.lines().find(|l| l.contains("ops/odd")).unwrap();
    assert!(line.contains("9999-12-31 23:59 (future)"), "{line}");
    assert!(!line.contains("(0s)"), "{line}");
}

#[test]
fn a_running_cluster_without_ready_pods_or_without_status_is_flagged() {
    use crate::app_fixtures::{cluster, fixture_file, pod};
    use kbdash_core::kinds::Kind;
    use serde_json::json;
    let mut objs = vec![(
        Kind::Cluster,
        cluster("ops", "hollow", "Running", 3, "2025-06-01T09:00:00Z"),
    )];
    for i in 0..3 {
        objs.push((Kind::Pod, pod("ops", "hollow", i, "", false)));
    }
    let mut blank = cluster("ops", "blank", "", 1, "2025-06-01T09:00:00Z");
    blank.as_object_mut().unwrap().remove("status");
    objs.push((Kind::Cluster, blank));
    let (_, mut op) = fixture_file("opsrequest-verticalscaling-validate-failed.yaml").remove(0);
    op["metadata"]["creationTimestamp"] = json!("9999-12-31T23:59:59Z");
    objs.push((Kind::OpsRequest, op));
    let mut m = model_with(&objs, 120, 40);
    let screen = render(&m);
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("│ops       {name} ")))
            .unwrap_or_else(|| panic!("{name}: {screen}"))
            .to_string()
    };
    assert!(row("hollow").contains("✗ Running, 0/3 ready"), "{screen}");
    assert!(row("blank").contains("! no status"), "{screen}");
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(detail.contains("Status            ! no status"), "{detail}");
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('j'));
    update(&mut m, ch('d'));
    let detail = render(&m);
    assert!(
        detail.contains("Status            ✗ Running, 0/3 ready"),
        "{detail}"
    );
    update(&mut m, key(KeyCode::Esc));
    // An OpsRequest created in 9999 has no age: its AGE cell says it is ahead of the clock.
    update(&mut m, ch('3'));
    let screen = render(&m);
    let row = screen
        .lines()
        .find(|l| l.contains("verticalscaling"))
        .unwrap();
    assert!(row.contains("! future"), "{screen}");
}
