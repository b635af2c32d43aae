//! A new PostgreSQL cluster, shaped as the addon guide's `cluster.yaml` (`clusterDef:
//! postgresql`, `topology: replication`, one `postgresql` component, volume `data`) with
//! kbcli's checks and ranges (docs/kubeblocks.md#creation). Blank, or a clone prefilled from
//! the selected cluster's spec.

use serde_json::{Map, Value, json};

use super::backup::{check_cron, check_retention};
use super::checks::{self, Errors};
use super::termination::{TERMINATION_POLICIES, explain};
use super::{FieldError, FieldKind, FieldSpec, FormContext, Request, RequestAction, UnknownField};
use crate::domain::pitr::BackupKind;
use crate::domain::quantity::Quantity;
use crate::kinds::Kind;

/// The component a PostgreSQL cluster has.
const COMPONENT: &str = "postgresql";
/// The label Patroni tags its objects with; its value must be `<cluster>-postgresql`
/// (docs/kubeblocks.md#creation).
pub const PATRONI_SCOPE_LABEL: &str = "apps.kubeblocks.postgres.patroni/scope";
/// kbcli's longest cluster name.
const MAX_NAME: usize = 16;
/// The addon's full and continuous backup methods, for a new cluster whose BackupPolicy does
/// not exist yet (docs/kubeblocks.md#backup-types).
const ADDON_FULL_METHODS: [&str; 3] = ["pg-basebackup", "volume-snapshot", "wal-g"];
const ADDON_CONTINUOUS_METHODS: [&str; 2] = ["archive-wal", "wal-g-archive"];
/// 2^30: bytes in a Gi.
const GIB: f64 = 1_073_741_824.0;

/// Create form input.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateInput {
    /// Field `name`.
    pub(crate) name: String,
    /// Field `namespace`.
    pub(crate) namespace: String,
    /// Field `version`: a `serviceVersion` of the ComponentVersion's releases.
    pub(crate) version: String,
    /// Field `replicas`.
    pub(crate) replicas: String,
    /// Field `cpu`, in cores (requests equal limits).
    pub(crate) cpu: String,
    /// Field `memory`, in Gi (requests equal limits).
    pub(crate) memory: String,
    /// Field `storage`, in Gi.
    pub(crate) storage: String,
    /// Field `storage_class`; empty for the API server's default class.
    pub(crate) storage_class: String,
    /// Field `termination_policy`.
    pub(crate) termination_policy: String,
    /// Field `exporter` (toggle).
    pub(crate) exporter: bool,
    /// Fields `backup.*`: the Cluster's `spec.backup`.
    pub(crate) backup: BackupSettings,
    /// The cluster whose spec the form started from; empty for a blank form.
    pub(crate) cloned_from: String,
}

/// The new cluster's `spec.backup`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackupSettings {
    /// Field `backup.enabled` (toggle): scheduled full backups.
    pub(crate) enabled: bool,
    /// Field `backup.method`: the full method.
    pub(crate) method: String,
    /// Field `backup.cron` (UTC).
    pub(crate) cron: String,
    /// Field `backup.retention`.
    pub(crate) retention: String,
    /// Field `backup.pitr` (toggle): continuous archiving.
    pub(crate) pitr: bool,
    /// Field `backup.continuous_method`.
    pub(crate) continuous_method: String,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            enabled: false,
            method: "pg-basebackup".to_string(),
            cron: "0 18 * * *".to_string(),
            retention: "7d".to_string(),
            pitr: false,
            continuous_method: "archive-wal".to_string(),
        }
    }
}

/// Numeric parts of a version, so `16.10.0` sorts after `16.9.0`.
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-'])
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// The releases, newest first.
fn newest_first(ctx: &FormContext) -> Vec<String> {
    let mut releases = ctx.releases.clone();
    releases.sort_by_key(|v| std::cmp::Reverse(version_key(v)));
    releases.dedup();
    releases
}

/// A number as kbcli writes it: no trailing `.0`.
fn number(n: f64) -> String {
    let text = format!("{n}");
    text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
}

/// A quantity in Gi (a number), when it is one.
fn in_gib(q: Option<&str>) -> Option<String> {
    let nanos = Quantity::parse(q?).ok()?.nanos();
    Some(number(nanos as f64 / 1e9 / GIB))
}

