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
    /// A JSON pointer into the object.
    Field(&'static str),
    /// A custom resource's printer column.
    Printer(&'static PrinterColumn),
    PodReady,
    PodStatus,
    PodRestarts,
}

use Cell::{Age, Field, Name};

/// The columns of a kind: a KubeBlocks kind's are its CRD's printer columns (kept with the
/// kind in `kbdash_core::kinds`); a core kind's are computed, as the API server's own printers do.
fn columns(kind: Kind) -> Vec<(&'static str, &'static str, Cell)> {
    let mut cols = vec![("NAME", "string", Name)];
    let printer = kind.info().printer_columns;
    if !printer.is_empty() {
        cols.extend(
            printer
                .iter()
                .map(|c| (c.name, c.type_name, Cell::Printer(c))),
        );
        return cols;
    }
    let status = ("STATUS", "string", Field("/status/phase"));
    match kind {
        Kind::Pod => cols.extend([
            ("READY", "string", Cell::PodReady),
            ("STATUS", "string", Cell::PodStatus),
            ("RESTARTS", "string", Cell::PodRestarts),
        ]),
        Kind::Service => cols.extend([
            ("TYPE", "string", Field("/spec/type")),
            ("CLUSTER-IP", "string", Field("/spec/clusterIP")),
        ]),
        Kind::PersistentVolumeClaim => cols.extend([
            status,
            ("CAPACITY", "string", Field("/status/capacity/storage")),
        ]),
        Kind::Event => cols.extend([
            ("TYPE", "string", Field("/type")),
            ("REASON", "string", Field("/reason")),
            ("MESSAGE", "string", Field("/message")),
        ]),
        _ => cols.push(status),
    }
    cols.push(("AGE", "date", Age));
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
    let created = created
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    match created {
        Some(t) => json!(human_duration((now - t.with_timezone(&Utc)).num_seconds())),
        None => json!("<unknown>"),
    }
}

/// The column definitions of a kind's Table.
pub(crate) fn column_definitions(kind: Kind) -> Value {
    columns(kind)
        .into_iter()
        .enumerate()
        .map(|(i, (name, ty, _))| {
            let mut c = json!({
                "name": name,
                "type": ty,
                "format": if i == 0 { "name" } else { "" },
                "description": "",
                "priority": 0,
            });
            if i == 0 {
                c["description"] = json!("Name must be unique within a namespace.");
            }
            c
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

fn cell(obj: &Value, c: Cell, now: DateTime<Utc>) -> Value {
    match c {
        Name => text(obj.pointer("/metadata/name")),
        Age => age(obj.pointer("/metadata/creationTimestamp"), now),
        Field(p) => text(obj.pointer(p)),
        Cell::Printer(c) if c.type_name == "date" => age(json_path(obj, c.json_path), now),
        Cell::Printer(c) => text(json_path(obj, c.json_path)),
        Cell::PodReady => {
            let statuses = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array);
            let total = obj
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
                .max(statuses.map_or(0, Vec::len));
            let ready = statuses.map_or(0, |s| {
                s.iter()
                    .filter(|c| c["ready"].as_bool() == Some(true))
                    .count()
            });
            json!(format!("{ready}/{total}"))
        }
        Cell::PodStatus => {
            let waiting = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find_map(|c| c.pointer("/state/waiting/reason").and_then(Value::as_str));
            match waiting {
                Some(reason) => json!(reason),
                None => text(obj.pointer("/status/phase")),
            }
        }
        Cell::PodRestarts => {
            let restarts: i64 = obj
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c["restartCount"].as_i64())
                .sum();
            json!(restarts)
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
        .map(|(_, _, c)| cell(&obj, c, now))
        .collect();
    match include {
        IncludeObject::None => json!({"cells": cells}),
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
        assert!(
            row(Kind::OpsRequest, ops.clone(), now, IncludeObject::None)
                .get("object")
                .is_none()
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
        assert_eq!(defs[0]["name"], "NAME");
        assert_eq!(defs[5]["name"], "AGE");
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
        let r = row(Kind::Pod, pod, Utc::now(), IncludeObject::Metadata);
        assert_eq!(r["cells"][1], "1/2");
        assert_eq!(r["cells"][2], "CrashLoopBackOff");
        assert_eq!(r["cells"][3], 3);
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
