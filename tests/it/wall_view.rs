//! Wall mode on the reference fixtures: snapshots at three sizes with and without a stale
//! stream, paging when the tiles do not fit, and a tiny terminal that still draws.

use crate::app_fixtures::{cluster, fleet, model_with, now, pod, render};
use chrono::Duration;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::launch::Launch;
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::state::theme::Theme;
use kbdash::update::update;
use kbdash_core::kinds::Kind;

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (240, 67)];

fn wall(objs: &[(Kind, serde_json::Value)], w: u16, h: u16, cycle: u64) -> Model {
    let mut m = model_with(objs, w, h);
    m.theme = Theme::load("high-contrast").unwrap();
    m.readonly = true;
    Launch {
        wall_cycle: Some(cycle),
        ..Launch::default()
    }
    .apply(&mut m);
    m
}

/// The Pods stream fails two minutes after the last update and the clock reads three later.
fn make_pods_stale(m: &mut Model) {
    update(
        m,
        Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind: Kind::Pod,
            at: now() + Duration::minutes(2),
            event: WatchEvent::Error(StreamError::Other("connection refused".into())),
        },
    );
    update(m, Msg::Tick(now() + Duration::minutes(3)));
}

#[test]
fn snapshots() {
    for (w, h) in SIZES {
        let m = wall(&fleet(), w, h, 10);
        let screen = render(&m);
        assert!(!screen.contains("STALE"), "{screen}");
        insta::assert_snapshot!(format!("wall_{w}x{h}"), screen);
        let mut stale = wall(&fleet(), w, h, 10);
        make_pods_stale(&mut stale);
        let screen = render(&stale);
        assert!(
            screen.contains("STALE: last update 09:00:00 (3 min ago)"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("wall_stale_{w}x{h}"), screen);
    }
}

#[test]
fn stale_tiles_are_dimmed() {
    let mut m = wall(&fleet(), 160, 48, 10);
    make_pods_stale(&mut m);
    let backend = ratatui::backend::TestBackend::new(160, 48);
    let mut t = ratatui::Terminal::new(backend).unwrap();
    t.draw(|f| kbdash::view::view(&m, f)).unwrap();
    let buf = t.backend().buffer();
    let dimmed = buf
        .content()
        .iter()
        .filter(|c| c.modifier.contains(ratatui::style::Modifier::DIM))
        .count();
    assert!(dimmed > 100, "tiles are dimmed when their data is stale");
}

fn many_clusters(n: usize) -> Vec<(Kind, serde_json::Value)> {
    let mut objs = Vec::new();
    for i in 0..n {
        let name = format!("pg-{i:02}");
        objs.push((
            Kind::Cluster,
            cluster("prod", &name, "Running", 1, "2025-06-01T09:00:00Z"),
        ));
        objs.push((Kind::Pod, pod("prod", &name, 0, "primary", true)));
    }
    objs
}

#[test]
fn pages_every_cycle_when_tiles_do_not_fit() {
    let mut m = wall(&many_clusters(30), 80, 24, 5);
    let first = render(&m);
    assert!(first.contains("page 1/"), "{first}");
    // The tile's title: the triage strip names the clusters too (none is backed up).
    assert!(first.contains("┌ prod/pg-00 "), "{first}");
    update(&mut m, Msg::Tick(now() + Duration::seconds(4)));
    assert!(render(&m).contains("page 1/"), "not before the cycle is up");
    update(&mut m, Msg::Tick(now() + Duration::seconds(5)));
    let second = render(&m);
    assert!(second.contains("page 2/"), "{second}");
    assert!(!second.contains("┌ prod/pg-00 "), "{second}");
}

#[test]
fn everything_fits_on_one_page_when_it_can() {
    let m = wall(&many_clusters(4), 240, 67, 5);
    let screen = render(&m);
    assert!(!screen.contains("page "), "{screen}");
    for i in 0..4 {
        assert!(screen.contains(&format!("pg-{i:02}")), "{screen}");
    }
}

#[test]
fn any_size_draws() {
    for (w, h) in [(1, 1), (10, 3), (20, 8), (33, 7), (300, 5)] {
        let mut m = wall(&fleet(), w, h, 10);
        make_pods_stale(&mut m);
        render(&m);
    }
}

#[test]
fn worst_first_with_namespaces_and_tiles_that_grow() {
    let mut objs = Vec::new();
    for (ns, phase) in [
        ("shop-eu", "Running"),
        ("shop-us", "Failed"),
        ("aaa", "Running"),
    ] {
        objs.push((
            Kind::Cluster,
            cluster(ns, "orders", phase, 1, "2025-06-01T09:00:00Z"),
        ));
        objs.push((Kind::Pod, pod(ns, "orders", 0, "primary", true)));
    }
    let m = wall(&objs, 160, 48, 10);
    let screen = render(&m);
    let titles: Vec<&str> = screen
        .lines()
        .flat_map(|l| l.split("┌ ").skip(1))
        .filter_map(|t| t.split(' ').next())
        .collect();
    // The failed cluster first, then by namespace; the same name told apart by its namespace.
    assert_eq!(
        titles,
        ["shop-us/orders", "aaa/orders", "shop-eu/orders"],
        "{screen}"
    );
    // Three clusters on a large screen: tiles taller than the smallest, listing their pods.
    let top = screen
        .lines()
        .position(|l| l.contains("┌ shop-us/orders"))
        .unwrap();
    let bottom = screen
        .lines()
        .skip(top)
        .position(|l| l.starts_with("\"└"))
        .unwrap();
    assert!(bottom > 7, "tile of {bottom} rows: {screen}");
    assert!(
        screen.contains("★ orders-postgresql-0 ✓ Running"),
        "{screen}"
    );
}

#[test]
fn a_short_strip_says_what_is_wrong_before_what_it_is_about() {
    let m = wall(&fleet(), 80, 24, 10);
    let screen = render(&m);
    let line = screen.lines().find(|l| l.contains("z2p7c")).unwrap();
    let (wrong, about) = (
        line.find("Switchover Failed").unwrap(),
        line.find("z2p7c").unwrap(),
    );
    assert!(wrong < about, "{line}");
    // One order for the whole strip, even for a line that would have fitted.
    assert!(
        screen.contains("cluster is Abnormal · Cluster ops/billing"),
        "{screen}"
    );
}

/// Status against what there is: a cluster `Running` with none of its pods ready, and a
/// cluster the operator never wrote a status for, are problems triage raises, so the wall
/// puts them before a cluster with nothing wrong (which sorts first by name).
#[test]
fn a_running_cluster_with_no_ready_pod_and_one_without_status_come_first() {
    let mut objs = vec![
        (
            Kind::Cluster,
            cluster("aaa", "healthy", "Running", 1, "2025-06-01T09:00:00Z"),
        ),
        (Kind::Pod, pod("aaa", "healthy", 0, "primary", true)),
        // Backed up last night: nothing is wrong with it.
        (
            Kind::Backup,
            serde_json::json!({"apiVersion": "dataprotection.kubeblocks.io/v1alpha1",
                "kind": "Backup",
                "metadata": {"name": "healthy-nightly", "namespace": "aaa",
                    "creationTimestamp": "2025-06-04T23:00:00Z",
                    "labels": {"app.kubernetes.io/instance": "healthy"}},
                "spec": {"backupMethod": "pg-basebackup", "backupPolicyName": "healthy-policy"},
                "status": {"phase": "Completed", "backupType": "Full",
                    "completionTimestamp": "2025-06-04T23:10:00Z"}}),
        ),
        (
            Kind::Cluster,
            cluster("zzz", "unready", "Running", 3, "2025-06-01T09:00:00Z"),
        ),
    ];
    for i in 0..3 {
        objs.push((Kind::Pod, pod("zzz", "unready", i, "", false)));
    }
    let mut bare = cluster("mmm", "nostatus", "", 1, "2025-06-01T09:00:00Z");
    bare.as_object_mut().unwrap().remove("status");
    objs.push((Kind::Cluster, bare));
    let m = wall(&objs, 160, 48, 10);
    let screen = render(&m);
    let titles: Vec<&str> = screen
        .lines()
        .flat_map(|l| l.split("┌ ").skip(1))
        .filter_map(|t| t.split(' ').next())
        .collect();
    assert_eq!(
        titles,
        ["zzz/unready", "mmm/nostatus", "aaa/healthy"],
        "{screen}"
    );
    assert!(
        screen.contains("phase Running, but 0 of 3 pods ready"),
        "{screen}"
    );
    assert!(screen.contains("no status since its creation"), "{screen}");
}

/// Before anything is listed, the wall waits for the API server by name, since a given time,
/// and says why it has not answered once the probe knows; "no clusters" only after a list.
#[test]
fn the_wall_waits_for_the_api_server_before_saying_no_clusters() {
    let mut m = Model::new("kind-demo", None, now());
    m.size = (120, 30);
    m.server = "https://10.0.0.1:6443".into();
    m.readonly = true;
    Launch {
        wall_cycle: Some(10),
        ..Launch::default()
    }
    .apply(&mut m);
    update(&mut m, Msg::Tick(now() + Duration::seconds(40)));
    let screen = render(&m);
    assert!(
        screen.contains("waiting for the API server at https://10.0.0.1:6443 since 09:00"),
        "{screen}"
    );
    assert!(!screen.contains("no clusters"), "{screen}");
    update(
        &mut m,
        Msg::Probe {
            ctx: kbdash_core::rows::Ctx(0),
            at: now() + Duration::seconds(45),
            result: Err("connection refused".into()),
        },
    );
    let screen = render(&m);
    assert!(
        screen.contains(
            "waiting for the API server at https://10.0.0.1:6443 since 09:00: connection refused"
        ),
        "{screen}"
    );
    assert!(!screen.contains("no clusters"), "{screen}");
    // Listed, and there are none.
    let m = wall(&[], 120, 30, 10);
    assert!(render(&m).contains("no clusters in any namespace"));
}
