//! `/`, `n` and `N` in the detail view: searching its YAML, the view scrolled to the match
//! (matches are highlighted where it is drawn).

use crate::state::model::{Input, InputKind, Model, Overlay};
use crate::state::search::{self, Search};

/// `/`: the search line, starting from the last query; in the facts, where nothing is
/// searched, what to do instead.
pub(super) fn open(m: &mut Model) {
    match &m.overlay {
        Overlay::Detail(d) if d.yaml => {
            let text = d
                .search
                .as_ref()
                .map(|s| s.query.clone())
                .unwrap_or_default();
            m.input = Some(Input {
                kind: InputKind::Search,
                text,
            });
        }
        _ => super::notify(m, "/ searches the YAML: y shows it".into()),
    }
}

/// The YAML lines of the open detail and the detail itself.
fn detail_and_lines(m: &mut Model) -> Option<(&mut crate::state::model::Detail, &[String])> {
    let Overlay::Detail(d) = &mut m.overlay else {
        return None;
    };
    let lines = match &m.raw {
        Some((target, lines)) if *target == d.target => lines.as_slice(),
        _ => &[],
    };
    Some((d, lines))
}

/// Enter on the search line: the first match from the top of the view on; an empty query
/// ends the search.
pub(super) fn run(m: &mut Model, query: &str) {
    let Some((d, lines)) = detail_and_lines(m) else {
        return;
    };
    if query.is_empty() {
        d.search = None;
        return;
    }
    let matches = search::matching_lines(lines, query);
    let line = search::step(&matches, d.scroll, 1);
    d.search = Some(Search {
        query: query.to_string(),
        line,
    });
    let said = go_to(d, &matches, line, query);
    super::notify(m, said);
}

/// `n` (`step` 1) and `N` (-1): the next or previous match, wrapping around.
pub(super) fn step(m: &mut Model, step: i8) {
    let Some((d, lines)) = detail_and_lines(m) else {
        return;
    };
    let Some(s) = &d.search else {
        super::notify(m, "no search: / searches the YAML".into());
        return;
    };
    let query = s.query.clone();
    let matches = search::matching_lines(lines, &query);
    let from = match (s.line, step >= 0) {
        (Some(line), true) => line + 1,
        (Some(line), false) => line,
        (None, _) => d.scroll,
    };
    let line = search::step(&matches, from, step);
    d.search = Some(Search {
        query: query.clone(),
        line,
    });
    let said = go_to(d, &matches, line, &query);
    super::notify(m, said);
}

/// Scrolls the view to `line`, the match found; says which match it is, or that none is.
fn go_to(
    d: &mut crate::state::model::Detail,
    matches: &[usize],
    line: Option<usize>,
    query: &str,
) -> String {
    match line {
        Some(line) => {
            d.scroll = line;
            let nth = matches.iter().position(|l| *l == line).unwrap_or(0) + 1;
            format!(
                "/{query}: match {nth} of {} (line {}; n next, N previous)",
                matches.len(),
                line + 1
            )
        }
        None => format!("/{query}: no match"),
    }
}
