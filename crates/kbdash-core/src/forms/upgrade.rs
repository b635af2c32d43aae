//! Upgrade: another service version of the same PostgreSQL major. The addon's
//! ComponentVersion pairs each release only with the compDefs of its own major
//! (docs/kubeblocks.md#type-checks, Upgrade), so other majors are not offered, and the form
//! says so.

use serde_json::json;

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};
use crate::domain::pg_params::major_of;

/// Upgrade form input.
#[derive(Debug, Clone, PartialEq)]
pub struct UpgradeInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `service_version` (choice of the ComponentVersion releases of the same major).
    pub(crate) service_version: String,
}

impl UpgradeInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let comp = ctx.components.first();
        UpgradeInput {
            component: comp.map(|c| c.name.clone()).unwrap_or_default(),
            service_version: comp.map(|c| c.service_version.clone()).unwrap_or_default(),
        }
    }

    fn current(&self, ctx: &FormContext) -> Option<String> {
        ctx.component(&self.component)
            .map(|c| c.service_version.clone())
    }

    /// Whether the component has a single replica: it is down while its pod restarts.
    pub(crate) fn single_replica(&self, ctx: &FormContext) -> bool {
        ctx.component(&self.component)
            .is_some_and(|c| c.replicas == 1)
    }

    /// Why the ComponentVersion's releases of other majors are not offered, e.g.
    /// `17.x not offered: the ComponentVersion pairs each release with the compDefs of its
    /// own major, so an upgrade stays within PostgreSQL 16`; `None` when it has none.
    fn other_majors_note(&self, ctx: &FormContext) -> Option<String> {
        let major = self.current(ctx).as_deref().and_then(major_of)?;
        let mut others: Vec<u32> = ctx
            .releases
            .iter()
            .filter_map(|r| major_of(r))
            .filter(|m| *m != major)
            .collect();
        others.sort_unstable();
        others.dedup();
        if others.is_empty() {
            return None;
        }
        let listed: Vec<String> = others.iter().map(|m| format!("{m}.x")).collect();
        Some(format!(
            "{} not offered: {}",
            listed.join(", "),
            within_major(major)
        ))
    }

    /// Releases of the same major as the component's current version.
    pub(crate) fn candidates(&self, ctx: &FormContext) -> Vec<String> {
        let major = self.current(ctx).as_deref().and_then(major_of);
        ctx.releases
            .iter()
            .filter(|r| major.is_some() && major_of(r) == major)
            .cloned()
            .collect()
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let current = self.current(ctx).unwrap_or_default();
        vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new(
                "service_version",
                "Service version",
                FieldKind::Choice,
                &self.service_version,
            )
            .hint(
                std::iter::once(format!("current {current}"))
                    .chain(self.other_majors_note(ctx))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .choices(self.candidates(ctx)),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let slot = match field {
            "component" => &mut self.component,
            "service_version" => &mut self.service_version,
            other => return Err(UnknownField(other.to_string())),
        };
        *slot = value.trim().to_string();
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        checks::required(
            &mut e,
            "service_version",
            "service version",
            &self.service_version,
        );
        if self.service_version.len() > 32 {
            e.add(
                "service_version",
                "service version must be at most 32 characters",
            );
        }
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::Upgrade);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let current = self.current(ctx).unwrap_or_default();
        let v = &self.service_version;
        if *v == current {
            e.add(
                "service_version",
                format!("{current} is already the service version"),
            );
        } else if major_of(v).is_none() || major_of(v) != major_of(&current) {
            let why = major_of(&current)
                .map(|m| format!(": {}", within_major(m)))
                .unwrap_or_default();
            e.add(
                "service_version",
                format!("{v} is not of the same major version as the current {current}{why}"),
            );
        } else if !ctx.releases.is_empty() && !ctx.releases.contains(v) {
            e.add(
                "service_version",
                format!(
                    "{v} is not a release of the ComponentVersion (same-major releases: {})",
                    self.candidates(ctx).join(", ")
                ),
            );
        }
        e.stage_done()?;
        let notes = if self.single_replica(ctx) {
            vec![format!(
                "{}: {current} -> {v}; it has a single replica: PostgreSQL is down while its only pod restarts",
                self.component
            )]
        } else {
            vec![format!(
                "{}: {current} -> {v}, pods restart one at a time (secondaries first)",
                self.component
            )]
        };
        Ok(ops_request(
            ctx,
            "Upgrade",
            "upgrade",
            json!({"components": [{"componentName": self.component, "serviceVersion": v}]}),
            notes,
        ))
    }
}

/// Why an upgrade stays within `major`, in a user's words.
fn within_major(major: u32) -> String {
    format!(
        "the ComponentVersion pairs each release only with the compDefs of its own major \
         (postgresql-{major}-...), so an upgrade stays within PostgreSQL {major}"
    )
}
