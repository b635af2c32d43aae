//! Label and field selectors as the list and watch query parameters spell them.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;

use crate::kinds::Kind;

/// An object selectors are matched against.
pub trait Selectable {
    /// `metadata.name`.
    fn name(&self) -> &str;
    /// `metadata.namespace`, for namespaced objects.
    fn namespace(&self) -> Option<&str>;
    /// The value of a label, if set.
    fn label(&self, key: &str) -> Option<&str>;
    /// The whole object, for field selectors on other paths.
    fn value(&self) -> Value;
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, BTreeSet<String>),
    NotIn(String, BTreeSet<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed `labelSelector`: every requirement must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<LabelReq>,
}

impl LabelSelector {
    /// Parses the selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`,
    /// `!k`, separated by commas.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            reqs.push(parse_label_req(part)?);
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether the selector selects everything.
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether labels given by the lookup satisfy every requirement.
    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.reqs.iter().all(|r| match r {
            LabelReq::Eq(k, v) => label(k) == Some(v.as_str()),
            LabelReq::NotEq(k, v) => label(k) != Some(v.as_str()),
            LabelReq::In(k, vs) => label(k).is_some_and(|l| vs.contains(l)),
            LabelReq::NotIn(k, vs) => label(k).is_none_or(|l| !vs.contains(l)),
            LabelReq::Exists(k) => label(k).is_some(),
            LabelReq::NotExists(k) => label(k).is_none(),
        })
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn checked_key(k: &str) -> Result<String, String> {
    let k = k.trim();
    if valid_key(k) {
        Ok(k.to_string())
    } else {
        Err(format!("invalid label key \"{k}\""))
    }
}

fn parse_set(rest: &str) -> Result<BTreeSet<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("found '{rest}', expected: '('"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn parse_label_req(part: &str) -> Result<LabelReq, String> {
    if let Some(k) = part.strip_prefix('!') {
        return Ok(LabelReq::NotExists(checked_key(k)?));
    }
    if let Some((k, v)) = part.split_once("!=") {
        return Ok(LabelReq::NotEq(checked_key(k)?, v.trim().to_string()));
    }
    if let Some((k, v)) = part.split_once("==") {
        return Ok(LabelReq::Eq(checked_key(k)?, v.trim().to_string()));
    }
    if let Some((k, v)) = part.split_once('=') {
        return Ok(LabelReq::Eq(checked_key(k)?, v.trim().to_string()));
    }
    let mut words = part.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default();
    match words.next().map(str::trim) {
        None => Ok(LabelReq::Exists(checked_key(key)?)),
        Some(rest) => {
            if let Some(set) = rest.strip_prefix("notin") {
                Ok(LabelReq::NotIn(checked_key(key)?, parse_set(set)?))
            } else if let Some(set) = rest.strip_prefix("in") {
                Ok(LabelReq::In(checked_key(key)?, parse_set(set)?))
            } else {
                Err(format!("unable to parse requirement: \"{part}\""))
            }
        }
    }
}

/// A field a selector may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Namespace,
    /// A JSON pointer into the object.
    Path(&'static str),
}

/// The fields beyond `metadata.name` and `metadata.namespace` the API server lets a kind be
/// selected by, with where they are in the object.
fn kind_fields(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::Event => &[
            ("involvedObject.kind", "/involvedObject/kind"),
            ("involvedObject.namespace", "/involvedObject/namespace"),
            ("involvedObject.name", "/involvedObject/name"),
            ("involvedObject.uid", "/involvedObject/uid"),
            ("involvedObject.apiVersion", "/involvedObject/apiVersion"),
            (
                "involvedObject.resourceVersion",
                "/involvedObject/resourceVersion",
            ),
            ("involvedObject.fieldPath", "/involvedObject/fieldPath"),
            ("reason", "/reason"),
            ("reportingComponent", "/reportingComponent"),
            ("source", "/source/component"),
            ("type", "/type"),
        ],
        Kind::Pod => &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.restartPolicy", "/spec/restartPolicy"),
            ("spec.schedulerName", "/spec/schedulerName"),
            ("spec.serviceAccountName", "/spec/serviceAccountName"),
            ("status.phase", "/status/phase"),
            ("status.podIP", "/status/podIP"),
            ("status.nominatedNodeName", "/status/nominatedNodeName"),
        ],
        Kind::Namespace => &[("status.phase", "/status/phase")],
        _ => &[],
    }
}

/// One requirement of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldReq {
    field: Field,
    value: String,
    equal: bool,
}

/// A parsed `fieldSelector`: `metadata.name`, `metadata.namespace` and the fields the API
/// server supports for the kind (e.g. `involvedObject.name` for events, `status.phase` for pods).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    reqs: Vec<FieldReq>,
}

