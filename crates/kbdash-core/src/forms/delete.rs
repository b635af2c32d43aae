//! Deleting a cluster: what its termination policy will do, counted on its PVCs and backups
//! as the cluster controller decides it (docs/kubeblocks.md#deletion), and the DELETE itself.
//! A DoNotTerminate cluster is refused, as kbcli refuses it: [`super::OpForm::new`] opens the
//! termination policy form instead.

use serde_json::json;

use super::checks::Errors;
use super::termination::{DO_NOT_TERMINATE, explain};
use super::{
    BackupInfo, FieldError, FieldKind, FieldSpec, FormContext, Request, RequestAction, UnknownField,
};
use crate::kinds::Kind;

/// What deleting the cluster removes and keeps, by its termination policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletionOutcome {
    /// PVCs removed (all of the cluster's, unless DoNotTerminate).
    pub pvcs_removed: usize,
    /// Backups removed.
    pub backups_removed: usize,
    /// Backups kept.
    pub backups_kept: usize,
}

/// Whether deleting a cluster under `policy` removes `backup`: Delete removes only failed
/// backups that are not continuous; WipeOut every one whose deletionPolicy is not Retain
/// (transformer_cluster_deletion.go, docs/kubeblocks.md#deletion).
fn removes(policy: &str, backup: &BackupInfo) -> bool {
    match policy {
        "Delete" => backup.phase == "Failed" && !backup.continuous,
        "WipeOut" => backup.deletion_policy != "Retain",
        _ => false,
    }
}

/// What deleting the cluster of `ctx` does under its termination policy.
pub fn deletion_outcome(ctx: &FormContext) -> DeletionOutcome {
    let policy = ctx.termination_policy.as_str();
    let removed = ctx.backups.iter().filter(|b| removes(policy, b)).count();
    DeletionOutcome {
        pvcs_removed: if policy == DO_NOT_TERMINATE {
            0
        } else {
            ctx.pvcs.len()
        },
        backups_removed: removed,
        backups_kept: ctx.backups.len() - removed,
    }
}

/// Delete form input: nothing to choose, only what the policy will do, shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeleteInput;

impl DeleteInput {
    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let o = deletion_outcome(ctx);
        let policy = if ctx.termination_policy.is_empty() {
            "unset"
        } else {
            ctx.termination_policy.as_str()
        };
        vec![
            FieldSpec::new("policy", "Termination policy", FieldKind::Text, policy)
                .hint(explain(policy).unwrap_or("unknown to kbdash: see the cluster's spec"))
                .read_only(),
            FieldSpec::new(
                "pvcs",
                "PVCs removed",
                FieldKind::Text,
                format!("{} of {}", o.pvcs_removed, ctx.pvcs.len()),
            )
            .hint("their data is gone with them")
            .read_only(),
            FieldSpec::new(
                "backups",
                "Backups removed",
                FieldKind::Text,
                format!("{} ({} kept)", o.backups_removed, o.backups_kept),
            )
            .hint(match policy {
                "WipeOut" => "those with deletionPolicy Retain are kept",
                "Delete" => "only failed full backups go",
                _ => "none",
            })
            .read_only(),
        ]
    }

    pub(super) fn set(&mut self, field: &str, _value: &str) -> Result<(), UnknownField> {
        Err(UnknownField(field.to_string()))
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        match ctx.termination_policy.as_str() {
            // kbcli's own refusal (CLI pkg/cmd/cluster/delete.go).
            DO_NOT_TERMINATE => e.add(
                "policy",
                format!(
                    "cluster {} is protected by termination policy DoNotTerminate: change it \
                     first (:termination-policy)",
                    ctx.cluster
                ),
            ),
            "Delete" | "WipeOut" => {}
            other => e.add(
                "policy",
                format!("termination policy {other:?} is unknown: kbdash does not delete it"),
            ),
        }
        e.stage_done()?;
        let o = deletion_outcome(ctx);
        let mut notes = vec![format!(
            "{}: {}",
            ctx.termination_policy,
            explain(&ctx.termination_policy).unwrap_or_default()
        )];
        notes.push(format!(
            "{} PVC(s) and {} backup(s) go; {} backup(s) stay",
            o.pvcs_removed, o.backups_removed, o.backups_kept
        ));
        Ok(Request {
            kind: Kind::Cluster,
            namespace: ctx.namespace.clone(),
            action: RequestAction::Delete {
                name: ctx.cluster.clone(),
            },
            body: json!({
                "apiVersion": Kind::Cluster.api_version(),
                "kind": "Cluster",
                "metadata": {"name": ctx.cluster, "namespace": ctx.namespace},
            }),
            notes,
            offer: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::examples::fixture_context;

    fn backup(name: &str, policy: &str, phase: &str, continuous: bool) -> BackupInfo {
        BackupInfo {
            name: name.into(),
            deletion_policy: policy.into(),
            phase: phase.into(),
            continuous,
        }
    }

    fn ctx(policy: &str) -> FormContext {
        let mut ctx = fixture_context();
        ctx.termination_policy = policy.into();
        ctx.pvcs = vec!["data-a".into(), "data-b".into()];
        ctx.backups = vec![
            backup("full", "Delete", "Completed", false),
            backup("kept", "Retain", "Completed", false),
            backup("failed", "Delete", "Failed", false),
            backup("wal", "Delete", "Running", true),
        ];
        ctx
    }

    #[test]
    fn each_policy_counts_what_goes() {
        let o = |p: &str| deletion_outcome(&ctx(p));
        assert_eq!(
            o("DoNotTerminate"),
            DeletionOutcome {
                pvcs_removed: 0,
                backups_removed: 0,
                backups_kept: 4
            }
        );
        assert_eq!(
            o("Delete"),
            DeletionOutcome {
                pvcs_removed: 2,
                backups_removed: 1,
                backups_kept: 3
            }
        );
        assert_eq!(
            o("WipeOut"),
            DeletionOutcome {
                pvcs_removed: 2,
                backups_removed: 3,
                backups_kept: 1
            }
        );
    }

    #[test]
    fn do_not_terminate_is_refused_and_the_others_delete_by_name() {
        let refused = DeleteInput.validate(&ctx("DoNotTerminate")).unwrap_err();
        assert!(refused[0].message.contains("DoNotTerminate"), "{refused:?}");
        assert!(DeleteInput.validate(&ctx("Halt")).is_err());
        let req = DeleteInput.validate(&ctx("WipeOut")).unwrap();
        assert_eq!(
            req.action,
            RequestAction::Delete {
                name: "pg-cluster".into()
            }
        );
        assert_eq!(
            req.notes[1],
            "2 PVC(s) and 3 backup(s) go; 1 backup(s) stay"
        );
        let fields = DeleteInput.fields(&ctx("WipeOut"));
        assert!(fields.iter().all(|f| !f.editable));
        assert_eq!(fields[2].value, "3 (1 kept)");
    }
}