/// A quantity in cores (a number), when it is one.
fn in_cores(q: Option<&str>) -> Option<String> {
    let nanos = Quantity::parse(q?).ok()?.nanos();
    Some(number(nanos as f64 / 1e9))
}

impl CreateInput {
    /// A blank form: the guide's defaults, the newest release, the default StorageClass, in
    /// the namespace of the context.
    pub(crate) fn blank(ctx: &FormContext) -> Self {
        CreateInput {
            name: String::new(),
            namespace: if ctx.namespace.is_empty() {
                "default".to_string()
            } else {
                ctx.namespace.clone()
            },
            version: newest_first(ctx).into_iter().next().unwrap_or_default(),
            replicas: "2".to_string(),
            cpu: "0.5".to_string(),
            memory: "0.5".to_string(),
            storage: "20".to_string(),
            storage_class: ctx
                .storage_classes
                .iter()
                .find(|c| c.is_default)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            termination_policy: "Delete".to_string(),
            exporter: true,
            backup: BackupSettings::default(),
            cloned_from: String::new(),
        }
    }

    /// A form prefilled from the context's cluster (its `postgresql` component, termination
    /// policy and `spec.backup`); the name is left for the user.
    pub(crate) fn clone_of(ctx: &FormContext) -> Self {
        let mut input = CreateInput::blank(ctx);
        input.cloned_from = ctx.cluster.clone();
        if let Some(c) = ctx.component(COMPONENT).or_else(|| ctx.components.first()) {
            if !c.service_version.is_empty() {
                input.version = c.service_version.clone();
            }
            input.replicas = c.replicas.to_string();
            let cpu = c.cpu_limit.as_deref().or(c.cpu_request.as_deref());
            input.cpu = in_cores(cpu).unwrap_or(input.cpu);
            let memory = c.memory_limit.as_deref().or(c.memory_request.as_deref());
            input.memory = in_gib(memory).unwrap_or(input.memory);
            if let Some(v) = c.volumes.first() {
                input.storage = in_gib(Some(&v.storage)).unwrap_or(input.storage);
                if !v.storage_class.is_empty() {
                    input.storage_class = v.storage_class.clone();
                }
            }
            input.exporter = !c.disable_exporter;
        }
        if TERMINATION_POLICIES.contains(&ctx.termination_policy.as_str()) {
            input.termination_policy = ctx.termination_policy.clone();
        }
        if let Some(b) = &ctx.cluster_backup {
            input.backup = BackupSettings {
                enabled: b.enabled,
                method: b.method.clone(),
                cron: b.cron.clone(),
                retention: b.retention.clone(),
                pitr: b.pitr_enabled == Some(true),
                continuous_method: b.continuous_method.clone(),
            };
        }
        input
    }

    /// The cluster whose spec the form started from; empty for a blank form.
    pub fn cloned_from(&self) -> &str {
        &self.cloned_from
    }

