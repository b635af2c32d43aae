//! Fleet-scale figures for the dashboard's model and view (issue 7): a fleet of 5,000
//! clusters from the demo seed (topped up to 15,000 pods, 20,000 OpsRequests and 10,000
//! backups where the seed makes fewer), converted to rows by the watch layer's own conversion
//! and fed to `update` as watch events; then one watch event applied, a full 200x60 frame of every pane and the
//! triage view (unscoped and scoped), one filter keystroke across all pods, the process RSS,
//! and an initial sync from a real demo server over loopback through `k8s::watch`.
//!
//! Run with `cargo bench --bench app_fleet` (`harness = false`; without `--bench`, as under
//! `cargo test --all-targets`, it does nothing); `cargo bench --bench app_fleet -- memory` stops
//! after the memory figures.
#![allow(
    clippy::expect_used,
    reason = "a benchmark stops at its first broken setup; it reads no user input"
)]

#[path = "support/heap.rs"]
mod heap;

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

mod bench {
    use std::time::{Duration, Instant};

    use super::heap::held_mb;

    use chrono::Utc;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kbdash::k8s::watch::WatchEvent;
    use kbdash::k8s::watch::{Sink, WatchTiming, spawn_all};
    use kbdash::state::model::{Model, Pane, StreamState};
    use kbdash::state::msg::Msg;
    use kbdash::state::store::WATCHED;
    use kbdash::update::{set_pages, update};
    use kbdash::view::view;
    use kbdash_core::kinds::Kind;
    use kbdash_core::rows::{ObjKey, Progress, Row};
    use kbdash_demo::seed::{SeedConfig, seed};
    use kbdash_demo::store::{Store, system_clock};
    use kbdash_demo::{DemoConfig, DemoServer};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    const CLUSTERS: usize = 5_000;
    const PODS: usize = 15_000;
    const OPS: usize = 20_000;
    const BACKUPS: usize = 10_000;
    const SIZE: (u16, u16) = (200, 60);

    fn status_mb(field: &str) -> f64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    fn print_rss(when: &str) {
        println!(
            "RSS {when}: VmRSS {:.1} MB, VmHWM {:.1} MB",
            status_mb("VmRSS:"),
            status_mb("VmHWM:")
        );
    }

