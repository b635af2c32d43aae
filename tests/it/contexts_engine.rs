//! Several contexts through the real engine, each a demo server of its own: one goes away
//! (its port closed) and comes back while the other stays live throughout; and read-only per
//! context, proven by the two servers' request logs: with context `b` read-only and `a`
//! writable, a submit to `b` is refused by the engine and by `b`'s own client gate, and only
//! GETs reach `b`, while the same submit to `a` is created there; and the reads of a pod of
//! `b` (its log, its last lines, its Events, a scrape of its cluster through the pod proxy)
//! reach `b` alone, through its read-only gate, and come back marked as `b`'s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kbdash::k8s::client::{Connection, Source, connect};
use kbdash::k8s::logs::{LogEvent, LogRequest, LogSource};
use kbdash::k8s::proxy_scrape::{ScrapeLimits, ScrapeTarget};
use kbdash::k8s::watch::WatchEvent;
use kbdash::k8s::watch::object_events::EventSubject;
use kbdash::runtime::engine::{Engine, EngineConfig};
use kbdash::state::cmd::{Cmd, FormCmd, Outgoing};
use kbdash::state::logs::{LogsCmd, LogsMsg};
use kbdash::state::model::{Model, StreamState};
use kbdash::state::msg::{FormMsg, Msg};
use kbdash::state::readonly::Policy;
use kbdash::state::store::WATCHED;
use kbdash::update::set_pages;
use kbdash_core::domain::evidence::{LogPlan, LogPod};
use kbdash_core::forms::{Request, RequestAction};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{Ctx, ObjRef, PodRow};
use kbdash_demo::{DemoConfig, DemoServer};
use kube::api::{Api, DynamicObject, PostParams};
use serde_json::json;

const A: Ctx = Ctx(0);
const B: Ctx = Ctx(1);

struct Session {
    engine: Engine,
    model: Model,
}

impl Session {
    /// Hands the engine's messages to the model until `cond` holds (20 s at most).
    async fn until(&mut self, what: &str, cond: impl Fn(&Model) -> bool) {
        let reached = tokio::time::timeout(Duration::from_secs(20), async {
            while !cond(&self.model) {
                let msg = self.engine.recv().await.expect("no background task panics");
                self.engine.handle(&mut self.model, msg).await;
            }
        })
        .await;
        assert!(reached.is_ok(), "timed out waiting for: {what}");
    }
}

async fn server(fleet: usize, log: Option<PathBuf>) -> DemoServer {
    DemoServer::start(DemoConfig {
        clusters: 3,
        seed: 1 + fleet as u64,
        fleet,
        churn: 0.0,
        request_log: log,
        ..DemoConfig::default()
    })
    .await
    .unwrap()
}

async fn connection(server: &DemoServer, name: &str) -> Connection {
    let mut c = connect(&Source::Url(server.url.clone()), None)
        .await
        .unwrap();
    c.context = name.into();
    c
}

/// An engine showing `a` and `b` (`b` read-only when `policy` says so), and its model.
async fn session(a: &DemoServer, b: &DemoServer, policy: Policy) -> Session {
    let engine = Engine::start(EngineConfig {
        source: Source::Url(a.url.clone()),
        connection: connection(a, "a").await,
        namespace: None,
        readonly: policy,
        audit_log: None,
        probe: Some(kbdash::k8s::liveness::ProbeTiming {
            interval: Duration::from_millis(200),
            timeout: Duration::from_secs(2),
        }),
        watch: Default::default(),
    });
    let mut s = Session {
        engine,
        model: Model::new("a", None, crate::app_fixtures::now()),
    };
    s.model.size = (120, 40);
    set_pages(&mut s.model);
    let contexts = s.engine.shown();
    s.engine
        .handle(
            &mut s.model,
            Msg::Connected {
                contexts,
                namespace: None,
            },
        )
        .await;
    let added = s.engine.add_context(connection(b, "b").await);
    s.engine
        .handle(&mut s.model, Msg::ContextAdded(added))
        .await;
    s.until("both contexts synced", |m| live(m, A) && live(m, B))
        .await;
    s
}

fn live(m: &Model, ctx: Ctx) -> bool {
    WATCHED
        .iter()
        .all(|k| m.streams.get(&(ctx, *k)) == Some(&StreamState::Live))
}

