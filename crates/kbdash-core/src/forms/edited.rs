//! Re-validation of a request the user edited as YAML in the preview.
//!
//! The edit is read back into the form's input and validated like the form itself, so every
//! check still applies; then the edited spec must be exactly what the form would build from
//! that input (plus a few harmless pass-through keys). Anything the form cannot check is
//! refused rather than sent unchecked.

use serde_json::Value;

use super::{
    BackupInput, BackupScheduleInput, CancelInput, CreateInput, ExposeInput, FieldError,
    FormContext, HorizontalScalingInput, LifecycleInput, OpForm, ReconfigureInput, Request,
    RequestAction, ScaleDirection, SwitchoverInput, TerminationPolicyInput, UpgradeInput,
    VerticalScalingInput, VolumeExpansionInput,
};
use crate::kinds::Kind;

/// The field name of errors about the edited YAML text as a whole.
pub const YAML_FIELD: &str = "yaml";

/// OpsRequest spec keys an edit may add that change no checked behaviour.
const PASS_THROUGH_SPEC_KEYS: [&str; 4] = [
    "ttlSecondsAfterSucceed",
    "ttlSecondsAfterUnsuccessfulCompletion",
    "timeoutSeconds",
    "preConditionDeadlineSeconds",
];

/// Re-validates `text` (the YAML preview as edited) for `form`'s op. On success returns the
/// form updated from the edit (to show its fields again) and the request carrying the
/// edited object. Errors about the text itself use [`YAML_FIELD`]; the form's own checks
/// keep their field names.
pub fn validate_edited(
    form: &OpForm,
    text: &str,
    ctx: &FormContext,
) -> Result<(OpForm, Request), Vec<FieldError>> {
    let yaml_error = |m: String| vec![FieldError::new(YAML_FIELD, m)];
    let edited: Value =
        serde_yaml_ng::from_str(text).map_err(|e| yaml_error(format!("not valid YAML: {e}")))?;
    let expected = expected_kind(form);
    let info = expected.info();
    if edited["apiVersion"].as_str() != Some(expected.api_version().as_str())
        || edited["kind"].as_str() != Some(info.kind_name)
    {
        return Err(yaml_error(format!(
            "the request must stay apiVersion {} kind {}",
            expected.api_version(),
            info.kind_name
        )));
    }
    // A new cluster goes to the namespace its form names; everything else stays in the
    // namespace of the cluster it acts on.
    let namespace = match form {
        OpForm::Create(f) => f.namespace.as_str(),
        _ => ctx.namespace.as_str(),
    };
    if edited
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        != Some(namespace)
    {
        return Err(yaml_error(format!(
            "metadata.namespace must stay {namespace}"
        )));
    }
    // The form's own checks first: they word a wrong value as the form does.
    let mut updated = form.clone();
    absorb(&mut updated, &edited);
    let built = updated.validate(ctx)?;
    // A merge patch is not a whole object: the schema judges the object it is applied to.
    if built.action == RequestAction::Create
        && let Err(causes) = crate::schema::validate_only(expected, &edited)
    {
        return Err(causes
            .into_iter()
            .map(|c| FieldError::new(YAML_FIELD, format!("{}: {}", c.field, plain(&c.message))))
            .collect());
    }
    let mut edited_spec = edited.get("spec").cloned().unwrap_or(Value::Null);
    if let (Some(spec), Kind::OpsRequest, RequestAction::Create) =
        (edited_spec.as_object_mut(), expected, &built.action)
    {
        spec.retain(|k, _| !PASS_THROUGH_SPEC_KEYS.contains(&k.as_str()));
    }
    if let Some(path) = first_difference(&built.body["spec"], &edited_spec, "spec") {
        return Err(yaml_error(format!(
            "{path}: this edit cannot be checked by the form; change it in the form instead"
        )));
    }
    if let RequestAction::MergePatch { name } | RequestAction::Delete { name } = &built.action
        && edited.pointer("/metadata/name").and_then(Value::as_str) != Some(name)
    {
        return Err(yaml_error(format!("metadata.name must stay {name}")));
    }
    let request = Request {
        body: edited,
        ..built
    };
    Ok((updated, request))
}

/// A schema message without the regular expression a pattern rule quotes: people read it.
fn plain(message: &str) -> String {
    match message.find(" in body should match '") {
        Some(at) => format!("{} does not have the expected format", &message[..at]),
        None => message.to_string(),
    }
}

fn expected_kind(form: &OpForm) -> Kind {
    match form {
        OpForm::Backup(_) => Kind::Backup,
        OpForm::BackupSchedule(f) if f.cluster_backup.is_some() => Kind::Cluster,
        OpForm::BackupSchedule(_) => Kind::BackupSchedule,
        OpForm::TerminationPolicy(_) | OpForm::Delete(_) | OpForm::Create(_) => Kind::Cluster,
        _ => Kind::OpsRequest,
    }
}

