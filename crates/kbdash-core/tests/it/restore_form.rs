//! The restore form, table-driven on the reference fixtures (continuous backup
//! `5f8e2c1a-pg-cluster-postgresql-archive-wal`, range 2025-06-02T08:05:31Z ~
//! 2025-06-03T10:14:52Z; full backup `pg-cluster-20250603020000` ending 2025-06-03T02:01:10Z;
//! now 2025-06-04T12:00:00Z): valid inputs build the expected object, each invalid input
//! gives its own message on its own field and builds nothing.

use chrono::TimeDelta;
use kbdash_core::forms::examples::fixture_restore_context;
use kbdash_core::forms::{
    RESTORE_FROM_BACKUP_ANNOTATION, RestoreContext, RestoreInput, RestoreRequestForm,
};
use kbdash_core::kinds::Kind;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Field values set on top of the form's defaults.
type Fields = Vec<(&'static str, &'static str)>;

const CONTINUOUS: &str = "5f8e2c1a-pg-cluster-postgresql-archive-wal";

fn ctx(continuous: bool) -> RestoreContext {
    fixture_restore_context(continuous).unwrap()
}

fn input(ctx: &RestoreContext, fields: &[(&str, &str)]) -> RestoreInput {
    let mut input = RestoreInput::initial(ctx);
    for (f, v) in fields {
        input.set(f, v).unwrap();
    }
    input
}

fn ops(name: &str, restore: Value) -> Value {
    json!({
        "apiVersion": "operations.kubeblocks.io/v1alpha1",
        "kind": "OpsRequest",
        "metadata": {
            "name": name,
            "namespace": "demo",
            "labels": {
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/managed-by": "kubeblocks",
            },
        },
        "spec": {
            "clusterName": name,
            "type": "Restore",
            "force": false,
            "ttlSecondsAfterSucceed": 30,
            "restore": restore,
        },
    })
}

#[test]
fn the_form_opens_on_a_free_name_and_the_latest_restorable_time() {
    let c = ctx(true);
    let i = RestoreInput::initial(&c);
    assert_eq!(i.form, RestoreRequestForm::OpsRequest);
    assert_eq!(
        (i.name.as_str(), i.namespace.as_str()),
        ("pg-cluster-pitr", "demo")
    );
    assert_eq!(i.time, "2025-06-03T10:14:52Z");
    assert_eq!((i.replicas.as_str(), i.cpu.as_str()), ("2", "1"));
    let names = |i: &RestoreInput, c: &RestoreContext| -> Vec<String> {
        i.fields(c).into_iter().map(|f| f.name).collect()
    };
    assert_eq!(
        names(&i, &c),
        [
            "form",
            "backup",
            "name",
            "namespace",
            "volume_restore_policy",
            "time"
        ]
    );
    let cluster_form = input(&c, &[("form", "Cluster")]);
    assert!(names(&cluster_form, &c).ends_with(&[
        "time".to_string(),
        "replicas".into(),
        "cpu".into(),
        "memory".into()
    ]));
    let full = ctx(false);
    let fi = RestoreInput::initial(&full);
    assert_eq!(fi.name, "pg-cluster-restore");
    assert!(!names(&fi, &full).contains(&"time".to_string()));
    let time = i.fields(&c).into_iter().find(|f| f.name == "time").unwrap();
    assert_eq!(
        time.hint.as_deref(),
        Some(
            "2025-06-03T10:14:52Z (local 2025-06-03 10:14:52 +00:00); window 2025-06-03T02:01:10Z ~ 2025-06-03T10:14:52Z"
        )
    );
}

