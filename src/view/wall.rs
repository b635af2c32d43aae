//! Wall mode: a screen read from across a room. A title with the clock, per-stream freshness,
//! a STALE banner when any stream has stopped delivering, the triage strip, and one tile per
//! cluster, paged every `cycle` seconds when they do not all fit.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::model::{Model, StreamState};
use crate::state::problem_index::ProblemIndex;
use crate::view::triage::{count, problem_line};
use crate::view::widgets::{self, Severity, status_span};
use kbdash_core::domain::triage::{Level, Problem};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ClusterRow, primary_names};

/// Width a tile wants; tiles share the row's slack.
const TILE_WIDTH: u16 = 34;
/// Height of a tile: borders and five lines.
const TILE_HEIGHT: u16 = 7;
/// Kinds whose staleness makes the tiles untrustworthy.
const TILE_KINDS: [Kind; 4] = [Kind::Cluster, Kind::Pod, Kind::OpsRequest, Kind::Backup];

/// The banner text for a stale screen.
pub(crate) fn stale_text(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match last {
        Some(t) => format!(
            "STALE: last update {} ({} min ago)",
            t.format("%H:%M:%S"),
            (now - t).num_minutes().max(0)
        ),
        None => "STALE: no update received yet".into(),
    }
}

/// How many tiles fit in `area`: (columns, rows).
pub(crate) fn grid(area: Rect) -> (u16, u16) {
    (
        (area.width / TILE_WIDTH).max(1),
        (area.height / TILE_HEIGHT).max(1),
    )
}

/// Draws the wall.
pub(crate) fn draw(f: &mut Frame, m: &Model) {
    let area = f.area();
    let theme = &m.theme;
    let stale = m.stale_since();
    let found = &m.triage.problems;
    let banner_h = u16::from(stale.is_some()) * if area.height >= 30 { 3 } else { 1 };
    let strip_h = if area.height < 12 {
        1
    } else {
        let max = (area.height / 5).max(2);
        let listed = found.iter().filter(|p| p.level != Level::Info).count();
        u16::try_from(listed).unwrap_or(u16::MAX).clamp(1, max) + 1
    };
    let [title, fresh, banner, strip, tiles] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(banner_h),
        Constraint::Length(strip_h),
        Constraint::Min(0),
    ])
    .areas(area);

    let mut clusters: Vec<&ClusterRow> = m.store.clusters.iter().collect();
    clusters.sort_by(|a, b| a.key.cmp(&b.key));
    let (cols, rows) = grid(tiles);
    let per_page = usize::from(cols) * usize::from(rows);
    let pages = clusters.len().div_ceil(per_page).max(1);
    let page = m.wall.as_ref().map_or(0, |w| w.page % pages);

    draw_title(f, title, m, page, pages);
    draw_freshness(f, fresh, m);
    if let Some(last) = stale {
        let style = theme
            .fg(theme.error)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED);
        let text = stale_text(last, m.now);
        let lines = if banner.height >= 3 {
            vec![Line::raw(""), Line::raw(text), Line::raw("")]
        } else {
            vec![Line::raw(text)]
        };
        f.render_widget(
            Paragraph::new(lines)
                .style(style)
                .alignment(ratatui::layout::Alignment::Center),
            banner,
        );
    }
    draw_strip(f, strip, m, found);

    let dim = TILE_KINDS.iter().any(|k| m.is_stale(*k));
    let shown: Vec<&ClusterRow> = clusters
        .iter()
        .skip(page * per_page)
        .take(per_page)
        .copied()
        .collect();
    if shown.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("no clusters", theme.muted())),
            tiles,
        );
        return;
    }
    let row_areas =
        Layout::vertical(vec![Constraint::Length(TILE_HEIGHT); usize::from(rows)]).split(tiles);
    for (r, chunk) in shown.chunks(usize::from(cols)).enumerate() {
        let Some(row_area) = row_areas.get(r) else {
            break;
        };
        let cells = Layout::horizontal(vec![
            Constraint::Ratio(1, u32::from(cols));
            usize::from(cols)
        ])
        .split(*row_area);
        for (c, cluster) in chunk.iter().enumerate() {
            if let Some(cell) = cells.get(c) {
                draw_tile(f, *cell, m, cluster, dim);
            }
        }
    }
}

fn draw_title(f: &mut Frame, area: Rect, m: &Model, page: usize, pages: usize) {
    let theme = &m.theme;
    let mut spans = vec![
        Span::styled(" kbdash wall ", theme.accent()),
        Span::styled(format!(" {} ", m.context), theme.text()),
        Span::styled(
            " READ-ONLY ",
            theme
                .fg(theme.warn)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::styled(
            format!("  {} clusters", m.store.clusters.len()),
            theme.muted(),
        ),
    ];
    if pages > 1 {
        spans.push(Span::styled(
            format!("  page {}/{pages}", page + 1),
            theme.muted(),
        ));
    }
    let clock = m.now.format(" %H:%M:%S UTC ").to_string();
    let used: usize = spans.iter().map(|s| s.width()).sum();
    spans.push(Span::raw(" ".repeat(
        usize::from(area.width).saturating_sub(used + clock.len()),
    )));
    spans.push(Span::styled(
        clock,
        theme.text().add_modifier(Modifier::BOLD),
    ));
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.header()),
        area,
    );
}

