//! A CRD `openAPIV3Schema` compiled once into a tree that validation walks without re-parsing:
//! regexes compiled, CEL rules bound to their Rust implementations.

use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use serde_json::Value;

use super::cel::{self, CelRule, TransitionRule};

/// The JSON type a schema node declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonType {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl JsonType {
    fn parse(name: &str) -> Option<JsonType> {
        Some(match name {
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "string" => JsonType::String,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "boolean" => JsonType::Boolean,
            _ => return None,
        })
    }

    /// The name the API server uses in type errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
        }
    }
}

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ListType {
    Atomic,
    Set,
    /// A list of objects identified by these keys.
    Map(Vec<String>),
}

/// One compiled schema node.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) json_type: Option<JsonType>,
    pub(crate) int_or_string: bool,
    pub(crate) nullable: bool,
    pub(crate) preserve_unknown: bool,
    pub(crate) embedded_resource: bool,
    pub(crate) properties: BTreeMap<String, Node>,
    pub(crate) additional: Option<Box<Node>>,
    pub(crate) items: Option<Box<Node>>,
    pub(crate) required: Vec<String>,
    pub(crate) default: Option<Value>,
    pub(crate) enumeration: Option<Vec<Value>>,
    /// The pattern as written (for messages) and compiled.
    pub(crate) pattern: Option<(String, Regex)>,
    pub(crate) format: Option<String>,
    pub(crate) minimum: Option<f64>,
    pub(crate) maximum: Option<f64>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) max_properties: Option<u64>,
    pub(crate) list_type: Option<ListType>,
    pub(crate) all_of: Vec<Node>,
    pub(crate) any_of: Vec<Node>,
    pub(crate) rules: Vec<&'static CelRule>,
    /// The transition rules (`oldSelf`), with the message the CRD gives each.
    pub(crate) transitions: Vec<(&'static TransitionRule, String)>,
    /// Whether this node or one below it has `x-kubernetes-validations` (implemented or not):
    /// the API server then runs a CEL validator on the whole object.
    pub(crate) has_rules: bool,
}

impl Node {
    /// Compiles a schema object. Unsupported keywords are ignored; patterns that do not compile
    /// are ignored too (every bundled pattern compiles: a test checks it).
    pub(crate) fn compile(schema: &Value) -> Node {
        Node::compile_with(schema, &mut HashMap::new())
    }

    /// Compiles with a cache of regexes by source: the same pattern (e.g. the quantity
    /// pattern, 80-odd times in the Cluster schema) is compiled once.
    fn compile_with(schema: &Value, regexes: &mut HashMap<String, Regex>) -> Node {
        let Some(s) = schema.as_object() else {
            return Node::default();
        };
        let flag = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
        let uint = |k: &str| s.get(k).and_then(Value::as_u64);
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        let list_type = match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("atomic") => Some(ListType::Atomic),
            Some("set") => Some(ListType::Set),
            Some("map") => Some(ListType::Map(
                s.get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)
                    .map(|keys| {
                        keys.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            _ => None,
        };
        let mut sub_list = |k: &str| -> Vec<Node> {
            s.get(k)
                .and_then(Value::as_array)
                .map(|v| v.iter().map(|x| Node::compile_with(x, regexes)).collect())
                .unwrap_or_default()
        };
        let all_of = sub_list("allOf");
        let any_of = sub_list("anyOf");
        let properties: BTreeMap<String, Node> = s
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .map(|(k, v)| (k.clone(), Node::compile_with(v, regexes)))
                    .collect()
            })
            .unwrap_or_default();
        let mut sub = |k: &str| {
            s.get(k)
                .filter(|v| v.is_object())
                .map(|v| Box::new(Node::compile_with(v, regexes)))
        };
        let additional = sub("additionalProperties");
        let items = sub("items");
        let pattern = s.get("pattern").and_then(Value::as_str).and_then(|p| {
            let re = match regexes.get(p) {
                Some(re) => re.clone(),
                None => {
                    let re = Regex::new(p).ok()?;
                    regexes.insert(p.to_owned(), re.clone());
                    re
                }
            };
            Some((p.to_owned(), re))
        });
        let validations: &[Value] = s
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let has_rules = !validations.is_empty()
            || properties.values().any(|n| n.has_rules)
            || [&additional, &items]
                .into_iter()
                .flatten()
                .any(|n| n.has_rules)
            || all_of.iter().chain(&any_of).any(|n| n.has_rules);
        Node {
            has_rules,
            json_type: s
                .get("type")
                .and_then(Value::as_str)
                .and_then(JsonType::parse),
            int_or_string: flag("x-kubernetes-int-or-string"),
            nullable: flag("nullable"),
            preserve_unknown: flag("x-kubernetes-preserve-unknown-fields"),
            embedded_resource: flag("x-kubernetes-embedded-resource"),
            properties,
            additional,
            items,
            required: s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            default: s.get("default").cloned(),
            enumeration: s.get("enum").and_then(Value::as_array).cloned(),
            pattern,
            format: s.get("format").and_then(Value::as_str).map(str::to_owned),
            minimum: num("minimum"),
            maximum: num("maximum"),
            min_length: uint("minLength"),
            max_length: uint("maxLength"),
            min_items: uint("minItems"),
            max_items: uint("maxItems"),
            min_properties: uint("minProperties"),
            max_properties: uint("maxProperties"),
            list_type,
            all_of,
            any_of,
            rules: validations
                .iter()
                .filter_map(|r| r.get("rule").and_then(Value::as_str))
                .filter_map(cel::lookup)
                .collect(),
            transitions: validations
                .iter()
                .filter_map(|r| {
                    let rule = cel::lookup_transition(r.get("rule")?.as_str()?)?;
                    let message = r
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or(rule.rule);
                    Some((rule, message.to_owned()))
                })
                .collect(),
        }
    }

    /// The schema of a field of an object with this schema, if the field is known.
    pub(crate) fn field(&self, name: &str) -> Option<&Node> {
        self.properties.get(name).or(self.additional.as_deref())
    }
}
