//! The restore form: a new cluster from a backup, as KubeBlocks 1.0 accepts it.
//!
//! From a full backup the new cluster gets that backup's data; from a continuous (WAL
//! archive) backup it is replayed to a chosen time inside the recoverable window
//! ([`crate::domain::pitr`]). Two request forms (docs/kubeblocks.md#restore-forms):
//! - [`RestoreRequestForm::OpsRequest`] (default): an OpsRequest of type `Restore` named like
//!   the new cluster, as `kbcli cluster restore` builds it; the operator builds the Cluster.
//! - [`RestoreRequestForm::Cluster`]: the new Cluster itself, built from the backup's
//!   `kubeblocks.io/cluster-snapshot` annotation, with the `kubeblocks.io/restore-from-backup`
//!   annotation. Its per-component entry carries `encryptedSystemAccounts` (the component's
//!   accounts from the backup's `kubeblocks.io/encrypted-system-accounts`, JSON-encoded as the
//!   operator's `GetRestoreFromBackupAnnotation` writes it) so the restored cluster keeps the
//!   source's system account passwords. Replicas and resources can be changed here.
//!
//! The encrypted strings must never be shown in full: previews and summaries go through
//! [`crate::redact`].
//!
//! Usage mirrors the other forms: [`RestoreContext::from_objects`], [`RestoreInput::initial`],
//! [`RestoreInput::fields`], [`RestoreInput::set`] (or [`RestoreInput::set_time`] from the
//! timeline cursor), then [`RestoreInput::validate`].

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::checks::{self, Errors};
use super::{FieldError, FieldKind, FieldSpec, Request, RequestAction, UnknownField};
use crate::domain::pitr::{
    BackupFacts, BackupKind, PitrError, RecoverableWindow, TimeRange, check_restore_time,
    recoverable_window,
};
use crate::domain::restore_time::{format_restore_time, parse_restore_time};
use crate::kinds::Kind;

/// Backup annotation holding the source Cluster as JSON.
pub(crate) const CLUSTER_SNAPSHOT_ANNOTATION: &str = "kubeblocks.io/cluster-snapshot";
/// Backup annotation holding `{"<component>":{"<account>":"<ciphertext>"}}`.
pub(crate) const ENCRYPTED_ACCOUNTS_ANNOTATION: &str = "kubeblocks.io/encrypted-system-accounts";
/// Optional backup annotation with the connection password (also encrypted).
pub(crate) const CONNECTION_PASSWORD_ANNOTATION: &str =
    "dataprotection.kubeblocks.io/connection-password";
/// Cluster annotation that makes the cluster controller restore from a backup.
pub const RESTORE_FROM_BACKUP_ANNOTATION: &str = "kubeblocks.io/restore-from-backup";

/// `volumeRestorePolicy` values; Parallel is the operator's default.
pub(crate) const VOLUME_RESTORE_POLICIES: [&str; 2] = ["Parallel", "Serial"];

/// Which object the restore sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreRequestForm {
    /// `OpsRequest` of type `Restore` (what `kbcli cluster restore` creates).
    OpsRequest,
    /// A `Cluster` carrying the `kubeblocks.io/restore-from-backup` annotation.
    Cluster,
}

impl RestoreRequestForm {
    /// The value of the `form` field.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RestoreRequestForm::OpsRequest => "OpsRequest",
            RestoreRequestForm::Cluster => "Cluster",
        }
    }
}

/// What the restore form knows: the chosen backup and what it is checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreContext {
    /// The backup restored from.
    pub backup: BackupFacts,
    /// Its `kubeblocks.io/cluster-snapshot` annotation, parsed; `None` when absent or not JSON.
    pub cluster_snapshot: Option<Value>,
    /// Its `kubeblocks.io/encrypted-system-accounts` annotation, parsed.
    pub encrypted_accounts: Option<Value>,
    /// Its `dataprotection.kubeblocks.io/connection-password` annotation.
    pub(crate) connection_password: Option<String>,
    /// The other backups of the backup's namespace (base backups for a continuous one).
    pub backups: Vec<BackupFacts>,
    /// Existing clusters as `(namespace, name)`: the new name must be free.
    pub clusters: Vec<(String, String)>,
    /// Current time, injected (relative times like `-15m`, lag).
    pub now: DateTime<Utc>,
    /// The user's local offset, for typed times without a zone and for display.
    pub(crate) local_offset: FixedOffset,
}

