//! Small pieces the panes share: status words with symbols, ages, durations, sizes, progress
//! bars, and the table drawing.

use chrono::{DateTime, TimeDelta, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::state::columns::{Column, ColumnId};
use crate::state::table::Sort;
use crate::state::theme::Theme;

/// How a status reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Ok,
    Progress,
    Idle,
    Warn,
    Error,
    Unknown,
}

impl Severity {
    /// The symbol that goes with the word, so status never relies on colour.
    pub(crate) fn symbol(self) -> &'static str {
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
    pub(crate) fn style(self, theme: &Theme) -> Style {
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
pub(crate) fn severity(word: &str) -> Severity {
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
pub(crate) fn status_span(word: &str, theme: &Theme) -> Span<'static> {
    if word.is_empty() {
        return Span::styled("-", theme.muted());
    }
    let sev = severity(word);
    Span::styled(format!("{} {word}", sev.symbol()), sev.style(theme))
}

/// A kubectl-style age: 45s, 12m, 5h, 3d.
pub(crate) fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    since.map_or_else(|| "-".to_string(), |t| short_duration(now - t))
}

/// A compact duration: 45s, 12m, 5h, 3d (negative counts as zero).
pub(crate) fn short_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A duration in its two largest units: 45s, 1m12s, 2h3m, 1d1h (a negative one is 0s).
pub(crate) fn long_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A byte count in binary units: 1.1Gi, 46Mi, 512B.
pub(crate) fn size(bytes: Option<u64>) -> String {
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
pub(crate) fn utc(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// A progress bar `███░░ 3/5` of `width` cells plus the counts.
pub(crate) fn progress_bar(done: u32, total: u32, width: usize) -> String {
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
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// `text` in rows of at most `width` characters, broken between words (a word longer than a
/// row is cut); at least one row.
pub(crate) fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = row.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            rows.push(word.drain(..width).collect());
        }
        if !row.is_empty() {
            row.push(' ');
        }
        row.extend(word);
    }
    rows.push(row);
    rows
}

/// One column as drawn: title, identity (for the sort marker) and the narrowest it may get
/// before columns are dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColSpec {
    pub(crate) title: &'static str,
    pub(crate) id: ColumnId,
    pub(crate) min: u16,
}

/// A pane's table: title, columns, the rows of the page window, selection.
pub(crate) struct TableView<'a> {
    pub(crate) title: String,
    pub(crate) columns: Vec<ColSpec>,
    /// Cells of each row with the row's own style (scope, role flash).
    pub(crate) rows: Vec<(Vec<Line<'a>>, Style)>,
    /// Index in `rows` of the selected row.
    pub(crate) selected: Option<usize>,
    pub(crate) sort: Sort,
    pub(crate) empty_text: String,
    /// Whether the last column takes only the room the others leave.
    pub(crate) flex_last: bool,
    /// The pane's stream health when it is not live, shown on the bottom border.
    pub(crate) banner: Option<(Severity, String)>,
}

/// Column widths that fit `avail` cells: each column as wide as its widest cell; when too wide,
/// the column furthest above its comfortable minimum gives up a cell first; then the rightmost
/// columns (never the first two) are dropped (width 0); then the rest shrink to 4 cells.
pub(crate) fn fit_widths(natural: &[u16], mins: &[u16], avail: u16, spacing: u16) -> Vec<u16> {
    let mut w: Vec<u16> = natural.to_vec();
    let total = |w: &[u16]| -> u32 {
        let shown = w.iter().filter(|x| **x > 0).count() as u32;
        w.iter().map(|x| u32::from(*x)).sum::<u32>() + shown.saturating_sub(1) * u32::from(spacing)
    };
    let shrink = |w: &mut Vec<u16>, floor: &dyn Fn(usize) -> u16| {
        while total(w) > u32::from(avail) {
            let Some(i) = (0..w.len())
                .filter(|i| w[*i] > floor(*i))
                .max_by_key(|i| (w[*i] - floor(*i), usize::MAX - *i))
            else {
                break;
            };
            w[i] -= 1;
        }
    };
    shrink(&mut w, &|i| mins[i].min(natural[i]));
    while total(&w) > u32::from(avail) {
        match w.iter().rposition(|x| *x > 0).filter(|last| *last >= 2) {
            Some(last) => w[last] = 0,
            None => break,
        }
    }
    shrink(&mut w, &|i| {
        if w_is_hidden(natural, i) {
            0
        } else {
            4.min(natural[i])
        }
    });
    w
}

/// Whether a column has nothing to show at all.
fn w_is_hidden(natural: &[u16], i: usize) -> bool {
    natural[i] == 0
}

/// The drawn columns of a pane: all of `cols` with their minimum widths, without NAMESPACE
/// when only one namespace shows.
pub(crate) fn col_specs<R>(cols: &[Column<R>], mins: &[u16], namespaces: bool) -> Vec<ColSpec> {
    cols.iter()
        .zip(mins)
        .filter(|(c, _)| namespaces || c.id != ColumnId::Namespace)
        .map(|(c, min)| ColSpec {
            title: c.title,
            id: c.id,
            min: *min,
        })
        .collect()
}

