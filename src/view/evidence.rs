//! Triage's evidence on top of the detail opened from a problem: what is wrong, the component's
//! message, the Warning events kept about the object (beyond the API server's TTL), the last
//! lines of the container that matters, and the key of the usual remedy (not in read-only
//! mode).

use ratatui::text::{Line, Span};

use crate::state::model::Model;
use crate::view::detail::heading;
use crate::view::detail_events::event_lines;
use kbdash_core::domain::evidence::LogPod;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::{EventRow, ObjRef};

/// Warning events shown at most.
const WARNINGS_SHOWN: usize = 5;

/// The evidence section of `target`'s detail, when it was opened from a problem.
pub(crate) fn section(m: &Model, target: &ObjRef, out: &mut Vec<Line<'static>>) {
    let Some(e) = m.evidence.as_ref().filter(|e| e.object == *target) else {
        return;
    };
    let t = &m.theme;
    out.push(heading(t, "Evidence (from triage)"));
    out.push(Line::styled(format!("  ✗ {}", e.reason), t.fg(t.error)));
    if let Some(c) = e.cluster.as_ref().and_then(|c| m.store.clusters.get(c)) {
        let message = c.failure_messages();
        if !message.is_empty() {
            out.push(Line::from(vec![
                Span::styled("  component message  ", t.muted()),
                Span::raw(message),
            ]));
        }
    }
    let mut warnings: Vec<&EventRow> = match (&e.cluster, target.kind) {
        (Some(c), Kind::Cluster) => m.store.cluster_warnings(c).collect(),
        (Some(c), _) => m
            .store
            .cluster_warnings(c)
            .filter(|w| w.object_name == target.key.name)
            .collect(),
        (None, _) => Vec::new(),
    };
    warnings.sort_by_key(|w| std::cmp::Reverse(w.seen()));
    out.push(Line::styled(
        format!("  Warning events kept: {}", warnings.len()),
        t.muted(),
    ));
    for w in warnings.iter().take(WARNINGS_SHOWN) {
        event_lines(m, w, out);
    }
    if let Some((plan, lines)) = &e.log {
        let pod = match &plan.pod {
            LogPod::Named(name) => name.clone(),
            LogPod::BackupJob(backup) => format!("the job pod of {backup}"),
        };
        let previous = if plan.previous {
            " (previous, crashed instance)"
        } else {
            ""
        };
        out.push(Line::styled(
            format!("  last lines of {pod} / {}{previous}:", plan.container),
            t.muted(),
        ));
        match lines {
            None => out.push(Line::styled("    loading…", t.muted())),
            Some(Err(why)) => out.push(Line::styled(format!("    ! {why}"), t.fg(t.warn))),
            Some(Ok(lines)) if lines.is_empty() => {
                out.push(Line::styled("    (empty)", t.muted()));
            }
            Some(Ok(lines)) => {
                for l in lines {
                    out.push(Line::raw(format!("    │ {l}")));
                }
            }
        }
    }
    // Not offered where the problem's own context is read-only (another may not be).
    let readonly = e
        .cluster
        .as_ref()
        .map_or(m.readonly, |c| m.readonly_in(c.ctx));
    if let Some(op) = e.remedy.filter(|_| !readonly) {
        out.push(Line::styled(
            format!("  f: open the {} form, prefilled", op.title()),
            t.accent(),
        ));
    }
    out.push(Line::raw(""));
}