/// The first path where `a` and `b` differ.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(path.to_string()),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads the edited object into the form's input; shapes the form does not model are left
/// for the final comparison to refuse.
fn absorb(form: &mut OpForm, body: &Value) {
    let spec = &body["spec"];
    match form {
        OpForm::HorizontalScaling(f) => absorb_horizontal(f, &spec["horizontalScaling"][0]),
        OpForm::VerticalScaling(f) => absorb_vertical(f, &spec["verticalScaling"][0]),
        OpForm::Switchover(f) => absorb_switchover(f, &spec["switchover"][0]),
        OpForm::Reconfiguring(f) => absorb_reconfigure(f, &spec["reconfigures"][0]),
        OpForm::VolumeExpansion(f) => absorb_volume(f, &spec["volumeExpansion"][0]),
        OpForm::Upgrade(f) => absorb_upgrade(f, &spec["upgrade"]["components"][0]),
        OpForm::Expose(f) => absorb_expose(f, &spec["expose"][0]),
        OpForm::Lifecycle(f) => absorb_lifecycle(f, spec),
        OpForm::Backup(f) => absorb_backup(f, body),
        OpForm::BackupSchedule(f) => absorb_schedule(f, spec),
        OpForm::Cancel(f) => absorb_cancel(f, body),
        OpForm::TerminationPolicy(f) => absorb_termination(f, spec),
        // A delete has nothing to read: the name check refuses another cluster.
        OpForm::Delete(_) => {}
        OpForm::Create(f) => absorb_create(f, body),
    }
}

fn absorb_termination(f: &mut TerminationPolicyInput, spec: &Value) {
    f.policy = text(&spec["terminationPolicy"]);
}

fn absorb_create(f: &mut CreateInput, body: &Value) {
    let spec = &body["spec"];
    let comp = &spec["componentSpecs"][0];
    let gib = |v: &Value| text(v).trim_end_matches("Gi").to_string();
    f.name = text(&body["metadata"]["name"]);
    f.namespace = text(&body["metadata"]["namespace"]);
    f.version = text(&comp["serviceVersion"]);
    f.replicas = text(&comp["replicas"]);
    f.cpu = text(&comp["resources"]["limits"]["cpu"]);
    f.memory = gib(&comp["resources"]["limits"]["memory"]);
    let volume = &comp["volumeClaimTemplates"][0]["spec"];
    f.storage = gib(&volume["resources"]["requests"]["storage"]);
    f.storage_class = text(&volume["storageClassName"]);
    f.termination_policy = text(&spec["terminationPolicy"]);
    f.exporter = comp["disableExporter"].as_bool() == Some(false);
    let backup = &spec["backup"];
    if backup.is_object() {
        f.backup.enabled = backup["enabled"].as_bool().unwrap_or(false);
        f.backup.method = text(&backup["method"]);
        f.backup.cron = text(&backup["cronExpression"]);
        f.backup.retention = text(&backup["retentionPeriod"]);
        f.backup.pitr = backup["pitrEnabled"].as_bool().unwrap_or(false);
        f.backup.continuous_method = text(&backup["continuousMethod"]);
    } else {
        f.backup.enabled = false;
        f.backup.pitr = false;
    }
}

fn absorb_horizontal(f: &mut HorizontalScalingInput, item: &Value) {
    f.component = text(&item["componentName"]);
    if let Some(out) = item.get("scaleOut") {
        f.direction = ScaleDirection::Out;
        f.replica_changes = text(&out["replicaChanges"]);
    } else if let Some(scale_in) = item.get("scaleIn") {
        f.direction = ScaleDirection::In;
        // A scale-in by count alone names no instance: the form asks for them.
        f.instances = scale_in["onlineInstancesToOffline"]
            .as_array()
            .map(|names| names.iter().map(text).collect())
            .unwrap_or_default();
    }
}

fn absorb_vertical(f: &mut VerticalScalingInput, item: &Value) {
    f.component = text(&item["componentName"]);
    f.cpu_request = text(&item["requests"]["cpu"]);
    f.memory_request = text(&item["requests"]["memory"]);
    f.cpu_limit = text(&item["limits"]["cpu"]);
    f.memory_limit = text(&item["limits"]["memory"]);
}

fn absorb_switchover(f: &mut SwitchoverInput, item: &Value) {
    f.component = text(&item["componentName"]);
    f.candidate = match item.get("candidateName") {
        Some(c) => text(c),
        None => super::switchover::ANY_SECONDARY.to_string(),
    };
}