/// Each stream: live, or how long since it last delivered.
fn draw_freshness(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let mut spans = vec![Span::raw(" ")];
    if m.streams.values().all(|s| *s == StreamState::Live) {
        spans.push(Span::styled(
            format!(
                "{} all {} streams live",
                Severity::Ok.symbol(),
                m.streams.len()
            ),
            Severity::Ok.style(theme),
        ));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    // Failing streams first, so a narrow screen cuts off the healthy ones.
    let mut streams: Vec<_> = m.streams.iter().collect();
    streams.sort_by_key(|(_, s)| **s == StreamState::Live);
    for (i, (kind, state)) in streams.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        let (sev, word) = match state {
            StreamState::Live => (Severity::Ok, "live".to_string()),
            StreamState::Pending | StreamState::Syncing { .. } => {
                (Severity::Progress, "syncing".to_string())
            }
            StreamState::Reconnecting { .. } => (
                Severity::Error,
                m.triage.last_seen.get(kind).map_or_else(
                    || "no data".to_string(),
                    |t| format!("{} ago", widgets::short_duration(m.now - *t)),
                ),
            ),
            StreamState::Forbidden(_) => (Severity::Error, "forbidden".to_string()),
            StreamState::NotInstalled(_) => (Severity::Error, "not installed".to_string()),
        };
        spans.push(Span::raw(format!("{} ", kind.info().kind_name)));
        spans.push(Span::styled(
            format!("{} {word}", sev.symbol()),
            sev.style(theme),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The problems worth a look from across the room: information is counted, not listed.
fn draw_strip(f: &mut Frame, area: Rect, m: &Model, found: &ProblemIndex) {
    let theme = &m.theme;
    let width = usize::from(area.width);
    let mut lines = Vec::new();
    let listed: Vec<&Problem> = found.iter().filter(|p| p.level != Level::Info).collect();
    let info = found.len() - listed.len();
    let info_note = if info > 0 {
        format!(" · {info} info")
    } else {
        String::new()
    };
    if listed.is_empty() {
        lines.push(Line::styled(
            format!(" {} nothing is broken{info_note}", Severity::Ok.symbol()),
            theme.fg(theme.ok),
        ));
    } else {
        if area.height > 1 {
            lines.push(Line::styled(
                format!(" Triage: {}{info_note}", count(listed.len(), "problem")),
                theme.accent(),
            ));
        }
        let room = usize::from(area.height).saturating_sub(lines.len());
        let more = listed.len().saturating_sub(room);
        let take = if more > 0 {
            room.saturating_sub(1)
        } else {
            room
        };
        for p in listed.iter().take(take) {
            let mut line = problem_line(p, m.now, theme, width.saturating_sub(1));
            line.spans.insert(0, Span::raw(" "));
            lines.push(line);
        }
        if more > 0 && room > 0 {
            lines.push(Line::styled(
                format!(" … and {} more", listed.len() - take),
                theme.muted(),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_tile(f: &mut Frame, area: Rect, m: &Model, c: &ClusterRow, dim: bool) {
    let theme = &m.theme;
    let pods: Vec<_> = m.store.cluster_pods(&c.key).collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let primaries = primary_names(&pods);
    let secondaries = pods.iter().filter(|p| p.role == "secondary").count();
    let sev = widgets::severity(&c.phase);
    let border = match sev {
        Severity::Error => theme.fg(theme.error),
        Severity::Warn | Severity::Unknown => theme.fg(theme.warn),
        _ => theme.border(false),
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    let roles = match primaries.as_slice() {
        [] if pods.is_empty() => Span::styled("no pods", theme.muted()),
        [] => Span::styled("✗ no primary", theme.fg(theme.error)),
        [one] => Span::styled(
            widgets::truncate(&format!("primary {one}"), inner_w),
            theme.fg(theme.role_primary),
        ),
        many => Span::styled(format!("! {} primaries", many.len()), theme.fg(theme.error)),
    };
    let ready_style = if c.desired > 0 && ready as u32 >= c.desired {
        theme.text()
    } else {
        theme.fg(theme.warn)
    };
    let last_op = m.store.last_op(&c.key).map_or_else(
        || Line::styled("no ops", theme.muted()),
        |o| {
            Line::from(vec![
                Span::raw(widgets::truncate(&o.op_type, inner_w.saturating_sub(12))),
                Span::raw(" "),
                crate::view::ops::phase_span(o, theme),
            ])
        },
    );
    // The same verdict as triage and the Clusters pane.
    let pitr = match m.store.continuous_backup(&c.key) {
        Some(b) => Line::from(vec![
            Span::styled("PITR ", theme.muted()),
            crate::view::backups::archiving_cell(m, &crate::view::backups::archiving(m, b)),
        ]),
        None => Line::styled("PITR -", theme.muted()),
    };
    let title = widgets::truncate(&c.key.name, inner_w);
    let lines = vec![
        Line::from(
            status_span(&c.phase, theme).patch_style(Style::default().add_modifier(Modifier::BOLD)),
        ),
        Line::from(roles),
        Line::from(vec![
            Span::styled(format!("ready {ready}/{}", c.desired), ready_style),
            Span::styled(format!(" · {secondaries} secondary"), theme.muted()),
        ]),
        last_op,
        pitr,
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {title} "), theme.accent()));
    let mut para = Paragraph::new(lines).block(block);
    if dim {
        para = para.style(Style::default().add_modifier(Modifier::DIM));
    }
    f.render_widget(para, area);
}
