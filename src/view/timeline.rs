//! The PITR timeline of one cluster: the continuous backup's range as a bar, full backups as
//! markers, the recoverable window highlighted, "now" and the chosen time marked, and how far
//! the range's end lags behind now. The lag is information (an idle database uploads no WAL);
//! only triage's verdict on the archiver (`domain::archive`), when given, flags a fault.
//!
//! Pure rendering from plain inputs ([`TimelineInput`]) with a theme-agnostic
//! [`TimelineStyle`]. The chosen time (the cursor) is the restore form's: it moves with
//! `RestoreInput::nudge_time`, clamped to the window.
//!
//! Rows, top to bottom (as many as the area has, at most four):
//! ```text
//!                                        ▼
//! ─────────◆━━━━━━━━━━━━━━━━━━━━◆━━━━━━━━━━━━━━     │
//! 06-02 08:05                                  now 06-04 12:00
//! window 06-03 02:01:10 ~ 06-03 10:14:52 UTC · at 06-03 09:30:00 · end 1d1h behind now
//! ```

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

use crate::state::theme::Theme;
use crate::view::widgets::{is_future, long_duration};
use kbdash_core::domain::archive::Archiving;
use kbdash_core::domain::pitr::{BackupFacts, BackupKind, recoverable_window};

/// Styles of the timeline's parts, so the widget needs no theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimelineStyle {
    /// Status line text.
    pub(crate) text: Style,
    /// Axis labels and time outside the continuous range.
    pub(crate) muted: Style,
    /// The continuous range outside the window.
    pub(crate) range: Style,
    /// The recoverable window.
    pub(crate) window: Style,
    /// Full backup markers.
    pub(crate) base: Style,
    /// The "now" mark.
    pub(crate) now: Style,
    /// The chosen time's mark.
    pub(crate) cursor: Style,
    /// A fault: the archiver down or the backup failed, or why there is no window.
    pub(crate) stalled: Style,
}

impl TimelineStyle {
    /// Styles from a colour theme (which honours `NO_COLOR`).
    pub(crate) fn from_theme(theme: &Theme) -> TimelineStyle {
        TimelineStyle {
            text: theme.text(),
            muted: theme.muted(),
            range: theme.muted(),
            window: theme.fg(theme.ok).add_modifier(Modifier::BOLD),
            base: theme.accent().add_modifier(Modifier::BOLD),
            now: theme.fg(theme.warn),
            cursor: theme.accent().add_modifier(Modifier::BOLD),
            stalled: theme.fg(theme.error).add_modifier(Modifier::BOLD),
        }
    }
}

/// What the timeline shows, as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineInput {
    /// The continuous backup's `[timeRange.start, timeRange.end]`, if usable.
    pub(crate) range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The recoverable window, if there is one.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// End times of the cluster's Completed full (or incremental) backups.
    pub full_backups: Vec<DateTime<Utc>>,
    /// Current time.
    pub(crate) now: DateTime<Utc>,
    /// The chosen restore time (the cursor), if any.
    pub(crate) chosen: Option<DateTime<Utc>>,
    /// Triage's verdict on the archiver, when known: a fault is flagged.
    pub(crate) archiving: Option<Archiving>,
    /// Why there is no window (shown in place of it), e.g. the PITR error.
    pub(crate) note: Option<String>,
}

impl TimelineInput {
    /// The timeline of a continuous backup among the backups of its namespace.
    pub fn from_backups(
        continuous: &BackupFacts,
        backups: &[BackupFacts],
        now: DateTime<Utc>,
        chosen: Option<DateTime<Utc>>,
    ) -> TimelineInput {
        let window = recoverable_window(continuous, backups);
        let full_backups = backups
            .iter()
            .filter(|b| {
                b.kind.can_be_base()
                    && b.phase == "Completed"
                    && b.namespace == continuous.namespace
                    && b.cluster == continuous.cluster
            })
            .filter_map(BackupFacts::end_time)
            .collect();
        TimelineInput {
            range: (continuous.kind == BackupKind::Continuous)
                .then(|| continuous.valid_range())
                .flatten(),
            window: window.as_ref().ok().map(|w| (w.start, w.end)),
            full_backups,
            now,
            chosen,
            archiving: None,
            note: window.err().map(|e| e.to_string()),
        }
    }

    /// The same, with triage's verdict on the archiver.
    pub fn with_archiving(self, archiving: Archiving) -> TimelineInput {
        TimelineInput {
            archiving: Some(archiving),
            ..self
        }
    }

    /// The axis: from the range's start (else the earliest full backup) to now (or the
    /// range's end if it lies in the future).
    pub(crate) fn axis(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self
            .range
            .map(|r| r.0)
            .or_else(|| self.full_backups.iter().min().copied())
            .unwrap_or(self.now)
            .min(self.now);
        let end = self.range.map_or(self.now, |r| r.1.max(self.now));
        (start, end)
    }
}