    fn report(name: &str, mut samples: Vec<Duration>) {
        samples.sort();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "{name:<44} n={:<5} min {:>10.1} µs  p50 {:>10.1} µs  p99 {:>10.1} µs  max {:>10.1} µs",
            samples.len(),
            us(samples[0]),
            us(at(0.5)),
            us(at(0.99)),
            us(samples[samples.len() - 1])
        );
    }

    fn watch(kind: Kind, event: WatchEvent) -> Msg {
        Msg::Watch {
            ctx: kbdash_core::rows::Ctx(0),
            kind,
            at: Utc::now(),
            event,
        }
    }

    fn ch(c: char) -> Msg {
        key(KeyCode::Char(c))
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// Every watched object of the seeded store as the watch layer converts it, per kind.
    fn fleet_rows() -> Vec<(Kind, Vec<Row>)> {
        let store = Store::new(20_000, system_clock(), 1);
        let t = Instant::now();
        seed(
            &store,
            &SeedConfig {
                clusters: CLUSTERS,
                seed: 1,
                ..SeedConfig::default()
            },
        );
        println!("seeded {CLUSTERS} clusters in {:.2?}", t.elapsed());
        let mut out = Vec::new();
        for kind in WATCHED {
            let (objs, _) = store.list(kind, None);
            let mut rows: Vec<Row> = objs
                .iter()
                .filter_map(|o| Row::from_json(kind, o.json.as_bytes()).ok()?.row)
                .collect();
            let seeded = rows.len();
            let want = match kind {
                Kind::Pod => PODS,
                Kind::OpsRequest => OPS,
                Kind::Backup => BACKUPS,
                _ => 0,
            };
            top_up(&mut rows, want);
            println!(
                "{kind:?}: {seeded} rows from the seed, {} after top-up",
                rows.len()
            );
            out.push((kind, rows));
        }
        out
    }

    /// Copies of seeded rows under new names until there are `want`.
    fn top_up(rows: &mut Vec<Row>, want: usize) {
        let seeded = rows.len();
        if seeded == 0 {
            return;
        }
        let mut i = 0;
        while rows.len() < want {
            let mut row = rows[i % seeded].clone();
            let suffix = format!("-x{i}");
            match &mut row {
                // Extra replicas: secondaries, so no cluster gains a second primary.
                Row::Pod(p) => {
                    p.key = ObjKey::new(&p.key.namespace, format!("{}{suffix}", p.key.name));
                    p.role = "secondary".into();
                }
                Row::Ops(o) => {
                    o.key = ObjKey::new(&o.key.namespace, format!("{}{suffix}", o.key.name))
                }
                Row::Backup(b) => {
                    b.key = ObjKey::new(&b.key.namespace, format!("{}{suffix}", b.key.name))
                }
                _ => return,
            }
            rows.push(row);
            i += 1;
        }
    }

    /// Feeds every row as a relist would, and prints how much heap each kind adds to the model.
    fn feed(m: &mut Model, rows: &[(Kind, Vec<Row>)]) {
        for (kind, rows) in rows {
            let before = held_mb();
            update(m, watch(*kind, WatchEvent::Init));
            for r in rows {
                update(m, watch(*kind, WatchEvent::InitRow(Box::new(r.clone()))));
            }
            update(m, watch(*kind, WatchEvent::InitDone));
            println!(
                "heap held by the model for {} {kind:?} rows: {:.1} MB",
                rows.len(),
                held_mb() - before
            );
        }
    }

    fn fresh_model() -> Model {
        let mut m = Model::new("kbdash-demo", None, Utc::now());
        m.size = SIZE;
        set_pages(&mut m);
        m
    }

    fn time_events(m: &mut Model, name: &str, events: impl Iterator<Item = (Kind, Row)>) {
        let mut samples = Vec::new();
        for (kind, row) in events {
            let msg = watch(kind, WatchEvent::Apply(Box::new(row)));
            let t = Instant::now();
            update(m, msg);
            samples.push(t.elapsed());
        }
        report(name, samples);
    }

    /// All rows of `kind`.
    fn of_kind(rows: &[(Kind, Vec<Row>)], kind: Kind) -> impl Iterator<Item = &Row> {
        rows.iter()
            .filter(move |(k, _)| *k == kind)
            .flat_map(|(_, r)| r.iter())
    }

    fn events(m: &mut Model, rows: &[(Kind, Vec<Row>)]) {
        const N: usize = 5_000;
        let pod = of_kind(rows, Kind::Pod)
            .find_map(|r| match r {
                Row::Pod(p) if p.is_primary() => Some(p),
                _ => None,
            })
            .expect("the fleet has a primary");
        time_events(
            m,
            "event apply: pod role flip",
            (0..N).map(|i| {
                let mut p = pod.clone();
                p.role = if i % 2 == 0 { "secondary" } else { "primary" }.into();
                (Kind::Pod, Row::Pod(p))
            }),
        );
        let op = of_kind(rows, Kind::OpsRequest)
            .find_map(|r| match r {
                Row::Ops(o) => Some(o),
                _ => None,
            })
            .expect("the fleet has an OpsRequest");
        time_events(
            m,
            "event apply: OpsRequest progress",
            (0..N).map(|i| {
                let mut o = op.clone();
                o.phase = "Running".into();
                o.progress = Progress::Counts((i % 3) as u32, 3);
                (Kind::OpsRequest, Row::Ops(o))
            }),
        );
        let backup = of_kind(rows, Kind::Backup)
            .find_map(|r| match r {
                Row::Backup(b) if b.is_continuous() => Some(b),
                _ => None,
            })
            .expect("the fleet has a continuous backup");
        time_events(
            m,
            "event apply: backup timeRange end",
            (0..N).map(|i| {
                let mut b = backup.clone();
                let end = b.range_end.unwrap_or_else(Utc::now);
                b.range_end = Some(end + chrono::Duration::seconds(i as i64 + 1));
                (Kind::Backup, Row::Backup(b))
            }),
        );
    }

    fn frames(m: &mut Model, label: &str) {
        let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
        for (pane, c) in [
            (Pane::Clusters, '1'),
            (Pane::Pods, '2'),
            (Pane::Ops, '3'),
            (Pane::Backups, '4'),
        ] {
            update(m, ch(c));
            assert_eq!(m.focus, pane);
            let samples = (0..300)
                .map(|_| {
                    let t = Instant::now();
                    term.draw(|f| view(m, f)).expect("draw");
                    t.elapsed()
                })
                .collect();
            report(&format!("view 200x60 {label}: {}", pane.title()), samples);
        }
        update(m, ch('!'));
        let samples = (0..300)
            .map(|_| {
                let t = Instant::now();
                term.draw(|f| view(m, f)).expect("draw");
                t.elapsed()
            })
            .collect();
        report(&format!("view 200x60 {label}: triage"), samples);
        update(m, ch('!'));
    }

    fn filter(m: &mut Model) {
        update(m, ch('2'));
        let all = m.store.pods.visible_len();
        let mut typed = Vec::new();
        let mut cleared = Vec::new();
        let mut shown = 0;
        for i in 0..100 {
            update(m, ch('/'));
            let c = char::from(b'0' + (i % 10) as u8);
            let t = Instant::now();
            update(m, ch(c));
            typed.push(t.elapsed());
            shown = m.store.pods.visible_len();
            let t = Instant::now();
            update(m, key(KeyCode::Esc));
            cleared.push(t.elapsed());
        }
        report(&format!("filter keystroke over {all} pods"), typed);
        report("filter cleared with Esc", cleared);
        println!(
            "  (last filter showed {shown} of {all} pods; after Esc {})",
            m.store.pods.visible_len()
        );
    }

    fn tick(m: &mut Model) {
        let samples = (1..=50)
            .map(|i| {
                let msg = Msg::Tick(Utc::now() + chrono::Duration::seconds(i));
                let t = Instant::now();
                update(m, msg);
                t.elapsed()
            })
            .collect();
        report("clock tick (triage rules) over the fleet", samples);
    }

    async fn initial_sync() {
        let t = Instant::now();
        let server = DemoServer::start(DemoConfig {
            clusters: CLUSTERS,
            ..DemoConfig::default()
        })
        .await
        .expect("demo server");
        println!(
            "demo server with {CLUSTERS} clusters up in {:.2?}",
            t.elapsed()
        );
        let client = server.client().expect("client");
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let (_follow_tx, follow) = tokio::sync::watch::channel(None);
        let sink = Sink {
            ctx: kbdash_core::rows::Ctx(0),
            tx,
            follow,
        };
        let mut m = fresh_model();
        let mut term = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
        let mut tasks = tokio::task::JoinSet::new();
        let start = Instant::now();
        spawn_all(
            &mut tasks,
            &client,
            None,
            &WATCHED,
            WatchTiming::default(),
            &sink,
        );
        let mut first_row = None;
        let mut in_update = Duration::ZERO;
        let mut msgs = 0usize;
        while let Some(msg) = rx.recv().await {
            if first_row.is_none()
                && matches!(
                    msg,
                    Msg::Watch {
                        event: WatchEvent::InitRow(_),
                        ..
                    }
                )
            {
                first_row = Some(start.elapsed());
            }
            let t = Instant::now();
            update(&mut m, msg);
            in_update += t.elapsed();
            msgs += 1;
            if m.streams.values().all(|s| *s == StreamState::Live) {
                break;
            }
        }
        let lists_done = start.elapsed();
        term.draw(|f| view(&m, f)).expect("draw");
        let frame = start.elapsed();
        println!(
            "initial sync over loopback: first row {:.2?}, all lists in {lists_done:.2?}, first complete frame {frame:.2?} ({msgs} msgs, {in_update:.2?} in update; {} clusters {} pods {} ops {} backups)",
            first_row.unwrap_or_default(),
            m.store.clusters.len(),
            m.store.pods.len(),
            m.store.ops.len(),
            m.store.backups.len()
        );
        tasks.abort_all();
        server.shutdown().await;
    }

    pub fn run(runtime: &tokio::runtime::Runtime) {
        println!("app_fleet: {} UTC", Utc::now().format("%Y-%m-%d %H:%M"));
        print_rss("at start");
        let rows = fleet_rows();
        let mut m = fresh_model();
        let t = Instant::now();
        feed(&mut m, &rows);
        println!(
            "model filled from {} rows in {:.2?}",
            rows.iter().map(|(_, r)| r.len()).sum::<usize>(),
            t.elapsed()
        );
        print_rss("with seed store dropped, rows and model held");
        drop(rows);
        let rows = fleet_rows_sample(&m);
        print_rss("model holds the fleet (rows dropped)");
        println!("heap held in all, model and samples: {:.1} MB", held_mb());
        if std::env::args().any(|a| a == "memory") {
            return;
        }
        tick(&mut m);
        events(&mut m, &rows);
        frames(&mut m, "unscoped");
        let scope = m.store.clusters.visible_row(0).map(|c| c.key.clone());
        m.scope = None;
        update(&mut m, ch('1'));
        update(&mut m, key(KeyCode::Enter));
        assert_eq!(m.scope, scope, "Enter scopes to the selected cluster");
        frames(&mut m, "scoped");
        update(&mut m, key(KeyCode::Esc));
        assert_eq!(m.scope, None::<ObjKey>);
        filter(&mut m);
        drop(m);
        runtime.block_on(initial_sync());
        print_rss("at end");
    }

    /// One row of each kind from the model, enough to build the timed events from.
    fn fleet_rows_sample(m: &Model) -> Vec<(Kind, Vec<Row>)> {
        let pod = m
            .store
            .pods
            .iter()
            .find(|p| p.is_primary())
            .cloned()
            .map(Row::Pod);
        let op = m.store.ops.iter().next().cloned().map(Row::Ops);
        let backup = m
            .store
            .backups
            .iter()
            .find(|b| b.is_continuous())
            .cloned()
            .map(Row::Backup);
        vec![
            (Kind::Pod, pod.into_iter().collect()),
            (Kind::OpsRequest, op.into_iter().collect()),
            (Kind::Backup, backup.into_iter().collect()),
        ]
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a fleet-scale run has no place in the test suite.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    bench::run(&runtime);
}
