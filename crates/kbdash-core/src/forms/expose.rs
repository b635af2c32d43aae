//! Expose: enable or disable a Service for a component, with load balancer presets.

use serde_json::{Map, json};

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};

/// Annotations for a cloud's load balancer, filled into the editable annotations field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AnnotationPreset {
    /// Choice value, e.g. `aws-internal`.
    pub(crate) name: &'static str,
    /// The annotations it fills in, `(key, value)`.
    pub(crate) annotations: &'static [(&'static str, &'static str)],
}

/// Load balancer presets for AWS, Azure, GCP and Alibaba Cloud, internal or internet-facing.
pub(crate) const ANNOTATION_PRESETS: &[AnnotationPreset] = &[
    AnnotationPreset {
        name: "none",
        annotations: &[],
    },
    AnnotationPreset {
        name: "aws-internal",
        annotations: &[
            ("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"),
            (
                "service.beta.kubernetes.io/aws-load-balancer-internal",
                "true",
            ),
        ],
    },
    AnnotationPreset {
        name: "aws-internet-facing",
        annotations: &[
            ("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"),
            (
                "service.beta.kubernetes.io/aws-load-balancer-internal",
                "false",
            ),
        ],
    },
    AnnotationPreset {
        name: "azure-internal",
        annotations: &[(
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            "true",
        )],
    },
    AnnotationPreset {
        name: "azure-internet-facing",
        annotations: &[(
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            "false",
        )],
    },
    AnnotationPreset {
        name: "gcp-internal",
        annotations: &[("networking.gke.io/load-balancer-type", "Internal")],
    },
    AnnotationPreset {
        name: "gcp-internet-facing",
        annotations: &[("cloud.google.com/l4-rbs", "enabled")],
    },
    AnnotationPreset {
        name: "alibaba-internal",
        annotations: &[(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
            "intranet",
        )],
    },
    AnnotationPreset {
        name: "alibaba-internet-facing",
        annotations: &[(
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
            "internet",
        )],
    },
];

const SWITCHES: [&str; 2] = ["Enable", "Disable"];
const SERVICE_TYPES: [&str; 3] = ["ClusterIP", "NodePort", "LoadBalancer"];
const ROLES: [&str; 2] = ["primary", "secondary"];

/// Expose form input.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposeInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `switch`: `Enable` or `Disable`.
    pub(crate) switch: String,
    /// Field `service_name`: a DNS label such as `internet` or `vpc`.
    pub(crate) service_name: String,
    /// Field `service_type`: `ClusterIP`, `NodePort` or `LoadBalancer`.
    pub(crate) service_type: String,
    /// Field `role_selector`: `primary` or `secondary`.
    pub(crate) role_selector: String,
    /// Field `preset` (LoadBalancer only): an [`ANNOTATION_PRESETS`] name; setting it fills
    /// `annotations`.
    pub(crate) preset: String,
    /// Field `annotations` (multi-line, LoadBalancer only): `key: value` rows; ignored for
    /// other service types.
    pub(crate) annotations: String,
}

impl ExposeInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        ExposeInput {
            component: ctx.component_names().into_iter().next().unwrap_or_default(),
            switch: "Enable".to_string(),
            service_name: "vpc".to_string(),
            service_type: "LoadBalancer".to_string(),
            role_selector: "primary".to_string(),
            preset: "none".to_string(),
            annotations: String::new(),
        }
    }

    fn load_balancer(&self) -> bool {
        self.service_type == "LoadBalancer"
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let mut fields = vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new("switch", "Switch", FieldKind::Choice, &self.switch).choices(SWITCHES),
            FieldSpec::new(
                "service_name",
                "Service name",
                FieldKind::Text,
                &self.service_name,
            ),
            FieldSpec::new(
                "service_type",
                "Type",
                FieldKind::Choice,
                &self.service_type,
            )
            .choices(SERVICE_TYPES),
            FieldSpec::new(
                "role_selector",
                "Role",
                FieldKind::Choice,
                &self.role_selector,
            )
            .choices(ROLES),
            FieldSpec::new("preset", "Cloud preset", FieldKind::Choice, &self.preset)
                .choices(ANNOTATION_PRESETS.iter().map(|p| p.name))
                .hint("fills the annotations below"),
            FieldSpec::new(
                "annotations",
                "Annotations",
                FieldKind::Lines,
                &self.annotations,
            )
            .hint("one `key: value` per line"),
        ];
        // Annotations configure cloud load balancers: shown for LoadBalancer only.
        if !self.load_balancer() {
            fields.retain(|f| f.name != "preset" && f.name != "annotations");
        }
        fields
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "component" => self.component = value.trim().to_string(),
            "switch" => self.switch = value.trim().to_string(),
            "service_name" => self.service_name = value.trim().to_string(),
            "service_type" => self.service_type = value.trim().to_string(),
            "role_selector" => self.role_selector = value.trim().to_string(),
            "preset" => {
                self.preset = value.trim().to_string();
                if let Some(p) = ANNOTATION_PRESETS.iter().find(|p| p.name == self.preset) {
                    self.annotations = p
                        .annotations
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}\n"))
                        .collect();
                }
            }
            "annotations" => self.annotations = value.to_string(),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    /// Parses `key: value` rows (also `key=value`), reporting bad rows.
    fn annotation_map(&self, e: &mut Errors) -> Map<String, serde_json::Value> {
        let mut map = Map::new();
        for (i, line) in self.annotations.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once(':').or_else(|| line.split_once('=')) else {
                e.add(
                    "annotations",
                    format!("line {}: expected `key: value`", i + 1),
                );
                continue;
            };
            let (k, v) = (k.trim(), v.trim().trim_matches('"'));
            if !is_qualified_key(k) {
                e.add(
                    "annotations",
                    format!("line {}: {k:?} is not a valid annotation key", i + 1),
                );
            } else if map.insert(k.to_string(), json!(v)).is_some() {
                e.add("annotations", format!("annotation {k} is set twice"));
            }
        }
        map
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        if !SWITCHES.contains(&self.switch.as_str()) {
            e.add("switch", "switch must be Enable or Disable");
        }
        if !checks::is_dns_label(&self.service_name) {
            e.add(
                "service_name",
                "service name must be lowercase letters, digits and '-', at most 63 characters",
            );
        }
        if !SERVICE_TYPES.contains(&self.service_type.as_str()) {
            e.add(
                "service_type",
                "type must be ClusterIP, NodePort or LoadBalancer",
            );
        }
        if !ROLES.contains(&self.role_selector.as_str()) {
            e.add("role_selector", "role must be primary or secondary");
        }
        let annotations = if self.load_balancer() {
            self.annotation_map(&mut e)
        } else {
            Map::new()
        };
        e.stage_done()?;
        checks::phase_allows(&mut e, ctx, OpKind::Expose);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let mut service = Map::new();
        service.insert("name".into(), json!(self.service_name));
        service.insert("serviceType".into(), json!(self.service_type));
        service.insert("roleSelector".into(), json!(self.role_selector));
        if !annotations.is_empty() {
            service.insert("annotations".into(), annotations.into());
        }
        Ok(ops_request(
            ctx,
            "Expose",
            "expose",
            json!([{
                "componentName": self.component,
                "switch": self.switch,
                "services": [service],
            }]),
            Vec::new(),
        ))
    }
}

/// A Kubernetes qualified name, optionally prefixed by a DNS subdomain and `/`.
fn is_qualified_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    name_ok && prefix.is_none_or(checks::is_dns_subdomain)
}
