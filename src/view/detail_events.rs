//! The detail view's Events section, newest first: type, reason, count, first and last seen,
//! source, object and message, Warnings standing out; and the role probe reports kbagent's
//! `roleProbe` Events brought, below a cluster's role history.

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::state::model::Model;
use crate::view::detail::heading;
use crate::view::widgets;
use kbdash_core::domain::role_probe::{self, ROLE_PROBE_REASON, RoleProbe};
use kbdash_core::rows::{EventRow, ObjKey, ObjRef};

/// Events shown at most: the newest; the count of the others is said.
const SHOWN: usize = 50;

/// The Events section of `target`'s detail.
pub(crate) fn section(m: &Model, target: &ObjRef, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    let Some(events) = m
        .object_events
        .as_ref()
        .filter(|e| e.target.as_ref() == Some(target))
    else {
        return;
    };
    out.push(Line::raw(""));
    out.push(heading(t, "Events (newest first)"));
    if let Some(error) = &events.error {
        out.push(Line::styled(format!("  ! {error}"), t.fg(t.warn)));
    }
    let rows = events.newest_first();
    if rows.is_empty() {
        let text = if events.is_listed() {
            "  none (the API server keeps events one hour)"
        } else {
            "  listing…"
        };
        out.push(Line::styled(text, t.muted()));
        return;
    }
    for e in rows.iter().take(SHOWN) {
        event_lines(m, e, out);
    }
    if rows.len() > SHOWN {
        out.push(Line::styled(
            format!("  … {} older", rows.len() - SHOWN),
            t.muted(),
        ));
    }
}

/// One event: a line of its facts, then its message.
pub(crate) fn event_lines(m: &Model, e: &EventRow, out: &mut Vec<Line<'static>>) {
    let t = &m.theme;
    let (mark, style) = if e.is_warning() {
        ("⚠", t.fg(t.error).add_modifier(Modifier::BOLD))
    } else {
        (" ", t.text())
    };
    let seen = |time: Option<chrono::DateTime<chrono::Utc>>| {
        time.map_or_else(|| "-".to_string(), |time| widgets::when(time, m.now))
    };
    let count = if e.count > 1 {
        format!("×{}", e.count)
    } else {
        String::new()
    };
    out.push(Line::from(vec![
        Span::styled(format!("  {mark} {:<7} {:<22}", e.type_, e.reason), style),
        Span::raw(format!(" {count:>5}  ")),
        Span::styled(
            format!(
                "first {} · last {}  {} · {}/{}",
                seen(e.first),
                seen(e.last),
                or_dash(&e.source),
                e.object_kind,
                e.object_name
            ),
            t.muted(),
        ),
    ]));
    let message = message_text(e);
    if !message.is_empty() {
        let style = if e.is_warning() {
            t.fg(t.warn)
        } else {
            t.text()
        };
        out.push(Line::styled(format!("      {message}"), style));
    }
}

/// The message as shown: kbagent's role probe JSON read out, else as it came.
fn message_text(e: &EventRow) -> String {
    if e.reason == ROLE_PROBE_REASON
        && let Some(probe) = role_probe::parse(&e.message)
    {
        return probe.to_string();
    }
    e.message.clone()
}

/// kbagent's role probe reports for `cluster`, newest first, as seen on its pods' Events
/// while a detail of it was open.
pub(crate) fn role_probes(m: &Model, cluster: &ObjKey, out: &mut Vec<Line<'static>>) {
    let Some(reports) = m.store.roles.probes.get(cluster).filter(|r| !r.is_empty()) else {
        return;
    };
    let t = &m.theme;
    out.push(Line::styled("  kbagent role probe reports:", t.muted()));
    for r in reports.iter().rev() {
        let style = match r.probe {
            RoleProbe::Failed { .. } => t.fg(t.error),
            RoleProbe::Role(_) => t.text(),
        };
        out.push(Line::styled(
            format!(
                "  {}  {}  {}",
                r.at.format("%Y-%m-%d %H:%M:%S"),
                r.pod,
                r.probe
            ),
            style,
        ));
    }
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}
