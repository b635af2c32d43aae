//! Wall mode: a screen read from across a room. A title with the clock, per-stream freshness,
//! a STALE banner when any stream has stopped delivering, the triage strip, and one tile per
//! cluster, worst first, paged every `cycle` seconds when they do not all fit; when they do,
//! the tiles grow to fill the screen and show the cluster's problems and pods.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::state::model::{Model, StreamState};
use crate::state::problem_index::ProblemIndex;
use crate::state::theme::Theme;
use crate::state::wall_layout::{self, grid};
use crate::view::text::{self, Cut, inert, inert_line};
use crate::view::triage::{self, count, problem_line, since_text};
use crate::view::widgets::{self, Severity};
use crate::view::{clusters, pane};
use kbdash_core::domain::triage::{Level, Problem};
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{ClusterRow, ObjKey, PodRow, primary_names};

/// Kinds whose staleness makes the tiles untrustworthy.
const TILE_KINDS: [Kind; 4] = [Kind::Cluster, Kind::Pod, Kind::OpsRequest, Kind::Backup];

/// The banner text for a stale screen.
pub(crate) fn stale_text(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match last {
        Some(t) => format!(
            "STALE: last update {} ({} min ago)",
            t.format("%H:%M:%S"),
            (now - t).num_minutes().max(0)
        ),
        None => "STALE: no update received yet".into(),
    }
}

/// The banner of a stale wall: since when its data is old; with several contexts, which are
/// stale and since when each (the others' tiles stay live).
fn stale_banner(m: &Model) -> Option<String> {
    if !m.multi_context() {
        return m.stale_since().map(|last| stale_text(last, m.now));
    }
    let stale: Vec<String> = m
        .shown
        .iter()
        .filter_map(|s| {
            let last = m.ctx_stale_since(s.ctx)?;
            Some(format!("{} {}", s.name, stale_text(last, m.now)))
        })
        .collect();
    (!stale.is_empty()).then(|| stale.join(" · "))
}
/// What the wall says where tiles would be when it has none: the clusters' stream is waiting
/// for the API server (and why it has not answered, when known), failing, or live with
/// nothing in the namespace. "No clusters" only once they were listed.
fn no_tiles_text(m: &Model) -> String {
    let ctx = m.shown.first().map(|s| s.ctx).unwrap_or_default();
    let listed = m.triage.last_seen.contains_key(&(ctx, Kind::Cluster));
    match m.streams.get(&(ctx, Kind::Cluster)) {
        Some(StreamState::Live) => format!(
            "no clusters in {}",
            m.namespace.as_deref().unwrap_or("any namespace")
        ),
        Some(StreamState::Forbidden(_) | StreamState::NotInstalled(_)) => {
            pane::empty_text(m, Kind::Cluster, m.store.clusters.len())
        }
        _ if !listed => {
            let waiting = format!(
                "waiting for {} since {}",
                m.the_server(ctx),
                m.watching_since.format("%H:%M")
            );
            match m.api_down.get(&ctx) {
                Some(down) => format!("{waiting}: {}", down.cause),
                None => waiting,
            }
        }
        _ => pane::empty_text(m, Kind::Cluster, m.store.clusters.len()),
    }
}

