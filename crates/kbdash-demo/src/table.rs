//! `meta.k8s.io/v1` Table answers (`Accept: application/json;as=Table;...`), the server-side
//! printing `kubectl get` asks for, with the printer columns of the real resources.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use kbdash_core::kinds::{Kind, PrinterColumn};

/// Whether the Accept header asks for a Table.
pub(crate) fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

/// How a cell is read from an object.
#[derive(Clone, Copy)]
enum Cell {
    Name,
    Age,
    /// A JSON pointer into the object; a missing value shows empty.
    Field(&'static str),
    /// A JSON pointer into the object; a missing value shows `<none>`.
    OrNone(&'static str),
    /// A custom resource's printer column.
    Printer(&'static PrinterColumn),
    PodReady,
    PodStatus,
    PodRestarts,
    PodReadinessGates,
}

use Cell::{Age, Field, Name, OrNone};

/// One column: header, type, priority (1: only with `-o wide`) and cell.
type Column = (&'static str, &'static str, u8, Cell);

/// The API server's description of the name column.
const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// The columns of a kind: a KubeBlocks kind's are its CRD's printer columns (kept with the
/// kind in `kbdash_core::kinds`); a core kind's are computed, as the API server's own printers
/// do (all of a Pod's; the first few of the others').
fn columns(kind: Kind) -> Vec<Column> {
    let mut cols = vec![("Name", "string", 0, Name)];
    let printer = kind.info().printer_columns;
    if !printer.is_empty() {
        cols.extend(
            printer
                .iter()
                .map(|c| (c.name, c.type_name, 0, Cell::Printer(c))),
        );
        return cols;
    }
    let status = ("Status", "string", 0, Field("/status/phase"));
    match kind {
        Kind::Pod => {
            cols.extend([
                ("Ready", "string", 0, Cell::PodReady),
                ("Status", "string", 0, Cell::PodStatus),
                ("Restarts", "string", 0, Cell::PodRestarts),
                ("Age", "string", 0, Age),
                ("IP", "string", 1, OrNone("/status/podIP")),
                ("Node", "string", 1, OrNone("/spec/nodeName")),
                (
                    "Nominated Node",
                    "string",
                    1,
                    OrNone("/status/nominatedNodeName"),
                ),
                ("Readiness Gates", "string", 1, Cell::PodReadinessGates),
            ]);
            return cols;
        }
        Kind::Service => cols.extend([
            ("Type", "string", 0, Field("/spec/type")),
            ("Cluster-IP", "string", 0, Field("/spec/clusterIP")),
        ]),
        Kind::PersistentVolumeClaim => cols.extend([
            status,
            ("Capacity", "string", 0, Field("/status/capacity/storage")),
        ]),
        Kind::Event => cols.extend([
            ("Type", "string", 0, Field("/type")),
            ("Reason", "string", 0, Field("/reason")),
            ("Message", "string", 0, Field("/message")),
        ]),
        _ => cols.push(status),
    }
    cols.push(("Age", "string", 0, Age));
    cols
}

/// The value a printer column's simple JSONPath (`.status.phase`) points at.
fn json_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|step| !step.is_empty())
        .try_fold(obj, |v, step| v.get(step))
}

/// An age cell from an RFC 3339 time.
fn age(created: Option<&Value>, now: DateTime<Utc>) -> Value {
    match time(created) {
        Some(t) => json!(human_duration((now - t).num_seconds())),
        None => json!("<unknown>"),
    }
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The column definitions of a kind's Table.
pub(crate) fn column_definitions(kind: Kind) -> Value {
    columns(kind)
        .into_iter()
        .enumerate()
        .map(|(i, (name, ty, priority, cell))| {
            let description = match cell {
                _ if i == 0 => NAME_DESCRIPTION.to_string(),
                Cell::Printer(c) => format!(
                    "Custom resource definition column (in JSONPath format): {}",
                    c.json_path
                ),
                _ => String::new(),
            };
            json!({
                "name": name,
                "type": ty,
                "format": if i == 0 { "name" } else { "" },
                "description": description,
                "priority": priority,
            })
        })
        .collect()
}

fn text(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => json!(""),
        Some(Value::String(s)) => json!(s),
        Some(other) => json!(other.to_string()),
    }
}

/// A printer column's cell as the API server renders it: a date as an age, anything else as
/// text, nothing at all (null) when the object has no value there.
fn printer_cell(obj: &Value, c: &PrinterColumn, now: DateTime<Utc>) -> Value {
    match json_path(obj, c.json_path) {
        None | Some(Value::Null) => Value::Null,
        Some(v) if c.type_name == "date" => match time(Some(v)) {
            Some(t) => json!(human_duration((now - t).num_seconds())),
            None => json!("<invalid>"),
        },
        v => text(v),
    }
}

fn container_statuses(obj: &Value) -> impl Iterator<Item = &Value> {
    obj.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn cell(obj: &Value, c: Cell, now: DateTime<Utc>) -> Value {
    match c {
        Name => text(obj.pointer("/metadata/name")),
        Age => age(obj.pointer("/metadata/creationTimestamp"), now),
        Field(p) => text(obj.pointer(p)),
        OrNone(p) => match obj.pointer(p).and_then(Value::as_str) {
            Some(s) if !s.is_empty() => json!(s),
            _ => json!("<none>"),
        },
        Cell::Printer(c) => printer_cell(obj, c, now),
        Cell::PodReady => {
            let total = obj
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = container_statuses(obj)
                .filter(|c| c["ready"].as_bool() == Some(true))
                .count();
            json!(format!("{ready}/{total}"))
        }
        Cell::PodStatus => {
            if obj.pointer("/metadata/deletionTimestamp").is_some() {
                return json!("Terminating");
            }
            let waiting = container_statuses(obj)
                .find_map(|c| c.pointer("/state/waiting/reason").and_then(Value::as_str));
            match waiting {
                Some(reason) => json!(reason),
                None => text(obj.pointer("/status/phase")),
            }
        }
        Cell::PodRestarts => {
            let restarts: i64 = container_statuses(obj)
                .filter_map(|c| c["restartCount"].as_i64())
                .sum();
            // With the last restart's time, as `kubectl get pods` shows it: `3 (5m ago)`.
            let last = container_statuses(obj)
                .filter_map(|c| time(c.pointer("/lastState/terminated/finishedAt")))
                .max();
            match last {
                Some(t) if restarts > 0 => json!(format!(
                    "{restarts} ({} ago)",
                    human_duration((now - t).num_seconds())
                )),
                _ => json!(restarts.to_string()),
            }
        }
        Cell::PodReadinessGates => {
            let gates = obj
                .pointer("/spec/readinessGates")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if gates == 0 {
                return json!("<none>");
            }
            let met = obj
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|c| c["status"] == "True")
                .filter(|c| {
                    obj.pointer("/spec/readinessGates")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .any(|g| g["conditionType"] == c["type"])
                })
                .count();
            json!(format!("{met}/{gates}"))
        }
    }
}

/// What a Table row carries besides its cells, from the `includeObject` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeObject {
    /// Cells only.
    None,
    /// The default: a `PartialObjectMetadata` (kubectl reads labels from it for `-L`).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Reads the parameter; absent or unknown means the default, `Metadata`.
    pub(crate) fn parse(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// One Table row for an object.
pub(crate) fn row(kind: Kind, mut obj: Value, now: DateTime<Utc>, include: IncludeObject) -> Value {
    let cells: Vec<Value> = columns(kind)
        .into_iter()
        .map(|(_, _, _, c)| cell(&obj, c, now))
        .collect();
    match include {
        IncludeObject::None => json!({"cells": cells, "object": null}),
        IncludeObject::Object => json!({"cells": cells, "object": obj}),
        IncludeObject::Metadata => {
            let metadata = obj.get_mut("metadata").map(Value::take).unwrap_or_default();
            json!({"cells": cells, "object": {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata,
            }})
        }
    }
}

/// A Table of rows with the list metadata given.
pub(crate) fn table(kind: Kind, rows: Vec<Value>, metadata: Value) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": column_definitions(kind),
        "rows": rows,
    })
}

