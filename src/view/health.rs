//! Database health on screen (issue 17): the health panel of a cluster's detail (sparklines of
//! the last minutes, the figures of the last scrape, Patroni's members as `patronictl list`
//! shows them), the Clusters pane's LAG and CONN cells and the wall tile's health words. Text
//! from the exporter and from Patroni is made inert like any text from the API.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Sparkline, Table};

use crate::state::model::Model;
use crate::state::theme::Theme;
use crate::view::text::inert;
use kbdash_core::domain::health::memory::PodHealth;
use kbdash_core::domain::health::rules::{bytes_text, seconds};
use kbdash_core::domain::health::series::Series;
use kbdash_core::domain::health::{ClusterHealth, FetchError};
use kbdash_core::rows::{ClusterRow, ObjKey};

/// Rows of the panel besides Patroni's members: borders, the figures, the sparklines' titles
/// and bars, the table's header.
const PANEL_ROWS: u16 = 9;
/// Rows of one sparkline's bars.
const SPARK_ROWS: u16 = 3;

/// Whether the Clusters pane shows LAG and CONN: once any cluster was scraped.
pub(crate) fn columns_shown(m: &Model) -> bool {
    !m.health.clusters.is_empty()
}

/// Why `c` has no exporter figures, when it cannot have any.
fn no_exporter(m: &Model, c: &ClusterRow) -> Option<&'static str> {
    if c.exporter_disabled {
        return Some("exporter disabled in the cluster spec");
    }
    let pods: Vec<_> = m.store.cluster_pods(&c.key).collect();
    (!pods.is_empty() && !pods.iter().any(|p| p.exporter)).then_some("no exporter container")
}

/// The limit that keeps figures away, said the same way wherever it shows.
fn failure(h: &ClusterHealth) -> Option<&FetchError> {
    let errors: Vec<&FetchError> = h.pods.values().filter_map(|p| p.error.as_ref()).collect();
    (!errors.is_empty() && errors.len() == h.pods.len())
        .then(|| errors.first().copied())
        .flatten()
}

/// The Clusters pane's LAG cell: the largest replication lag (seconds on a replica, bytes
/// behind on the primary).
pub(crate) fn lag_cell(m: &Model, c: &ClusterRow) -> Span<'static> {
    let t = &m.theme;
    let Some(h) = m.health.clusters.get(&c.key) else {
        return Span::styled("-", t.muted());
    };
    if no_exporter(m, c).is_some() {
        return Span::styled("off", t.muted());
    }
    if failure(h).is_some() {
        return Span::styled("?", t.fg(t.warn));
    }
    let limits = &m.health.config.limits;
    match h.lag() {
        (Some(s), _) if s > 0.0 || h.lag().1.is_none() => Span::styled(
            seconds(s),
            if s > limits.lag_seconds {
                t.fg(t.warn)
            } else {
                t.text()
            },
        ),
        (_, Some(b)) => Span::styled(
            bytes_text(b),
            if b > limits.lag_bytes {
                t.fg(t.warn)
            } else {
                t.text()
            },
        ),
        _ => Span::styled("-", t.muted()),
    }
}

/// The Clusters pane's CONN cell: open connections of max_connections on the busiest pod.
pub(crate) fn conn_cell(m: &Model, c: &ClusterRow) -> Span<'static> {
    let t = &m.theme;
    let Some((open, max)) = m
        .health
        .clusters
        .get(&c.key)
        .filter(|_| no_exporter(m, c).is_none())
        .and_then(ClusterHealth::connections)
    else {
        return Span::styled("-", t.muted());
    };
    let style = if open > m.health.config.limits.connections_share * max {
        t.fg(t.warn)
    } else {
        t.text()
    };
    Span::styled(format!("{open:.0}/{max:.0}"), style)
}

/// A wall tile's health words ("12 tps · lag 0 s · 7/100"), once the cluster was scraped.
pub(crate) fn tile_words(m: &Model, c: &ClusterRow) -> Option<String> {
    let h = m.health.clusters.get(&c.key)?;
    if let Some(why) = no_exporter(m, c) {
        return Some(why.to_string());
    }
    if let Some(e) = failure(h) {
        return Some(short_failure(e).to_string());
    }
    let mut words = Vec::new();
    if let Some(tps) = h.tps() {
        words.push(format!("{tps:.0} tps"));
    }
    match h.lag() {
        (Some(s), _) => words.push(format!("lag {}", seconds(s))),
        (None, Some(b)) => words.push(format!("lag {}", bytes_text(b))),
        _ => {}
    }
    if let Some((open, max)) = h.connections() {
        words.push(format!("{open:.0}/{max:.0} conn"));
    }
    Some(words.join(" · "))
}

