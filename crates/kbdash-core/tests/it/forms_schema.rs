//! Every object the forms build, and every file of `examples/`, is valid against the real
//! CRD schemas: checked with the `jsonschema` crate on the CRDs' openAPIV3Schema plus a
//! strict unknown-field walk (an independent check), and with `kbdash_core::schema::{validate_only, admit}`.

use std::path::Path;

use kbdash_core::forms::examples::{example_requests, fixture_context};
use kbdash_core::forms::{OpForm, OpKind, Request, RequestAction};
use kbdash_core::kinds::Kind;
use serde_json::Value;

fn crd_schema(kind: Kind) -> Value {
    let file = match kind {
        Kind::OpsRequest => "opsrequests.operations.kubeblocks.io.v1alpha1.json",
        Kind::Backup => "backups.dataprotection.kubeblocks.io.v1alpha1.json",
        Kind::BackupSchedule => "backupschedules.dataprotection.kubeblocks.io.v1alpha1.json",
        Kind::Cluster => "clusters.apps.kubeblocks.io.v1.json",
        other => panic!("no CRD for {other:?}"),
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/schema/crds")
        .join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Fields of `obj` that the schema does not declare (what strict field validation rejects).
fn unknown_fields(schema: &Value, obj: &Value, path: &str, out: &mut Vec<String>) {
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return;
    }
    match obj {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (k, v) in map {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if path.is_empty() && k == "metadata" {
                    continue;
                }
                match (props.and_then(|p| p.get(k)), additional) {
                    (Some(s), _) => unknown_fields(s, v, &child, out),
                    (None, Some(Value::Object(_))) => {
                        unknown_fields(additional.unwrap_or(&Value::Null), v, &child, out)
                    }
                    (None, Some(Value::Bool(true))) => {}
                    (None, _) => out.push(child),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    unknown_fields(item_schema, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn assert_valid(kind: Kind, obj: &Value, what: &str) {
    let schema = crd_schema(kind);
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(obj)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: schema errors {errors:#?}\n{obj:#}"
    );
    let mut unknown = Vec::new();
    unknown_fields(&schema, obj, "", &mut unknown);
    assert!(unknown.is_empty(), "{what}: unknown fields {unknown:?}");
    let mut admitted = obj.clone();
    assert_eq!(
        kbdash_core::schema::admit(kind, &mut admitted),
        Ok(()),
        "{what}: admit"
    );
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

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/kubeblocks")
        .join(name);
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The fixture a merge patch of `kind` applies to (or a delete removes): the BackupSchedule,
/// the running HorizontalScaling the cancel example cancels, or the cluster.
fn patched_fixture(kind: Kind) -> Value {
    match kind {
        Kind::OpsRequest => fixture("opsrequest-horizontalscaling-running.yaml"),
        Kind::Cluster => fixture("cluster-pg-cluster.yaml"),
        _ => fixture("backupschedule-pg-cluster.yaml"),
    }
}

/// What the server would hold after the request: the object itself, or the patched fixture.
fn resulting_object(request: &Request) -> Value {
    match &request.action {
        RequestAction::Create => request.body.clone(),
        RequestAction::MergePatch { name } => {
            let mut current = patched_fixture(request.kind);
            assert_eq!(
                current["metadata"]["name"],
                name.as_str(),
                "the patched object"
            );
            merge_patch(&mut current, &request.body);
            current
        }
        // What a delete leaves is the object as it was.
        RequestAction::Delete { name } => {
            let current = patched_fixture(request.kind);
            assert_eq!(current["metadata"]["name"], name.as_str());
            current
        }
    }
}

#[test]
fn every_example_request_validates_against_its_crd() {
    let requests = example_requests().unwrap();
    assert!(requests.len() >= 13);
    for (name, request) in &requests {
        assert_valid(request.kind, &resulting_object(request), name);
    }
}

#[test]
fn more_built_variants_validate_against_their_crds() {
    let ctx = fixture_context();
    let variants: &[(OpKind, &[(&str, &str)])] = &[
        (
            OpKind::HorizontalScaling,
            &[
                ("direction", "in"),
                ("instances", "pg-cluster-postgresql-1"),
            ],
        ),
        (
            OpKind::VerticalScaling,
            &[
                ("cpu_request", "500m"),
                ("cpu_limit", ""),
                ("memory_request", ""),
                ("memory_limit", ""),
            ],
        ),
        (OpKind::Switchover, &[]),
        (
            OpKind::Expose,
            &[
                ("switch", "Disable"),
                ("service_type", "ClusterIP"),
                ("role_selector", "secondary"),
            ],
        ),
        (
            OpKind::Reconfiguring,
            &[(
                "parameters",
                "shared_buffers = 1GB\nwork_mem = '8MB'\nsearch_path = \"$user\", public",
            )],
        ),
        (OpKind::Backup, &[("deletion_policy", "Retain")]),
        (
            OpKind::BackupSchedule,
            &[
                ("archive-wal.enabled", "false"),
                ("volume-snapshot.retention", "30d"),
            ],
        ),
    ];
    for (op, fields) in variants {
        let mut form = OpForm::new(*op, &ctx);
        for (f, v) in *fields {
            form.set(f, v).unwrap();
        }
        let request = form
            .validate(&ctx)
            .unwrap_or_else(|e| panic!("{op:?}: {e:?}"));
        assert_valid(
            request.kind,
            &resulting_object(&request),
            &format!("{op:?} {fields:?}"),
        );
    }
}

#[test]
fn every_example_file_validates_against_its_crd() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let obj: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let kind = Kind::from_group_kind(
            obj["apiVersion"]
                .as_str()
                .unwrap()
                .split('/')
                .next()
                .unwrap(),
            obj["kind"].as_str().unwrap(),
        )
        .unwrap();
        let name = path.display().to_string();
        assert!(
            obj.pointer("/metadata/name").is_some_and(Value::is_string),
            "{name}: metadata.name"
        );
        // A patch file is recognisable by what it lacks: a whole BackupSchedule names its
        // policy, a whole OpsRequest its type.
        let is_patch = match kind {
            Kind::BackupSchedule => true,
            Kind::OpsRequest => obj.pointer("/spec/type").is_none(),
            _ => false,
        };
        let resulting = if is_patch {
            let mut current = patched_fixture(kind);
            merge_patch(&mut current, &obj);
            current
        } else {
            obj
        };
        assert_valid(kind, &resulting, &name);
        count += 1;
    }
    assert!(count >= 13);
}

#[test]
fn the_schema_check_catches_broken_objects() {
    let (_, request) = example_requests()
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == "verticalscaling.yaml")
        .unwrap();
    let schema = crd_schema(Kind::OpsRequest);
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let mut bad = request.body.clone();
    bad["spec"]["verticalScaling"][0]["requests"]["cpu"] = Value::from("2 cores");
    assert!(!validator.is_valid(&bad), "quantity pattern");
    assert!(kbdash_core::schema::validate_only(Kind::OpsRequest, &bad).is_err());
    let mut bad = request.body.clone();
    bad["spec"]["type"] = Value::from("Resize");
    assert!(!validator.is_valid(&bad), "type enum");
    assert!(kbdash_core::schema::validate_only(Kind::OpsRequest, &bad).is_err());
    let mut bad = request.body.clone();
    bad["spec"]["clustername"] = Value::from("pg-cluster");
    let mut unknown = Vec::new();
    unknown_fields(&schema, &bad, "", &mut unknown);
    assert_eq!(unknown, vec!["spec.clustername"]);
    assert!(kbdash_core::schema::validate_only(Kind::OpsRequest, &bad).is_err());
}

/// A value the parameter accepts, from its rule.
fn acceptable_value(rule: &kbdash_core::domain::pg_params::ParamRule) -> String {
    use kbdash_core::domain::pg_params::ParamKind;
    if let Some(d) = rule.default {
        return d.to_string();
    }
    match &rule.kind {
        ParamKind::Bool => "true".into(),
        ParamKind::Int { min, .. } => min.unwrap_or(0).to_string(),
        ParamKind::Float { min, .. } => min.unwrap_or(0.0).to_string(),
        ParamKind::String => "x".into(),
        ParamKind::Enum(values) => values[0].to_string(),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever valid input the forms accept, the object they build passes the CRD schema.
    #[test]
    fn accepted_inputs_build_schema_valid_objects(
        changes in 1u32..5,
        direction in proptest::sample::select(vec!["out", "in"]),
        cpu_millis in 100u32..8000,
        memory_mi in 128u32..65536,
        storage_gi in 21u32..2000,
        params in proptest::collection::vec(0usize..400, 1..5),
    ) {
        let mut ctx = fixture_context();
        ctx.components[0].replicas = 6;
        for i in 2..6 {
            let mut p = ctx.pods[1].clone();
            p.name = format!("pg-cluster-postgresql-{i}");
            ctx.pods.push(p);
        }
        let names = kbdash_core::domain::pg_params::completions(16, "");
        let rows: String = params
            .iter()
            .map(|i| names[i % names.len()])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|n| {
                let rule = kbdash_core::domain::pg_params::lookup(16, n).unwrap();
                format!("{n} = {}\n", acceptable_value(rule))
            })
            .collect();
        let cpu = format!("{cpu_millis}m");
        let memory = format!("{memory_mi}Mi");
        let storage = format!("{storage_gi}Gi");
        let instances: Vec<String> =
            (1..=changes).map(|i| format!("pg-cluster-postgresql-{i}")).collect();
        let instances = instances.join(",");
        let changes = changes.to_string();
        let inputs: Vec<(OpKind, Vec<(&str, &str)>)> = vec![
            (OpKind::HorizontalScaling, vec![("direction", direction), ("replica_changes", &changes), ("instances", &instances)]),
            (OpKind::VerticalScaling, vec![("cpu_request", &cpu), ("cpu_limit", &cpu), ("memory_request", &memory), ("memory_limit", &memory)]),
            (OpKind::VolumeExpansion, vec![("storage", &storage)]),
            (OpKind::Reconfiguring, vec![("parameters", &rows)]),
        ];
        for (op, fields) in inputs {
            let mut form = OpForm::new(op, &ctx);
            for (f, v) in &fields {
                form.set(f, v).unwrap();
            }
            match form.validate(&ctx) {
                Ok(request) => {
                    let checked = kbdash_core::schema::validate_only(request.kind, &request.body);
                    proptest::prop_assert!(checked.is_ok(), "{op:?} {fields:?}: {checked:?}");
                }
                Err(errors) => proptest::prop_assert!(
                    op == OpKind::VerticalScaling && cpu == "1000m" && memory == "2048Mi",
                    "{op:?} {fields:?} refused: {errors:?}"
                ),
            }
        }
    }
}
