//! List requests: selectors, `limit` + `continue` pages, and the List or Table body.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::status::ApiError;
use super::store::{PageItems, PageRequest, Store, StoredObject};
use super::table;
use kbdash_core::kinds::Kind;
use kbdash_core::selector::{FieldSelector, LabelSelector, Selectors};

/// The query parameters of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub(crate) HashMap<String, String>);

impl Params {
    /// A parameter's value, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A boolean parameter (`true` or `1`).
    pub(crate) fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1"))
    }

    /// The label and field selectors, for objects of `kind`.
    pub(crate) fn selectors(&self, kind: Kind) -> Result<Selectors, ApiError> {
        let labels = LabelSelector::parse(self.get("labelSelector").unwrap_or_default())
            .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
        let fields = FieldSelector::parse(kind, self.get("fieldSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        Ok(Selectors { labels, fields })
    }

    /// A non-negative integer parameter; absent or 0 means none.
    pub(crate) fn positive(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(|n| (n > 0).then_some(n))
                .map_err(|_| ApiError::bad_request(format!("invalid value for {name}: {v:?}"))),
        }
    }
}

/// Where a continued list resumes: the list's resourceVersion and the last key served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContinueToken {
    /// The resourceVersion of the first page.
    pub(crate) resource_version: u64,
    /// Namespace of the last object served (empty for cluster-scoped kinds).
    pub(crate) namespace: String,
    /// Name of the last object served.
    pub(crate) name: String,
}

