//! Objects deleted while a stream was down send no deletion: the relist that follows must drop
//! what the model remembered about them, or a long session keeps every object it ever saw.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kbdash::k8s::watch::WatchEvent;
use kbdash::state::model::Model;
use kbdash::state::msg::Msg;
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ClusterRow, ObjKey, PodRow, Row};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 5, 9, 0, 0).unwrap()
}

fn pod(name: &str, role: &str, restarts: u32) -> Row {
    Row::Pod(PodRow {
        key: ObjKey::new("demo", name),
        cluster: "pg".into(),
        role: role.into(),
        ready: true,
        restarts,
        ..PodRow::default()
    })
}

fn cluster(name: &str) -> Row {
    Row::Cluster(ClusterRow {
        key: ObjKey::new("demo", name),
        phase: "Running".into(),
        ..ClusterRow::default()
    })
}

fn relist(m: &mut Model, kind: Kind, rows: Vec<Row>, at: DateTime<Utc>) {
    update(
        m,
        Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind,
            at,
            event: WatchEvent::Init,
        },
    );
    for r in rows {
        update(
            m,
            Msg::Watch {
                ctx: kbdash_core::rows::Ctx(0),
                kind,
                at,
                event: WatchEvent::InitRow(Box::new(r)),
            },
        );
    }
    update(
        m,
        Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind,
            at,
            event: WatchEvent::InitDone,
        },
    );
}

#[test]
fn a_relist_forgets_role_history_of_clusters_gone() {
    let mut m = Model::new("test", None, now());
    relist(
        &mut m,
        Kind::Cluster,
        vec![cluster("pg"), cluster("other")],
        now(),
    );
    relist(
        &mut m,
        Kind::Pod,
        vec![pod("pg-0", "primary", 0), pod("pg-1", "secondary", 0)],
        now(),
    );
    relist(
        &mut m,
        Kind::Pod,
        vec![pod("pg-0", "secondary", 0), pod("pg-1", "primary", 0)],
        now(),
    );
    let pg = ObjKey::new("demo", "pg");
    assert_eq!(m.store.roles.history.get(&pg).map(|h| h.len()), Some(1));
    relist(&mut m, Kind::Cluster, vec![cluster("other")], now());
    assert!(!m.store.roles.history.contains_key(&pg));
    assert!(!m.store.roles.primaries.contains_key(&pg));
}

#[test]
fn a_relist_forgets_restart_counts_of_pods_gone() {
    let mut m = Model::new("test", None, now());
    let pg0 = ObjKey::new("demo", "pg-0");
    relist(&mut m, Kind::Pod, vec![pod("pg-0", "primary", 0)], now());
    relist(&mut m, Kind::Pod, vec![pod("pg-0", "primary", 3)], now());
    assert!(
        m.triage.restarts.last_rise(&pg0).is_some(),
        "0 -> 3 is a rise"
    );
    relist(&mut m, Kind::Pod, vec![], now());
    // The same name comes back (a recreated pod): its first count is a baseline, not a rise.
    relist(
        &mut m,
        Kind::Pod,
        vec![pod("pg-0", "primary", 5)],
        now() + Duration::seconds(1),
    );
    assert_eq!(m.triage.restarts.last_rise(&pg0), None);
}