#[test]
fn valid_inputs_build_the_expected_requests() {
    let pitr = |t: &str| {
        ops(
            "pg-cluster-pitr",
            json!({
                "backupName": CONTINUOUS,
                "backupNamespace": "demo",
                "restorePointInTime": t,
                "volumeRestorePolicy": "Parallel",
            }),
        )
    };
    let cases: Vec<(&str, bool, Fields, Value)> = vec![
        (
            "RFC 3339",
            true,
            vec![("time", "2025-06-03T09:30:00Z")],
            pitr("2025-06-03T09:30:00Z"),
        ),
        (
            "zoned date-time",
            true,
            vec![("time", "2025-06-03 11:30:00 +02:00")],
            pitr("2025-06-03T09:30:00Z"),
        ),
        (
            "relative to now",
            true,
            vec![("time", "now-26h")],
            pitr("2025-06-03T10:00:00Z"),
        ),
        (
            "the window's first second",
            true,
            vec![("time", "2025-06-03T02:01:10Z")],
            pitr("2025-06-03T02:01:10Z"),
        ),
        (
            "serial, other name and namespace",
            true,
            vec![
                ("time", "2025-06-03T09:30:00Z"),
                ("volume_restore_policy", "Serial"),
                ("name", "pg-cluster"),
                ("namespace", "staging"),
            ],
            {
                let mut v = ops(
                    "pg-cluster",
                    json!({
                        "backupName": CONTINUOUS,
                        "backupNamespace": "demo",
                        "restorePointInTime": "2025-06-03T09:30:00Z",
                        "volumeRestorePolicy": "Serial",
                    }),
                );
                v["metadata"]["namespace"] = json!("staging");
                v
            },
        ),
        (
            "full backup",
            false,
            vec![],
            ops(
                "pg-cluster-restore",
                json!({
                    "backupName": "pg-cluster-20250603020000",
                    "backupNamespace": "demo",
                    "volumeRestorePolicy": "Parallel",
                }),
            ),
        ),
    ];
    for (what, continuous, fields, expected) in cases {
        let c = ctx(continuous);
        let request = input(&c, &fields)
            .validate(&c)
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(request.kind, Kind::OpsRequest, "{what}");
        assert_eq!(request.body, expected, "{what}");
        assert_eq!(
            request.namespace,
            expected["metadata"]["namespace"].as_str().unwrap()
        );
    }
}

