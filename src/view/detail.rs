//! The detail view: key facts, conditions, progress details and role history of one object,
//! or its full YAML (kept live by the follower).

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::model::{Detail, Model};
use crate::state::search;
use crate::state::theme::Theme;
use crate::view::text::{inert, inert_line, wrap_line};
use crate::view::widgets::{self, status_span};
use crate::view::{backups, clusters, detail_events, detail_sections, evidence, matches, ops};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{
    BackupRow, ClusterRow, Condition, OpsRow, PodRow, Progress, primary_names,
};

/// Draws the detail view of `d` over `area`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, d: &Detail) {
    let theme = &m.theme;
    let area = if !d.yaml && d.target.kind == Kind::Cluster {
        crate::view::health::split_detail(f, area, m, &d.target.key)
    } else {
        area
    };
    let lines = if d.yaml {
        match &m.raw {
            Some((target, lines)) if *target == d.target => lines
                .iter()
                .enumerate()
                .map(|(i, l)| found(inert(l).into_owned(), d, i, theme))
                .collect(),
            _ => vec![Line::styled("loading…", theme.muted())],
        }
    } else {
        let width = usize::from(area.width.saturating_sub(2));
        facts(m, d)
            .into_iter()
            .flat_map(|l| wrap_line(inert_line(l), width))
            .collect()
    };
    let inner_height = usize::from(area.height.saturating_sub(2));
    let max_scroll = lines.len().saturating_sub(inner_height);
    let scroll = u16::try_from(d.scroll.min(max_scroll)).unwrap_or(u16::MAX);
    let mode = if d.yaml { "YAML" } else { "detail" };
    let title = format!(
        " {} {} · {mode} · y toggles YAML · Esc back ",
        d.target.kind.info().kind_name,
        d.target.key
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(inert(&title).into_owned(), theme.accent()));
    let para = Paragraph::new(lines)
        .block(block)
        .style(theme.text())
        .scroll((scroll, 0));
    f.render_widget(para, area);
}

/// A YAML line with the search's matches highlighted, the current match's line marked.
fn found(line: String, d: &Detail, i: usize, theme: &Theme) -> Line<'static> {
    let Some(s) = &d.search else {
        return Line::raw(line);
    };
    if search::ranges(&line, &s.query).is_empty() {
        return Line::raw(line);
    }
    Line::from(matches::marked(&line, &s.query, s.line == Some(i), theme))
}

fn facts(m: &Model, d: &Detail) -> Vec<Line<'static>> {
    let key = &d.target.key;
    let gone = || {
        vec![Line::styled(
            "(this object no longer exists)",
            m.theme.fg(m.theme.warn),
        )]
    };
    let mut out = Vec::new();
    evidence::section(m, &d.target, &mut out);
    out.extend(match d.target.kind {
        Kind::Cluster => m
            .store
            .clusters
            .get(key)
            .map_or_else(gone, |c| cluster(m, c)),
        Kind::Pod => m.store.pods.get(key).map_or_else(gone, |p| pod(m, p)),
        Kind::OpsRequest => m.store.ops.get(key).map_or_else(gone, |o| opsrequest(m, o)),
        Kind::Backup => m.store.backups.get(key).map_or_else(gone, |b| backup(m, b)),
        _ => gone(),
    });
    detail_events::section(m, &d.target, &mut out);
    out
}

/// UTC with seconds and the zone spelled out, a time ahead of the clock marked, or "-".
pub(crate) fn utc_label(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| {
            format!(
                "{} UTC{}",
                widgets::utc(Some(t)),
                widgets::future_mark(t, now)
            )
        },
    )
}

/// UTC with seconds and how long ago: `2025-06-03 10:14:52 UTC (2d ago)`.
fn utc_ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    t.map_or_else(
        || "-".into(),
        |t| format!("{} UTC ({})", widgets::utc(Some(t)), widgets::ago(t, now)),
    )
}

pub(crate) fn fact(theme: &Theme, name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<18}"), theme.muted()),
        Span::raw(value.into()),
    ])
}

