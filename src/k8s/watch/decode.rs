//! What the server's answers say: a list page, a watch line. Objects become rows at once; only
//! the followed object is kept whole.

use kube::core::Status;
use serde::Deserialize;
use serde_json::Value;

use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, ObjRef, Row};

use super::without_managed_fields;

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

#[derive(Deserialize)]
struct ListMeta {
    #[serde(default, rename = "resourceVersion")]
    resource_version: String,
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
}

#[derive(Deserialize)]
struct List {
    metadata: ListMeta,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    type_: String,
    object: Value,
}

fn resource_version(object: &Value) -> String {
    object["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The object's row and, when `follows` its key, the object itself.
fn convert(
    kind: Kind,
    object: Value,
    follows: &dyn Fn(&ObjKey) -> Option<ObjRef>,
) -> (Option<Row>, Option<(ObjRef, Value)>) {
    let row = Row::from_value(kind, &object);
    let followed = row
        .as_ref()
        .and_then(|r| follows(r.key()))
        .map(|target| (target, without_managed_fields(object)));
    (row, followed)
}

/// Decodes a list page of `kind`.
pub(super) fn page(
    kind: Kind,
    text: &[u8],
    follows: &dyn Fn(&ObjKey) -> Option<ObjRef>,
) -> Result<Page, serde_json::Error> {
    let list: List = serde_json::from_slice(text)?;
    let mut page = Page {
        rows: Vec::new(),
        followed: None,
        resource_version: list.metadata.resource_version,
        continue_token: list.metadata.continue_token.filter(|t| !t.is_empty()),
    };
    for item in list.items.unwrap_or_default() {
        let (row, followed) = convert(kind, item, follows);
        page.rows.extend(row);
        page.followed = page.followed.or(followed);
    }
    Ok(page)
}

/// Decodes a watch line of `kind`.
pub(super) fn line(
    kind: Kind,
    text: &[u8],
    follows: &dyn Fn(&ObjKey) -> Option<ObjRef>,
) -> Result<Line, serde_json::Error> {
    let event: Event = serde_json::from_slice(text)?;
    let resource_version = resource_version(&event.object);
    Ok(match event.type_.as_str() {
        "ADDED" | "MODIFIED" => match convert(kind, event.object, follows) {
            (Some(row), followed) => Line::Apply {
                row: Box::new(row),
                followed,
                resource_version,
            },
            (None, _) => Line::Skip { resource_version },
        },
        "DELETED" => match Row::from_value(kind, &event.object) {
            Some(row) => Line::Delete {
                key: row.key().clone(),
                resource_version,
            },
            None => Line::Skip { resource_version },
        },
        "BOOKMARK" => Line::Bookmark { resource_version },
        "ERROR" => Line::Error(Box::new(Status::deserialize(&event.object)?)),
        _ => Line::Skip { resource_version },
    })
}
