//! Several contexts at once, as `update` sees them: two contexts list the same fleet (the
//! same namespaces and names), and every place that keys rows keeps them apart: the store, a
//! deletion and a relist of one context, the scope, triage and its acknowledgements, a context
//! going down (its own verdicts stale, the other's live), a form's target and its context's
//! read-only mode, `:ctx -NAME`; health scraped and kept per context, a pod's log and a
//! detail's Events streamed from their own context, Warning Events and stream outages kept
//! with theirs. Snapshots show the CONTEXT column and a wall with one context
//! stale; a session of one context shows no CONTEXT column (the other snapshots).

use crate::app_fixtures::{ch, fleet, key, now, render};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;
use kbdash::k8s::logs::LogSource;
use kbdash::k8s::watch::{StreamError, WatchEvent};
use kbdash::state::cmd::{Cmd, FormCmd};
use kbdash::state::launch::Launch;
use kbdash::state::logs::LogsCmd;
use kbdash::state::model::{Model, Overlay, Pane, StreamState};
use kbdash::state::msg::Msg;
use kbdash::state::shown::Shown;
use kbdash::state::store::WATCHED;
use kbdash::state::theme::Theme;
use kbdash::update::{set_pages, triage, update};
use kbdash_core::domain::health::{ClusterScrape, FetchError};
use kbdash_core::domain::triage::Level;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjKey, ObjRef, Row};

const PROD: Ctx = Ctx(0);
const STAGING: Ctx = Ctx(1);

fn shown(ctx: Ctx, name: &str, readonly: bool) -> Shown {
    Shown {
        ctx,
        name: name.into(),
        server: format!("https://{name}.example:6443"),
        readonly,
    }
}

fn watch(ctx: Ctx, kind: Kind, at: DateTime<Utc>, event: WatchEvent) -> Msg {
    Msg::Watch {
        ctx,
        kind,
        at,
        event,
    }
}

/// Lists `objs` as context `ctx`'s streams do: every row marked with the context.
fn list(m: &mut Model, ctx: Ctx, objs: &[(Kind, serde_json::Value)]) {
    for kind in WATCHED {
        update(m, watch(ctx, kind, now(), WatchEvent::Init));
        for (_, v) in objs.iter().filter(|(k, _)| *k == kind) {
            let mut row = Row::from_value(kind, v).unwrap();
            row.set_ctx(ctx);
            update(
                m,
                watch(ctx, kind, now(), WatchEvent::InitRow(Box::new(row))),
            );
        }
        update(m, watch(ctx, kind, now(), WatchEvent::InitDone));
    }
}

/// "prod" and "staging" (read-only when asked), both listing the same fleet.
fn two_contexts(w: u16, h: u16, staging_readonly: bool) -> Model {
    two_contexts_of(&fleet(), w, h, staging_readonly)
}

/// "prod" and "staging" (read-only when asked), both listing `objs`.
fn two_contexts_of(
    objs: &[(Kind, serde_json::Value)],
    w: u16,
    h: u16,
    staging_readonly: bool,
) -> Model {
    let mut m = Model::new("prod", None, now());
    m.contexts = vec!["prod".into(), "staging".into(), "dev".into()];
    m.size = (w, h);
    update(
        &mut m,
        Msg::Connected {
            contexts: vec![
                shown(PROD, "prod", false),
                shown(STAGING, "staging", staging_readonly),
            ],
            namespace: None,
        },
    );
    set_pages(&mut m);
    list(&mut m, PROD, objs);
    list(&mut m, STAGING, objs);
    m
}

fn key_in(ctx: Ctx, ns: &str, name: &str) -> ObjKey {
    ObjKey::new(ns, name).in_ctx(ctx)
}

/// The context's streams fail at `at`: they were live, so they are down from then.
fn fail(m: &mut Model, ctx: Ctx, at: DateTime<Utc>) {
    for kind in WATCHED {
        let error = WatchEvent::Error(StreamError::Other("connection refused".into()));
        update(m, watch(ctx, kind, at, error));
    }
}