fn fact_span(theme: &Theme, name: &str, value: Span<'static>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<18}"), theme.muted()),
        value,
    ])
}

pub(crate) fn heading(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(format!("── {text} "), theme.accent())
}

fn conditions(
    theme: &Theme,
    conds: &[Condition],
    now: DateTime<Utc>,
    out: &mut Vec<Line<'static>>,
) {
    out.push(Line::raw(""));
    out.push(heading(theme, "Conditions"));
    if conds.is_empty() {
        out.push(Line::styled("  none", theme.muted()));
    }
    for c in conds {
        let sev = match c.status.as_str() {
            "True" => status_span("Ready", theme).style,
            "False" => theme.fg(theme.error),
            _ => theme.fg(theme.warn),
        };
        let when = c
            .last_transition
            .map(|t| {
                format!(
                    " {}{}",
                    t.format("%Y-%m-%d %H:%M:%S"),
                    widgets::future_mark(t, now)
                )
            })
            .unwrap_or_default();
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(
                format!("{} {}={}", symbol_of(&c.status), c.type_, c.status),
                sev,
            ),
            Span::styled(format!("  {}{when}", c.reason), theme.muted()),
        ]));
        if !c.message.is_empty() {
            out.push(Line::raw(format!("      {}", c.message)));
        }
    }
}

fn symbol_of(status: &str) -> &'static str {
    match status {
        "True" => "✓",
        "False" => "✗",
        _ => "?",
    }
}