    /// The name a typed confirmation must match: the new cluster's.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Backup methods of a kind: the cloned cluster's policy's, else the addon's.
    fn methods(ctx: &FormContext, kind: BackupKind) -> Vec<String> {
        let from_policy: Vec<String> = ctx
            .default_backup_policy()
            .into_iter()
            .flat_map(|p| &p.methods)
            .filter(|m| m.kind == Some(kind))
            .map(|m| m.name.clone())
            .collect();
        if !from_policy.is_empty() {
            return from_policy;
        }
        let addon: &[&str] = match kind {
            BackupKind::Continuous => &ADDON_CONTINUOUS_METHODS,
            _ => &ADDON_FULL_METHODS,
        };
        addon.iter().map(|m| m.to_string()).collect()
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let classes: Vec<String> = ctx.storage_classes.iter().map(|c| c.name.clone()).collect();
        let default_class = ctx
            .storage_classes
            .iter()
            .find(|c| c.is_default)
            .map_or_else(
                || "no default StorageClass".to_string(),
                |c| format!("default: {} (marked default)", c.name),
            );
        let replicas_hint = if self.replicas.trim() == "1" {
            "1 replica has no standby to fail over to"
        } else {
            "1-5; one primary, the others standbys"
        };
        let f = |name: &str, label: &str, kind: FieldKind, value: &str| {
            FieldSpec::new(name, label, kind, value)
        };
        vec![
            f("name", "Name", FieldKind::Text, &self.name)
                .hint("lowercase letters, digits and -, at most 16"),
            f("namespace", "Namespace", FieldKind::Text, &self.namespace),
            f(
                "version",
                "PostgreSQL version",
                FieldKind::Choice,
                &self.version,
            )
            .choices(newest_first(ctx))
            .hint("the ComponentVersion's releases, newest first"),
            f("replicas", "Replicas", FieldKind::Text, &self.replicas).hint(replicas_hint),
            f("cpu", "CPU (cores)", FieldKind::Text, &self.cpu)
                .hint("0.5-64 in steps of 0.5; requests = limits"),
            f("memory", "Memory (Gi)", FieldKind::Text, &self.memory)
                .hint("0.5-1000; requests = limits"),
            f("storage", "Storage (Gi)", FieldKind::Text, &self.storage).hint("1-10000"),
            f(
                "storage_class",
                "Storage class",
                FieldKind::Choice,
                &self.storage_class,
            )
            .choices(classes)
            .hint(default_class),
            f(
                "termination_policy",
                "Termination policy",
                FieldKind::Choice,
                &self.termination_policy,
            )
            .choices(TERMINATION_POLICIES)
            .hint(explain(&self.termination_policy).unwrap_or("not a termination policy")),
            f(
                "exporter",
                "Metrics exporter",
                FieldKind::Toggle,
                &self.exporter.to_string(),
            )
            .hint("the health views read its metrics"),
            f(
                "backup.enabled",
                "Scheduled backup",
                FieldKind::Toggle,
                &self.backup.enabled.to_string(),
            ),
            f(
                "backup.method",
                "Backup method",
                FieldKind::Choice,
                &self.backup.method,
            )
            .choices(Self::methods(ctx, BackupKind::Full)),
            f(
                "backup.cron",
                "Backup cron (UTC)",
                FieldKind::Text,
                &self.backup.cron,
            ),
            f(
                "backup.retention",
                "Backup retention",
                FieldKind::Text,
                &self.backup.retention,
            ),
            f(
                "backup.pitr",
                "PITR (continuous archiving)",
                FieldKind::Toggle,
                &self.backup.pitr.to_string(),
            ),
            f(
                "backup.continuous_method",
                "Continuous method",
                FieldKind::Choice,
                &self.backup.continuous_method,
            )
            .choices(Self::methods(ctx, BackupKind::Continuous)),
            f(
                "scope",
                "Patroni scope label",
                FieldKind::Text,
                &scope_shown(&self.name),
            )
            .hint(PATRONI_SCOPE_LABEL)
            .read_only(),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let v = value.trim().to_string();
        match field {
            "name" => self.name = v,
            "namespace" => self.namespace = v,
            "version" => self.version = v,
            "replicas" => self.replicas = v,
            "cpu" => self.cpu = v,
            "memory" => self.memory = v,
            "storage" => self.storage = v,
            "storage_class" => self.storage_class = v,
            "termination_policy" => self.termination_policy = v,
            "exporter" => self.exporter = checks::toggle(&v),
            "backup.enabled" => self.backup.enabled = checks::toggle(&v),
            "backup.method" => self.backup.method = v,
            "backup.cron" => self.backup.cron = v,
            "backup.retention" => self.backup.retention = v,
            "backup.pitr" => self.backup.pitr = checks::toggle(&v),
            "backup.continuous_method" => self.backup.continuous_method = v,
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        check_name(&mut e, &self.name);
        if !checks::is_dns_label(&self.namespace) {
            e.add("namespace", "namespace must be a DNS-1123 label");
        }
        let replicas = ranged(&mut e, "replicas", "replicas", &self.replicas, 1.0, 5.0);
        if replicas.is_some_and(|r| r.fract() != 0.0) {
            e.add("replicas", "replicas must be a whole number");
        }
        let cpu = ranged(&mut e, "cpu", "CPU", &self.cpu, 0.5, 64.0);
        if cpu.is_some_and(|c| (c * 2.0).fract() != 0.0) {
            e.add("cpu", "CPU must be a multiple of 0.5");
        }
        let memory = ranged(&mut e, "memory", "memory", &self.memory, 0.5, 1000.0);
        let storage = ranged(&mut e, "storage", "storage", &self.storage, 1.0, 10000.0);
        if !TERMINATION_POLICIES.contains(&self.termination_policy.as_str()) {
            e.add(
                "termination_policy",
                format!(
                    "terminationPolicy must be one of {}",
                    TERMINATION_POLICIES.join(", ")
                ),
            );
        }
        if self.backup.enabled {
            checks::required(
                &mut e,
                "backup.method",
                "backup method",
                &self.backup.method,
            );
            check_cron(&mut e, "backup.cron", &self.backup.cron);
        }
        if self.backup.enabled || self.backup.pitr {
            check_retention(&mut e, "backup.retention", &self.backup.retention);
        }
        if self.backup.pitr {
            checks::required(
                &mut e,
                "backup.continuous_method",
                "continuous method",
                &self.backup.continuous_method,
            );
        }
        e.stage_done()?;
        let (Some(replicas), Some(cpu), Some(memory), Some(storage)) =
            (replicas, cpu, memory, storage)
        else {
            return Err(vec![FieldError::new("", "a number is missing")]);
        };
        if ctx
            .existing_clusters
            .iter()
            .any(|(ns, name)| *ns == self.namespace && *name == self.name)
        {
            e.add(
                "name",
                format!(
                    "cluster {} already exists in namespace {}",
                    self.name, self.namespace
                ),
            );
        }
        if !ctx.releases.is_empty() && !ctx.releases.contains(&self.version) {
            e.add(
                "version",
                format!(
                    "service version {} is not a release of ComponentVersion postgresql",
                    self.version
                ),
            );
        }
        if !self.storage_class.is_empty()
            && !ctx.storage_classes.is_empty()
            && !ctx
                .storage_classes
                .iter()
                .any(|c| c.name == self.storage_class)
        {
            e.add(
                "storage_class",
                format!("StorageClass {} does not exist", self.storage_class),
            );
        }
        let methods = |kind| Self::methods(ctx, kind);
        if self.backup.enabled && !methods(BackupKind::Full).contains(&self.backup.method) {
            e.add(
                "backup.method",
                format!("{} is not a full backup method", self.backup.method),
            );
        }
        if self.backup.pitr
            && !methods(BackupKind::Continuous).contains(&self.backup.continuous_method)
        {
            e.add(
                "backup.continuous_method",
                format!(
                    "{} is not a continuous method",
                    self.backup.continuous_method
                ),
            );
        }
        e.stage_done()?;
        let mut notes = Vec::new();
        if replicas == 1.0 {
            notes.push("1 replica: no standby to fail over to".to_string());
        }
        if !self.exporter {
            notes.push("no metrics exporter: the health views have no metrics".to_string());
        }
        if self.backup.pitr && !self.backup.enabled {
            notes.push(
                "PITR archives WAL, but a restore also needs a full backup: enable the \
                 scheduled backup too"
                    .to_string(),
            );
        }
        let body = self.body(replicas, cpu, memory, storage);
        Ok(Request {
            kind: Kind::Cluster,
            namespace: self.namespace.clone(),
            action: RequestAction::Create,
            body,
            notes,
            offer: None,
        })
    }

    fn body(&self, replicas: f64, cpu: f64, memory: f64, storage: f64) -> Value {
        let cpu = number(cpu);
        let memory = format!("{}Gi", number(memory));
        let mut volume_spec = Map::new();
        if !self.storage_class.is_empty() {
            volume_spec.insert("storageClassName".into(), json!(self.storage_class));
        }
        volume_spec.insert("accessModes".into(), json!(["ReadWriteOnce"]));
        volume_spec.insert(
            "resources".into(),
            json!({"requests": {"storage": format!("{}Gi", number(storage))}}),
        );
        let mut component = Map::new();
        component.insert("name".into(), json!(COMPONENT));
        if !self.version.is_empty() {
            component.insert("serviceVersion".into(), json!(self.version));
        }
        component.insert("disableExporter".into(), json!(!self.exporter));
        component.insert(
            "labels".into(),
            json!({ PATRONI_SCOPE_LABEL: scope_of(&self.name) }),
        );
        component.insert("replicas".into(), json!(replicas as u32));
        component.insert(
            "resources".into(),
            json!({
                "limits": {"cpu": cpu, "memory": memory},
                "requests": {"cpu": cpu, "memory": memory},
            }),
        );
        component.insert(
            "volumeClaimTemplates".into(),
            json!([{"name": "data", "spec": volume_spec}]),
        );
        let mut spec = Map::new();
        spec.insert("terminationPolicy".into(), json!(self.termination_policy));
        spec.insert("clusterDef".into(), json!("postgresql"));
        spec.insert("topology".into(), json!("replication"));
        spec.insert("componentSpecs".into(), json!([component]));
        if self.backup.enabled || self.backup.pitr {
            let b = &self.backup;
            let mut backup = Map::new();
            backup.insert("enabled".into(), json!(b.enabled));
            backup.insert("method".into(), json!(b.method));
            if !b.cron.is_empty() {
                backup.insert("cronExpression".into(), json!(b.cron));
            }
            backup.insert("retentionPeriod".into(), json!(b.retention));
            backup.insert("pitrEnabled".into(), json!(b.pitr));
            if b.pitr {
                backup.insert("continuousMethod".into(), json!(b.continuous_method));
            }
            spec.insert("backup".into(), Value::Object(backup));
        }
        json!({
            "apiVersion": Kind::Cluster.api_version(),
            "kind": "Cluster",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
        })
    }
}

/// The Patroni scope of a cluster named `name`.
fn scope_of(name: &str) -> String {
    format!("{name}-{COMPONENT}")
}

/// The Patroni scope as the form shows it before a name is typed.
fn scope_shown(name: &str) -> String {
    scope_of(if name.is_empty() { "<name>" } else { name })
}

/// kbcli's name rule: `^[a-z]([-a-z0-9]*[a-z0-9])?$`, at most 16 characters.
fn check_name(e: &mut Errors, name: &str) {
    let bytes = name.as_bytes();
    let ok = bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if name.is_empty() {
        e.add("name", "name is required");
    } else if !ok {
        e.add(
            "name",
            "name must start with a lowercase letter, contain only lowercase letters, digits \
             and -, and end with a letter or digit",
        );
    } else if name.len() > MAX_NAME {
        e.add(
            "name",
            format!("name must be at most {MAX_NAME} characters"),
        );
    }
}

/// Field rule: a number within `lo..=hi`.
fn ranged(e: &mut Errors, field: &str, label: &str, value: &str, lo: f64, hi: f64) -> Option<f64> {
    match value.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && (lo..=hi).contains(&n) => Some(n),
        Ok(_) => {
            e.add(
                field,
                format!("{label} must be between {} and {}", number(lo), number(hi)),
            );
            None
        }
        Err(_) => {
            e.add(field, format!("{label}: {value:?} is not a number"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::StorageClassInfo;
    use crate::forms::examples::fixture_context;

    fn ctx() -> FormContext {
        let mut ctx = fixture_context();
        ctx.storage_classes = vec![
            StorageClassInfo {
                name: "fast".into(),
                is_default: false,
            },
            StorageClassInfo {
                name: "standard-rwo".into(),
                is_default: true,
            },
        ];
        ctx.existing_clusters = vec![("demo".into(), "pg-cluster".into())];
        ctx
    }

    fn errors(input: &CreateInput) -> Vec<(String, String)> {
        input
            .validate(&ctx())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn a_blank_form_has_the_guide_defaults_and_builds_its_cluster() {
        let ctx = ctx();
        let mut input = CreateInput::blank(&ctx);
        assert_eq!(input.version, "17.10.0", "newest release");
        assert_eq!(input.storage_class, "standard-rwo", "default class");
        assert_eq!(input.termination_policy, "Delete");
        assert!(input.exporter);
        input.set("name", "orders").unwrap();
        let req = input.validate(&ctx).unwrap();
        assert_eq!(req.action, RequestAction::Create);
        assert_eq!(req.namespace, "demo");
        let spec = &req.body["spec"];
        assert_eq!(spec["clusterDef"], "postgresql");
        assert_eq!(spec["topology"], "replication");
        let c = &spec["componentSpecs"][0];
        assert_eq!(c["labels"][PATRONI_SCOPE_LABEL], "orders-postgresql");
        assert_eq!(c["disableExporter"], false);
        assert_eq!(c["replicas"], 2);
        assert_eq!(c["resources"]["limits"], c["resources"]["requests"]);
        assert_eq!(c["resources"]["limits"]["memory"], "0.5Gi");
        assert_eq!(
            c["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
            "20Gi"
        );
        assert!(spec.get("backup").is_none(), "no backup asked for");
    }

    #[test]
    fn names_follow_kbcli_and_must_be_free() {
        let ctx = ctx();
        let mut input = CreateInput::blank(&ctx);
        for bad in ["", "1pg", "Pg", "pg-", "pg_1", "a-very-long-name-x"] {
            input.set("name", bad).unwrap();
            let errs = errors(&input);
            assert!(errs.iter().any(|(f, _)| f == "name"), "{bad}: {errs:?}");
        }
        input.set("name", "pg-cluster").unwrap();
        assert_eq!(
            errors(&input),
            [(
                "name".to_string(),
                "cluster pg-cluster already exists in namespace demo".to_string()
            )]
        );
        input.set("namespace", "other").unwrap();
        assert!(input.validate(&ctx).is_ok(), "free in another namespace");
    }

    #[test]
    fn ranges_are_kbclis() {
        let ctx = ctx();
        let mut input = CreateInput::blank(&ctx);
        input.set("name", "orders").unwrap();
        for (field, bad) in [
            ("replicas", "0"),
            ("replicas", "6"),
            ("replicas", "2.5"),
            ("cpu", "0.25"),
            ("cpu", "1.3"),
            ("cpu", "65"),
            ("memory", "0.4"),
            ("memory", "1001"),
            ("storage", "0"),
            ("storage", "10001"),
            ("storage", "lots"),
        ] {
            let mut i = input.clone();
            i.set(field, bad).unwrap();
            let errs = errors(&i);
            assert!(
                errs.iter().any(|(f, _)| f == field),
                "{field}={bad}: {errs:?}"
            );
        }
        input.set("replicas", "1").unwrap();
        let req = input.validate(&ctx).unwrap();
        assert_eq!(req.notes, ["1 replica: no standby to fail over to"]);
        let fields = input.fields(&ctx);
        let replicas = fields.iter().find(|f| f.name == "replicas").unwrap();
        assert_eq!(
            replicas.hint.as_deref(),
            Some("1 replica has no standby to fail over to")
        );
    }

    #[test]
    fn choices_come_from_the_api() {
        let ctx = ctx();
        let mut input = CreateInput::blank(&ctx);
        input.set("name", "orders").unwrap();
        input.set("version", "15.7.0").unwrap();
        input.set("storage_class", "nope").unwrap();
        let errs = errors(&input);
        assert_eq!(errs.len(), 2, "{errs:?}");
        let fields = input.fields(&ctx);
        let version = fields.iter().find(|f| f.name == "version").unwrap();
        assert_eq!(version.choices[0], "17.10.0");
        assert_eq!(version.choices.last().unwrap(), "16.4.0");
        let class = fields.iter().find(|f| f.name == "storage_class").unwrap();
        assert_eq!(class.choices, ["fast", "standard-rwo"]);
        assert!(class.hint.as_deref().unwrap().contains("standard-rwo"));
    }

    #[test]
    fn backup_settings_are_checked_as_the_schedule_form_checks_them() {
        let ctx = ctx();
        let mut input = CreateInput::blank(&ctx);
        input.set("name", "orders").unwrap();
        input.set("backup.enabled", "true").unwrap();
        input.set("backup.cron", "every day").unwrap();
        input.set("backup.retention", "a week").unwrap();
        let errs = errors(&input);
        assert!(errs.iter().any(|(f, _)| f == "backup.cron"), "{errs:?}");
        assert!(
            errs.iter().any(|(f, _)| f == "backup.retention"),
            "{errs:?}"
        );
        input.set("backup.cron", "0 2 * * *").unwrap();
        input.set("backup.retention", "7d").unwrap();
        input.set("backup.pitr", "true").unwrap();
        input
            .set("backup.continuous_method", "pg-basebackup")
            .unwrap();
        assert_eq!(errors(&input)[0].0, "backup.continuous_method");
        input
            .set("backup.continuous_method", "archive-wal")
            .unwrap();
        let req = input.validate(&ctx).unwrap();
        assert_eq!(
            req.body["spec"]["backup"],
            json!({"enabled": true, "method": "pg-basebackup", "cronExpression": "0 2 * * *",
                   "retentionPeriod": "7d", "pitrEnabled": true, "continuousMethod": "archive-wal"})
        );
    }

    #[test]
    fn a_clone_starts_from_the_cluster() {
        let ctx = ctx();
        let input = CreateInput::clone_of(&ctx);
        assert_eq!(input.name, "");
        assert_eq!(input.version, "16.9.0");
        assert_eq!(input.replicas, "2");
        assert_eq!(input.cpu, "1");
        assert_eq!(input.memory, "2");
        assert_eq!(input.storage, "20");
        assert_eq!(input.storage_class, "standard-rwo");
        assert_eq!(input.termination_policy, "Delete");
        assert!(input.exporter);
    }
}
