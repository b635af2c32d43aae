//! Small pieces the panes share: status words with symbols, ages, durations, sizes, progress
//! bars, and the table drawing.

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::state::columns::{Column, ColumnId};
use crate::state::table::Sort;
use crate::state::theme::Theme;
use crate::view::text::{Cut, cut, cut_showing, fit_line, inert, inert_line, line_width};

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

/// A kubectl-style age: 45s, 12m, 5h, 3d; `future` for a time ahead of the clock.
pub(crate) fn age(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    since.map_or_else(
        || "-".to_string(),
        |t| {
            if is_future(t, now) {
                "future".to_string()
            } else {
                short_duration(now - t)
            }
        },
    )
}

/// [`age`] as a cell: a time ahead of the clock (an object dated in year 9999) is a warning,
/// not an age.
pub(crate) fn age_span(
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    theme: &Theme,
) -> Span<'static> {
    match since {
        Some(t) if is_future(t, now) => {
            let sev = Severity::Warn;
            Span::styled(format!("{} future", sev.symbol()), sev.style(theme))
        }
        _ => Span::raw(age(since, now)),
    }
}

/// How long ago `t` was, in words: `3d ago`, or `in the future`.
pub(crate) fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if is_future(t, now) {
        "in the future".to_string()
    } else {
        format!("{} ago", short_duration(now - t))
    }
}

/// Whether `t` is ahead of the clock by more than the skew between two machines' clocks.
pub(crate) fn is_future(t: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    t - now > TimeDelta::minutes(1)
}