#[test]
fn the_same_names_in_two_contexts_are_two_sets_of_rows() {
    let m = two_contexts(120, 40, false);
    let one = fleet().iter().filter(|(k, _)| *k == Kind::Cluster).count();
    assert_eq!(m.store.clusters.len(), 2 * one);
    for ctx in [PROD, STAGING] {
        let billing = key_in(ctx, "ops", "billing");
        assert!(m.store.clusters.get(&billing).is_some(), "{billing:?}");
        let pods = m.store.cluster_pods(&billing);
        assert!(
            pods.map(|p| p.key.ctx).eq([ctx; 3]),
            "each cluster has its own pods"
        );
    }
    assert!(m.multi_context());
    assert_eq!(m.streams.len(), 2 * WATCHED.len());
    assert!(m.streams.values().all(|s| *s == StreamState::Live));
}

#[test]
fn a_deletion_or_a_relist_in_one_context_leaves_the_other_alone() {
    let mut m = two_contexts(120, 40, false);
    let staging_pg = key_in(STAGING, "ops", "billing");
    let prod_pg = key_in(PROD, "ops", "billing");
    update(
        &mut m,
        watch(
            STAGING,
            Kind::Cluster,
            now(),
            WatchEvent::Delete(staging_pg.clone()),
        ),
    );
    assert!(m.store.clusters.get(&staging_pg).is_none());
    assert!(m.store.clusters.get(&prod_pg).is_some());

    // Staging relists its pods and finds none: prod's pods stay, with prod's index.
    update(&mut m, watch(STAGING, Kind::Pod, now(), WatchEvent::Init));
    update(
        &mut m,
        watch(STAGING, Kind::Pod, now(), WatchEvent::InitDone),
    );
    assert!(m.store.pods.iter().all(|p| p.key.ctx == PROD));
    assert_eq!(m.store.cluster_pods(&prod_pg).count(), 3);
    assert!(triage::recompute(&m).0 == crate::app_fixtures::problems(&m));
}

#[test]
fn scope_and_forms_keep_to_the_selected_rows_context() {
    let mut m = two_contexts(120, 40, false);
    // Clusters sort by namespace and name, then context: prod's billing, staging's billing...
    update(&mut m, ch('j'));
    let selected = m.store.clusters.selected().unwrap().key.clone();
    assert_eq!(selected, key_in(STAGING, "ops", "billing"));
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.focus, Pane::Pods);
    assert_eq!(m.scope.as_ref(), Some(&selected));
    let pods = m.store.pods.visible_len();
    assert_eq!(pods, 3, "the scoped cluster's pods, not its namesake's");
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, ch('1'));

    let cmds = update(&mut m, ch('o'));
    assert_eq!(
        cmds,
        [Cmd::Form(FormCmd::LoadContext { cluster: selected })],
        "the form loads through the selected row's context"
    );
    let screen = render(&m);
    assert!(
        screen.contains("Operations · context staging · ops/billing"),
        "the menu names its context: {screen}"
    );
    assert_eq!(
        Cmd::Form(FormCmd::LoadContext {
            cluster: key_in(STAGING, "a", "b")
        })
        .ctx(),
        Some(STAGING)
    );
}

#[test]
fn a_read_only_context_refuses_operations_while_the_other_accepts_them() {
    let mut m = two_contexts(120, 40, true);
    assert!(!m.readonly, "not every context is read-only");
    update(&mut m, ch('j'));
    assert_eq!(m.store.clusters.selected().unwrap().key.ctx, STAGING);
    let cmds = update(&mut m, ch('o'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(m.forms.modal.is_none());
    let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
    assert!(notice.contains("context staging is read-only"), "{notice}");
    let cmds = update(&mut m, ch('s'));
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Exec(_))), "{cmds:?}");

    update(&mut m, ch('k'));
    assert_eq!(m.store.clusters.selected().unwrap().key.ctx, PROD);
    let cmds = update(&mut m, ch('o'));
    assert!(
        matches!(&cmds[..], [Cmd::Form(FormCmd::LoadContext { cluster })] if cluster.ctx == PROD),
        "{cmds:?}"
    );
}

