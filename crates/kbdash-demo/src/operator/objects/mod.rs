//! Builders for the objects KubeBlocks creates, shaped like the reference fixtures in
//! `tests/fixtures/kubeblocks/`. Both the seed and the simulated operator use them, so a pod the
//! operator recreates looks exactly like one the seed made.

mod backup;
mod cluster;
mod other;
mod pod;

use serde_json::{Value, json};

pub(crate) use backup::*;
pub(crate) use cluster::*;
pub(crate) use other::*;
pub(crate) use pod::*;

/// The PostgreSQL addon's only component.
pub(crate) const COMPONENT: &str = "postgresql";
/// The data volume claim template.
pub(crate) const VCT: &str = "data";
/// The storage class every seeded claim uses (it allows volume expansion).
pub(crate) const STORAGE_CLASS: &str = "standard-rwo";
/// The backup repository of every policy.
pub(crate) const REPO: &str = "s3-backup-repo";
/// The addon chart version in component definition names.
const CHART: &str = "1.0.5";
/// The PostgreSQL system accounts (docs/kubeblocks.md#postgresql-addon).
pub(crate) const ACCOUNTS: [&str; 6] = [
    "kbadmin",
    "kbdataprotection",
    "kbmonitoring",
    "kbprobe",
    "kbreplicator",
    "postgres",
];
/// The addon's backup methods with their ActionSet and its `spec.backupType`
/// (`tests/fixtures/kubeblocks/actionsets-postgresql.yaml`); `volume-snapshot` has no ActionSet
/// and makes Full backups. The seed builds the policies and ActionSets from it.
pub(crate) const METHODS: [(&str, &str, &str); 6] = [
    ("pg-basebackup", "postgresql-basebackup", "Full"),
    ("volume-snapshot", "", "Full"),
    ("config-wal-g", "postgresql-config-wal-g", "Full"),
    ("wal-g", "postgresql-wal-g", "Full"),
    ("archive-wal", "postgresql-for-pitr", "Continuous"),
    ("wal-g-archive", "postgres-wal-g-pitr", "Continuous"),
];
/// The ComponentVersion releases per major: the seed picks the first of each, upgrades may move
/// to the others.
pub(crate) const RELEASES: [(u32, &[&str]); 4] = [
    (12, &["12.15.0", "12.22.0"]),
    (14, &["14.8.0", "14.18.0"]),
    (15, &["15.7.0", "15.13.0"]),
    (16, &["16.4.0", "16.9.0"]),
];

/// A string field of an object's metadata (`name`, `namespace`, `uid`), empty when missing.
pub(crate) fn meta<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The strings of the array at `pointer` in `v` (pod names, mostly); empty when there is no
/// array, and entries that are not strings are skipped.
pub(crate) fn strings_at(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The `name` of each object in the array at `pointer` in `v` (containers, components,
/// backup methods); empty when there is no array, and nameless entries are skipped.
pub(crate) fn names_at<'a>(v: &'a Value, pointer: &str) -> Vec<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|item| item.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// The major version of a service version like `16.4.0` (0 when unparsable).
pub(crate) fn major(service_version: &str) -> u32 {
    service_version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The component definition for a service version, e.g. `postgresql-16-1.0.5`.
pub(crate) fn comp_def(service_version: &str) -> String {
    format!("postgresql-{}-{CHART}", major(service_version))
}

/// The spilo image tag for a service version (`16.4.0` -> `16.4`).
pub(crate) fn image_tag(service_version: &str) -> String {
    let mut parts = service_version.split('.');
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        _ => service_version.to_string(),
    }
}

/// Pod name `<cluster>-<comp>-<ordinal>`.
pub(crate) fn pod_name(cluster: &str, comp: &str, ordinal: usize) -> String {
    format!("{cluster}-{comp}-{ordinal}")
}

/// The ordinal at the end of a pod name.
pub(crate) fn ordinal_of(pod: &str) -> usize {
    pod.rsplit('-')
        .next()
        .and_then(|o| o.parse().ok())
        .unwrap_or(usize::MAX)
}

/// PVC name `<vct>-<pod>`.
pub(crate) fn pvc_name(pod: &str) -> String {
    format!("{VCT}-{pod}")
}

/// `<cluster>-<comp>-backup-policy`.
pub(crate) fn policy_name(cluster: &str) -> String {
    format!("{cluster}-{COMPONENT}-backup-policy")
}

/// `<cluster>-<comp>-backup-schedule`.
pub(crate) fn schedule_name(cluster: &str) -> String {
    format!("{cluster}-{COMPONENT}-backup-schedule")
}

/// The continuous backup's name: `first30("<uid8>-<schedule>-<ns>")-<method>` (docs/kubeblocks.md#backup-names).
pub(crate) fn continuous_backup_name(
    cluster_uid: &str,
    schedule: &str,
    ns: &str,
    method: &str,
) -> String {
    let uid8: String = cluster_uid.chars().take(8).collect();
    let base: String = format!("{uid8}-{schedule}-{ns}").chars().take(30).collect();
    format!("{}-{method}", base.trim_end_matches('-'))
}

/// A status condition as KubeBlocks writes them.
pub(crate) fn condition(kind: &str, status: bool, reason: &str, message: &str, at: &str) -> Value {
    json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "reason": reason,
        "message": message,
        "lastTransitionTime": at,
    })
}

