//! The triage view: every problem, worst first, one line each with level, since when, the
//! object and why; Enter opens the object's detail with its evidence.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::model::Model;
use crate::state::theme::Theme;
use crate::view::text::{self, Cut, inert};
use crate::view::widgets::{self, Severity};
use kbdash_core::domain::triage::{Level, Problem};

/// The severity a level is drawn with.
pub(crate) fn severity(level: Level) -> Severity {
    match level {
        Level::Critical | Level::Error => Severity::Error,
        Level::Warning => Severity::Warn,
        Level::Stale => Severity::Unknown,
    }
}

/// "08:15:00 (45m)", "06-03 10:14 (2d)", "9999-12-31 23:59 (future)" or "-".
pub(crate) fn since_text(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    since.map_or_else(
        || "-".into(),
        |t| {
            if widgets::is_future(t, now) {
                format!("{} (future)", widgets::when(t, now))
            } else {
                format!(
                    "{} ({})",
                    widgets::when(t, now),
                    widgets::short_duration(now - t)
                )
            }
        },
    )
}

/// One problem as a line fitting `width` columns.
pub(crate) fn problem_line(
    p: &Problem,
    now: DateTime<Utc>,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let sev = severity(p.level);
    let level = format!("{} {:<5} ", sev.symbol(), p.level.word());
    let since = format!("{:<17} ", since_text(p.since, now));
    let subject = format!("{} ", inert(&p.subject));
    let used = text::width(&level) + text::width(&since) + text::width(&subject);
    let reason = format!("— {}", inert(&p.reason));
    let reason = text::cut(&reason, width.saturating_sub(used), Cut::End).into_owned();
    Line::from(vec![
        Span::styled(level, sev.style(theme)),
        Span::styled(since, theme.muted()),
        Span::styled(subject, theme.text().add_modifier(Modifier::BOLD)),
        Span::raw(reason),
    ])
}

/// Draws the triage view with `selected` highlighted.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, selected: usize) {
    let theme = &m.theme;
    let problems = &m.triage.problems;
    let title = format!(
        " Triage · {} problem{} · Enter evidence · ! or Esc closes ",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.accent()));
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2)).max(1);
    if problems.is_empty() {
        let line = Line::styled(
            format!("{} nothing is broken", Severity::Ok.symbol()),
            theme.fg(theme.ok),
        );
        f.render_widget(Paragraph::new(line).block(block), area);
        return;
    }
    let selected = selected.min(problems.len() - 1);
    let offset = selected.saturating_sub(inner_h - 1);
    let lines: Vec<Line> = problems
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h)
        .map(|(i, p)| {
            let line = problem_line(p, m.now, theme, inner_w);
            if i == selected {
                line.style(theme.selection())
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}
