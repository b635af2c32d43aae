//! The incident timeline (`t` on a cluster): everything kbdash saw happen to one cluster, in
//! time order, newest first (as the events are), with each entry's kind and source; filterable
//! by kind, the last hour by default. Not the restore timeline ([`super::timeline`], a backup's window).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::incident_timeline::IncidentTimeline;
use crate::state::model::Model;
use crate::view::text::{inert, inert_line};
use crate::view::widgets;
use kbdash_core::domain::incident::{Incident, IncidentKind};

/// Draws `v` over `area`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, v: &IncidentTimeline) {
    let t = &m.theme;
    let since = v.since(m.now);
    let mut entries: Vec<&Incident> = m
        .store
        .incidents
        .of(&v.cluster)
        .into_iter()
        .flat_map(|log| log.since(since, |k| v.shows(k)))
        .collect();
    if v.shows(IncidentKind::Stream) {
        // The outages of the cluster's own context: another's streams saw none of it.
        let outages = m.store.incidents.streams_of(v.cluster.ctx);
        entries.extend(
            outages
                .into_iter()
                .flat_map(|log| log.since(since, |_| true)),
        );
        // Both are in time order; a stable sort keeps each one's order among equal times.
        entries.sort_by_key(|e| e.at);
    }
    let mut lines = vec![filter_line(m, v), Line::raw("")];
    if entries.is_empty() {
        let window = if v.all_time {
            "since kbdash started watching"
        } else {
            "in the last hour (a: everything kept)"
        };
        lines.push(Line::styled(format!("  nothing seen {window}"), t.muted()));
    }
    for e in entries.iter().rev() {
        let style = match e.kind {
            IncidentKind::Warning => t.fg(t.error),
            IncidentKind::Stream => t.fg(t.warn),
            IncidentKind::Role => t.accent(),
            _ => t.text(),
        };
        lines.push(inert_line(Line::from(vec![
            Span::styled(format!("  {} ", widgets::stamp(e.at, m.now)), t.muted()),
            Span::styled(format!("{:<8}", e.kind.label()), style),
            Span::styled(format!("{:<40} ", e.source), t.muted()),
            Span::styled(e.text.clone(), style),
        ])));
    }
    let inner = usize::from(area.height.saturating_sub(2)).max(1);
    let scroll = v.scroll.min(lines.len().saturating_sub(inner));
    let window = if v.all_time { "all kept" } else { "last hour" };
    let title = format!(
        " Incident timeline · {} · {} entries · {window} (UTC) · 1-7 filter · a window · Esc back ",
        v.cluster,
        entries.len()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(inert(&title).into_owned(), t.accent()));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(t.text())
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        area,
    );
}

/// The kinds with their keys, the hidden ones struck through.
fn filter_line(m: &Model, v: &IncidentTimeline) -> Line<'static> {
    let t = &m.theme;
    let mut spans = vec![Span::styled("  show: ", t.muted())];
    for (i, kind) in IncidentKind::ALL.iter().enumerate() {
        let (mark, style) = if v.shows(*kind) {
            ("✓", t.text())
        } else {
            ("·", t.muted().add_modifier(Modifier::CROSSED_OUT))
        };
        spans.push(Span::styled(
            format!("{} {mark}{}  ", i + 1, kind.label()),
            style,
        ));
    }
    Line::from(spans)
}
