//! Cancel a running OpsRequest (kbcli `cancel-ops`): a JSON merge patch setting
//! `spec.cancel: true`. The operator honours it only for VerticalScaling and
//! HorizontalScaling (docs/kubeblocks.md#ops-control), so only those are offered, and the
//! form says why when another type is asked for.

use serde_json::json;

use super::checks::{self, Errors};
use super::{
    FieldError, FieldKind, FieldSpec, FormContext, OpsRequestInfo, Request, RequestAction,
    UnknownField,
};
use crate::kinds::Kind;

/// The OpsRequest types whose `spec.cancel` the operator honours
/// (docs/kubeblocks.md#ops-control).
pub const CANCELLABLE_TYPES: [&str; 2] = ["VerticalScaling", "HorizontalScaling"];

/// Why the operator would not cancel an OpsRequest of `ops_type`, or `None` when it would.
pub fn why_not_cancellable(ops_type: &str) -> Option<String> {
    (!CANCELLABLE_TYPES.contains(&ops_type)).then(|| {
        format!(
            "a {ops_type} cannot be cancelled: the operator honours spec.cancel only for {}",
            CANCELLABLE_TYPES.join(" and ")
        )
    })
}

/// Why an OpsRequest in `phase` has nothing left to cancel, or `None` while it can be.
pub fn why_not_cancellable_now(name: &str, phase: &str) -> Option<String> {
    let info = OpsRequestInfo {
        phase: phase.to_string(),
        ..OpsRequestInfo::default()
    };
    if info.is_finished() {
        Some(format!(
            "{name} has ended ({phase}): there is nothing to cancel"
        ))
    } else if phase == "Cancelling" {
        Some(format!("{name} is already being cancelled"))
    } else {
        None
    }
}

/// Cancel form input.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelInput {
    /// Field `ops_request`: the name of the OpsRequest to cancel.
    pub(crate) ops_request: String,
}

impl CancelInput {
    /// The form as it opens: the cluster's only cancellable request, if it has just one.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let candidates = Self::candidates(ctx);
        CancelInput {
            ops_request: match candidates.as_slice() {
                [only] => only.name.clone(),
                _ => String::new(),
            },
        }
    }

    /// Starts from OpsRequest `name` (the one selected), whatever its type: validation says
    /// why it cannot be cancelled if it cannot.
    pub(crate) fn preselect(&mut self, ctx: &FormContext, name: &str) {
        if ctx.ops_requests.iter().any(|o| o.name == name) {
            self.ops_request = name.to_string();
        }
    }

    /// The cluster's requests that can be cancelled now: of a cancellable type, not ended and
    /// not being cancelled.
    fn candidates(ctx: &FormContext) -> Vec<&OpsRequestInfo> {
        ctx.ops_requests
            .iter()
            .filter(|o| {
                why_not_cancellable(&o.ops_type).is_none()
                    && why_not_cancellable_now(&o.name, &o.phase).is_none()
            })
            .collect()
    }

    fn chosen<'a>(&self, ctx: &'a FormContext) -> Option<&'a OpsRequestInfo> {
        ctx.ops_requests.iter().find(|o| o.name == self.ops_request)
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let candidates = Self::candidates(ctx);
        let hint = match self.chosen(ctx) {
            Some(o) => format!("{}, {}", o.ops_type, phase_or_new(&o.phase)),
            None if candidates.is_empty() => format!(
                "{} has no running {} request",
                ctx.cluster,
                CANCELLABLE_TYPES.join(" or ")
            ),
            None => String::new(),
        };
        let mut field = FieldSpec::new(
            "ops_request",
            "OpsRequest",
            FieldKind::Choice,
            &self.ops_request,
        )
        .hint(hint)
        .choices(candidates.into_iter().map(|o| o.name.clone()));
        if field.choices.is_empty() {
            field = field.read_only();
        }
        vec![field]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "ops_request" => self.ops_request = value.trim().to_string(),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        if Self::candidates(ctx).is_empty() && self.ops_request.is_empty() {
            e.add(
                "ops_request",
                format!(
                    "{} has no running request to cancel; {}",
                    ctx.cluster,
                    cancellable_types_sentence()
                ),
            );
        } else {
            checks::required(&mut e, "ops_request", "the OpsRequest", &self.ops_request);
        }
        e.stage_done()?;
        let Some(chosen) = self.chosen(ctx) else {
            return Err(vec![FieldError::new(
                "ops_request",
                format!(
                    "OpsRequest {} of cluster {} not found in namespace {}",
                    self.ops_request, ctx.cluster, ctx.namespace
                ),
            )]);
        };
        if let Some(why) = why_not_cancellable(&chosen.ops_type) {
            e.add("ops_request", format!("{}: {why}", chosen.name));
        }
        e.stage_done()?;
        if let Some(why) = why_not_cancellable_now(&chosen.name, &chosen.phase) {
            e.add("ops_request", why);
        }
        e.stage_done()?;
        let body = json!({
            "apiVersion": Kind::OpsRequest.api_version(),
            "kind": "OpsRequest",
            "metadata": {"name": chosen.name, "namespace": ctx.namespace},
            "spec": {"cancel": true},
        });
        Ok(Request {
            kind: Kind::OpsRequest,
            namespace: ctx.namespace.clone(),
            action: RequestAction::MergePatch {
                name: chosen.name.clone(),
            },
            body,
            notes: vec![format!(
                "{}: the {} stops where it is; its phase goes Cancelling, then Cancelled",
                chosen.name, chosen.ops_type
            )],
            offer: None,
        })
    }
}