fn cluster(m: &Model, c: &ClusterRow) -> Vec<Line<'static>> {
    let t = &m.theme;
    let pods: Vec<&PodRow> = m.store.cluster_pods(&c.key).collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let mut out = vec![
        fact_span(t, "Status", clusters::status(m, c, ready)),
        fact(t, "Namespace", c.key.namespace.clone()),
        fact(
            t,
            "Definition",
            format!("{} / {}", c.cluster_def, c.topology),
        ),
        fact(t, "Version", c.version.clone()),
        fact(t, "Ready pods", format!("{ready}/{}", c.desired)),
        primaries(m, &pods),
        fact(t, "Termination", c.termination_policy.clone()),
        fact(t, "Created", utc_ago(c.created, m.now)),
    ];
    detail_sections::provenance(m, c, &mut out);
    if let Some(since) = c.deleting {
        let held = c.termination_policy == "DoNotTerminate";
        out.push(fact_span(
            t,
            "Deletion",
            Span::styled(
                format!(
                    "requested {}{}",
                    utc_ago(Some(since), m.now),
                    if held {
                        ": held by terminationPolicy DoNotTerminate until the policy changes"
                    } else {
                        ""
                    }
                ),
                t.fg(t.warn),
            ),
        ));
    }
    if !c.components.is_empty() {
        out.push(Line::raw(""));
        out.push(heading(t, "Components"));
        for comp in &c.components {
            out.push(Line::from(vec![
                Span::raw(format!("  {:<16}", comp.name)),
                status_span(&comp.phase, t),
            ]));
            if !comp.message.is_empty() {
                // The operator never clears the map: on a Running component it is history.
                let (style, note) = if comp.phase == "Running" {
                    (t.muted(), " (earlier; the operator keeps old messages)")
                } else {
                    (t.fg(t.error), "")
                };
                out.push(Line::styled(format!("      {}{note}", comp.message), style));
            }
        }
    }
    out.push(Line::raw(""));
    out.push(heading(t, "Pods"));
    for p in &pods {
        out.push(Line::from(vec![
            Span::raw(format!("  {:<32} {:<10} ", p.key.name, p.role)),
            status_span(&p.status, t),
            Span::styled(format!("  {}", p.node), t.muted()),
        ]));
    }
    out.push(Line::raw(""));
    out.push(heading(t, "Role history (UTC)"));
    match m.store.roles.history.get(&c.key) {
        Some(h) if !h.is_empty() => {
            for r in h.iter().rev() {
                out.push(Line::raw(format!(
                    "  {}  {} → {}",
                    r.at.format("%Y-%m-%d %H:%M:%S"),
                    r.old_primary,
                    r.new_primary
                )));
            }
        }
        _ => out.push(Line::styled("  no primary change seen", t.muted())),
    }
    detail_events::role_probes(m, &c.key, &mut out);
    if let Some(b) = m.store.continuous_backup(&c.key) {
        out.push(Line::raw(""));
        out.push(heading(t, "Continuous backup (PITR)"));
        out.push(fact_span(t, "  Status", backups::phase_span(b, t)));
        out.push(fact(t, "  Window (UTC)", backups::time_range(b, m.now)));
        out.push(fact_span(
            t,
            "  Archiving",
            backups::archiving_span(m, &backups::archiving(m, b)),
        ));
    }
    let schedules: Vec<_> = m
        .store
        .schedules
        .values()
        .filter(|s| s.key.namespace == c.key.namespace && s.cluster == c.key.name)
        .collect();
    for s in schedules {
        out.push(Line::raw(""));
        out.push(heading(t, &format!("Backup schedule {}", s.key.name)));
        if s.phase == "Failed" {
            out.push(Line::styled(
                format!("  ✗ Failed: {}", s.failure_reason),
                t.fg(t.error),
            ));
        }
        for e in &s.entries {
            let name = if e.key() == e.method.as_str() {
                e.method.to_string()
            } else {
                format!("{} ({})", e.key(), e.method)
            };
            out.push(Line::raw(format!(
                "  {} {:<16} {:<14} keep {}",
                if e.enabled { "✓ on " } else { "■ off" },
                name,
                e.cron,
                e.retention
            )));
            if e.last_scheduled.is_some() || e.last_success.is_some() {
                out.push(Line::styled(
                    format!(
                        "        last run {} · last success {}",
                        utc_label(e.last_scheduled, m.now),
                        utc_label(e.last_success, m.now)
                    ),
                    t.muted(),
                ));
            }
            if e.phase == "Failed" || !e.failure_reason.is_empty() {
                out.push(Line::styled(
                    format!("        ✗ {}: {}", e.phase, e.failure_reason),
                    t.fg(t.error),
                ));
            }
        }
    }
    if let Some(o) = m.store.last_op(&c.key) {
        out.push(Line::raw(""));
        out.push(heading(t, "Last OpsRequest"));
        let mut line = vec![
            Span::raw(format!("  {} {} ", o.key.name, o.op_type)),
            status_span(&o.phase, t),
        ];
        if m.store.ops.get(&o.key).is_none() {
            line.push(Span::styled(
                format!(
                    "  ended {}, since deleted (its ttl)",
                    utc_label(o.completed, m.now)
                ),
                t.muted(),
            ));
        }
        out.push(Line::from(line));
    }
    detail_sections::connect(m, c, &mut out);
    detail_sections::parameters(m, c, &mut out);
    conditions(t, &c.conditions, m.now, &mut out);
    out
}

/// The cluster's primary, or every one of them when there are several (each is a fault).
fn primaries(m: &Model, pods: &[&PodRow]) -> Line<'static> {
    let t = &m.theme;
    match primary_names(pods).as_slice() {
        [] => fact(t, "Primary", "-"),
        [one] => fact(t, "Primary", one.to_string()),
        many => fact_span(
            t,
            "Primaries",
            Span::styled(
                format!("! {} primaries: {}", many.len(), many.join(", ")),
                t.fg(t.error),
            ),
        ),
    }
}

