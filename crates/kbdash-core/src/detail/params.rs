//! PostgreSQL parameters as Reconfiguring requests changed them: what each request set, the
//! value it replaced where an earlier request of the same cluster set it, and the value each
//! parameter has after the last request that succeeded.
//!
//! These are the changes kbdash can see (the requests still listed), not the server's whole
//! configuration: a parameter no listed request set has the addon's value, which kbdash does
//! not load, and is shown as unknown rather than guessed (docs/kubeblocks.md#reconfigure).

use serde_json::Value;

use crate::rows::{Atom, OpsRow, OpsSpec, array, text, text_or_empty};

/// One `spec.reconfigures[].parameters[]` entry of a Reconfiguring request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParamSetting {
    /// `componentName` of the entry.
    pub component: Atom,
    /// `key`, e.g. `max_connections`.
    pub key: Atom,
    /// `value`; `None` for a null value (the parameter is reset).
    pub value: Option<String>,
}

/// The parameters a Reconfiguring request object sets, in order.
pub fn from_ops(op: &Value) -> Vec<ParamSetting> {
    array(op, &["spec", "reconfigures"])
        .iter()
        .flat_map(|r| {
            let component = Atom::new(&text_or_empty(r, &["componentName"]));
            array(r, &["parameters"]).iter().map(move |p| ParamSetting {
                component: component.clone(),
                key: Atom::new(&text_or_empty(p, &["key"])),
                value: text(p, &["value"]),
            })
        })
        .collect()
}

/// What a request's settings are, when it is a Reconfiguring one.
pub fn settings(op: &OpsRow) -> &[ParamSetting] {
    match op.spec.as_deref() {
        Some(OpsSpec::Reconfigure(settings)) => settings,
        _ => &[],
    }
}

/// One parameter a request changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'a> {
    /// The setting.
    pub setting: &'a ParamSetting,
    /// The value before: the one the latest earlier successful request of the same cluster set;
    /// `None` when no listed request set it (unknown).
    pub old: Option<&'a Option<String>>,
}

/// The changes `op` makes, against the requests of its cluster in `history` (any order).
pub fn changes<'a>(op: &'a OpsRow, history: &[&'a OpsRow]) -> Vec<Change<'a>> {
    let earlier: Vec<&OpsRow> = sorted(history)
        .into_iter()
        .filter(|o| o.phase == "Succeed" && order(o) < order(op))
        .collect();
    settings(op)
        .iter()
        .map(|setting| Change {
            setting,
            old: earlier
                .iter()
                .rev()
                .find_map(|o| latest_setting(o, setting))
                .map(|s| &s.value),
        })
        .collect()
}

/// A parameter's value after the last successful request that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Current<'a> {
    /// The setting that holds.
    pub setting: &'a ParamSetting,
    /// The request that set it.
    pub by: &'a OpsRow,
}

/// Every parameter the successful requests in `history` set, with its latest value, sorted by
/// component and name.
pub fn current<'a>(history: &[&'a OpsRow]) -> Vec<Current<'a>> {
    let mut out: Vec<Current<'a>> = Vec::new();
    for op in sorted(history).into_iter().filter(|o| o.phase == "Succeed") {
        for setting in settings(op) {
            out.retain(|c| {
                (&c.setting.component, &c.setting.key) != (&setting.component, &setting.key)
            });
            out.push(Current { setting, by: op });
        }
    }
    out.sort_by(|a, b| {
        (&a.setting.component, &a.setting.key).cmp(&(&b.setting.component, &b.setting.key))
    });
    out
}

fn latest_setting<'a>(op: &'a OpsRow, like: &ParamSetting) -> Option<&'a ParamSetting> {
    settings(op)
        .iter()
        .rev()
        .find(|s| s.component == like.component && s.key == like.key)
}

/// Requests in the order they were made: creation time, then name.
fn order(op: &OpsRow) -> (Option<chrono::DateTime<chrono::Utc>>, &str) {
    (op.created, op.key.name.as_str())
}

fn sorted<'a>(history: &[&'a OpsRow]) -> Vec<&'a OpsRow> {
    let mut ops: Vec<&OpsRow> = history
        .iter()
        .copied()
        .filter(|o| !settings(o).is_empty())
        .collect();
    ops.sort_by(|a, b| order(a).cmp(&order(b)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::ObjKey;
    use serde_json::json;

    fn op(name: &str, minute: u32, phase: &str, params: Value) -> OpsRow {
        let v = json!({"metadata": {"name": name, "namespace": "n",
                "creationTimestamp": format!("2025-06-04T11:{minute:02}:00Z")},
            "spec": {"type": "Reconfiguring", "clusterName": "c",
                "reconfigures": [{"componentName": "postgresql", "parameters": params}]},
            "status": {"phase": phase}});
        OpsRow::from_value(&v)
    }

    #[test]
    fn old_values_come_from_the_latest_earlier_success() {
        let a = op(
            "a",
            1,
            "Succeed",
            json!([{"key": "max_connections", "value": "200"}]),
        );
        let failed = op(
            "b",
            2,
            "Failed",
            json!([{"key": "max_connections", "value": "300"}]),
        );
        let c = op(
            "c",
            3,
            "Succeed",
            json!([{"key": "max_connections", "value": "400"}, {"key": "work_mem", "value": null}]),
        );
        assert_eq!(c.key, ObjKey::new("n", "c"));
        let history = [&c, &failed, &a];
        let got = changes(&c, &history);
        assert_eq!(got[0].old, Some(&Some("200".to_string())));
        assert_eq!(got[0].setting.value.as_deref(), Some("400"));
        assert_eq!(got[1].old, None, "no earlier request set it: unknown");
        assert_eq!(changes(&a, &history)[0].old, None);
        let now = current(&history);
        let values: Vec<(&str, Option<&str>, &str)> = now
            .iter()
            .map(|c| {
                (
                    c.setting.key.as_str(),
                    c.setting.value.as_deref(),
                    c.by.key.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                ("max_connections", Some("400"), "c"),
                ("work_mem", None, "c")
            ]
        );
    }
}
