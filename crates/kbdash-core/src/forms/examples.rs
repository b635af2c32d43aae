//! Test support (feature `testing`): the form and restore contexts of the reference fixtures
//! `tests/fixtures/kubeblocks/` (cluster `pg-cluster` in namespace `demo`), and the files of
//! `examples/`, requests built by the form code from those contexts.
//!
//! The integration test `examples_files` regenerates the files in memory and fails when one
//! differs (`KBDASH_BLESS=1` rewrites them).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde_json::{Value, json};

use crate::domain::pitr::BackupKind;

use super::{
    BackupMethodInfo, BackupPolicyInfo, BackupScheduleInfo, ComponentInfo, FormContext, OpForm,
    OpKind, OpsRequestInfo, PodInfo, Request, RequestAction, RestoreContext, RestoreInput,
    ScheduleInfo, VolumeInfo, WalGStep,
};
use crate::kinds::Kind;

/// The context of the reference fixtures (`tests/forms_context.rs` checks it equals
/// [`FormContext::from_objects`] of them): PostgreSQL 16.9.0, 2 replicas (pod 0 primary,
/// pod 1 ready secondary), 1 CPU / 2Gi, 20Gi `data`, the `postgresql` ComponentVersion's
/// 16.x and 17.x releases, the addon's BackupPolicy (typed by its ActionSets) and
/// BackupSchedule, and two of its OpsRequests (`with_ops_requests` of the running
/// HorizontalScaling and the finished VerticalScaling fixtures).
pub fn fixture_context() -> FormContext {
    let pod = |i: u32, role: &str| PodInfo {
        name: format!("pg-cluster-postgresql-{i}"),
        component: "postgresql".to_string(),
        role: Some(role.to_string()),
        ready: true,
    };
    let method = |name: &str, kind: BackupKind| BackupMethodInfo {
        name: name.to_string(),
        kind: Some(kind),
        compatible: String::new(),
    };
    let schedule = |method: &str, enabled: bool, cron: &str, retention: &str| ScheduleInfo {
        name: String::new(),
        method: method.to_string(),
        enabled,
        cron: cron.to_string(),
        retention: retention.to_string(),
        original: json!({
            "backupMethod": method,
            "enabled": enabled,
            "cronExpression": cron,
            "retentionPeriod": retention,
        }),
    };
    FormContext {
        cluster: "pg-cluster".to_string(),
        namespace: "demo".to_string(),
        phase: "Running".to_string(),
        components: vec![ComponentInfo {
            name: "postgresql".to_string(),
            replicas: 2,
            service_version: "16.9.0".to_string(),
            cpu_request: Some("1".to_string()),
            cpu_limit: Some("1".to_string()),
            memory_request: Some("2Gi".to_string()),
            memory_limit: Some("2Gi".to_string()),
            volumes: vec![VolumeInfo {
                name: "data".to_string(),
                storage: "20Gi".to_string(),
                capacity: None,
                storage_class: "standard-rwo".to_string(),
            }],
            disable_exporter: false,
        }],
        pods: vec![pod(0, "primary"), pod(1, "secondary")],
        releases: ["16.4.0", "16.9.0", "16.14.0", "17.5.0", "17.10.0"]
            .map(String::from)
            .to_vec(),
        backup_policies: vec![BackupPolicyInfo {
            name: "pg-cluster-postgresql-backup-policy".to_string(),
            component: "postgresql".to_string(),
            is_default: true,
            methods: vec![
                method("pg-basebackup", BackupKind::Full),
                method("volume-snapshot", BackupKind::Full),
                method("archive-wal", BackupKind::Continuous),
            ],
        }],
        backup_schedule: Some(BackupScheduleInfo {
            name: "pg-cluster-postgresql-backup-schedule".to_string(),
            backup_policy: "pg-cluster-postgresql-backup-policy".to_string(),
            schedules: vec![
                schedule("pg-basebackup", true, "0 2 * * *", "7d"),
                schedule("volume-snapshot", false, "0 18 * * *", "7d"),
                schedule("archive-wal", true, "*/5 * * * *", "8d"),
            ],
        }),
        ops_requests: vec![
            OpsRequestInfo {
                name: "pg-cluster-horizontalscaling-x7k2p".to_string(),
                ops_type: "HorizontalScaling".to_string(),
                phase: "Running".to_string(),
            },
            OpsRequestInfo {
                name: "pg-cluster-verticalscaling-h2v8n".to_string(),
                ops_type: "VerticalScaling".to_string(),
                phase: "Succeed".to_string(),
            },
        ],
        cluster_backup: None,
        termination_policy: "Delete".to_string(),
        now: Utc
            .with_ymd_and_hms(2025, 6, 4, 12, 0, 0)
            .single()
            .unwrap_or_default(),
        ..FormContext::default()
    }
}

