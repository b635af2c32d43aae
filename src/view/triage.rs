//! The triage view: every problem, worst first, one line each with level, since when, the
//! object and why; Enter opens the object's detail with its evidence. Acknowledged problems
//! are counted in the title and listed apart (`A`).

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
        Level::Info => Severity::Idle,
    }
}

/// "3 problems", "1 problem".
pub(crate) fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
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

/// The title: how many problems (information apart), how many acknowledged, and the keys.
fn title(m: &Model) -> String {
    let problems = &m.triage.problems;
    let info = problems.iter().filter(|p| p.level == Level::Info).count();
    let acknowledged = problems.acknowledged_len();
    if m.triage.listing_acknowledged {
        return format!(
            " Acknowledged · {} hidden until it changes · a shows again · A back · Esc closes ",
            count(acknowledged, "problem")
        );
    }
    let mut title = format!(" Triage · {}", count(problems.len() - info, "problem"));
    if info > 0 {
        title.push_str(&format!(" · {info} info"));
    }
    if acknowledged > 0 {
        title.push_str(&format!(" · {acknowledged} acknowledged (A lists)"));
    }
    if !problems.is_empty() {
        title.push_str(" · a acknowledges · Enter evidence");
    }
    title.push_str(" · ! or Esc closes ");
    title
}

/// Draws the triage view with `selected` highlighted.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, selected: usize) {
    let theme = &m.theme;
    let problems = &m.triage.problems;
    let listing = m.triage.listing_acknowledged;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(title(m), theme.accent()));
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2)).max(1);
    let shown: Vec<&Problem> = if listing {
        problems.acknowledged().collect()
    } else {
        problems.iter().collect()
    };
    if shown.is_empty() {
        let line = if listing {
            Line::styled("nothing is acknowledged", theme.muted())
        } else {
            Line::styled(
                format!("{} nothing is broken", Severity::Ok.symbol()),
                theme.fg(theme.ok),
            )
        };
        f.render_widget(Paragraph::new(line).block(block), area);
        return;
    }
    let selected = selected.min(shown.len() - 1);
    let offset = selected.saturating_sub(inner_h - 1);
    let lines: Vec<Line> = shown
        .into_iter()
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
