//! Sections of the detail view whose facts come from beyond the rows: a pod's containers (the
//! followed object), how to connect to a cluster (its Services, listed when the detail opens),
//! where a restored cluster came from, and the PostgreSQL parameters Reconfiguring requests
//! changed. What is not loaded yet says so, and what cannot be known is shown as unknown.

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};

use crate::state::model::Model;
use crate::state::theme::Theme;
use crate::view::detail::{fact, heading, utc_label};
use crate::view::widgets::status_span;
use kbdash_core::detail::containers::{Container, State, Termination};
use kbdash_core::detail::params;
use kbdash_core::detail::restored::RestoreSource;
use kbdash_core::detail::services::{self, ServiceFacts};
use kbdash_core::rows::{ClusterRow, OpsRow, OpsSpec, PodRow};

/// The pod's containers: state, last termination and restarts.
pub(crate) fn containers(m: &Model, p: &PodRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    out.push(Line::raw(""));
    out.push(heading(t, "Containers"));
    let Some((_, list)) = m.followed_pod.as_ref().filter(|(k, _)| *k == p.key) else {
        out.push(Line::styled("  loading…", t.muted()));
        return;
    };
    if list.is_empty() {
        out.push(Line::styled("  none reported", t.muted()));
    }
    for c in list {
        container(t, c, m.now, out);
    }
}

fn container(t: &Theme, c: &Container, now: DateTime<Utc>, out: &mut Vec<Line<'static>>) {
    let name = if c.init {
        format!("{} (init)", c.name)
    } else {
        c.name.to_string()
    };
    let (ready, ready_style) = if c.ready {
        ("✓ ready", status_span("Ready", t).style)
    } else {
        ("✗ not ready", t.fg(t.warn))
    };
    let state = match &c.state {
        State::Running { since } => Span::styled(
            format!("Running since {}", utc_label(*since, now)),
            t.text(),
        ),
        State::Waiting { reason, .. } => {
            Span::styled(format!("Waiting: {}", or_unknown(reason)), t.fg(t.warn))
        }
        State::Terminated(end) => Span::styled(
            format!("Terminated: {}", termination(end, now)),
            if end.exit_code == Some(0) {
                t.muted()
            } else {
                t.fg(t.error)
            },
        ),
        State::Unknown => Span::styled("no state reported", t.muted()),
    };
    out.push(Line::from(vec![
        Span::raw(format!("  {name:<20} ")),
        Span::styled(format!("{ready:<12}"), ready_style),
        Span::raw(format!("restarts {:<4} ", c.restarts)),
        state,
    ]));
    if let State::Waiting { message, .. } = &c.state
        && !message.is_empty()
    {
        out.push(Line::raw(format!("      {message}")));
    }
    if let State::Terminated(end) = &c.state
        && !end.message.is_empty()
    {
        out.push(Line::raw(format!("      {}", end.message)));
    }
    match &c.last {
        Some(last) => out.push(Line::styled(
            format!("      last termination: {}", termination(last, now)),
            if last.exit_code == Some(0) {
                t.muted()
            } else {
                t.fg(t.error)
            },
        )),
        None if c.restarts > 0 => out.push(Line::styled(
            "      last termination: not reported",
            t.muted(),
        )),
        None => {}
    }
}

/// `exit 137 (OOMKilled) at 2025-06-02 09:00:00 UTC`.
fn termination(end: &Termination, now: DateTime<Utc>) -> String {
    let code = match (end.exit_code, end.signal) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => "exit code unknown".into(),
    };
    let reason = if end.reason.is_empty() {
        String::new()
    } else {
        format!(" ({})", end.reason)
    };
    format!("{code}{reason} at {}", utc_label(end.finished, now))
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { "unknown" } else { s }
}

/// Where a restored cluster came from, when anything says so: what the store kept from its
/// annotation or Restore request, else its Restore objects.
pub(crate) fn provenance(m: &Model, c: &ClusterRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    let listed = m
        .cluster_facts
        .as_ref()
        .filter(|f| f.cluster == c.key)
        .and_then(|f| f.restores.as_ref());
    let source = m.store.restored.get(&c.key).or_else(|| match listed {
        Some(Ok(found)) => found.first(),
        _ => None,
    });
    match (source, listed) {
        (Some(s), _) => {
            out.push(fact(t, "Restored from", restored_text(s, &c.key.namespace)));
            out.push(Line::styled(
                format!("{:<18}seen on {}", "", s.seen_on.describe()),
                t.muted(),
            ));
        }
        (None, Some(Err(e))) => {
            out.push(fact(
                t,
                "Restored from",
                format!("unknown (cannot list Restore objects: {e})"),
            ));
        }
        // Not restored, or its Restore objects not listed yet: a line that would vanish a
        // moment later for every cluster never restored says nothing.
        (None, _) => {}
    }
}

/// `backup B (namespace N) to 2025-06-03T09:30:00Z`, or `... (the whole backup)`.
fn restored_text(s: &RestoreSource, own_namespace: &str) -> String {
    let namespace = if s.namespace.is_empty() || s.namespace == own_namespace {
        String::new()
    } else {
        format!(" (namespace {})", s.namespace)
    };
    let to = if s.time.is_empty() {
        "the whole backup (no point in time)".to_string()
    } else {
        format!("point in time {}", s.time)
    };
    format!("backup {}{namespace}, {to}", s.backup)
}

