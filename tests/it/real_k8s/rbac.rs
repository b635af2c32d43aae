//! RBAC and read-only mode against a real kube-apiserver: under the identity that may only
//! get, list and watch, the panes fill and every form ends in the server's "forbidden" with
//! its input kept; under the admin identity with `--readonly`, a barrage of every key in every
//! view and every `:` command leaves no write in the API server's audit log.

use std::collections::BTreeSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::state::command::COMMANDS;
use kbdash::state::forms::StageKind;
use kbdash::state::msg::Msg;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;
use serde_json::json;

use super::server::{ADMIN, Options, READER, own, shared};
use super::support::{Session, call, fixture, patch_status, put, seed};
use crate::resilience_support::{FormState, all_live, ch, key, stage};

/// Every form command with the field values it is given (the values of `examples/`).
const FORMS: &[(&str, &[(&str, &str)])] = &[
    (
        "scale-out",
        &[("direction", "out"), ("replica_changes", "1")],
    ),
    (
        "scale-in",
        &[
            ("direction", "in"),
            ("instances", "pg-cluster-postgresql-1"),
        ],
    ),
    (
        "vscale",
        &[
            ("cpu_request", "2"),
            ("cpu_limit", "2"),
            ("memory_request", "4Gi"),
            ("memory_limit", "4Gi"),
        ],
    ),
    ("promote", &[("candidate", "pg-cluster-postgresql-1")]),
    ("switchover", &[("candidate", "pg-cluster-postgresql-1")]),
    ("configure", &[("parameters", "max_connections = 200\n")]),
    ("volume-expand", &[("storage", "30Gi")]),
    ("upgrade", &[("service_version", "16.14.0")]),
    (
        "expose",
        &[
            ("service_name", "vpc"),
            ("service_type", "LoadBalancer"),
            ("preset", "aws-internal"),
        ],
    ),
    ("restart", &[]),
    ("stop", &[]),
    ("start", &[]),
    ("backup", &[("retention", "7d")]),
    (
        "backup-schedule",
        &[
            ("volume-snapshot.enabled", "false"),
            ("pg-basebackup.cron", "0 3 * * *"),
        ],
    ),
    ("restore", &[("time", "2025-06-03T09:30:00Z")]),
    ("cancel-ops", &[("ops_request", RUNNING_OPS)]),
];

/// The running OpsRequest `:cancel-ops` cancels, put besides the seeded objects.
const RUNNING_OPS: &str = "pg-cluster-horizontalscaling-x7k2p";

impl Session {
    /// Back to the Clusters pane with nothing open (a form with values entered asks before
    /// it is discarded: yes).
    fn reset(&mut self) {
        for _ in 0..4 {
            if stage(&self.model) == Some(StageKind::Discard) {
                self.press(ch('y'));
            } else {
                self.press(key(KeyCode::Esc));
            }
        }
        self.press(ch('1'));
    }

