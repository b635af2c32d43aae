//! On-demand Backup objects and the BackupSchedule merge patch.

use serde_json::{Map, Value, json};

use super::checks::{self, Errors};
use super::{
    FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, RequestAction, UnknownField,
};
use crate::domain::cron;
use crate::domain::pitr::BackupKind;
use crate::kinds::Kind;

const DELETION_POLICIES: [&str; 2] = ["Delete", "Retain"];

/// On-demand backup form input (a `dataprotection.kubeblocks.io/v1alpha1 Backup`, as
/// `kbcli cluster backup` creates it).
#[derive(Debug, Clone, PartialEq)]
pub struct BackupInput {
    /// Field `name`: defaults to kbcli's `backup-<namespace>-<cluster>-<YYYYMMDDHHMMSS>`.
    pub(crate) name: String,
    /// Field `policy`: a BackupPolicy name (the default policy first).
    pub(crate) policy: String,
    /// Field `method`: a method of that policy.
    pub(crate) method: String,
    /// Field `retention`: e.g. `7d`; empty keeps the backup until deleted.
    pub(crate) retention: String,
    /// Field `deletion_policy`: `Delete` or `Retain`.
    pub(crate) deletion_policy: String,
}

impl BackupInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let policy = ctx.default_backup_policy();
        let method = policy
            .and_then(|p| {
                let methods = || p.methods.iter();
                methods()
                    .find(|m| m.kind == Some(BackupKind::Full))
                    .or_else(|| methods().find(|m| m.kind != Some(BackupKind::Continuous)))
            })
            .map(|m| m.name.clone())
            .unwrap_or_default();
        BackupInput {
            name: format!(
                "backup-{}-{}-{}",
                ctx.namespace,
                ctx.cluster,
                ctx.now.format("%Y%m%d%H%M%S")
            ),
            policy: policy.map(|p| p.name.clone()).unwrap_or_default(),
            method,
            retention: String::new(),
            deletion_policy: "Delete".to_string(),
        }
    }

    fn methods(&self, ctx: &FormContext) -> Vec<String> {
        ctx.backup_policies
            .iter()
            .find(|p| p.name == self.policy)
            .map(|p| p.methods.iter().map(|m| m.name.clone()).collect())
            .unwrap_or_default()
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new("name", "Backup name", FieldKind::Text, &self.name),
            FieldSpec::new("policy", "Backup policy", FieldKind::Choice, &self.policy)
                .choices(ctx.backup_policies.iter().map(|p| p.name.clone())),
            FieldSpec::new("method", "Method", FieldKind::Choice, &self.method)
                .choices(self.methods(ctx))
                .hint(kind_hint(ctx.method_kind(&self.method))),
            FieldSpec::new("retention", "Retention", FieldKind::Text, &self.retention)
                .hint("e.g. 7d; empty keeps it until deleted"),
            FieldSpec::new(
                "deletion_policy",
                "Deletion policy",
                FieldKind::Choice,
                &self.deletion_policy,
            )
            .choices(DELETION_POLICIES),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let slot = match field {
            "name" => &mut self.name,
            "policy" => &mut self.policy,
            "method" => &mut self.method,
            "retention" => &mut self.retention,
            "deletion_policy" => &mut self.deletion_policy,
            other => return Err(UnknownField(other.to_string())),
        };
        *slot = value.trim().to_string();
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        if !checks::is_dns_subdomain(&self.name) {
            e.add(
                "name",
                "backup name must be lowercase letters, digits, '-' and '.', at most 253 characters",
            );
        }
        checks::required(&mut e, "policy", "backup policy", &self.policy);
        checks::required(&mut e, "method", "method", &self.method);
        if !self.retention.is_empty() {
            check_retention(&mut e, "retention", &self.retention);
        }
        if !DELETION_POLICIES.contains(&self.deletion_policy.as_str()) {
            e.add(
                "deletion_policy",
                "deletion policy must be Delete or Retain",
            );
        }
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::Backup);
        if !ctx.backup_policies.iter().any(|p| p.name == self.policy) {
            e.add(
                "policy",
                format!(
                    "backup policy {} not found in namespace {}",
                    self.policy, ctx.namespace
                ),
            );
        } else if !self.methods(ctx).contains(&self.method) {
            e.add(
                "method",
                format!(
                    "backup method {} not found in backup policy {}",
                    self.method, self.policy
                ),
            );
        }
        e.stage_done()?;
        if ctx.is_continuous(&self.method) {
            e.add(
                "method",
                format!(
                    "{} is a continuous method: enable it in the backup schedule instead",
                    self.method
                ),
            );
        }
        e.stage_done()?;
        let notes = match ctx.method_kind(&self.method) {
            None => vec![format!(
                "the type of {} is unknown (its ActionSet is not readable): a continuous \
                 method is enabled in the backup schedule, not backed up on demand",
                self.method
            )],
            Some(_) => Vec::new(),
        };
        let mut spec = Map::new();
        spec.insert("backupPolicyName".into(), json!(self.policy));
        spec.insert("backupMethod".into(), json!(self.method));
        spec.insert("deletionPolicy".into(), json!(self.deletion_policy));
        if !self.retention.is_empty() {
            spec.insert("retentionPeriod".into(), json!(self.retention));
        }
        let body = json!({
            "apiVersion": Kind::Backup.api_version(),
            "kind": "Backup",
            "metadata": {
                "name": self.name,
                "namespace": ctx.namespace,
                "labels": {
                    "app.kubernetes.io/instance": ctx.cluster,
                },
            },
            "spec": spec,
        });
        Ok(Request {
            kind: Kind::Backup,
            namespace: ctx.namespace.clone(),
            action: RequestAction::Create,
            body,
            notes,
            offer: None,
        })
    }
}