/// Draws the wall.
pub(crate) fn draw(f: &mut Frame, m: &Model) {
    let area = f.area();
    let theme = &m.theme;
    let stale = stale_banner(m);
    let found = &m.triage.problems;
    let (banner_h, strip_h) = wall_layout::heights(m, area.height);
    let [title, fresh, banner, strip, tiles] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(banner_h),
        Constraint::Length(strip_h),
        Constraint::Min(0),
    ])
    .areas(area);

    let n = m.store.clusters.len();
    let (cols, rows) = grid(tiles, n);
    let (page, pages) = wall_layout::page(m, cols, rows, n);
    let per_page = usize::from(cols) * usize::from(rows);

    draw_title(f, title, m, page, pages);
    draw_freshness(f, fresh, m);
    if let Some(last) = stale {
        let style = theme
            .fg(theme.error)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED);
        let text = last;
        let lines = if banner.height >= 3 {
            vec![Line::raw(""), Line::raw(text), Line::raw("")]
        } else {
            vec![Line::raw(text)]
        };
        f.render_widget(
            Paragraph::new(lines)
                .style(style)
                .alignment(ratatui::layout::Alignment::Center),
            banner,
        );
    }
    draw_strip(f, strip, m, found);

    let shown: Vec<&ClusterRow> = crate::state::triage::worst_first(m)
        .skip(page * per_page)
        .take(per_page)
        .collect();
    if shown.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled(
                format!(" {}", inert(&no_tiles_text(m))),
                theme.muted(),
            )),
            tiles,
        );
        return;
    }
    // The problems of the shown clusters, for tiles tall enough to list them.
    let inner_h = usize::from((tiles.height / rows).saturating_sub(2));
    let mut problems: HashMap<&ObjKey, Vec<&Problem>> = HashMap::new();
    if inner_h > BASE_LINES {
        let room = inner_h - BASE_LINES;
        let tile: HashMap<&ObjKey, ()> = shown.iter().map(|c| (&c.key, ())).collect();
        for (cluster, p) in crate::state::triage::by_cluster(m) {
            if let Some((key, ())) = tile.get_key_value(&cluster) {
                let list = problems.entry(*key).or_default();
                if list.len() < room {
                    list.push(p);
                }
            }
        }
    }
    let row_areas = Layout::vertical(vec![
        Constraint::Ratio(1, u32::from(rows));
        usize::from(rows)
    ])
    .split(tiles);
    for (r, chunk) in shown.chunks(usize::from(cols)).enumerate() {
        let Some(row_area) = row_areas.get(r) else {
            break;
        };
        let cells = Layout::horizontal(vec![
            Constraint::Ratio(1, u32::from(cols));
            usize::from(cols)
        ])
        .split(*row_area);
        for (c, cluster) in chunk.iter().enumerate() {
            if let Some(cell) = cells.get(c) {
                let found = problems.get(&cluster.key).map_or(&[][..], Vec::as_slice);
                let dim = TILE_KINDS.iter().any(|k| m.is_stale(cluster.key.ctx, *k));
                draw_tile(f, *cell, m, cluster, found, dim);
            }
        }
    }
}

fn draw_title(f: &mut Frame, area: Rect, m: &Model, page: usize, pages: usize) {
    let theme = &m.theme;
    let mut spans = vec![
        Span::styled(" kbdash wall ", theme.accent()),
        Span::styled(
            format!(" {} ", crate::view::header::contexts_text(m)),
            theme.text(),
        ),
        Span::styled(
            " READ-ONLY ",
            theme
                .fg(theme.warn)
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ),
        Span::styled(
            format!("  {} clusters", m.store.clusters.len()),
            theme.muted(),
        ),
    ];
    if pages > 1 {
        spans.push(Span::styled(
            format!("  page {}/{pages}", page + 1),
            theme.muted(),
        ));
    }
    let clock = m.now.format(" %H:%M:%S UTC ").to_string();
    let mut line = inert_line(Line::from(spans));
    let used = text::line_width(&line);
    line.spans.push(Span::raw(
        " ".repeat(usize::from(area.width).saturating_sub(used + clock.len())),
    ));
    line.spans.push(Span::styled(
        clock,
        theme.text().add_modifier(Modifier::BOLD),
    ));
    f.render_widget(Paragraph::new(line).style(theme.header()), area);
}