/// The labels shared by every object that belongs to a cluster's component.
pub(super) fn comp_labels(cluster: &str) -> Value {
    json!({
        "app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/managed-by": "kubeblocks",
        "apps.kubeblocks.io/component-name": COMPONENT,
    })
}

/// CPU and memory for requests and limits alike (kbcli sets requests = limits).
pub(crate) fn resources(cpu: &str, memory: &str) -> Value {
    json!({"limits": {"cpu": cpu, "memory": memory}, "requests": {"cpu": cpu, "memory": memory}})
}

/// Replaces the condition of the same type (keeping its transition time when the status did
/// not change) or appends it.
pub(crate) fn set_condition(status: &mut serde_json::Map<String, Value>, cond: Value) {
    let conditions = status
        .entry("conditions")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = conditions.as_array_mut() else {
        *conditions = Value::Array(vec![cond]);
        return;
    };
    match list.iter_mut().find(|c| c.get("type") == cond.get("type")) {
        Some(existing) => {
            let same = existing.get("status") == cond.get("status")
                && existing.get("reason") == cond.get("reason")
                && existing.get("message") == cond.get("message");
            if !same {
                *existing = cond;
            }
        }
        None => list.push(cond),
    }
}

/// `obj[key]` as an object, created (or replaced when not an object) if needed.
pub(crate) fn ensure_object<'a>(
    obj: &'a mut Value,
    key: &str,
) -> &'a mut serde_json::Map<String, Value> {
    if !obj.is_object() {
        *obj = json!({});
    }
    match obj {
        Value::Object(map) => object_entry(map, key),
        _ => unreachable!("made an object above"),
    }
}

/// `map[key]` as an object, created (or replaced when not an object) if needed.
fn object_entry<'a>(
    map: &'a mut serde_json::Map<String, Value>,
    key: &str,
) -> &'a mut serde_json::Map<String, Value> {
    let entry = map
        .entry(key)
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(serde_json::Map::new());
    }
    match entry {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

/// `metadata.labels`, created if needed.
pub(crate) fn labels_mut(obj: &mut Value) -> &mut serde_json::Map<String, Value> {
    object_entry(ensure_object(obj, "metadata"), "labels")
}

/// `metadata.annotations`, created if needed.
pub(crate) fn annotations_mut(obj: &mut Value) -> &mut serde_json::Map<String, Value> {
    object_entry(ensure_object(obj, "metadata"), "annotations")
}

/// A controller ownerReference.
pub(crate) fn owner(api_version: &str, kind: &str, name: &str, uid: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuous_backup_name_matches_the_fixture() {
        assert_eq!(
            continuous_backup_name(
                "5f8e2c1a-3b4d-4e6f-9a0b-1c2d3e4f5a6b",
                "pg-cluster-postgresql-backup-schedule",
                "demo",
                "archive-wal"
            ),
            "5f8e2c1a-pg-cluster-postgresql-archive-wal"
        );
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(comp_def("16.4.0"), "postgresql-16-1.0.5");
        assert_eq!(image_tag("16.4.0"), "16.4");
        assert_eq!(ordinal_of("pg-a-postgresql-12"), 12);
        assert_eq!(go_duration(72), "1m12s");
        assert_eq!(go_duration(7205), "2h0m5s");
    }
}