#[test]
fn a_context_going_down_makes_its_own_verdicts_stale_and_the_others_stay_live() {
    let mut m = two_contexts(160, 48, false);
    let down_at = now() + Duration::minutes(1);
    update(&mut m, Msg::Tick(down_at));
    fail(&mut m, STAGING, down_at);
    update(&mut m, Msg::Tick(now() + Duration::minutes(3)));
    assert!(m.triage.down.get(&PROD).is_none_or(|d| d.is_empty()));
    assert_eq!(m.triage.down[&STAGING].len(), WATCHED.len());
    assert_eq!(m.ctx_stale_since(PROD), None);
    assert_eq!(m.ctx_stale_since(STAGING), Some(Some(now())));
    let problems = crate::app_fixtures::problems(&m);
    let of = |ctx: Ctx| {
        problems
            .iter()
            .filter(move |p| p.object.as_ref().is_some_and(|o| o.key.ctx == ctx))
    };
    assert!(of(STAGING).count() > 0);
    assert!(
        of(STAGING).all(|p| p.level == Level::Stale),
        "staging is judged as of when it went down"
    );
    assert!(of(PROD).count() > 0);
    assert!(of(PROD).all(|p| p.level != Level::Stale), "prod stays live");
    // The streams' own problems name their context.
    assert!(
        problems
            .iter()
            .any(|p| p.object.is_none() && p.subject.contains("(staging)")),
        "{problems:#?}"
    );
    assert_eq!(triage::recompute(&m).0, problems);

    // Back: staging relists and everything is live again.
    list(&mut m, STAGING, &fleet());
    assert!(m.triage.down.values().all(|d| d.is_empty()));
    assert!(
        crate::app_fixtures::problems(&m)
            .iter()
            .all(|p| p.level != Level::Stale)
    );
}

#[test]
fn acknowledging_a_problem_in_one_context_leaves_its_namesake_in_the_other() {
    let mut m = two_contexts(160, 48, false);
    let before = crate::app_fixtures::problems(&m);
    update(&mut m, ch('!'));
    let first = before[0].clone();
    let object = first.object.clone().unwrap();
    update(&mut m, ch('a'));
    let after = crate::app_fixtures::problems(&m);
    assert_eq!(after.len(), before.len() - 1);
    let twin = after.iter().find(|p| {
        p.reason == first.reason
            && p.object
                .as_ref()
                .is_some_and(|o| o.key.name == object.key.name && o.key.ctx != object.key.ctx)
    });
    assert!(
        twin.is_some(),
        "the other context's same problem stays: {after:#?}"
    );
}

#[test]
fn ctx_minus_removes_a_context_and_ctx_plus_asks_for_one() {
    let mut m = two_contexts(120, 40, false);
    let run = |m: &mut Model, line: &str| {
        update(m, ch(':'));
        let mut cmds = Vec::new();
        for c in line.chars() {
            cmds.extend(update(m, ch(c)));
        }
        cmds.extend(update(m, key(KeyCode::Enter)));
        cmds
    };
    assert_eq!(run(&mut m, "ctx +dev"), [Cmd::AddContext("dev".into())]);
    assert!(run(&mut m, "ctx +prod").is_empty(), "prod is shown already");
    assert!(run(&mut m, "ctx +nowhere").is_empty());

    let cmds = run(&mut m, "ctx -staging");
    assert_eq!(cmds, [Cmd::RemoveContext(STAGING)]);
    assert!(!m.multi_context());
    assert!(m.store.clusters.iter().all(|c| c.key.ctx == PROD));
    assert!(m.store.pods.iter().all(|p| p.key.ctx == PROD));
    assert!(m.streams.keys().all(|(c, _)| *c == PROD));
    assert!(
        crate::app_fixtures::problems(&m)
            .iter()
            .all(|p| p.object.as_ref().is_none_or(|o| o.key.ctx == PROD))
    );
    assert!(
        run(&mut m, "ctx -prod").is_empty(),
        "the last context stays"
    );

    // A late event of the removed context changes nothing.
    let before = m.store.clusters.len();
    let mut row = Row::from_value(Kind::Cluster, &fleet()[0].1).unwrap();
    row.set_ctx(STAGING);
    update(
        &mut m,
        watch(
            STAGING,
            Kind::Cluster,
            now(),
            WatchEvent::Apply(Box::new(row)),
        ),
    );
    assert_eq!(m.store.clusters.len(), before);

    update(&mut m, Msg::ContextAdded(shown(Ctx(2), "dev", false)));
    assert!(m.multi_context());
    assert_eq!(m.streams[&(Ctx(2), Kind::Pod)], StreamState::Pending);
}

#[test]
fn snapshots_with_the_context_column() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut m = two_contexts(w, h, true);
        let screen = render(&m);
        assert!(screen.contains("CONTEXT"), "{screen}");
        insta::assert_snapshot!(format!("clusters_{w}x{h}"), screen);
        update(&mut m, ch('2'));
        insta::assert_snapshot!(format!("pods_{w}x{h}"), render(&m));
    }
}

