//! A finished OpsRequest's row leaves its conditions and progress details out; its detail view
//! follows the object and shows them from it, and stops following when it closes.

use crate::app_fixtures::{key, model_with, objects, render};
use crossterm::event::KeyCode;
use kbdash::state::cmd::Cmd;
use kbdash::state::model::{Model, Overlay};
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, OpsRow};
use serde_json::Value;

fn ops_fixture(name: &str) -> Value {
    objects()
        .into_iter()
        .find(|(k, v)| *k == Kind::OpsRequest && v["metadata"]["name"] == name)
        .map(|(_, v)| v)
        .unwrap()
}

fn select_ops(m: &mut Model, name: &str) {
    update(
        m,
        Msg::Key(crossterm::event::KeyEvent::from(KeyCode::Char('3'))),
    );
    while m.store.ops.selected().is_some_and(|o| o.key.name != name) {
        let before = m.store.ops.cursor();
        update(m, key(KeyCode::Down));
        assert_ne!(m.store.ops.cursor(), before, "{name} not listed");
    }
}

#[test]
fn finished_requests_keep_a_summary_and_running_ones_everything() {
    let done = ops_fixture("pg-cluster-switchover-m5c3t");
    let row = OpsRow::from_value(&done);
    assert!(row.is_finished());
    assert!(row.elided);
    assert!(row.conditions.is_empty() && row.details.is_empty());
    let full = OpsRow::from_value_full(&done);
    assert!(!full.conditions.is_empty());
    assert_eq!(row.last_transition, full.last_transition);
    assert!(row.last_transition.is_some());

    let running = OpsRow::from_value(&ops_fixture("pg-cluster-volumeexpansion-p6z4k"));
    assert!(!running.is_finished());
    assert!(!running.elided);
    assert!(!running.conditions.is_empty());
}

#[test]
fn the_detail_of_a_finished_request_follows_the_object() {
    let name = "pg-cluster-switchover-m5c3t";
    let mut m = model_with(&objects(), 120, 40);
    select_ops(&mut m, name);
    let cmds = update(&mut m, key(KeyCode::Enter));
    let target = ObjRef {
        kind: Kind::OpsRequest,
        key: ObjKey::new("demo", name),
    };
    assert!(matches!(&m.overlay, Overlay::Detail(d) if d.target == target));
    assert_eq!(cmds[0], Cmd::Follow(Some(target.clone())));
    assert!(
        matches!(&cmds[1..], [Cmd::WatchObjectEvents { .. }]),
        "its Events"
    );
    assert!(render(&m).contains("loading…"));

    update(
        &mut m,
        Msg::Raw {
            target: target.clone(),
            result: Ok(ops_fixture(name)),
        },
    );
    let screen = render(&m);
    assert!(!screen.contains("loading…"), "{screen}");
    let full = OpsRow::from_value_full(&ops_fixture(name));
    let first = full.conditions.first().unwrap();
    assert!(screen.contains(first.type_.as_str()), "{screen}");

    let cmds = update(&mut m, key(KeyCode::Esc));
    assert_eq!(cmds, vec![Cmd::Follow(None), Cmd::StopObjectEvents]);
    assert!(m.followed_ops.is_none());
}
