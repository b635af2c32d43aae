//! The CEL `x-kubernetes-validations` rules of the bundled CRDs, re-implemented in Rust.
//!
//! Each rule is keyed by its exact CEL text (the same rule text may sit at several schema
//! locations, e.g. the three `volumeSource`/`mountPath` rules of Restore). Transition rules
//! (those using `oldSelf`) only apply on update, where the field is in the old object too;
//! their three forms (immutability, and two about optional fields) are implemented in
//! [`TRANSITION_RULES`]. A test walks every bundled schema and fails if a rule has no
//! implementation here.
//!
//! Rules by location (non-transition only):
//! - BackupPolicy `spec`: exactly one of `target` / `targets`.
//! - Cluster `spec.componentSpecs`: unique names; `componentDef` on all entries or none.
//! - ComponentVersion `spec.releases[].images`: keys ≤ 32 characters, values ≤ 256.
//! - OpsRequest `spec.horizontalScaling[]`: `shards` excludes `scaleOut`/`scaleIn`.
//! - OpsRequest `spec.switchover[]`: exactly one of `componentName` / `componentObjectName`.
//! - OpsRequest `spec.upgrade.components[]`: `componentDefinitionName` or `serviceVersion`.
//! - OpsRequest `status.components{}.progressDetails[]`: `objectKey` or `actionName`.
//! - Restore `spec.prepareDataConfig.{dataSourceRef,volumeClaims[],volumeClaimsTemplate.templates[]}`:
//!   `volumeSource` or `mountPath` non-empty.
//! - Restore `spec.readyConfig`: `jobAction` or `execAction`.

use serde_json::Value;

/// Outcome of evaluating a rule on a value of the right type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    /// The rule evaluated to false: the rule's own message applies.
    Fail,
    /// The CEL evaluation itself failed (e.g. `no such key: x`), as the API server reports it.
    Error(String),
}

/// One implemented rule.
#[derive(Debug)]
pub(crate) struct CelRule {
    /// The CEL source, exactly as in the CRD.
    pub(crate) rule: &'static str,
    /// The message the CRD attaches to the rule.
    pub(crate) message: &'static str,
    /// Evaluates the rule on `self`.
    pub(crate) check: fn(&Value) -> Verdict,
}

fn has(v: &Value, field: &str) -> bool {
    v.get(field).is_some_and(|f| !f.is_null())
}

fn verdict(ok: bool) -> Verdict {
    if ok { Verdict::Pass } else { Verdict::Fail }
}

fn exactly_one(v: &Value, a: &str, b: &str) -> Verdict {
    verdict(has(v, a) != has(v, b))
}

fn backup_policy_one_target(v: &Value) -> Verdict {
    exactly_one(v, "target", "targets")
}

fn unique_component_names(v: &Value) -> Verdict {
    let Some(items) = v.as_array() else {
        return Verdict::Pass;
    };
    let names: Vec<Option<&Value>> = items.iter().map(|c| c.get("name")).collect();
    if names.iter().any(Option::is_none) {
        return Verdict::Error("no such key: name".to_owned());
    }
    verdict(
        names
            .iter()
            .all(|n| names.iter().filter(|m| *m == n).count() == 1),
    )
}

fn component_def_all_or_none(v: &Value) -> Verdict {
    let Some(items) = v.as_array() else {
        return Verdict::Pass;
    };
    let with_def = items.iter().filter(|c| has(c, "componentDef")).count();
    verdict(with_def == 0 || with_def == items.len())
}

fn image_keys_short(v: &Value) -> Verdict {
    let Some(map) = v.as_object() else {
        return Verdict::Pass;
    };
    verdict(map.keys().all(|k| k.chars().count() <= 32))
}

fn image_names_short(v: &Value) -> Verdict {
    let Some(map) = v.as_object() else {
        return Verdict::Pass;
    };
    verdict(
        map.values()
            .all(|img| img.as_str().is_none_or(|s| s.chars().count() <= 256)),
    )
}

fn shards_exclude_scale(v: &Value) -> Verdict {
    verdict(!has(v, "shards") || (!has(v, "scaleOut") && !has(v, "scaleIn")))
}

fn switchover_one_component(v: &Value) -> Verdict {
    exactly_one(v, "componentName", "componentObjectName")
}

fn upgrade_needs_target(v: &Value) -> Verdict {
    verdict(has(v, "componentDefinitionName") || has(v, "serviceVersion"))
}

fn progress_detail_key(v: &Value) -> Verdict {
    verdict(has(v, "objectKey") || has(v, "actionName"))
}

fn volume_source_or_mount_path(v: &Value) -> Verdict {
    let field = |name: &str| match v.get(name) {
        Some(Value::String(s)) => Ok(s.is_empty()),
        Some(_) => Ok(false),
        None => Err(Verdict::Error(format!("no such key: {name}"))),
    };
    // CEL `||` short-circuits on a true left side, so a missing mountPath is only an error
    // when volumeSource is empty.
    match field("volumeSource") {
        Err(e) => e,
        Ok(false) => Verdict::Pass,
        Ok(true) => match field("mountPath") {
            Err(e) => e,
            Ok(empty) => verdict(!empty),
        },
    }
}