/// A time in UTC as short as it can be told apart: `10:14:52` within the last day, `06-03
/// 10:14` earlier this year, `2024-06-03 10:14` in another year (a time in 9999 must not read
/// as this year's 31 December, nor a future one as earlier today).
pub(crate) fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if !is_future(t, now) && now - t < TimeDelta::hours(24) {
        t.format("%H:%M:%S").to_string()
    } else if t.year() == now.year() {
        t.format("%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A time in UTC with seconds, the year only when it is not `now`'s: `06-03 10:14:52`,
/// `9999-12-31 23:59:59`.
pub(crate) fn stamp(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t.year() == now.year() {
        t.format("%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// ` (future)` after a time ahead of the clock, else nothing.
pub(crate) fn future_mark(t: DateTime<Utc>, now: DateTime<Utc>) -> &'static str {
    if is_future(t, now) { " (future)" } else { "" }
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

/// The minimum width of a column shown whole or not at all: dropped rather than cut.
pub(crate) const UNCUT: u16 = u16::MAX;

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

/// One column as drawn: title, identity (for the sort marker), the narrowest it may get before
/// columns are dropped, what it is worth when some must go, and where its values are cut.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColSpec {
    pub(crate) title: &'static str,
    pub(crate) id: ColumnId,
    pub(crate) min: u16,
    pub(crate) worth: u8,
    pub(crate) cut: Cut,
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
/// the column furthest above its comfortable minimum gives up a cell first; when that is not
/// enough, the column worth least is dropped (width 0) and the others get their room back;
/// when only columns that are never dropped are left, they shrink to 4 cells.
pub(crate) fn fit_widths(
    natural: &[u16],
    mins: &[u16],
    worth: &[u8],
    avail: u16,
    spacing: u16,
) -> Vec<u16> {
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
    let mut dropped = vec![false; natural.len()];
    loop {
        let mut w: Vec<u16> = natural
            .iter()
            .zip(&dropped)
            .map(|(n, d)| if *d { 0 } else { *n })
            .collect();
        shrink(&mut w, &|i| mins[i].min(natural[i]));
        if total(&w) <= u32::from(avail) {
            return w;
        }
        let least = (0..w.len())
            .filter(|i| w[*i] > 0 && worth[*i] < u8::MAX)
            .min_by_key(|i| (worth[*i], usize::MAX - *i));
        match least {
            Some(i) => dropped[i] = true,
            None => {
                shrink(&mut w, &|i| 4.min(natural[i]));
                return w;
            }
        }
    }
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
            worth: c.id.worth(),
            cut: if c.id.holds_names() {
                Cut::Middle
            } else {
                Cut::End
            },
        })
        .collect()
}

/// Cuts the names of column `col` that are wider than `width`, so that names which would read
/// the same once cut in the middle (two pods whose long cluster names differ only in the part
/// cut away) show where they differ instead.
fn keep_apart(rows: &mut [(Vec<Line>, Style)], col: usize, width: usize) {
    let name = |cells: &Vec<Line>| match cells.get(col).map(|l| l.spans.as_slice()) {
        Some([only]) if crate::view::text::width(&only.content) > width => {
            Some(only.content.to_string())
        }
        _ => None,
    };
    let names: Vec<Option<String>> = rows.iter().map(|(cells, _)| name(cells)).collect();
    if names.iter().flatten().count() < 2 {
        return;
    }
    let cuts: Vec<Option<String>> = names
        .iter()
        .map(|n| {
            n.as_deref()
                .map(|n| cut(n, width, Cut::Middle).into_owned())
        })
        .collect();
    for (i, (cells, _)) in rows.iter_mut().enumerate() {
        let (Some(mine), Some(my_cut)) = (&names[i], &cuts[i]) else {
            continue;
        };
        // Where it parts from the most alike of the names it would be mistaken for.
        let differs = names
            .iter()
            .zip(&cuts)
            .filter_map(|(n, c)| Some((n.as_deref()?, c.as_deref()?)))
            .filter(|(n, c)| c == my_cut && n != mine)
            .map(|(n, _)| common_prefix(mine, n))
            .max();
        if let (Some(at), Some(cell)) = (differs, cells.get_mut(col)) {
            let style = cell.spans.first().map(|s| s.style).unwrap_or_default();
            *cell = Line::from(Span::styled(cut_showing(mine, width, at), style));
        }
    }
}

/// Bytes `a` and `b` share at their start, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

/// Draws a pane's table into `area`: every cell made inert and cut to its column's width.
pub(crate) fn draw_table(f: &mut Frame, area: Rect, t: TableView, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(
            inert(&t.title).into_owned(),
            theme.accent(),
        )));
    let block = match t.banner {
        Some((sev, text)) => block.title_bottom(Line::from(Span::styled(
            format!(" {} {} ", sev.symbol(), inert(&text)),
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
    let rows: Vec<(Vec<Line>, Style)> = t
        .rows
        .into_iter()
        .map(|(cells, style)| (cells.into_iter().map(inert_line).collect(), style))
        .collect();
    let natural: Vec<u16> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let cells = rows
                .iter()
                .filter_map(|(cells, _)| cells.get(i))
                .map(line_width)
                .max()
                .unwrap_or(0);
            u16::try_from(cells.max(title.chars().count())).unwrap_or(u16::MAX)
        })
        .collect();
    let mins: Vec<u16> = t.columns.iter().map(|c| c.min).collect();
    let worth: Vec<u8> = t.columns.iter().map(|c| c.worth).collect();
    // The last column (free text such as REASON) only gets what the others leave.
    let last = natural.len().saturating_sub(1);
    let mut fitted = natural.clone();
    if t.flex_last && last > 0 {
        fitted[last] = mins[last].min(natural[last]);
    }
    let mut widths = fit_widths(&fitted, &mins, &worth, inner.width, 1);
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
    let mut rows = rows;
    for (i, c) in t.columns.iter().enumerate() {
        if c.cut == Cut::Middle && widths[i] > 0 {
            keep_apart(&mut rows, i, usize::from(widths[i]));
        }
    }
    let shown: Vec<usize> = (0..widths.len()).filter(|i| widths[*i] > 0).collect();
    let header = Row::new(
        shown
            .iter()
            .map(|i| Cell::from(cut(&titles[*i], usize::from(widths[*i]), Cut::End).into_owned())),
    )
    .style(theme.accent());
    let constraints: Vec<Constraint> = shown
        .iter()
        .map(|i| Constraint::Length(widths[*i]))
        .collect();
    let empty = rows.is_empty();
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(n, (cells, style))| {
            let mut cells: Vec<Option<Line>> = cells.into_iter().map(Some).collect();
            let row = Row::new(shown.iter().map(|i| {
                let line = cells.get_mut(*i).and_then(Option::take).unwrap_or_default();
                let how = t.columns.get(*i).map_or(Cut::End, |c| c.cut);
                Cell::from(fit_line(line, usize::from(widths[*i]), how))
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
        f.render_widget(
            Span::styled(inert(&t.empty_text).into_owned(), theme.muted()),
            msg,
        );
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
    fn times_say_their_year_unless_it_is_this_one() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = at("2025-06-05T09:00:00Z");
        assert_eq!(when(at("2025-06-05T08:15:00Z"), now), "08:15:00");
        assert_eq!(when(at("2025-06-04T14:00:11Z"), now), "14:00:11");
        assert_eq!(when(at("2025-06-03T10:14:52Z"), now), "06-03 10:14");
        assert_eq!(when(at("2024-06-03T10:14:52Z"), now), "2024-06-03 10:14");
        assert_eq!(when(at("9999-12-31T23:59:59Z"), now), "9999-12-31 23:59");
        // Later today is not "earlier today".
        assert_eq!(when(at("2025-06-05T23:59:59Z"), now), "06-05 23:59");
        assert_eq!(stamp(at("2025-06-03T10:14:52Z"), now), "06-03 10:14:52");
        assert_eq!(
            stamp(at("9999-12-31T23:59:59Z"), now),
            "9999-12-31 23:59:59"
        );
        assert_eq!(age(Some(at("9999-12-31T23:59:59Z")), now), "future");
        assert_eq!(ago(at("2025-06-05T08:15:00Z"), now), "45m ago");
        assert_eq!(ago(at("9999-12-31T23:59:59Z"), now), "in the future");
        // Clocks of two machines differ by a few seconds: that is not the future.
        assert_eq!(future_mark(at("2025-06-05T09:00:30Z"), now), "");
        assert_eq!(future_mark(at("2025-06-05T09:05:00Z"), now), " (future)");
    }

    #[test]
    fn widths_shrink_widest_first_then_drop_the_least_worth() {
        let worth = [5, u8::MAX, 3];
        assert_eq!(
            fit_widths(&[5, 20, 3], &[3, 8, 3], &worth, 40, 1),
            [5, 20, 3]
        );
        assert_eq!(
            fit_widths(&[5, 20, 3], &[3, 8, 3], &worth, 20, 1),
            [5, 10, 3]
        );
        assert_eq!(
            fit_widths(&[5, 20, 3], &[3, 8, 3], &worth, 14, 1),
            [4, 9, 0]
        );
        assert_eq!(
            fit_widths(&[5, 20, 3], &[3, 8, 3], &worth, 10, 1),
            [0, 10, 0]
        );
        assert_eq!(fit_widths(&[5, 20, 3], &[3, 8, 3], &worth, 3, 1), [0, 4, 0]);
    }

    #[test]
    fn a_dropped_column_gives_the_others_their_room_back() {
        // NAMESPACE (worth 0) goes before STATUS, and NAME regains its natural width.
        let worth = [0, u8::MAX, 9];
        assert_eq!(
            fit_widths(&[9, 20, 10], &[9, 12, 10], &worth, 31, 1),
            [0, 20, 10]
        );
    }
}
