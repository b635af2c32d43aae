//! The theme loader on good and bad files, and NO_COLOR.

use kbdash::state::theme::{Theme, ThemeError};
use ratatui::style::{Color, Modifier, Style};

fn file_with(text: &str) -> tempfile_like::Temp {
    tempfile_like::Temp::new(text)
}

/// A file in the target directory, removed on drop (no extra crate needed).
mod tempfile_like {
    use std::path::PathBuf;

    pub struct Temp(pub PathBuf);

    impl Temp {
        pub fn new(text: &str) -> Temp {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!("kbdash-theme-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("t{}.yaml", N.fetch_add(1, Ordering::SeqCst)));
            std::fs::write(&path, text).unwrap();
            Temp(path)
        }
        pub fn path(&self) -> String {
            self.0.display().to_string()
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn builtin_themes_load_by_name_and_differ() {
    let dark = Theme::load("default").unwrap();
    let light = Theme::load("light").unwrap();
    let hc = Theme::load("high-contrast").unwrap();
    assert_eq!(dark, Theme::default());
    assert_ne!(dark.text, light.text);
    assert_eq!(hc.error, Color::Rgb(0xff, 0x30, 0x30));
}

#[test]
fn a_file_overrides_some_keys_and_keeps_the_rest() {
    let f = file_with("# mine\nok: green\nselection: '#102030'\n");
    let t = Theme::load(&f.path()).unwrap();
    assert_eq!(t.ok, Color::Green);
    assert_eq!(t.selection, Color::Rgb(0x10, 0x20, 0x30));
    assert_eq!(t.error, Theme::default().error);
    assert_eq!(t.name, f.path());
}

#[test]
fn unknown_key_names_file_and_line() {
    let f = file_with("ok: green\n\nborder_colour: red\n");
    let err = Theme::load(&f.path()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ThemeError::Invalid { .. }));
    assert!(text.starts_with(&f.path()), "{text}");
    assert!(text.contains("border_colour"), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

#[test]
fn bad_colour_names_file_and_line() {
    let f = file_with("ok: green\nwarn: '#12345'\n");
    let text = Theme::load(&f.path()).unwrap_err().to_string();
    assert!(text.contains("bad colour \"#12345\""), "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn missing_file_is_a_clear_error() {
    let err = Theme::load("/nonexistent/theme.yaml").unwrap_err();
    assert!(matches!(err, ThemeError::NotFound(..)));
    assert!(err.to_string().contains("default, light, high-contrast"));
}

#[test]
fn no_color_drops_colours_but_keeps_emphasis() {
    assert!(Theme::no_color_requested(Some("1")));
    assert!(!Theme::no_color_requested(Some("")));
    assert!(!Theme::no_color_requested(None));
    let t = Theme::default().with_no_color(true);
    assert_eq!(t.fg(t.error), Style::default());
    assert!(t.selection().add_modifier.contains(Modifier::REVERSED));
    assert_eq!(t.selection().bg, None);
}

/// A colour as the terminal most likely shows it; the named ANSI colours as xterm draws them.
fn rgb(c: Color) -> (u8, u8, u8) {
    match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Black => (0, 0, 0),
        Color::White => (255, 255, 255),
        Color::Gray => (0xe5, 0xe5, 0xe5),
        Color::DarkGray => (0x7f, 0x7f, 0x7f),
        Color::Blue => (0, 0, 0xee),
        Color::Magenta => (0xcd, 0, 0xcd),
        other => panic!("no RGB for {other:?}"),
    }
}

/// WCAG's contrast ratio of two colours (1 to 21).
fn contrast(a: Color, b: Color) -> f64 {
    let luminance = |c: Color| {
        let (r, g, b) = rgb(c);
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn light_theme_text_is_readable_on_white_and_on_the_header() {
    let t = Theme::load("light").unwrap();
    let white = Color::Rgb(255, 255, 255);
    for (name, fg) in [
        ("text", t.text),
        ("muted", t.muted),
        ("accent", t.accent),
        ("ok", t.ok),
        ("warn", t.warn),
        ("error", t.error),
        ("role_primary", t.role_primary),
        ("role_secondary", t.role_secondary),
    ] {
        for (bg_name, bg) in [("white", white), ("header", t.header)] {
            let ratio = contrast(fg, bg);
            assert!(ratio >= 4.5, "{name} on {bg_name}: {ratio:.2}:1");
        }
    }
    assert!(contrast(t.selection_text, t.selection) >= 4.5);
}

#[test]
fn the_clock_on_the_light_header_is_readable() {
    use crate::app_fixtures::{fleet, model_with};
    let mut m = model_with(&fleet(), 120, 40);
    m.theme = Theme::load("light").unwrap();
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    term.draw(|f| kbdash::view::view(&m, f)).unwrap();
    let buf = term.backend().buffer();
    // The clock's digits at the header's right end.
    let cell = &buf[(108, 0)];
    assert!(
        cell.symbol().chars().all(|c| c.is_ascii_digit()),
        "{cell:?}"
    );
    let ratio = contrast(cell.fg, cell.bg);
    assert!(
        ratio >= 4.5,
        "clock {:?} on {:?}: {ratio:.2}:1",
        cell.fg,
        cell.bg
    );
}

#[test]
fn high_contrast_paints_the_whole_screen_and_the_default_leaves_the_terminal_s() {
    use crate::app_fixtures::{ch, fleet, model_with};
    let draw = |theme: &str, pane: char| {
        let mut m = model_with(&fleet(), 100, 30);
        m.theme = Theme::load(theme).unwrap();
        kbdash::update::update(&mut m, ch(pane));
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        term.draw(|f| kbdash::view::view(&m, f)).unwrap();
        term.backend().buffer().clone()
    };
    for pane in ['1', '2', '3', '4', '!'] {
        let buf = draw("high-contrast", pane);
        let unpainted = buf
            .content()
            .iter()
            .filter(|c| c.bg == Color::Reset)
            .count();
        assert_eq!(unpainted, 0, "pane {pane}: cells left to the terminal");
        // The table's own cells, not only the frame around it.
        assert_eq!(buf[(10, 5)].bg, Color::Black, "pane {pane}");
    }
    let buf = draw("default", '1');
    assert_eq!(buf[(10, 5)].bg, Color::Reset);
}
