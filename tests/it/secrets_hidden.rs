//! Secrets in objects (encrypted system-account passwords, connection passwords:
//! `kbdash_core::redact`) are never shown or written in full, wherever an object is: the
//! detail view, the live YAML view (`y`), a form's preview, the file `w` writes, the audit log
//! of submits; and the original is what is sent. kbdash's own log file and the terminal of a
//! real session are checked end to end in `secrets_session`.

use crossterm::event::KeyCode;
use kbdash::state::cmd::{Cmd, FormCmd};
use kbdash::state::forms::StageKind;
use kbdash::state::model::{Model, Overlay, Pane};
use kbdash::state::msg::{FormMsg, Msg};
use kbdash::update::update;
use kbdash_core::forms::examples::fixture_restore_context;
use kbdash_core::forms::{RESTORE_FROM_BACKUP_ANNOTATION, RestoreRequestForm};
use kbdash_core::kinds::Kind;
use kbdash_core::redact;
use kbdash_core::rows::{ObjKey, ObjRef};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use crate::app_fixtures::{ch, dry_run_ok, fleet, key, model_with, now, objects};

const BACKUP: &str = "5f8e2c1a-pg-cluster-postgresql-archive-wal";
const RESTORED: &str = "pg-cluster-pitr";
const PASSWORD: &str = "connection-password-in-clear";
const CIPHER: &str = "Zm9yZ2VkLWNpcGhlcnRleHQtb2YtYS1wYXNzd29yZA==";

fn fixture(kind: Kind, name: &str) -> Value {
    objects()
        .into_iter()
        .find(|(k, v)| *k == kind && v["metadata"]["name"] == name)
        .map(|(_, v)| v)
        .unwrap()
}

/// The continuous backup of the fixtures (its encrypted system accounts) with a connection
/// password, and whose cluster snapshot is of a restored cluster.
fn backup() -> Value {
    let mut v = fixture(Kind::Backup, BACKUP);
    let annotations = &mut v["metadata"]["annotations"];
    annotations["dataprotection.kubeblocks.io/connection-password"] = json!(PASSWORD);
    annotations["kubeblocks.io/cluster-snapshot"] = json!(restored_cluster().to_string());
    v
}

/// The restored cluster of the fixtures, its restore annotation carrying the source's
/// encrypted accounts and a connection password, as the operator's own annotation does.
fn restored_cluster() -> Value {
    let mut v = fixture(Kind::Cluster, RESTORED);
    let annotation = json!({"postgresql": {
        "name": BACKUP,
        "namespace": "demo",
        "encryptedSystemAccounts": json!({"postgres": CIPHER}).to_string(),
        "connectionPassword": PASSWORD,
    }});
    v["metadata"]["annotations"][RESTORE_FROM_BACKUP_ANNOTATION] = json!(annotation.to_string());
    v
}

/// Fails when any of `secrets` is in `text`.
fn assert_hidden(secrets: &[String], text: &str, place: &str) {
    assert!(
        !secrets.is_empty(),
        "{place}: the test object carries secrets"
    );
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{place} shows {s:?}:\n{text}");
    }
}

/// The screen at 400 columns: the YAML view does not wrap, and annotations are long.
fn render_wide(m: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(400, m.size.1)).unwrap();
    t.draw(|f| kbdash::view::view(m, f)).unwrap();
    t.backend().to_string()
}

/// The fleet with `obj` (of `kind`, on `pane`) in it, its detail open.
fn detail_of(kind: Kind, pane: Pane, obj: &Value) -> (Model, ObjRef) {
    let mut objs = fleet();
    objs.retain(|(k, v)| !(*k == kind && v["metadata"]["name"] == obj["metadata"]["name"]));
    objs.push((kind, obj.clone()));
    let mut m = model_with(&objs, 120, 40);
    m.focus = pane;
    let key_of = ObjKey::new("demo", obj["metadata"]["name"].as_str().unwrap());
    match pane {
        Pane::Backups => m.store.backups.select_key(&key_of),
        _ => m.store.clusters.select_key(&key_of),
    }
    update(&mut m, ch('d'));
    let Overlay::Detail(d) = &m.overlay else {
        panic!("no detail open");
    };
    (m.clone(), d.target.clone())
}

#[test]
fn the_detail_view_shows_no_secret() {
    for (kind, pane, obj) in [
        (Kind::Backup, Pane::Backups, backup()),
        (Kind::Cluster, Pane::Clusters, restored_cluster()),
    ] {
        let (m, _) = detail_of(kind, pane, &obj);
        let screen = render_wide(&m);
        assert!(
            screen.contains(obj["metadata"]["name"].as_str().unwrap()),
            "{screen}"
        );
        assert_hidden(&redact::secrets(&obj), &screen, "the detail view");
    }
}

