//! Admission of KubeBlocks objects against the bundled CRD schemas: every reference fixture is
//! admitted, broken objects yield the API server's cause and path, defaults are applied, and
//! the `jsonschema` crate independently agrees the admitted fixtures are valid.

use std::path::Path;

use kbdash_core::kinds::Kind;
use kbdash_core::schema::{self, FieldCause};
use serde::Deserialize;
use serde_json::{Value, json};

/// Every document of every fixture file, with its kind (core kinds skipped).
fn fixtures() -> Vec<(String, Kind, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/kubeblocks");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let v = Value::deserialize(doc).unwrap();
            if v.is_null() {
                continue;
            }
            let api_version = v["apiVersion"].as_str().unwrap();
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let kind = Kind::from_group_kind(group, v["kind"].as_str().unwrap()).unwrap();
            if kind.info().crd_schema.is_none() {
                continue;
            }
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, kind, v));
        }
    }
    out
}

fn fixture(file: &str) -> Value {
    fixtures()
        .into_iter()
        .find(|(name, _, _)| name == file)
        .map(|(_, _, v)| v)
        .unwrap()
}

#[test]
fn every_fixture_is_admitted() {
    let all = fixtures();
    assert!(all.len() >= 22, "found {} documents", all.len());
    for (file, kind, mut v) in all {
        assert_eq!(schema::admit(kind, &mut v), Ok(()), "{file}");
    }
}

/// Cross-check with an independent validator. `jsonschema` knows nothing of defaults, null
/// pruning, CEL rules or unknown-field rejection, so it only confirms the structural part
/// (types, enums, patterns, formats, bounds, required) on the already admitted objects.
#[test]
fn jsonschema_crate_agrees_on_admitted_fixtures() {
    for (file, kind, mut v) in fixtures() {
        schema::admit(kind, &mut v).unwrap();
        let raw = schema::raw_schema(kind).unwrap();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&raw)
            .unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn jsonschema_crate_also_rejects_a_bad_enum() {
    let mut ops = fixture("opsrequest-restart-succeed.yaml");
    ops["spec"]["type"] = json!("Reboot");
    let raw = schema::raw_schema(Kind::OpsRequest).unwrap();
    assert!(!jsonschema::is_valid(&raw, &ops));
    assert!(schema::validate_only(Kind::OpsRequest, &ops).is_err());
}

fn causes(kind: Kind, v: &Value) -> Vec<FieldCause> {
    schema::validate_only(kind, v).expect_err("should be refused")
}

/// Asserts that refusing `v` yields a cause with this reason and field whose message starts
/// with `message`.
fn assert_cause(kind: Kind, v: &Value, reason: &str, field: &str, message: &str) {
    let all = causes(kind, v);
    assert!(
        all.iter()
            .any(|c| c.reason == reason && c.field == field && c.message.starts_with(message)),
        "wanted {reason} {field} {message:?}, got {all:#?}"
    );
}

fn ops(spec: Value) -> Value {
    json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1",
        "kind": "OpsRequest",
        "metadata": {"generateName": "pg-cluster-restart-", "namespace": "demo"},
        "spec": spec,
    })
}