#[test]
fn the_wall_marks_only_the_down_contexts_tiles_stale() {
    let mut m = two_contexts(160, 48, false);
    m.theme = Theme::load("high-contrast").unwrap();
    m.readonly = true;
    Launch {
        wall_cycle: Some(10),
        ..Launch::default()
    }
    .apply(&mut m);
    update(&mut m, Msg::Tick(now() + Duration::minutes(1)));
    fail(&mut m, STAGING, now() + Duration::minutes(1));
    update(&mut m, Msg::Tick(now() + Duration::minutes(3)));
    let screen = render(&m);
    assert!(
        screen.contains("staging STALE: last update 09:00:00"),
        "{screen}"
    );
    assert!(!screen.contains("prod STALE"), "{screen}");
    assert!(
        screen.contains("staging:"),
        "tiles name their context: {screen}"
    );
    insta::assert_snapshot!("wall_one_context_stale_160x48", screen);
}

/// The scrape commands `cmds` hold, as (context, clusters asked for).
fn scrapes(cmds: &[Cmd]) -> Vec<(Ctx, Vec<ObjKey>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Scrape { ctx, targets, .. } => {
                Some((*ctx, targets.iter().map(|t| t.cluster.clone()).collect()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn health_is_scraped_through_each_contexts_server_and_kept_apart() {
    let mut m = two_contexts(120, 40, false);
    let cmds = update(&mut m, Msg::Tick(now() + Duration::seconds(1)));
    let asked = scrapes(&cmds);
    assert_eq!(
        asked.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [PROD, STAGING],
        "one scrape per context: {asked:?}"
    );
    for (ctx, clusters) in &asked {
        assert!(!clusters.is_empty());
        assert!(
            clusters.iter().all(|k| k.ctx == *ctx),
            "a context's scrape asks for its own clusters only: {clusters:?}"
        );
    }
    for cmd in &cmds {
        if let Cmd::Scrape { ctx, .. } = cmd {
            assert_eq!(cmd.ctx(), Some(*ctx), "routed to its context's client");
        }
    }
    // The same cluster is asked for in both; staging's API server refuses pods/proxy.
    let staging_pg = asked[1].1[0].clone();
    let prod_pg = staging_pg.clone().in_ctx(PROD);
    assert!(asked[0].1.contains(&prod_pg), "{asked:?}");
    let refused = ClusterScrape {
        at: m.now,
        metrics: vec![(
            format!("{}-postgresql-0", staging_pg.name),
            Err(FetchError::Forbidden("pods/proxy is forbidden".into())),
        )],
        patroni: None,
    };
    update(
        &mut m,
        Msg::Scraped {
            ctx: STAGING,
            context: "staging".into(),
            results: vec![(staging_pg.clone(), refused.clone())],
        },
    );
    assert!(m.health.clusters.contains_key(&staging_pg));
    assert!(
        !m.health.clusters.contains_key(&prod_pg),
        "staging's answer is not its namesake's in prod"
    );
    assert!(m.health.forbidden_in(STAGING).is_some());
    assert_eq!(m.health.forbidden_in(PROD), None);
    let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
    assert!(
        notice.contains("context staging: pods/proxy forbidden"),
        "{notice}"
    );

    // Prod answers; at the next interval prod is asked again, staging backs off.
    update(
        &mut m,
        Msg::Scraped {
            ctx: PROD,
            context: "prod".into(),
            results: Vec::new(),
        },
    );
    let again = scrapes(&update(&mut m, Msg::Tick(now() + Duration::seconds(12))));
    assert_eq!(
        again.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        [PROD],
        "{again:?}"
    );

    // An answer under staging's id from a context no longer shown there is dropped.
    let ghost = key_in(STAGING, "demo", "ghost");
    update(
        &mut m,
        Msg::Scraped {
            ctx: STAGING,
            context: "dev".into(),
            results: vec![(ghost.clone(), refused)],
        },
    );
    assert!(!m.health.clusters.contains_key(&ghost));
}

#[test]
fn a_pods_log_and_a_clusters_events_stream_from_their_own_context() {
    let mut m = two_contexts(120, 40, false);
    let pod = key_in(STAGING, "ops", "billing-postgresql-0");
    m.focus = Pane::Pods;
    m.store.pods.select_key(&pod);
    let cmds = update(&mut m, ch('l'));
    let open = cmds
        .iter()
        .find(|c| matches!(c, Cmd::Logs(LogsCmd::Open { .. })))
        .unwrap_or_else(|| panic!("l opens a log: {cmds:?}"));
    assert_eq!(open.ctx(), Some(STAGING), "the log streams from staging");
    let Cmd::Logs(LogsCmd::Open { request, .. }) = open else {
        unreachable!()
    };
    assert_eq!(request.source, LogSource::Pod(pod));
    update(&mut m, key(KeyCode::Esc));

    m.focus = Pane::Clusters;
    m.store
        .clusters
        .select_key(&key_in(STAGING, "ops", "billing"));
    let cmds = update(&mut m, ch('d'));
    let watch_events = cmds
        .iter()
        .find(|c| matches!(c, Cmd::WatchObjectEvents { .. }))
        .unwrap_or_else(|| panic!("a detail watches its Events: {cmds:?}"));
    assert_eq!(watch_events.ctx(), Some(STAGING));

    // From the detail, staging's log; staging no longer shown closes both views.
    update(&mut m, ch('l'));
    assert_eq!(m.overlay, Overlay::Logs);
    assert!(m.object_events.is_some());
    update(&mut m, ch(':'));
    for c in "ctx -staging".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.overlay, Overlay::None);
    assert!(m.logs.is_none());
    assert!(m.object_events.is_none());
}

/// A Warning Event about pod `pod` of cluster billing (namespace ops), as the API lists it.
fn backoff(name: &str, pod: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "ops", "resourceVersion": "1"},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "ops"},
        "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
        "count": 3, "lastTimestamp": now().to_rfc3339(), "source": {"component": "kubelet"}})
}