impl RestoreContext {
    /// Builds the context from live objects as JSON: the backup, the Backups (only those of
    /// the backup's namespace and cluster count as bases) and the Clusters (of any namespace,
    /// for the free-name check). `None` when the backup has no name.
    pub fn from_objects(
        backup: &Value,
        backups: &[Value],
        clusters: &[Value],
        now: DateTime<Utc>,
        local_offset: FixedOffset,
    ) -> Option<RestoreContext> {
        let facts = BackupFacts::from_backup(backup)?;
        let annotation = |k: &str| {
            backup
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
        };
        let json = |k: &str| annotation(k).and_then(|s| serde_json::from_str::<Value>(s).ok());
        let meta = |c: &Value, k: &str| {
            c.pointer(&format!("/metadata/{k}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(RestoreContext {
            cluster_snapshot: json(CLUSTER_SNAPSHOT_ANNOTATION).filter(Value::is_object),
            encrypted_accounts: json(ENCRYPTED_ACCOUNTS_ANNOTATION).filter(Value::is_object),
            connection_password: annotation(CONNECTION_PASSWORD_ANNOTATION)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            backups: backups
                .iter()
                .filter_map(BackupFacts::from_backup)
                .collect(),
            clusters: clusters
                .iter()
                .map(|c| (meta(c, "namespace"), meta(c, "name")))
                .collect(),
            backup: facts,
            now,
            local_offset,
        })
    }

    /// Follows a later state of a backup it knows, as the watch reports it: its phase, time
    /// range and completion (what a backup's progress changes; its labels stay as loaded).
    /// Returns `false` for a backup it does not know.
    pub fn follow_backup(&mut self, name: &str, state: &BackupState) -> bool {
        let mut found = false;
        for facts in std::iter::once(&mut self.backup).chain(self.backups.iter_mut()) {
            if facts.name == name {
                found = true;
                state.apply_to(facts);
            }
        }
        found
    }

    /// Follows every backup it knows at once: `state_of` gives a backup's state by name, or
    /// `None` for one that is gone, which is forgotten (the one restored from stays, with its
    /// last facts).
    pub fn follow_backups(&mut self, state_of: impl Fn(&str) -> Option<BackupState>) {
        if let Some(state) = state_of(&self.backup.name) {
            state.apply_to(&mut self.backup);
        }
        self.backups
            .retain_mut(|facts| match state_of(&facts.name) {
                Some(state) => {
                    state.apply_to(facts);
                    true
                }
                None => false,
            });
    }

    /// Forgets a backup that was deleted (the one restored from stays, with its last facts).
    pub fn forget_backup(&mut self, name: &str) {
        self.backups.retain(|b| b.name != name);
    }

    /// Whether it knows backup `name` (of its namespace).
    pub fn knows_backup(&self, name: &str) -> bool {
        self.backup.name == name || self.backups.iter().any(|b| b.name == name)
    }

    /// Whether the backup is continuous (a point in time must be chosen).
    pub fn is_continuous(&self) -> bool {
        self.backup.kind == BackupKind::Continuous
    }

    /// The recoverable window of a continuous backup (an error for a full one).
    pub fn window(&self) -> Result<RecoverableWindow, PitrError> {
        recoverable_window(&self.backup, &self.backups)
    }

    /// The component the backup was taken from: its label, else the snapshot's first component.
    pub(crate) fn component(&self) -> String {
        self.backup
            .component
            .clone()
            .or_else(|| {
                self.snapshot_component()
                    .and_then(|c| c["name"].as_str().map(str::to_string))
            })
            .unwrap_or_default()
    }

    /// The snapshot's `componentSpecs` entry of the backup's component (else the first).
    fn snapshot_component(&self) -> Option<&Value> {
        let specs = self
            .cluster_snapshot
            .as_ref()?
            .pointer("/spec/componentSpecs")?
            .as_array()?;
        let wanted = self.backup.component.as_deref();
        specs
            .iter()
            .find(|c| wanted.is_some() && c["name"].as_str() == wanted)
            .or_else(|| specs.first())
    }

    /// Whether a cluster `name` exists in `namespace`.
    pub(crate) fn cluster_exists(&self, namespace: &str, name: &str) -> bool {
        self.clusters
            .iter()
            .any(|(ns, n)| ns == namespace && n == name)
    }

    fn source_cluster(&self) -> String {
        if !self.backup.cluster.is_empty() {
            return self.backup.cluster.clone();
        }
        self.cluster_snapshot
            .as_ref()
            .and_then(|s| s.pointer("/metadata/name"))
            .and_then(Value::as_str)
            .unwrap_or("restored")
            .to_string()
    }
}

/// The state of a backup that its progress changes, as a watch row reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupState {
    /// `status.phase`.
    pub phase: String,
    /// `status.timeRange.start`.
    pub start: Option<DateTime<Utc>>,
    /// `status.timeRange.end`.
    pub end: Option<DateTime<Utc>>,
    /// `status.completionTimestamp`.
    pub completion: Option<DateTime<Utc>>,
}