impl FieldSelector {
    /// Parses `metadata.name=x,metadata.namespace!=y` (also `==`) for objects of `kind`.
    pub fn parse(kind: Kind, s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                ));
            };
            let field = match field.trim() {
                "metadata.name" => Field::Name,
                "metadata.namespace" => Field::Namespace,
                other => kind_fields(kind)
                    .iter()
                    .find(|(label, _)| *label == other)
                    .map(|(_, pointer)| Field::Path(pointer))
                    .ok_or_else(|| format!("field label not supported: {other}"))?,
            };
            reqs.push(FieldReq {
                field,
                value: value.trim().to_string(),
                equal,
            });
        }
        Ok(FieldSelector { reqs })
    }

    /// Whether a stored object is selected; a missing field counts as empty, as in Kubernetes.
    pub(crate) fn matches(&self, o: &impl Selectable) -> bool {
        let mut parsed: Option<Value> = None;
        self.reqs.iter().all(|r| {
            let have: Cow<'_, str> = match r.field {
                Field::Name => Cow::Borrowed(o.name()),
                Field::Namespace => Cow::Borrowed(o.namespace().unwrap_or_default()),
                Field::Path(pointer) => {
                    let v = parsed.get_or_insert_with(|| o.value());
                    match v.pointer(pointer) {
                        Some(Value::String(s)) => Cow::Owned(s.clone()),
                        Some(Value::Null) | None => Cow::Borrowed(""),
                        Some(other) => Cow::Owned(other.to_string()),
                    }
                }
            };
            (*have == *r.value) == r.equal
        })
    }
}

/// Both selectors of a list or watch request.
#[derive(Debug, Clone, Default)]
pub struct Selectors {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
}

impl Selectors {
    /// Whether a stored object is selected.
    pub fn matches(&self, o: &impl Selectable) -> bool {
        (self.labels.is_empty() || self.labels.matches(|k| o.label(k))) && self.fields.matches(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str, labels: &[(&str, &str)]) -> bool {
        let l = LabelSelector::parse(s).expect("parses");
        l.matches(|k| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v))
    }

    #[test]
    fn label_operators() {
        let pod = [("app", "pg"), ("kubeblocks.io/role", "primary")];
        assert!(sel("app=pg", &pod));
        assert!(sel("app==pg,kubeblocks.io/role=primary", &pod));
        assert!(!sel("app!=pg", &pod));
        assert!(sel("kubeblocks.io/role in (primary, secondary)", &pod));
        assert!(!sel("kubeblocks.io/role notin (primary,secondary)", &pod));
        assert!(sel("kubeblocks.io/role,app in (pg)", &pod));
        assert!(sel("!missing", &pod));
        assert!(!sel("!app", &pod));
        assert!(!sel("missing", &pod));
        assert!(sel("missing notin (x)", &pod));
        assert!(sel("missing!=x", &pod));
        assert!(sel("", &pod));
    }

    #[test]
    fn label_errors() {
        assert!(LabelSelector::parse("a in b").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("=x").is_err());
    }

    /// An object as a server stores it: the JSON tree.
    struct Stored(Value);

    impl Selectable for Stored {
        fn name(&self) -> &str {
            self.0["metadata"]["name"].as_str().unwrap_or_default()
        }

        fn namespace(&self) -> Option<&str> {
            self.0["metadata"]["namespace"].as_str()
        }

        fn label(&self, key: &str) -> Option<&str> {
            self.0["metadata"]["labels"][key].as_str()
        }

        fn value(&self) -> Value {
            self.0.clone()
        }
    }

    fn stored(ns: &str, name: &str, extra: Value) -> Stored {
        let mut obj = serde_json::json!({"metadata": {"name": name, "namespace": ns}});
        if let (Some(o), Some(e)) = (obj.as_object_mut(), extra.as_object()) {
            o.extend(e.clone());
        }
        Stored(obj)
    }

    #[test]
    fn field_selectors() {
        let x = stored("demo", "x", serde_json::json!({}));
        let f = FieldSelector::parse(Kind::Pod, "metadata.name=x,metadata.namespace!=kube-system")
            .expect("parses");
        assert!(f.matches(&x));
        assert!(!f.matches(&stored("kube-system", "x", serde_json::json!({}))));
        assert!(!f.matches(&stored("demo", "y", serde_json::json!({}))));
        let ns = FieldSelector::parse(Kind::Pod, "metadata.namespace==demo").expect("parses");
        assert!(ns.matches(&x));
        assert!(FieldSelector::parse(Kind::Cluster, "status.phase=Running").is_err());
        assert!(FieldSelector::parse(Kind::Pod, "status.phase=Running").is_ok());
    }

    #[test]
    fn event_fields_select_the_involved_object() {
        let ev = stored(
            "demo",
            "pg.1",
            serde_json::json!({"involvedObject": {"kind": "Cluster", "name": "pg"}, "type": "Warning"}),
        );
        let f = FieldSelector::parse(
            Kind::Event,
            "involvedObject.kind=Cluster,involvedObject.name=pg",
        )
        .expect("parses");
        assert!(f.matches(&ev));
        let other = FieldSelector::parse(Kind::Event, "involvedObject.name=other").expect("parses");
        assert!(!other.matches(&ev));
        let missing = FieldSelector::parse(Kind::Event, "reason=").expect("parses");
        assert!(missing.matches(&ev), "a missing field is empty");
        let warning = FieldSelector::parse(Kind::Event, "type!=Normal").expect("parses");
        assert!(warning.matches(&ev));
    }
}
