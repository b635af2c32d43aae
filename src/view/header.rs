//! The header (context, namespaces, stream health, read-only badge, clock), the tab bar and the
//! status line (streams in detail, the line editor, notices).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::state::command;
use crate::state::model::{InputKind, Model, Overlay, Pane, StreamState};
use crate::state::theme::Theme;
use crate::view::text::{inert_line, line_width};
use crate::view::widgets::Severity;

/// The display name of a watched kind.
fn kind_name(kind: kbdash_core::kinds::Kind) -> &'static str {
    kind.info().kind_name
}

/// Health of one stream in words, short enough for the status line; the API's full message
/// for forbidden and not-installed streams is on the pane itself ([`stream_banner`]).
pub(crate) fn stream_short(state: &StreamState) -> (Severity, String) {
    match state {
        StreamState::Forbidden(_) => (Severity::Error, "forbidden".into()),
        StreamState::NotInstalled(_) => (Severity::Error, "not installed".into()),
        other => stream_text(other),
    }
}

/// The line a pane shows on its border while its stream is not live: for a failing stream,
/// why (the server's URL and the cause).
pub(crate) fn stream_banner(
    m: &Model,
    kind: kbdash_core::kinds::Kind,
) -> Option<(Severity, String)> {
    // The first context whose stream is not live speaks, naming itself when several are shown.
    let (ctx, state) = m
        .shown
        .iter()
        .filter_map(|s| Some((s.ctx, m.streams.get(&(s.ctx, kind))?)))
        .find(|(_, state)| **state != StreamState::Live)?;
    let (severity, text) = match state {
        StreamState::Reconnecting { error, .. } => {
            let (severity, text) = stream_text(state);
            (severity, format!("{text}: {error}"))
        }
        state => stream_text(state),
    };
    Some(match m.multi_context() {
        true => (severity, format!("{}: {text}", m.context_name(ctx))),
        false => (severity, text),
    })
}

/// Health of one stream: symbol, word and detail.
pub(crate) fn stream_text(state: &StreamState) -> (Severity, String) {
    match state {
        StreamState::Pending => (Severity::Idle, "waiting".into()),
        StreamState::Syncing { count } => {
            (Severity::Progress, format!("syncing ({count} objects)"))
        }
        StreamState::Live => (Severity::Ok, "live".into()),
        StreamState::Reconnecting { since, attempt, .. } => (
            Severity::Warn,
            format!(
                "reconnecting since {} (attempt {attempt})",
                since.format("%H:%M:%S")
            ),
        ),
        StreamState::Forbidden(msg) => (Severity::Error, format!("forbidden: {msg}")),
        StreamState::NotInstalled(msg) => (Severity::Error, format!("not installed: {msg}")),
    }
}

/// The context shown, or every one shown, in order.
pub(crate) fn contexts_text(m: &Model) -> String {
    match m.multi_context() {
        true => m
            .shown
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        false => m.context.clone(),
    }
}

/// Draws the header line.
pub(crate) fn draw_header(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let live = m
        .streams
        .values()
        .filter(|s| **s == StreamState::Live)
        .count();
    let total = m.streams.len();
    let worst = m
        .streams
        .values()
        .map(|s| stream_text(s).0)
        .max_by_key(|s| match s {
            Severity::Ok => 0,
            Severity::Idle => 1,
            Severity::Progress => 2,
            Severity::Unknown | Severity::Warn => 3,
            Severity::Error => 4,
        })
        .unwrap_or(Severity::Ok);
    let mut spans = vec![
        Span::styled(" kbdash ", theme.accent()),
        Span::styled("ctx ", theme.muted()),
        Span::raw(contexts_text(m)),
        Span::styled("  ns ", theme.muted()),
        Span::raw(m.namespace.clone().unwrap_or_else(|| "all".into())),
    ];
    // kbdash is for PostgreSQL; the others are said to exist, not shown.
    let others = m.store.other_clusters.len();
    if others > 0 {
        spans.push(Span::styled(
            format!(
                "  +{others} other KubeBlocks cluster{}",
                if others == 1 { "" } else { "s" }
            ),
            theme.muted(),
        ));
    }
    spans.extend([
        Span::styled("  streams ", theme.muted()),
        Span::styled(
            format!("{} {live}/{total} live", worst.symbol()),
            worst.style(theme),
        ),
    ]);
    for (ctx, down) in &m.api_down {
        let server = m.server_of(*ctx);
        let api = match m.multi_context() {
            true => format!("API of {}", m.context_name(*ctx)),
            false => "API".into(),
        };
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!(
                "{} {api} not answering since {}: {}{}",
                Severity::Error.symbol(),
                down.since.format("%H:%M:%S"),
                down.cause,
                if server.is_empty() {
                    String::new()
                } else {
                    format!(" · {server}")
                }
            ),
            Severity::Error.style(theme),
        ));
    }
    let readonly_some: Vec<&str> = m
        .shown
        .iter()
        .filter(|s| s.readonly)
        .map(|s| s.name.as_str())
        .collect();
    if !m.readonly && !readonly_some.is_empty() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!(" READ-ONLY: {} ", readonly_some.join(", ")),
            theme
                .fg(theme.warn)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ));
    }
    if m.readonly {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            " READ-ONLY ",
            theme
                .fg(theme.warn)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ));
    }
    let clock = m.now.format(" %H:%M:%S UTC ").to_string();
    let mut line = inert_line(Line::from(spans));
    let pad = usize::from(area.width).saturating_sub(line_width(&line) + clock.len());
    line.spans.push(Span::raw(" ".repeat(pad)));
    line.spans.push(Span::styled(clock, theme.muted()));
    f.render_widget(Paragraph::new(line).style(theme.header()), area);
}