fn phase_or_new(phase: &str) -> &str {
    if phase.is_empty() {
        "not started"
    } else {
        phase
    }
}

/// Which types can be cancelled, as a sentence.
fn cancellable_types_sentence() -> String {
    format!(
        "the operator cancels only {} requests",
        CANCELLABLE_TYPES.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::examples::fixture_context;

    fn ops(name: &str, ops_type: &str, phase: &str) -> OpsRequestInfo {
        OpsRequestInfo {
            name: name.into(),
            ops_type: ops_type.into(),
            phase: phase.into(),
        }
    }

    fn with_ops(list: Vec<OpsRequestInfo>) -> FormContext {
        FormContext {
            ops_requests: list,
            ..fixture_context()
        }
    }

    #[test]
    fn only_running_scaling_requests_are_offered() {
        let ctx = with_ops(vec![
            ops("v", "VerticalScaling", "Running"),
            ops("h", "HorizontalScaling", "Pending"),
            ops("r", "Restart", "Running"),
            ops("done", "VerticalScaling", "Succeed"),
            ops("c", "HorizontalScaling", "Cancelling"),
        ]);
        let input = CancelInput::initial(&ctx);
        assert_eq!(
            input.ops_request, "",
            "two candidates: none is chosen for the user"
        );
        let fields = input.fields(&ctx);
        assert_eq!(fields[0].choices, ["v", "h"]);
        assert!(fields[0].editable);
    }

    #[test]
    fn a_lone_candidate_is_chosen_and_built_as_a_merge_patch() {
        let ctx = with_ops(vec![
            ops("v", "VerticalScaling", "Running"),
            ops("r", "Restart", "Running"),
        ]);
        let input = CancelInput::initial(&ctx);
        let request = input.validate(&ctx).unwrap();
        assert_eq!(
            request.action,
            RequestAction::MergePatch { name: "v".into() }
        );
        assert_eq!(request.body["spec"], json!({"cancel": true}));
        assert_eq!(request.body["metadata"]["namespace"], "demo");
    }

    #[test]
    fn other_types_and_ended_requests_say_why() {
        let ctx = with_ops(vec![
            ops("r", "Restart", "Running"),
            ops("done", "VerticalScaling", "Succeed"),
            ops("c", "HorizontalScaling", "Cancelling"),
        ]);
        let refused = |name: &str| {
            let mut input = CancelInput::initial(&ctx);
            input.preselect(&ctx, name);
            input.validate(&ctx).unwrap_err()[0].message.clone()
        };
        assert_eq!(
            refused("r"),
            "r: a Restart cannot be cancelled: the operator honours spec.cancel only for VerticalScaling and HorizontalScaling"
        );
        assert_eq!(
            refused("done"),
            "done has ended (Succeed): there is nothing to cancel"
        );
        assert_eq!(refused("c"), "c is already being cancelled");
        let input = CancelInput::initial(&ctx);
        let field = &input.fields(&ctx)[0];
        assert!(!field.editable);
        assert_eq!(
            field.hint.as_deref(),
            Some("pg-cluster has no running VerticalScaling or HorizontalScaling request")
        );
        assert_eq!(
            input.validate(&ctx).unwrap_err()[0].message,
            "pg-cluster has no running request to cancel; the operator cancels only VerticalScaling and HorizontalScaling requests"
        );
    }
}
