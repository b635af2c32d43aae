//! Admission side by side: every file of `examples/` and a property-generated set of
//! OpsRequests, Backups, BackupSchedules and Clusters, each judged by kbdash's own admission
//! (`kbdash_core::schema`) and by the real API server's dry-run create (strict field
//! validation, as kubectl sends it). Both must accept or refuse alike, refuse on the same
//! field paths, and, when they accept, default the object alike.

use std::collections::BTreeSet;
use std::path::Path;

use kbdash_core::kinds::Kind;
use kbdash_core::schema::{self, FieldCause};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::server::shared;
use super::support::{Answer, call, fixture, namespace, put};

/// A verdict on one object.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Admitted; the object's `spec` as it would be stored (defaults applied).
    Accepted(Value),
    /// Refused for these causes: field path (`<nil>`: the object as a whole), reason and
    /// message.
    Refused(BTreeSet<(String, String, String)>),
}

/// kbdash's verdict on creating `obj`, as the demo server gives it: a create ignores `status`
/// (every KubeBlocks kind has the status subresource).
fn kbdash_create(kind: Kind, obj: &Value) -> (Verdict, Vec<FieldCause>) {
    let mut obj = obj.clone();
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
    }
    judge_kbdash(kind, obj)
}

fn judge_kbdash(kind: Kind, mut obj: Value) -> (Verdict, Vec<FieldCause>) {
    match schema::admit(kind, &mut obj) {
        Ok(()) => (Verdict::Accepted(obj["spec"].clone()), Vec::new()),
        Err(causes) => (
            Verdict::Refused(
                causes
                    .iter()
                    .map(|c| (c.field.clone(), c.reason.clone(), c.message.clone()))
                    .collect(),
            ),
            causes,
        ),
    }
}

/// The real server's verdict from its answer: 201/200 with the object, 422 with causes, or
/// 400 for fields strict decoding does not know (`unknown field "spec.foo"`, listed in the
/// message only).
fn judge_server(a: &Answer) -> Verdict {
    match a.code {
        200 | 201 => Verdict::Accepted(a.body["spec"].clone()),
        422 => Verdict::Refused(
            a.body["details"]["causes"]
                .as_array()
                .unwrap_or_else(|| panic!("422 without causes: {:#}", a.body))
                .iter()
                .map(|c| {
                    let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (text("field"), text("reason"), text("message"))
                })
                .collect(),
        ),
        400 if a.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("strict decoding error")) =>
        {
            let message = a.body["message"].as_str().unwrap_or_default();
            Verdict::Refused(
                message
                    .split("unknown field \"")
                    .skip(1)
                    .filter_map(|s| s.split('"').next())
                    .map(|f| {
                        let message = format!("unknown field \"{f}\"");
                        (f.to_string(), "FieldValueUnknown".to_string(), message)
                    })
                    .collect(),
            )
        }
        _ => panic!("unexpected answer {}: {:#}", a.code, a.body),
    }
}

fn collection(kind: Kind, ns: &str) -> String {
    let i = kind.info();
    format!(
        "/apis/{}/{}/namespaces/{ns}/{}",
        i.group, i.version, i.plural
    )
}

const DRY_RUN: &str = "dryRun=All&fieldValidation=Strict";