/// What a method's type means for a schedule, shown beside it.
fn kind_hint(kind: Option<BackupKind>) -> &'static str {
    match kind {
        Some(BackupKind::Continuous) => {
            "continuous: point-in-time restore also needs a full method enabled"
        }
        Some(BackupKind::Full) => "full",
        Some(BackupKind::Incremental) => "incremental",
        Some(BackupKind::Other) => "differential or selective",
        None => "type unknown: its ActionSet is not readable",
    }
}

/// One entry's schedule in the backup schedule form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScheduleInput {
    /// The entry's name, else its method: what its fields are named after (not editable).
    pub(crate) key: String,
    /// The backup method (not editable).
    pub(crate) method: String,
    /// Field `<key>.enabled` (toggle).
    pub(crate) enabled: bool,
    /// Field `<key>.cron`: five-field cron expression (UTC).
    pub(crate) cron: String,
    /// Field `<key>.retention`: e.g. `7d`.
    pub(crate) retention: String,
}

/// The Cluster's `spec.backup`, as the form edits it when the Cluster has one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterBackupInput {
    /// Field `backup.method`: the full method.
    pub(crate) method: String,
    /// Field `backup.enabled` (toggle).
    pub(crate) enabled: bool,
    /// Field `backup.cron`.
    pub(crate) cron: String,
    /// Field `backup.retention`.
    pub(crate) retention: String,
    /// Field `backup.pitr`: `unset` (the schedule's continuous entries are left alone),
    /// `true` or `false`.
    pub(crate) pitr: String,
    /// Field `backup.continuous_method`: empty for the first continuous method.
    pub(crate) continuous_method: String,
}

const PITR_CHOICES: [&str; 3] = ["unset", "true", "false"];

/// Backup schedule form input: one entry per `spec.schedules[]` of the BackupSchedule, or,
/// when the Cluster has `spec.backup`, that instead.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupScheduleInput {
    /// One entry per BackupSchedule `spec.schedules[]`, in spec order.
    pub(crate) schedules: Vec<ScheduleInput>,
    /// The Cluster's `spec.backup`, which the operator keeps copying onto the schedule.
    pub(crate) cluster_backup: Option<ClusterBackupInput>,
}

