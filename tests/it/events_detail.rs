//! Events (issue 16 item 1): a detail view lists and watches its object's Events (a cluster's
//! also of its Components, InstanceSet and pods) only while it is open, newest first with the
//! Warnings standing out; the store keeps the scope's Warning Events beyond their TTL, bounded,
//! each under its cluster; kbagent's roleProbe Events enrich the role history.

use crate::app_fixtures::{key, model_with, now, objects, render, watch};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;
use kbdash::k8s::watch::WatchEvent;
use kbdash::k8s::watch::object_events::EventSubject;
use kbdash::state::cmd::Cmd;
use kbdash::state::model::{Model, Pane};
use kbdash::state::msg::Msg;
use kbdash::state::store::WARNINGS_KEPT;
use kbdash::update::update;
use kbdash_core::domain::incident::IncidentKind;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ObjKey, Row};
use serde_json::{Value, json};

/// An Event `name` about `(kind, object)` saying `(type, reason, message)`.
fn event(
    name: &str,
    (kind, object): (&str, &str),
    (type_, reason, message): (&str, &str, &str),
    count: u64,
    last: DateTime<Utc>,
) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "demo", "resourceVersion": "1"},
        "involvedObject": {"kind": kind, "name": object, "namespace": "demo"},
        "type": type_, "reason": reason, "message": message, "count": count,
        "firstTimestamp": (last - Duration::minutes(30)).to_rfc3339(),
        "lastTimestamp": last.to_rfc3339(),
        "source": {"component": if kind == "Pod" { "kubelet" } else { "cluster-controller" }}})
}

fn row(v: &Value) -> Box<Row> {
    Box::new(Row::from_value(Kind::Event, v).unwrap())
}

fn open_cluster(m: &mut Model) -> Vec<Cmd> {
    m.focus = Pane::Clusters;
    m.store
        .clusters
        .select_key(&ObjKey::new("demo", "pg-cluster"));
    update(m, key(KeyCode::Char('d')))
}

fn streams_of(cmds: &[Cmd]) -> Option<(u64, Vec<EventSubject>)> {
    cmds.iter().find_map(|c| match c {
        Cmd::WatchObjectEvents { id, subjects, .. } => Some((*id, subjects.clone())),
        _ => None,
    })
}

fn subject(kind: &str, name: &str) -> EventSubject {
    EventSubject {
        kind: kind.into(),
        name: name.into(),
    }
}

fn object_event(id: u64, event: WatchEvent) -> Msg {
    Msg::ObjectEvents {
        id,
        event,
        at: now(),
    }
}

#[test]
fn a_cluster_detail_watches_its_own_components_instance_set_and_pods_events_while_open() {
    let mut m = model_with(&objects(), 130, 60);
    let (id, subjects) = streams_of(&open_cluster(&mut m)).expect("streams started");
    assert_eq!(
        subjects,
        [
            subject("Cluster", "pg-cluster"),
            subject("Component", "pg-cluster-postgresql"),
            subject("InstanceSet", "pg-cluster-postgresql"),
            subject("Pod", "pg-cluster-postgresql-0"),
            subject("Pod", "pg-cluster-postgresql-1"),
        ]
    );
    assert!(render(&m).contains("listing…"));
    let cmds = update(&mut m, key(KeyCode::Esc));
    assert!(cmds.contains(&Cmd::StopObjectEvents), "{cmds:?}");
    assert!(m.object_events.is_none());
    // A late answer of the closed detail's streams changes nothing.
    let late = event(
        "x",
        ("Pod", "pg-cluster-postgresql-0"),
        ("Warning", "BackOff", "m"),
        1,
        now(),
    );
    update(&mut m, object_event(id, WatchEvent::Apply(row(&late))));
    assert!(m.object_events.is_none());

    // Another detail's streams get a new id; a pod's detail watches the pod alone.
    m.focus = Pane::Pods;
    m.store
        .pods
        .select_key(&ObjKey::new("demo", "pg-cluster-postgresql-1"));
    let (second, subjects) = streams_of(&update(&mut m, key(KeyCode::Char('d')))).unwrap();
    assert_ne!(second, id);
    assert_eq!(subjects, [subject("Pod", "pg-cluster-postgresql-1")]);
}

