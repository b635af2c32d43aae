//! What the server's answers say: a list page, a watch line. Objects are read straight from
//! the text into their rows (`kbdash_core::rows::RowSeed`: only the fields rows use are built);
//! only the followed object is read again whole.
//!
//! Text the direct reading refuses (a key repeated inside an object) is read once more through
//! a `serde_json::Value`, where the last repeat wins: the rows come out as `Row::from_value`
//! makes them, and one odd object never costs the page or the stream.

use std::fmt;

use kube::core::Status;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Decoded, ObjKey, ObjRef, Row, RowSeed};

use super::without_managed_fields;

/// Which object, if any, is followed: its reference when `key` is it.
pub(super) type Follows<'a> = &'a dyn Fn(&ObjKey) -> Option<ObjRef>;

/// One page of a list.
pub(super) struct Page {
    /// Its objects as rows (nameless ones left out).
    pub(super) rows: Vec<Row>,
    /// The followed object whole, if the page has it.
    pub(super) followed: Option<(ObjRef, Value)>,
    /// The version the list is at.
    pub(super) resource_version: String,
    /// Where the next page starts; `None` on the last.
    pub(super) continue_token: Option<String>,
}

/// One line of a watch.
pub(super) enum Line {
    /// An object was added or changed.
    Apply {
        row: Box<Row>,
        /// The object whole, when it is the followed one.
        followed: Option<(ObjRef, Value)>,
        resource_version: String,
    },
    /// An object was deleted.
    Delete {
        key: ObjKey,
        resource_version: String,
    },
    /// Nothing changed up to this version.
    Bookmark { resource_version: String },
    /// An object without a name, or an event type this layer does not know: passed over.
    Skip { resource_version: String },
    /// The server ended the watch with this status (410 Gone: the version is too old).
    Error(Box<Status>),
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ListMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: String,
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

/// A list read whole, for the followed object and for text the direct reading refuses.
#[derive(Deserialize)]
struct ValueList {
    #[serde(default)]
    metadata: Value,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

/// A watch event read whole.
#[derive(Deserialize)]
struct ValueEvent {
    #[serde(rename = "type")]
    type_: String,
    object: Value,
}

/// A bookmark's object: its version is all it says.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Versioned {
    metadata: VersionMeta,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct VersionMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: String,
}

/// Decodes a list page of `kind`.
pub(super) fn page(kind: Kind, text: &[u8], follows: Follows<'_>) -> serde_json::Result<Page> {
    let (meta, items) = match direct_page(kind, text) {
        Ok(read) => read,
        Err(_) => {
            let list: ValueList = serde_json::from_slice(text)?;
            let items = list.items.unwrap_or_default();
            let rows = items.iter().filter_map(|v| Row::from_value(kind, v));
            let meta = ListMeta::deserialize(&list.metadata).unwrap_or_default();
            (meta, rows.collect())
        }
    };
    let followed = match items.iter().find_map(|r| follows(r.key())) {
        Some(target) => whole_item(kind, text, &target)?.map(|v| (target, v)),
        None => None,
    };
    Ok(Page {
        rows: items,
        followed,
        resource_version: meta.resource_version,
        continue_token: meta.continue_token.filter(|t| !t.is_empty()),
    })
}

/// The page's version and rows, read straight from the text.
fn direct_page(kind: Kind, text: &[u8]) -> serde_json::Result<(ListMeta, Vec<Row>)> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let read = de.deserialize_map(PageVisitor(kind))?;
    de.end()?;
    Ok(read)
}

/// The item of the page that is `target`, whole.
fn whole_item(kind: Kind, text: &[u8], target: &ObjRef) -> serde_json::Result<Option<Value>> {
    let list: ValueList = serde_json::from_slice(text)?;
    Ok(list
        .items
        .unwrap_or_default()
        .into_iter()
        .find(|v| Row::from_value(kind, v).is_some_and(|r| *r.key() == target.key))
        .map(without_managed_fields))
}

/// Decodes a watch line of `kind`.
pub(super) fn line(kind: Kind, text: &[u8], follows: Follows<'_>) -> serde_json::Result<Line> {
    let read = {
        let mut de = serde_json::Deserializer::from_slice(text);
        de.deserialize_map(EventVisitor(kind))
            .and_then(|read| de.end().map(|()| read))
    };
    let (type_, object) = match read {
        Ok(read) => read,
        Err(_) => {
            let event: ValueEvent = serde_json::from_slice(text)?;
            (event.type_, Object::Whole(event.object))
        }
    };
    let object = object.read(kind, &type_)?;
    Ok(match (type_.as_str(), object) {
        ("DELETED", Object::Row(decoded)) => match decoded.row {
            Some(row) => Line::Delete {
                key: row.key().clone(),
                resource_version: decoded.resource_version,
            },
            None => Line::Skip {
                resource_version: decoded.resource_version,
            },
        },
        (_, Object::Row(decoded)) => match decoded.row {
            Some(row) => {
                let followed = match follows(row.key()) {
                    Some(target) => {
                        let event: ValueEvent = serde_json::from_slice(text)?;
                        Some((target, without_managed_fields(event.object)))
                    }
                    None => None,
                };
                Line::Apply {
                    row: Box::new(row),
                    followed,
                    resource_version: decoded.resource_version,
                }
            }
            None => Line::Skip {
                resource_version: decoded.resource_version,
            },
        },
        (_, Object::Bookmark(resource_version)) => Line::Bookmark { resource_version },
        (_, Object::Status(status)) => Line::Error(status),
        (_, Object::Whole(_) | Object::Skipped) => Line::Skip {
            resource_version: String::new(),
        },
    })
}