#[test]
fn broken_opsrequests_yield_their_cause() {
    let o = Kind::OpsRequest;
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "Reboot"})),
        "FieldValueNotSupported",
        "spec.type",
        "Unsupported value: \"Reboot\": supported values: \"Upgrade\", \"VerticalScaling\", ",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c"})),
        "FieldValueRequired",
        "spec.type",
        "Required value",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "Restart", "foo": 1})),
        "FieldValueUnknown",
        "spec.foo",
        "unknown field \"spec.foo\"",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "Restart", "force": "yes"})),
        "FieldValueTypeInvalid",
        "spec.force",
        "Invalid value: \"string\": spec.force in body must be of type boolean: \"string\"",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "HorizontalScaling",
            "horizontalScaling": [{"componentName": "postgresql", "scaleOut": {"replicaChanges": -1}}]})),
        "FieldValueInvalid",
        "spec.horizontalScaling[0].scaleOut.replicaChanges",
        "Invalid value: -1: spec.horizontalScaling[0].scaleOut.replicaChanges in body should be greater than or equal to 0",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "Switchover",
            "switchover": [{"componentName": "pg", "componentObjectName": "c-pg", "instanceName": "c-pg-0"}]})),
        "FieldValueInvalid",
        "spec.switchover[0]",
        "Invalid value: need to specified only componentName or componentObjectName",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "Upgrade",
            "upgrade": {"components": [{"componentName": "postgresql"}]}})),
        "FieldValueInvalid",
        "spec.upgrade.components[0]",
        "Invalid value: at least one componentDefinitionName or serviceVersion",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "HorizontalScaling",
            "horizontalScaling": [{"componentName": "postgresql", "shards": 2, "scaleIn": {"replicaChanges": 1}}]})),
        "FieldValueInvalid",
        "spec.horizontalScaling[0]",
        "Invalid value: shards field cannot be used together with scaleOut or scaleIn",
    );
    assert_cause(
        o,
        &ops(json!({"clusterName": "c", "type": "VerticalScaling",
            "verticalScaling": [{"componentName": "postgresql", "requests": {"cpu": "lots"}}]})),
        "FieldValueInvalid",
        "spec.verticalScaling[0].requests.cpu",
        "Invalid value: \"lots\": spec.verticalScaling[0].requests.cpu in body should match '^(",
    );
}

#[test]
fn broken_status_fields_yield_their_cause() {
    let mut v = fixture("opsrequest-horizontalscaling-running.yaml");
    v["status"]["progress"] = json!("1 of 2");
    assert_cause(
        Kind::OpsRequest,
        &v,
        "FieldValueInvalid",
        "status.progress",
        "Invalid value: \"1 of 2\": status.progress in body should match '^(\\d+|\\-)/(\\d+|\\-)$'",
    );
    let mut v = fixture("opsrequest-restart-succeed.yaml");
    v["status"]["completionTimestamp"] = json!("yesterday");
    assert_cause(
        Kind::OpsRequest,
        &v,
        "FieldValueInvalid",
        "status.completionTimestamp",
        "Invalid value: \"yesterday\": status.completionTimestamp in body must be of type date-time",
    );
    let mut v = fixture("backup-continuous-archive-wal.yaml");
    v["status"]["timeRange"]["timeZone"] = json!("+8");
    assert_cause(
        Kind::Backup,
        &v,
        "FieldValueInvalid",
        "status.timeRange.timeZone",
        "Invalid value: \"+8\": status.timeRange.timeZone in body should match",
    );
}

#[test]
fn broken_restores_backups_and_clusters_yield_their_cause() {
    let mut v = fixture("restore-preparedata-pitr.yaml");
    v["spec"]["restoreTime"] = json!("2025-06-03 09:30:00");
    assert_cause(
        Kind::Restore,
        &v,
        "FieldValueInvalid",
        "spec.restoreTime",
        "Invalid value: \"2025-06-03 09:30:00\": spec.restoreTime in body should match",
    );
    let mut v = fixture("backup-full-pg-basebackup.yaml");
    v["spec"]["deletionPolicy"] = json!("Keep");
    assert_cause(
        Kind::Backup,
        &v,
        "FieldValueNotSupported",
        "spec.deletionPolicy",
        "Unsupported value: \"Keep\": supported values: \"Delete\", \"Retain\"",
    );
    // The schema repeats that enum in an `allOf` of two: the value is reported once, the
    // `allOf` on no field; an unsupported value keeps the API server from evaluating the CEL
    // rules, which it says on no field too.
    let all: Vec<String> = causes(Kind::Backup, &v)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        all,
        [
            "spec.deletionPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Retain\"",
            "<nil>: Invalid value: \"\": \"spec.deletionPolicy\" must validate all the schemas (allOf). None validated",
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ]
    );
    let mut v = fixture("cluster-pg-cluster.yaml");
    let first = v["spec"]["componentSpecs"][0].clone();
    v["spec"]["componentSpecs"]
        .as_array_mut()
        .unwrap()
        .push(first);
    let all = causes(Kind::Cluster, &v);
    assert!(
        all.iter().any(|c| c.field == "spec.componentSpecs"
            && c.message == "Invalid value: duplicated component"),
        "{all:#?}"
    );
    let mut v = fixture("cluster-pg-cluster.yaml");
    v["spec"]["componentSpecs"][0]["replicas"] = json!("three");
    assert_cause(
        Kind::Cluster,
        &v,
        "FieldValueTypeInvalid",
        "spec.componentSpecs[0].replicas",
        "Invalid value: \"string\": spec.componentSpecs[0].replicas in body must be of type integer",
    );
    let mut v = fixture("cluster-pg-cluster.yaml");
    v["metadata"]["labels"] = json!({"team": "a b"});
    assert_cause(
        Kind::Cluster,
        &v,
        "FieldValueInvalid",
        "metadata.labels",
        "Invalid value: \"a b\": a valid label must be an empty string",
    );
    let mut v = fixture("cluster-pg-cluster.yaml");
    v["metadata"]["name"] = json!("PG_Cluster");
    assert_cause(
        Kind::Cluster,
        &v,
        "FieldValueInvalid",
        "metadata.name",
        "Invalid value: \"PG_Cluster\": a lowercase RFC 1123 subdomain",
    );
}

