//! Reconfigure: `key = value` rows checked against the PostgreSQL parameter rules of the
//! cluster's major version.

use serde_json::json;

use super::checks::{self, Errors};
use super::request::ops_request;
use super::{FieldError, FieldKind, FieldSpec, FormContext, OpKind, Request, UnknownField};
use crate::domain::pg_params::{self, ParamError, Scope, ValueMode};

/// Reconfigure form input.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconfigureInput {
    /// Field `component`.
    pub(crate) component: String,
    /// Field `parameters` (multi-line): one `key = value` row per line; blank lines and
    /// lines starting with `#` are skipped; a value wrapped in single quotes (postgresql.conf
    /// style) is unwrapped.
    pub(crate) parameters: String,
}

/// One parsed row.
struct Row<'a> {
    /// 1-based line in the text.
    line: usize,
    key: &'a str,
    value: &'a str,
}

/// The state of one `name = value` row, to mark rows while the user types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowCheck {
    /// 1-based line in the `parameters` text.
    pub line: usize,
    /// The parameter name as typed (empty when the row has none).
    pub name: String,
    /// Why the row is refused, if it is.
    pub error: Option<String>,
    /// Setting it restarts PostgreSQL (static, or applied through a Patroni restart).
    pub restart_required: bool,
}

impl ReconfigureInput {
    /// The form as it opens: fields from the cluster's current values and defaults.
    pub(crate) fn initial(ctx: &FormContext) -> Self {
        ReconfigureInput {
            component: ctx.component_names().into_iter().next().unwrap_or_default(),
            parameters: String::new(),
        }
    }

    fn major(&self, ctx: &FormContext) -> Option<u32> {
        pg_params::major_of(&ctx.component(&self.component)?.service_version)
    }