/// A watch event's object, read as its type asks.
enum Object {
    /// ADDED, MODIFIED, DELETED: the row.
    Row(Box<Decoded>),
    /// BOOKMARK: the version.
    Bookmark(String),
    /// ERROR: the status.
    Status(Box<Status>),
    /// Read before its type was known (or from text the direct reading refused).
    Whole(Value),
    /// An event type this layer does not know.
    Skipped,
}

impl Object {
    /// Reads a whole object as `type_` asks; anything else is already read.
    fn read(self, kind: Kind, type_: &str) -> serde_json::Result<Object> {
        let Object::Whole(v) = self else {
            return Ok(self);
        };
        Ok(match type_ {
            "ADDED" | "MODIFIED" | "DELETED" => {
                Object::Row(Box::new(RowSeed(kind).deserialize(&v)?))
            }
            "BOOKMARK" => Object::Bookmark(Versioned::deserialize(&v)?.metadata.resource_version),
            "ERROR" => Object::Status(Box::new(Status::deserialize(&v)?)),
            _ => Object::Skipped,
        })
    }
}

/// The keys of a watch event and of a list this layer reads.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Field {
    Type,
    Object,
    Metadata,
    Items,
    #[serde(other)]
    Other,
}

/// Reads `{"type": ..., "object": ...}`, the object as the type asks when the type comes first
/// (as kube-apiserver writes it).
struct EventVisitor(Kind);