fn down(m: &Model, ctx: Ctx) -> bool {
    m.api_down.contains_key(&ctx)
        && WATCHED.iter().all(|k| {
            matches!(
                m.streams.get(&(ctx, *k)),
                Some(StreamState::Reconnecting { .. })
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_dies_and_returns_while_the_other_stays_live() {
    let a = server(0, None).await;
    let b = server(1, None).await;
    let mut s = session(&a, &b, Policy::default()).await;
    let names = |m: &Model, ctx: Ctx| {
        let mut v: Vec<String> = m
            .store
            .clusters
            .iter()
            .filter(|c| c.key.ctx == ctx)
            .map(|c| format!("{}/{}", c.key.namespace, c.key.name))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&s.model, A),
        names(&s.model, B),
        "the same names in both"
    );
    assert!(!names(&s.model, A).is_empty());

    b.faults.refuse_connections(Duration::from_secs(3600));
    s.until("b down", |m| down(m, B)).await;
    assert!(live(&s.model, A), "a stays live while b is down");
    assert!(!s.model.api_down.contains_key(&A));
    assert!(s.model.ctx_stale_since(A).is_none());
    assert!(s.model.ctx_stale_since(B).is_some());
    let a_clusters = names(&s.model, A).len();

    b.faults.clear();
    s.until("b back", |m| live(m, B) && !m.api_down.contains_key(&B))
        .await;
    assert!(live(&s.model, A));
    assert_eq!(names(&s.model, A).len(), a_clusters);
    assert_eq!(names(&s.model, A), names(&s.model, B));
    assert!(s.model.triage.down.values().all(|d| d.is_empty()));
}

fn restart_request(namespace: &str, cluster: &str) -> Outgoing {
    Outgoing(Request {
        kind: Kind::OpsRequest,
        namespace: namespace.into(),
        action: RequestAction::Create,
        body: json!({
            "apiVersion": "operations.kubeblocks.io/v1alpha1",
            "kind": "OpsRequest",
            "metadata": {"generateName": format!("{cluster}-restart-"), "namespace": namespace},
            "spec": {"clusterName": cluster, "type": "Restart",
                     "restart": [{"componentName": "postgresql"}]}
        }),
        notes: Vec::new(),
        offer: None,
    })
}

fn methods(log: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

/// Contexts a and b on two demo servers that log their requests to `a.log` and `b.log` in
/// the directory returned (named after `tag`), b read-only by the config's globs, in one
/// session.
async fn read_only_b(tag: &str) -> (Session, DemoServer, DemoServer, PathBuf) {
    let dir = std::env::temp_dir().join(format!("kbdash-contexts-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    let a = server(0, Some(log_a.clone())).await;
    let b = server(1, Some(log_b.clone())).await;
    let policy = Policy {
        always: false,
        contexts: vec!["b".into()],
    };
    let s = session(&a, &b, policy).await;
    (s, a, b, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_the_read_only_context_is_impossible_while_the_other_is_writable() {
    let (mut s, _a, _b, dir) = read_only_b("ro").await;
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));
    let shown = s.engine.shown();
    assert_eq!(
        shown
            .iter()
            .map(|c| (c.name.as_str(), c.readonly))
            .collect::<Vec<_>>(),
        [("a", false), ("b", true)]
    );
    assert!(!s.model.readonly);

    // The same cluster name exists in both; the submit names its context.
    let cluster = s
        .model
        .store
        .clusters
        .iter()
        .find(|c| c.key.ctx == B)
        .unwrap()
        .key
        .clone();
    let submit = |ctx| {
        Cmd::Form(FormCmd::Submit {
            ctx,
            attempt: 1,
            request: restart_request(&cluster.namespace, &cluster.name),
        })
    };
    let refused = s.engine.run(submit(B)).await;
    assert!(
        matches!(&refused, Some(Msg::Failed(e)) if e.contains("context b: refused")),
        "{refused:?}"
    );
    let dry = s
        .engine
        .run(Cmd::Form(FormCmd::DryRun {
            ctx: B,
            attempt: 1,
            request: restart_request(&cluster.namespace, &cluster.name),
        }))
        .await;
    assert!(matches!(dry, Some(Msg::Failed(_))), "{dry:?}");
    // Around the engine, b's own client refuses before anything leaves the process.
    let api: Api<DynamicObject> = Api::namespaced_with(
        s.engine.client_of(B).unwrap(),
        &cluster.namespace,
        &kbdash::k8s::client::api_resource(Kind::OpsRequest),
    );
    let obj: DynamicObject =
        serde_json::from_value(restart_request(&cluster.namespace, &cluster.name).0.body).unwrap();
    let e = api.create(&PostParams::default(), &obj).await.unwrap_err();
    assert!(e.to_string().contains("read-only mode: refused"), "{e}");

    // a takes the same request.
    assert_eq!(
        s.engine.run(submit(A)).await,
        None,
        "the submit runs in a task"
    );
    let answer = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match s.engine.recv().await.unwrap() {
                Msg::Form(FormMsg::Submitted { result, .. }) => break result,
                other => s.engine.handle(&mut s.model, other).await,
            }
        }
    })
    .await
    .expect("a answers the submit");
    let created = answer.expect("a created the request");
    assert!(
        created.starts_with(&format!("{}-restart-", cluster.name)),
        "{created}"
    );

    assert_eq!(
        methods(&log_b),
        ["GET".to_string()].into_iter().collect(),
        "only GETs reached the read-only context's server"
    );
    assert!(methods(&log_a).contains("POST"), "a got the create");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The request paths of a server's log.
fn paths(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect()
}

impl Session {
    /// Hands the engine's messages to the model until `pick` takes one (20 s at most).
    async fn answer<T>(&mut self, what: &str, pick: impl Fn(&Msg) -> Option<T>) -> T {
        let found = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let msg = self.engine.recv().await.expect("no background task panics");
                if let Some(found) = pick(&msg) {
                    break found;
                }
                self.engine.handle(&mut self.model, msg).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("timed out waiting for: {what}"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_events_and_scrapes_of_a_pod_go_to_its_own_context_read_only_or_not() {
    // b read-only: logs, Events and scrapes are reads its gate lets through.
    let (mut s, _a, b, dir) = read_only_b("reads").await;
    let (log_a, log_b) = (dir.join("a.log"), dir.join("b.log"));

    // A cluster of b with running pods; a has one of the same name.
    let store = &s.model.store;
    let cluster = store
        .clusters
        .iter()
        .map(|c| c.key.clone())
        .find(|k| k.ctx == B && store.cluster_pods(k).any(|p| !p.ip.is_empty()))
        .expect("b has a cluster with running pods");
    assert!(store.clusters.get(&cluster.clone().in_ctx(A)).is_some());
    let pods: Vec<PodRow> = store
        .cluster_pods(&cluster)
        .filter(|p| !p.ip.is_empty())
        .cloned()
        .collect();
    let pod = pods[0].key.clone();
    let before_a = paths(&log_a).len();

    // The scrape of b's cluster goes to b and its answer says so.
    let running: Vec<&PodRow> = pods.iter().collect();
    let target = ScrapeTarget::of(cluster.clone(), &running, true).expect("running pods");
    let scrape = Cmd::Scrape {
        ctx: B,
        targets: vec![target],
        limits: ScrapeLimits {
            concurrency: 2,
            timeout: Duration::from_secs(5),
        },
    };
    assert_eq!(
        s.engine.run(scrape).await,
        None,
        "the scrape runs in a task"
    );
    let scraped = s
        .answer("b's scrape", |m| {
            matches!(m, Msg::Scraped { .. }).then(|| m.clone())
        })
        .await;
    let Msg::Scraped {
        ctx,
        context,
        results,
    } = &scraped
    else {
        unreachable!()
    };
    assert_eq!((*ctx, context.as_str()), (B, "b"));
    assert_eq!(
        results.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        [&cluster]
    );
    assert!(
        results[0]
            .1
            .patroni
            .as_ref()
            .is_some_and(|(_, r)| r.is_ok()),
        "b's proxy answered: {results:?}"
    );
    s.engine.handle(&mut s.model, scraped).await;
    assert!(s.model.health.clusters.contains_key(&cluster));
    assert!(
        !s.model
            .health
            .clusters
            .contains_key(&cluster.clone().in_ctx(A))
    );

    // The log of b's pod streams from b.
    let open = Cmd::Logs(LogsCmd::Open {
        session: 1,
        request: LogRequest {
            source: LogSource::Pod(pod.clone()),
            container: None,
            previous: false,
            tail: Some(5),
        },
    });
    assert_eq!(s.engine.run(open).await, None);
    let opened = s
        .answer("b's log opened", |m| match m {
            Msg::Logs(LogsMsg::Event {
                event: LogEvent::Opened { pod, .. },
                ..
            }) => Some(Ok(pod.clone())),
            Msg::Logs(LogsMsg::Event {
                event: LogEvent::Failed(e),
                ..
            }) => Some(Err(e.clone())),
            _ => None,
        })
        .await;
    assert_eq!(opened, Ok(pod.clone()), "the pod as b's, context and all");
    assert_eq!(s.engine.run(Cmd::Logs(LogsCmd::Close)).await, None);

    // Triage's evidence: the last lines of b's pod, from b.
    let tail = Cmd::FetchLogTail {
        object: ObjRef {
            kind: Kind::Pod,
            key: pod.clone(),
        },
        namespace: pod.namespace.to_string(),
        plan: LogPlan {
            pod: LogPod::Named(pod.name.to_string()),
            container: "postgresql".into(),
            previous: false,
        },
    };
    assert_eq!(s.engine.run(tail).await, None);
    let (object, lines) = s
        .answer("b's log tail", |m| match m {
            Msg::LogTail { object, result } => Some((object.clone(), result.clone())),
            _ => None,
        })
        .await;
    assert_eq!(object.key, pod);
    assert!(lines.is_ok(), "{lines:?}");

    // A Warning about b's pod, written on b's server itself (not through kbdash): the store's
    // Warning watch keeps it under b's cluster, not under a's namesake.
    let warning = json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{}.test", pod.name),
                     "namespace": pod.namespace.as_str()},
        "involvedObject": {"kind": "Pod", "name": pod.name.as_str(),
                           "namespace": pod.namespace.as_str()},
        "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
        "count": 1, "lastTimestamp": chrono::Utc::now().to_rfc3339(),
        "source": {"component": "kubelet"}});
    b.store.create(Kind::Event, warning).unwrap();
    let (of_b, of_a) = (cluster.clone(), cluster.clone().in_ctx(A));
    s.until("b's Warning kept", |m| {
        m.store.cluster_warnings(&of_b).any(|e| e.key.ctx == B)
    })
    .await;
    let name = format!("{}.test", pod.name);
    assert!(
        !s.model
            .store
            .cluster_warnings(&of_a)
            .any(|e| e.key.name == name)
    );

    // A detail of b's pod lists its Events from b, marked as b's.
    let watch_events = Cmd::WatchObjectEvents {
        ctx: B,
        id: 7,
        namespace: pod.namespace.to_string(),
        subjects: vec![EventSubject {
            kind: "Pod".into(),
            name: pod.name.to_string(),
        }],
    };
    assert_eq!(s.engine.run(watch_events).await, None);
    let mut marked = Vec::new();
    loop {
        let event = s
            .answer("b's pod's Events", |m| match m {
                Msg::ObjectEvents { id: 7, event, .. } => Some(event.clone()),
                _ => None,
            })
            .await;
        match event {
            WatchEvent::InitRow(row) => marked.push(row.key().ctx),
            WatchEvent::InitDone => break,
            _ => {}
        }
    }
    assert!(
        !marked.is_empty(),
        "the demo's pods have their roleProbe Event"
    );
    assert!(marked.iter().all(|c| *c == B), "{marked:?}");
    assert_eq!(s.engine.run(Cmd::StopObjectEvents).await, None);

    let read = |path: &str| {
        path.contains("/proxy/") || path.contains("/log") || path.contains("involvedObject")
    };
    assert!(
        paths(&log_a)[before_a..].iter().all(|p| !read(p)),
        "nothing of b's pod was asked of a"
    );
    let of_b = paths(&log_b);
    for what in ["/proxy/", "/log", "involvedObject"] {
        assert!(of_b.iter().any(|p| p.contains(what)), "b was asked {what}");
    }
    assert_eq!(
        methods(&log_b),
        ["GET".to_string()].into_iter().collect(),
        "reads only, through b's read-only gate"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
