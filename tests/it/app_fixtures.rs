//! Shared test helpers: the reference fixtures as watch events, a fixed clock, key presses and
//! rendering on ratatui's TestBackend.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kbdash::k8s::watch::WatchEvent;
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::update::{set_pages, update};
use kbdash_core::domain::triage::Problem;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::Row;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde::Deserialize;
use serde_json::{Value, json};

/// The problems the model keeps, worst first.
pub fn problems(m: &Model) -> Vec<Problem> {
    m.triage.problems.iter().cloned().collect()
}

/// The fixed "now" of every test: after the newest fixture.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
}

/// Every object of the reference fixtures of tests/fixtures/kubeblocks, with its kind: one
/// consistent fleet. The fixtures of our own (see its README) show other states of some of the
/// same objects; tests load those by name with [`fixture_file`].
pub fn objects() -> Vec<(Kind, Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubeblocks");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .starts_with("# kbdash reference fixture")
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| fixture_file(&f.file_name().unwrap().to_string_lossy()))
        .collect()
}

/// The objects of one fixture file of tests/fixtures/kubeblocks, with their kinds.
pub fn fixture_file(name: &str) -> Vec<(Kind, Value)> {
    let path = format!(
        "{}/tests/fixtures/kubeblocks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(&text) {
        let v = Value::deserialize(doc).unwrap();
        if v.is_null() {
            continue;
        }
        let api_version = v["apiVersion"].as_str().unwrap_or_default();
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        if let Some(kind) = Kind::from_group_kind(group, v["kind"].as_str().unwrap_or_default()) {
            out.push((kind, v));
        }
    }
    out
}

/// A watch message at the fixed clock.
pub fn watch(kind: Kind, event: WatchEvent) -> Msg {
    Msg::Watch {
        ctx: kbdash_core::rows::Ctx(0),
        kind,
        at: now(),
        event,
    }
}

/// An Apply event for an object.
pub fn apply(kind: Kind, v: &Value) -> Msg {
    watch(
        kind,
        WatchEvent::Apply(Box::new(Row::from_value(kind, v).unwrap())),
    )
}

/// A model at the fixed clock, sized `w` x `h`, with every watched kind synced from `objs`.
pub fn model_with(objs: &[(Kind, Value)], w: u16, h: u16) -> Model {
    model_at(objs, w, h, now())
}

/// The same at clock `at`.
pub fn model_at(objs: &[(Kind, Value)], w: u16, h: u16, at: DateTime<Utc>) -> Model {
    let mut m = Model::new("kind-demo", None, at);
    m.size = (w, h);
    set_pages(&mut m);
    for kind in kbdash::state::store::WATCHED {
        let event = |event| Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind,
            at,
            event,
        };
        update(&mut m, event(WatchEvent::Init));
        for (k, v) in objs.iter().filter(|(k, _)| *k == kind) {
            let row = Row::from_value(*k, v).unwrap();
            update(&mut m, event(WatchEvent::InitRow(Box::new(row))));
        }
        update(&mut m, event(WatchEvent::InitDone));
    }
    m
}

/// The fixtures plus a second, smaller cluster in another namespace, so that scoping, sorting
/// and NAMESPACE columns have something to do.
pub fn fleet() -> Vec<(Kind, Value)> {
    let mut objs = objects();
    objs.push((
        Kind::Cluster,
        cluster("ops", "billing", "Abnormal", 3, "2025-06-01T09:00:00Z"),
    ));
    objs.push((Kind::Pod, pod("ops", "billing", 0, "primary", true)));
    objs.push((Kind::Pod, pod("ops", "billing", 1, "secondary", true)));
    objs.push((Kind::Pod, pod("ops", "billing", 2, "", false)));
    objs
}

/// A synthetic Cluster.
pub fn cluster(ns: &str, name: &str, phase: &str, replicas: u32, created: &str) -> Value {
    json!({"apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": created},
        "spec": {"clusterDef": "postgresql", "topology": "replication",
            "componentSpecs": [{"name": "postgresql", "serviceVersion": "15.7.0", "replicas": replicas}]},
        "status": {"phase": phase}})
}

/// A synthetic pod `<cluster>-postgresql-<i>` of `cluster`.
pub fn pod(ns: &str, cluster: &str, i: u32, role: &str, ready: bool) -> Value {
    let mut labels = json!({"app.kubernetes.io/instance": cluster,
        "app.kubernetes.io/managed-by": "kubeblocks",
        "apps.kubeblocks.io/component-name": "postgresql"});
    if !role.is_empty() {
        labels["kubeblocks.io/role"] = json!(role);
    }
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{cluster}-postgresql-{i}"), "namespace": ns,
            "creationTimestamp": "2025-06-04T13:00:00Z", "labels": labels},
        "spec": {"nodeName": format!("node-{i}")},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [{"name": "postgresql", "ready": ready, "restartCount": if ready { 0 } else { 3 }}]}})
}

/// A key press.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key press.
pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// Types `text` key by key; returns every command produced.
pub fn type_text(m: &mut Model, text: &str) -> Vec<kbdash::state::cmd::Cmd> {
    text.chars().flat_map(|c| update(m, ch(c))).collect()
}

/// Types `:line` and Enter; returns the commands of the Enter.
pub fn command(m: &mut Model, line: &str) -> Vec<kbdash::state::cmd::Cmd> {
    update(m, ch(':'));
    type_text(m, line);
    update(m, key(KeyCode::Enter))
}

/// Tabs through the open form until the field `name` has the focus.
pub fn focus_field(m: &mut Model, name: &str) {
    for _ in 0..30 {
        let modal = m.forms.modal.as_ref().expect("a form is open");
        if modal.fields()[modal.focus].name == name {
            return;
        }
        update(m, key(KeyCode::Tab));
    }
    panic!("no field {name}");
}

/// Answers the dry run `cmds` ends with: accepted.
pub fn dry_run_ok(m: &mut Model, cmds: &[kbdash::state::cmd::Cmd]) {
    let Some(kbdash::state::cmd::Cmd::Form(kbdash::state::cmd::FormCmd::DryRun {
        attempt, ..
    })) = cmds.last()
    else {
        panic!("expected a dry run, got {cmds:?}");
    };
    update(
        m,
        Msg::Form(kbdash::state::msg::FormMsg::DryRun {
            attempt: *attempt,
            result: Ok(()),
        }),
    );
}

/// The screen as text at the model's size.
pub fn render(m: &Model) -> String {
    let backend = TestBackend::new(m.size.0, m.size.1);
    let mut terminal = Terminal::new(backend).unwrap();
    terminal.draw(|f| kbdash::view::view(m, f)).unwrap();
    terminal.backend().to_string()
}
