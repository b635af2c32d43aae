//! The two ways into a row agree: an object read straight from the API's JSON text
//! (`RowSeed`, what the watch layer does) gives the row `Row::from_value` gives for the same
//! object as a `serde_json::Value`, for every fixture and for fixtures with random values at
//! the paths rows read (wrong types, nulls, odd numbers, nested junk).

use std::path::Path;
use std::sync::OnceLock;

use kbdash_core::kinds::Kind;
use kbdash_core::rows::Row;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

/// Every object of the reference fixtures whose kind kbdash watches, with its kind.
fn fixtures() -> &'static [(Kind, Value)] {
    static FIXTURES: OnceLock<Vec<(Kind, Value)>> = OnceLock::new();
    FIXTURES.get_or_init(read_fixtures)
}

fn read_fixtures() -> Vec<(Kind, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kubeblocks");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let v = Value::deserialize(doc).unwrap();
            let api_version = v["apiVersion"].as_str().unwrap_or_default();
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let kind = Kind::from_group_kind(group, v["kind"].as_str().unwrap_or_default());
            if let Some(kind) = kind
                && Row::from_value(kind, &json!({"metadata": {"name": "x"}})).is_some()
            {
                out.push((kind, v));
            }
        }
    }
    out
}

/// Asserts both ways give the same row (and the text's resourceVersion), compact and pretty.
fn same_both_ways(kind: Kind, v: &Value) {
    let expected = Row::from_value(kind, v);
    for text in [
        serde_json::to_vec(v).unwrap(),
        serde_json::to_vec_pretty(v).unwrap(),
    ] {
        let decoded = Row::from_json(kind, &text).unwrap();
        assert_eq!(decoded.row, expected, "{kind}: {v}");
        // As text, like every field rows read as text.
        let version = match v.pointer("/metadata/resourceVersion") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        };
        assert_eq!(decoded.resource_version, version);
    }
}

#[test]
fn every_fixture_reads_alike_from_its_text_and_from_a_value() {
    let fixtures = fixtures();
    let kinds: std::collections::BTreeSet<Kind> = fixtures.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds.len(),
        8,
        "every watched kind has a fixture: {kinds:?}"
    );
    assert!(fixtures.len() >= 39, "{}", fixtures.len());
    for (kind, v) in fixtures {
        assert!(Row::from_value(*kind, v).is_some(), "{kind}");
        same_both_ways(*kind, v);
    }
    // What the detail views keep beyond the panes comes through too: a restored cluster's
    // source, a Restore's and a Reconfiguring's spec.
    let rows: Vec<Row> = fixtures
        .iter()
        .filter_map(|(kind, v)| Row::from_json(*kind, v.to_string().as_bytes()).ok()?.row)
        .collect();
    assert!(
        rows.iter()
            .any(|r| matches!(r, Row::Cluster(c) if c.restored_from.is_some()))
    );
    for op in ["Restore", "Reconfiguring"] {
        assert!(
            rows.iter()
                .any(|r| matches!(r, Row::Ops(o) if o.op_type == op && o.spec.is_some())),
            "{op}"
        );
    }
}

#[test]
fn kinds_not_watched_and_nameless_objects_give_no_row_either_way() {
    let named = json!({"metadata": {"name": "a", "resourceVersion": "7"}});
    let decoded = Row::from_json(Kind::ComponentVersion, named.to_string().as_bytes()).unwrap();
    assert_eq!(decoded.row, None);
    assert_eq!(Row::from_value(Kind::ComponentVersion, &named), None);
    for odd in [
        json!({"metadata": {}}),
        json!({"metadata": 7}),
        json!("a"),
        json!(null),
    ] {
        same_both_ways(Kind::Pod, &odd);
        assert_eq!(Row::from_value(Kind::Pod, &odd), None);
    }
    // Not JSON at all is an error of the text, never a panic.
    assert!(Row::from_json(Kind::Pod, b"{\"metadata\": ").is_err());
}