    /// Parses the rows; errors carry their 1-based line.
    fn rows(&self) -> (Vec<Row<'_>>, Vec<(usize, String)>) {
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for (i, line) in self.parameters.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                errors.push((i + 1, "expected `name = value`".to_string()));
                continue;
            };
            let key = key.trim();
            let value = value.trim();
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value);
            if key.is_empty() {
                errors.push((i + 1, "the parameter name is missing".to_string()));
                continue;
            }
            rows.push(Row {
                line: i + 1,
                key,
                value,
            });
        }
        (rows, errors)
    }

    /// Some row sets a parameter whose change restarts PostgreSQL (static, or reloaded by
    /// a Patroni restart).
    pub(crate) fn restart_required(&self, ctx: &FormContext) -> bool {
        let Some(major) = self.major(ctx) else {
            return false;
        };
        self.rows()
            .0
            .iter()
            .any(|r| pg_params::lookup(major, r.key).is_some_and(|p| p.restart_required()))
    }

    /// Every row with its own verdict (syntax, then the parameter rules of the cluster's
    /// major), in line order; empty while the major version is unknown.
    pub(crate) fn row_checks(&self, ctx: &FormContext) -> Vec<RowCheck> {
        let Some(major) = self.major(ctx) else {
            return Vec::new();
        };
        let (rows, errors) = self.rows();
        let mut checks: Vec<RowCheck> = errors
            .into_iter()
            .map(|(line, message)| RowCheck {
                line,
                name: String::new(),
                error: Some(message),
                restart_required: false,
            })
            .collect();
        for r in rows {
            let result = pg_params::validate(major, r.key, r.value, ValueMode::Form);
            checks.push(RowCheck {
                line: r.line,
                name: r.key.to_string(),
                restart_required: result.as_ref().is_ok_and(|n| n.restart_required),
                error: result.err().map(|e| e.to_string()),
            });
        }
        checks.sort_by_key(|c| c.line);
        checks
    }

    /// Parameter names of the component's major starting with `prefix`.
    pub(crate) fn completions(&self, ctx: &FormContext, prefix: &str) -> Vec<String> {
        self.major(ctx)
            .map(|m| {
                pg_params::completions(m, prefix)
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What `name` accepts and when a change applies.
    pub(crate) fn parameter_hint(&self, ctx: &FormContext, name: &str) -> Option<String> {
        let rule = pg_params::lookup(self.major(ctx)?, name.trim())?;
        let when = match rule.scope {
            Scope::Immutable => "immutable: cannot be changed",
            Scope::Static => "static: restart required",
            Scope::Dynamic if rule.patroni_restart_on_reload => {
                "dynamic, but applied by restarting the primary: the secondaries need a Restart"
            }
            Scope::Dynamic => "dynamic: applied by reload",
        };
        Some(format!("{}; {when}", rule.describe()))
    }

    pub(super) fn fields(&self, ctx: &FormContext) -> Vec<FieldSpec> {
        let hint = match (ctx.component(&self.component), self.major(ctx)) {
            (Some(c), Some(m)) => format!(
                "PostgreSQL {m} (serviceVersion {}): one `name = value` per line",
                c.service_version
            ),
            _ => "one `name = value` per line".to_string(),
        };
        vec![
            FieldSpec::new("component", "Component", FieldKind::Choice, &self.component)
                .choices(ctx.component_names()),
            FieldSpec::new(
                "parameters",
                "Parameters",
                FieldKind::Lines,
                &self.parameters,
            )
            .hint(hint),
        ]
    }

    pub(super) fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        match field {
            "component" => self.component = value.trim().to_string(),
            "parameters" => self.parameters = value.to_string(),
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    pub(super) fn validate(&self, ctx: &FormContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        checks::required(&mut e, "component", "component", &self.component);
        let (rows, row_errors) = self.rows();
        if rows.is_empty() && row_errors.is_empty() {
            e.add("parameters", "add at least one `name = value` row");
        }
        for (line, msg) in row_errors {
            e.add("parameters", format!("line {line}: {msg}"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for r in &rows {
            if !seen.insert(r.key) {
                e.add("parameters", format!("parameter {} is set twice", r.key));
            }
        }
        e.stage_done()?;
        // operator rules: the cluster phase and component, then the Parameter controller's
        // checks (unknown, immutable, value by type) for the cluster's major version.
        checks::phase_allows(&mut e, ctx, OpKind::Reconfiguring);
        checks::component_exists(&mut e, "component", ctx, &self.component);
        e.stage_done()?;
        let Some(major) = self.major(ctx) else {
            let version = ctx
                .component(&self.component)
                .map(|c| c.service_version.as_str())
                .unwrap_or_default();
            return Err(vec![FieldError::new(
                "component",
                format!("cannot tell the PostgreSQL major version from serviceVersion {version:?}"),
            )]);
        };
        let mut notes = Vec::new();
        let mut restart_on_reload = Vec::new();
        let mut parameters = Vec::new();
        for r in &rows {
            match pg_params::validate(major, r.key, r.value, ValueMode::Form) {
                Ok(n) => {
                    if n.scope == Scope::Static {
                        notes.push(format!(
                            "{}: restart required (static parameter, rolling restart)",
                            n.name
                        ));
                    } else if n.restart_required {
                        restart_on_reload.push(n.name);
                    }
                    parameters.push(json!({"key": n.name, "value": n.value}));
                }
                Err(err @ ParamError::UnsupportedMajor(_)) => e.add("component", err.to_string()),
                Err(err @ ParamError::NotFound(_)) => {
                    let hint = suggestion(major, r.key)
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    e.add("parameters", format!("{err}{hint}"));
                }
                Err(err) => e.add("parameters", err.to_string()),
            }
        }
        e.stage_done()?;
        let offer = (!restart_on_reload.is_empty()).then(|| {
            notes.push(format!(
                "{}: applied by a Patroni restart of the primary only; the secondaries keep \
                 the old value, pending restart, until they restart (kubeblocks-addons#1691): \
                 run a Restart of {} afterwards to apply it everywhere",
                restart_on_reload.join(", "),
                self.component
            ));
            OpKind::Restart
        });
        let mut request = ops_request(
            ctx,
            "Reconfiguring",
            "reconfigures",
            json!([{"componentName": self.component, "parameters": parameters}]),
            notes,
        );
        request.offer = offer;
        Ok(request)
    }
}

/// The settable parameter of `major` closest to a mistyped name: same name in another case,
/// or within two edits.
fn suggestion(major: u32, name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let candidates = pg_params::completions(major, "");
    if let Some(exact) = candidates.iter().find(|c| **c == lower) {
        return Some(exact);
    }
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over bytes (parameter names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_checks_mark_each_line() {
        let ctx = crate::forms::examples::fixture_context();
        let input = ReconfigureInput {
            component: "postgresql".into(),
            parameters:
                "shared_buffers = 1GB\n\nwork_mem 8MB\nmax_connections = 1\n = 3\nwork_mem = 4MB"
                    .into(),
        };
        let checks = input.row_checks(&ctx);
        let summary: Vec<(usize, &str, Option<&str>, bool)> = checks
            .iter()
            .map(|c| {
                (
                    c.line,
                    c.name.as_str(),
                    c.error.as_deref(),
                    c.restart_required,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, "shared_buffers", None, true),
                (3, "", Some("expected `name = value`"), false),
                (
                    4,
                    "max_connections",
                    Some("max_connections must be an integer between 6 and 8388607"),
                    false
                ),
                (5, "", Some("the parameter name is missing"), false),
                (6, "work_mem", None, false),
            ]
        );
        let unknown = ReconfigureInput {
            component: "nope".into(),
            ..input
        };
        assert!(unknown.row_checks(&ctx).is_empty());
    }

    #[test]
    fn suggestions_for_mistyped_names() {
        assert_eq!(suggestion(16, "Max_Connections"), Some("max_connections"));
        assert_eq!(suggestion(16, "max_conections"), Some("max_connections"));
        assert_eq!(suggestion(16, "shared_bufers"), Some("shared_buffers"));
        assert_eq!(suggestion(16, "completely_unknown"), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