#[test]
fn defaults_are_applied() {
    let mut o = ops(json!({"clusterName": "c", "type": "Restart",
        "restart": [{"componentName": "postgresql"}]}));
    schema::admit(Kind::OpsRequest, &mut o).unwrap();
    // The OpsRequest CRD defaults these two (`force` itself has no default).
    assert_eq!(o["spec"]["enqueueOnForce"], json!(false));
    assert_eq!(o["spec"]["preConditionDeadlineSeconds"], json!(0));
    let mut restore = ops(json!({"clusterName": "new", "type": "Restore",
        "restore": {"backupName": "b"}}));
    schema::admit(Kind::OpsRequest, &mut restore).unwrap();
    assert_eq!(
        restore["spec"]["restore"]["volumeRestorePolicy"],
        json!("Parallel")
    );

    let mut b = fixture("backup-full-pg-basebackup.yaml");
    b["spec"].as_object_mut().unwrap().remove("deletionPolicy");
    b.as_object_mut().unwrap().remove("status");
    schema::admit(Kind::Backup, &mut b).unwrap();
    assert_eq!(b["spec"]["deletionPolicy"], json!("Delete"));
}

#[test]
fn nulls_of_non_nullable_fields_are_pruned() {
    let mut o = ops(json!({"clusterName": "c", "type": "Stop", "ttlSecondsAfterSucceed": null}));
    schema::admit(Kind::OpsRequest, &mut o).unwrap();
    assert!(o["spec"].get("ttlSecondsAfterSucceed").is_none());
}

#[test]
fn validate_only_does_not_mutate() {
    let o = ops(json!({"clusterName": "c", "type": "Stop"}));
    let before = o.clone();
    schema::validate_only(Kind::OpsRequest, &o).unwrap();
    assert_eq!(o, before);
}

#[test]
fn several_causes_are_reported_together() {
    let all = causes(
        Kind::OpsRequest,
        &ops(json!({"type": "Reboot", "force": 3})),
    );
    let fields: Vec<&str> = all.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["spec.force", "spec.type", "<nil>"], "{all:#?}");
}

#[test]
fn unknown_fields_refuse_an_object_on_their_own() {
    // Strict decoding fails before anything is validated: only the unknown fields are
    // reported, sorted, as the API server's `strict decoding error` lists them.
    let all = causes(
        Kind::OpsRequest,
        &ops(json!({"type": "Reboot", "zeta": true, "force": 3, "alpha": {}})),
    );
    let fields: Vec<&str> = all.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["spec.alpha", "spec.zeta"]);
    assert!(all.iter().all(|c| c.reason == "FieldValueUnknown"));
    // So do the fields of an object given where the schema wants a string.
    let all = causes(
        Kind::OpsRequest,
        &ops(json!({"clusterName": "c", "type": {"bogus": 1}})),
    );
    assert_eq!(all[0].field, "spec.type.bogus");
}

#[test]
fn lenient_decoding_prunes_unknown_fields() {
    let mut o = ops(json!({"clusterName": "c", "type": "Restart", "foo": 1,
        "restart": [{"componentName": "postgresql", "bar": null}]}));
    assert_eq!(
        schema::prune_unknown(Kind::OpsRequest, &mut o),
        ["spec.foo", "spec.restart[0].bar"]
    );
    assert_eq!(schema::validate_only(Kind::OpsRequest, &o), Ok(()));
    assert_eq!(
        o["spec"]["restart"],
        json!([{"componentName": "postgresql"}])
    );
}

