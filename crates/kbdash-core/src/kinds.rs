//! The Kubernetes resource kinds kbdash reads and writes, with their REST coordinates.
//!
//! One table serves both sides of the wire: the demo API server builds its discovery documents
//! and routes from it, and the client builds `kube::discovery::ApiResource`s from it.

use std::fmt;

/// A resource kind known to kbdash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A core `v1` Namespace (not namespaced itself).
    Namespace,
    /// A core `v1` Pod; kbdash watches those of KubeBlocks clusters.
    Pod,
    /// A core `v1` Event: what a controller reported about an object.
    Event,
    /// A core `v1` Service, through which clients reach a cluster.
    Service,
    /// A core `v1` PersistentVolumeClaim: a replica's data volume.
    PersistentVolumeClaim,
    /// A KubeBlocks Cluster (`apps.kubeblocks.io/v1`): one database cluster.
    Cluster,
    /// A KubeBlocks Component (`apps.kubeblocks.io/v1`): one component of a Cluster, e.g.
    /// `postgresql`, created by the operator.
    Component,
    /// A KubeBlocks ComponentVersion (`apps.kubeblocks.io/v1`, cluster-scoped): the service
    /// versions (releases) an addon offers.
    ComponentVersion,
    /// A KubeBlocks OpsRequest (`operations.kubeblocks.io/v1alpha1`): one day-2 operation on a
    /// Cluster (scaling, switchover, restart, ...).
    OpsRequest,
    /// A dataprotection Backup (`dataprotection.kubeblocks.io/v1alpha1`): one full or
    /// continuous backup of a cluster.
    Backup,
    /// A dataprotection BackupPolicy: the backup methods available for a cluster's component.
    BackupPolicy,
    /// A dataprotection BackupSchedule: when a cluster's backups run and how long they are kept.
    BackupSchedule,
    /// A dataprotection Restore: one step (prepare data, post ready) of restoring a cluster
    /// from a backup.
    Restore,
    /// A dataprotection ActionSet (cluster-scoped): how a backup method backs up and restores,
    /// and its `spec.backupType` (docs/kubeblocks.md#backup-types). Not among the bundled CRD
    /// schemas.
    ActionSet,
    /// A `storage.k8s.io/v1` StorageClass (cluster-scoped): what a new cluster's volumes may be
    /// provisioned from; read when the create form opens.
    StorageClass,
    /// A KubeBlocks InstanceSet (`workloads.kubeblocks.io/v1`): the workload that owns a
    /// component's pods (`<cluster>-<component>`). Not among the bundled CRD schemas.
    InstanceSet,
}

/// REST and discovery facts about one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The kind these facts describe.
    pub kind: Kind,
    /// API group; empty for the core group.
    pub group: &'static str,
    /// API version within the group, e.g. `v1alpha1`.
    pub version: &'static str,
    /// Resource name in REST paths, e.g. `opsrequests`.
    pub plural: &'static str,
    /// Singular resource name, as discovery reports it, e.g. `opsrequest`.
    pub singular: &'static str,
    /// `kind` as it appears in objects.
    pub kind_name: &'static str,
    /// Whether objects of the kind live in a namespace.
    pub namespaced: bool,
    /// Short names discovery reports and kubectl accepts, e.g. `ops`.
    pub short_names: &'static [&'static str],
    /// Discovery categories (`all`, `kubeblocks`): `kubectl get <category>` lists every kind
    /// in it.
    pub categories: &'static [&'static str],
    /// Whether the kind has a `status` subresource.
    pub has_status: bool,
    /// File name of the bundled CRD schema (`schema/crds/`), for KubeBlocks kinds.
    pub crd_schema: Option<&'static str>,
    /// The columns `kubectl get` shows after NAME, for KubeBlocks kinds: their CRDs'
    /// `additionalPrinterColumns` (docs/kubeblocks.md#resources lists those of Cluster,
    /// OpsRequest, Backup and Restore; the other KubeBlocks kinds show STATUS and AGE here).
    /// Empty for core kinds, whose columns the API server computes.
    pub printer_columns: &'static [PrinterColumn],
}

/// One column of a custom resource's table: an entry of its CRD's `additionalPrinterColumns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterColumn {
    /// The header, e.g. `STATUS`.
    pub name: &'static str,
    /// The OpenAPI type of the cells: `string`, `integer`, `number`, `boolean` or `date` (an
    /// RFC 3339 time, shown as an age).
    pub type_name: &'static str,
    /// A simple JSONPath into the object, e.g. `.status.phase`.
    pub json_path: &'static str,
}

const fn column(name: &'static str, json_path: &'static str) -> PrinterColumn {
    PrinterColumn {
        name,
        type_name: "string",
        json_path,
    }
}

