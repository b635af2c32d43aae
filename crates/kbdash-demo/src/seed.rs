//! The demo's initial fleet of KubeBlocks PostgreSQL clusters: clusters, components, pods,
//! PVCs, services, a history of finished OpsRequests, the addon's ActionSets, backup policies
//! and schedules, full backups and one Running continuous backup per backed-up cluster (with
//! its StatefulSet's pod, whose `backupdata` log says how archiving goes), and
//! one cluster of another engine. Deterministic for a seed; every timestamp is relative to the
//! store's clock.
//!
//! The first clusters each show one behaviour of the real operator (docs/kubeblocks.md):
//! `pg-cluster` a refused op and a volume-snapshot backup sized as a quantity, `orders-db` a
//! crash-looping secondary (its one component Failed, so the cluster is Failed),
//! `legacy-crm` stopped a day ago (its backups end there, its continuous backup Completed,
//! its schedule off), `billing` an idle database whose continuous backup's end stops
//! advancing (not a fault), `analytics` the wal-g methods and an op that
//! failed with the generic condition and its cause in a progress detail, `inventory` an
//! archiver whose StatefulSet loses its pod two minutes in, `auth-db` a role probe timeout,
//! `reporting` a deletion held by `DoNotTerminate`; `shop-mysql` runs MySQL.
//!
//! Their databases, as the pod proxy answers for them ([`crate::proxy`]): `orders-db`'s
//! crash-looping member falls behind, `inventory` (wal-g methods, so that its broken archive
//! shows in pg_stat_archiver) counts archiving failures, `analytics` runs near
//! max_connections, `billing` commits nothing, `reporting` disables the exporter, and
//! `auth-db`'s Patroni leader is not the pod labelled primary; the others are unremarkable.

use chrono::{DateTime, Duration, Timelike, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::operator::objects::{self as obj, COMPONENT, ClusterInput, Phase, PodInput, PodState};
use super::operator::ops::status::{self as ops_status, PodVerb};
use super::store::{Store, timestamp};
use kbdash_core::kinds::Kind;

/// The database behaviour (annotation `demo.kbdash.io/database`) of a cluster whose role probe
/// times out: its Patroni leader moved off the pod labelled primary, and its kbagent's probes
/// fail.
pub(crate) const ROLE_PROBE_TIMEOUT_DATABASE: &str = "leader-moved";
/// How a seeded op of the history ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Succeed,
    /// Refused by the operator's validation (`Validated=False`).
    ValidateFailed,
    /// Failed without an error object: the generic condition, the cause in a progress detail.
    FailedInComponent,
}

/// What to seed.
#[derive(Debug, Clone)]
pub struct SeedConfig {
    /// Number of PostgreSQL clusters.
    pub clusters: usize,
    /// The same seed gives the same fleet (for the same store clock).
    pub seed: u64,
    /// Which of several fleets of the same names (one per context of `kbdash demo
    /// --contexts N`): fleet `n` hands each name the story of the cluster `n` places further,
    /// so the same names are in other states in each context. 0: the one-context fleet.
    pub fleet: usize,
}

impl Default for SeedConfig {
    fn default() -> Self {
        SeedConfig {
            clusters: 8,
            seed: 1,
            fleet: 0,
        }
    }
}

/// Names for the first clusters of a small fleet; larger fleets continue with `pg-NNNNN`.
const NAMES: [&str; 8] = [
    "pg-cluster",
    "orders-db",
    "legacy-crm",
    "billing",
    "analytics",
    "inventory",
    "auth-db",
    "reporting",
];

/// Marks the continuous backup of the demo's idle database: no transaction fills a WAL
/// segment, so the simulated operator never advances its `status.timeRange.end`, while its
/// archiver stays up (docs/kubeblocks.md#continuous-backup).
pub const IDLE_ANNOTATION: &str = "demo.kbdash.io/idle-database";

/// Marks the continuous backup whose archiver StatefulSet loses its pod at the annotated time
/// (RFC 3339): the simulated operator then sets the action's `availableReplicas` to 0 and the
/// end stops advancing.
pub const ARCHIVER_FAILS_ANNOTATION: &str = "demo.kbdash.io/archiver-fails-at";

/// Marks how a cluster's database behaves for the demo's exporter and Patroni answers
/// ([`crate::proxy`]): `busy` (connections near max_connections), `idle` (no transactions),
/// `leader-moved` (Patroni's leader is not the pod labelled primary, kubeblocks-addons#3545).
pub const DATABASE_ANNOTATION: &str = "demo.kbdash.io/database";

