//! The termination policy: what each one does when the cluster is deleted
//! (docs/kubeblocks.md#deletion), and the form that changes it, a merge patch of the Cluster's
//! `spec.terminationPolicy` as the addon guide's cleanup does it.

use serde_json::json;

use super::checks::Errors;
use super::{
    FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, RequestAction, UnknownField,
};
use crate::kinds::Kind;

/// The policies the clusters CRD accepts, from the most protective.
pub const TERMINATION_POLICIES: [&str; 3] = ["DoNotTerminate", "Delete", "WipeOut"];

/// The policy that refuses deletion.
pub(crate) const DO_NOT_TERMINATE: &str = "DoNotTerminate";

/// What deleting a cluster under `policy` does, in one line; `None` for a policy the CRD does
/// not accept.
pub fn explain(policy: &str) -> Option<&'static str> {
    Some(match policy {
        "DoNotTerminate" => {
            "deleting it deletes nothing: the cluster stays Deleting until the policy changes"
        }
        "Delete" => "deleting it removes pods, services, secrets and volumes (PVCs); backups stay",
        "WipeOut" => {
            "deleting it removes everything, backups too, except backups with deletionPolicy \
             Retain"
        }
        _ => return None,
    })
}

/// Termination policy form input.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminationPolicyInput {
    /// Field `policy` (choice of [`TERMINATION_POLICIES`]).
    pub(crate) policy: String,
    /// The form was opened to delete a DoNotTerminate cluster: once the policy has changed,
    /// deleting it is offered.
    pub(crate) then_delete: bool,
}

impl TerminationPolicyInput {
    /// The form as it opens: the cluster's current policy.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        TerminationPolicyInput {
            policy: ctx.termination_policy.clone(),
            then_delete: false,
        }
    }

    /// The form a delete of a DoNotTerminate cluster opens instead: `Delete` proposed, the
    /// delete offered afterwards (the addon guide's cleanup: change the policy, then delete).
    pub(crate) fn before_delete() -> Self {
        TerminationPolicyInput {
            policy: "Delete".to_string(),
            then_delete: true,
        }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let mut fields = Vec::new();
        if self.then_delete {
            fields.push(
                FieldSpec::new(
                    "refused",
                    "Delete",
                    FieldKind::Text,
                    format!(
                        "refused: {} has terminationPolicy DoNotTerminate",
                        ctx.cluster
                    ),
                )
                .hint("change the policy first; deleting it is offered once that is in")
                .read_only(),
            );
        }
        fields.push(
            FieldSpec::new(
                "policy",
                "Termination policy",
                FieldKind::Choice,
                &self.policy,
            )
            .choices(TERMINATION_POLICIES)
            .hint(format!(
                "now {}: {}",
                shown(&ctx.termination_policy),
                explain(&self.policy).unwrap_or("not a termination policy")
            )),
        );
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "policy" => self.policy = value.trim().to_string(),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        if !TERMINATION_POLICIES.contains(&self.policy.as_str()) {
            e.add(
                "policy",
                format!(
                    "terminationPolicy must be one of {}",
                    TERMINATION_POLICIES.join(", ")
                ),
            );
        } else if self.policy == ctx.termination_policy {
            e.add(
                "policy",
                format!("the termination policy is {} already", self.policy),
            );
        }
        e.stage_done()?;
        let mut notes: Vec<String> = explain(&self.policy)
            .map(|line| format!("{}: {line}", self.policy))
            .into_iter()
            .collect();
        if self.then_delete && self.policy != DO_NOT_TERMINATE {
            notes.push(format!(
                "once this is in, deleting {} is offered (:delete)",
                ctx.cluster
            ));
        }
        Ok(Request {
            kind: Kind::Cluster,
            namespace: ctx.namespace.clone(),
            action: RequestAction::MergePatch {
                name: ctx.cluster.clone(),
            },
            body: json!({
                "apiVersion": Kind::Cluster.api_version(),
                "kind": "Cluster",
                "metadata": {"name": ctx.cluster, "namespace": ctx.namespace},
                "spec": {"terminationPolicy": self.policy},
            }),
            notes,
            offer: (self.then_delete && self.policy != DO_NOT_TERMINATE).then_some(OpKind::Delete),
        })
    }

    /// Whether the change asks for the cluster name: any change that lets a delete remove
    /// more than before (leaving DoNotTerminate, or going to WipeOut).
    pub(crate) fn disruptive(&self, ctx: &FormContext) -> bool {
        self.policy == "WipeOut" || ctx.termination_policy == DO_NOT_TERMINATE
    }
}

fn shown(policy: &str) -> &str {
    if policy.is_empty() { "unset" } else { policy }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::examples::fixture_context;

    #[test]
    fn every_policy_is_explained() {
        for p in TERMINATION_POLICIES {
            assert!(explain(p).is_some(), "{p}");
        }
        assert_eq!(explain("Halt"), None);
    }

    #[test]
    fn the_patch_sets_only_the_policy() {
        let ctx = fixture_context();
        let mut form = TerminationPolicyInput::initial(&ctx);
        assert_eq!(form.policy, "Delete");
        let same = form.validate(&ctx).unwrap_err();
        assert_eq!(same[0].message, "the termination policy is Delete already");
        form.set("policy", "Halt").unwrap();
        assert!(
            form.validate(&ctx).unwrap_err()[0]
                .message
                .contains("one of")
        );
        form.set("policy", "WipeOut").unwrap();
        let req = form.validate(&ctx).unwrap();
        assert_eq!(
            req.action,
            RequestAction::MergePatch {
                name: "pg-cluster".into()
            }
        );
        assert_eq!(req.body["spec"], json!({"terminationPolicy": "WipeOut"}));
        assert_eq!(req.offer, None);
        assert!(form.disruptive(&ctx));
        form.set("policy", "DoNotTerminate").unwrap();
        assert!(!form.disruptive(&ctx), "protecting asks nothing");
    }

    #[test]
    fn before_a_delete_the_delete_is_offered() {
        let mut ctx = fixture_context();
        ctx.termination_policy = DO_NOT_TERMINATE.to_string();
        let form = TerminationPolicyInput::before_delete();
        let fields = form.fields(&ctx);
        assert_eq!(fields[0].name, "refused");
        assert!(!fields[0].editable);
        let req = form.validate(&ctx).unwrap();
        assert_eq!(req.offer, Some(OpKind::Delete));
        assert!(form.disruptive(&ctx));
    }
}
