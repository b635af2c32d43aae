//! Checks shared by several forms.

use super::{FieldError, FormContext, OpKind, allowed_cluster_phases};
use crate::domain::quantity::Quantity;

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
        Err(e) => {
            errors.add(field, format!("{label}: {e}"));
            None
        }
    }
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
    fn lists_and_toggles() {
        assert_eq!(split_list(" a, ,b "), vec!["a", "b"]);
        assert!(toggle("true") && !toggle("yes") && !toggle(""));
    }
}