/// The non-PostgreSQL KubeBlocks cluster every seeded fleet has.
pub const OTHER_ENGINE_CLUSTER: &str = "shop-mysql";

/// Fleets larger than this keep one full backup per cluster instead of three, so that 5000
/// clusters make about 10,000 backups (one full, one continuous each).
const SMALL_FLEET: usize = 100;

/// How a seeded cluster is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Healthy,
    /// A secondary keeps crashing: the component is Failed, and so is the cluster, which has
    /// that one component (docs/kubeblocks.md#phases).
    CrashLoop,
    Stopped,
    /// All pods are ready but a secondary's role probe stopped answering: the component is
    /// Failed with the operator's "Role probe timeout" message.
    RoleProbeTimeout,
    /// Someone deleted it while its terminationPolicy is DoNotTerminate: it stays Deleting.
    HeldDeleting,
}

/// What a seeded cluster's continuous backup does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Archive {
    /// Its end follows the clock.
    Archiving,
    /// An idle database: the end stays where it is, the archiver is up.
    Idle,
    /// The archiver loses its pod a little after the start.
    FailsSoon,
}

/// The behaviours of cluster `i` of the fleet (see the module doc for the first ones).
struct Story {
    health: Health,
    archive: Archive,
    methods: obj::Methods,
    /// Its last op failed with the generic condition, the cause in a progress detail.
    failed_op: bool,
    /// It has a Completed volume-snapshot backup.
    snapshot: bool,
    /// How its database behaves, as [`DATABASE_ANNOTATION`] says; `None`: normal.
    database: Option<&'static str>,
    /// Its component disables the exporter sidecar.
    no_exporter: bool,
}

fn story(i: usize) -> Story {
    let health = match i {
        1 => Health::CrashLoop,
        2 => Health::Stopped,
        6 => Health::RoleProbeTimeout,
        7 => Health::HeldDeleting,
        _ if i % 97 == 50 => Health::CrashLoop,
        _ if i % 89 == 60 => Health::Stopped,
        _ if i % 107 == 72 => Health::RoleProbeTimeout,
        _ if i % 109 == 73 => Health::HeldDeleting,
        _ => Health::Healthy,
    };
    let archive = match i {
        3 => Archive::Idle,
        5 => Archive::FailsSoon,
        _ if i % 101 == 70 => Archive::Idle,
        _ if i % 103 == 71 => Archive::FailsSoon,
        _ => Archive::Archiving,
    };
    Story {
        health,
        archive,
        // A broken archive shows in pg_stat_archiver only with wal-g-archive: archive-wal
        // leaves archive_command empty (docs/kubeblocks.md#continuous-backup).
        methods: if i % 7 == 4 || archive == Archive::FailsSoon {
            obj::Methods::WalG
        } else {
            obj::Methods::BaseBackup
        },
        failed_op: i == 4 || i % 113 == 74,
        snapshot: i == 0,
        database: match (archive, health) {
            (Archive::Idle, _) => Some("idle"),
            (_, Health::RoleProbeTimeout) => Some(ROLE_PROBE_TIMEOUT_DATABASE),
            _ if i == 4 || i % 131 == 81 => Some("busy"),
            _ => None,
        },
        no_exporter: i == 7 || i % 139 == 83,
    }
}