impl BackupState {
    fn apply_to(&self, facts: &mut BackupFacts) {
        facts.phase = self.phase.clone();
        let time_zone = facts.time_range.and_then(|r| r.time_zone);
        facts.time_range = (self.start.is_some() || self.end.is_some()).then_some(TimeRange {
            start: self.start,
            end: self.end,
            time_zone,
        });
        facts.completion = self.completion;
    }
}

/// Restore form input.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoreInput {
    /// Field `form`: `OpsRequest` (default) or `Cluster`.
    pub form: RestoreRequestForm,
    /// Field `name`: the new cluster's name (a free DNS-1123 label).
    pub name: String,
    /// Field `namespace`: where the new cluster goes (defaults to the backup's).
    pub namespace: String,
    /// Field `volume_restore_policy`: `Parallel` or `Serial`.
    pub(crate) volume_restore_policy: String,
    /// Field `time` (continuous backups only): as typed, any form
    /// [`parse_restore_time`] reads; the timeline cursor writes it with [`RestoreInput::set_time`].
    pub time: String,
    /// Field `replicas` (Cluster form only).
    pub replicas: String,
    /// Field `cpu` (Cluster form only): requests = limits, as kbcli sets them.
    pub cpu: String,
    /// Field `memory` (Cluster form only): requests = limits.
    pub(crate) memory: String,
}

/// The operator's refusal of a time outside the range, with the recoverable window instead
/// of its pointer to `kbcli cluster describe`.
fn out_of_window(ctx: &RestoreContext) -> String {
    let refusal = "restore-to-time is out of time range";
    match ctx.window() {
        Ok(w) => format!(
            "{refusal}: the recoverable window is {} ~ {}",
            format_restore_time(w.start),
            format_restore_time(w.end)
        ),
        Err(e) => format!("{refusal}: {e}"),
    }
}

impl RestoreInput {
    /// The form as it opens: OpsRequest form, a free name derived from the source cluster,
    /// the backup's namespace, Parallel, the latest restorable time, and the snapshot's
    /// replicas and resources.
    pub fn initial(ctx: &RestoreContext) -> RestoreInput {
        let namespace = ctx.backup.namespace.clone();
        let base = format!(
            "{}-{}",
            ctx.source_cluster(),
            if ctx.is_continuous() {
                "pitr"
            } else {
                "restore"
            }
        );
        let name = std::iter::once(base.clone())
            .chain((2..100).map(|i| format!("{base}-{i}")))
            .find(|n| !ctx.cluster_exists(&namespace, n))
            .unwrap_or(base);
        let comp = ctx.snapshot_component();
        let text = |p: &str| {
            comp.and_then(|c| c.pointer(p))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        };
        let time = match ctx.window() {
            Ok(w) if ctx.is_continuous() => format_restore_time(w.end),
            _ => String::new(),
        };
        RestoreInput {
            form: RestoreRequestForm::OpsRequest,
            name,
            namespace,
            volume_restore_policy: "Parallel".to_string(),
            time,
            replicas: text("/replicas"),
            cpu: text("/resources/limits/cpu"),
            memory: text("/resources/limits/memory"),
        }
    }

    /// The chosen restore time, when the typed text reads as one.
    pub fn chosen_time(&self, ctx: &RestoreContext) -> Option<DateTime<Utc>> {
        parse_restore_time(&self.time, ctx.now, ctx.local_offset).ok()
    }

    /// The typed confirmation before submit: the new cluster's name, exactly.
    pub fn confirmation_matches(&self, typed: &str) -> bool {
        !self.name.is_empty() && typed.trim() == self.name
    }

    /// Sets the time from the timeline cursor.
    pub fn set_time(&mut self, t: DateTime<Utc>) {
        self.time = format_restore_time(t);
    }