/// Why the form edits the Cluster when it has `spec.backup`.
const CLUSTER_BACKUP_NOTE: &str = "the Cluster has spec.backup, which the operator copies onto \
     the BackupSchedule on every reconcile (mergeClusterBackup): a change to the schedule would \
     be undone, so this changes the Cluster's spec.backup";

impl BackupScheduleInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let schedules = ctx
            .backup_schedule
            .iter()
            .flat_map(|s| &s.schedules)
            .map(|s| ScheduleInput {
                key: s.key().to_string(),
                method: s.method.clone(),
                enabled: s.enabled,
                cron: s.cron.clone(),
                retention: s.retention.clone(),
            })
            .collect();
        let cluster_backup = ctx.cluster_backup.as_ref().map(|b| ClusterBackupInput {
            method: b.method.clone(),
            enabled: b.enabled,
            cron: b.cron.clone(),
            retention: b.retention.clone(),
            pitr: match b.pitr_enabled {
                None => "unset",
                Some(true) => "true",
                Some(false) => "false",
            }
            .to_string(),
            continuous_method: b.continuous_method.clone(),
        });
        BackupScheduleInput {
            schedules,
            cluster_backup,
        }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        if let Some(b) = &self.cluster_backup {
            return cluster_backup_fields(b, ctx);
        }
        let mut fields = Vec::new();
        for s in &self.schedules {
            let title = if s.key == s.method {
                s.key.clone()
            } else {
                format!("{} ({})", s.key, s.method)
            };
            fields.push(
                FieldSpec::new(
                    &format!("{}.enabled", s.key),
                    &format!("{title} enabled"),
                    FieldKind::Toggle,
                    s.enabled.to_string(),
                )
                .hint(kind_hint(ctx.method_kind(&s.method))),
            );
            fields.push(FieldSpec::new(
                &format!("{}.cron", s.key),
                &format!("{title} cron (UTC)"),
                FieldKind::Text,
                &s.cron,
            ));
            fields.push(FieldSpec::new(
                &format!("{}.retention", s.key),
                &format!("{title} retention"),
                FieldKind::Text,
                &s.retention,
            ));
        }
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let unknown = || UnknownField(field.to_string());
        let (key, part) = field.rsplit_once('.').ok_or_else(unknown)?;
        if let Some(b) = &mut self.cluster_backup {
            if key != "backup" {
                return Err(unknown());
            }
            match part {
                "method" => b.method = value.trim().to_string(),
                "enabled" => b.enabled = checks::toggle(value),
                "cron" => b.cron = value.trim().to_string(),
                "retention" => b.retention = value.trim().to_string(),
                "pitr" => b.pitr = value.trim().to_string(),
                "continuous_method" => b.continuous_method = value.trim().to_string(),
                _ => return Err(unknown()),
            }
            return Ok(());
        }
        let s = self
            .schedules
            .iter_mut()
            .find(|s| s.key == key)
            .ok_or_else(unknown)?;
        match part {
            "enabled" => s.enabled = checks::toggle(value),
            "cron" => s.cron = value.trim().to_string(),
            "retention" => s.retention = value.trim().to_string(),
            _ => return Err(unknown()),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        if let Some(b) = &self.cluster_backup {
            return validate_cluster_backup(b, ctx);
        }
        let mut e = Errors::default();
        let Some(schedule) = &ctx.backup_schedule else {
            return Err(vec![FieldError::new(
                "",
                format!("cluster {} has no BackupSchedule", ctx.cluster),
            )]);
        };
        for s in &self.schedules {
            check_cron(&mut e, &format!("{}.cron", s.key), &s.cron);
            check_retention(&mut e, &format!("{}.retention", s.key), &s.retention);
        }
        e.stage_done()?;
        for s in &self.schedules {
            if !schedule.schedules.iter().any(|c| c.key() == s.key) {
                e.add(
                    &format!("{}.enabled", s.key),
                    format!("schedule entry {} is not in the BackupSchedule", s.key),
                );
            }
        }
        e.stage_done()?;
        let notes = pitr_notes(
            ctx,
            self.schedules
                .iter()
                .filter(|s| s.enabled)
                .map(|s| s.method.as_str()),
        );
        // A merge patch replaces lists whole: every entry goes back with every field it has
        // (name, parameters, ...), only the form's three changed.
        let schedules: Vec<Value> = schedule
            .schedules
            .iter()
            .map(|original| {
                let mut entry = match &original.original {
                    Value::Object(m) => m.clone(),
                    _ => Map::new(),
                };
                entry.insert("backupMethod".into(), json!(original.method));
                if !original.name.is_empty() {
                    entry.insert("name".into(), json!(original.name));
                }
                if let Some(s) = self.schedules.iter().find(|s| s.key == original.key()) {
                    entry.insert("enabled".into(), json!(s.enabled));
                    entry.insert("cronExpression".into(), json!(s.cron));
                    entry.insert("retentionPeriod".into(), json!(s.retention));
                }
                Value::Object(entry)
            })
            .collect();
        let body = json!({
            "apiVersion": Kind::BackupSchedule.api_version(),
            "kind": "BackupSchedule",
            "metadata": {"name": schedule.name, "namespace": ctx.namespace},
            "spec": {"schedules": schedules},
        });
        Ok(Request {
            kind: Kind::BackupSchedule,
            namespace: ctx.namespace.clone(),
            action: RequestAction::MergePatch {
                name: schedule.name.clone(),
            },
            body,
            notes,
            offer: None,
        })
    }
}

