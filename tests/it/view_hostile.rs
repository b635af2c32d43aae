//! Hostile and malformed objects: arbitrary JSON decoded as every watched kind and rendered in
//! every pane and in the detail view never panics, and odd values render within the frame.

use crate::app_fixtures::{ch, fleet, key, model_with, render, watch};
use crossterm::event::KeyCode;
use kbdash::k8s::watch::WatchEvent;
use kbdash::state::store::WATCHED;
use kbdash::update::update;
use kbdash_core::rows::Row;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("Running"),
            Just("Failed"),
            Just("primary"),
            Just("-/-"),
            Just("3/2"),
            Just("2025-06-03T10:14:52Z"),
            Just("9999-12-31T23:59:59Z"),
            Just("Continuous"),
            Just("18446744073709551615"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("status".to_string()),
                    Just("phase".to_string()),
                    Just("timeRange".to_string()),
                    Just("start".to_string()),
                    Just("end".to_string()),
                    Just("progress".to_string()),
                    Just("conditions".to_string()),
                    Just("containerStatuses".to_string()),
                    Just("componentSpecs".to_string()),
                    Just("labels".to_string()),
                    Just("kubeblocks.io/role".to_string()),
                    Just("app.kubernetes.io/instance".to_string()),
                    ".{0,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn with_identity(mut body: Value, name: String) -> Value {
    if !body.is_object() {
        body = json!({"status": body});
    }
    let meta = json!({"name": name, "namespace": "ns", "labels": {
        "app.kubernetes.io/instance": "billing", "kubeblocks.io/role": "leader?"}});
    body["metadata"] = meta;
    body
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_objects_render_everywhere(
        body in arb_json(),
        status in arb_json(),
        name in prop_oneof![".{1,20}", "[a-z0-9-]{253}"],
    ) {
        let mut obj = with_identity(body, name);
        obj["status"] = status;
        let mut m = model_with(&fleet(), 80, 24);
        for kind in WATCHED {
            if let Some(row) = Row::from_value(kind, &obj) {
                update(&mut m, watch(kind, WatchEvent::Apply(Box::new(row))));
            }
        }
        for pane in ['1', '2', '3', '4'] {
            update(&mut m, ch(pane));
            let screen = render(&m);
            prop_assert_eq!(screen.lines().count(), 24);
            update(&mut m, key(KeyCode::Char('G')));
            update(&mut m, key(KeyCode::Char('d')));
            render(&m);
            update(&mut m, key(KeyCode::Esc));
        }
    }
}
