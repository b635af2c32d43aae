//! Switchover (kbcli `promote`): the current primary hands over to a ready secondary.

use serde_json::{Map, json};

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};

/// The candidate choice meaning "let the addon pick any healthy secondary".
pub(crate) const ANY_SECONDARY: &str = "any healthy secondary";

/// Switchover form input. The instance is always the component's current primary (shown,
/// not editable), since the PostgreSQL action does nothing for any other pod.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchoverInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `candidate`: [`ANY_SECONDARY`] or a ready secondary's pod name.
    pub(crate) candidate: String,
}

impl SwitchoverInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        SwitchoverInput {
            component: ctx.component_names().into_iter().next().unwrap_or_default(),
            candidate: ANY_SECONDARY.to_string(),
        }
    }

    /// Starts from pod `name` when it is a ready secondary: it becomes the candidate.
    pub(crate) fn preselect(&mut self, ctx: &FormContext, name: &str) {
        if let Some(pod) = ctx.pods.iter().find(|p| p.name == name)
            && ctx
                .ready_secondaries_of(&pod.component)
                .iter()
                .any(|p| p.name == name)
        {
            self.component = pod.component.clone();
            self.candidate = pod.name.clone();
        }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let primary = ctx
            .primary_of(&self.component)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "(no primary)".to_string());
        let candidates = std::iter::once(ANY_SECONDARY.to_string()).chain(
            ctx.ready_secondaries_of(&self.component)
                .into_iter()
                .map(|p| p.name.clone()),
        );
        vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new("instance", "Current primary", FieldKind::Text, primary).read_only(),
            FieldSpec::new("candidate", "Candidate", FieldKind::Choice, &self.candidate)
                .choices(candidates),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "component" => self.component = value.trim().to_string(),
            "candidate" => self.candidate = value.trim().to_string(),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    fn any(&self) -> bool {
        self.candidate.is_empty() || self.candidate == ANY_SECONDARY
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::Switchover);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let comp = &self.component;
        let primary = ctx.primary_of(comp);
        if primary.is_none() {
            e.add(
                "instance",
                format!("component {comp} has no pod with role primary: nothing to switch over"),
            );
        }
        let secondaries = ctx.ready_secondaries_of(comp);
        if secondaries.is_empty() {
            e.add(
                "candidate",
                format!("component {comp} has no ready secondary: switchover refused"),
            );
        } else if !self.any() && !secondaries.iter().any(|p| p.name == self.candidate) {
            e.add(
                "candidate",
                format!(
                    "{} is not a ready secondary of component {comp}",
                    self.candidate
                ),
            );
        }
        e.stage_done()?;
        let mut item = Map::new();
        item.insert("componentName".into(), json!(comp));
        if let Some(p) = primary {
            item.insert("instanceName".into(), json!(p.name));
        }
        if !self.any() {
            item.insert("candidateName".into(), json!(self.candidate));
        }
        let to = if self.any() {
            "any healthy secondary"
        } else {
            self.candidate.as_str()
        };
        let note = format!(
            "primary {} hands over to {to}; connections to the primary are cut briefly",
            primary.map(|p| p.name.as_str()).unwrap_or_default()
        );
        Ok(ops_request(
            ctx,
            "Switchover",
            "switchover",
            json!([item]),
            vec![note],
        ))
    }
}