#[test]
fn the_events_section_is_newest_first_with_warnings_standing_out() {
    let mut m = model_with(&objects(), 150, 90);
    let (id, subjects) = streams_of(&open_cluster(&mut m)).unwrap();
    for _ in &subjects {
        update(&mut m, object_event(id, WatchEvent::Init));
        update(&mut m, object_event(id, WatchEvent::InitDone));
    }
    let old = event(
        "pg-cluster.1",
        ("Cluster", "pg-cluster"),
        (
            "Normal",
            "ApplyResourcesSucceed",
            "Successfully applied for resources",
        ),
        1,
        now() - Duration::minutes(50),
    );
    let backoff = event(
        "pg-cluster-postgresql-1.2",
        ("Pod", "pg-cluster-postgresql-1"),
        (
            "Warning",
            "BackOff",
            "Back-off restarting failed container postgresql in pod pg-cluster-postgresql-1_demo(9f1c)",
        ),
        36,
        now() - Duration::seconds(40),
    );
    let probe = event(
        "pg-cluster-postgresql-0.3",
        ("Pod", "pg-cluster-postgresql-0"),
        (
            "Normal",
            "roleProbe",
            r#"{"instance":"pg-cluster-postgresql","probe":"roleProbe","code":0,"output":"cHJpbWFyeQ=="}"#,
        ),
        1,
        now() - Duration::minutes(10),
    );
    for v in [&old, &backoff, &probe] {
        update(&mut m, object_event(id, WatchEvent::Apply(row(v))));
    }
    // The API server's TTL deletes the old one: still shown, it is still what happened.
    update(
        &mut m,
        object_event(id, WatchEvent::Delete(ObjKey::new("demo", "pg-cluster.1"))),
    );
    let s = render(&m);
    let section = &s[s.find("Events (newest first)").unwrap()..];
    let at = |needle: &str| {
        section
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in {s}"))
    };
    assert!(at("⚠ Warning BackOff") < at("Normal  roleProbe"));
    assert!(at("Normal  roleProbe") < at("ApplyResourcesSucceed"));
    assert!(
        s.contains("role probe: primary"),
        "the JSON is read out: {s}"
    );
    insta::assert_snapshot!("cluster_detail_events", s);

    // The role probe report enriches the cluster's role history and its timeline.
    let cluster = ObjKey::new("demo", "pg-cluster");
    let reports = &m.store.roles.probes[&cluster];
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].pod, "pg-cluster-postgresql-0");
    assert!(s.contains("kbagent role probe reports:"), "{s}");
    let roles = m.store.incidents.of(&cluster).unwrap();
    assert!(
        roles
            .entries()
            .any(|i| i.kind == IncidentKind::Role && i.text == "role probe: primary")
    );
    // The same Event seen again is no new report.
    update(&mut m, object_event(id, WatchEvent::Apply(row(&probe))));
    assert_eq!(m.store.roles.probes[&cluster].len(), 1);
}

#[test]
fn a_failing_stream_says_why_in_the_section() {
    let mut m = model_with(&objects(), 130, 70);
    let (id, _) = streams_of(&open_cluster(&mut m)).unwrap();
    let error = kbdash::k8s::watch::StreamError::Forbidden(
        "events is forbidden: User \"dev\" cannot list resource \"events\"".into(),
    );
    update(&mut m, object_event(id, WatchEvent::Error(error)));
    assert!(render(&m).contains("! forbidden: events is forbidden"));
}

#[test]
fn warning_events_are_kept_under_their_cluster_beyond_their_ttl_and_bounded() {
    let mut m = model_with(&objects(), 120, 40);
    let cluster = ObjKey::new("demo", "pg-cluster");
    let backoff = event(
        "pg-cluster-postgresql-1.2",
        ("Pod", "pg-cluster-postgresql-1"),
        ("Warning", "BackOff", "Back-off restarting failed container"),
        3,
        now(),
    );
    let component = event(
        "pg-cluster-postgresql.4",
        ("Component", "pg-cluster-postgresql"),
        ("Warning", "RoleProbeFailed", "role probe failed"),
        1,
        now(),
    );
    for v in [&backoff, &component] {
        update(&mut m, watch(Kind::Event, WatchEvent::Apply(row(v))));
    }
    let names = |m: &Model| {
        let mut n: Vec<String> = m
            .store
            .cluster_warnings(&cluster)
            .map(|e| e.key.name.to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&m),
        ["pg-cluster-postgresql-1.2", "pg-cluster-postgresql.4"]
    );
    let warnings = m
        .store
        .incidents
        .of(&cluster)
        .unwrap()
        .entries()
        .filter(|i| i.kind == IncidentKind::Warning)
        .count();
    assert_eq!(warnings, 2, "each Warning is on the cluster's timeline");

    // The TTL deletes them and a relist no longer lists them: still kept.
    let key = ObjKey::new("demo", "pg-cluster-postgresql-1.2");
    update(&mut m, watch(Kind::Event, WatchEvent::Delete(key)));
    update(&mut m, watch(Kind::Event, WatchEvent::Init));
    update(&mut m, watch(Kind::Event, WatchEvent::InitDone));
    assert_eq!(names(&m).len(), 2);

    // Past the bound, the one last seen longest ago goes.
    for i in 0..WARNINGS_KEPT {
        let v = event(
            &format!("other.{i}"),
            ("Pod", "elsewhere-0"),
            ("Warning", "FailedScheduling", "0/3 nodes are available"),
            1,
            now() + Duration::seconds(i as i64 + 1),
        );
        update(&mut m, watch(Kind::Event, WatchEvent::Apply(row(&v))));
    }
    assert_eq!(m.store.warnings.len(), WARNINGS_KEPT);
    assert!(names(&m).is_empty(), "the oldest two went: {:?}", names(&m));
}