/// Draws a pane's table into `area`.
pub(crate) fn draw_table(f: &mut Frame, area: Rect, t: TableView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(t.title, theme.accent())));
    let block = match t.banner {
        Some((sev, text)) => block.title_bottom(Line::from(Span::styled(
            format!(" {} {text} ", sev.symbol()),
            sev.style(theme),
        ))),
        None => block,
    };
    let inner = block.inner(area);
    f.render_widget(block, area);
    let titles: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let marker = match (c.id == t.sort.column, t.sort.descending) {
                (true, false) => "↑",
                (true, true) => "↓",
                _ => "",
            };
            format!("{}{marker}", c.title)
        })
        .collect();
    let natural: Vec<u16> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let cells = t
                .rows
                .iter()
                .filter_map(|(cells, _)| cells.get(i))
                .map(Line::width)
                .max()
                .unwrap_or(0);
            u16::try_from(cells.max(title.chars().count())).unwrap_or(u16::MAX)
        })
        .collect();
    let mins: Vec<u16> = t.columns.iter().map(|c| c.min).collect();
    // The last column (free text such as REASON) only gets what the others leave.
    let last = natural.len().saturating_sub(1);
    let mut fitted = natural.clone();
    if t.flex_last && last > 0 {
        fitted[last] = mins[last].min(natural[last]);
    }
    let mut widths = fit_widths(&fitted, &mins, inner.width, 1);
    if t.flex_last && last > 0 && widths[last] > 0 {
        let used: u16 = widths
            .iter()
            .filter(|w| **w > 0)
            .map(|w| w + 1)
            .sum::<u16>()
            - 1;
        let spare = inner.width.saturating_sub(used);
        widths[last] = (widths[last] + spare).min(natural[last].max(widths[last]));
    }
    let shown: Vec<usize> = (0..widths.len()).filter(|i| widths[*i] > 0).collect();
    let header =
        Row::new(shown.iter().map(|i| Cell::from(titles[*i].clone()))).style(theme.accent());
    let constraints: Vec<Constraint> = shown
        .iter()
        .map(|i| Constraint::Length(widths[*i]))
        .collect();
    let empty = t.rows.is_empty();
    let rows: Vec<Row> =
        t.rows
            .into_iter()
            .enumerate()
            .map(|(n, (cells, style))| {
                let mut cells: Vec<Option<Line>> = cells.into_iter().map(Some).collect();
                let row = Row::new(shown.iter().map(|i| {
                    Cell::from(cells.get_mut(*i).and_then(Option::take).unwrap_or_default())
                }));
                if Some(n) == t.selected {
                    row.style(theme.selection())
                } else {
                    row.style(style)
                }
            })
            .collect();
    let table = Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
        .style(theme.text());
    f.render_widget(table, inner);
    if empty && inner.height > 1 {
        let msg = Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        };
        f.render_widget(Span::styled(t.empty_text, theme.muted()), msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(short_duration(TimeDelta::seconds(59)), "59s");
        assert_eq!(short_duration(TimeDelta::seconds(3 * 3600)), "3h");
        assert_eq!(long_duration(TimeDelta::seconds(45)), "45s");
        assert_eq!(long_duration(TimeDelta::seconds(72)), "1m12s");
        assert_eq!(long_duration(TimeDelta::seconds(7500)), "2h5m");
        assert_eq!(long_duration(TimeDelta::seconds(90_000)), "1d1h");
        assert_eq!(long_duration(TimeDelta::seconds(-3)), "0s");
        assert_eq!(size(Some(1_207_959_552)), "1.1Gi");
        assert_eq!(size(Some(48_329_216)), "46Mi");
        assert_eq!(progress_bar(1, 4, 4), "█░░░ 1/4");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(severity("Weird"), Severity::Unknown);
    }

    #[test]
    fn words_wrap_between_words() {
        assert_eq!(wrap_words("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap_words("abcdefg h", 3), ["abc", "def", "g h"]);
        assert_eq!(wrap_words("", 3), [""]);
        assert_eq!(wrap_words("a  b", 0), ["a", "b"]);
    }

    #[test]
    fn widths_shrink_widest_first_then_drop() {
        assert_eq!(fit_widths(&[5, 20, 3], &[3, 8, 3], 40, 1), [5, 20, 3]);
        assert_eq!(fit_widths(&[5, 20, 3], &[3, 8, 3], 20, 1), [5, 10, 3]);
        assert_eq!(fit_widths(&[5, 20, 3], &[3, 8, 3], 14, 1), [3, 8, 0]);
        assert_eq!(fit_widths(&[5, 20, 3], &[3, 8, 3], 10, 1), [3, 6, 0]);
    }
}