impl ContinueToken {
    /// The opaque form handed to clients (hex, so it needs no escaping).
    pub(crate) fn encode(&self) -> String {
        let raw = format!("{}/{}/{}", self.resource_version, self.namespace, self.name);
        raw.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a token back; `None` when it is not one of ours.
    pub(crate) fn decode(s: &str) -> Option<Self> {
        if !s.len().is_multiple_of(2) {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
            .collect();
        let raw = String::from_utf8(bytes?).ok()?;
        let mut parts = raw.splitn(3, '/');
        let resource_version = parts.next()?.parse().ok()?;
        Some(ContinueToken {
            resource_version,
            namespace: parts.next()?.to_string(),
            name: parts.next()?.to_string(),
        })
    }
}

/// One page of a list.
pub(crate) struct Page {
    /// The selected objects of this page.
    pub(crate) items: Vec<StoredObject>,
    /// The resourceVersion the list is reported at.
    pub(crate) resource_version: u64,
    /// The token for the next page, when there is one.
    pub(crate) continue_token: Option<String>,
    /// Selected objects after this page.
    pub(crate) remaining: usize,
}

/// The API server's answer to a continue token older than its history.
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// Lists `kind` in `namespace` (all when `None`) with the request's selectors and paging.
///
/// A continued page is served from the state at the first page's resourceVersion, after the
/// token's position, as etcd serves it from that revision; so is a list with
/// `resourceVersionMatch=Exact`. A version older than the store's history gets 410, as an etcd
/// compaction would cause.
pub(crate) fn list_page(
    store: &Store,
    kind: Kind,
    namespace: Option<&str>,
    params: &Params,
) -> Result<Page, ApiError> {
    let selectors = params.selectors(kind)?;
    let limit = params.positive("limit")?.map(|l| l as usize);
    let token = match params.get("continue").filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(ContinueToken::decode(c).ok_or_else(|| {
            ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        })?),
    };
    let exact = match (
        params.get("resourceVersionMatch"),
        params.get("resourceVersion"),
    ) {
        (Some("Exact"), Some(v)) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v:?}")))?,
        ),
        _ => None,
    };
    // A continued list stays at its first page's version, even when it also asks for one.
    let at = token.as_ref().map(|t| t.resource_version).or(exact);
    let req = PageRequest {
        kind,
        namespace,
        at,
        after: token
            .as_ref()
            .map(|t| (t.namespace.as_str(), t.name.as_str())),
        limit,
    };
    let PageItems {
        items,
        remaining,
        resource_version,
    } = store
        .page(&req, |o| selectors.matches(o))
        .map_err(|_| match token {
            Some(_) => ApiError::expired(CONTINUE_EXPIRED),
            None => ApiError::expired("The resourceVersion for the provided list is too old."),
        })?;
    let continue_token = match (remaining, items.last()) {
        (r, Some(last)) if r > 0 => Some(
            ContinueToken {
                resource_version,
                namespace: last.namespace.as_deref().unwrap_or_default().to_string(),
                name: last.name.to_string(),
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(Page {
        items,
        resource_version,
        continue_token,
        remaining,
    })
}

fn list_metadata(page: &Page) -> Value {
    let mut meta = json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(c) = &page.continue_token {
        meta["continue"] = json!(c);
        meta["remainingItemCount"] = json!(page.remaining);
    }
    meta
}

/// Bytes per chunk of a streamed list body.
const CHUNK: usize = 64 * 1024;

/// Writes one item of a streamed body.
type Render = Box<dyn FnMut(&StoredObject, &mut String) + Send>;

/// A list body in chunks of about 64 KiB, rendered item by item as the client reads, so a
/// fleet-size list is never held whole in memory: a `{Kind}List` is assembled from the
/// stored JSON without re-serializing objects, a Table renders one row at a time.
pub(crate) struct ListChunks {
    head: Option<String>,
    items: std::vec::IntoIter<StoredObject>,
    render: Render,
    first: bool,
    done: bool,
}

impl ListChunks {
    /// `head` is a JSON object to which the items are appended as the array `field`.
    fn new(head: Value, field: &str, page: Page, render: Render) -> Self {
        let head = head.to_string();
        // `head` is a JSON object: reopen it to append the items.
        let head = format!("{},\"{field}\":[", &head[..head.len() - 1]);
        ListChunks {
            head: Some(head),
            items: page.items.into_iter(),
            render,
            first: true,
            done: false,
        }
    }

    /// The `{Kind}List` body of `page`.
    pub(crate) fn list(kind: Kind, page: Page) -> Self {
        let head = json!({
            "kind": format!("{}List", kind.info().kind_name),
            "apiVersion": kind.api_version(),
            "metadata": list_metadata(&page),
        });
        ListChunks::new(
            head,
            "items",
            page,
            Box::new(|o, out| out.push_str(&o.json)),
        )
    }

    /// The Table body `kubectl get` asks for, with ages as of `now`.
    pub(crate) fn table(
        kind: Kind,
        page: Page,
        now: chrono::DateTime<chrono::Utc>,
        include: table::IncludeObject,
    ) -> Self {
        let mut head = table::table(kind, Vec::new(), list_metadata(&page));
        if let Some(m) = head.as_object_mut() {
            m.remove("rows");
        }
        let render = move |o: &StoredObject, out: &mut String| {
            out.push_str(&table::row(kind, o.value(), now, include).to_string());
        };
        ListChunks::new(head, "rows", page, Box::new(render))
    }
}

impl Iterator for ListChunks {
    type Item = bytes::Bytes;

    fn next(&mut self) -> Option<bytes::Bytes> {
        if self.done {
            return None;
        }
        let mut chunk = self.head.take().unwrap_or_default();
        while chunk.len() < CHUNK {
            match self.items.next() {
                Some(o) => {
                    if !self.first {
                        chunk.push(',');
                    }
                    self.first = false;
                    (self.render)(&o, &mut chunk);
                }
                None => {
                    chunk.push_str("]}");
                    self.done = true;
                    break;
                }
            }
        }
        Some(bytes::Bytes::from(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let t = ContinueToken {
            resource_version: 42,
            namespace: "demo".into(),
            name: "pg-0".into(),
        };
        assert_eq!(ContinueToken::decode(&t.encode()), Some(t));
        assert_eq!(ContinueToken::decode("zz"), None);
        assert_eq!(ContinueToken::decode("abc"), None);
    }

    #[test]
    fn list_body_streams_every_item_in_chunks() {
        let store = Store::new(10, std::sync::Arc::new(chrono::Utc::now), 1);
        let filler = "x".repeat(10_000);
        for i in 0..20 {
            store
                .create(
                    Kind::Pod,
                    json!({"metadata": {"name": format!("p{i:02}"), "namespace": "a"}, "data": filler}),
                )
                .expect("created");
        }
        let page = list_page(&store, Kind::Pod, None, &Params::default()).expect("page");
        let chunks: Vec<bytes::Bytes> = ListChunks::list(Kind::Pod, page).collect();
        assert!(chunks.len() > 2, "{} chunks", chunks.len());
        let body: Vec<u8> = chunks.concat();
        let list: Value = serde_json::from_slice(&body).expect("one JSON document");
        assert_eq!(list["kind"], "PodList");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(20));
        assert_eq!(list["items"][19]["metadata"]["name"], "p19");
        let empty = list_page(&store, Kind::Cluster, None, &Params::default()).expect("page");
        let body: Vec<u8> = ListChunks::list(Kind::Cluster, empty)
            .collect::<Vec<_>>()
            .concat();
        let list: Value = serde_json::from_slice(&body).expect("one JSON document");
        assert_eq!(list["items"], json!([]));

        let page = list_page(&store, Kind::Pod, None, &Params::default()).expect("page");
        let now = store.now();
        let body: Vec<u8> = ListChunks::table(Kind::Pod, page, now, table::IncludeObject::None)
            .collect::<Vec<_>>()
            .concat();
        let t: Value = serde_json::from_slice(&body).expect("one JSON document");
        assert_eq!(t["kind"], "Table");
        assert_eq!(t["columnDefinitions"][0]["name"], "Name");
        assert_eq!(t["rows"].as_array().map(Vec::len), Some(20));
        assert_eq!(t["rows"][3]["cells"][0], "p03");
    }
}
