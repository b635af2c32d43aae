//! The wall's layout as far as the model decides it: the heights above the tiles, the grid of
//! tiles and which page shows. The view draws with it, and `update` reads it to know which
//! clusters have a tile on screen (their health is scraped, no others').

use ratatui::layout::Rect;

use crate::state::model::Model;
use kbdash_core::domain::triage::Level;
use kbdash_core::rows::ObjKey;

/// Width a tile needs; tiles share the row's slack.
const TILE_WIDTH: u16 = 34;
/// Height a tile needs: borders and five lines.
const TILE_HEIGHT: u16 = 7;
/// Height beyond which a taller tile shows nothing more (its problems and pods fit), so a grid
/// is not chosen for it.
const TILE_USEFUL_HEIGHT: u16 = 3 * TILE_HEIGHT;
/// The grid of tiles for `n` clusters in `area`: (columns, rows). When they do not all fit,
/// as many of the smallest tiles as fit (the wall pages through them); when they do, the grid
/// whose tiles are largest, so that a few clusters fill a large screen.
pub(crate) fn grid(area: Rect, n: usize) -> (u16, u16) {
    let most = (
        (area.width / TILE_WIDTH).max(1),
        (area.height / TILE_HEIGHT).max(1),
    );
    if n == 0 || n > usize::from(most.0) * usize::from(most.1) {
        return most;
    }
    // How much larger than the smallest tile a grid's tiles are, in both directions, and how
    // many of its places stay empty.
    let score = |cols: u16| {
        let rows = u16::try_from(n.div_ceil(usize::from(cols))).unwrap_or(u16::MAX);
        let w = u32::from(area.width / cols) * 1000 / u32::from(TILE_WIDTH);
        let h =
            u32::from((area.height / rows).min(TILE_USEFUL_HEIGHT)) * 1000 / u32::from(TILE_HEIGHT);
        let empty = usize::from(cols) * usize::from(rows) - n;
        (rows, w.min(h), empty)
    };
    (1..=most.0)
        .map(|cols| (cols, score(cols)))
        .filter(|(_, (rows, _, _))| *rows <= most.1)
        .max_by_key(|(cols, (_, scale, empty))| (*scale, usize::MAX - *empty, *cols))
        .map_or(most, |(cols, (rows, _, _))| (cols, rows))
}

/// Rows of the title and the freshness line above the banner.
const TOP_ROWS: u16 = 2;

/// The heights of the STALE banner and the triage strip on a screen `height` rows tall.
pub(crate) fn heights(m: &Model, height: u16) -> (u16, u16) {
    let banner = u16::from(m.stale_since().is_some()) * if height >= 30 { 3 } else { 1 };
    let strip = if height < 12 {
        1
    } else {
        let max = (height / 5).max(2);
        let listed = m
            .triage
            .problems
            .iter()
            .filter(|p| p.level != Level::Info)
            .count();
        u16::try_from(listed).unwrap_or(u16::MAX).clamp(1, max) + 1
    };
    (banner, strip)
}

/// The page shown of `n` clusters in a grid of `cols` × `rows`, and how many pages there are.
pub(crate) fn page(m: &Model, cols: u16, rows: u16, n: usize) -> (usize, usize) {
    let per_page = (usize::from(cols) * usize::from(rows)).max(1);
    let pages = n.div_ceil(per_page).max(1);
    (m.wall.as_ref().map_or(0, |w| w.page % pages), pages)
}

/// The clusters whose tiles the wall shows now, on the model's terminal size.
pub(crate) fn shown(m: &Model) -> Vec<ObjKey> {
    let (width, height) = m.size;
    let (banner, strip) = heights(m, height);
    let tiles = Rect::new(
        0,
        0,
        width,
        height.saturating_sub(TOP_ROWS + banner + strip),
    );
    let n = m.store.clusters.len();
    let (cols, rows) = grid(tiles, n);
    let (page, _) = page(m, cols, rows, n);
    let per_page = usize::from(cols) * usize::from(rows);
    crate::state::triage::worst_first(m)
        .skip(page * per_page)
        .take(per_page)
        .map(|c| c.key.clone())
        .collect()
}