fn short_failure(e: &FetchError) -> &'static str {
    match e {
        FetchError::Forbidden(_) => "pods/proxy forbidden",
        FetchError::Unreachable(_) => "unreachable via proxy",
        FetchError::Failed(_) => "scrape failed",
    }
}

/// Draws the health panel of cluster `key`'s detail at the bottom of `area` and returns what
/// is left above it for the facts.
/// Nothing is drawn before the first scrape answers in the context.
pub(crate) fn split_detail(f: &mut Frame, area: Rect, m: &Model, key: &ObjKey) -> Rect {
    let Some(c) = m.store.clusters.get(key) else {
        return area;
    };
    let h = m.health.clusters.get(key);
    if h.is_none() && m.health.forbidden_in(key.ctx).is_none() {
        return area;
    }
    let members = h
        .and_then(|h| h.patroni.as_ref())
        .and_then(|(_, v)| v.as_ref().ok())
        .map_or(1, |v| v.members.len().max(1));
    let want = PANEL_ROWS + u16::try_from(members).unwrap_or(u16::MAX);
    let height = want.min(area.height / 2);
    if height < 4 {
        return area;
    }
    let [rest, panel] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(height)]).areas(area);
    draw_panel(f, panel, m, c, h);
    rest
}

fn draw_panel(f: &mut Frame, area: Rect, m: &Model, c: &ClusterRow, h: Option<&ClusterHealth>) {
    let t = &m.theme;
    let scraped = match h.and_then(|h| h.at) {
        Some(at) => format!(
            " Health · scraped {} · every {} s ",
            at.format("%H:%M:%S"),
            m.health.config.interval.num_seconds()
        ),
        None => " Health ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(scraped, t.accent()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [figures, sparks, patroni] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(SPARK_ROWS + 1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let Some(h) = h else {
        let why = match m.health.forbidden_in(c.key.ctx) {
            Some(msg) => format!("pods/proxy forbidden in this context: {}", inert(msg)),
            None => "waiting for the first scrape".to_string(),
        };
        f.render_widget(Paragraph::new(Line::styled(why, t.muted())), figures);
        return;
    };
    f.render_widget(Paragraph::new(figures_line(m, c, h)), figures);
    draw_sparklines(f, sparks, t, h);
    draw_patroni(f, patroni, m, h);
}

/// The last scrape's figures in one line, or why there are none.
fn figures_line(m: &Model, c: &ClusterRow, h: &ClusterHealth) -> Line<'static> {
    let t = &m.theme;
    if let Some(why) = no_exporter(m, c) {
        return Line::styled(format!("{why}: no metrics (Patroni below)"), t.muted());
    }
    if let Some(e) = failure(h) {
        return Line::styled(inert(&e.text()).into_owned(), t.fg(t.warn));
    }
    let primary = m
        .store
        .cluster_pods(&c.key)
        .find(|p| p.is_primary())
        .and_then(|p| h.pods.get(p.key.name.as_str()))
        .or_else(|| h.pods.values().next());
    let mut parts: Vec<String> = Vec::new();
    if let Some(tps) = h.tps() {
        parts.push(format!("TPS {tps:.1}"));
    }
    if let Some((open, max)) = h.connections() {
        parts.push(format!("conn {open:.0}/{max:.0}"));
    }
    if let Some(pm) = primary.and_then(|p| p.metrics.as_ref()) {
        let db: f64 = pm.database_bytes.iter().map(|(_, b)| b).sum();
        if !pm.database_bytes.is_empty() {
            parts.push(format!("DB {}", bytes_text(db)));
        }
        match (pm.wal_bytes, pm.wal_files) {
            (Some(b), Some(n)) => parts.push(format!("WAL {} ({n:.0} files)", bytes_text(b))),
            (Some(b), None) => parts.push(format!("WAL {}", bytes_text(b))),
            (None, Some(n)) => parts.push(format!("WAL {n:.0} files")),
            _ => {}
        }
        if let (Some(ok), Some(failed)) = (pm.archived, pm.archive_failed) {
            let age = pm
                .last_archive_age
                .map(|a| format!(", last {} ago", seconds(a)))
                .unwrap_or_default();
            parts.push(format!("archived {ok:.0}, failed {failed:.0}{age}"));
        }
        if let Some(tx) = pm.longest_transaction {
            parts.push(format!("longest tx {}", seconds(tx)));
        }
    }
    let down = h
        .pods
        .iter()
        .filter(|(_, p)| p.down_since.is_some())
        .count();
    let mut spans = Vec::new();
    if down > 0 {
        spans.push(Span::styled(
            format!("✗ pg_up 0 on {down} pod(s) · "),
            t.fg(t.error),
        ));
    }
    spans.push(Span::raw(parts.join(" · ")));
    Line::from(spans)
}

