//! Screen geometry shared by `view` and `update` (which needs the page height for scrolling).

use ratatui::layout::{Constraint, Layout, Rect};

/// Smallest terminal the layout works in.
pub const MIN_WIDTH: u16 = 40;
/// Smallest terminal the layout works in.
pub const MIN_HEIGHT: u16 = 10;

/// Rows around the table body: header, tabs, status line, two borders and the column header.
const CHROME_ROWS: u16 = 6;

/// Number of table rows visible at `size` (columns, rows).
pub fn table_rows(size: (u16, u16)) -> u16 {
    size.1.saturating_sub(CHROME_ROWS).max(1)
}

/// Whether the terminal is too small for the layout.
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The screen's parts: header, tab bar, main area, status line.
pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub main: Rect,
    pub status: Rect,
}

/// Splits the screen.
pub fn areas(area: Rect) -> Areas {
    let [header, tabs, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        tabs,
        main,
        status,
    }
}
