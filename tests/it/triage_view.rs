//! The triage view on the reference fixtures: snapshots at three sizes with and without a
//! stale stream, `!` toggling, and Enter opening the worst problem's evidence.

use crate::app_fixtures::{ch, fleet, key, model_with, now, render};
use chrono::Duration;
use crossterm::event::KeyCode;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (240, 67)];

/// The Pods stream fails two minutes after the last update and the clock reads three.
pub fn make_pods_stale(m: &mut Model) {
    update(
        m,
        Msg::Watch {
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