/// How far the continuous range's end is behind now (zero when it is ahead).
pub(crate) fn end_lag(end: DateTime<Utc>, now: DateTime<Utc>) -> TimeDelta {
    (now - end).max(TimeDelta::zero())
}

/// The column of `t` on an axis `[a0, a1]` drawn over `width` columns; `None` outside it.
pub(crate) fn column(
    t: DateTime<Utc>,
    axis: (DateTime<Utc>, DateTime<Utc>),
    width: u16,
) -> Option<u16> {
    let (a0, a1) = axis;
    if width == 0 || t < a0 || t > a1 {
        return None;
    }
    let span = (a1 - a0).num_seconds();
    if span <= 0 {
        return Some(width - 1);
    }
    let offset = (t - a0).num_seconds();
    let col = i128::from(offset) * i128::from(width - 1) / i128::from(span);
    u16::try_from(col).ok()
}

/// The timeline widget.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    input: &'a TimelineInput,
    style: TimelineStyle,
}

impl<'a> Timeline<'a> {
    /// A timeline of `input` drawn with `style`.
    pub fn new(input: &'a TimelineInput, style: TimelineStyle) -> Timeline<'a> {
        Timeline { input, style }
    }

    /// The status line's parts: the window, the chosen time, the end's lag, and a fault of the
    /// archiver. When `compact`, times are shorter and a fault comes first, so narrow areas
    /// still show it.
    fn status(&self, compact: bool) -> Vec<(String, Style)> {
        let i = self.input;
        let s = &self.style;
        // The year only when it is not now's: a window ending in 9999 must not read as this
        // year's 31 December.
        let at = |t: DateTime<Utc>, compact: bool| {
            let f = match (t.year() == i.now.year(), compact) {
                (true, true) => "%H:%M:%S",
                (true, false) => "%m-%d %H:%M:%S",
                (false, _) => "%Y-%m-%d %H:%M:%S",
            };
            t.format(f).to_string()
        };
        let window = match (i.window, &i.note) {
            (Some((a, b)), _) if compact => {
                (format!("win {}~{}", at(a, true), at(b, true)), s.window)
            }
            (Some((a, b)), _) => (
                format!("window {} ~ {} UTC", at(a, false), at(b, false)),
                s.window,
            ),
            (None, Some(note)) => (note.clone(), s.stalled),
            (None, None) => ("no recoverable window".to_string(), s.muted),
        };
        let chosen = i
            .chosen
            .map(|t| (format!(" · at {}", at(t, compact)), s.cursor));
        // An end ahead of the clock never lags, so no stall could show: say so instead of
        // "0s behind".
        // Triage's verdict first: a time it does not believe leaves no lag to show.
        let lag = match &i.archiving {
            Some(Archiving::Future {
                field: "time range end",
                at,
            }) => Some(Err(*at)),
            _ => i.range.map(|(_, end)| {
                if is_future(end, i.now) {
                    Err(end)
                } else {
                    Ok(end_lag(end, i.now))
                }
            }),
        };
        let fault = i
            .archiving
            .as_ref()
            .filter(|a| a.is_fault())
            .map(|a| a.describe(i.now));
        let mut parts = Vec::new();
        if compact {
            match (&fault, lag) {
                (Some(_), _) => parts.push(("⚠ archiver · ".to_string(), s.stalled)),
                (None, Some(Ok(lag))) => {
                    parts.push((format!("lag {} · ", long_duration(lag)), s.text));
                }
                (None, Some(Err(_))) => parts.push(("⚠ end in future · ".to_string(), s.stalled)),
                (None, None) => {}
            }
            parts.push(window);
            parts.extend(chosen);
            return parts;
        }
        parts.push(window);
        parts.extend(chosen);
        match lag {
            Some(Ok(lag)) => {
                parts.push((format!(" · end {} behind now", long_duration(lag)), s.text));
            }
            Some(Err(end)) => parts.push((
                format!(" ⚠ end {} UTC is in the future", at(end, false)),
                s.stalled,
            )),
            None => {}
        }
        if let Some(fault) = fault {
            parts.push((format!(" ⚠ {fault}"), s.stalled));
        }
        parts
    }
}

impl Widget for Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let i = self.input;
        let s = self.style;
        let w = area.width;
        let axis = i.axis();
        let col = |t: DateTime<Utc>| column(t, axis, w);
        let rows: Vec<u16> = (0..area.height.min(4)).map(|r| area.y + r).collect();
        let (cursor_row, bar_row, label_row, status_row) = match rows.as_slice() {
            [a, b, c, d] => (Some(*a), *b, Some(*c), Some(*d)),
            [a, b, c] => (Some(*a), *b, Some(*c), None),
            [a, b] => (Some(*a), *b, None, None),
            [a] => (None, *a, None, None),
            _ => return,
        };

