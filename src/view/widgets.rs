//! Small pieces the panes share: status words with symbols, ages, durations, sizes, progress
//! bars, and the table drawing.

use chrono::{DateTime, TimeDelta, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::app::table::Sort;
use crate::view::theme::Theme;

/// How a status reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Ok,
    Progress,
    Idle,
    Warn,
    Error,
    Unknown,
}

impl Severity {
    /// The symbol that goes with the word, so status never relies on colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Severity::Ok => "✓",
            Severity::Progress => "↻",
            Severity::Idle => "■",
            Severity::Warn => "!",
            Severity::Error => "✗",
            Severity::Unknown => "?",
        }
    }

    /// The theme colour of the severity.
    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Severity::Ok => theme.fg(theme.ok),
            Severity::Progress => theme.fg(theme.accent),
            Severity::Idle => theme.muted(),
            Severity::Warn | Severity::Unknown => theme.fg(theme.warn),
            Severity::Error => theme.fg(theme.error).add_modifier(Modifier::BOLD),
        }
    }
}

/// The severity of a phase or status word of any kind kbdash shows; unknown words are
/// `Unknown` and shown verbatim.
pub fn severity(word: &str) -> Severity {
    match word {
        "Running" | "Succeed" | "Completed" | "Available" | "Ready" => Severity::Ok,
        "Creating" | "Updating" | "Pending" | "InProgress" | "New" | "Starting" | "Stopping"
        | "Deleting" | "Cancelling" | "Processing" | "ContainerCreating" | "PodInitializing"
        | "Terminating" => Severity::Progress,
        "Stopped" | "Cancelled" | "Succeeded" => Severity::Idle,
        "Failed" | "Abnormal" | "Aborted" | "CrashLoopBackOff" | "Error" | "ImagePullBackOff"
        | "ErrImagePull" | "OOMKilled" | "Unavailable" | "Evicted" => Severity::Error,
        "Unknown" => Severity::Warn,
        _ => Severity::Unknown,
    }
}

/// "✓ Running", styled; an empty word shows as a muted "-".
pub fn status_span(word: &str, theme: &Theme) -> Span<'static> {
    if word.is_empty() {
        return Span::styled("-", theme.muted());
    }
    let sev = severity(word);
    Span::styled(format!("{} {word}", sev.symbol()), sev.style(theme))
}

/// A kubectl-style age: 45s, 12m, 5h, 3d.
pub fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    since.map_or_else(|| "-".to_string(), |t| short_duration(now - t))
}

/// A compact duration: 45s, 12m, 5h, 3d (negative counts as zero).
pub fn short_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A precise duration: 1m12s, 2h3m, 45s.
pub fn long_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A byte count in binary units: 1.1Gi, 46Mi, 512B.
pub fn size(bytes: Option<u64>) -> String {
    let Some(b) = bytes else {
        return "-".into();
    };
    const UNITS: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if b < 1024 {
        return format!("{b}B");
    }
    let mut v = b as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1}{}", UNITS[unit])
    } else {
        format!("{v:.0}{}", UNITS[unit])
    }
}

/// UTC with seconds: 2025-06-03 10:14:52.
pub fn utc(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A progress bar `███░░ 3/5` of `width` cells plus the counts.
pub fn progress_bar(done: u32, total: u32, width: usize) -> String {
    let filled = if total == 0 {
        0
    } else {
        (done.min(total) as usize * width) / total as usize
    };
    format!(
        "{}{} {done}/{total}",
        "█".repeat(filled),
        "░".repeat(width - filled)
    )
}

/// Cuts `s` to `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A pane's table: title, header with the sort marker, rows, selection.
pub struct TableView<'a> {
    pub title: String,
    pub headers: Vec<(&'static str, usize)>,
    pub widths: Vec<Constraint>,
    pub rows: Vec<Row<'a>>,
    /// Index in `rows` of the selected row.
    pub selected: Option<usize>,
    pub sort: Sort,
    pub empty_text: String,
}

/// Draws a pane's table into `area`.
pub fn draw_table(f: &mut Frame, area: Rect, t: TableView, theme: &Theme) {
    let header = Row::new(t.headers.iter().map(|(title, col)| {
        let marker = if *col == t.sort.column {
            if t.sort.descending { "↓" } else { "↑" }
        } else {
            ""
        };
        Cell::from(format!("{title}{marker}"))
    }))
    .style(theme.accent());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(t.title, theme.accent())));
    if t.rows.is_empty() {
        let inner = block.inner(area);
        f.render_widget(block, area);
        let table = Table::new(Vec::<Row>::new(), t.widths.clone()).header(header);
        f.render_widget(table, inner);
        if inner.height > 1 {
            let msg = Rect {
                y: inner.y + 1,
                height: 1,
                ..inner
            };
            f.render_widget(Span::styled(t.empty_text, theme.muted()), msg);
        }
        return;
    }
    let rows: Vec<Row> = t
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            if Some(i) == t.selected {
                r.style(theme.selection())
            } else {
                r
            }
        })
        .collect();
    let table = Table::new(rows, t.widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .style(theme.text());
    f.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(short_duration(TimeDelta::seconds(59)), "59s");
        assert_eq!(short_duration(TimeDelta::seconds(3 * 3600)), "3h");
        assert_eq!(long_duration(TimeDelta::seconds(72)), "1m12s");
        assert_eq!(size(Some(1_207_959_552)), "1.1Gi");
        assert_eq!(size(Some(48_329_216)), "46Mi");
        assert_eq!(progress_bar(1, 4, 4), "█░░░ 1/4");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(severity("Weird"), Severity::Unknown);
    }
}