/// The continuous (WAL archive) backup of the reference fixtures.
const FIXTURE_CONTINUOUS: &str =
    include_str!("../../../../tests/fixtures/kubeblocks/backup-continuous-archive-wal.yaml");
/// The Completed full backup of the reference fixtures (ends inside the continuous range).
const FIXTURE_FULL: &str =
    include_str!("../../../../tests/fixtures/kubeblocks/backup-full-pg-basebackup.yaml");

/// The restore context of the reference fixtures: restoring from the continuous backup
/// (`continuous`) or the full one, with both backups listed, cluster `demo/pg-cluster`
/// existing, now = 2025-06-04T12:00:00Z in UTC. Its window is
/// 2025-06-03T02:01:10Z ~ 2025-06-03T10:14:52Z.
pub fn fixture_restore_context(continuous: bool) -> Result<RestoreContext, String> {
    let read = |text: &str| serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string());
    let (cont, full) = (read(FIXTURE_CONTINUOUS)?, read(FIXTURE_FULL)?);
    let cluster = json!({"metadata": {"name": "pg-cluster", "namespace": "demo"}});
    let utc = FixedOffset::east_opt(0).ok_or("no UTC offset")?;
    let now = DateTime::parse_from_rfc3339("2025-06-04T12:00:00Z")
        .map_err(|e| e.to_string())?
        .with_timezone(&Utc);
    RestoreContext::from_objects(
        if continuous { &cont } else { &full },
        &[cont.clone(), full.clone()],
        &[cluster],
        now,
        utc,
    )
    .ok_or_else(|| "fixture backup without a name".to_string())
}

/// The restore examples of `examples/` (file name, request with secrets redacted: the
/// files are read by people, and the encrypted accounts must never be shown in full).
fn restore_example_requests() -> Result<Vec<(String, Request)>, String> {
    type Example = (&'static str, bool, &'static [(&'static str, &'static str)]);
    const EXAMPLES: [Example; 3] = [
        (
            "restore-ops-pitr",
            true,
            &[("time", "2025-06-03T09:30:00Z")],
        ),
        (
            "restore-cluster-annotation",
            true,
            &[("form", "Cluster"), ("time", "2025-06-03 09:30:00 UTC")],
        ),
        ("restore-ops-full", false, &[]),
    ];
    EXAMPLES
        .iter()
        .map(|(stem, continuous, fields)| {
            let ctx = fixture_restore_context(*continuous)?;
            let mut input = RestoreInput::initial(&ctx);
            for (f, v) in *fields {
                input
                    .set(f, v)
                    .map_err(|e| format!("example {stem}: {e}"))?;
            }
            let mut request = input
                .validate(&ctx)
                .map_err(|errs| format!("example {stem}: {errs:?}"))?;
            request.body = crate::redact::redacted(&request.body);
            Ok((format!("{stem}.yaml"), request))
        })
        .collect()
}

/// Field values set on top of a form's defaults.
type FieldValues = &'static [(&'static str, &'static str)];