/// What point-in-time restore still lacks with the `enabled` methods: each continuous one
/// needs its full method (the policy's `compatibleMethod`, else any full one) enabled too.
fn pitr_notes<'a>(
    ctx: &FormContext,
    enabled: impl Iterator<Item = &'a str> + Clone,
) -> Vec<String> {
    let is_on = |method: &str| enabled.clone().any(|m| m == method);
    let any_full = enabled
        .clone()
        .any(|m| ctx.method_kind(m) == Some(BackupKind::Full));
    let mut notes = Vec::new();
    for method in enabled.clone().filter(|m| ctx.is_continuous(m)) {
        let full = ctx
            .method(method)
            .map(|m| m.compatible.as_str())
            .unwrap_or("");
        if !full.is_empty() && !is_on(full) {
            notes.push(format!(
                "{method} archives WAL continuously, but point-in-time restore also needs its \
                 full backup method {full} enabled"
            ));
        } else if full.is_empty() && !any_full {
            notes.push(format!(
                "{method} archives WAL continuously, but point-in-time restore also needs a \
                 full backup method enabled"
            ));
        }
    }
    notes
}

fn cluster_backup_fields(b: &ClusterBackupInput, ctx: &FormContext) -> Vec<FieldSpec> {
    let methods = ctx.default_backup_policy().map(|p| &p.methods);
    let names = |continuous: bool| -> Vec<String> {
        methods
            .into_iter()
            .flatten()
            .filter(|m| (m.kind == Some(BackupKind::Continuous)) == continuous)
            .map(|m| m.name.clone())
            .collect()
    };
    let mut continuous = vec![String::new()];
    continuous.extend(names(true));
    vec![
        FieldSpec::new(
            "backup.method",
            "Cluster backup method",
            FieldKind::Choice,
            &b.method,
        )
        .choices(names(false))
        .hint(CLUSTER_BACKUP_NOTE),
        FieldSpec::new(
            "backup.enabled",
            "Cluster backup enabled",
            FieldKind::Toggle,
            b.enabled.to_string(),
        )
        .hint("enabling it disables the schedule's other full methods"),
        FieldSpec::new(
            "backup.cron",
            "Cluster backup cron (UTC)",
            FieldKind::Text,
            &b.cron,
        ),
        FieldSpec::new(
            "backup.retention",
            "Cluster backup retention",
            FieldKind::Text,
            &b.retention,
        ),
        FieldSpec::new("backup.pitr", "PITR enabled", FieldKind::Choice, &b.pitr)
            .choices(PITR_CHOICES)
            .hint("unset leaves the schedule's continuous entries as they are"),
        FieldSpec::new(
            "backup.continuous_method",
            "Continuous method",
            FieldKind::Choice,
            &b.continuous_method,
        )
        .choices(continuous)
        .hint("empty: the first continuous method"),
    ]
}