#[test]
fn the_cluster_form_carries_the_restore_annotation_with_the_encrypted_accounts() {
    let c = ctx(true);
    let request = input(
        &c,
        &[
            ("form", "Cluster"),
            ("time", "2025-06-03T09:30:00Z"),
            ("replicas", "3"),
            ("cpu", "2"),
            ("memory", "4Gi"),
        ],
    )
    .validate(&c)
    .unwrap();
    assert_eq!(request.kind, Kind::Cluster);
    let body = &request.body;
    assert_eq!(body["metadata"]["name"], "pg-cluster-pitr");
    let annotation: Value = serde_json::from_str(
        body["metadata"]["annotations"][RESTORE_FROM_BACKUP_ANNOTATION]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let entry = &annotation["postgresql"];
    assert_eq!(entry["name"], CONTINUOUS);
    assert_eq!(entry["namespace"], "demo");
    assert_eq!(entry["restoreTime"], "2025-06-03T09:30:00Z");
    assert_eq!(entry["volumeRestorePolicy"], "Parallel");
    assert_eq!(entry["doReadyRestoreAfterClusterRunning"], "false");
    let accounts: Value =
        serde_json::from_str(entry["encryptedSystemAccounts"].as_str().unwrap()).unwrap();
    let from_backup = c.encrypted_accounts.as_ref().unwrap()["postgresql"].clone();
    assert_eq!(accounts, from_backup);
    assert_eq!(accounts.as_object().unwrap().len(), 6);
    let comp = &body["spec"]["componentSpecs"][0];
    assert_eq!(comp["replicas"], 3);
    assert_eq!(
        comp["resources"],
        json!({"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "2", "memory": "4Gi"}})
    );
    assert_eq!(body["spec"]["clusterDef"], "postgresql");
    assert!(
        request.notes.iter().any(|n| n.contains(
            "restores base backup pg-cluster-20250603020000, then replays WAL to 2025-06-03T09:30:00Z"
        )),
        "{:?}",
        request.notes
    );

    // The preview never shows a ciphertext in full.
    let preview = serde_yaml_ng::to_string(&kbdash_core::redact::redacted(body)).unwrap();
    for cipher in from_backup.as_object().unwrap().values() {
        assert!(!preview.contains(cipher.as_str().unwrap()), "{preview}");
    }
    assert!(preview.contains("…(60 chars)"));
}

#[test]
fn each_invalid_input_gets_its_own_message_and_builds_nothing() {
    // The window is on screen in the wizard: the message names it, not `kbcli cluster
    // describe`.
    let out_of_range = "restore-to-time is out of time range: the recoverable window is 2025-06-03T02:01:10Z ~ 2025-06-03T10:14:52Z";
    let cases: Vec<(&str, bool, Fields, &str, &str)> = vec![
        (
            "name not DNS-1123",
            true,
            vec![("name", "Bad_Name")],
            "name",
            "cluster name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
        ),
        (
            "name taken",
            true,
            vec![("name", "pg-cluster")],
            "name",
            "clusters.apps.kubeblocks.io \"pg-cluster\" already exists in namespace demo",
        ),
        (
            "empty namespace",
            true,
            vec![("namespace", "")],
            "namespace",
            "namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
        ),
        (
            "volume policy",
            true,
            vec![("volume_restore_policy", "Fast")],
            "volume_restore_policy",
            "volume restore policy must be Parallel or Serial",
        ),
        (
            "unreadable time",
            true,
            vec![("time", "yesterday")],
            "time",
            "cannot read \"yesterday\" as a time: use 2025-06-03T09:30:00Z, 2025-06-03 09:30:00 +02:00, Jun 03,2025 09:30:00 UTC+0800, -15m or now-1h",
        ),
        (
            "empty time",
            true,
            vec![("time", "")],
            "time",
            "enter a restore time, e.g. 2025-06-03 09:30:00, 2025-06-03T09:30:00Z, -15m or now-1h",
        ),
        (
            "after the continuous end",
            true,
            vec![("time", "2025-06-03T10:14:53Z")],
            "time",
            out_of_range,
        ),
        (
            "now is past the end",
            true,
            vec![("time", "now")],
            "time",
            out_of_range,
        ),
        (
            "before the continuous start",
            true,
            vec![("time", "2025-06-01 23:00:00 UTC")],
            "time",
            out_of_range,
        ),
        (
            "in range but before any full backup ends",
            true,
            vec![("time", "2025-06-03T02:01:09Z")],
            "time",
            "can not found latest full or incremental backup based on backupPolicy \"pg-cluster-postgresql-backup-policy\" and specified restoreTime \"2025-06-03 02:01:09 +0000 UTC\"",
        ),
        (
            "zero replicas",
            true,
            vec![("form", "Cluster"), ("replicas", "0")],
            "replicas",
            "replicas must be a whole number of at least 1",
        ),
        (
            "bad cpu",
            true,
            vec![("form", "Cluster"), ("cpu", "0")],
            "cpu",
            "cpu must be greater than 0",
        ),
    ];
    for (what, continuous, fields, field, message) in cases {
        let c = ctx(continuous);
        let errors = input(&c, &fields).validate(&c).unwrap_err();
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert_eq!(
            (errors[0].field.as_str(), errors[0].message.as_str()),
            (field, message),
            "{what}"
        );
    }
}

#[test]
fn unusable_backups_are_refused_in_the_operators_words() {
    let mut failed = ctx(false);
    failed.backup.phase = "Failed".to_string();
    let errors = RestoreInput::initial(&failed)
        .validate(&failed)
        .unwrap_err();
    assert_eq!(
        errors[0].message,
        "backup pg-cluster-20250603020000 status is Failed, only completed backup can be used to restore"
    );
    assert_eq!(errors[0].field, "backup");

    let mut no_snapshot = ctx(false);
    no_snapshot.cluster_snapshot = None;
    let errors = RestoreInput::initial(&no_snapshot)
        .validate(&no_snapshot)
        .unwrap_err();
    assert_eq!(
        errors[0].message,
        "missing snapshot annotation in backup pg-cluster-20250603020000, kubeblocks.io/cluster-snapshot is empty"
    );

    let mut no_base = ctx(true);
    no_base.backups.retain(|b| b.name == CONTINUOUS);
    let i = input(&no_base, &[("time", "2025-06-03T09:30:00Z")]);
    assert!(i.chosen_time(&no_base).is_some());
    let errors = i.validate(&no_base).unwrap_err();
    assert_eq!(errors[0].field, "time");
    assert!(
        errors[0]
            .message
            .starts_with("can not found latest full or incremental backup"),
        "{errors:?}"
    );

    let mut stopped = ctx(true);
    stopped.backup.phase = "Failed".to_string();
    let errors = input(&stopped, &[("time", "2025-06-03T09:30:00Z")])
        .validate(&stopped)
        .unwrap_err();
    assert_eq!(
        (errors[0].field.as_str(), errors[0].message.as_str()),
        (
            "backup",
            "continuous backup 5f8e2c1a-pg-cluster-postgresql-archive-wal is Failed, not Running or Completed"
        )
    );
}

#[test]
fn arrow_keys_nudge_the_time_inside_the_window() {
    let c = ctx(true);
    let mut i = input(&c, &[("time", "garbage")]);
    let w = c.window().unwrap();
    assert_eq!(
        i.nudge_time(&c, TimeDelta::minutes(-14)),
        Some(w.end - TimeDelta::minutes(14))
    );
    assert_eq!(i.time, "2025-06-03T10:00:52Z");
    assert_eq!(
        i.nudge_time(&c, TimeDelta::seconds(-52)),
        Some(w.end - TimeDelta::seconds(892))
    );
    assert_eq!(i.nudge_time(&c, TimeDelta::hours(1)), Some(w.end));
    assert_eq!(i.nudge_time(&c, TimeDelta::hours(-100)), Some(w.start));
    assert_eq!(i.nudge_time(&c, TimeDelta::MIN), Some(w.start));
    assert!(i.validate(&c).is_ok());
    let full = ctx(false);
    let mut fi = RestoreInput::initial(&full);
    assert_eq!(fi.nudge_time(&full, TimeDelta::hours(1)), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever is typed into whatever field, validation answers without panicking, and a
    /// built request is schema-valid and inside the window.
    #[test]
    fn any_input_validates_without_panic(
        continuous in any::<bool>(),
        edits in prop::collection::vec((0usize..9, "\\PC{0,24}"), 0..6),
    ) {
        let c = ctx(continuous);
        let mut i = RestoreInput::initial(&c);
        for (k, value) in edits {
            let fields: Vec<_> = i.fields(&c).into_iter().filter(|f| f.editable).collect();
            let f = &fields[k % fields.len()];
            prop_assert!(i.set(&f.name, &value).is_ok());
        }
        if let Ok(r) = i.validate(&c) {
            prop_assert!(kbdash_core::schema::validate_only(r.kind, &r.body).is_ok());
            if let Some(t) = i.chosen_time(&c) {
                prop_assert!(c.window().unwrap().contains(t));
            }
        }
    }
}

#[test]
fn the_cursor_writes_the_time_the_validation_reads() {
    let c = ctx(true);
    let mut i = RestoreInput::initial(&c);
    let w = c.window().unwrap();
    i.set_time(w.start);
    assert_eq!(i.time, "2025-06-03T02:01:10Z");
    assert_eq!(i.chosen_time(&c), Some(w.start));
    assert!(i.validate(&c).is_ok());
    assert!(i.set("nope", "x").is_err());
    assert!(i.confirmation_matches(" pg-cluster-pitr "));
    assert!(!i.confirmation_matches("pg-cluster"));
}

/// The wizard stays live: a backup's later state (the continuous backup's range growing, the
/// full backup deleted) changes the window; a relative time counts from the context's now.
#[test]
fn the_window_follows_the_backups_and_relative_times_the_clock() {
    use kbdash_core::domain::pitr::PitrError;
    use kbdash_core::forms::BackupState;
    let mut ctx = ctx(true);
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let grown = BackupState {
        phase: "Running".into(),
        start: Some(at("2025-06-02T08:05:31Z")),
        end: Some(at("2025-06-04T11:59:30Z")),
        completion: None,
    };
    assert!(ctx.follow_backup(CONTINUOUS, &grown));
    assert_eq!(ctx.window().unwrap().end, at("2025-06-04T11:59:30Z"));
    assert!(!ctx.follow_backup("nope", &grown));
    assert!(ctx.knows_backup(CONTINUOUS) && !ctx.knows_backup("nope"));
    let mut typed = input(&ctx, &[("time", "-1h")]);
    assert_eq!(typed.chosen_time(&ctx), Some(at("2025-06-04T11:00:00Z")));
    assert!(
        typed.validate(&ctx).is_ok(),
        "an hour ago is in the grown window"
    );
    ctx.now = at("2025-06-04T13:30:00Z");
    assert_eq!(typed.chosen_time(&ctx), Some(at("2025-06-04T12:30:00Z")));
    typed.set("time", "-2h").unwrap();
    assert!(typed.validate(&ctx).is_ok());
    // Following them all: the one restored from stays, whatever; a gone one is forgotten.
    let mut all = ctx.clone();
    all.follow_backups(|name| (name == CONTINUOUS).then(|| grown.clone()));
    assert_eq!(all.backups.len(), 1);
    assert!(matches!(all.window(), Err(PitrError::NoWindow { .. })));
    ctx.forget_backup("pg-cluster-20250603020000");
    assert!(matches!(ctx.window(), Err(PitrError::NoWindow { .. })));
}