    /// Types a `:` command and runs it.
    fn command(&mut self, line: &str) {
        self.press(ch(':'));
        for c in line.chars() {
            self.press(ch(c));
        }
        self.press(key(KeyCode::Enter));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_sees_every_pane_and_every_form_ends_forbidden_with_its_input_kept() {
    let Some(k8s) = shared("real_k8s::rbac::reader") else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "rbac-reader";
    seed(&admin, ns).await;
    put(
        &admin,
        Kind::OpsRequest,
        fixture(Kind::OpsRequest, RUNNING_OPS, ns),
    )
    .await;
    let mut s = Session::start(k8s, READER, ns, false).await;
    s.until_in_sync(&admin, "the panes fill").await;

    let cluster = ObjKey::new(ns, "pg-cluster");
    for (command, fields) in FORMS {
        // Start needs a stopped cluster (the form checks it); the others a running one.
        let phase = if *command == "start" {
            "Stopped"
        } else {
            "Running"
        };
        patch_status(
            &admin,
            Kind::Cluster,
            ns,
            "pg-cluster",
            json!({"phase": phase}),
        )
        .await;
        s.until(&format!("the cluster is {phase}"), |m| {
            m.store
                .clusters
                .get(&cluster)
                .is_some_and(|c| c.phase.as_str() == phase)
        })
        .await;
        s.reset();
        // The user looks at the cluster first, so the form needs no typed name.
        s.press(ch('d'));
        s.press(key(KeyCode::Esc));
        s.command(command);
        s.until(&format!(":{command} loads"), |m| {
            stage(m) == Some(StageKind::Edit)
        })
        .await;
        let modal = s.model.forms.modal.as_mut().unwrap();
        for (field, value) in *fields {
            modal.set_field(field, value);
        }
        let before = FormState::of(&s.model);
        for (field, value) in *fields {
            assert!(
                before.fields.iter().any(|(f, v)| f == field && v == value),
                ":{command}: {field} = {value:?} did not take: {:?}",
                before.fields
            );
        }
        s.press(key(KeyCode::Enter));
        assert_eq!(
            stage(&s.model),
            Some(StageKind::DryRun),
            ":{command} was refused before the server: {:?}",
            s.model.forms.modal.as_ref().map(|f| &f.errors)
        );
        s.until(&format!(":{command}'s dry run"), |m| {
            stage(m) != Some(StageKind::DryRun)
        })
        .await;
        let refused = s.model.forms.modal.as_ref().unwrap().api_error.clone();
        let refused = refused.unwrap_or_else(|| panic!(":{command}: no refusal shown"));
        assert!(
            refused.starts_with("dry run refused: ") && refused.contains("forbidden"),
            ":{command}: {refused}"
        );
        assert!(
            refused.contains("User \"reader\" cannot"),
            ":{command}: {refused}"
        );
        assert_eq!(
            FormState::of(&s.model),
            before,
            ":{command}: the input is kept"
        );
        assert!(s.render().contains("forbidden"), ":{command}: shown");
    }
    assert!(all_live(&s.model));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_mode_as_admin_writes_nothing_the_audit_log_would_show() {
    let Some(k8s) = own("rbac-readonly", Options::default()) else {
        return;
    };
    let admin = k8s.admin().await;
    let ns = "rbac-readonly";
    seed(&admin, ns).await;
    let before = k8s.audit().len();
    let mut s = Session::start(&k8s, ADMIN, ns, true).await;
    s.until_in_sync(&admin, "the panes fill").await;

    // Every view: the four panes, a detail, its YAML, help, triage and its evidence.
    let views: Vec<Vec<Msg>> = vec![
        vec![ch('1')],
        vec![ch('2')],
        vec![ch('3')],
        vec![ch('4')],
        vec![ch('2'), ch('d')],
        vec![ch('3'), ch('d'), ch('y')],
        vec![ch('4'), ch('d'), ch('y')],
        vec![ch('?')],
        vec![ch('!')],
        vec![ch('!'), key(KeyCode::Enter)],
        vec![ch('1'), key(KeyCode::Enter)],
    ];
    let keys = crate::readonly_session::every_key();
    for view in &views {
        for k in &keys {
            s.reset();
            for v in view {
                s.press(v.clone());
            }
            s.engine.handle(&mut s.model, Msg::Key(*k)).await;
            s.model.quit = false;
        }
        s.drain().await;
    }
    // Every command of the `:` line, with an argument where it takes one.
    for (name, _) in COMMANDS {
        let lines = match *name {
            "ns" => vec!["ns all".to_string(), format!("ns {ns}")],
            "ctx" => vec![format!("ctx {ADMIN}")],
            "theme" => vec!["theme light".into(), "theme high-contrast".into()],
            other => vec![other.to_string()],
        };
        for line in lines {
            s.reset();
            s.press(ch(':'));
            for c in line.chars() {
                s.press(ch(c));
            }
            s.engine
                .handle(
                    &mut s.model,
                    Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
                )
                .await;
            s.model.quit = false;
        }
    }
    s.until("live again after the commands", all_live).await;

    // A request of the test's own, after everything the session sent: once it is in the log,
    // so is what came before it.
    let marker = format!("/api/v1/namespaces/{ns}?marker=done");
    assert_eq!(
        call(&admin, "GET", &marker, None, None, None).await.code,
        200
    );
    let logged = tokio::time::timeout(Duration::from_secs(10), async {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            if k8s
                .audit()
                .iter()
                .any(|r| r["requestURI"] == marker.as_str())
            {
                return;
            }
        }
    })
    .await;
    assert!(
        logged.is_ok(),
        "the marker request never reached the audit log"
    );
    let session: Vec<_> = k8s.audit()[before..]
        .iter()
        .filter(|r| r["user"]["username"] == ADMIN && r["stage"] == "ResponseComplete")
        .filter(|r| r["requestURI"] != marker.as_str())
        .cloned()
        .collect();
    let verbs: BTreeSet<&str> = session.iter().filter_map(|r| r["verb"].as_str()).collect();
    assert!(
        session.len() > 20,
        "the session reached the server: {session:?}"
    );
    assert!(verbs.contains("watch"), "{verbs:?}");
    assert!(
        verbs.is_subset(&["get", "list", "watch"].into_iter().collect()),
        "the read-only session sent {verbs:?}"
    );
}
