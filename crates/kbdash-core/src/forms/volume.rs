//! Volume expansion: a larger size for one volume claim template.

use serde_json::json;

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};
use crate::domain::quantity::Quantity;

/// Volume expansion form input.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeExpansionInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `volume`: a volume claim template name (choice).
    pub(crate) volume: String,
    /// Field `storage`: the new size, a Kubernetes quantity such as `30Gi`.
    pub(crate) storage: String,
}

impl VolumeExpansionInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let comp = ctx.components.first();
        let vol = comp.and_then(|c| c.volumes.first());
        VolumeExpansionInput {
            component: comp.map(|c| c.name.clone()).unwrap_or_default(),
            volume: vol.map(|v| v.name.clone()).unwrap_or_default(),
            storage: vol.map(|v| v.storage.clone()).unwrap_or_default(),
        }
    }

    fn volume_info<'a>(&self, ctx: &'a FormContext) -> Option<&'a super::VolumeInfo> {
        ctx.component(&self.component)?
            .volumes
            .iter()
            .find(|v| v.name == self.volume)
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let volumes: Vec<String> = ctx
            .component(&self.component)
            .map(|c| c.volumes.iter().map(|v| v.name.clone()).collect())
            .unwrap_or_default();
        let current = match self.volume_info(ctx) {
            Some(v) => match &v.capacity {
                Some(c) if *c != v.storage => format!("{} (PVC capacity {c})", v.storage),
                _ => v.storage.clone(),
            },
            None => "unknown".to_string(),
        };
        vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new("volume", "Volume", FieldKind::Choice, &self.volume).choices(volumes),
            FieldSpec::new("storage", "New size", FieldKind::Text, &self.storage)
                .hint(format!("current {current}")),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let slot = match field {
            "component" => &mut self.component,
            "volume" => &mut self.volume,
            "storage" => &mut self.storage,
            other => return Err(UnknownField(other.to_string())),
        };
        *slot = value.trim().to_string();
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        checks::required(&mut e, "volume", "volume", &self.volume);
        let new = checks::positive_quantity(&mut e, "storage", "size", &self.storage);
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::VolumeExpansion);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let Some(info) = self.volume_info(ctx) else {
            return Err(vec![FieldError::new(
                "volume",
                format!(
                    "volumeClaimTemplates: [{}] not found in component: {}",
                    self.volume, self.component
                ),
            )]);
        };
        let current = info.storage.clone();
        if let (Some(new), Some(capacity)) = (new, &info.capacity)
            && Quantity::parse(capacity).is_ok_and(|c| new < c)
        {
            e.add(
                "storage",
                format!(
                    "requested storage size of volumeClaimTemplate \"{}\" can not less than status.capacity.storage \"{capacity}\" ",
                    self.volume
                ),
            );
        }
        e.stage_done()?;
        if let (Some(new), Ok(cur)) = (new, Quantity::parse(&current))
            && new <= cur
        {
            e.add(
                "storage",
                format!("the new size must be larger than the current size {current}"),
            );
        }
        e.stage_done()?;
        Ok(ops_request(
            ctx,
            "VolumeExpansion",
            "volumeExpansion",
            json!([{
                "componentName": self.component,
                "volumeClaimTemplates": [{"name": self.volume, "storage": self.storage}],
            }]),
            vec![format!(
                "{} volumes {}: {current} -> {}; volumes cannot shrink afterwards",
                self.component, self.volume, self.storage
            )],
        ))
    }
}