        if i.range.is_none() && i.full_backups.is_empty() {
            buf.set_stringn(
                area.x,
                bar_row,
                "no continuous backup",
                usize::from(w),
                s.muted,
            );
            return;
        }

        // The bar: the column's time is its left edge; later kinds draw over earlier ones.
        let per_col = |x: u16| {
            let span = (axis.1 - axis.0).num_seconds();
            axis.0 + TimeDelta::seconds(span * i64::from(x) / i64::from(w.max(2) - 1))
        };
        for x in 0..w {
            let t = per_col(x);
            let inside = |r: Option<(DateTime<Utc>, DateTime<Utc>)>| {
                r.is_some_and(|(a, b)| t >= a && t <= b)
                    || r.is_some_and(|(a, b)| col(a) == Some(x) || col(b) == Some(x))
            };
            let (ch, style) = if inside(i.window) {
                ("━", s.window)
            } else if inside(i.range) {
                ("─", s.range)
            } else {
                ("·", s.muted)
            };
            buf.set_string(area.x + x, bar_row, ch, style);
        }
        if let Some(x) = col(i.now) {
            buf.set_string(area.x + x, bar_row, "│", s.now);
        }
        for x in i.full_backups.iter().filter_map(|t| col(*t)) {
            buf.set_string(area.x + x, bar_row, "◆", s.base);
        }
        if let (Some(row), Some(x)) = (cursor_row, i.chosen.and_then(col)) {
            buf.set_string(area.x + x, row, "▼", s.cursor);
        }

        if let Some(row) = label_row {
            let left = axis.0.format("%m-%d %H:%M").to_string();
            let right = format!("now {}", i.now.format("%m-%d %H:%M"));
            buf.set_stringn(area.x, row, &left, usize::from(w), s.muted);
            let right_len = u16::try_from(right.chars().count()).unwrap_or(u16::MAX);
            let left_len = u16::try_from(left.chars().count()).unwrap_or(u16::MAX);
            if right_len.saturating_add(left_len).saturating_add(1) <= w {
                buf.set_string(area.x + w - right_len, row, &right, s.now);
            }
        }

        if let Some(row) = status_row {
            let mut x = area.x;
            let end = area.x + w;
            let width = |parts: &[(String, Style)]| -> usize {
                parts.iter().map(|(t, _)| t.chars().count()).sum()
            };
            let full = self.status(false);
            let parts = if width(&full) <= usize::from(w) {
                full
            } else {
                self.status(true)
            };
            for (text, style) in parts {
                if x >= end {
                    break;
                }
                let (nx, _) = buf.set_stringn(x, row, &text, usize::from(end - x), style);
                x = nx;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn lag_is_never_negative() {
        let end = t("2025-06-03T10:00:00Z");
        assert_eq!(
            end_lag(end, end + TimeDelta::seconds(120)),
            TimeDelta::seconds(120)
        );
        assert_eq!(end_lag(end, end - TimeDelta::seconds(5)), TimeDelta::zero());
    }

    #[test]
    fn columns_map_the_axis_ends_to_the_edges() {
        let axis = (t("2025-06-03T00:00:00Z"), t("2025-06-03T10:00:00Z"));
        assert_eq!(column(axis.0, axis, 11), Some(0));
        assert_eq!(column(axis.1, axis, 11), Some(10));
        assert_eq!(column(t("2025-06-03T05:00:00Z"), axis, 11), Some(5));
        assert_eq!(column(t("2025-06-04T00:00:00Z"), axis, 11), None);
        assert_eq!(column(axis.0, axis, 0), None);
        assert_eq!(column(axis.0, (axis.0, axis.0), 4), Some(3));
    }

    #[test]
    fn an_end_in_the_future_is_flagged_with_its_year_not_as_no_lag() {
        let now = t("2025-06-04T12:00:00Z");
        let start = t("2025-06-02T08:05:31Z");
        let end = t("9999-12-31T23:59:59Z");
        let input = TimelineInput {
            range: Some((start, end)),
            window: Some((start, end)),
            full_backups: Vec::new(),
            now,
            chosen: None,
            archiving: None,
            note: None,
        };
        let timeline = Timeline::new(&input, TimelineStyle::default());
        let text = |compact| -> String {
            timeline
                .status(compact)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        };
        assert_eq!(
            text(false),
            "window 06-02 08:05:31 ~ 9999-12-31 23:59:59 UTC ⚠ end 9999-12-31 23:59:59 UTC is in the future"
        );
        assert_eq!(
            text(true),
            "⚠ end in future · win 08:05:31~9999-12-31 23:59:59"
        );
    }
}