impl<'de> Visitor<'de> for EventVisitor {
    type Value = (String, Object);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a watch event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(String, Object), A::Error> {
        let mut type_: Option<String> = None;
        let mut object = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Type => type_ = Some(map.next_value()?),
                Field::Object => {
                    object = Some(match type_.as_deref() {
                        Some("ADDED" | "MODIFIED" | "DELETED") => {
                            Object::Row(Box::new(map.next_value_seed(RowSeed(self.0))?))
                        }
                        Some("BOOKMARK") => Object::Bookmark(
                            map.next_value::<Versioned>()?.metadata.resource_version,
                        ),
                        Some("ERROR") => Object::Status(map.next_value()?),
                        Some(_) => {
                            map.next_value::<IgnoredAny>()?;
                            Object::Skipped
                        }
                        None => Object::Whole(map.next_value()?),
                    })
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let type_ = type_.ok_or_else(|| serde::de::Error::missing_field("type"))?;
        let object = object.ok_or_else(|| serde::de::Error::missing_field("object"))?;
        Ok((type_, object))
    }
}

/// Reads a list: its metadata, and its items straight into rows.
struct PageVisitor(Kind);

impl<'de> Visitor<'de> for PageVisitor {
    type Value = (ListMeta, Vec<Row>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(ListMeta, Vec<Row>), A::Error> {
        let mut meta = ListMeta::default();
        let mut rows = Vec::new();
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Metadata => meta = map.next_value()?,
                Field::Items => rows = map.next_value_seed(Items(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((meta, rows))
    }
}

/// A list's items, each read into its row; nameless ones left out.
struct Items(Kind);

impl<'de> DeserializeSeed<'de> for Items {
    type Value = Vec<Row>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Row>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items {
    type Value = Vec<Row>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list's items")
    }

    fn visit_unit<E>(self) -> Result<Vec<Row>, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Row>, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(decoded) = seq.next_element_seed(RowSeed(self.0))? {
            rows.extend(decoded.row);
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn none(_: &ObjKey) -> Option<ObjRef> {
        None
    }

    fn pod(name: &str, role: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "n", "resourceVersion": "5",
            "labels": {"kubeblocks.io/role": role}, "managedFields": [{"manager": "x"}]},
            "spec": {"containers": [{}]}, "status": {"phase": "Running"}})
    }

    fn applied(line: Line) -> (Row, Option<(ObjRef, Value)>, String) {
        match line {
            Line::Apply {
                row,
                followed,
                resource_version,
            } => (*row, followed, resource_version),
            _ => panic!("not an apply"),
        }
    }

    #[test]
    fn watch_lines_give_rows_versions_bookmarks_and_statuses() {
        let added = json!({"type": "ADDED", "object": pod("p", "primary")}).to_string();
        let (row, followed, rv) = applied(line(Kind::Pod, added.as_bytes(), &none).unwrap());
        assert_eq!(Some(row), Row::from_value(Kind::Pod, &pod("p", "primary")));
        assert!(followed.is_none());
        assert_eq!(rv, "5");
        // The object before its type is read whole first, with the same outcome.
        let reversed = format!(r#"{{"object":{},"type":"MODIFIED"}}"#, pod("p", "primary"));
        let (again, _, _) = applied(line(Kind::Pod, reversed.as_bytes(), &none).unwrap());
        assert_eq!(
            Some(again),
            Row::from_value(Kind::Pod, &pod("p", "primary"))
        );
        let deleted = json!({"type": "DELETED", "object": pod("p", "primary")}).to_string();
        assert!(matches!(
            line(Kind::Pod, deleted.as_bytes(), &none).unwrap(),
            Line::Delete { key, resource_version } if key == ObjKey::new("n", "p") && resource_version == "5"
        ));
        let bookmark =
            r#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}}"#;
        assert!(matches!(
            line(Kind::Pod, bookmark.as_bytes(), &none).unwrap(),
            Line::Bookmark { resource_version } if resource_version == "9"
        ));
        let gone = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}"#;
        assert!(matches!(
            line(Kind::Pod, gone.as_bytes(), &none).unwrap(),
            Line::Error(s) if s.code == 410
        ));
        let odd = r#"{"type":"SOMETHING","object":{"metadata":{"name":"x"}}}"#;
        assert!(matches!(
            line(Kind::Pod, odd.as_bytes(), &none).unwrap(),
            Line::Skip { .. }
        ));
        assert!(line(Kind::Pod, b"{\"type\":\"ADDED\",\"object\":", &none).is_err());
    }

    #[test]
    fn a_repeated_key_is_read_as_a_value_reads_it() {
        let text = r#"{"type":"ADDED","object":{"metadata":{"name":"a","name":"b","namespace":"n"},"status":{"phase":"Running","phase":"Failed"}}}"#;
        let (row, _, _) = applied(line(Kind::Pod, text.as_bytes(), &none).unwrap());
        let v: ValueEvent = serde_json::from_str(text).unwrap();
        assert_eq!(Some(row.clone()), Row::from_value(Kind::Pod, &v.object));
        assert_eq!(row.key(), &ObjKey::new("n", "b"));
    }

    #[test]
    fn the_followed_object_comes_whole_without_managed_fields() {
        let target = ObjRef {
            kind: Kind::Pod,
            key: ObjKey::new("n", "q"),
        };
        let follows = |key: &ObjKey| (*key == target.key).then(|| target.clone());
        let mut whole = pod("q", "secondary");
        whole["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        let text = json!({"type": "MODIFIED", "object": pod("q", "secondary")}).to_string();
        let (_, followed, _) = applied(line(Kind::Pod, text.as_bytes(), &follows).unwrap());
        assert_eq!(followed, Some((target.clone(), whole.clone())));

        let list =
            json!({"kind": "PodList", "metadata": {"resourceVersion": "12", "continue": "c1"},
            "items": [pod("p", "primary"), pod("q", "secondary"), {"metadata": {}}]})
            .to_string();
        let page = page(Kind::Pod, list.as_bytes(), &follows).unwrap();
        assert_eq!(page.rows.len(), 2, "the nameless item is left out");
        assert_eq!(page.resource_version, "12");
        assert_eq!(page.continue_token.as_deref(), Some("c1"));
        assert_eq!(page.followed, Some((target, whole)));
    }

    #[test]
    fn pages_read_alike_directly_and_through_values() {
        let items = vec![pod("p", "primary"), json!("junk"), pod("r", "")];
        let list = json!({"metadata": {"resourceVersion": "3", "continue": ""}, "items": items});
        let direct = page(Kind::Pod, list.to_string().as_bytes(), &none).unwrap();
        let expected: Vec<Row> = items
            .iter()
            .filter_map(|v| Row::from_value(Kind::Pod, v))
            .collect();
        assert_eq!(direct.rows, expected);
        assert_eq!(direct.continue_token, None);
        // A repeated key sends the page through values: the same rows.
        let repeated = format!(
            r#"{{"metadata":{{"resourceVersion":"3","resourceVersion":"4"}},"items":{}}}"#,
            Value::Array(items.clone())
        );
        let through_values = page(Kind::Pod, repeated.as_bytes(), &none).unwrap();
        assert_eq!(through_values.rows, expected);
        assert_eq!(through_values.resource_version, "4");
        let empty = page(Kind::Pod, br#"{"metadata":{},"items":null}"#, &none).unwrap();
        assert!(empty.rows.is_empty());
    }
}
