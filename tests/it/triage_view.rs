//! The triage view on the reference fixtures: snapshots at three sizes with and without a
//! stale stream, `!` toggling, Enter opening the worst problem's evidence, information ranked
//! last, and acknowledging a problem (`a`, `A`) until it changes.

use crate::app_fixtures::{apply, ch, cluster, fleet, key, model_with, now, problems, render};
use chrono::Duration;
use crossterm::event::KeyCode;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::domain::triage::Level;
use kbdash_core::kinds::Kind;
use serde_json::json;

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (240, 67)];

/// The Pods stream fails two minutes after the last update and the clock reads three.
pub fn make_pods_stale(m: &mut Model) {
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

fn triage_model(w: u16, h: u16) -> Model {
    let mut m = model_with(&fleet(), w, h);
    update(&mut m, ch('!'));
    m
}

#[test]
fn snapshots() {
    for (w, h) in SIZES {
        let m = triage_model(w, h);
        insta::assert_snapshot!(format!("triage_{w}x{h}"), render(&m));
        let mut stale = triage_model(w, h);
        make_pods_stale(&mut stale);
        insta::assert_snapshot!(format!("triage_stale_{w}x{h}"), render(&stale));
    }
}

#[test]
fn bang_toggles_and_esc_closes() {
    let mut m = model_with(&fleet(), 120, 40);
    update(&mut m, ch('!'));
    assert_eq!(m.overlay, Overlay::Triage { selected: 0 });
    update(&mut m, ch('!'));
    assert_eq!(m.overlay, Overlay::None);
    update(&mut m, ch('!'));
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn enter_opens_the_evidence_and_esc_returns() {
    let mut m = triage_model(120, 40);
    let problems = crate::app_fixtures::problems(&m);
    assert!(problems.len() >= 2, "{problems:?}");
    update(&mut m, ch('j'));
    update(&mut m, key(KeyCode::Enter));
    let Overlay::Detail(d) = &m.overlay else {
        panic!("{:?}", m.overlay);
    };
    assert_eq!(Some(&d.target), problems[1].object.as_ref());
    let screen = render(&m);
    assert!(screen.contains(d.target.key.name.as_str()), "{screen}");
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.overlay, Overlay::Triage { selected: 1 });
}

#[test]
fn the_broken_cluster_and_failed_ops_rank_first() {
    let m = triage_model(120, 40);
    let problems = crate::app_fixtures::problems(&m);
    let first = &problems[0];
    assert_eq!(first.subject, "Cluster ops/billing");
    assert!(first.reason.starts_with("cluster is Abnormal"), "{first:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.subject.starts_with("OpsRequest") && p.reason.contains("Failed")),
        "{problems:#?}"
    );
}

/// A Switchover that succeeded after the fixtures' failed one (created 2025-06-04 14:00:10).
fn later_switchover() -> serde_json::Value {
    json!({"apiVersion": "operations.kubeblocks.io/v1alpha1", "kind": "OpsRequest",
        "metadata": {"name": "pg-cluster-switchover-k9q2w", "namespace": "demo",
            "creationTimestamp": "2025-06-04T14:05:00Z"},
        "spec": {"clusterName": "pg-cluster", "type": "Switchover",
            "switchover": [{"componentName": "postgresql",
                "instanceName": "pg-cluster-postgresql-0"}]},
        "status": {"phase": "Succeed", "progress": "1/1",
            "startTimestamp": "2025-06-04T14:05:01Z",
            "completionTimestamp": "2025-06-04T14:05:30Z"}})
}

/// The failed Switchover drops to INFO once a later one succeeded, and ranks last; the title
/// counts it apart.
#[test]
fn a_failure_made_good_is_information_ranked_last() {
    let mut m = triage_model(160, 48);
    update(&mut m, apply(Kind::OpsRequest, &later_switchover()));
    let found = problems(&m);
    let last = found.last().unwrap();
    assert_eq!(last.level, Level::Info);
    assert_eq!(last.subject, "OpsRequest demo/pg-cluster-switchover-z2p7c");
    assert!(
        last.reason
            .ends_with("· superseded by pg-cluster-switchover-k9q2w, which Succeed"),
        "{last:?}"
    );
    assert_eq!(
        found.iter().filter(|p| p.level == Level::Info).count(),
        1,
        "{found:#?}"
    );
    let screen = render(&m);
    assert!(screen.contains(" · 1 info · "), "{screen}");
}

/// `a` hides the selected problem: counted in the title, listed by `A`, shown again by `a`
/// there. It stays hidden while only the clock moves, and comes back by itself when it
/// changes; the acknowledgement is then forgotten.
#[test]
fn acknowledging_hides_a_problem_until_it_changes() {
    let mut m = triage_model(160, 48);
    let before = problems(&m);
    assert_eq!(before[0].reason, "cluster is Abnormal");
    update(&mut m, ch('a'));
    let after = problems(&m);
    assert_eq!(after, before[1..].to_vec());
    assert_eq!(acknowledged(&m), ["cluster is Abnormal"]);
    let screen = render(&m);
    assert!(
        screen.contains(" · 1 acknowledged (A lists) · "),
        "{screen}"
    );
    assert!(!screen.contains("cluster is Abnormal"), "{screen}");

    update(&mut m, Msg::Tick(now() + Duration::minutes(30)));
    assert_eq!(acknowledged(&m), ["cluster is Abnormal"], "the clock alone");

    // The acknowledged list, and back.
    update(&mut m, ch('A'));
    assert!(render(&m).contains("cluster is Abnormal"));
    update(&mut m, ch('a'));
    assert_eq!(problems(&m)[0].reason, "cluster is Abnormal");
    assert!(acknowledged(&m).is_empty());
    assert!(render(&m).contains("nothing is acknowledged"));
    update(&mut m, ch('A'));

    // Acknowledged again, then the cluster fails outright: a change, shown at once.
    update(&mut m, ch('g'));
    update(&mut m, ch('a'));
    assert_eq!(acknowledged(&m), ["cluster is Abnormal"]);
    let billing = |phase| cluster("ops", "billing", phase, 3, "2025-06-01T09:00:00Z");
    update(&mut m, apply(Kind::Cluster, &billing("Failed")));
    assert_eq!(problems(&m)[0].reason, "cluster is Failed");
    assert!(acknowledged(&m).is_empty());
    // What changed and changes back is news again.
    update(&mut m, apply(Kind::Cluster, &billing("Abnormal")));
    assert_eq!(problems(&m)[0].reason, "cluster is Abnormal");
}

/// The reasons of the acknowledged problems.
fn acknowledged(m: &Model) -> Vec<String> {
    m.triage
        .problems
        .acknowledged()
        .map(|p| p.reason.clone())
        .collect()
}

/// Enter on the acknowledged list opens that problem's evidence.
#[test]
fn the_acknowledged_list_opens_evidence_too() {
    let mut m = triage_model(120, 40);
    let first = problems(&m).remove(0);
    update(&mut m, ch('a'));
    update(&mut m, ch('A'));
    update(&mut m, key(KeyCode::Enter));
    let Overlay::Detail(d) = &m.overlay else {
        panic!("{:?}", m.overlay);
    };
    assert_eq!(Some(&d.target), first.object.as_ref());
    update(&mut m, key(KeyCode::Esc));
    assert!(
        m.triage.listing_acknowledged,
        "back to the acknowledged list"
    );
}

#[test]
fn snapshots_with_information_and_acknowledged_problems() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut m = triage_model(w, h);
        update(&mut m, apply(Kind::OpsRequest, &later_switchover()));
        update(&mut m, ch('j'));
        update(&mut m, ch('a'));
        insta::assert_snapshot!(format!("triage_info_acknowledged_{w}x{h}"), render(&m));
        update(&mut m, ch('A'));
        insta::assert_snapshot!(format!("triage_acknowledged_list_{w}x{h}"), render(&m));
    }
}
