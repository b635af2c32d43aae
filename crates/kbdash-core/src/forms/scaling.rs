//! Horizontal scaling (out by a number of replicas, in by the instances chosen) and vertical
//! scaling.

use serde_json::{Map, Value, json};

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{
    FieldError, FieldKind, FieldSpec, FormContext, OpKind, PodInfo, Request, UnknownField,
};
use crate::domain::quantity::Quantity;

/// The operator's default replica limit (`replicasLimit` absent from the PostgreSQL cmpd).
const MAX_REPLICAS: u64 = 16384;

/// Which way a horizontal scaling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleDirection {
    /// Add `replica_changes` replicas.
    Out,
    /// Remove the chosen `instances` (`onlineInstancesToOffline`): the pods that go are
    /// the ones picked, not whichever the InstanceSet would remove.
    In,
}

impl ScaleDirection {
    const CHOICES: [&'static str; 2] = ["out", "in"];

    fn as_str(self) -> &'static str {
        match self {
            ScaleDirection::Out => "out",
            ScaleDirection::In => "in",
        }
    }

    fn parse(s: &str) -> Option<ScaleDirection> {
        match s.trim() {
            "out" => Some(ScaleDirection::Out),
            "in" => Some(ScaleDirection::In),
            _ => None,
        }
    }
}

/// Horizontal scaling form input.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizontalScalingInput {
    /// Field `component` (choice of components).
    pub(crate) component: String,
    /// Field `direction` (choice `out`, `in`).
    pub direction: ScaleDirection,
    /// Field `replica_changes` (text, whole number), shown for out only.
    pub(crate) replica_changes: String,
    /// Field `instances` (multiple choice of the component's pods, secondaries first), shown
    /// for in only: the pods to remove.
    pub instances: Vec<String>,
    /// Field `allow_primary` (toggle, shown for in): allow removing the primary.
    pub(crate) allow_primary: bool,
}