fn pod(m: &Model, p: &PodRow) -> Vec<Line<'static>> {
    let t = &m.theme;
    let mut out = vec![
        fact_span(t, "Status", status_span(&p.status, t)),
        fact(
            t,
            "Ready",
            format!(
                "{} ({}/{} containers)",
                p.ready, p.ready_containers, p.containers
            ),
        ),
        fact(
            t,
            "Role",
            if p.role.is_empty() {
                "-".into()
            } else {
                p.role.clone()
            },
        ),
        fact(t, "Cluster", p.cluster.clone()),
        fact(t, "Component", p.component.clone()),
        fact(t, "Node", p.node.clone()),
        fact(t, "Pod IP", p.ip.clone()),
        fact(t, "Restarts", p.restarts.to_string()),
        fact(t, "Created", utc_ago(p.created, m.now)),
    ];
    detail_sections::containers(m, p, &mut out);
    conditions(t, &p.conditions, m.now, &mut out);
    out
}

fn opsrequest(m: &Model, o: &OpsRow) -> Vec<Line<'static>> {
    let t = &m.theme;
    let progress = match o.progress {
        Progress::Counts(done, total) => widgets::progress_bar(done, total, 10),
        Progress::Unknown => "-".into(),
    };
    let mut out = vec![
        fact_span(t, "Status", ops::phase_span(o, t)),
        fact(t, "Type", o.op_type.clone()),
        fact(t, "Cluster", o.cluster.clone()),
        fact(t, "Progress", progress),
        fact(t, "Created", utc_label(o.created, m.now)),
        fact(t, "Started", utc_label(o.started, m.now)),
        fact(t, "Completed", utc_label(o.completed, m.now)),
        fact(t, "Duration", ops::duration(m, o)),
    ];
    if !o.reason.is_empty() {
        out.push(fact_span(
            t,
            "Reason",
            Span::styled(o.reason.clone(), t.fg(t.error)),
        ));
    }
    detail_sections::ops_spec(m, o, &mut out);
    out.push(Line::raw(""));
    out.push(heading(t, "Progress details"));
    // A finished request's history comes from the object itself, fetched on opening.
    let full = if o.elided {
        m.followed_ops.as_ref().filter(|f| f.key == o.key)
    } else {
        Some(o)
    };
    let Some(full) = full else {
        out.push(Line::styled("  loading…", t.muted()));
        return out;
    };
    if full.details.is_empty() {
        out.push(Line::styled("  none", t.muted()));
    }
    for d in &full.details {
        let took = match (d.start, d.end) {
            (Some(s), Some(e)) => widgets::long_duration(e - s),
            (Some(s), None) => format!("{} so far", widgets::long_duration(m.now - s)),
            _ => "-".into(),
        };
        out.push(Line::from(vec![
            Span::raw(format!("  {:<12} {:<34} ", d.component, d.object_key)),
            status_span(&d.status, t),
            Span::styled(format!("  {took}"), t.muted()),
        ]));
        if !d.message.is_empty() {
            out.push(Line::raw(format!("      {}", d.message)));
        }
    }
    conditions(t, &full.conditions, m.now, &mut out);
    out
}

fn backup(m: &Model, b: &BackupRow) -> Vec<Line<'static>> {
    let t = &m.theme;
    let mut out = vec![
        fact_span(t, "Status", backups::phase_span(b, t)),
        fact(t, "Cluster", b.cluster.clone()),
        fact(t, "Type", b.backup_type.clone()),
        fact(t, "Method", b.method.clone()),
        fact(t, "Policy", b.policy.clone()),
        fact(t, "Size", widgets::size(b.size_bytes)),
        fact(t, "Time range (UTC)", backups::time_range(b, m.now)),
        fact(t, "Duration", backups::duration(m, b)),
        fact(t, "Created", utc_label(b.created, m.now)),
        fact(t, "Completed", utc_label(b.completed, m.now)),
    ];
    if b.is_continuous() {
        if let Some(n) = b.archiver_pods {
            out.push(fact(t, "Archiver pods", format!("{n} available")));
        }
        out.push(fact_span(
            t,
            "Archiving",
            backups::archiving_span(m, &backups::archiving(m, b)),
        ));
    }
    if !b.failure_reason.is_empty() {
        out.push(fact_span(
            t,
            "Failure",
            Span::styled(b.failure_reason.clone(), t.fg(t.error)),
        ));
    }
    out
}