    /// Moves the chosen time by `delta` (arrow keys: seconds, minutes, hours), starting from
    /// the window's end when no time reads yet, clamped to the recoverable window; no change
    /// without a window. Returns the new time.
    pub fn nudge_time(&mut self, ctx: &RestoreContext, delta: TimeDelta) -> Option<DateTime<Utc>> {
        let w = ctx.window().ok()?;
        let from = self.chosen_time(ctx).unwrap_or(w.end);
        let moved = from
            .checked_add_signed(delta)
            .unwrap_or(if delta < TimeDelta::zero() {
                w.start
            } else {
                w.end
            })
            .clamp(w.start, w.end);
        self.set_time(moved);
        Some(moved)
    }

    /// The fields to render. `time` only for a continuous backup; `replicas`, `cpu` and
    /// `memory` only for the Cluster form.
    pub fn fields(&self, ctx: &RestoreContext) -> Vec<FieldSpec> {
        let kind = if ctx.is_continuous() {
            "continuous"
        } else {
            "full"
        };
        let mut fields = vec![
            FieldSpec::new("form", "Request", FieldKind::Choice, self.form.as_str())
                .choices(["OpsRequest", "Cluster"])
                .hint("OpsRequest Restore (as kbcli), or a Cluster with the restore annotation"),
            FieldSpec::new(
                "backup",
                "Backup",
                FieldKind::Text,
                format!("{}/{}", ctx.backup.namespace, ctx.backup.name),
            )
            .hint(format!("{kind}, {}", ctx.backup.phase))
            .read_only(),
            FieldSpec::new("name", "New cluster name", FieldKind::Text, &self.name)
                .hint("must not exist in the namespace"),
            FieldSpec::new("namespace", "Namespace", FieldKind::Text, &self.namespace),
            FieldSpec::new(
                "volume_restore_policy",
                "Volume restore policy",
                FieldKind::Choice,
                &self.volume_restore_policy,
            )
            .choices(VOLUME_RESTORE_POLICIES),
        ];
        if ctx.is_continuous() {
            fields.push(
                FieldSpec::new("time", "Restore to", FieldKind::Text, &self.time)
                    .hint(self.time_hint(ctx)),
            );
        }
        if self.form == RestoreRequestForm::Cluster {
            fields.push(FieldSpec::new(
                "replicas",
                "Replicas",
                FieldKind::Text,
                &self.replicas,
            ));
            fields.push(
                FieldSpec::new("cpu", "CPU", FieldKind::Text, &self.cpu).hint("requests = limits"),
            );
            fields.push(
                FieldSpec::new("memory", "Memory", FieldKind::Text, &self.memory)
                    .hint("requests = limits"),
            );
        }
        fields
    }

    /// The chosen time in UTC and local, and the window, e.g.
    /// `2025-06-03T09:30:00Z (local 2025-06-03 11:30:00 +02:00); window ... ~ ...`.
    fn time_hint(&self, ctx: &RestoreContext) -> String {
        let window = match ctx.window() {
            Ok(w) => format!(
                "window {} ~ {}",
                format_restore_time(w.start),
                format_restore_time(w.end)
            ),
            Err(e) => e.to_string(),
        };
        match self.chosen_time(ctx) {
            Some(t) => format!(
                "{} (local {}); {window}",
                format_restore_time(t),
                t.with_timezone(&ctx.local_offset)
                    .format("%Y-%m-%d %H:%M:%S %:z")
            ),
            None => window,
        }
    }