/// The names of the Warning Events kept under context `ctx`'s billing.
fn billing_warnings(m: &Model, ctx: Ctx) -> Vec<String> {
    let mut names: Vec<String> = m
        .store
        .cluster_warnings(&key_in(ctx, "ops", "billing"))
        .inspect(|e| assert_eq!(e.key.ctx, ctx, "{e:?}"))
        .map(|e| e.key.name.to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn warning_events_and_stream_outages_stay_with_their_context() {
    let mut m = two_contexts(120, 40, false);
    let event = |ctx: Ctx, v: &serde_json::Value| {
        let mut row = Row::from_value(Kind::Event, v).unwrap();
        row.set_ctx(ctx);
        Box::new(row)
    };
    let first = backoff("billing-postgresql-1.a", "billing-postgresql-1");
    for ctx in [PROD, STAGING] {
        let apply = WatchEvent::Apply(event(ctx, &first));
        update(&mut m, watch(ctx, Kind::Event, now(), apply));
    }
    for ctx in [PROD, STAGING] {
        assert_eq!(billing_warnings(&m, ctx), ["billing-postgresql-1.a"]);
    }
    // A pod only staging has, whose name does not say its cluster: its Event is placed by
    // staging's pod row, so under staging's billing.
    let mut lonely = crate::app_fixtures::pod("ops", "billing", 7, "secondary", true);
    lonely["metadata"]["name"] = "lonely-0".into();
    let mut row = Row::from_value(Kind::Pod, &lonely).unwrap();
    row.set_ctx(STAGING);
    update(
        &mut m,
        watch(STAGING, Kind::Pod, now(), WatchEvent::Apply(Box::new(row))),
    );
    let apply = WatchEvent::Apply(event(STAGING, &backoff("lonely-0.c", "lonely-0")));
    update(&mut m, watch(STAGING, Kind::Event, now(), apply));
    assert_eq!(
        billing_warnings(&m, STAGING),
        ["billing-postgresql-1.a", "lonely-0.c"]
    );
    assert_eq!(billing_warnings(&m, PROD), ["billing-postgresql-1.a"]);

    // Prod relists with another event: it is added to prod's (an Event past its TTL is still
    // what happened), and staging's stay as they were.
    let second = backoff("billing-postgresql-2.b", "billing-postgresql-2");
    update(&mut m, watch(PROD, Kind::Event, now(), WatchEvent::Init));
    let row = WatchEvent::InitRow(event(PROD, &second));
    update(&mut m, watch(PROD, Kind::Event, now(), row));
    update(
        &mut m,
        watch(PROD, Kind::Event, now(), WatchEvent::InitDone),
    );
    assert_eq!(
        billing_warnings(&m, PROD),
        ["billing-postgresql-1.a", "billing-postgresql-2.b"]
    );
    assert_eq!(
        billing_warnings(&m, STAGING),
        ["billing-postgresql-1.a", "lonely-0.c"]
    );

    // Staging's streams going down are on staging's timelines, not prod's.
    fail(&mut m, STAGING, now() + Duration::minutes(1));
    assert!(m.store.incidents.streams_of(STAGING).is_some());
    assert!(m.store.incidents.streams_of(PROD).is_none());

    // Staging no longer shown: its events go with it, prod's stay.
    update(&mut m, ch(':'));
    for c in "ctx -staging".chars() {
        update(&mut m, ch(c));
    }
    update(&mut m, key(KeyCode::Enter));
    assert!(m.store.warnings.iter().all(|e| e.key.ctx == PROD));
    assert_eq!(m.store.warnings.len(), 2);
    assert!(m.store.incidents.streams_of(STAGING).is_none());
}

#[test]
fn a_remedy_is_offered_and_opened_by_its_problems_own_context() {
    // billing's primary crash-loops in both contexts; staging is read-only.
    let mut objs = crate::app_fixtures::objects();
    objs.push((
        Kind::Cluster,
        crate::app_fixtures::cluster("ops", "billing", "Abnormal", 2, "2025-06-04T12:00:00Z"),
    ));
    let mut p0 = crate::app_fixtures::pod("ops", "billing", 0, "primary", false);
    p0["status"]["containerStatuses"][0]["state"] =
        serde_json::json!({"waiting": {"reason": "CrashLoopBackOff"}});
    objs.push((Kind::Pod, p0));
    objs.push((
        Kind::Pod,
        crate::app_fixtures::pod("ops", "billing", 1, "secondary", true),
    ));
    let mut m = two_contexts_of(&objs, 140, 60, true);
    // The row selected is prod's, whichever problem is opened.
    m.store.clusters.select_key(&key_in(PROD, "ops", "billing"));
    for (ctx, offered) in [(STAGING, false), (PROD, true)] {
        let primary = ObjRef {
            kind: Kind::Pod,
            key: key_in(ctx, "ops", "billing-postgresql-0"),
        };
        m.overlay = Overlay::None;
        m.forms.modal = None;
        update(&mut m, ch('!'));
        let index = m
            .triage
            .problems
            .iter()
            .position(|p| p.object.as_ref() == Some(&primary))
            .expect("a problem about the primary");
        if let Overlay::Triage { selected } = &mut m.overlay {
            *selected = index;
        }
        let cmds = update(&mut m, key(KeyCode::Enter));
        let tail = cmds
            .iter()
            .find(|c| matches!(c, Cmd::FetchLogTail { object, .. } if *object == primary))
            .unwrap_or_else(|| panic!("the evidence fetches the primary's log: {cmds:?}"));
        assert_eq!(tail.ctx(), Some(ctx), "from the primary's own context");
        let screen = render(&m);
        assert_eq!(
            screen.contains("f: open the Switchover form"),
            offered,
            "{screen}"
        );
        let cmds = update(&mut m, ch('f'));
        if offered {
            assert_eq!(
                cmds,
                [Cmd::Form(FormCmd::LoadContext {
                    cluster: key_in(ctx, "ops", "billing")
                })]
            );
        } else {
            assert!(cmds.is_empty(), "{cmds:?}");
            assert!(m.forms.modal.is_none());
            let notice = m.notice.as_ref().map(|n| n.0.clone()).unwrap_or_default();
            assert!(notice.contains("context staging is read-only"), "{notice}");
        }
    }
}

/// `:ctx prod` shows prod alone under a new id (an answer still on its way from the old parts
/// names the old one and is dropped): what the store remembers of prod's primaries follows it
/// to the new id, and staging's, of the same names, is not taken for prod's.
#[test]
fn a_context_shown_again_under_a_new_id_keeps_its_own_role_history() {
    let mut m = two_contexts(120, 40, false);
    let billing = |ctx| key_in(ctx, "ops", "billing");
    let primary = m.store.roles.primaries.get(&billing(PROD)).cloned();
    assert!(primary.is_some(), "listing found billing's primary");
    let again = Ctx(2);
    update(
        &mut m,
        Msg::Connected {
            contexts: vec![shown(again, "prod", false)],
            namespace: None,
        },
    );
    assert_eq!(
        m.store.roles.primaries.get(&billing(again)),
        primary.as_ref()
    );
    assert!(m.store.roles.primaries.keys().all(|k| k.ctx == again));
}