/// How to connect: the cluster's Services with their ports and external addresses, and the
/// secret that holds the superuser's password (its name only).
pub(crate) fn connect(m: &Model, c: &ClusterRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    out.push(Line::raw(""));
    out.push(heading(t, "Connect"));
    let listed = m
        .cluster_facts
        .as_ref()
        .filter(|f| f.cluster == c.key)
        .and_then(|f| f.services.as_ref());
    match listed {
        None => out.push(Line::styled("  Services: loading…", t.muted())),
        Some(Err(e)) => out.push(Line::styled(
            format!("  Services: unknown (cannot list them: {e})"),
            t.fg(t.warn),
        )),
        Some(Ok(found)) if found.is_empty() => {
            out.push(Line::styled("  Services: none found", t.fg(t.warn)));
        }
        Some(Ok(found)) => {
            for s in found {
                service(t, s, &c.key.namespace, out);
            }
        }
    }
    let components: Vec<&str> = if c.components.is_empty() {
        vec!["postgresql"]
    } else {
        c.components.iter().map(|s| s.name.as_str()).collect()
    };
    for component in components {
        out.push(fact(
            t,
            "  Password",
            format!(
                "user {} · Secret {} (kbdash never reads it)",
                services::SUPERUSER,
                services::account_secret(&c.key.name, component, services::SUPERUSER)
            ),
        ));
    }
}

fn service(t: &Theme, s: &ServiceFacts, namespace: &str, out: &mut Vec<Line<'static>>) {
    let routes = if s.role.is_empty() {
        "every pod".to_string()
    } else {
        format!("the {}", s.role)
    };
    let address = match &s.cluster_ip {
        Some(ip) => format!("{ip}, "),
        None => "headless, ".into(),
    };
    out.push(Line::from(vec![
        Span::raw(format!("  {:<38} ", s.name)),
        Span::styled(format!("{:<13}", s.service_type), t.accent()),
        Span::styled(format!("{address}routes to {routes}"), t.muted()),
    ]));
    let ports: Vec<String> = s
        .ports
        .iter()
        .map(|p| {
            let port = p.port.map_or_else(|| "?".to_string(), |n| n.to_string());
            match p.node_port {
                Some(node) if s.is_external() => format!("{} {port} (node port {node})", p.name),
                _ => format!("{} {port}", p.name),
            }
        })
        .collect();
    out.push(Line::raw(format!(
        "      in the cluster: {}.{namespace}.svc  {}",
        s.name,
        if ports.is_empty() {
            "no ports".to_string()
        } else {
            ports.join(", ")
        }
    )));
    if s.is_external() || !s.external.is_empty() {
        let external = if s.external.is_empty() {
            Span::styled("external address: none yet (pending)", t.fg(t.warn))
        } else {
            Span::styled(format!("external: {}", s.external.join(", ")), t.text())
        };
        out.push(Line::from(vec![Span::raw("      "), external]));
    }
}

/// The parameters the cluster's Reconfiguring requests set, with the value that holds, and
/// those still being applied.
pub(crate) fn parameters(m: &Model, c: &ClusterRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    let ops: Vec<&OpsRow> = m.store.cluster_ops(&c.key).collect();
    out.push(Line::raw(""));
    out.push(heading(
        t,
        "PostgreSQL parameters (changed by Reconfiguring)",
    ));
    let current = params::current(&ops);
    for cur in &current {
        out.push(Line::from(vec![
            Span::raw(format!(
                "  {:<32} = {:<12} ",
                cur.setting.key,
                value_text(&cur.setting.value)
            )),
            Span::styled(
                format!(
                    "by {} at {}",
                    cur.by.key.name,
                    utc_label(cur.by.completed.or(cur.by.created), m.now)
                ),
                t.muted(),
            ),
        ]));
    }
    for op in ops
        .iter()
        .filter(|o| !o.is_finished() && !params::settings(o).is_empty())
    {
        for change in params::changes(op, &ops) {
            out.push(Line::from(vec![
                Span::raw(format!(
                    "  {:<32} → {:<12} ",
                    change.setting.key,
                    value_text(&change.setting.value)
                )),
                Span::styled(format!("by {} ", op.key.name), t.muted()),
                status_span(&op.phase, t),
            ]));
        }
    }
    out.push(Line::styled(
        if current.is_empty() {
            "  none changed by a listed request; every parameter has the addon's value (not loaded: unknown here)"
        } else {
            "  every other parameter has the addon's value (not loaded: unknown here)"
        },
        t.muted(),
    ));
}

/// What a Restore or Reconfiguring request asks for: the backup and time, or each parameter
/// with the value it replaces.
pub(crate) fn ops_spec(m: &Model, o: &OpsRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    match o.spec.as_deref() {
        Some(OpsSpec::Restore(s)) => {
            out.push(fact(t, "Restores", restored_text(s, &o.key.namespace)));
        }
        Some(OpsSpec::Reconfigure(_)) => {
            let cluster = o.key.sibling(&o.cluster);
            let history: Vec<&OpsRow> = m.store.cluster_ops(&cluster).collect();
            out.push(Line::raw(""));
            out.push(heading(t, "Parameters (old → new)"));
            for change in params::changes(o, &history) {
                let old = match change.old {
                    Some(v) => value_text(v).to_string(),
                    None => "unknown".into(),
                };
                out.push(Line::from(vec![
                    Span::raw(format!(
                        "  {:<12} {:<32} ",
                        change.setting.component, change.setting.key
                    )),
                    Span::styled(old, t.muted()),
                    Span::raw(format!(" → {}", value_text(&change.setting.value))),
                ]));
            }
            out.push(Line::styled(
                "  old values come from earlier successful requests still listed; unknown otherwise",
                t.muted(),
            ));
        }
        None => {}
    }
}

fn value_text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(reset)")
}