fn ready_config_action(v: &Value) -> Verdict {
    verdict(has(v, "jobAction") || has(v, "execAction"))
}

const VOLUME_RULE_MESSAGE: &str = "at least one exists for volumeSource and mountPath.";

/// Every implemented rule.
pub(crate) static RULES: &[CelRule] = &[
    CelRule {
        rule: "(has(self.target) && !has(self.targets)) || (has(self.targets) && !has(self.target))",
        message: "either spec.target or spec.targets",
        check: backup_policy_one_target,
    },
    CelRule {
        rule: "self.all(x, size(self.filter(c, c.name == x.name)) == 1)",
        message: "duplicated component",
        check: unique_component_names,
    },
    CelRule {
        rule: "self.all(x, size(self.filter(c, has(c.componentDef))) == 0) || self.all(x, size(self.filter(c, has(c.componentDef))) == size(self))",
        message: "two kinds of definition API can not be used simultaneously",
        check: component_def_all_or_none,
    },
    CelRule {
        rule: "self.all(key, size(key) <= 32)",
        message: "Container, action or external application name may not exceed maximum length of 32 characters",
        check: image_keys_short,
    },
    CelRule {
        rule: "self.all(key, size(self[key]) <= 256)",
        message: "Image name may not exceed maximum length of 256 characters",
        check: image_names_short,
    },
    CelRule {
        rule: "has(self.shards) ? (!has(self.scaleOut) && !has(self.scaleIn)) : true",
        message: "shards field cannot be used together with scaleOut or scaleIn",
        check: shards_exclude_scale,
    },
    CelRule {
        rule: "(has(self.componentName) && !has(self.componentObjectName)) || (!has(self.componentName) && has(self.componentObjectName))",
        message: "need to specified only componentName or componentObjectName",
        check: switchover_one_component,
    },
    CelRule {
        rule: "has(self.componentDefinitionName) || has(self.serviceVersion)",
        message: "at least one componentDefinitionName or serviceVersion",
        check: upgrade_needs_target,
    },
    CelRule {
        rule: "has(self.objectKey) || has(self.actionName)",
        message: "at least one objectKey or actionName.",
        check: progress_detail_key,
    },
    CelRule {
        rule: "self.volumeSource != '' || self.mountPath !=''",
        message: VOLUME_RULE_MESSAGE,
        check: volume_source_or_mount_path,
    },
    CelRule {
        rule: "has(self.jobAction) || has(self.execAction)",
        message: "at least one exists for jobAction and execAction.",
        check: ready_config_action,
    },
];

/// Whether a rule is a transition rule (compares with the stored object; update only).
pub(crate) fn is_transition_rule(rule: &str) -> bool {
    rule.contains("oldSelf")
}

/// One implemented transition rule: evaluated on `self` and `oldSelf`.
#[derive(Debug)]
pub(crate) struct TransitionRule {
    /// The CEL source, exactly as in the CRD.
    pub(crate) rule: &'static str,
    /// Whether the change from `old` to `new` keeps the rule.
    pub(crate) check: fn(old: &Value, new: &Value) -> bool,
}

pub(crate) static TRANSITION_RULES: &[TransitionRule] = &[
    TransitionRule {
        rule: "self == oldSelf",
        check: |old, new| old == new,
    },
    TransitionRule {
        rule: "has(oldSelf.parameters) == has(self.parameters)",
        check: |old, new| has(old, "parameters") == has(new, "parameters"),
    },
    TransitionRule {
        rule: "!has(oldSelf.topology) || has(self.topology)",
        check: |old, new| !has(old, "topology") || has(new, "topology"),
    },
];

pub(crate) fn lookup_transition(rule: &str) -> Option<&'static TransitionRule> {
    TRANSITION_RULES.iter().find(|r| r.rule == rule)
}