fn absorb_reconfigure(f: &mut ReconfigureInput, item: &Value) {
    f.component = text(&item["componentName"]);
    f.parameters = item["parameters"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| format!("{} = {}\n", text(&r["key"]), row_value(&text(&r["value"]))))
                .collect()
        })
        .unwrap_or_default();
}

/// A value as a parameter row writes it: one the row would unwrap (it has its own enclosing
/// single quotes, as the wal-g `archive_command` does) is wrapped once more.
fn row_value(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        format!("'{value}'")
    } else {
        value.to_string()
    }
}

fn absorb_volume(f: &mut VolumeExpansionInput, item: &Value) {
    f.component = text(&item["componentName"]);
    f.volume = text(&item["volumeClaimTemplates"][0]["name"]);
    f.storage = text(&item["volumeClaimTemplates"][0]["storage"]);
}

fn absorb_upgrade(f: &mut UpgradeInput, item: &Value) {
    f.component = text(&item["componentName"]);
    f.service_version = text(&item["serviceVersion"]);
}

fn absorb_expose(f: &mut ExposeInput, item: &Value) {
    let service = &item["services"][0];
    f.component = text(&item["componentName"]);
    f.switch = text(&item["switch"]);
    f.service_name = text(&service["name"]);
    f.service_type = text(&service["serviceType"]);
    f.role_selector = text(&service["roleSelector"]);
    f.annotations = service["annotations"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}: {}\n", text(v)))
                .collect()
        })
        .unwrap_or_default();
}

fn absorb_lifecycle(f: &mut LifecycleInput, spec: &Value) {
    let key = match f.op {
        super::OpKind::Stop => "stop",
        super::OpKind::Start => "start",
        _ => "restart",
    };
    f.components = spec[key]
        .as_array()
        .map(|items| items.iter().map(|i| text(&i["componentName"])).collect())
        .unwrap_or_default();
}

fn absorb_backup(f: &mut BackupInput, body: &Value) {
    let spec = &body["spec"];
    f.name = text(&body["metadata"]["name"]);
    f.policy = text(&spec["backupPolicyName"]);
    f.method = text(&spec["backupMethod"]);
    f.retention = text(&spec["retentionPeriod"]);
    f.deletion_policy = text(&spec["deletionPolicy"]);
}

fn absorb_cancel(f: &mut CancelInput, body: &Value) {
    f.ops_request = text(&body["metadata"]["name"]);
}