fn validate_cluster_backup(
    b: &ClusterBackupInput,
    ctx: &FormContext,
) -> Result<Request, Vec<FieldError>> {
    let mut e = Errors::default();
    checks::required(&mut e, "backup.method", "backup method", &b.method);
    if !b.cron.is_empty() {
        check_cron(&mut e, "backup.cron", &b.cron);
    }
    if !b.retention.is_empty() {
        check_retention(&mut e, "backup.retention", &b.retention);
    }
    if !PITR_CHOICES.contains(&b.pitr.as_str()) {
        e.add("backup.pitr", "PITR enabled must be unset, true or false");
    }
    e.stage_done()?;
    if ctx.method(&b.method).is_none() {
        e.add(
            "backup.method",
            format!("backup method {} is not found in backup policy", b.method),
        );
    } else if ctx.is_continuous(&b.method) {
        e.add(
            "backup.method",
            format!(
                "{} is a continuous method: choose it as the continuous method",
                b.method
            ),
        );
    }
    if !b.continuous_method.is_empty() && !ctx.is_continuous(&b.continuous_method) {
        e.add(
            "backup.continuous_method",
            format!("{} is not a continuous method", b.continuous_method),
        );
    }
    e.stage_done()?;
    let mut backup = Map::new();
    backup.insert("method".into(), json!(b.method));
    backup.insert("enabled".into(), json!(b.enabled));
    if !b.cron.is_empty() {
        backup.insert("cronExpression".into(), json!(b.cron));
    }
    if !b.retention.is_empty() {
        backup.insert("retentionPeriod".into(), json!(b.retention));
    }
    backup.insert(
        "pitrEnabled".into(),
        match b.pitr.as_str() {
            "true" => json!(true),
            "false" => json!(false),
            // A merge patch removes the key: the operator leaves continuous entries alone.
            _ => Value::Null,
        },
    );
    backup.insert(
        "continuousMethod".into(),
        if b.continuous_method.is_empty() {
            Value::Null
        } else {
            json!(b.continuous_method)
        },
    );
    let mut notes = vec![CLUSTER_BACKUP_NOTE.to_string()];
    if b.pitr == "true" {
        let continuous = if b.continuous_method.is_empty() {
            None
        } else {
            Some(b.continuous_method.as_str())
        };
        let enabled: Vec<&str> = [b.enabled.then_some(b.method.as_str()), continuous]
            .into_iter()
            .flatten()
            .collect();
        notes.extend(pitr_notes(ctx, enabled.iter().copied()));
    }
    let body = json!({
        "apiVersion": Kind::Cluster.api_version(),
        "kind": "Cluster",
        "metadata": {"name": ctx.cluster, "namespace": ctx.namespace},
        "spec": {"backup": backup},
    });
    Ok(Request {
        kind: Kind::Cluster,
        namespace: ctx.namespace.clone(),
        action: RequestAction::MergePatch {
            name: ctx.cluster.clone(),
        },
        body,
        notes,
        offer: None,
    })
}

/// Field rule: a five-field cron expression, as Kubernetes CronJobs accept it.
pub(super) fn check_cron(e: &mut Errors, field: &str, cron: &str) {
    if let Err(err) = cron::parse_cron(cron) {
        e.add(field, format!("cron expression: {err}"));
    }
}

/// Field rule: a retention period such as `7d`, as KubeBlocks parses it.
pub(super) fn check_retention(e: &mut Errors, field: &str, retention: &str) {
    if let Err(err) = cron::parse_retention(retention) {
        e.add(field, err.to_string());
    }
}