/// The streams list side by side: a Warning that comes before its pod is placed once the pods
/// are listed.
#[test]
fn a_warning_listed_before_its_pod_is_placed_when_the_pods_are() {
    use crate::app_fixtures::objects;
    let mut m = Model::new("kind-demo", None, now());
    let backoff = event(
        "pg-cluster-postgresql-1.2",
        ("Pod", "pg-cluster-postgresql-1"),
        ("Warning", "BackOff", "Back-off restarting failed container"),
        3,
        now(),
    );
    update(&mut m, watch(Kind::Event, WatchEvent::Apply(row(&backoff))));
    let cluster = ObjKey::new("demo", "pg-cluster");
    assert_eq!(m.store.cluster_warnings(&cluster).count(), 0);
    update(&mut m, watch(Kind::Pod, WatchEvent::Init));
    for (k, v) in objects().iter().filter(|(k, _)| *k == Kind::Pod) {
        let row = Box::new(Row::from_value(*k, v).unwrap());
        update(&mut m, watch(Kind::Pod, WatchEvent::InitRow(row)));
    }
    update(&mut m, watch(Kind::Pod, WatchEvent::InitDone));
    assert_eq!(m.store.cluster_warnings(&cluster).count(), 1);
}

#[test]
fn a_detail_open_through_an_outage_starts_its_events_streams_again_keeping_its_rows() {
    let mut m = model_with(&objects(), 130, 60);
    let (id, subjects) = streams_of(&open_cluster(&mut m)).expect("streams started");
    let seen = event(
        "backoff",
        ("Pod", "pg-cluster-postgresql-0"),
        ("Warning", "BackOff", "Back-off restarting failed container"),
        3,
        now(),
    );
    update(&mut m, object_event(id, WatchEvent::InitRow(row(&seen))));
    // The API server stops answering: the engine restarts the context's watches, which stops
    // the detail's streams too; they are asked for again after the restart, under a new id.
    let cmds = update(
        &mut m,
        Msg::Probe {
            ctx: kbdash_core::rows::Ctx(0),
            at: now(),
            result: Err("connection refused".into()),
        },
    );
    let restart = cmds
        .iter()
        .position(|c| matches!(c, Cmd::RestartWatches(_)))
        .expect("watches restarted");
    let again = cmds
        .iter()
        .position(|c| matches!(c, Cmd::WatchObjectEvents { .. }))
        .expect("the detail's streams started again");
    assert!(again > restart, "{cmds:?}");
    let (new_id, new_subjects) = streams_of(&cmds).unwrap();
    assert_ne!(new_id, id);
    assert_eq!(new_subjects, subjects);
    let events = m.object_events.as_ref().unwrap();
    assert_eq!(events.id, new_id);
    assert!(!events.is_listed());
    assert_eq!(events.rows.len(), 1, "what was seen stays");
    // The old streams' late answers are ignored; the new ones are taken.
    let late = event(
        "late",
        ("Pod", "pg-cluster-postgresql-1"),
        ("Normal", "Pulled", "m"),
        1,
        now(),
    );
    update(&mut m, object_event(id, WatchEvent::Apply(row(&late))));
    assert_eq!(m.object_events.as_ref().unwrap().rows.len(), 1);
    update(&mut m, object_event(new_id, WatchEvent::Apply(row(&late))));
    assert_eq!(m.object_events.as_ref().unwrap().rows.len(), 2);
}