fn absorb_schedule(f: &mut BackupScheduleInput, spec: &Value) {
    if let Some(b) = &mut f.cluster_backup {
        let backup = &spec["backup"];
        b.method = text(&backup["method"]);
        b.enabled = backup["enabled"].as_bool().unwrap_or(false);
        b.cron = text(&backup["cronExpression"]);
        b.retention = text(&backup["retentionPeriod"]);
        b.pitr = match backup["pitrEnabled"].as_bool() {
            Some(true) => "true",
            Some(false) => "false",
            None => "unset",
        }
        .to_string();
        b.continuous_method = text(&backup["continuousMethod"]);
        return;
    }
    let Some(items) = spec["schedules"].as_array() else {
        return;
    };
    for s in &mut f.schedules {
        let key = |i: &&Value| match i["name"].as_str().filter(|n| !n.is_empty()) {
            Some(name) => name == s.key,
            None => i["backupMethod"].as_str() == Some(&s.key),
        };
        if let Some(item) = items.iter().find(key) {
            s.enabled = item["enabled"].as_bool().unwrap_or(false);
            s.cron = text(&item["cronExpression"]);
            s.retention = text(&item["retentionPeriod"]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::examples::{example_forms, fixture_context, render};
    use crate::forms::{OpKind, ScaleDirection};

    fn preview(form: &OpForm, ctx: &FormContext) -> String {
        let request = form.validate(ctx).unwrap();
        serde_yaml_ng::to_string(&request.body).unwrap()
    }

    #[test]
    fn unedited_previews_pass_for_every_example() {
        for (name, ctx, form) in example_forms().unwrap() {
            let request = form.validate(&ctx).unwrap();
            let text = serde_yaml_ng::to_string(&request.body).unwrap();
            let (updated, checked) =
                validate_edited(&form, &text, &ctx).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(checked.body, request.body, "{name}");
            assert_eq!(updated.validate(&ctx).unwrap().body, request.body, "{name}");
            // the example files (fixed names, comments) pass too
            let file = render("x-example", &request).unwrap();
            assert!(validate_edited(&form, &file, &ctx).is_ok(), "{name} file");
        }
    }

    #[test]
    fn edits_are_checked_like_the_form() {
        let ctx = fixture_context();
        let form = OpForm::new(OpKind::HorizontalScaling, &ctx);
        let text = preview(&form, &ctx).replace("replicaChanges: 1", "replicaChanges: 3");
        let (updated, request) = validate_edited(&form, &text, &ctx).unwrap();
        assert_eq!(
            request.body["spec"]["horizontalScaling"][0]["scaleOut"]["replicaChanges"],
            3
        );
        assert!(
            matches!(updated, OpForm::HorizontalScaling(ref f) if f.replica_changes == "3" && f.direction == ScaleDirection::Out)
        );

        let text = preview(&form, &ctx).replace(
            "scaleOut:\n      replicaChanges: 1",
            "scaleIn:\n      replicaChanges: 2\n      onlineInstancesToOffline: [pg-cluster-postgresql-0, pg-cluster-postgresql-1]",
        );
        assert_eq!(
            validate_edited(&form, &text, &ctx).unwrap_err()[0],
            FieldError::new(
                "instances",
                "scale-in must leave at least 1 replica of postgresql (it has 2)"
            )
        );
        // A scale-in by count alone names no instance: the form's own words ask for them.
        let text = preview(&form, &ctx).replace("scaleOut", "scaleIn");
        assert_eq!(
            validate_edited(&form, &text, &ctx).unwrap_err()[0].field,
            "instances"
        );
        // A wrong quantity is worded as the form words it, not as the schema's pattern.
        let vscale = OpForm::new(OpKind::VerticalScaling, &ctx);
        let mut set = vscale.clone();
        set.set("memory_limit", "4Gi").unwrap();
        let text = preview(&set, &ctx).replace("4Gi", "8gb");
        assert_eq!(
            validate_edited(&set, &text, &ctx).unwrap_err(),
            vec![FieldError::new(
                "memory_limit",
                "Memory limit: \"8gb\" is not a quantity: use 8Gi"
            )]
        );

        let mut reconf = OpForm::new(OpKind::Reconfiguring, &ctx);
        reconf.set("parameters", "work_mem = 8MB").unwrap();
        let text = preview(&reconf, &ctx).replace("8MB", "lots");
        assert_eq!(
            validate_edited(&reconf, &text, &ctx).unwrap_err()[0].field,
            "parameters"
        );
    }

    #[test]
    fn schema_messages_quote_no_regular_expression() {
        assert_eq!(
            plain(r#"Invalid value: "x y": spec.a in body should match '^[a-z]+$'"#),
            r#"Invalid value: "x y": spec.a does not have the expected format"#
        );
        assert_eq!(plain("Required value"), "Required value");
    }

    #[test]
    fn unchecked_or_invalid_edits_are_refused() {
        let ctx = fixture_context();
        let form = OpForm::new(OpKind::Switchover, &ctx);
        let base = preview(&form, &ctx);
        let refused = |text: &str| validate_edited(&form, text, &ctx).unwrap_err();
        assert_eq!(
            refused(&base.replace("pg-cluster-postgresql-0", "pg-cluster-postgresql-1")),
            vec![FieldError::new(
                YAML_FIELD,
                "spec.switchover[0].instanceName: this edit cannot be checked by the form; change it in the form instead"
            )]
        );
        assert_eq!(
            refused(&base.replace(
                "clusterName: pg-cluster",
                "clusterName: pg-cluster\n  force: true"
            )),
            vec![FieldError::new(
                YAML_FIELD,
                "spec.force: this edit cannot be checked by the form; change it in the form instead"
            )]
        );
        assert!(
            validate_edited(
                &form,
                &base.replace(
                    "clusterName: pg-cluster",
                    "clusterName: pg-cluster\n  timeoutSeconds: 600"
                ),
                &ctx
            )
            .is_ok()
        );
        assert_eq!(refused("a: [")[0].field, YAML_FIELD);
        assert!(refused("a: [")[0].message.starts_with("not valid YAML"));
        assert_eq!(
            refused(&base.replace("kind: OpsRequest", "kind: Backup")),
            vec![FieldError::new(
                YAML_FIELD,
                "the request must stay apiVersion operations.kubeblocks.io/v1alpha1 kind OpsRequest"
            )]
        );
        assert_eq!(
            refused(&base.replace("namespace: demo", "namespace: prod")),
            vec![FieldError::new(
                YAML_FIELD,
                "metadata.namespace must stay demo"
            )]
        );
        let schema_errors =
            refused(&base.replace("type: Switchover", "type: Switchover\n  clustername: x"));
        assert!(schema_errors.iter().all(|e| e.field == YAML_FIELD) && !schema_errors.is_empty());
    }
}
