//! Snapshots of the PITR timeline on a TestBackend, from the reference fixtures (window
//! 2025-06-03T02:01:10Z ~ 2025-06-03T10:14:52Z), at two widths. The cursor's keyboard steps
//! are the restore form's (`RestoreInput::nudge_time`, tested with the form in kbdash-core).

use chrono::{DateTime, Utc};
use kbdash::view::timeline::{Timeline, TimelineInput, TimelineStyle};
use kbdash_core::domain::archive::Archiving;
use kbdash_core::forms::examples::fixture_restore_context;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The fixture cluster's timeline at `now`, cursor at 09:30.
fn input(now: &str) -> TimelineInput {
    let ctx = fixture_restore_context(true).unwrap();
    TimelineInput::from_backups(
        &ctx.backup,
        &ctx.backups,
        t(now),
        Some(t("2025-06-03T09:30:00Z")),
    )
}

fn draw(input: &TimelineInput, width: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, 4)).unwrap();
    terminal
        .draw(|f| f.render_widget(Timeline::new(input, TimelineStyle::default()), f.area()))
        .unwrap();
    text(terminal.backend().buffer())
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let row: String = (0..area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            row.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn timeline_with_live_end() {
    // Two minutes after the end: still advancing.
    let input = input("2025-06-03T10:16:52Z");
    for width in [60, 100] {
        insta::assert_snapshot!(format!("live_{width}"), draw(&input, width));
    }
}

#[test]
fn timeline_with_stalled_end() {
    // A day after the end, and nothing says the archiver failed: an idle database. The lag is
    // shown, no flag.
    let input = input("2025-06-04T12:00:00Z");
    for width in [60, 100] {
        let drawn = draw(&input, width);
        insta::assert_snapshot!(format!("stalled_{width}"), drawn);
        assert!(!drawn.contains('⚠'), "{drawn}");
    }
}

#[test]
fn a_downed_archiver_is_flagged() {
    let down = input("2025-06-04T12:00:00Z").with_archiving(Archiving::Down {
        end: Some(t("2025-06-03T10:14:52Z")),
    });
    let wide = draw(&down, 220);
    assert!(
        wide.contains("⚠ WAL archiver down: Running(AvailablePods: 0), recoverable up to"),
        "{wide}"
    );
    assert!(
        draw(&down, 60).contains("⚠ archiver"),
        "narrow areas say it first"
    );
    let quiet = input("2025-06-04T12:00:00Z").with_archiving(Archiving::Quiet {
        end: t("2025-06-03T10:14:52Z"),
    });
    assert!(!draw(&quiet, 160).contains('⚠'));
}

#[test]
fn timeline_without_a_window_says_why() {
    let ctx = fixture_restore_context(true).unwrap();
    let only_continuous: Vec<_> = ctx
        .backups
        .iter()
        .filter(|b| b.name == ctx.backup.name)
        .cloned()
        .collect();
    let input = TimelineInput::from_backups(
        &ctx.backup,
        &only_continuous,
        t("2025-06-03T10:15:00Z"),
        None,
    );
    assert_eq!(input.window, None);
    let drawn = draw(&input, 100);
    assert!(
        drawn.contains("no Completed full or incremental backup of cluster pg-cluster"),
        "{drawn}"
    );
    assert!(!drawn.contains('━') && !drawn.contains('▼'), "{drawn}");
}