#[test]
fn map_list_keys_must_be_unique() {
    let v = ops(json!({"clusterName": "c", "type": "Restart",
        "restart": [{"componentName": "postgresql"}, {"componentName": "postgresql"}]}));
    assert_cause(
        Kind::OpsRequest,
        &v,
        "FieldValueDuplicate",
        "spec.restart[1]",
        "Duplicate value: {\"componentName\":\"postgresql\"}",
    );
}

#[test]
fn preserved_unknown_fields_are_accepted_where_the_schema_says_so() {
    // `spec.verticalScaling[]` carries x-kubernetes-preserve-unknown-fields.
    let v = ops(json!({"clusterName": "c", "type": "VerticalScaling",
        "verticalScaling": [{"componentName": "postgresql", "somethingNew": 1,
            "requests": {"cpu": "1", "memory": "2Gi"}}]}));
    assert_eq!(schema::validate_only(Kind::OpsRequest, &v), Ok(()));
    // ...but not one level up.
    let v = ops(json!({"clusterName": "c", "type": "VerticalScaling",
        "verticalScaling": [{"componentName": "postgresql", "requests": {"cpu": "1"}}],
        "somethingNew": 1}));
    assert_cause(
        Kind::OpsRequest,
        &v,
        "FieldValueUnknown",
        "spec.somethingNew",
        "unknown field",
    );
}

#[test]
fn int_or_string_quantities_accept_numbers_and_strings() {
    let v = ops(json!({"clusterName": "c", "type": "VerticalScaling",
        "verticalScaling": [{"componentName": "postgresql",
            "requests": {"cpu": 1, "memory": "2Gi"}, "limits": {"cpu": "500m", "memory": "2Gi"}}]}));
    assert_eq!(schema::validate_only(Kind::OpsRequest, &v), Ok(()));
    let v = ops(json!({"clusterName": "c", "type": "VerticalScaling",
        "verticalScaling": [{"componentName": "postgresql", "requests": {"cpu": true}}]}));
    assert_cause(
        Kind::OpsRequest,
        &v,
        "FieldValueTypeInvalid",
        "spec.verticalScaling[0].requests.cpu",
        "Invalid value: \"boolean\": spec.verticalScaling[0].requests.cpu in body must be of type integer,string",
    );
}

#[test]
fn non_objects_are_refused() {
    assert_eq!(
        causes(Kind::Backup, &json!([1, 2]))[0].reason,
        "FieldValueTypeInvalid"
    );
}

#[test]
fn preserving_arrays_keep_unknown_fields_of_their_items() {
    // `spec.restore.env` is an array with x-kubernetes-preserve-unknown-fields.
    let v = ops(json!({"clusterName": "new", "type": "Restore",
        "restore": {"backupName": "b", "env": [{"name": "A", "value": "1", "extra": true}]}}));
    assert_eq!(schema::validate_only(Kind::OpsRequest, &v), Ok(()));
}

/// Found side by side with a real kube-apiserver: a status write validates the status against
/// its own schema (messages name fields relative to it) and keeps the CRD's transition rules.
#[test]
fn status_writes_and_updates_are_admitted_as_the_api_server_does() {
    let old = fixture("opsrequest-horizontalscaling-running.yaml");
    let mut new = old.clone();
    new["status"]["progress"] = json!("1 of 2");
    let all = schema::admit_status_update(Kind::OpsRequest, &old, &mut new).unwrap_err();
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0].field, "status.progress");
    assert_eq!(
        all[0].message,
        "Invalid value: \"1 of 2\": progress in body should match '^(\\d+|\\-)/(\\d+|\\-)$'"
    );
    let mut fine = old.clone();
    fine["status"]["progress"] = json!("2/2");
    assert_eq!(
        schema::admit_status_update(Kind::OpsRequest, &old, &mut fine),
        Ok(())
    );
    let mut retyped = old.clone();
    retyped["spec"]["type"] = json!("Restart");
    let all = schema::admit_update(Kind::OpsRequest, &old, &mut retyped).unwrap_err();
    assert_eq!(
        all[0].to_string(),
        "spec.type: Invalid value: \"Restart\": forbidden to update spec.type"
    );
}