#[test]
fn the_yaml_view_shortens_secrets_and_the_model_keeps_none() {
    for (kind, pane, obj) in [
        (Kind::Backup, Pane::Backups, backup()),
        (Kind::Cluster, Pane::Clusters, restored_cluster()),
    ] {
        let (mut m, target) = detail_of(kind, pane, &obj);
        let cmds = update(&mut m, ch('y'));
        assert_eq!(cmds, [Cmd::Follow(Some(target.clone()))]);
        update(
            &mut m,
            Msg::Raw {
                target,
                result: Ok(obj.clone()),
            },
        );
        let secrets = redact::secrets(&obj);
        let (_, lines) = m.raw.as_ref().expect("the YAML is in");
        assert_hidden(&secrets, &lines.join("\n"), "the model's YAML");
        let screen = render_wide(&m);
        assert!(
            screen.contains("chars)"),
            "the shortened form shows: {screen}"
        );
        assert_hidden(&secrets, &screen, "the YAML view");
    }
}

/// The restore wizard on the continuous backup with the Cluster request form (its body
/// carries the backup's encrypted accounts), at the preview.
fn cluster_restore_preview() -> Model {
    let mut m = model_with(&fleet(), 120, 40);
    update(&mut m, ch('4'));
    m.store.backups.select_key(&ObjKey::new("demo", BACKUP));
    update(&mut m, key(KeyCode::Enter));
    let ctx = fixture_restore_context(true).unwrap();
    update(
        &mut m,
        Msg::Form(FormMsg::RestoreContext {
            backup: ObjKey::new("demo", BACKUP),
            result: Ok(Box::new(ctx)),
        }),
    );
    let on_form = |m: &Model| {
        let modal = m.forms.modal.as_ref().unwrap();
        modal.fields()[modal.focus].name == "form"
    };
    for _ in 0..20 {
        if on_form(&m) {
            break;
        }
        update(&mut m, key(KeyCode::Tab));
    }
    assert!(on_form(&m), "the wizard has a request-form field");
    update(&mut m, key(KeyCode::Right));
    let modal = m.forms.modal.as_ref().unwrap();
    let (_, input) = modal.restore_loaded().unwrap();
    assert_eq!(input.form, RestoreRequestForm::Cluster);
    let cmds = update(&mut m, key(KeyCode::Enter));
    dry_run_ok(&mut m, &cmds);
    assert_eq!(
        m.forms.modal.as_ref().unwrap().stage.kind(),
        StageKind::Preview
    );
    m
}

#[test]
fn previews_and_written_files_shorten_secrets_and_the_original_is_sent() {
    let mut m = cluster_restore_preview();
    let review = m.forms.modal.as_ref().unwrap().stage.review().unwrap();
    let body = review.request.body.clone();
    let secrets = redact::secrets(&body);
    assert_hidden(&secrets, &review.yaml.lines().join("\n"), "the preview");
    let screen = render_wide(&m);
    assert!(screen.contains("secrets shortened"), "{screen}");
    assert_hidden(&secrets, &screen, "the preview on screen");
    // `e` does not edit a preview that hides secrets.
    update(&mut m, ch('e'));
    assert_eq!(
        m.forms.modal.as_ref().unwrap().stage.kind(),
        StageKind::Preview
    );
    let cmds = update(&mut m, ch('w'));
    let Some(Cmd::Form(FormCmd::WriteYaml { text, .. })) = cmds.last() else {
        panic!("expected a write, got {cmds:?}");
    };
    assert_hidden(&secrets, text, "the written file");
    update(&mut m, key(KeyCode::Enter));
    for c in "pg-cluster-pitr".chars() {
        update(&mut m, ch(c));
    }
    let cmds = update(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Form(FormCmd::Submit { request, .. })) = cmds.last() else {
        panic!("expected a submit, got {cmds:?}");
    };
    assert_eq!(request.0.body, body, "the original body is sent");
}

#[test]
fn the_audit_log_shortens_secrets_even_in_a_refusal_that_quotes_them() {
    let m = cluster_restore_preview();
    let request = &m
        .forms
        .modal
        .as_ref()
        .unwrap()
        .stage
        .review()
        .unwrap()
        .request;
    let secrets = redact::secrets(&request.body);
    // An API server's refusal may quote the value it refused.
    let refusal = format!("refused: Cluster is invalid: {}", request.body);
    let record = request.audit_record(now(), "kind-demo", None, &refusal);
    assert_hidden(&secrets, &record.to_string(), "the audit record");
    assert!(record["outcome"].as_str().unwrap().contains("chars)"));
}