/// The paths rows read, and their parents (a whole spec or status replaced).
const PATHS: &[&str] = &[
    "/metadata",
    "/metadata/name",
    "/metadata/namespace",
    "/metadata/resourceVersion",
    "/metadata/labels",
    "/metadata/labels/app.kubernetes.io~1instance",
    "/metadata/labels/kubeblocks.io~1role",
    "/metadata/labels/app.kubernetes.io~1component",
    "/metadata/labels/dataprotection.kubeblocks.io~1backup-type",
    "/metadata/creationTimestamp",
    "/metadata/deletionTimestamp",
    "/spec",
    "/spec/clusterDef",
    "/spec/componentSpecs",
    "/spec/componentSpecs/0",
    "/spec/componentSpecs/0/replicas",
    "/spec/componentSpecs/0/componentDef",
    "/spec/containers",
    "/spec/nodeName",
    "/spec/clusterName",
    "/spec/type",
    "/spec/backupMethod",
    "/spec/schedules",
    "/spec/schedules/0/enabled",
    "/spec/schedules/0/name",
    "/spec/backupMethods",
    "/spec/backupMethods/0",
    "/spec/backupMethods/0/snapshotVolumes",
    "/spec/backupType",
    "/status",
    "/status/phase",
    "/status/reason",
    "/status/progress",
    "/status/conditions",
    "/status/conditions/0",
    "/status/conditions/0/message",
    "/status/conditions/0/lastTransitionTime",
    "/status/components",
    "/status/components/postgresql",
    "/status/components/postgresql/message",
    "/status/components/postgresql/progressDetails",
    "/status/containerStatuses",
    "/status/containerStatuses/0/ready",
    "/status/containerStatuses/0/restartCount",
    "/status/containerStatuses/0/state",
    "/status/totalSize",
    "/status/timeRange",
    "/status/backupMethod",
    "/status/actions",
    "/status/actions/0/availableReplicas",
    "/status/schedules",
    "/status/failureReason",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(3.0f64), Just(-0.0), Just(1e300), Just(0.1), Just(7.5)]
            .prop_map(Value::from),
        prop_oneof![
            Just(""),
            Just("Failed"),
            Just("Ready"),
            Just("True"),
            Just("StatefulSet"),
            Just("2025-06-05T09:00:00Z"),
            Just("not a time"),
            Just("20Gi"),
            Just(" 7 "),
            Just("postgresql-16"),
            Just("a\tb\nc"),
        ]
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("name"),
        Just("message"),
        Just("reason"),
        Just("phase"),
        Just("status"),
        Just("type"),
        Just("waiting"),
        Just("postgresql"),
        Just("progressDetails"),
        Just("replicas"),
        Just("other"),
    ];
    leaf().prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..4).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// Puts `new` at `pointer` where its parent exists (an object gets the key, an array an
/// element in range); elsewhere leaves `v` alone.
fn put(v: &mut Value, pointer: &str, new: Value) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(last, new);
        }
        Some(Value::Array(a)) => {
            if let Some(slot) = last.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *slot = new;
            }
        }
        _ => {}
    }
}

proptest! {
    #[test]
    fn random_values_at_the_paths_rows_read_give_the_same_row_both_ways(
        which in any::<prop::sample::Index>(),
        changes in prop::collection::vec((prop::sample::select(PATHS), value()), 1..5),
    ) {
        let fixtures = fixtures();
        let (kind, mut v) = fixtures[which.index(fixtures.len())].clone();
        for (path, new) in changes {
            put(&mut v, path, new);
        }
        same_both_ways(kind, &v);
    }

    #[test]
    fn random_objects_give_the_same_row_both_ways(v in value(), kind_at in any::<prop::sample::Index>()) {
        let kinds = [
            Kind::Cluster,
            Kind::Pod,
            Kind::OpsRequest,
            Kind::Backup,
            Kind::BackupSchedule,
            Kind::BackupPolicy,
            Kind::ActionSet,
        ];
        let kind = kinds[kind_at.index(kinds.len())];
        same_both_ways(kind, &v);
        let mut named = json!({"metadata": {"name": "n"}, "spec": v.clone(), "status": v});
        same_both_ways(kind, &named);
        put(&mut named, "/metadata/labels", json!({"app.kubernetes.io/instance": 7}));
        same_both_ways(kind, &named);
    }
}
