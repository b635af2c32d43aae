//! Admission never panics on arbitrary objects, and admitting an admitted object again
//! changes nothing (defaulting is idempotent).

use kbdash_core::kinds::Kind;
use kbdash_core::schema;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Field names that occur in the KubeBlocks schemas, so random objects reach deep into them.
const KEYS: &[&str] = &[
    "spec",
    "status",
    "metadata",
    "name",
    "type",
    "clusterName",
    "componentName",
    "componentSpecs",
    "horizontalScaling",
    "scaleOut",
    "scaleIn",
    "replicaChanges",
    "switchover",
    "instanceName",
    "componentObjectName",
    "upgrade",
    "components",
    "serviceVersion",
    "restore",
    "backupName",
    "env",
    "value",
    "requests",
    "limits",
    "cpu",
    "memory",
    "progress",
    "timeRange",
    "start",
    "end",
    "timeZone",
    "phase",
    "deletionPolicy",
    "restart",
    "force",
    "labels",
    "x",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-zA-Z0-9:/ .+-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(
        Kind::all()
            .filter(|k| k.info().crd_schema.is_some())
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn admission_never_panics_and_is_idempotent(kind in kind(), spec in json_value(), status in json_value()) {
        let mut obj = json!({"metadata": {"name": "x"}, "spec": spec, "status": status});
        if schema::admit(kind, &mut obj).is_ok() {
            let mut again = obj.clone();
            prop_assert_eq!(schema::admit(kind, &mut again), Ok(()));
            prop_assert_eq!(again, obj);
        }
    }

    #[test]
    fn whole_objects_of_any_shape_do_not_panic(kind in kind(), obj in json_value()) {
        let _ = schema::validate_only(kind, &obj);
    }
}