    /// Sets one field from its string form.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), UnknownField> {
        let value = value.trim().to_string();
        match field {
            "form" => {
                self.form = if value == "Cluster" {
                    RestoreRequestForm::Cluster
                } else {
                    RestoreRequestForm::OpsRequest
                }
            }
            "name" => self.name = value,
            "namespace" => self.namespace = value,
            "volume_restore_policy" => self.volume_restore_policy = value,
            "time" => self.time = value,
            "replicas" => self.replicas = value,
            "cpu" => self.cpu = value,
            "memory" => self.memory = value,
            other => return Err(UnknownField(other.to_string())),
        }
        Ok(())
    }

    /// Validates in stages (field rules; the operator's rules: backup usable, time inside
    /// the window with a base full backup; the name is free) and builds the request, which
    /// must then pass the CRD schema ([`crate::schema::admit`] on a copy: the body stays as
    /// built, without the server's defaults).
    pub fn validate(&self, ctx: &RestoreContext) -> Result<Request, Vec<FieldError>> {
        let mut e = Errors::default();
        if !checks::is_dns_label(&self.name) {
            e.add(
                "name",
                "cluster name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
            );
        }
        if !checks::is_dns_label(&self.namespace) {
            e.add(
                "namespace",
                "namespace must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
            );
        }
        if !VOLUME_RESTORE_POLICIES.contains(&self.volume_restore_policy.as_str()) {
            e.add(
                "volume_restore_policy",
                "volume restore policy must be Parallel or Serial",
            );
        }
        let time = if ctx.is_continuous() {
            match parse_restore_time(&self.time, ctx.now, ctx.local_offset) {
                Ok(t) => Some(t),
                Err(err) => {
                    e.add("time", err.to_string());
                    None
                }
            }
        } else {
            None
        };
        let mut cluster_fields = None;
        if self.form == RestoreRequestForm::Cluster {
            let replicas = match self.replicas.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    e.add("replicas", "replicas must be a whole number of at least 1");
                    None
                }
            };
            let cpu = checks::positive_quantity(&mut e, "cpu", "cpu", &self.cpu);
            let memory = checks::positive_quantity(&mut e, "memory", "memory", &self.memory);
            if let (Some(r), Some(_), Some(_)) = (replicas, cpu, memory) {
                cluster_fields = Some(r);
            }
        }
        e.stage_done()?;

        let b = &ctx.backup;
        if !ctx.is_continuous() && b.phase != "Completed" {
            e.add(
                "backup",
                format!(
                    "backup {} status is {}, only completed backup can be used to restore",
                    b.name, b.phase
                ),
            );
        }
        if ctx.cluster_snapshot.is_none() {
            e.add(
                "backup",
                format!(
                    "missing snapshot annotation in backup {}, {CLUSTER_SNAPSHOT_ANNOTATION} is empty",
                    b.name
                ),
            );
        }
        let mut base = None;
        if let Some(t) = time {
            match check_restore_time(b, &ctx.backups, t) {
                Ok(found) => base = Some(found.name.clone()),
                Err(
                    err @ (PitrError::NotContinuous { .. } | PitrError::ContinuousNotActive { .. }),
                ) => e.add("backup", err.to_string()),
                // The operator points to `kbcli cluster describe` for the window; the wizard
                // shows it, so the message says it.
                Err(PitrError::OutOfRange { .. }) => e.add("time", out_of_window(ctx)),
                Err(err) => e.add("time", err.to_string()),
            }
        }
        e.stage_done()?;

        if ctx.cluster_exists(&self.namespace, &self.name) {
            e.add(
                "name",
                format!(
                    "clusters.apps.kubeblocks.io \"{}\" already exists in namespace {}",
                    self.name, self.namespace
                ),
            );
        }
        e.stage_done()?;

        let (kind, body) = match (self.form, cluster_fields) {
            (RestoreRequestForm::Cluster, Some(replicas)) => {
                (Kind::Cluster, self.cluster_body(ctx, time, replicas))
            }
            _ => (Kind::OpsRequest, self.ops_body(ctx, time)),
        };
        if let Err(causes) = crate::schema::validate_only(kind, &body) {
            return Err(causes
                .into_iter()
                .map(|c| FieldError::new("", c.to_string()))
                .collect());
        }
        let mut notes = Vec::new();
        match (time, &base) {
            (Some(t), Some(base)) => notes.push(format!(
                "restores base backup {base}, then replays WAL to {} (local {})",
                format_restore_time(t),
                t.with_timezone(&ctx.local_offset)
                    .format("%Y-%m-%d %H:%M:%S %:z")
            )),
            _ => notes.push(format!("restores full backup {}", b.name)),
        }
        if kind == Kind::Cluster
            && let Some(n) = self.account_count(ctx)
        {
            notes.push(format!(
                "{n} system account passwords restored from the backup (encrypted, not shown)"
            ));
        }
        Ok(Request {
            kind,
            namespace: self.namespace.clone(),
            action: RequestAction::Create,
            body,
            notes,
            offer: None,
        })
    }

    fn account_count(&self, ctx: &RestoreContext) -> Option<usize> {
        ctx.encrypted_accounts
            .as_ref()?
            .get(ctx.component())?
            .as_object()
            .map(Map::len)
    }

    /// The OpsRequest as kbcli builds it: name and clusterName = the new cluster.
    fn ops_body(&self, ctx: &RestoreContext, time: Option<DateTime<Utc>>) -> Value {
        let mut restore = Map::new();
        restore.insert("backupName".into(), json!(ctx.backup.name));
        restore.insert("backupNamespace".into(), json!(ctx.backup.namespace));
        if let Some(t) = time {
            restore.insert("restorePointInTime".into(), json!(format_restore_time(t)));
        }
        restore.insert(
            "volumeRestorePolicy".into(),
            json!(self.volume_restore_policy),
        );
        json!({
            "apiVersion": Kind::OpsRequest.api_version(),
            "kind": "OpsRequest",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {
                    "app.kubernetes.io/instance": self.name,
                    "app.kubernetes.io/managed-by": "kubeblocks",
                },
            },
            "spec": {
                "clusterName": self.name,
                "type": "Restore",
                "force": false,
                "ttlSecondsAfterSucceed": 30,
                "restore": restore,
            },
        })
    }

    /// The restore-from-backup annotation value for the backup's component.
    fn restore_annotation(&self, ctx: &RestoreContext, time: Option<DateTime<Utc>>) -> String {
        let mut entry = Map::new();
        entry.insert("name".into(), json!(ctx.backup.name));
        entry.insert("namespace".into(), json!(ctx.backup.namespace));
        entry.insert(
            "volumeRestorePolicy".into(),
            json!(self.volume_restore_policy),
        );
        entry.insert("doReadyRestoreAfterClusterRunning".into(), json!("false"));
        if let Some(t) = time {
            entry.insert("restoreTime".into(), json!(format_restore_time(t)));
        }
        let component = ctx.component();
        if let Some(accounts) = ctx
            .encrypted_accounts
            .as_ref()
            .and_then(|a| a.get(&component))
            .filter(|a| a.is_object())
        {
            entry.insert(
                "encryptedSystemAccounts".into(),
                json!(accounts.to_string()),
            );
        }
        if let Some(pw) = &ctx.connection_password {
            entry.insert("connectionPassword".into(), json!(pw));
        }
        let mut outer = Map::new();
        outer.insert(component, Value::Object(entry));
        Value::Object(outer).to_string()
    }

    /// The new Cluster from the snapshot, cleaned as the operator cleans it for a Restore
    /// (no LoadBalancer services, no node ports, no offline instances, no TLS).
    fn cluster_body(
        &self,
        ctx: &RestoreContext,
        time: Option<DateTime<Utc>>,
        replicas: u32,
    ) -> Value {
        let snapshot = ctx.cluster_snapshot.clone().unwrap_or_else(|| json!({}));
        let mut spec = snapshot.get("spec").cloned().unwrap_or_else(|| json!({}));
        let component = ctx.component();
        if let Some(specs) = spec.get_mut("componentSpecs").and_then(Value::as_array_mut) {
            for c in specs.iter_mut().filter_map(Value::as_object_mut) {
                c.remove("offlineInstances");
                c.remove("tls");
                c.remove("issuer");
                if c.get("name").and_then(Value::as_str) == Some(component.as_str()) {
                    c.insert("replicas".into(), json!(replicas));
                    let res = json!({"cpu": self.cpu, "memory": self.memory});
                    c.insert("resources".into(), json!({"limits": res, "requests": res}));
                }
            }
        }
        if let Some(services) = spec.get_mut("services").and_then(Value::as_array_mut) {
            services.retain(|s| {
                s.pointer("/spec/type").and_then(Value::as_str) != Some("LoadBalancer")
            });
            for port in services
                .iter_mut()
                .filter_map(|s| s.pointer_mut("/spec/ports"))
                .filter_map(Value::as_array_mut)
                .flatten()
                .filter_map(Value::as_object_mut)
            {
                port.remove("nodePort");
            }
        }
        let mut annotations = snapshot
            .pointer("/metadata/annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        annotations.insert(
            RESTORE_FROM_BACKUP_ANNOTATION.into(),
            json!(self.restore_annotation(ctx, time)),
        );
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(self.name));
        metadata.insert("namespace".into(), json!(self.namespace));
        if let Some(labels) = snapshot
            .pointer("/metadata/labels")
            .filter(|l| l.is_object())
        {
            metadata.insert("labels".into(), labels.clone());
        }
        metadata.insert("annotations".into(), Value::Object(annotations));
        json!({
            "apiVersion": Kind::Cluster.api_version(),
            "kind": "Cluster",
            "metadata": metadata,
            "spec": spec,
        })
    }
}