/// Fills an empty store with the fleet. Objects the store refuses (a name already taken) are
/// skipped: seeding twice leaves the first fleet in place. Zero clusters seed nothing at all
/// (an empty API server, as protocol tests want).
pub fn seed(store: &Store, config: &SeedConfig) {
    if config.clusters == 0 {
        return;
    }
    let mut s = Seeder {
        store,
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        now: store.now(),
        small: config.clusters <= SMALL_FLEET,
        nodes: (config.clusters / 2).clamp(3, 400),
    };
    let namespaces: &[&str] = if config.clusters < 3 {
        &["demo", "prod"]
    } else {
        &["demo", "prod", "staging"]
    };
    for ns in namespaces {
        let created = timestamp(s.now - Duration::days(90));
        let uid = s.uid();
        s.put(
            Kind::Namespace,
            json!({
                "metadata": {"name": ns, "uid": uid, "creationTimestamp": created,
                             "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }),
        );
    }
    let uid = s.uid();
    let installed = timestamp(s.now - Duration::days(90));
    let cmpv = obj::component_version(&uid, &installed);
    s.put(Kind::ComponentVersion, cmpv);
    // The seeded claims' class is the default one; another is there to choose. Their uids are
    // fixed, so the seeded random sequence (and every object after them) stays as it was.
    for (i, (class, default)) in [(obj::STORAGE_CLASS, true), ("premium-rwo", false)]
        .into_iter()
        .enumerate()
    {
        let uid = format!("5c0e0000-0000-4000-8000-00000000000{i}");
        s.put(
            Kind::StorageClass,
            obj::storage_class(class, default, &uid, &installed),
        );
    }
    for (_, action_set, backup_type) in obj::METHODS {
        if !action_set.is_empty() {
            let uid = s.uid();
            s.put(
                Kind::ActionSet,
                obj::action_set(action_set, backup_type, &uid, &installed),
            );
        }
    }
    for i in 0..config.clusters {
        let name = match NAMES.get(i) {
            Some(n) if config.clusters <= NAMES.len() => n.to_string(),
            _ => format!("pg-{i:05}"),
        };
        let ns = namespaces[i % namespaces.len()];
        s.cluster(ns, &name, i, &story((i + config.fleet) % config.clusters));
    }
    s.other_engine(namespaces[0]);
}

struct Seeder<'a> {
    store: &'a Store,
    rng: ChaCha8Rng,
    now: DateTime<Utc>,
    small: bool,
    nodes: usize,
}

impl Seeder<'_> {
    fn put(&self, kind: Kind, value: Value) {
        // A taken name means the store was seeded already; the first object stays.
        let _ = self.store.create(kind, value);
    }

    fn uid(&mut self) -> String {
        let mut b: [u8; 16] = self.rng.random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    fn ip(&mut self) -> String {
        format!(
            "10.244.{}.{}",
            self.rng.random_range(0..64),
            self.rng.random_range(2..254)
        )
    }

    fn ts(&self, t: DateTime<Utc>) -> String {
        timestamp(t)
    }

    fn cluster(&mut self, ns: &str, name: &str, index: usize, story: &Story) {
        let health = story.health;
        let (_, versions) = obj::RELEASES[self.rng.random_range(0..obj::RELEASES.len())];
        let service_version = versions[0];
        let replicas = match health {
            Health::CrashLoop => 3,
            Health::RoleProbeTimeout => 2,
            _ => match self.rng.random_range(0..20) {
                0 => 1,
                1..=3 => 2,
                _ => 3,
            },
        };
        let (cpu, memory) = [("500m", "1Gi"), ("1", "2Gi"), ("2", "4Gi"), ("4", "8Gi")]
            [self.rng.random_range(0..4)];
        let storage = ["20Gi", "50Gi", "100Gi"][self.rng.random_range(0..3)];
        let created = self.now
            - Duration::days(self.rng.random_range(10..60))
            - Duration::minutes(self.rng.random_range(0..1440));
        let uid = self.uid();
        let mut cluster = obj::cluster(&ClusterInput {
            namespace: ns,
            name,
            uid: &uid,
            created,
            service_version,
            replicas,
            resources: obj::resources(cpu, memory),
            storage,
            stopped: health == Health::Stopped,
            disable_exporter: story.no_exporter,
        });
        if let Some(database) = story.database {
            cluster["metadata"]["annotations"][DATABASE_ANNOTATION] = database.into();
        }
        let created_ts = self.ts(created);
        let ready_ts = self.ts(created + Duration::seconds(107));
        let primary = if replicas > 1 && self.rng.random_range(0..4) == 0 {
            1
        } else {
            0
        };
        let broken = (health == Health::CrashLoop).then_some(if primary == 2 { 1 } else { 2 });
        let unready: Vec<String> = broken
            .iter()
            .map(|o| obj::pod_name(name, COMPONENT, *o))
            .collect();
        let phase = match health {
            Health::Healthy | Health::HeldDeleting => Phase::Running,
            Health::Stopped => Phase::Stopped,
            Health::CrashLoop | Health::RoleProbeTimeout => Phase::Failed,
        };
        obj::provisioned_status(&mut cluster, phase, &unready, &created_ts, &ready_ts);
        let probe_failed_at = self.ts(self.now - Duration::minutes(18));
        if health == Health::RoleProbeTimeout {
            obj::role_probe_timeout(&mut cluster, &probe_failed_at);
        }
        if health == Health::HeldDeleting {
            obj::held_by_do_not_terminate(&mut cluster, &self.ts(self.now - Duration::minutes(25)));
        }
        // The history below changed the spec this many times.
        cluster["metadata"]["generation"] = 1.into();
        let comp_uid = self.uid();
        let mut component = obj::component(
            &cluster,
            &comp_uid,
            &self.ts(created + Duration::seconds(1)),
        );
        obj::apply_phase(&mut component, phase, &unready, &ready_ts);
        if health == Health::RoleProbeTimeout {
            obj::role_probe_timeout(&mut component, &probe_failed_at);
        }
        self.put(Kind::Cluster, cluster.clone());
        self.put(Kind::Component, component);
        if health == Health::HeldDeleting {
            let uid = self.uid();
            let first = self.ts(self.now - Duration::minutes(25));
            let last = self.ts(self.now - Duration::seconds(20));
            self.put(
                Kind::Event,
                obj::do_not_terminate_event(&cluster, &uid, 150, &first, &last),
            );
        }

        let pods_created = created + Duration::seconds(5);
        for ordinal in 0..replicas {
            let pod = obj::pod_name(name, COMPONENT, ordinal);
            let pvc_uid = self.uid();
            self.put(
                Kind::PersistentVolumeClaim,
                obj::pvc(&cluster, &pod, storage, &pvc_uid, &self.ts(pods_created)),
            );
            if health == Health::Stopped {
                continue;
            }
            let node = obj::node_name(self.rng.random_range(0..self.nodes));
            let ip = self.ip();
            let pod_uid = self.uid();
            let crashing = broken == Some(ordinal);
            let state = if crashing {
                PodState::CrashLoop
            } else {
                PodState::Ready
            };
            // A pod whose role probe no longer answers keeps its last role off the label.
            let role = if crashing || (health == Health::RoleProbeTimeout && ordinal != primary) {
                None
            } else if ordinal == primary {
                Some("primary")
            } else {
                Some("secondary")
            };
            let restarts = if crashing {
                self.rng.random_range(5..40)
            } else {
                u64::from(self.rng.random_range(0..20) == 0)
            };
            let mut p = obj::pod(&PodInput {
                cluster: &cluster,
                ordinal,
                uid: &pod_uid,
                created: &self.ts(pods_created),
                node: &node,
                pod_ip: &ip,
                role,
                state,
                restart_count: restarts,
            });
            if crashing {
                obj::set_pod_state(
                    &mut p,
                    state,
                    &ip,
                    &self.ts(self.now - Duration::seconds(40)),
                    restarts,
                );
                p["status"]["startTime"] = self.ts(pods_created).into();
                let first = self.ts(self.now - Duration::minutes(restarts as i64 * 5));
                let last = self.ts(self.now - Duration::seconds(40));
                self.put(
                    Kind::Event,
                    obj::back_off_event(&p, restarts * 3, &first, &last),
                );
            }
            self.put(Kind::Pod, p);
        }
        let svc_uid = self.uid();
        let svc_ip = format!(
            "10.96.{}.{}",
            self.rng.random_range(0..255),
            self.rng.random_range(1..255)
        );
        self.put(
            Kind::Service,
            obj::service(
                &cluster,
                None,
                "ClusterIP",
                "primary",
                &svc_uid,
                &created_ts,
                &svc_ip,
            ),
        );
        let stopped_at = self.history(&cluster, index, story, created);
        self.backups(&cluster, story, created, primary, stopped_at);
    }

    /// Finished OpsRequests, oldest first, at most one per day before now. Returns when the
    /// Stop of a stopped cluster was asked for.
    fn history(
        &mut self,
        cluster: &Value,
        index: usize,
        story: &Story,
        created: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let health = story.health;
        const TYPES: [&str; 8] = [
            "Restart",
            "VerticalScaling",
            "HorizontalScaling",
            "Switchover",
            "Reconfiguring",
            "VolumeExpansion",
            "Expose",
            "Upgrade",
        ];
        // Four per cluster: 20,000 for a fleet of 5000.
        let count = 4;
        let mut stopped_at = None;
        for k in 0..count {
            let days_ago = (count - k) as i64 * 2 - 1;
            let at = (self.now
                - Duration::days(days_ago)
                - Duration::minutes(self.rng.random_range(0..600)))
            .max(created + Duration::hours(1));
            let mut ty = TYPES[self.rng.random_range(0..TYPES.len())];
            let last = k + 1 == count;
            if last && health == Health::Stopped {
                ty = "Stop";
                stopped_at = Some(at);
            }
            let outcome = if index == 0 && last {
                ty = "VerticalScaling";
                Outcome::ValidateFailed
            } else if story.failed_op && last {
                ty = "Restart";
                Outcome::FailedInComponent
            } else {
                Outcome::Succeed
            };
            let op = self.historic_op(cluster, ty, at, outcome);
            self.put(Kind::OpsRequest, op);
        }
        stopped_at
    }

    fn historic_op(
        &mut self,
        cluster: &Value,
        ty: &str,
        at: DateTime<Utc>,
        outcome: Outcome,
    ) -> Value {
        let failed_validation = outcome == Outcome::ValidateFailed;
        let cname = obj::meta(cluster, "name").to_string();
        let ns = obj::meta(cluster, "namespace").to_string();
        let cuid = obj::meta(cluster, "uid").to_string();
        let suffix: String = (0..5)
            .map(|_| b"bcdfghjklmnpqrstvwxz2456789"[self.rng.random_range(0..27)] as char)
            .collect();
        let name = format!("{cname}-{}-{suffix}", ty.to_lowercase());
        let replicas = obj::comp_replicas(cluster);
        let sv = obj::comp_str(cluster, "serviceVersion");
        let comp = json!({"componentName": COMPONENT});
        let spec_part = match ty {
            "Restart" => json!({"restart": [comp]}),
            "Stop" => json!({"stop": [comp]}),
            "VerticalScaling" if failed_validation => json!({"verticalScaling": [{
                "componentName": COMPONENT, "requests": {"cpu": "4", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}]}),
            "VerticalScaling" => json!({"verticalScaling": [{
                "componentName": COMPONENT, "requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}]}),
            "HorizontalScaling" => {
                json!({"horizontalScaling": [{"componentName": COMPONENT, "scaleOut": {"replicaChanges": 1}}]})
            }
            "Switchover" => {
                json!({"switchover": [{"componentName": COMPONENT, "instanceName": obj::pod_name(&cname, COMPONENT, 0)}]})
            }
            "Reconfiguring" => {
                json!({"reconfigures": [{"componentName": COMPONENT, "parameters": [{"key": "max_connections", "value": "200"}]}]})
            }
            "VolumeExpansion" => {
                json!({"volumeExpansion": [{"componentName": COMPONENT, "volumeClaimTemplates": [{"name": obj::VCT, "storage": obj::comp_storage(cluster)}]}]})
            }
            "Expose" => {
                json!({"expose": [{"componentName": COMPONENT, "switch": "Disable", "services": [{"name": "internet", "serviceType": "LoadBalancer", "roleSelector": "primary"}]}]})
            }
            _ => {
                json!({"upgrade": {"components": [{"componentName": COMPONENT, "serviceVersion": sv}]}})
            }
        };
        let mut spec = json!({"clusterName": cname, "type": ty});
        if let (Some(s), Some(p)) = (spec.as_object_mut(), spec_part.as_object()) {
            s.extend(p.clone());
        }
        let t0 = self.ts(at);
        let t_start = self.ts(at + Duration::seconds(2));
        let mut conditions = vec![ops_status::waiting(&name, &cname, &t0)];
        let mut status = json!({});
        if failed_validation {
            conditions.push(ops_status::validate_failed(
                "ValidateFailed",
                "invalid value for \"4\": must be less than or equal to cpu limit",
                &self.ts(at + Duration::seconds(1)),
            ));
            status["phase"] = "Failed".into();
            status["progress"] = "-/-".into();
            status["completionTimestamp"] = self.ts(at + Duration::seconds(1)).into();
        } else {
            conditions.push(ops_status::validated(&name, &t_start));
            conditions.push(ops_status::started(ty, &cname, &t_start));
            let mut t = at + Duration::seconds(3);
            let mut details = Vec::new();
            let pods: Vec<String> = (0..replicas)
                .rev()
                .map(|o| obj::pod_name(&cname, COMPONENT, o))
                .collect();
            match ty {
                "Restart" if outcome == Outcome::FailedInComponent => {
                    // The secondary restarted first never came back: the operator gives up on
                    // it, restarts the rest and fails the op without an error object.
                    for (k, p) in pods.iter().enumerate() {
                        let end = t + Duration::seconds(self.rng.random_range(40..90));
                        details.push(if k == 0 {
                            ops_status::pod_detail_failed(
                                PodVerb::Restart,
                                p,
                                COMPONENT,
                                &format!(
                                    "back-off 5m0s restarting failed container=postgresql pod={p}"
                                ),
                                &self.ts(t),
                                &self.ts(end + Duration::minutes(5)),
                            )
                        } else {
                            ops_status::pod_detail(
                                PodVerb::Restart,
                                p,
                                COMPONENT,
                                &self.ts(t),
                                Some(&self.ts(end)),
                            )
                        });
                        t = end + Duration::seconds(1);
                    }
                    t += Duration::minutes(5);
                }
                "Restart" | "VerticalScaling" | "Upgrade" => {
                    for p in &pods {
                        let end = t + Duration::seconds(self.rng.random_range(40..90));
                        details.push(ops_status::pod_detail(
                            PodVerb::rolling(ty),
                            p,
                            COMPONENT,
                            &self.ts(t),
                            Some(&self.ts(end)),
                        ));
                        t = end + Duration::seconds(1);
                    }
                }
                "Stop" => {
                    for p in &pods {
                        let end = at + Duration::seconds(self.rng.random_range(20..40));
                        details.push(ops_status::pod_detail(
                            PodVerb::Delete,
                            p,
                            COMPONENT,
                            &self.ts(at + Duration::seconds(3)),
                            Some(&self.ts(end)),
                        ));
                        t = t.max(end);
                    }
                }
                "HorizontalScaling" => {
                    let p = obj::pod_name(&cname, COMPONENT, replicas);
                    let end = t + Duration::seconds(self.rng.random_range(40..90));
                    details.push(ops_status::pod_detail(
                        PodVerb::Create,
                        &p,
                        COMPONENT,
                        &self.ts(t),
                        Some(&self.ts(end)),
                    ));
                    t = end;
                    // The cluster was scaled back in later: the replicas in the spec stand.
                }
                "Switchover" => {
                    let end = t + Duration::seconds(self.rng.random_range(10..30));
                    details.push(ops_status::switchover_detail(
                        "primary",
                        COMPONENT,
                        &self.ts(t),
                        Some(&self.ts(end)),
                    ));
                    t = end;
                }
                "VolumeExpansion" => {
                    for p in &pods {
                        let end = t + Duration::seconds(self.rng.random_range(30..70));
                        details.push(ops_status::pvc_detail(
                            obj::VCT,
                            &obj::pvc_name(p),
                            COMPONENT,
                            &self.ts(at + Duration::seconds(3)),
                            Some(&self.ts(end)),
                        ));
                        t = t.max(end);
                    }
                }
                _ => t += Duration::seconds(self.rng.random_range(20..50)),
            }
            let done = t + Duration::seconds(1);
            let expected = match ty {
                "Reconfiguring" => None,
                "Expose" | "Switchover" | "HorizontalScaling" => Some(1),
                _ => Some(details.len()),
            };
            let failed = outcome == Outcome::FailedInComponent;
            status["phase"] = if failed { "Failed" } else { "Succeed" }.into();
            status["progress"] = expected
                .map_or("-/-".to_string(), |n| format!("{n}/{n}"))
                .into();
            status["startTimestamp"] = t_start.clone().into();
            status["completionTimestamp"] = self.ts(done).into();
            if !details.is_empty() {
                let phase = match ty {
                    _ if failed => "Failed",
                    "Stop" => "Stopped",
                    _ => "Running",
                };
                status["components"] =
                    json!({ COMPONENT: {"phase": phase, "progressDetails": details} });
            }
            conditions.push(if failed {
                ops_status::failed_see_components(&name, &cname, &self.ts(done))
            } else {
                ops_status::succeed(&name, &cname, &self.ts(done))
            });
        }
        status["conditions"] = Value::Array(conditions);
        let uid = self.uid();
        json!({
            "apiVersion": "operations.kubeblocks.io/v1alpha1",
            "kind": "OpsRequest",
            "metadata": {
                "name": name,
                "namespace": ns,
                "uid": uid,
                "creationTimestamp": t0,
                "labels": {
                    "app.kubernetes.io/instance": cname,
                    "app.kubernetes.io/managed-by": "kubeblocks",
                    "operations.kubeblocks.io/ops-type": ty,
                },
                "finalizers": ["opsrequest.kubeblocks.io/finalizer"],
                "ownerReferences": [{"apiVersion": "apps.kubeblocks.io/v1", "kind": "Cluster", "name": cname, "uid": cuid}],
            },
            "spec": spec,
            "status": status,
        })
    }

    /// The policy and schedule, daily full backups and the continuous backup whose window
    /// they fall in: Running, or, for a cluster stopped at `stopped_at`, as the operator left
    /// it then (Completed, its end where archiving stopped; docs/kubeblocks.md#continuous-backup),
    /// with no full backup after the stop.
    fn backups(
        &mut self,
        cluster: &Value,
        story: &Story,
        created: DateTime<Utc>,
        primary: usize,
        stopped_at: Option<DateTime<Utc>>,
    ) {
        let cname = obj::meta(cluster, "name").to_string();
        let ns = obj::meta(cluster, "namespace").to_string();
        let cuid = obj::meta(cluster, "uid").to_string();
        let created_ts = self.ts(created + Duration::seconds(2));
        let uid = self.uid();
        self.put(
            Kind::BackupPolicy,
            obj::backup_policy(cluster, &uid, &created_ts),
        );
        // Full backups at a per-cluster time of day, so a fleet's schedules are spread out.
        let (hour, minute) = (
            self.rng.random_range(0..24u32),
            self.rng.random_range(0..60u32),
        );
        let cron = format!("{minute} {hour} * * *");
        let backed_up = story.health != Health::Stopped;
        let (full_method, continuous_method) = (story.methods.full(), story.methods.continuous());
        let uid = self.uid();
        let mut schedule =
            obj::backup_schedule(cluster, &uid, &created_ts, &cron, story.methods, backed_up);
        let schedule_name = obj::schedule_name(&cname);
        let size_base: u64 = self.rng.random_range(40..20_000) * 1024 * 1024;
        let fulls = if self.small { 3 } else { 1 };
        let mut last_full: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        let continuous_start =
            (self.now - Duration::days(fulls + 1)).max(created + Duration::minutes(5));
        let target = obj::pod_name(
            &cname,
            COMPONENT,
            obj::comp_replicas(cluster).saturating_sub(1),
        );
        if let Some(mut day) = self
            .now
            .with_hour(hour)
            .and_then(|d| d.with_minute(minute))
            .and_then(|d| d.with_second(0))
        {
            while day > self.now {
                day -= Duration::days(1);
            }
            let mut when = day - Duration::days(fulls - 1);
            // A full backup takes up to ten minutes: it must have ended before the stop.
            let last_start = stopped_at.unwrap_or(self.now) - Duration::minutes(10);
            for _ in 0..fulls {
                if when > created && when < last_start {
                    let started = when + Duration::seconds(2);
                    let dur = Duration::seconds(self.rng.random_range(40..600));
                    let end = started + dur;
                    let name = format!("{cname}-{}", when.format("%Y%m%d%H%M%S"));
                    let uid = self.uid();
                    let accounts = obj::encrypted_accounts(|| self.rng.random());
                    let mut b = obj::backup(&obj::BackupInput {
                        cluster,
                        name: &name,
                        uid: &uid,
                        method: full_method,
                        created: &self.ts(when),
                        schedule: Some(&schedule_name),
                        retention: "7d",
                        accounts: &accounts,
                    });
                    obj::backup_running_status(&mut b, cluster, &target, &self.ts(started));
                    obj::backup_progress(
                        &mut b,
                        &self.ts(started + Duration::seconds(3)),
                        &self.ts(end - Duration::seconds(4)),
                        size_base + self.rng.random_range(0..size_base / 10),
                    );
                    obj::backup_completed(&mut b, end, "7d");
                    self.put(Kind::Backup, b);
                    last_full = Some((when, end));
                }
                when += Duration::days(1);
            }
        }
        if story.snapshot && backed_up {
            // Last night's volume snapshot, sized as the operator writes it: a quantity.
            let when = (self.now - Duration::hours(14))
                .with_minute(0)
                .and_then(|d| d.with_second(0))
                .unwrap_or(self.now);
            if when > created {
                let name = format!("{cname}-{}", when.format("%Y%m%d%H%M%S"));
                let uid = self.uid();
                let accounts = obj::encrypted_accounts(|| self.rng.random());
                let mut b = obj::backup(&obj::BackupInput {
                    cluster,
                    name: &name,
                    uid: &uid,
                    method: "volume-snapshot",
                    created: &self.ts(when),
                    schedule: None,
                    retention: "7d",
                    accounts: &accounts,
                });
                let started = when + Duration::seconds(2);
                let end = started + Duration::seconds(29);
                obj::backup_running_status(&mut b, cluster, &target, &self.ts(started));
                obj::backup_progress(&mut b, &self.ts(started), &self.ts(end), 0);
                obj::snapshot_size(&mut b, &obj::comp_storage(cluster));
                obj::backup_completed(&mut b, end, "7d");
                self.put(Kind::Backup, b);
            }
        }
        if let Some((when, end)) = last_full {
            schedule["status"]["schedules"][full_method] = json!({
                "phase": "Running", "lastScheduleTime": self.ts(when), "lastSuccessfulTime": self.ts(end)});
        }
        if backed_up || stopped_at.is_some() {
            if backed_up {
                schedule["status"]["schedules"][continuous_method] = json!({"phase": "Running"});
            }
            let name = obj::continuous_backup_name(&cuid, &schedule_name, &ns, continuous_method);
            let uid = self.uid();
            let accounts = obj::encrypted_accounts(|| self.rng.random());
            let created = continuous_start - Duration::seconds(31);
            let mut b = obj::backup(&obj::BackupInput {
                cluster,
                name: &name,
                uid: &uid,
                method: continuous_method,
                created: &self.ts(created),
                schedule: Some(&schedule_name),
                retention: "8d",
                accounts: &accounts,
            });
            let primary = obj::pod_name(&cname, COMPONENT, primary);
            obj::backup_running_status(
                &mut b,
                cluster,
                &primary,
                &self.ts(created + Duration::seconds(2)),
            );
            let size = size_base / 4 + self.rng.random_range(0..size_base / 8 + 1);
            let end = match (stopped_at, story.archive) {
                // The last WAL was uploaded as the cluster shut down.
                (Some(at), _) => at,
                (None, Archive::Idle) => {
                    b["metadata"]["annotations"][IDLE_ANNOTATION] = json!("true");
                    self.now - Duration::minutes(40)
                }
                (None, Archive::FailsSoon) => {
                    b["metadata"]["annotations"][ARCHIVER_FAILS_ANNOTATION] =
                        self.ts(self.now + Duration::minutes(2)).into();
                    self.now
                }
                (None, Archive::Archiving) => self.now,
            };
            obj::backup_progress(&mut b, &self.ts(continuous_start), &self.ts(end), size);
            if let Some(at) = stopped_at {
                obj::backup_completed(&mut b, at + Duration::seconds(30), "8d");
            } else {
                // Named from the backup, not drawn: the rest of the fleet stays as it was.
                let uid = format!("a{}", uid.get(1..).unwrap_or_default());
                let ip = format!("10.244.99.{}", 2 + size % 250);
                let started = self.ts(created + Duration::seconds(2));
                let pod = obj::archiver_pod(&b, &uid, &obj::node_name(0), &ip, &started);
                self.put(Kind::Pod, pod);
            }
            self.put(Kind::Backup, b);
        }
        self.put(Kind::BackupSchedule, schedule);
    }

    /// The fleet's MySQL cluster (the MySQL addon's shapes, no backups): its pods carry
    /// `managed-by=kubeblocks` like every KubeBlocks pod, and its secondary crash-loops, which
    /// kbdash must neither show nor judge.
    fn other_engine(&mut self, ns: &str) {
        let created = self.now - Duration::days(20);
        let uid = self.uid();
        let cluster = obj::mysql_cluster(ns, OTHER_ENGINE_CLUSTER, &uid, &self.ts(created));
        self.put(Kind::Cluster, cluster.clone());
        for (ordinal, role) in [(0, "primary"), (1, "secondary")] {
            let uid = self.uid();
            let node = obj::node_name(self.rng.random_range(0..self.nodes));
            let ip = self.ip();
            let pod = obj::mysql_pod(&obj::MysqlPod {
                cluster: &cluster,
                ordinal,
                role,
                uid: &uid,
                node: &node,
                ip: &ip,
                created: &self.ts(created + Duration::seconds(5)),
                crashing: ordinal == 1,
            });
            if ordinal == 1 {
                let first = self.ts(self.now - Duration::hours(3));
                let last = self.ts(self.now - Duration::seconds(50));
                self.put(Kind::Event, obj::back_off_event(&pod, 36, &first, &last));
            }
            self.put(Kind::Pod, pod);
        }
    }
}