/// The example inputs: file stem, op, and the fields set on top of the form's defaults.
const EXAMPLES: &[(&str, OpKind, FieldValues)] = &[
    (
        "horizontalscaling-scale-out",
        OpKind::HorizontalScaling,
        &[("direction", "out"), ("replica_changes", "1")],
    ),
    (
        "horizontalscaling-scale-in",
        OpKind::HorizontalScaling,
        &[
            ("direction", "in"),
            ("instances", "pg-cluster-postgresql-1"),
        ],
    ),
    (
        "verticalscaling",
        OpKind::VerticalScaling,
        &[
            ("cpu_request", "2"),
            ("cpu_limit", "2"),
            ("memory_request", "4Gi"),
            ("memory_limit", "4Gi"),
        ],
    ),
    (
        "switchover",
        OpKind::Switchover,
        &[("candidate", "pg-cluster-postgresql-1")],
    ),
    (
        "reconfiguring",
        OpKind::Reconfiguring,
        &[(
            "parameters",
            "max_connections = 200\nlog_min_duration_statement = 500ms\ntrack_io_timing = true\n",
        )],
    ),
    (
        "volumeexpansion",
        OpKind::VolumeExpansion,
        &[("storage", "30Gi")],
    ),
    (
        "upgrade",
        OpKind::Upgrade,
        &[("service_version", "16.14.0")],
    ),
    (
        "expose",
        OpKind::Expose,
        &[
            ("service_name", "vpc"),
            ("service_type", "LoadBalancer"),
            ("preset", "aws-internal"),
        ],
    ),
    ("restart", OpKind::Restart, &[]),
    ("stop", OpKind::Stop, &[]),
    ("start", OpKind::Start, &[]),
    ("backup", OpKind::Backup, &[("retention", "7d")]),
    (
        "backupschedule-patch",
        OpKind::BackupSchedule,
        &[
            ("volume-snapshot.enabled", "false"),
            ("pg-basebackup.cron", "0 3 * * *"),
        ],
    ),
    ("opsrequest-cancel", OpKind::Cancel, &[]),
    (
        "terminationpolicy-patch",
        OpKind::TerminationPolicy,
        &[("policy", "WipeOut")],
    ),
    // A clone of pg-cluster under a new name.
    (
        "cluster-create",
        OpKind::Create,
        &[("name", "pg-cluster-2")],
    ),
];

/// Every example form with its file name and context (the Start example's cluster is
/// Stopped), its fields set as the example wants.
pub fn example_forms() -> Result<Vec<(String, FormContext, OpForm)>, String> {
    let mut out = Vec::new();
    for (stem, op, fields) in EXAMPLES {
        let mut ctx = fixture_context();
        if *op == OpKind::Start {
            ctx.phase = "Stopped".to_string();
        }
        let mut form = OpForm::new(*op, &ctx);
        for (field, value) in *fields {
            form.set(field, value)
                .map_err(|e| format!("example {stem}: {e}"))?;
        }
        out.push((format!("{stem}.yaml"), ctx, form));
    }
    let ctx = fixture_wal_g_context();
    for (stem, step) in WAL_G_EXAMPLES {
        out.push((format!("{stem}.yaml"), ctx.clone(), step.form(&ctx)));
    }
    Ok(out)
}

/// The wal-g setup's steps as the guide's example files name them.
const WAL_G_EXAMPLES: [(&str, WalGStep); 3] = [
    ("config-wal-g", WalGStep::Configure),
    ("reconfiguring-archive-command", WalGStep::ArchiveCommand),
    ("backup-wal-g", WalGStep::FullBackup),
];