/// Draws the tab bar with counts, scope and filter.
pub(crate) fn draw_tabs(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let mut spans = Vec::new();
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let count = m.table(*pane).visible_len();
        let label = format!(" {} {} {count} ", i + 1, pane.title());
        spans.push(if *pane == m.focus {
            Span::styled(label, theme.selection().add_modifier(Modifier::BOLD))
        } else {
            Span::styled(label, theme.muted())
        });
    }
    if let Some(scope) = &m.scope {
        spans.push(Span::styled("  scope ", theme.muted()));
        spans.push(Span::styled(scope.to_string(), theme.accent()));
    }
    let filter = m.table(m.focus).filter();
    if !filter.is_empty() {
        spans.push(Span::styled("  filter ", theme.muted()));
        spans.push(Span::styled(format!("/{filter}"), theme.accent()));
    }
    f.render_widget(Paragraph::new(inert_line(Line::from(spans))), area);
}

/// Draws the status line.
pub(crate) fn draw_status(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let line = if let Some(input) = &m.input {
        input_line(m, input.kind, &input.text, theme)
    } else if let Some((text, _)) = &m.notice {
        Line::from(Span::styled(format!(" {text}"), theme.fg(theme.warn)))
    } else {
        streams_line(m, theme)
    };
    f.render_widget(Paragraph::new(inert_line(line)), area);
}

fn input_line(m: &Model, kind: InputKind, text: &str, theme: &Theme) -> Line<'static> {
    let prefix = match kind {
        InputKind::Filter | InputKind::Search => "/",
        InputKind::Command => ":",
    };
    let mut spans = vec![
        Span::styled(prefix.to_string(), theme.accent()),
        Span::raw(text.to_string()),
        Span::styled("█", theme.accent()),
    ];
    if kind == InputKind::Command {
        let found = command::candidates(m, text);
        if !found.is_empty() {
            spans.push(Span::styled(
                format!("   Tab: {}", found.join(" ")),
                theme.muted(),
            ));
        }
    } else if kind == InputKind::Search && m.overlay == Overlay::Logs {
        spans.push(Span::styled(
            "   search the log: Enter finds the newest match, Esc cancels",
            theme.muted(),
        ));
    } else if kind == InputKind::Search {
        spans.push(Span::styled(
            "   search the YAML: Enter finds, Esc cancels",
            theme.muted(),
        ));
    } else {
        spans.push(Span::styled("   Enter keeps, Esc clears", theme.muted()));
    }
    Line::from(spans)
}

/// Streams in the same condition, together: reconnecting ones as one group with the earliest
/// start and the highest attempt, so the line stays short when the API is gone.
fn grouped_streams(m: &Model) -> Vec<(Vec<&'static str>, StreamState)> {
    let mut groups: Vec<(Vec<&'static str>, StreamState)> = Vec::new();
    for ((_, kind), state) in &m.streams {
        let same = groups.iter_mut().find(|(_, g)| match (g, state) {
            (StreamState::Reconnecting { .. }, StreamState::Reconnecting { .. }) => true,
            (StreamState::Syncing { .. }, StreamState::Syncing { .. }) => false,
            (a, b) => a == b,
        });
        match same {
            Some((kinds, group)) => {
                kinds.push(kind_name(*kind));
                if let (
                    StreamState::Reconnecting { since, attempt, .. },
                    StreamState::Reconnecting {
                        since: s2,
                        attempt: a2,
                        ..
                    },
                ) = (group, state)
                {
                    *since = (*since).min(*s2);
                    *attempt = (*attempt).max(*a2);
                }
            }
            None => groups.push((vec![kind_name(*kind)], state.clone())),
        }
    }
    groups
}

fn streams_line(m: &Model, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let all_live = m.streams.values().all(|s| *s == StreamState::Live);
    if all_live {
        spans.push(Span::styled(
            format!("✓ all {} streams live", m.streams.len()),
            theme.fg(theme.ok),
        ));
    } else {
        for (i, (kinds, state)) in grouped_streams(m).into_iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" · ", theme.muted()));
            }
            let (sev, text) = stream_short(&state);
            spans.push(Span::raw(format!("{} ", kinds.join(", "))));
            spans.push(Span::styled(
                format!("{} {text}", sev.symbol()),
                sev.style(theme),
            ));
        }
    }
    spans.push(Span::styled(
        "   ? help  : command  / filter  q quit",
        theme.muted(),
    ));
    Line::from(spans)
}