/// A cluster's series: per reading, the pods' values combined (summed or the largest),
/// aligned on the latest reading.
fn combined(h: &ClusterHealth, pick: fn(&PodHealth) -> &Series, sum: bool) -> Vec<Option<u64>> {
    let len = h.pods.values().map(|p| pick(p).len()).max().unwrap_or(0);
    let mut out: Vec<Option<f64>> = vec![None; len];
    for p in h.pods.values() {
        let s = pick(p);
        let skip = len - s.len();
        for (i, v) in s.iter().enumerate() {
            if let Some(v) = v {
                let slot = &mut out[skip + i];
                *slot = Some(match *slot {
                    Some(x) if sum => x + v,
                    Some(x) => x.max(v),
                    None => v,
                });
            }
        }
    }
    out.into_iter()
        .map(|v| v.map(|v| v.max(0.0).round() as u64))
        .collect()
}

fn draw_sparklines(f: &mut Frame, area: Rect, t: &Theme, h: &ClusterHealth) {
    let lag_is_seconds = h
        .pods
        .values()
        .any(|p| p.lag_seconds.last().is_some_and(|s| s > 0.0));
    let (lag, lag_title) = if lag_is_seconds {
        (combined(h, |p| &p.lag_seconds, false), "lag (s)")
    } else {
        (combined(h, |p| &p.lag_bytes, false), "lag (bytes)")
    };
    let graphs = [
        ("TPS", combined(h, |p| &p.tps, true)),
        (lag_title, lag),
        ("connections", combined(h, |p| &p.connections, false)),
    ];
    let cells = Layout::horizontal([Constraint::Ratio(1, 3); 3])
        .spacing(2)
        .split(area);
    for ((title, data), cell) in graphs.iter().zip(cells.iter()) {
        let [label, bars] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(*cell);
        let latest = data
            .iter()
            .rev()
            .flatten()
            .next()
            .map_or("-".into(), |v| v.to_string());
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{title} "), t.muted()),
                Span::raw(latest),
            ])),
            label,
        );
        // The newest readings at the right edge, as many as fit.
        let shown = &data[data.len().saturating_sub(usize::from(bars.width))..];
        f.render_widget(
            Sparkline::default()
                .data(shown.iter().copied())
                .style(t.fg(t.ok)),
            bars,
        );
    }
}

/// Patroni's members as `patronictl list` prints them.
fn draw_patroni(f: &mut Frame, area: Rect, m: &Model, h: &ClusterHealth) {
    let t = &m.theme;
    let view = match &h.patroni {
        None => {
            f.render_widget(
                Paragraph::new(Line::styled("Patroni: not asked yet", t.muted())),
                area,
            );
            return;
        }
        Some((pod, Err(e))) => {
            let text = format!("Patroni (asked {}): {}", inert(pod), inert(&e.text()));
            f.render_widget(Paragraph::new(Line::styled(text, t.fg(t.warn))), area);
            return;
        }
        Some((_, Ok(view))) => view,
    };
    let header = Row::new([
        "Member",
        "Host",
        "Role",
        "State",
        "TL",
        "Lag in MB",
        "Pending restart",
    ])
    .style(t.muted());
    let rows = view.members.iter().map(|mem| {
        let role = match mem.role.as_str() {
            "leader" => "Leader".to_string(),
            "replica" => "Replica".to_string(),
            "sync_standby" => "Sync Standby".to_string(),
            "standby_leader" => "Standby Leader".to_string(),
            other => inert(other).into_owned(),
        };
        let style = if mem.is_leader() {
            t.fg(t.role_primary)
        } else {
            Style::default()
        };
        Row::new([
            inert(&mem.name).into_owned(),
            inert(&mem.host).into_owned(),
            role,
            inert(&mem.state).into_owned(),
            mem.timeline.map_or_else(String::new, |tl| tl.to_string()),
            inert(&mem.lag).into_owned(),
            if mem.pending_restart {
                "*".into()
            } else {
                String::new()
            },
        ])
        .style(style)
    });
    let widths = [
        Constraint::Min(12),
        Constraint::Length(15),
        Constraint::Length(14),
        Constraint::Length(12),
        Constraint::Length(3),
        Constraint::Length(9),
        Constraint::Length(15),
    ];
    f.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        area,
    );
}