impl HorizontalScalingInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        HorizontalScalingInput {
            component: ctx.component_names().into_iter().next().unwrap_or_default(),
            direction: ScaleDirection::Out,
            replica_changes: "1".to_string(),
            instances: Vec::new(),
            allow_primary: false,
        }
    }

    /// Starts from pod `name`, when it is one of the cluster's: its component, and the pod
    /// picked among the instances to remove (shown once the direction is in).
    pub(crate) fn preselect(&mut self, ctx: &FormContext, name: &str) {
        if let Some(pod) = ctx.pods.iter().find(|p| p.name == name) {
            self.component = pod.component.clone();
            self.instances = vec![pod.name.clone()];
        }
    }

    /// Replicas after the change, when the input is readable.
    pub(crate) fn resulting_replicas(&self, ctx: &FormContext) -> Option<i64> {
        let current = i64::from(ctx.component(&self.component)?.replicas);
        match self.direction {
            ScaleDirection::Out => Some(current + self.changes()?),
            ScaleDirection::In if self.instances.is_empty() => None,
            ScaleDirection::In => Some(current - self.instances.len() as i64),
        }
    }

    fn changes(&self) -> Option<i64> {
        let s = self.replica_changes.trim();
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    }

    /// The component's pods in the order they are offered for removal: secondaries (and
    /// pods without a role) first, the primary last.
    fn removal_order<'a>(&self, ctx: &'a FormContext) -> Vec<&'a PodInfo> {
        let mut pods = ctx.pods_of(&self.component);
        pods.sort_by_key(|p| p.role.as_deref() == Some("primary"));
        pods
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let current = ctx.component(&self.component).map(|c| c.replicas);
        let result = match (current, self.resulting_replicas(ctx)) {
            (Some(c), Some(r)) => format!("replicas {c} -> {r}"),
            (Some(c), None) => format!("replicas {c}"),
            _ => String::new(),
        };
        let primary = ctx
            .primary_of(&self.component)
            .map(|p| format!("; primary {} (last)", p.name))
            .unwrap_or_default();
        let mut fields = vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new(
                "direction",
                "Direction",
                FieldKind::Choice,
                self.direction.as_str(),
            )
            .choices(ScaleDirection::CHOICES),
            FieldSpec::new(
                "replica_changes",
                "Replicas to add",
                FieldKind::Text,
                &self.replica_changes,
            )
            .hint(result.clone()),
            FieldSpec::new(
                "instances",
                "Instances to remove",
                FieldKind::MultiChoice,
                self.instances.join(","),
            )
            .hint(format!("{result}; secondaries first{primary}"))
            .choices(self.removal_order(ctx).into_iter().map(|p| p.name.clone())),
            FieldSpec::new(
                "allow_primary",
                "Allow removing the primary",
                FieldKind::Toggle,
                self.allow_primary.to_string(),
            ),
        ];
        // Only the fields the direction uses are shown.
        fields.retain(|f| match f.name.as_str() {
            "replica_changes" => self.direction == ScaleDirection::Out,
            "instances" | "allow_primary" => self.direction == ScaleDirection::In,
            _ => true,
        });
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "component" => self.component = value.trim().to_string(),
            "direction" => {
                self.direction = ScaleDirection::parse(value).unwrap_or(self.direction);
            }
            "replica_changes" => self.replica_changes = value.to_string(),
            "instances" => self.instances = checks::split_list(value),
            "allow_primary" => self.allow_primary = checks::toggle(value),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        // field rules
        checks::required(&mut e, "component", "component", &self.component);
        let changes = match self.direction {
            ScaleDirection::In => {
                if self.instances.is_empty() {
                    e.add(
                        "instances",
                        "pick the instances to remove (space picks the one under the cursor)",
                    );
                }
                let mut seen = std::collections::BTreeSet::new();
                for name in &self.instances {
                    if !seen.insert(name) {
                        e.add("instances", format!("instance {name} is listed twice"));
                    }
                }
                self.instances.len() as i64
            }
            ScaleDirection::Out => match self.changes() {
                Some(n) if n >= 1 => n,
                _ => {
                    e.add(
                        "replica_changes",
                        "replicas to add must be a whole number of at least 1",
                    );
                    0
                }
            },
        };
        e.stage_done()?;
        // operator rules
        checks::phase_allows(&mut e, ctx, OpKind::HorizontalScaling);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let comp = &self.component;
        let current = ctx.component(comp).map_or(0, |c| i64::from(c.replicas));
        match self.direction {
            ScaleDirection::Out if current + changes > MAX_REPLICAS as i64 => e.add(
                "replica_changes",
                format!(
                    "the number of replicas after scaling up violates the replica limit for component \"{comp}\""
                ),
            ),
            ScaleDirection::In if changes > current => e.add(
                "instances",
                format!(
                    "\"scaleIn.replicaChanges\" can't be greater than {current} for component \"{comp}\""
                ),
            ),
            _ => {}
        }
        e.stage_done()?;
        // kbdash's own checks
        if self.direction == ScaleDirection::In {
            if current - changes < 1 {
                e.add(
                    "instances",
                    format!("scale-in must leave at least 1 replica of {comp} (it has {current})"),
                );
            }
            let pods = ctx.pods_of(comp);
            for name in &self.instances {
                if !pods.iter().any(|p| &p.name == name) {
                    e.add(
                        "instances",
                        format!("instance {name} is not a pod of component {comp}"),
                    );
                }
            }
            if !self.allow_primary
                && let Some(primary) = ctx.primary_of(comp)
                && self.instances.contains(&primary.name)
            {
                e.add(
                    "instances",
                    format!(
                        "{} is the primary: pick secondaries, or allow removing the primary",
                        primary.name
                    ),
                );
            }
        }
        e.stage_done()?;
        let body = match self.direction {
            ScaleDirection::Out => json!({"scaleOut": {"replicaChanges": changes}}),
            ScaleDirection::In => json!({"scaleIn": {
                "replicaChanges": changes,
                "onlineInstancesToOffline": self.instances,
            }}),
        };
        let mut item = Map::new();
        item.insert("componentName".into(), json!(comp));
        if let Value::Object(section) = body {
            item.extend(section);
        }
        let result = match self.direction {
            ScaleDirection::Out => current + changes,
            ScaleDirection::In => current - changes,
        };
        let mut notes = vec![format!("{comp}: replicas {current} -> {result}")];
        if self.direction == ScaleDirection::In {
            notes.push(format!("pods deleted: {}", self.instances.join(", ")));
        }
        Ok(ops_request(
            ctx,
            "HorizontalScaling",
            "horizontalScaling",
            json!([item]),
            notes,
        ))
    }
}

/// Vertical scaling form input: quantities as typed; an empty one is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct VerticalScalingInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `cpu_request`.
    pub(crate) cpu_request: String,
    /// Field `cpu_limit`.
    pub(crate) cpu_limit: String,
    /// Field `memory_request`.
    pub(crate) memory_request: String,
    /// Field `memory_limit`.
    pub(crate) memory_limit: String,
}

const RESOURCE_FIELDS: [(&str, &str); 4] = [
    ("cpu_request", "CPU request"),
    ("cpu_limit", "CPU limit"),
    ("memory_request", "Memory request"),
    ("memory_limit", "Memory limit"),
];