const STATUS: PrinterColumn = column("STATUS", ".status.phase");
const AGE: PrinterColumn = PrinterColumn {
    name: "AGE",
    type_name: "date",
    json_path: ".metadata.creationTimestamp",
};
const STATUS_AGE: &[PrinterColumn] = &[STATUS, AGE];

const NO_NAMES: &[&str] = &[];
const KB: &[&str] = &["kubeblocks"];

/// Every kind, in a stable order.
pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: Kind::Namespace,
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind_name: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: NO_NAMES,
        has_status: true,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::Pod,
        group: "",
        version: "v1",
        plural: "pods",
        singular: "pod",
        kind_name: "Pod",
        namespaced: true,
        short_names: &["po"],
        categories: &["all"],
        has_status: true,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::Event,
        group: "",
        version: "v1",
        plural: "events",
        singular: "event",
        kind_name: "Event",
        namespaced: true,
        short_names: &["ev"],
        categories: NO_NAMES,
        has_status: false,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::Service,
        group: "",
        version: "v1",
        plural: "services",
        singular: "service",
        kind_name: "Service",
        namespaced: true,
        short_names: &["svc"],
        categories: &["all"],
        has_status: true,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::PersistentVolumeClaim,
        group: "",
        version: "v1",
        plural: "persistentvolumeclaims",
        singular: "persistentvolumeclaim",
        kind_name: "PersistentVolumeClaim",
        namespaced: true,
        short_names: &["pvc"],
        categories: NO_NAMES,
        has_status: true,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::Cluster,
        group: "apps.kubeblocks.io",
        version: "v1",
        plural: "clusters",
        singular: "cluster",
        kind_name: "Cluster",
        namespaced: true,
        short_names: NO_NAMES,
        categories: &["kubeblocks", "all"],
        has_status: true,
        crd_schema: Some("clusters.apps.kubeblocks.io.v1.json"),
        printer_columns: &[
            column("CLUSTER-DEFINITION", ".spec.clusterDef"),
            column("TERMINATION-POLICY", ".spec.terminationPolicy"),
            STATUS,
            AGE,
        ],
    },
    KindInfo {
        kind: Kind::Component,
        group: "apps.kubeblocks.io",
        version: "v1",
        plural: "components",
        singular: "component",
        kind_name: "Component",
        namespaced: true,
        short_names: &["cmp"],
        categories: KB,
        has_status: true,
        crd_schema: Some("components.apps.kubeblocks.io.v1.json"),
        printer_columns: STATUS_AGE,
    },
    KindInfo {
        kind: Kind::ComponentVersion,
        group: "apps.kubeblocks.io",
        version: "v1",
        plural: "componentversions",
        singular: "componentversion",
        kind_name: "ComponentVersion",
        namespaced: false,
        short_names: &["cmpv"],
        categories: KB,
        has_status: true,
        crd_schema: Some("componentversions.apps.kubeblocks.io.v1.json"),
        printer_columns: STATUS_AGE,
    },
    KindInfo {
        kind: Kind::OpsRequest,
        group: "operations.kubeblocks.io",
        version: "v1alpha1",
        plural: "opsrequests",
        singular: "opsrequest",
        kind_name: "OpsRequest",
        namespaced: true,
        short_names: &["ops"],
        categories: KB,
        has_status: true,
        crd_schema: Some("opsrequests.operations.kubeblocks.io.v1alpha1.json"),
        printer_columns: &[
            column("TYPE", ".spec.type"),
            column("CLUSTER", ".spec.clusterName"),
            STATUS,
            column("PROGRESS", ".status.progress"),
            AGE,
        ],
    },
    KindInfo {
        kind: Kind::Backup,
        group: "dataprotection.kubeblocks.io",
        version: "v1alpha1",
        plural: "backups",
        singular: "backup",
        kind_name: "Backup",
        namespaced: true,
        short_names: NO_NAMES,
        categories: KB,
        has_status: true,
        crd_schema: Some("backups.dataprotection.kubeblocks.io.v1alpha1.json"),
        printer_columns: &[
            column("POLICY", ".spec.backupPolicyName"),
            column("METHOD", ".spec.backupMethod"),
            column("REPO", ".status.backupRepoName"),
            STATUS,
            column("TOTAL-SIZE", ".status.totalSize"),
            column("DURATION", ".status.duration"),
            column("DELETION-POLICY", ".spec.deletionPolicy"),
            column("CREATION-TIME", ".metadata.creationTimestamp"),
            column("COMPLETION-TIME", ".status.completionTimestamp"),
            column("EXPIRATION-TIME", ".status.expiration"),
        ],
    },
    KindInfo {
        kind: Kind::BackupPolicy,
        group: "dataprotection.kubeblocks.io",
        version: "v1alpha1",
        plural: "backuppolicies",
        singular: "backuppolicy",
        kind_name: "BackupPolicy",
        namespaced: true,
        short_names: &["bp"],
        categories: KB,
        has_status: true,
        crd_schema: Some("backuppolicies.dataprotection.kubeblocks.io.v1alpha1.json"),
        printer_columns: STATUS_AGE,
    },
    KindInfo {
        kind: Kind::BackupSchedule,
        group: "dataprotection.kubeblocks.io",
        version: "v1alpha1",
        plural: "backupschedules",
        singular: "backupschedule",
        kind_name: "BackupSchedule",
        namespaced: true,
        short_names: &["bs"],
        categories: KB,
        has_status: true,
        crd_schema: Some("backupschedules.dataprotection.kubeblocks.io.v1alpha1.json"),
        printer_columns: STATUS_AGE,
    },
    KindInfo {
        kind: Kind::Restore,
        group: "dataprotection.kubeblocks.io",
        version: "v1alpha1",
        plural: "restores",
        singular: "restore",
        kind_name: "Restore",
        namespaced: true,
        short_names: NO_NAMES,
        categories: KB,
        has_status: true,
        crd_schema: Some("restores.dataprotection.kubeblocks.io.v1alpha1.json"),
        printer_columns: &[
            column("BACKUP", ".spec.backup.name"),
            column("RESTORE-TIME", ".spec.restoreTime"),
            STATUS,
            column("DURATION", ".status.duration"),
            column("CREATION-TIME", ".metadata.creationTimestamp"),
            column("COMPLETION-TIME", ".status.completionTimestamp"),
        ],
    },
    KindInfo {
        kind: Kind::ActionSet,
        group: "dataprotection.kubeblocks.io",
        version: "v1alpha1",
        plural: "actionsets",
        singular: "actionset",
        kind_name: "ActionSet",
        namespaced: false,
        short_names: &["as"],
        categories: KB,
        has_status: true,
        crd_schema: None,
        printer_columns: &[column("BACKUP-TYPE", ".spec.backupType"), STATUS, AGE],
    },
    KindInfo {
        kind: Kind::StorageClass,
        group: "storage.k8s.io",
        version: "v1",
        plural: "storageclasses",
        singular: "storageclass",
        kind_name: "StorageClass",
        namespaced: false,
        short_names: &["sc"],
        categories: NO_NAMES,
        has_status: false,
        crd_schema: None,
        printer_columns: &[],
    },
    KindInfo {
        kind: Kind::InstanceSet,
        group: "workloads.kubeblocks.io",
        version: "v1",
        plural: "instancesets",
        singular: "instanceset",
        kind_name: "InstanceSet",
        namespaced: true,
        short_names: &["its"],
        categories: KB,
        has_status: true,
        crd_schema: None,
        printer_columns: &[AGE],
    },
];

