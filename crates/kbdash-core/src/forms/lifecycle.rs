//! Restart, Stop and Start: no fields beyond the components.

use serde_json::json;

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};

/// Restart, Stop or Start form input.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleInput {
    /// [`OpKind::Restart`], [`OpKind::Stop`] or [`OpKind::Start`].
    pub(crate) op: OpKind,
    /// Field `components` (multiple choice); all of them by default, like kbcli.
    pub(crate) components: Vec<String>,
}

impl LifecycleInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(op: OpKind, ctx: &FormContext) -> Self {
        LifecycleInput {
            op,
            components: ctx.component_names(),
        }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        vec![
            FieldSpec::new(
                "components",
                "Components",
                FieldKind::MultiChoice,
                self.components.join(","),
            )
            .choices(ctx.component_names()),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "components" => self.components = checks::split_list(value),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        if self.components.is_empty() {
            e.add("components", "pick at least one component");
        }
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, self.op);
        for c in &self.components {
            checks::component_exists(&mut e, "components", ctx, c);
        }
        e.stage_done()?;
        let (ops_type, key) = match self.op {
            OpKind::Stop => ("Stop", "stop"),
            OpKind::Start => ("Start", "start"),
            _ => ("Restart", "restart"),
        };
        let items: Vec<_> = self
            .components
            .iter()
            .map(|c| json!({"componentName": c}))
            .collect();
        let list = self.components.join(", ");
        let note = match self.op {
            OpKind::Stop => format!("{list}: all pods are deleted (volumes are kept) until Start"),
            OpKind::Start => format!("{list}: pods are created again from the kept volumes"),
            _ => format!("{list}: pods restart one at a time (secondaries first)"),
        };
        Ok(ops_request(ctx, ops_type, key, json!(items), vec![note]))
    }
}
