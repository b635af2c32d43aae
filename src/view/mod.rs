//! Drawing the model. `view` reads the model and never changes it.

pub(crate) mod backups;
pub(crate) mod clusters;
mod contexts;
pub(crate) mod detail;
pub(crate) mod detail_events;
pub(crate) mod detail_sections;
pub(crate) mod evidence;
pub(crate) mod form;
pub(crate) mod header;
pub(crate) mod health;
pub mod help;
pub(crate) mod incident_timeline;
pub(crate) mod layout;
pub(crate) mod logs;
pub(crate) mod matches;
pub(crate) mod ops;
pub(crate) mod ops_menu;
pub(crate) mod pane;
pub(crate) mod pods;
pub(crate) mod text;
pub mod timeline;
pub(crate) mod triage;
pub(crate) mod wall;
pub(crate) mod widgets;

use ratatui::Frame;
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::state::model::{Model, Overlay, Pane};

/// Draws the whole screen, then makes every cell safe for the terminal and paints the theme's
/// background where nothing else did.
pub fn view(m: &Model, f: &mut Frame) {
    draw(m, f);
    let buf = f.buffer_mut();
    text::scrub(buf);
    if let Some(bg) = m.theme.background() {
        // Last, so that a cleared area (a form's) is painted too.
        for cell in &mut buf.content {
            if cell.bg == Color::Reset {
                cell.bg = bg;
            }
        }
    }
}

fn draw(m: &Model, f: &mut Frame) {
    let area = f.area();
    if m.wall.is_some() {
        wall::draw(f, m);
        return;
    }
    if layout::too_small(area) {
        let text = format!(
            "terminal too small: {}x{}, kbdash needs at least {}x{}",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        f.render_widget(
            Paragraph::new(Line::styled(text, m.theme.fg(m.theme.warn))).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let a = layout::areas(area);
    header::draw_header(f, a.header, m);
    header::draw_tabs(f, a.tabs, m);
    match &m.overlay {
        Overlay::Detail(d) => detail::draw(f, a.main, m, d),
        Overlay::Help { scroll } => help::draw(f, a.main, m, *scroll),
        Overlay::Triage { selected } => triage::draw(f, a.main, m, *selected),
        Overlay::Contexts { selected } => contexts::draw(f, a.main, m, *selected),
        Overlay::Logs => logs::draw(f, a.main, m),
        Overlay::Incidents(v) => incident_timeline::draw(f, a.main, m, v),
        Overlay::None => match m.focus {
            Pane::Clusters => clusters::draw(f, a.main, m),
            Pane::Pods => pods::draw(f, a.main, m),
            Pane::Ops => ops::draw(f, a.main, m),
            Pane::Backups => backups::draw(f, a.main, m),
        },
    }
    if let Some(modal) = &m.forms.modal {
        form::draw(f, a.main, m, modal);
    }
    header::draw_status(f, a.status, m);
}