/// [`fixture_context`] with the addon's wal-g methods in its BackupPolicy
/// (`backuppolicy-wal-g.yaml` has them: `config-wal-g` and `wal-g` Full, `wal-g-archive`
/// Continuous, restored from `wal-g`).
pub fn fixture_wal_g_context() -> FormContext {
    let mut ctx = fixture_context();
    if let Some(policy) = ctx.backup_policies.first_mut() {
        for (name, kind, compatible) in [
            ("config-wal-g", BackupKind::Full, ""),
            ("wal-g", BackupKind::Full, ""),
            ("wal-g-archive", BackupKind::Continuous, "wal-g"),
        ] {
            policy.methods.push(BackupMethodInfo {
                name: name.to_string(),
                kind: Some(kind),
                compatible: compatible.to_string(),
            });
        }
    }
    ctx
}

/// Every example request, built and validated by the forms from [`fixture_context`].
pub fn example_requests() -> Result<Vec<(String, Request)>, String> {
    example_forms()?
        .into_iter()
        .map(|(file, ctx, form)| {
            let request = form
                .validate(&ctx)
                .map_err(|errs| format!("example {file}: {errs:?}"))?;
            Ok((file, request))
        })
        .chain(restore_example_requests()?.into_iter().map(Ok))
        .collect()
}

/// `(file name, contents)` of every file of `examples/`.
pub fn example_files() -> Result<Vec<(String, String)>, String> {
    example_requests()?
        .into_iter()
        .map(|(file, request)| {
            let stem = file.trim_end_matches(".yaml");
            let text = render(&format!("pg-cluster-{stem}-example"), &request)?;
            Ok((file, text))
        })
        .collect()
}

/// The YAML of one example, with a header saying how it was made and how to use it.
/// OpsRequests get the fixed `metadata.name` `name` in place of `generateName`, since
/// `kubectl apply -f` cannot create from `generateName`.
pub(crate) fn render(name: &str, request: &Request) -> Result<String, String> {
    let mut body = request.body.clone();
    let mut header = String::from(
        "# Built by kbdash's form code (src/forms/examples.rs) for cluster pg-cluster in namespace demo.\n",
    );
    let generate = body
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let (Some(generate), Some(meta)) = (generate, body.get_mut("metadata")) {
        if let Some(m) = meta.as_object_mut() {
            m.remove("generateName");
            m.insert("name".into(), Value::String(name.to_string()));
        }
        header.push_str(&format!(
            "# kbdash sends `generateName: {generate}`; `kubectl apply -f` cannot use generateName,\n# so this file has a fixed metadata.name instead.\n"
        ));
    }
    match &request.action {
        RequestAction::Create => header.push_str("# Use: kubectl apply -f <this file>\n"),
        RequestAction::MergePatch { name } if request.kind == Kind::OpsRequest => {
            header.push_str(&format!(
                "# A JSON merge patch of OpsRequest {name} (it exists: this cancels it).\n# Use: kubectl patch opsrequest {name} -n demo --type merge --patch-file <this file>\n"
            ))
        }
        RequestAction::MergePatch { name } if request.kind == Kind::Cluster => {
            header.push_str(&format!(
                "# A JSON merge patch of Cluster {name}.\n# Use: kubectl patch cluster {name} -n demo --type merge --patch-file <this file>\n"
            ))
        }
        RequestAction::Delete { name } => header.push_str(&format!(
            "# The cluster deleted (kbdash sends DELETE).\n# Use: kubectl delete cluster {name} -n demo\n"
        )),
        RequestAction::MergePatch { name } => header.push_str(&format!(
            "# A JSON merge patch of BackupSchedule {name} (lists are replaced whole, so every\n# schedule entry is listed). Use: kubectl apply -f <this file>, or\n# kubectl patch backupschedule {name} -n demo --type merge --patch-file <this file>\n"
        )),
    }
    header.push_str("# Regenerate: KBDASH_BLESS=1 cargo test --test examples_files\n");
    let yaml = serde_yaml_ng::to_string(&body).map_err(|e| e.to_string())?;
    Ok(format!("{header}{yaml}"))
}
