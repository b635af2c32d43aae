//! Text as it reaches the terminal: characters that draw nothing or steer the terminal are
//! written out as escapes, widths are counted the way cells are drawn, and text too wide for its
//! place is cut with an ellipsis (in the middle for names, so that both ends stay visible).
//!
//! A terminal advances its cursor by the width of each code point, while ratatui lays a
//! grapheme out by the width of the whole cluster. Where the two disagree (a zero-width joiner
//! between emoji, a variation selector, a byte-order mark) everything right of the cell moves
//! and rows lose their right border. [`inert`] makes such text visible before it is laid out;
//! [`scrub`] is the last pass over the drawn frame, so no cell of any widget can disagree.

use std::borrow::Cow;
use std::fmt::Write as _;

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;

/// Code points that draw nothing a reader can see but are not controls: format characters (the
/// zero-width space, joiners, direction marks and overrides, the byte-order mark, invisible
/// operators), variation selectors, line and paragraph separators, fillers, and the other
/// default-ignorable code points of Unicode's DerivedCoreProperties.
const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1345F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` steers the terminal or draws nothing a reader can see.
pub(crate) fn invisible(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    let n = u32::from(c);
    n >= 0xAD
        && INVISIBLE
            .binary_search_by(|(lo, hi)| {
                if n < *lo {
                    std::cmp::Ordering::Greater
                } else if n > *hi {
                    std::cmp::Ordering::Less
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// Whether `s` is printable ASCII only: the common case, which needs no work.
fn plain(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Cells grapheme `g` takes as ratatui lays it out: none for one holding a control, which it
/// leaves out.
fn grapheme_width(g: &str) -> usize {
    if g.chars().any(char::is_control) {
        0
    } else {
        usize::from(g.cell_width())
    }
}

/// Whether the terminal (code point by code point) and the layout (grapheme by grapheme) agree
/// on the width of grapheme `g`.
fn agrees(g: &str) -> bool {
    let each: usize = g.chars().map(|c| c.width().unwrap_or(0)).sum();
    each == grapheme_width(g)
}

/// `c` as a YAML double-quoted escape: `\x1B`, `\u200D`, `\U000E0001`.
fn escape(out: &mut String, c: char) {
    let n = u32::from(c);
    // Writing to a String cannot fail.
    let _ = match n {
        0..=0xFF => write!(out, "\\x{n:02X}"),
        0x100..=0xFFFF => write!(out, "\\u{n:04X}"),
        _ => write!(out, "\\U{n:08X}"),
    };
}

/// `s` as it may reach a cell: tabs and line breaks as spaces, every other invisible character
/// as its escape (`\u200D` for a zero-width joiner, as the YAML view writes a byte-order mark),
/// and a grapheme whose width the terminal would count differently than the layout (an emoji
/// with a skin tone) as its first character and escapes for the rest. Borrowed when nothing
/// changes, which is every printable ASCII string.
pub(crate) fn inert(s: &str) -> Cow<'_, str> {
    if plain(s) || (!s.chars().any(invisible) && s.graphemes(true).all(agrees)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for g in s.graphemes(true) {
        let keep_whole = !g.chars().any(invisible) && agrees(g);
        for (i, c) in g.chars().enumerate() {
            match c {
                '\t' | '\n' | '\r' => out.push(' '),
                c if invisible(c) || (i > 0 && !keep_whole) => escape(&mut out, c),
                c => out.push(c),
            }
        }
    }
    Cow::Owned(out)
}

/// [`inert`] of a span's text, keeping what it borrows.
fn inert_cow(text: Cow<'_, str>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => inert(s),
        Cow::Owned(s) => match inert(&s) {
            Cow::Borrowed(_) => Cow::Owned(s),
            Cow::Owned(clean) => Cow::Owned(clean),
        },
    }
}

/// `line` with every span [`inert`].
pub(crate) fn inert_line(line: Line<'_>) -> Line<'_> {
    let Line {
        spans,
        style,
        alignment,
    } = line;
    Line {
        spans: spans
            .into_iter()
            .map(|s| Span {
                content: inert_cow(s.content),
                style: s.style,
            })
            .collect(),
        style,
        alignment,
    }
}

/// Cells `s` takes when drawn (inert text: no controls).
pub(crate) fn width(s: &str) -> usize {
    if plain(s) {
        s.len()
    } else {
        s.graphemes(true).map(grapheme_width).sum()
    }
}

/// Cells `line` takes when drawn.
pub(crate) fn line_width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|s| width(&s.content)).sum()
}

/// Where text too wide for its place is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// At the end: `VerticalSc…`.
    End,
    /// In the middle, for names whose ends both matter: `pg-clu…esql-0`.
    Middle,
}

/// The first graphemes of `s` that fit in `max` cells, and their width.
fn head(s: &str, max: usize) -> (&str, usize) {
    let mut used = 0;
    let mut end = 0;
    for (i, g) in s.grapheme_indices(true) {
        let w = grapheme_width(g);
        if used + w > max {
            break;
        }
        used += w;
        end = i + g.len();
    }
    (&s[..end], used)
}

/// The last graphemes of `s` that fit in `max` cells.
fn tail(s: &str, max: usize) -> &str {
    let mut used = 0;
    let mut start = s.len();
    for (i, g) in s.grapheme_indices(true).rev() {
        let w = grapheme_width(g);
        if used + w > max {
            break;
        }
        used += w;
        start = i;
    }
    &s[start..]
}

/// `s` cut to `max` cells with `…` where it was cut; borrowed when it fits.
pub(crate) fn cut(s: &str, max: usize, how: Cut) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let room = max - 1;
    match how {
        // Too narrow for both ends to say anything.
        Cut::Middle if room >= 4 => {
            let (front, used) = head(s, room.div_ceil(2));
            let back = tail(s, room - used);
            Cow::Owned(format!("{front}…{back}"))
        }
        _ => Cow::Owned(format!("{}…", head(s, room).0)),
    }
}

/// `s` cut to `max` cells so that what is at byte `at` (where it differs from a name it would
/// otherwise read the same as) shows: its start, `…`, and the rest from `at`, itself cut at
/// the end when the room is short.
pub(crate) fn cut_showing(s: &str, max: usize, at: usize) -> String {
    let at = (0..=at.min(s.len()))
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    let rest = &s[at..];
    let rest_w = width(rest);
    if max < 3 {
        return cut(s, max, Cut::End).into_owned();
    }
    if rest_w + 2 <= max {
        return format!("{}…{rest}", head(s, max - 1 - rest_w).0);
    }
    let front = (max / 4).max(1);
    format!(
        "{}…{}",
        head(s, front).0,
        cut(rest, max - 1 - front, Cut::End)
    )
}

/// `line` cut to `max` cells: a single span as `how` says; several at the end, except that the
/// last span, a cell's verdict (`VerticalScaling ✗ Failed`), is kept whole while it takes at
/// most half of the room and what comes before it is cut instead (`Vertical… ✗ Failed`).
pub(crate) fn fit_line(line: Line<'_>, max: usize, how: Cut) -> Line<'_> {
    if line_width(&line) <= max {
        return line;
    }
    let Line {
        mut spans,
        style,
        alignment,
    } = line;
    let last_w = spans.last().map_or(0, |s| width(&s.content));
    if spans.len() > 1 && last_w * 2 <= max {
        let verdict = spans.pop();
        let before = fit_line(Line::from(spans), max - last_w - 1, Cut::End);
        let mut spans = before.spans;
        spans.push(Span::raw(" "));
        spans.extend(verdict);
        return Line {
            spans,
            style,
            alignment,
        };
    }
    let how = if spans.len() == 1 { how } else { Cut::End };
    let mut out = Vec::with_capacity(spans.len());
    let mut left = max;
    for span in spans {
        let w = width(&span.content);
        // Kept whole only with room after it: a span that fills the rest hides those after it,
        // which the ellipsis must say.
        if w < left {
            left -= w;
            out.push(span);
            continue;
        }
        let content = match how {
            Cut::Middle => cut(&span.content, left, how).into_owned(),
            Cut::End if left == 0 => String::new(),
            Cut::End => format!("{}…", head(&span.content, left - 1).0),
        };
        out.push(Span {
            content: Cow::Owned(content),
            style: span.style,
        });
        break;
    }
    Line {
        spans: out,
        style,
        alignment,
    }
}

/// `line` broken into lines of at most `max` cells, styles kept: after a space where it can,
/// inside a word where it must, with no space left at either end of a break. Unlike ratatui's
/// own wrapping, a wide character never hangs past the last cell.
pub(crate) fn wrap_line(line: Line<'_>, max: usize) -> Vec<Line<'static>> {
    let max = max.max(1);
    let graphemes: Vec<(&str, Style, usize)> = line
        .spans
        .iter()
        .flat_map(|span| {
            span.content
                .graphemes(true)
                .map(move |g| (g, span.style, grapheme_width(g)))
        })
        .filter(|(_, _, w)| *w > 0)
        .collect();
    let mut rows: Vec<Vec<(&str, Style, usize)>> = Vec::new();
    let mut row: Vec<(&str, Style, usize)> = Vec::new();
    let mut used = 0;
    // Where the row may be broken: just after its last space.
    let mut after_space: Option<usize> = None;
    for (g, style, w) in graphemes {
        if used + w > max && !row.is_empty() {
            let rest = match after_space {
                Some(i) if i < row.len() => row.split_off(i),
                Some(_) => Vec::new(),
                None => Vec::new(),
            };
            while row.last().is_some_and(|(g, _, _)| *g == " ") {
                row.pop();
            }
            rows.push(std::mem::replace(&mut row, rest));
            used = row.iter().map(|(_, _, w)| w).sum();
            after_space = None;
        }
        if g == " " && row.is_empty() && !rows.is_empty() {
            continue;
        }
        row.push((g, style, w));
        used += w;
        if g == " " {
            after_space = Some(row.len());
        }
    }
    rows.push(row);
    rows.into_iter()
        .map(|row| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            for (g, style, _) in row {
                match spans.last_mut() {
                    Some(last) if last.style == style => last.content.to_mut().push_str(g),
                    _ => spans.push(Span::styled(g.to_string(), style)),
                }
            }
            Line::from(spans).style(line.style)
        })
        .collect()
}

/// The last pass over a drawn frame: a cell whose symbol holds an invisible character, or whose
/// width the terminal would count differently than the layout did, keeps only its first visible
/// character (a space if none). Cells are otherwise left alone; printable ASCII costs one
/// comparison.
pub(crate) fn scrub(buf: &mut Buffer) {
    for cell in &mut buf.content {
        let symbol = cell.symbol();
        if symbol.len() == 1 {
            continue;
        }
        let mut chars = symbol.chars();
        let first = chars.next();
        let single = chars.next().is_none();
        let fine = match first {
            Some(c) if single => !invisible(c),
            _ => !symbol.chars().any(invisible) && agrees(symbol),
        };
        if !fine {
            let kept = symbol
                .chars()
                .find(|c| !invisible(*c) && c.width().unwrap_or(0) > 0)
                .unwrap_or(' ');
            cell.set_char(kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_escaped() {
        assert_eq!(inert("pg-cluster"), Cow::Borrowed("pg-cluster"));
        assert_eq!(inert("a\u{200D}b"), "a\\u200Db");
        assert_eq!(inert("\u{FEFF}name"), "\\uFEFFname");
        assert_eq!(inert("\u{1b}[2J"), "\\x1B[2J");
        assert_eq!(inert("two\nlines\tand tab"), "two lines and tab");
        assert_eq!(inert("\u{E0001}x"), "\\U000E0001x");
        assert_eq!(inert("\u{202E}evil"), "\\u202Eevil");
        // Wide and combining characters are text, not hostile.
        assert!(matches!(inert("数据"), Cow::Borrowed(_)));
        assert!(matches!(inert("e\u{301}"), Cow::Borrowed(_)));
    }

    #[test]
    fn graphemes_the_terminal_counts_differently_are_split() {
        let thumbs = inert("\u{1F44D}\u{1F3FD}");
        assert!(thumbs.starts_with('\u{1F44D}'), "{thumbs}");
        assert!(thumbs.ends_with("\\U0001F3FD"), "{thumbs}");
    }

    #[test]
    fn names_are_cut_in_the_middle() {
        let a = format!("{}a", "x".repeat(62));
        let b = format!("{}b", "x".repeat(62));
        assert_ne!(cut(&a, 20, Cut::Middle), cut(&b, 20, Cut::Middle));
        assert_eq!(
            cut("pg-cluster-postgresql-0", 12, Cut::Middle),
            "pg-clu…sql-0"
        );
        assert_eq!(cut("pg-cluster-postgresql-0", 12, Cut::End), "pg-cluster-…");
        assert_eq!(cut("short", 12, Cut::Middle), "short");
        assert_eq!(cut("abcdef", 4, Cut::Middle), "abc…");
        assert_eq!(cut("abc", 0, Cut::End), "");
        assert_eq!(width(&cut("数据数据数据", 5, Cut::End)), 5);
        assert_eq!(width(&cut("数据数据数据", 6, Cut::Middle)), 5);
    }

    #[test]
    fn names_differing_in_the_middle_are_cut_where_they_differ() {
        let a = format!("orders-db-{}a-postgresql-0", "x".repeat(52));
        let at = a.find("a-postgresql").unwrap();
        assert_eq!(cut_showing(&a, 20, at), "order…a-postgresql-0");
        assert_eq!(cut_showing(&a, 10, at), "or…a-post…");
        assert_eq!(width(&cut_showing(&a, 10, at)), 10);
    }

    #[test]
    fn lines_are_cut_span_by_span() {
        let line = Line::from(vec![Span::raw("Restore "), Span::raw("↻ Running")]);
        let cut = fit_line(line.clone(), 12, Cut::Middle);
        assert_eq!(line_width(&cut), 12);
        assert_eq!(cut.spans[1].content, "↻ R…");
        // The verdict at the end stays whole while it takes half of the room or less.
        let line = Line::from(vec![Span::raw("VerticalScaling "), Span::raw("✗ Failed")]);
        let cut = fit_line(line, 17, Cut::Middle);
        assert_eq!(line_width(&cut), 17);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "Vertica… ✗ Failed");
    }

    #[test]
    fn styled_lines_wrap_within_the_width() {
        let line = Line::from(vec![
            Span::styled("Status ", Style::new().bold()),
            Span::raw("数据数据数据 and a-very-long-word"),
        ]);
        let rows = wrap_line(line, 9);
        let texts: Vec<String> = rows
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert_eq!(
            texts,
            ["Status", "数据数据", "数据 and", "a-very-lo", "ng-word"]
        );
        assert!(rows.iter().all(|l| line_width(l) <= 9));
        assert_eq!(rows[0].spans[0].style, Style::new().bold());
        assert_eq!(wrap_line(Line::raw(""), 9).len(), 1);
    }
}
