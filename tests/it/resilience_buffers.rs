//! Bounded buffers: what the model keeps per event or per submit must not grow for the whole
//! of a long session. Covered here: the objects followed after a submit (capped at
//! `MAX_TRACKED`, and dropped once deleted) and the rows of a list that fails midway (never
//! kept). Role history per cluster and role-change highlights are covered in
//! tests/app_update.rs.

use crate::app_fixtures::{fleet, model_with, watch};
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::FormMsg;
use kbdash::state::msg::Msg;
use kbdash::update::forms::follow::MAX_TRACKED;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, Row};

/// The answer to a submit made from a form that is no longer open.
fn submitted(name: &str) -> Msg {
    Msg::Form(FormMsg::Submitted {
        attempt: 0,
        kind: Kind::OpsRequest,
        namespace: "demo".into(),
        result: Ok(name.into()),
    })
}

fn followed(m: &Model) -> Vec<String> {
    m.forms
        .tracked
        .iter()
        .map(|t| t.key.name.to_string())
        .collect()
}

#[test]
fn submitted_objects_followed_are_capped_newest_kept() {
    let mut m = model_with(&fleet(), 120, 40);
    for i in 0..3 * MAX_TRACKED {
        update(&mut m, submitted(&format!("never-arrives-{i}")));
        assert!(m.forms.tracked.len() <= MAX_TRACKED);
    }
    let expected: Vec<String> = (2 * MAX_TRACKED..3 * MAX_TRACKED)
        .map(|i| format!("never-arrives-{i}"))
        .collect();
    assert_eq!(followed(&m), expected);
}

#[test]
fn a_followed_object_that_is_deleted_is_no_longer_followed() {
    let mut m = model_with(&fleet(), 120, 40);
    let running = "pg-cluster-horizontalscaling-x7k2p";
    update(&mut m, submitted(running));
    update(&mut m, submitted("not-there-yet"));
    assert_eq!(followed(&m), [running, "not-there-yet"]);
    assert!(m.forms.tracked[0].selected, "its row is there and selected");

    update(
        &mut m,
        watch(
            Kind::OpsRequest,
            WatchEvent::Delete(ObjKey::new("demo", running)),
        ),
    );
    assert_eq!(
        followed(&m),
        ["not-there-yet"],
        "still waiting for the other"
    );
    assert_eq!(
        m.notice.as_ref().map(|(t, _)| t.as_str()),
        Some(format!("OpsRequest demo/{running}: deleted").as_str())
    );
}

#[test]
fn a_list_failing_midway_keeps_none_of_its_rows() {
    let mut m = model_with(&fleet(), 120, 40);
    let before: Vec<String> = m
        .store
        .pods
        .iter()
        .map(|p| p.key.name.to_string())
        .collect();
    update(&mut m, watch(Kind::Pod, WatchEvent::Init));
    for i in 0..5000 {
        let pod = crate::app_fixtures::pod("big", &format!("c{i}"), 0, "primary", true);
        let row = Row::from_value(Kind::Pod, &pod).unwrap();
        update(&mut m, watch(Kind::Pod, WatchEvent::InitRow(Box::new(row))));
    }
    assert_eq!(
        m.streams.get(&(kbdash_core::rows::Ctx(0), Kind::Pod)),
        Some(&StreamState::Syncing { count: 5000 })
    );
    update(
        &mut m,
        watch(
            Kind::Pod,
            WatchEvent::Error(StreamError::Other("connection reset".into())),
        ),
    );
    assert!(m.store.pending.is_empty(), "the partial list is dropped");
    let after: Vec<String> = m
        .store
        .pods
        .iter()
        .map(|p| p.key.name.to_string())
        .collect();
    assert_eq!(after, before, "the rows shown are the last complete list");
}