impl Kind {
    /// Every kind, in table order.
    pub fn all() -> impl Iterator<Item = Kind> {
        KINDS.iter().map(|k| k.kind)
    }

    /// The REST facts of this kind.
    pub fn info(self) -> &'static KindInfo {
        // The table lists every variant exactly once, in declaration order.
        &KINDS[self as usize]
    }

    /// `apiVersion` as written in objects: `v1` or `group/version`.
    pub fn api_version(self) -> String {
        let i = self.info();
        if i.group.is_empty() {
            i.version.to_string()
        } else {
            format!("{}/{}", i.group, i.version)
        }
    }

    /// Looks a kind up by group, version and plural, as found in a request path.
    pub fn from_path(group: &str, version: &str, plural: &str) -> Option<Kind> {
        KINDS
            .iter()
            .find(|k| k.group == group && k.version == version && k.plural == plural)
            .map(|k| k.kind)
    }

    /// Looks a kind up by group and `kind` name.
    pub fn from_group_kind(group: &str, kind_name: &str) -> Option<Kind> {
        KINDS
            .iter()
            .find(|k| k.group == group && k.kind_name == kind_name)
            .map(|k| k.kind)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().kind_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_variants() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.kind as usize, i, "{:?} is out of place", k.kind);
            assert_eq!(k.kind.info().plural, k.plural);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(
            Kind::from_path("operations.kubeblocks.io", "v1alpha1", "opsrequests"),
            Some(Kind::OpsRequest)
        );
        assert_eq!(Kind::from_path("", "v1", "pods"), Some(Kind::Pod));
        assert_eq!(Kind::from_path("apps", "v1", "pods"), None);
        assert_eq!(Kind::Cluster.api_version(), "apps.kubeblocks.io/v1");
        assert_eq!(Kind::Pod.api_version(), "v1");
    }
}