/// The implementation of a non-transition rule; `None` for transition rules and unknown text.
pub(crate) fn lookup(rule: &str) -> Option<&'static CelRule> {
    if is_transition_rule(rule) {
        return None;
    }
    RULES.iter().find(|r| r.rule == rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(rule_fn: fn(&Value) -> Verdict, v: Value) -> Verdict {
        rule_fn(&v)
    }

    #[test]
    fn backup_policy_needs_exactly_one_target() {
        let f = backup_policy_one_target;
        assert_eq!(eval(f, json!({"target": {}})), Verdict::Pass);
        assert_eq!(eval(f, json!({"targets": []})), Verdict::Pass);
        assert_eq!(eval(f, json!({})), Verdict::Fail);
        assert_eq!(eval(f, json!({"target": {}, "targets": []})), Verdict::Fail);
    }

    #[test]
    fn component_names_are_unique() {
        let f = unique_component_names;
        assert_eq!(
            eval(f, json!([{"name": "a"}, {"name": "b"}])),
            Verdict::Pass
        );
        assert_eq!(
            eval(f, json!([{"name": "a"}, {"name": "a"}])),
            Verdict::Fail
        );
        assert_eq!(
            eval(f, json!([{"name": "a"}, {}])),
            Verdict::Error("no such key: name".into())
        );
        assert_eq!(eval(f, json!([])), Verdict::Pass);
    }

    #[test]
    fn component_def_on_all_or_none() {
        let f = component_def_all_or_none;
        assert_eq!(
            eval(f, json!([{"name": "a"}, {"name": "b"}])),
            Verdict::Pass
        );
        assert_eq!(
            eval(f, json!([{"componentDef": "x"}, {"componentDef": "y"}])),
            Verdict::Pass
        );
        assert_eq!(
            eval(f, json!([{"componentDef": "x"}, {"name": "b"}])),
            Verdict::Fail
        );
    }

    #[test]
    fn image_keys_and_names_are_bounded() {
        let long_key = "k".repeat(33);
        assert_eq!(
            eval(image_keys_short, json!({"postgresql": "img"})),
            Verdict::Pass
        );
        assert_eq!(
            eval(image_keys_short, json!({ long_key: "img" })),
            Verdict::Fail
        );
        let long_image = "i".repeat(257);
        assert_eq!(
            eval(image_names_short, json!({"a": "i".repeat(256)})),
            Verdict::Pass
        );
        assert_eq!(
            eval(image_names_short, json!({ "a": long_image })),
            Verdict::Fail
        );
    }

    #[test]
    fn shards_exclude_scale_in_and_out() {
        let f = shards_exclude_scale;
        assert_eq!(eval(f, json!({"shards": 2})), Verdict::Pass);
        assert_eq!(eval(f, json!({"scaleOut": {}})), Verdict::Pass);
        assert_eq!(eval(f, json!({"shards": 2, "scaleIn": {}})), Verdict::Fail);
        assert_eq!(eval(f, json!({"shards": 2, "scaleOut": {}})), Verdict::Fail);
    }

    #[test]
    fn switchover_names_one_component() {
        let f = switchover_one_component;
        assert_eq!(eval(f, json!({"componentName": "pg"})), Verdict::Pass);
        assert_eq!(
            eval(f, json!({"componentObjectName": "c-pg"})),
            Verdict::Pass
        );
        assert_eq!(eval(f, json!({})), Verdict::Fail);
        assert_eq!(
            eval(
                f,
                json!({"componentName": "pg", "componentObjectName": "c-pg"})
            ),
            Verdict::Fail
        );
    }

    #[test]
    fn upgrade_component_needs_a_target() {
        let f = upgrade_needs_target;
        assert_eq!(eval(f, json!({"serviceVersion": "16.4.0"})), Verdict::Pass);
        assert_eq!(
            eval(f, json!({"componentDefinitionName": "pg"})),
            Verdict::Pass
        );
        assert_eq!(eval(f, json!({"componentName": "pg"})), Verdict::Fail);
    }

    #[test]
    fn progress_detail_needs_a_key() {
        let f = progress_detail_key;
        assert_eq!(eval(f, json!({"objectKey": "Pod/x"})), Verdict::Pass);
        assert_eq!(eval(f, json!({"actionName": "a"})), Verdict::Pass);
        assert_eq!(eval(f, json!({"status": "Pending"})), Verdict::Fail);
    }

    #[test]
    fn volume_source_or_mount_path_is_set() {
        let f = volume_source_or_mount_path;
        assert_eq!(eval(f, json!({"volumeSource": "data"})), Verdict::Pass);
        assert_eq!(
            eval(f, json!({"volumeSource": "", "mountPath": "/data"})),
            Verdict::Pass
        );
        assert_eq!(
            eval(f, json!({"volumeSource": "", "mountPath": ""})),
            Verdict::Fail
        );
        assert_eq!(
            eval(f, json!({"mountPath": "/data"})),
            Verdict::Error("no such key: volumeSource".into())
        );
    }

    #[test]
    fn ready_config_needs_an_action() {
        let f = ready_config_action;
        assert_eq!(eval(f, json!({"jobAction": {}})), Verdict::Pass);
        assert_eq!(eval(f, json!({"execAction": {}})), Verdict::Pass);
        assert_eq!(eval(f, json!({})), Verdict::Fail);
    }

    #[test]
    fn transition_rules_are_looked_up_apart() {
        assert!(lookup("self == oldSelf").is_none());
        assert!(lookup("has(self.jobAction) || has(self.execAction)").is_some());
        let immutable = lookup_transition("self == oldSelf").unwrap();
        assert!((immutable.check)(&json!("a"), &json!("a")));
        assert!(!(immutable.check)(&json!("a"), &json!("b")));
        let topology = lookup_transition("!has(oldSelf.topology) || has(self.topology)").unwrap();
        assert!((topology.check)(&json!({}), &json!({"topology": "x"})));
        assert!(!(topology.check)(&json!({"topology": "x"}), &json!({})));
        let params = lookup_transition("has(oldSelf.parameters) == has(self.parameters)").unwrap();
        assert!(!(params.check)(&json!({}), &json!({"parameters": []})));
    }
}
