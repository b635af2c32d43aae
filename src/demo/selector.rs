//! Label and field selectors as the list and watch query parameters spell them.

use std::collections::BTreeSet;

use super::store::StoredObject;

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

/// A parsed `fieldSelector` over `metadata.name` and `metadata.namespace`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// (field is namespace, wanted value, equal or not).
    reqs: Vec<(bool, String, bool)>,
}

impl FieldSelector {
    /// Parses `metadata.name=x,metadata.namespace!=y` (also `==`).
    pub fn parse(s: &str) -> Result<Self, String> {
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
            let is_namespace = match field.trim() {
                "metadata.name" => false,
                "metadata.namespace" => true,
                other => return Err(format!("field label not supported: {other}")),
            };
            reqs.push((is_namespace, value.trim().to_string(), equal));
        }
        Ok(FieldSelector { reqs })
    }

    /// Whether an object with this namespace and name is selected.
    pub fn matches(&self, namespace: Option<&str>, name: &str) -> bool {
        self.reqs.iter().all(|(is_ns, want, equal)| {
            let have = if *is_ns {
                namespace.unwrap_or_default()
            } else {
                name
            };
            (have == want) == *equal
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
    pub fn matches(&self, o: &StoredObject) -> bool {
        self.fields.matches(o.namespace.as_deref(), &o.name)
            && (self.labels.is_empty() || self.labels.matches(|k| o.label(k)))
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

    #[test]
    fn field_selectors() {
        let f = FieldSelector::parse("metadata.name=x,metadata.namespace!=kube-system")
            .expect("parses");
        assert!(f.matches(Some("demo"), "x"));
        assert!(!f.matches(Some("kube-system"), "x"));
        assert!(!f.matches(Some("demo"), "y"));
        assert!(
            FieldSelector::parse("metadata.namespace==a").is_ok_and(|f| f.matches(Some("a"), "z"))
        );
        assert!(FieldSelector::parse("status.phase=Running").is_err());
    }
}