/// The real server's verdict on creating `obj` in `ns`.
async fn server_create(client: &kube::Client, kind: Kind, ns: &str, obj: &Value) -> Answer {
    let mut obj = obj.clone();
    if obj["metadata"].is_object() {
        obj["metadata"]["namespace"] = json!(ns);
    }
    let uri = format!("{}?{DRY_RUN}", collection(kind, ns));
    call(
        client,
        "POST",
        &uri,
        Some("application/json"),
        None,
        Some(&obj),
    )
    .await
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// One difference between the two verdicts, for the report.
fn difference(
    what: &str,
    obj: &Value,
    ours: &(Verdict, Vec<FieldCause>),
    theirs: &Answer,
) -> Option<String> {
    let server = judge_server(theirs);
    (ours.0 != server).then(|| {
        format!(
            "{what}:\n  object: {obj}\n  kbdash: {:?}\n    {:?}\n  server: {} {}",
            ours.0,
            ours.1,
            theirs.code,
            theirs
                .body
                .get("details")
                .unwrap_or(&theirs.body["message"])
        )
    })
}

fn example(file: &Path) -> (Kind, Value) {
    let text = std::fs::read_to_string(file).unwrap();
    let v = Value::deserialize(serde_yaml_ng::Deserializer::from_str(&text)).unwrap();
    let api_version = v["apiVersion"].as_str().unwrap();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = Kind::from_group_kind(group, v["kind"].as_str().unwrap()).unwrap();
    (kind, v)
}

#[tokio::test]
async fn every_example_is_judged_alike() {
    let Some(k8s) = shared("real_k8s::admission::examples") else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "admission-examples";
    namespace(&admin, ns).await;
    let schedule = "pg-cluster-postgresql-backup-schedule";
    let stored_schedule = put(
        &admin,
        Kind::BackupSchedule,
        fixture(Kind::BackupSchedule, schedule, ns),
    )
    .await;
    let ops = "pg-cluster-horizontalscaling-x7k2p";
    let stored_ops = put(&admin, Kind::OpsRequest, fixture(Kind::OpsRequest, ops, ns)).await;
    let cluster = "pg-cluster";
    let stored_cluster = put(&admin, Kind::Cluster, fixture(Kind::Cluster, cluster, ns)).await;
    // The examples that are merge patches of a stored object: judged on the object they
    // would make.
    let patched = [
        ("backupschedule-patch.yaml", schedule, &stored_schedule),
        ("opsrequest-cancel.yaml", ops, &stored_ops),
        ("terminationpolicy-patch.yaml", cluster, &stored_cluster),
    ];

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut differences = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (kind, mut obj) = example(file);
        obj["metadata"]["namespace"] = json!(ns);
        let (ours, theirs) =
            if let Some((_, target, stored)) = patched.iter().find(|(file, ..)| *file == name) {
                let mut merged = (*stored).clone();
                merge_patch(&mut merged, &obj);
                let uri = format!("{}/{target}?{DRY_RUN}", collection(kind, ns));
                let a = call(
                    &admin,
                    "PATCH",
                    &uri,
                    Some("application/merge-patch+json"),
                    None,
                    Some(&obj),
                )
                .await;
                (judge_kbdash(kind, merged), a)
            } else {
                (
                    kbdash_create(kind, &obj),
                    server_create(&admin, kind, ns, &obj).await,
                )
            };
        assert!(
            matches!(ours.0, Verdict::Accepted(_)),
            "{name}: kbdash refuses {:?}",
            ours.1
        );
        differences.extend(difference(&name, &obj, &ours, &theirs));
    }
    assert_eq!(files.len(), 22);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Field names the generated objects use besides those of their base: some the schemas
/// declare elsewhere, some no schema declares.
const KEYS: &[&str] = &[
    "componentName",
    "componentObjectName",
    "instanceName",
    "replicas",
    "replicaChanges",
    "scaleOut",
    "scaleIn",
    "shards",
    "force",
    "cancel",
    "serviceVersion",
    "backupMethod",
    "deletionPolicy",
    "retentionPeriod",
    "enabled",
    "cronExpression",
    "topology",
    "terminationPolicy",
    "name",
    "labels",
    "bogus",
    "x-extra",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        Just(json!(1_000_000_000_000_i64)),
        prop::sample::select(vec![
            "",
            "x",
            "postgresql",
            "pg-cluster",
            "pg-cluster-postgresql-0",
            "Restart",
            "Reboot",
            "Start",
            "Switchover",
            "HorizontalScaling",
            "1",
            "-1",
            "500m",
            "2Gi",
            "lots",
            "30Gi",
            "Delete",
            "Retain",
            "Keep",
            "WipeOut",
            "DoNotTerminate",
            "7d",
            "0 3 * * *",
            "2025-06-03T09:30:00Z",
            "yesterday",
            "16.9.0",
            "Bad_Name",
            "a b",
            "pg-basebackup",
            "Parallel",
            "Serial",
            "replication",
            "ClusterIP",
            "LoadBalancer",
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..3).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Every JSON pointer of `v` (objects' fields and arrays' items), below the root.
fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, &p, out);
            }
        }
        _ => {}
    }
}

