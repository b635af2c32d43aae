//! On-demand Backup objects and the BackupSchedule merge patch.

use serde_json::{Map, Value, json};

use super::checks::{self, Errors};
use super::context::matching_full_method;
use super::{
    FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, RequestAction, UnknownField,
};
use crate::domain::cron;
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
            .and_then(|p| p.methods.iter().find(|m| !m.continuous))
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
                .choices(self.methods(ctx)),
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
            notes: Vec::new(),
        })
    }
}

/// One method's schedule in the backup schedule form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScheduleInput {
    /// The backup method (not editable).
    pub(crate) method: String,
    /// Field `<method>.enabled` (toggle).
    pub(crate) enabled: bool,
    /// Field `<method>.cron`: five-field cron expression (UTC).
    pub(crate) cron: String,
    /// Field `<method>.retention`: e.g. `7d`.
    pub(crate) retention: String,
}

/// Backup schedule form input: one entry per `spec.schedules[]` of the BackupSchedule.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupScheduleInput {
    /// One entry per BackupSchedule `spec.schedules[]`, in spec order.
    pub(crate) schedules: Vec<ScheduleInput>,
}

impl BackupScheduleInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let schedules = ctx
            .backup_schedule
            .iter()
            .flat_map(|s| &s.schedules)
            .map(|s| ScheduleInput {
                method: s.method.clone(),
                enabled: s.enabled,
                cron: s.cron.clone(),
                retention: s.retention.clone(),
            })
            .collect();
        BackupScheduleInput { schedules }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let mut fields = Vec::new();
        for s in &self.schedules {
            let kind = if ctx.is_continuous(&s.method) {
                "continuous: point-in-time restore also needs a full method enabled"
            } else {
                "full"
            };
            fields.push(
                FieldSpec::new(
                    &format!("{}.enabled", s.method),
                    &format!("{} enabled", s.method),
                    FieldKind::Toggle,
                    s.enabled.to_string(),
                )
                .hint(kind),
            );
            fields.push(FieldSpec::new(
                &format!("{}.cron", s.method),
                &format!("{} cron (UTC)", s.method),
                FieldKind::Text,
                &s.cron,
            ));
            fields.push(FieldSpec::new(
                &format!("{}.retention", s.method),
                &format!("{} retention", s.method),
                FieldKind::Text,
                &s.retention,
            ));
        }
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let unknown = || UnknownField(field.to_string());
        let (method, part) = field.rsplit_once('.').ok_or_else(unknown)?;
        let s = self
            .schedules
            .iter_mut()
            .find(|s| s.method == method)
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
        let mut e = Errors::default();
        let Some(schedule) = &ctx.backup_schedule else {
            return Err(vec![FieldError::new(
                "",
                format!("cluster {} has no BackupSchedule", ctx.cluster),
            )]);
        };
        for s in &self.schedules {
            check_cron(&mut e, &format!("{}.cron", s.method), &s.cron);
            check_retention(&mut e, &format!("{}.retention", s.method), &s.retention);
        }
        e.stage_done()?;
        for s in &self.schedules {
            if !schedule.schedules.iter().any(|c| c.method == s.method) {
                e.add(
                    &format!("{}.enabled", s.method),
                    format!("backup method {} is not in the BackupSchedule", s.method),
                );
            }
        }
        e.stage_done()?;
        let mut notes = Vec::new();
        let enabled = |method: &str| {
            self.schedules
                .iter()
                .any(|s| s.enabled && s.method == method)
        };
        let any_full_enabled = self
            .schedules
            .iter()
            .any(|s| s.enabled && !ctx.is_continuous(&s.method));
        for s in self
            .schedules
            .iter()
            .filter(|s| s.enabled && ctx.is_continuous(&s.method))
        {
            match matching_full_method(&s.method) {
                Some(full) if !enabled(full) => notes.push(format!(
                    "{} archives WAL continuously, but point-in-time restore also needs its full backup method {full} enabled",
                    s.method
                )),
                None if !any_full_enabled => notes.push(format!(
                    "{} archives WAL continuously, but point-in-time restore also needs a full backup method enabled",
                    s.method
                )),
                _ => {}
            }
        }
        // A merge patch replaces lists whole: send every schedule entry.
        let schedules: Vec<Value> = self
            .schedules
            .iter()
            .map(|s| {
                json!({
                    "backupMethod": s.method,
                    "enabled": s.enabled,
                    "cronExpression": s.cron,
                    "retentionPeriod": s.retention,
                })
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
        })
    }
}

/// Field rule: a five-field cron expression, as Kubernetes CronJobs accept it.
fn check_cron(e: &mut Errors, field: &str, cron: &str) {
    if let Err(err) = cron::parse_cron(cron) {
        e.add(field, format!("cron expression: {err}"));
    }
}

/// Field rule: a retention period such as `7d`, as KubeBlocks parses it.
fn check_retention(e: &mut Errors, field: &str, retention: &str) {
    if let Err(err) = cron::parse_retention(retention) {
        e.add(field, err.to_string());
    }
}
