//! The screen's parts. How many table rows they leave is the model's to know
//! ([`crate::state::model::Model::table_rows`]): `update` pages by it.

use ratatui::layout::{Constraint, Layout, Rect};

/// Smallest terminal the layout works in.
pub(crate) const MIN_WIDTH: u16 = 40;
/// Smallest terminal the layout works in.
pub(crate) const MIN_HEIGHT: u16 = 10;

/// Whether the terminal is too small for the layout.
pub(crate) fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The screen's parts: header, tab bar, main area, status line.
pub(crate) struct Areas {
    pub(crate) header: Rect,
    pub(crate) tabs: Rect,
    pub(crate) main: Rect,
    pub(crate) status: Rect,
}

/// Splits the screen.
pub(crate) fn areas(area: Rect) -> Areas {
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