/// Each stream: live, or how long since it last delivered.
fn draw_freshness(f: &mut Frame, area: Rect, m: &Model) {
    let theme = &m.theme;
    let mut spans = vec![Span::raw(" ")];
    if m.streams.values().all(|s| *s == StreamState::Live) {
        spans.push(Span::styled(
            format!(
                "{} all {} streams live",
                Severity::Ok.symbol(),
                m.streams.len()
            ),
            Severity::Ok.style(theme),
        ));
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    // Failing streams first, so a narrow screen cuts off the healthy ones.
    let mut streams: Vec<_> = m.streams.iter().collect();
    streams.sort_by_key(|(_, s)| **s == StreamState::Live);
    for (i, ((ctx, kind), state)) in streams.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        let (sev, word) = match state {
            StreamState::Live => (Severity::Ok, "live".to_string()),
            StreamState::Pending | StreamState::Syncing { .. } => {
                (Severity::Progress, "syncing".to_string())
            }
            StreamState::Reconnecting { .. } => (
                Severity::Error,
                m.triage.last_seen.get(&(*ctx, *kind)).map_or_else(
                    || "no data".to_string(),
                    |t| format!("{} ago", widgets::short_duration(m.now - *t)),
                ),
            ),
            StreamState::Forbidden(_) => (Severity::Error, "forbidden".to_string()),
            StreamState::NotInstalled(_) => (Severity::Error, "not installed".to_string()),
        };
        let name = kind.info().kind_name;
        spans.push(Span::raw(match m.multi_context() {
            true => format!("{}/{name} ", m.context_name(*ctx)),
            false => format!("{name} "),
        }));
        spans.push(Span::styled(
            format!("{} {word}", sev.symbol()),
            sev.style(theme),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The problems worth a look from across the room: information is counted, not listed.
fn draw_strip(f: &mut Frame, area: Rect, m: &Model, found: &ProblemIndex) {
    let theme = &m.theme;
    let width = usize::from(area.width);
    let mut lines = Vec::new();
    let listed: Vec<&Problem> = found.iter().filter(|p| p.level != Level::Info).collect();
    let info = found.len() - listed.len();
    let info_note = if info > 0 {
        format!(" · {info} info")
    } else {
        String::new()
    };
    if listed.is_empty() {
        lines.push(Line::styled(
            format!(" {} nothing is broken{info_note}", Severity::Ok.symbol()),
            theme.fg(theme.ok),
        ));
    } else {
        if area.height > 1 {
            lines.push(Line::styled(
                format!(" Triage: {}{info_note}", count(listed.len(), "problem")),
                theme.accent(),
            ));
        }
        let room = usize::from(area.height).saturating_sub(lines.len());
        let more = listed.len().saturating_sub(room);
        let take = if more > 0 {
            room.saturating_sub(1)
        } else {
            room
        };
        // One order for the whole strip: what is wrong first as soon as one line is short.
        let short = listed
            .iter()
            .take(take)
            .any(|p| !fits(p, m, width.saturating_sub(1)));
        for p in listed.iter().take(take) {
            let mut line = if short {
                strip_line(p, m, width.saturating_sub(1))
            } else {
                problem_line(p, m.now, theme, width.saturating_sub(1))
            };
            line.spans.insert(0, Span::raw(" "));
            lines.push(line);
        }
        if more > 0 && room > 0 {
            lines.push(Line::styled(
                format!(" … and {} more", listed.len() - take),
                theme.muted(),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The level and since columns of a problem's line, as the triage view writes them.
fn level_and_since(p: &Problem, now: DateTime<Utc>) -> (String, String) {
    let sev = triage::severity(p.level);
    (
        format!("{} {:<5} ", sev.symbol(), p.level.word()),
        format!("{:<17} ", since_text(p.since, now)),
    )
}

/// Whether problem `p` fits in `width` cells as the triage view writes it, uncut.
fn fits(p: &Problem, m: &Model, width: usize) -> bool {
    let (level, since) = level_and_since(p, m.now);
    let subject = text::width(&inert(&p.subject));
    let reason = text::width(&inert(&p.reason));
    text::width(&level) + text::width(&since) + subject + " — ".chars().count() + reason <= width
}

/// One problem of a short strip in `width` cells: what is wrong comes before the object it is
/// about, whose name is cut in the middle, so a short line still says what is wrong.
fn strip_line(p: &Problem, m: &Model, width: usize) -> Line<'static> {
    let subject = inert(&p.subject);
    let reason = inert(&p.reason);
    let theme = &m.theme;
    let sev = triage::severity(p.level);
    let (level, since) = level_and_since(p, m.now);
    let avail = width.saturating_sub(text::width(&level) + text::width(&since));
    let (subject_w, reason_w) = (text::width(&subject), text::width(&reason));
    // The object keeps a third of the room (at least 12 cells) unless what is wrong leaves more.
    let sep = " · ";
    let sep_w = text::width(sep);
    let room_for = |w: usize| {
        w.min((avail / 3).max(12))
            .max(avail.saturating_sub(reason_w + sep_w))
    };
    // Cut, the object is told by its name alone: the reason says what kind of thing failed.
    let subject = match &p.object {
        Some(o) if subject_w > room_for(subject_w) => inert(&o.key.name),
        _ => subject,
    };
    let subject_room = room_for(text::width(&subject));
    let reason_room = avail.saturating_sub(subject_room + sep_w);
    Line::from(vec![
        Span::styled(level, sev.style(theme)),
        Span::styled(since, theme.muted()),
        Span::raw(text::cut(&reason, reason_room, Cut::End).into_owned()),
        Span::styled(sep, theme.muted()),
        Span::styled(
            text::cut(&subject, subject_room, Cut::Middle).into_owned(),
            theme.text().add_modifier(Modifier::BOLD),
        ),
    ])
}

/// Lines every tile shows: status, roles, readiness, last operation, PITR.
const BASE_LINES: usize = 5;

/// `namespace/name` in at most `max` cells: the name is cut (in the middle) only after the
/// namespace has been cut to a third of the room.
fn tile_title(key: &ObjKey, max: usize) -> String {
    let (ns, name) = (inert(&key.namespace), inert(&key.name));
    let (ns_w, name_w) = (text::width(&ns), text::width(&name));
    if ns_w + 1 + name_w <= max {
        return format!("{ns}/{name}");
    }
    let ns_room = ns_w.min((max / 3).max(max.saturating_sub(name_w + 1)));
    let name_room = max.saturating_sub(ns_room + 1);
    format!(
        "{}/{}",
        text::cut(&ns, ns_room, Cut::Middle),
        text::cut(&name, name_room, Cut::Middle)
    )
}

/// A pod of a tile: role symbol, name and status.
fn pod_line(p: &PodRow, m: &Model, width: usize) -> Line<'static> {
    let theme = &m.theme;
    let role = match p.role.as_str() {
        "primary" => Span::styled("★ ", theme.fg(theme.role_primary)),
        "secondary" => Span::styled("· ", theme.fg(theme.role_secondary)),
        "" => Span::styled("- ", theme.muted()),
        _ => Span::styled("? ", theme.fg(theme.warn)),
    };
    let status = crate::view::pods::status_span(p, theme);
    let room = width.saturating_sub(2 + 1 + text::width(&status.content));
    Line::from(vec![
        role,
        Span::raw(format!(
            "{} ",
            text::cut(&inert(&p.key.name), room, Cut::Middle)
        )),
        status,
    ])
}

/// One of the cluster's problems in a tile: what is wrong first (a tile is narrow), then the
/// object when it is not the cluster itself.
fn tile_problem(p: &Problem, theme: &Theme) -> Line<'static> {
    let sev = triage::severity(p.level);
    let about = match &p.object {
        Some(o) if o.kind != Kind::Cluster => {
            format!(" · {} {}", o.kind.info().kind_name, o.key.name)
        }
        _ => String::new(),
    };
    Line::from(vec![
        Span::styled(format!("{} ", sev.symbol()), sev.style(theme)),
        Span::raw(format!("{}{about}", p.reason)),
    ])
}

fn draw_tile(
    f: &mut Frame,
    area: Rect,
    m: &Model,
    c: &ClusterRow,
    problems: &[&Problem],
    dim: bool,
) {
    let theme = &m.theme;
    let pods: Vec<_> = m.store.cluster_pods(&c.key).collect();
    let ready = pods.iter().filter(|p| p.ready).count();
    let primaries = primary_names(&pods);
    let secondaries = pods.iter().filter(|p| p.role == "secondary").count();
    let (sev, _) = clusters::state(m, c, ready);
    let border = match sev {
        Severity::Error => theme.fg(theme.error),
        Severity::Warn | Severity::Unknown => theme.fg(theme.warn),
        _ => theme.border(false),
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    let inner_h = usize::from(area.height.saturating_sub(2));
    let roles = match primaries.as_slice() {
        [] if pods.is_empty() => Span::styled("no pods", theme.muted()),
        [] => Span::styled("✗ no primary", theme.fg(theme.error)),
        [one] => Span::styled(
            format!(
                "primary {}",
                text::cut(&inert(one), inner_w.saturating_sub(8), Cut::Middle)
            ),
            theme.fg(theme.role_primary),
        ),
        many => Span::styled(format!("! {} primaries", many.len()), theme.fg(theme.error)),
    };
    let ready_style = if c.desired > 0 && ready as u32 >= c.desired {
        theme.text()
    } else {
        theme.fg(theme.warn)
    };
    let last_op = m.store.last_op(&c.key).map_or_else(
        || Line::styled("no ops", theme.muted()),
        |o| {
            Line::from(vec![
                Span::raw(
                    text::cut(&inert(&o.op_type), inner_w.saturating_sub(12), Cut::End)
                        .into_owned(),
                ),
                Span::raw(" "),
                crate::view::ops::phase_span(o, theme),
            ])
        },
    );
    // The same verdict as triage and the Clusters pane.
    let pitr = match m.store.continuous_backup(&c.key) {
        Some(b) => Line::from(vec![
            Span::styled("PITR ", theme.muted()),
            crate::view::backups::archiving_cell(m, &crate::view::backups::archiving(m, b)),
        ]),
        None => Line::styled("PITR -", theme.muted()),
    };
    let mut title = tile_title(&c.key, inner_w.saturating_sub(2));
    if m.multi_context() {
        // Which context the cluster is in, and whether that context is stale, since when.
        let stale = match m.ctx_stale_since(c.key.ctx) {
            Some(Some(t)) => format!(" STALE since {}", t.format("%H:%M")),
            Some(None) => " STALE".to_string(),
            None => String::new(),
        };
        let name = inert(m.context_name(c.key.ctx));
        let ctx = text::cut(&name, inner_w / 3, Cut::Middle);
        title = format!("{ctx}:{title}{stale}");
    }
    let mut lines = vec![
        Line::from(
            clusters::status(m, c, ready)
                .patch_style(Style::default().add_modifier(Modifier::BOLD)),
        ),
        Line::from(roles),
        Line::from(vec![
            Span::styled(format!("ready {ready}/{}", c.desired), ready_style),
            // Once scraped, the database's figures say more than the count of secondaries,
            // which READY and the primary line already imply.
            Span::styled(
                crate::view::health::tile_words(m, c).map_or_else(
                    || format!(" · {secondaries} secondary"),
                    |words| format!(" · {words}"),
                ),
                theme.muted(),
            ),
        ]),
        last_op,
        pitr,
    ];
    // A taller tile: what triage says about the cluster, then its pods, primary first (at
    // least half of the room, when it has that many).
    let room = inner_h.saturating_sub(lines.len());
    let for_problems = room.saturating_sub(pods.len().min(room / 2));
    lines.extend(
        problems
            .iter()
            .take(for_problems)
            .map(|p| tile_problem(p, theme)),
    );
    let room = inner_h.saturating_sub(lines.len());
    if room > 0 && !pods.is_empty() {
        let mut pods = pods.clone();
        pods.sort_by_key(|p| (!p.is_primary(), p.key.name.clone()));
        lines.extend(pods.iter().take(room).map(|p| pod_line(p, m, inner_w)));
    }
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| text::fit_line(inert_line(l), inner_w, Cut::End))
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {title} "), theme.accent()));
    let mut para = Paragraph::new(lines).block(block);
    if dim {
        para = para.style(Style::default().add_modifier(Modifier::DIM));
    }
    f.render_widget(para, area);
}
