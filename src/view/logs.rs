//! The log view: whose log and which container (the pod's containers as a bar, the cluster's
//! pods when opened on a cluster), the lines (made inert first: a log is the container's text,
//! escape sequences and all), search matches highlighted, and a footer that says whether the
//! view follows the end or is paused with how many lines came since, how the stream is, and
//! the keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::keymap::{self, Context, Wording};
use crate::state::logs::{LogStatus, LogView, TAILS};
use crate::state::model::Model;
use crate::state::theme::Theme;
use crate::view::matches;
use crate::view::text::{inert, wrap_line};
use kbdash_core::logs::LogLine;

/// Draws the log view over `area`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let Some(view) = m.logs.as_deref() else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            inert(&title(view)).into_owned(),
            theme.accent(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [bar, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(choices(view, theme)), bar);
    let lines = body_lines(
        view,
        theme,
        usize::from(body.width),
        usize::from(body.height),
    );
    f.render_widget(Paragraph::new(lines).style(theme.text()), body);
    f.render_widget(Paragraph::new(footer_line(view, theme)), footer);
}

fn title(view: &LogView) -> String {
    let pod = view
        .pod
        .as_ref()
        .map_or_else(|| "…".to_string(), |p| p.to_string());
    let run = if view.previous { " (previous run)" } else { "" };
    let tail = match TAILS.get(view.tail).copied().flatten() {
        Some(n) => format!("last {n}"),
        None => "all lines".into(),
    };
    format!(" Log {pod}{run} · {tail} · Esc back ")
}

/// The containers to choose from, the shown one marked; the cluster's pods when there are.
fn choices(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("containers: ", theme.muted())];
    if view.containers.is_empty() {
        spans.push(Span::styled("…", theme.muted()));
    }
    for c in &view.containers {
        let shown = view.container.as_ref() == Some(c);
        let style = if shown {
            theme.selection()
        } else {
            theme.text()
        };
        spans.push(Span::styled(format!(" {} ", inert(c)), style));
    }
    if view.pods.len() > 1 {
        spans.push(Span::styled("   pods: ", theme.muted()));
        for p in &view.pods {
            let shown = view.pod.as_ref() == Some(p);
            let style = if shown {
                theme.selection()
            } else {
                theme.text()
            };
            spans.push(Span::styled(format!(" {} ", inert(&p.name)), style));
        }
    }
    Line::from(spans)
}

/// A line as shown: its time when asked for, its text made inert, the search's matches
/// highlighted (the current one marked).
fn shown(line: &LogLine, at: usize, view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    if view.timestamps {
        let time = line.at.map_or_else(
            || "-".repeat(24),
            |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        );
        spans.push(Span::styled(format!("{time} "), theme.muted()));
    }
    let text = inert(&line.text).into_owned();
    match &view.search {
        Some(s) => spans.extend(matches::marked(&text, &s.query, s.at == Some(at), theme)),
        None => spans.push(Span::raw(text)),
    }
    Line::from(spans)
}

/// The rows of the body: from the paused top line down, or the end of the log up.
fn body_lines(view: &LogView, theme: &Theme, width: usize, height: usize) -> Vec<Line<'static>> {
    let rows = |line: &LogLine, at: usize| -> Vec<Line<'static>> {
        let line = shown(line, at, view, theme);
        if view.wrap {
            wrap_line(line, width)
        } else {
            vec![line]
        }
    };
    if view.buffer.is_empty() {
        let text = match &view.status {
            LogStatus::Failed(e) => {
                return vec![Line::styled(inert(e).into_owned(), theme.fg(theme.error))];
            }
            LogStatus::Connecting => "opening the log…",
            _ => "no lines yet",
        };
        return vec![Line::styled(text, theme.muted())];
    }
    match view.paused_at {
        Some(top) => view
            .buffer
            .iter()
            .skip(top.saturating_sub(view.buffer.first()))
            .flat_map(|(at, l)| rows(l, at))
            .take(height)
            .collect(),
        None => {
            let mut out: Vec<Line<'static>> = Vec::new();
            for (at, l) in view.buffer.iter().rev() {
                let mut these = rows(l, at);
                these.extend(out);
                out = these;
                if out.len() >= height {
                    break;
                }
            }
            let extra = out.len().saturating_sub(height);
            out.split_off(extra)
        }
    }
}

/// Following or paused (with the lines since), the stream's health, where the log was
/// written, and the keys.
fn footer_line(view: &LogView, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    let over = matches!(view.status, LogStatus::Ended | LogStatus::Failed(_));
    if !view.following() {
        spans.push(Span::styled(
            format!("‖ paused · {} new lines · G follows", view.unseen),
            theme.fg(theme.warn),
        ));
    } else if over {
        // Nothing more will come: there is nothing to follow.
        spans.push(Span::styled("■", theme.muted()));
    } else {
        spans.push(Span::styled("▼ following", theme.fg(theme.ok)));
    }
    let status = match &view.status {
        LogStatus::Connecting => Some(("opening".to_string(), theme.muted())),
        LogStatus::Streaming => None,
        LogStatus::Reconnecting { error, attempt } => Some((
            format!("reconnecting (attempt {attempt}): {error}"),
            theme.fg(theme.warn),
        )),
        LogStatus::Ended => Some(("end of log".to_string(), theme.muted())),
        LogStatus::Failed(e) => Some((e.clone(), theme.fg(theme.error))),
    };
    if let Some((text, style)) = status {
        spans.push(Span::styled(format!(" · {}", inert(&text)), style));
    }
    if view.buffer.dropped() > 0 {
        spans.push(Span::styled(
            format!(" · oldest {} lines dropped", view.buffer.dropped()),
            theme.muted(),
        ));
    }
    if let Some(path) = &view.written {
        spans.push(Span::styled(
            format!(" · written to {}", inert(&path.display().to_string())),
            theme.muted(),
        ));
    }
    let keys: Vec<&str> = keymap::hints(&[Context::Logs], Wording::Brief)
        .map(|(_, h)| h)
        .collect();
    spans.push(Span::styled(
        format!("   {}", keys.join(" · ")),
        theme.muted(),
    ));
    Line::from(spans)
}
