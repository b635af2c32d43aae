//! Where a restored cluster came from: the backup and the point in time it was restored to.
//!
//! KubeBlocks writes it in three places, none of them lasting (docs/kubeblocks.md#restore-annotation,
//! #restore-forms, #restore-progress): the new Cluster's `kubeblocks.io/restore-from-backup`
//! annotation, removed once the restore is done; the Restore OpsRequest's `spec.restore`,
//! deleted after its `ttlSecondsAfterSucceed` (kbcli: 30 s); and the Restore objects
//! `<cluster>-<comp>-<uid8>-preparedata`, which stay while the cluster does. Only the backup's
//! name and namespace, the time and the volume policy are read: the annotation's
//! `connectionPassword` and `encryptedSystemAccounts` are never kept
//! ([`crate::redact`] shortens them wherever the object itself is shown).

use serde_json::Value;

use crate::forms::RESTORE_FROM_BACKUP_ANNOTATION;
use crate::rows::{get, text, text_or_empty};

/// A restore's source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RestoreSource {
    /// The backup restored from.
    pub backup: String,
    /// Its namespace; empty when the request did not say (the cluster's own).
    pub namespace: String,
    /// The point in time restored to, as the request wrote it (RFC 3339 UTC, or kbcli's
    /// `Jan 02,2006 15:04:05 UTC-0700` on an OpsRequest); empty for a restore of a whole backup.
    pub time: String,
    /// Where the facts were read.
    pub seen_on: SeenOn,
}

/// Which object a [`RestoreSource`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeenOn {
    /// The Cluster's restore annotation.
    #[default]
    Annotation,
    /// The Restore OpsRequest.
    OpsRequest,
    /// A Restore object of the cluster.
    RestoreObject,
}

impl SeenOn {
    /// The source in words, for the detail view.
    pub fn describe(self) -> &'static str {
        match self {
            SeenOn::Annotation => "the cluster's restore-from-backup annotation",
            SeenOn::OpsRequest => "the Restore OpsRequest",
            SeenOn::RestoreObject => "the cluster's Restore object",
        }
    }
}

/// The source a Cluster's restore annotation names: the entry of component `postgresql`, else
/// the first one. `None` when the cluster has no such annotation or it names no backup.
pub fn from_cluster(cluster: &Value) -> Option<RestoreSource> {
    let raw = get(
        cluster,
        &["metadata", "annotations", RESTORE_FROM_BACKUP_ANNOTATION],
    )?
    .as_str()?;
    from_annotation(raw)
}

/// The source the `kubeblocks.io/restore-from-backup` annotation's text names (rows read the
/// annotation on its own).
pub(crate) fn from_annotation(raw: &str) -> Option<RestoreSource> {
    let parsed: Value = serde_json::from_str(raw).ok()?;
    let entries = parsed.as_object()?;
    let entry = entries
        .get("postgresql")
        .or_else(|| entries.values().next())?;
    let backup = text(entry, &["name"]).filter(|b| !b.is_empty())?;
    Some(RestoreSource {
        backup,
        namespace: text_or_empty(entry, &["namespace"]),
        time: text_or_empty(entry, &["restoreTime"]),
        seen_on: SeenOn::Annotation,
    })
}

/// The source of a Restore OpsRequest's `spec.restore`.
pub fn from_ops(op: &Value) -> Option<RestoreSource> {
    let restore = get(op, &["spec", "restore"])?;
    let backup = text(restore, &["backupName"]).filter(|b| !b.is_empty())?;
    Some(RestoreSource {
        backup,
        namespace: text_or_empty(restore, &["backupNamespace"]),
        time: text_or_empty(restore, &["restorePointInTime"]),
        seen_on: SeenOn::OpsRequest,
    })
}

/// The source a Restore object of cluster `cluster`, whose components are `components`,
/// names: `spec.backup` and `spec.restoreTime` of its `<cluster>-<comp>-<uid8>-preparedata`
/// object. `None` for a Restore of another cluster (one whose name merely starts the same).
pub fn from_restore_object(
    cluster: &str,
    components: &[&str],
    restore: &Value,
) -> Option<RestoreSource> {
    let name = text(restore, &["metadata", "name"])?;
    let middle = name
        .strip_prefix(cluster)?
        .strip_prefix('-')?
        .strip_suffix("-preparedata")?;
    // `<comp>-<uid8>`: the cluster's UID is hexadecimal and dashed, its first 8 characters none.
    let (component, uid8) = middle.rsplit_once('-')?;
    if !components.contains(&component)
        || uid8.len() != 8
        || !uid8.chars().all(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    let backup = text(restore, &["spec", "backup", "name"]).filter(|b| !b.is_empty())?;
    Some(RestoreSource {
        backup,
        namespace: text_or_empty(restore, &["spec", "backup", "namespace"]),
        time: text_or_empty(restore, &["spec", "restoreTime"]),
        seen_on: SeenOn::RestoreObject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_annotation_gives_backup_and_time_and_never_the_password() {
        let annotation = json!({"postgresql": {"name": "b", "namespace": "demo",
            "restoreTime": "2025-06-03T09:30:00Z", "connectionPassword": "PASSWORDPASSWORD",
            "volumeRestorePolicy": "Parallel"}})
        .to_string();
        let cluster =
            json!({"metadata": {"annotations": {RESTORE_FROM_BACKUP_ANNOTATION: annotation}}});
        let got = from_cluster(&cluster).unwrap();
        assert_eq!(
            got,
            RestoreSource {
                backup: "b".into(),
                namespace: "demo".into(),
                time: "2025-06-03T09:30:00Z".into(),
                seen_on: SeenOn::Annotation,
            }
        );
        assert!(!format!("{got:?}").contains("PASSWORD"));
        for odd in [
            json!("not json"),
            json!("[]"),
            json!("{\"c\":{}}"),
            json!(7),
        ] {
            let cluster =
                json!({"metadata": {"annotations": {RESTORE_FROM_BACKUP_ANNOTATION: odd}}});
            assert_eq!(from_cluster(&cluster), None);
        }
    }

    #[test]
    fn ops_and_restore_objects() {
        let op = json!({"spec": {"type": "Restore", "restore": {"backupName": "b",
            "restorePointInTime": "Jun 03,2025 09:30:00 UTC+0000"}}});
        let got = from_ops(&op).unwrap();
        assert_eq!((got.backup.as_str(), got.namespace.as_str()), ("b", ""));
        assert_eq!(got.seen_on, SeenOn::OpsRequest);
        let restore = |name: &str| {
            json!({"metadata": {"name": name}, "spec": {"backup": {"name": "b", "namespace": "n"},
                "restoreTime": "2025-06-03T09:30:00Z"}})
        };
        let got = from_restore_object(
            "pg",
            &["postgresql"],
            &restore("pg-postgresql-9c4d7e21-preparedata"),
        )
        .unwrap();
        assert_eq!(
            (got.backup.as_str(), got.time.as_str()),
            ("b", "2025-06-03T09:30:00Z")
        );
        // Another cluster whose name starts the same, and the post-ready stage.
        assert_eq!(
            from_restore_object(
                "pg",
                &["postgresql"],
                &restore("pg-x-postgresql-9c4d7e21-preparedata")
            ),
            None
        );
        assert_eq!(
            from_restore_object(
                "pg",
                &["postgresql"],
                &restore("pg-postgresql-9c4d7e21-postready")
            ),
            None
        );
    }
}