/// One change to a base object.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value at the `n`th pointer (modulo their number).
    Set(usize, Value),
    /// Remove the `n`th pointer's field or item.
    Remove(usize),
    /// Add `key` to the `n`th object (modulo the objects).
    Add(usize, &'static str, Value),
    /// Set `metadata.name`.
    Name(&'static str),
    /// Set a label's value.
    Label(&'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), value()).prop_map(|(n, v)| Mutation::Set(n, v)),
        2 => any::<usize>().prop_map(Mutation::Remove),
        2 => (any::<usize>(), prop::sample::select(KEYS), value()).prop_map(|(n, k, v)| Mutation::Add(n, k, v)),
        1 => prop::sample::select(NAMES).prop_map(Mutation::Name),
        1 => prop::sample::select(NAMES).prop_map(Mutation::Label),
    ]
}

/// Names and label values, valid and not.
const NAMES: &[&str] = &[
    "pg-cluster-x",
    "x",
    "",
    "Bad_Name",
    "a b",
    "-x",
    "x.y",
    "x_y",
];

/// Applies `m` to `obj`. `apiVersion`, `kind` and `metadata` only change through `Name` and
/// `Label`: metadata of the wrong JSON types fails Go's decoding before any admission, which
/// kbdash does not model.
fn apply(obj: &mut Value, m: &Mutation) {
    match m {
        Mutation::Name(name) => {
            obj["metadata"]["name"] = json!(name);
            return;
        }
        Mutation::Label(value) => {
            obj["metadata"]["labels"]["team"] = json!(value);
            return;
        }
        _ => {}
    }
    let mut all = Vec::new();
    pointers(obj, "", &mut all);
    all.retain(|p| {
        !p.starts_with("/apiVersion") && !p.starts_with("/kind") && !p.starts_with("/metadata")
    });
    if all.is_empty() {
        return;
    }
    match m {
        Mutation::Set(n, v) => {
            if let Some(slot) = obj.pointer_mut(&all[n % all.len()]) {
                *slot = v.clone();
            }
        }
        Mutation::Remove(n) => {
            let p = &all[n % all.len()];
            let (parent, last) = p.rsplit_once('/').unwrap();
            match obj.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
        Mutation::Add(n, key, v) => {
            let objects: Vec<&String> = all
                .iter()
                .filter(|p| obj.pointer(p).is_some_and(Value::is_object))
                .collect();
            if objects.is_empty() {
                return;
            }
            let p = objects[n % objects.len()].clone();
            if let Some(Value::Object(map)) = obj.pointer_mut(&p) {
                map.insert(key.to_string(), v.clone());
            }
        }
        Mutation::Name(_) | Mutation::Label(_) => {}
    }
}

/// The valid objects the generated ones start from: every example and fixture of the kinds
/// compared, status left out (a create ignores it).
fn bases() -> Vec<(Kind, Value)> {
    let compared = [
        Kind::OpsRequest,
        Kind::Backup,
        Kind::BackupSchedule,
        Kind::Cluster,
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<(Kind, Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| !p.ends_with("backupschedule-patch.yaml"))
        .map(|p| example(&p))
        .collect();
    out.extend(
        crate::app_fixtures::objects()
            .into_iter()
            .filter(|(k, _)| compared.contains(k)),
    );
    for (_, v) in &mut out {
        let map = v.as_object_mut().unwrap();
        map.remove("status");
        let meta = map["metadata"].as_object_mut().unwrap();
        for field in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "namespace",
        ] {
            meta.remove(field);
        }
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

#[tokio::test]
async fn generated_objects_are_judged_alike() {
    let Some(k8s) = shared("real_k8s::admission::generated") else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "admission-generated";
    namespace(&admin, ns).await;
    let bases = bases();
    let strategy = (0..bases.len(), prop::collection::vec(mutation(), 0..3));
    // A fixed seed: the same cases every run.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let mut differences = Vec::new();
    let mut refused = 0;
    const CASES: usize = 400;
    for case in 0..CASES {
        let (base, mutations) = strategy.new_tree(&mut runner).unwrap().current();
        let (kind, mut obj) = bases[base].clone();
        for m in &mutations {
            apply(&mut obj, m);
        }
        let ours = kbdash_create(kind, &obj);
        let theirs = server_create(&admin, kind, ns, &obj).await;
        if matches!(ours.0, Verdict::Refused(_)) {
            refused += 1;
        }
        differences.extend(difference(
            &format!("case {case} ({kind}, {mutations:?})"),
            &obj,
            &ours,
            &theirs,
        ));
    }
    eprintln!("{refused} of {CASES} generated objects refused");
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(
        refused > CASES / 4 && refused < CASES * 3 / 4,
        "{refused} refused: the cases should mix"
    );
}
