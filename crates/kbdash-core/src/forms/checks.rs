//! Checks shared by several forms.

use super::{FieldError, FormContext, OpKind, allowed_cluster_phases};
use crate::domain::quantity::{Quantity, QuantityError};

/// Errors of one validation stage; [`Errors::stage_done`] stops validation after a stage
/// that found any, so later stages never report consequences of earlier mistakes.
#[derive(Debug, Default)]
pub(super) struct Errors(Vec<FieldError>);

impl Errors {
    pub(super) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub(super) fn stage_done(&mut self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(std::mem::take(&mut self.0))
        }
    }
}

/// Field rule: a choice that must be made.
pub(super) fn required(errors: &mut Errors, field: &str, label: &str, value: &str) {
    if value.trim().is_empty() {
        errors.add(field, format!("{label} is required"));
    }
}

/// Operator rule: the component exists, in the operator's wording.
pub(super) fn component_exists(errors: &mut Errors, field: &str, ctx: &FormContext, name: &str) {
    if ctx.component(name).is_none() {
        errors.add(
            field,
            format!(
                "components: [{name}] not found, in cluster.spec.componentSpecs or cluster.spec.shardingSpecs"
            ),
        );
    }
}

/// Operator rule: the cluster phase allows the op, in the operator's wording.
pub(super) fn phase_allows(errors: &mut Errors, ctx: &FormContext, op: OpKind) {
    let Some(allowed) = allowed_cluster_phases(op) else {
        return;
    };
    if !allowed.contains(&ctx.phase.as_str()) {
        let subject = match op.ops_type() {
            Some(t) => format!("OpsRequest.spec.type={t}"),
            None => op.title().to_string(),
        };
        errors.add(
            "",
            format!(
                "{subject} is forbidden when Cluster.status.phase={}",
                ctx.phase
            ),
        );
    }
}

/// Field rule: a positive Kubernetes quantity.
pub(super) fn positive_quantity(
    errors: &mut Errors,
    field: &str,
    label: &str,
    value: &str,
) -> Option<Quantity> {
    match Quantity::parse(value.trim()) {
        Ok(q) if q.nanos() > 0 => Some(q),
        Ok(_) => {
            errors.add(field, format!("{label} must be greater than 0"));
            None
        }
        Err(QuantityError::Syntax) => {
            errors.add(field, not_a_quantity(label, value.trim()));
            None
        }
        Err(e) => {
            errors.add(field, format!("{label}: {e}"));
            None
        }
    }
}

/// Why `value` is not a quantity, in words and with the quantity meant where it can be told
/// (`8gb` → `8Gi`), rather than the API server's regular expression.
fn not_a_quantity(label: &str, value: &str) -> String {
    let example = "a number with an optional suffix, e.g. 2, 500m, 512Mi or 8Gi";
    match suggest_quantity(value) {
        Some(meant) => format!("{label}: \"{value}\" is not a quantity: use {meant}"),
        None => format!("{label}: \"{value}\" is not a quantity: use {example}"),
    }
}

/// The quantity a common slip means: a byte unit in another spelling (`8gb`, `8 GiB`,
/// `512m b`) or a CPU count with a word (`2 cores`).
fn suggest_quantity(value: &str) -> Option<String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(split);
    if number.is_empty() || number.parse::<f64>().is_err() {
        return None;
    }
    let suffix = match unit.to_ascii_lowercase().as_str() {
        "k" | "kb" | "kib" | "ki" => "Ki",
        "mb" | "mib" => "Mi",
        "g" | "gb" | "gib" | "gi" => "Gi",
        "t" | "tb" | "tib" | "ti" => "Ti",
        "pb" | "pib" => "Pi",
        "core" | "cores" | "cpu" | "cpus" | "vcpu" | "vcpus" => "",
        _ => return None,
    };
    let meant = format!("{number}{suffix}");
    Quantity::parse(&meant).is_ok().then_some(meant)
}

/// A DNS-1123 label (Service names, ...): lowercase alphanumerics and `-`, at most 63.
pub(super) fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A DNS-1123 subdomain (object names): labels joined by `.`, at most 253.
pub(super) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Parses a toggle value.
pub(super) fn toggle(value: &str) -> bool {
    value.trim() == "true"
}

/// Splits a comma-separated multiple choice.
pub(super) fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in ["a", "internet", "pg-1", "a".repeat(63).as_str()] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", "a".repeat(64).as_str()] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(is_dns_subdomain("backup-demo.pg-cluster"));
        assert!(!is_dns_subdomain("a..b"));
    }

    #[test]
    fn a_slip_in_a_quantity_says_what_was_meant() {
        let said = |v: &str| not_a_quantity("Memory limit", v);
        assert_eq!(
            said("8gb"),
            "Memory limit: \"8gb\" is not a quantity: use 8Gi"
        );
        assert_eq!(
            said("8 GiB"),
            "Memory limit: \"8 GiB\" is not a quantity: use 8Gi"
        );
        assert_eq!(
            said("512MB"),
            "Memory limit: \"512MB\" is not a quantity: use 512Mi"
        );
        assert_eq!(
            said("2 cores"),
            "Memory limit: \"2 cores\" is not a quantity: use 2"
        );
        assert_eq!(
            said("lots"),
            "Memory limit: \"lots\" is not a quantity: use a number with an optional suffix, e.g. 2, 500m, 512Mi or 8Gi"
        );
        for v in ["8gb", "lots", "1..2Gi", "Gi"] {
            assert!(!said(v).contains("regular expression"), "{v}");
        }
    }

    #[test]
    fn lists_and_toggles() {
        assert_eq!(split_list(" a, ,b "), vec!["a", "b"]);
        assert!(toggle("true") && !toggle("yes") && !toggle(""));
    }
}