impl VerticalScalingInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        let comp = ctx.components.first();
        let get = |f: fn(&super::ComponentInfo) -> &Option<String>| {
            comp.and_then(|c| f(c).clone()).unwrap_or_default()
        };
        VerticalScalingInput {
            component: comp.map(|c| c.name.clone()).unwrap_or_default(),
            cpu_request: get(|c| &c.cpu_request),
            cpu_limit: get(|c| &c.cpu_limit),
            memory_request: get(|c| &c.memory_request),
            memory_limit: get(|c| &c.memory_limit),
        }
    }

    fn value(&self, field: &str) -> &str {
        match field {
            "cpu_request" => &self.cpu_request,
            "cpu_limit" => &self.cpu_limit,
            "memory_request" => &self.memory_request,
            _ => &self.memory_limit,
        }
    }

    fn current(ctx: &FormContext, component: &str, field: &str) -> Option<String> {
        let c = ctx.component(component)?;
        match field {
            "cpu_request" => c.cpu_request.clone(),
            "cpu_limit" => c.cpu_limit.clone(),
            "memory_request" => c.memory_request.clone(),
            _ => c.memory_limit.clone(),
        }
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let mut fields = vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
        ];
        for (name, label) in RESOURCE_FIELDS {
            let current =
                Self::current(ctx, &self.component, name).unwrap_or_else(|| "unset".to_string());
            fields.push(
                FieldSpec::new(name, label, FieldKind::Text, self.value(name))
                    .hint(format!("current {current}")),
            );
        }
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let slot = match field {
            "component" => &mut self.component,
            "cpu_request" => &mut self.cpu_request,
            "cpu_limit" => &mut self.cpu_limit,
            "memory_request" => &mut self.memory_request,
            "memory_limit" => &mut self.memory_limit,
            other => return Err(UnknownField(other.to_string())),
        };
        *slot = value.trim().to_string();
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        let mut parsed: Vec<Option<Quantity>> = Vec::new();
        for (name, label) in RESOURCE_FIELDS {
            let v = self.value(name);
            parsed.push(if v.is_empty() {
                None
            } else {
                checks::positive_quantity(&mut e, name, label, v)
            });
        }
        if RESOURCE_FIELDS
            .iter()
            .all(|(f, _)| self.value(f).is_empty())
        {
            e.add("cpu_request", "set at least one request or limit");
        }
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::VerticalScaling);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        for (resource, req, lim) in [("cpu", 0, 1), ("memory", 2, 3)] {
            if let (Some(r), Some(l)) = (parsed[req], parsed[lim])
                && r > l
            {
                e.add(
                    RESOURCE_FIELDS[req].0,
                    format!(
                        "invalid value for \"{}\": must be less than or equal to {resource} limit",
                        self.value(RESOURCE_FIELDS[req].0)
                    ),
                );
            }
        }
        e.stage_done()?;
        // kbdash: the resulting request must not exceed the resulting limit when only one of
        // them changes (the API server refuses such a pod spec later).
        let effective = |i: usize| {
            parsed[i].or_else(|| {
                Self::current(ctx, &self.component, RESOURCE_FIELDS[i].0)
                    .and_then(|s| Quantity::parse(&s).ok())
            })
        };
        for (resource, req, lim) in [("cpu", 0, 1), ("memory", 2, 3)] {
            if let (Some(r), Some(l)) = (effective(req), effective(lim))
                && r > l
                && (parsed[req].is_none() || parsed[lim].is_none())
            {
                let field = if parsed[req].is_some() { req } else { lim };
                e.add(
                    RESOURCE_FIELDS[field].0,
                    format!("{resource} request {r} must not exceed the {resource} limit {l}"),
                );
            }
        }
        let unchanged = RESOURCE_FIELDS.iter().zip(&parsed).all(|((f, _), q)| {
            let current =
                Self::current(ctx, &self.component, f).and_then(|s| Quantity::parse(&s).ok());
            q.is_none() || *q == current
        });
        if unchanged {
            e.add(
                "cpu_request",
                "nothing changes: the resources are already these",
            );
        }
        e.stage_done()?;
        let mut item = Map::new();
        item.insert("componentName".into(), json!(self.component));
        for (key, cpu, memory) in [("requests", 0, 2), ("limits", 1, 3)] {
            let mut res = Map::new();
            for (resource, idx) in [("cpu", cpu), ("memory", memory)] {
                let v = self.value(RESOURCE_FIELDS[idx].0);
                if !v.is_empty() {
                    res.insert(resource.into(), json!(v));
                }
            }
            if !res.is_empty() {
                item.insert(key.into(), Value::Object(res));
            }
        }
        Ok(ops_request(
            ctx,
            "VerticalScaling",
            "verticalScaling",
            json!([item]),
            vec![format!(
                "{}: pods restart one at a time (secondaries first) with the new resources",
                self.component
            )],
        ))
    }
}