/// Formats an age the way kubectl does (`k8s.io/apimachinery/pkg/util/duration.HumanDuration`).
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        let rest = s % 60;
        return if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{h}h")
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let dy = days % 365;
        return if dy == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{dy}d")
        };
    }
    format!("{years}y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(3600), "60m");
        assert_eq!(human_duration(4 * 3600 + 60), "4h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(100 * 86400), "100d");
    }

    #[test]
    fn ops_rows_follow_the_printer_columns() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:10:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        let ops = json!({
            "metadata": {"name": "o1", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"type": "Restart", "clusterName": "pg"},
            "status": {"phase": "Running", "progress": "1/3"},
        });
        let r = row(Kind::OpsRequest, ops.clone(), now, IncludeObject::Metadata);
        assert_eq!(r["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(r["object"]["metadata"]["name"], "o1");
        // Found side by side with a real kube-apiserver: the object is there, null.
        assert_eq!(
            row(Kind::OpsRequest, ops.clone(), now, IncludeObject::None).get("object"),
            Some(&Value::Null)
        );
        assert_eq!(
            row(Kind::OpsRequest, ops, now, IncludeObject::Object)["object"]["spec"]["type"],
            "Restart"
        );
        assert_eq!(
            r["cells"],
            json!(["o1", "Restart", "pg", "Running", "1/3", "10m"])
        );
        let defs = column_definitions(Kind::OpsRequest);
        assert_eq!(defs[0]["name"], "Name");
        assert_eq!(defs[5]["name"], "AGE");
        // A value the object does not have is null, as the API server renders it.
        let pending = json!({"metadata": {"name": "o2"}, "spec": {"type": "Stop"}});
        let r = row(Kind::OpsRequest, pending, now, IncludeObject::None);
        assert_eq!(r["cells"], json!(["o2", "Stop", null, null, null, null]));
    }

    #[test]
    fn pod_rows() {
        let pod = json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{}, {}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"ready": true, "restartCount": 2},
                {"ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]},
        });
        let r = row(Kind::Pod, pod.clone(), Utc::now(), IncludeObject::Metadata);
        assert_eq!(r["cells"][1], "1/2");
        assert_eq!(r["cells"][2], "CrashLoopBackOff");
        // As the API server's pod printer shows them: restarts as text, with the last one's
        // age when known; `<none>` for what a pod has not.
        assert_eq!(r["cells"][3], "3");
        assert_eq!(r["cells"][5], "<none>");
        let mut restarted = pod;
        restarted["status"]["containerStatuses"][0]["lastState"] =
            json!({"terminated": {"finishedAt": "2026-01-01T00:05:00Z"}});
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:10:00Z")
            .map(|t| t.with_timezone(&Utc))
            .expect("time");
        let r = row(Kind::Pod, restarted, now, IncludeObject::None);
        assert_eq!(r["cells"][3], "3 (5m ago)");
        let names: Vec<Value> = column_definitions(Kind::Pod)
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["name"].clone())
            .collect();
        assert_eq!(
            names,
            json!([
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ])
            .as_array()
            .cloned()
            .unwrap_or_default()
        );
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
