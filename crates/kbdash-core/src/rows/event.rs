//! core/v1 Events as rows: what a controller or the kubelet reported about an object. Read
//! straight from the API's text like every row, from a document of their own: an Event keeps
//! its facts at the top level, not under `spec` and `status`.

use chrono::{DateTime, Utc};
use serde::Deserialize as DeriveDeserialize;
use serde::de::Deserializer;

use super::convert::Decoded;
use super::doc::Meta;
use super::loose::{Obj, Scalar};
use super::{Atom, ObjKey, Row};

/// A core/v1 Event, trimmed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventRow {
    /// The Event's namespace and name.
    pub key: ObjKey,
    /// The cluster the event's object belongs to; empty until the store places it (an Event
    /// names its object, not the object's cluster).
    pub cluster: Atom,
    /// `involvedObject.kind`, e.g. `Pod` or `Cluster`.
    pub object_kind: Atom,
    /// `involvedObject.name`.
    pub object_name: Atom,
    /// `type`: `Normal` or `Warning`, verbatim.
    pub type_: Atom,
    /// `reason`, e.g. `BackOff`, verbatim.
    pub reason: Atom,
    /// `message`.
    pub message: String,
    /// `count` (or `series.count`); 1 when absent.
    pub count: u32,
    /// `firstTimestamp`, else `eventTime`, else the creation time.
    pub first: Option<DateTime<Utc>>,
    /// `lastTimestamp`, else `series.lastObservedTime`, else `first`.
    pub last: Option<DateTime<Utc>>,
    /// `source.component`, else `reportingComponent` (events.k8s.io writers fill only the
    /// latter).
    pub source: Atom,
}

impl EventRow {
    /// Whether the event is a Warning.
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }

    /// When the event was last seen: what orders events, newest first.
    pub fn seen(&self) -> Option<DateTime<Utc>> {
        self.last.or(self.first)
    }
}

/// An Event as its row reads it.
#[derive(Debug, Default, DeriveDeserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct EventDoc {
    metadata: Obj<Meta>,
    involved_object: Obj<Involved>,
    #[serde(rename = "type")]
    type_: Scalar,
    reason: Scalar,
    message: Scalar,
    count: Scalar,
    first_timestamp: Scalar,
    last_timestamp: Scalar,
    event_time: Scalar,
    series: Obj<Series>,
    source: Obj<Source>,
    reporting_component: Scalar,
}

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(default)]
struct Involved {
    kind: Scalar,
    name: Scalar,
}

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(default, rename_all = "camelCase")]
struct Series {
    count: Scalar,
    last_observed_time: Scalar,
}

#[derive(Debug, Default, DeriveDeserialize)]
#[serde(default)]
struct Source {
    component: Scalar,
}

/// Reads an Event; an Event without a name gives no row.
pub(super) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Decoded, D::Error> {
    let Obj(mut doc) = Obj::<EventDoc>::deserialize(d)?;
    let resource_version = std::mem::take(&mut doc.metadata.0.resource_version).into_text();
    let row = EventRow::from_doc(doc).map(Row::Event);
    Ok(Decoded {
        row,
        resource_version,
    })
}

impl EventRow {
    fn from_doc(doc: EventDoc) -> Option<EventRow> {
        let meta = doc.metadata.0;
        let name = meta.name.text()?;
        let key = ObjKey::new(meta.namespace.text().unwrap_or_default(), name);
        let first = doc
            .first_timestamp
            .time()
            .or_else(|| doc.event_time.time())
            .or_else(|| meta.creation_timestamp.time());
        let series = doc.series.0;
        let last = doc
            .last_timestamp
            .time()
            .or_else(|| series.last_observed_time.time())
            .or(first);
        let count = doc
            .count
            .number()
            .or_else(|| series.count.number())
            .map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX));
        let source = match doc.source.0.component.str() {
            Some(s) if !s.is_empty() => Atom::new(s),
            _ => doc.reporting_component.atom(),
        };
        let involved = doc.involved_object.0;
        Some(EventRow {
            key,
            cluster: Atom::default(),
            object_kind: involved.kind.atom(),
            object_name: Atom::unique(&involved.name.into_text()),
            type_: doc.type_.atom(),
            reason: doc.reason.atom(),
            message: doc.message.into_text(),
            count,
            first,
            last,
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Kind;
    use serde_json::json;

    fn event(v: &serde_json::Value) -> EventRow {
        match Row::from_value(Kind::Event, v) {
            Some(Row::Event(e)) => e,
            other => panic!("not an event row: {other:?}"),
        }
    }

    #[test]
    fn a_kubelet_event_reads_its_counts_times_and_source() {
        let e = event(&json!({"metadata": {"name": "p.1", "namespace": "n"},
            "involvedObject": {"kind": "Pod", "name": "p"}, "type": "Warning", "reason": "BackOff",
            "message": "Back-off restarting failed container", "count": 7,
            "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:10:00Z",
            "source": {"component": "kubelet"}}));
        assert!(e.is_warning());
        assert_eq!(
            (e.object_kind.as_str(), e.object_name.as_str()),
            ("Pod", "p")
        );
        assert_eq!(
            (e.reason.as_str(), e.count, e.source.as_str()),
            ("BackOff", 7, "kubelet")
        );
        assert_eq!(e.seen(), DateTime::from_timestamp(1_767_226_200, 0));
    }

    /// events.k8s.io writers leave the core fields empty: eventTime, series and
    /// reportingComponent stand in.
    #[test]
    fn a_new_style_event_falls_back_to_event_time_series_and_reporting_component() {
        let e = event(&json!({"metadata": {"name": "e", "namespace": "n"},
            "type": "Normal", "reason": "roleProbe", "eventTime": "2026-01-01T00:00:00.000000Z",
            "series": {"count": 3, "lastObservedTime": "2026-01-01T00:05:00.000000Z"},
            "source": {}, "reportingComponent": "kbagent", "firstTimestamp": null}));
        assert!(!e.is_warning());
        assert_eq!((e.count, e.source.as_str()), (3, "kbagent"));
        assert_eq!(e.first, DateTime::from_timestamp(1_767_225_600, 0));
        assert_eq!(e.last, DateTime::from_timestamp(1_767_225_900, 0));
    }

    #[test]
    fn odd_shapes_read_as_empty_and_a_nameless_event_is_no_row() {
        let e = event(
            &json!({"metadata": {"name": "e"}, "involvedObject": "no", "count": "x",
            "message": 5, "series": [1]}),
        );
        assert_eq!(
            (e.count, e.message.as_str(), e.object_kind.as_str()),
            (1, "5", "")
        );
        assert_eq!(e.seen(), None);
        assert!(Row::from_value(Kind::Event, &json!({"metadata": {}})).is_none());
    }
}
