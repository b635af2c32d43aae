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
