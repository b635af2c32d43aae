//! Colour themes: semantic colour keys loaded from YAML, embedded or from a file.
//!
//! A theme file names only the keys it changes; the rest come from the default theme. An unknown
//! key or a colour that does not parse is an error naming the file, line and column.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The embedded themes, by name.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
];

/// A theme file: every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    text: Option<String>,
    muted: Option<String>,
    accent: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    error: Option<String>,
    selection: Option<String>,
    selection_text: Option<String>,
    border: Option<String>,
    border_focus: Option<String>,
    role_primary: Option<String>,
    role_secondary: Option<String>,
    header: Option<String>,
    flash: Option<String>,
    background: Option<String>,
}

/// The resolved colours of a theme, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// Name or path the theme was loaded from.
    pub name: String,
    /// When true (`NO_COLOR`), no colour is emitted; emphasis uses bold and reverse video only.
    pub(crate) no_color: bool,
    /// Plain text.
    pub text: Color,
    /// Secondary text.
    pub muted: Color,
    /// Highlighted text (titles, the focused tab).
    pub accent: Color,
    /// Healthy states.
    pub ok: Color,
    /// States that need a look.
    pub warn: Color,
    /// Failed states and errors.
    pub error: Color,
    /// The selected row's background.
    pub selection: Color,
    /// The selected row's text.
    pub selection_text: Color,
    /// Borders of panes that are not focused.
    pub border: Color,
    /// The focused pane's border.
    pub border_focus: Color,
    /// A primary pod's role.
    pub role_primary: Color,
    /// A secondary pod's role.
    pub role_secondary: Color,
    /// The header bar's background.
    pub header: Color,
    /// A row whose role just changed.
    pub flash: Color,
    /// The background of the whole screen; `Reset` leaves the terminal's own.
    pub background: Color,
}

/// A theme that could not be loaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    /// No built-in theme has the name, and no file the path (the name, and why the file could
    /// not be read).
    #[error(
        "theme {0:?} is neither a built-in theme (default, light, high-contrast) nor a readable file: {1}"
    )]
    NotFound(String, String),
    /// The theme file is not valid.
    #[error("{file}: {message}")]
    Invalid {
        /// The theme's name or path.
        file: String,
        /// What is wrong.
        message: String,
    },
}

impl Default for Theme {
    fn default() -> Theme {
        let file: ThemeFile = serde_yaml_ng::from_str(BUILTIN[0].1).unwrap_or_default();
        let mut theme = Theme {
            name: "default".into(),
            no_color: false,
            text: Color::White,
            muted: Color::DarkGray,
            accent: Color::LightCyan,
            ok: Color::LightGreen,
            warn: Color::Yellow,
            error: Color::LightRed,
            selection: Color::Blue,
            selection_text: Color::White,
            border: Color::DarkGray,
            border_focus: Color::LightCyan,
            role_primary: Color::LightMagenta,
            role_secondary: Color::LightBlue,
            header: Color::Black,
            flash: Color::Yellow,
            background: Color::Reset,
        };
        // The embedded default theme is checked by a unit test; a bad entry would only leave
        // the built-in fallback colours in place.
        let _ = theme.apply(&file);
        theme
    }
}

impl Theme {
    /// Sets the colours `f` names; the first bad colour is returned as (key, value).
    fn apply(&mut self, f: &ThemeFile) -> Result<(), (&'static str, String)> {
        let pairs: [(&'static str, &mut Color, &Option<String>); 15] = [
            ("text", &mut self.text, &f.text),
            ("muted", &mut self.muted, &f.muted),
            ("accent", &mut self.accent, &f.accent),
            ("ok", &mut self.ok, &f.ok),
            ("warn", &mut self.warn, &f.warn),
            ("error", &mut self.error, &f.error),
            ("selection", &mut self.selection, &f.selection),
            (
                "selection_text",
                &mut self.selection_text,
                &f.selection_text,
            ),
            ("border", &mut self.border, &f.border),
            ("border_focus", &mut self.border_focus, &f.border_focus),
            ("role_primary", &mut self.role_primary, &f.role_primary),
            (
                "role_secondary",
                &mut self.role_secondary,
                &f.role_secondary,
            ),
            ("header", &mut self.header, &f.header),
            ("flash", &mut self.flash, &f.flash),
            ("background", &mut self.background, &f.background),
        ];
        for (key, slot, value) in pairs {
            if let Some(text) = value {
                *slot = Color::from_str(text.trim()).map_err(|_| (key, text.clone()))?;
            }
        }
        Ok(())
    }

    /// Parses theme YAML; `file` names the source in errors. Missing keys keep the default.
    pub(crate) fn parse(file: &str, yaml: &str) -> Result<Theme, ThemeError> {
        let parsed: ThemeFile = if yaml.trim().is_empty() {
            ThemeFile::default()
        } else {
            serde_yaml_ng::from_str(yaml).map_err(|e| ThemeError::Invalid {
                file: file.to_string(),
                message: e.to_string(),
            })?
        };
        let mut theme = Theme {
            name: file.to_string(),
            ..Theme::default()
        };
        theme.apply(&parsed).map_err(|(key, value)| ThemeError::Invalid {
            file: file.to_string(),
            message: format!(
                "{key}: bad colour {value:?} at line {}: use a name (red, lightblue, darkgray, ...) or #rrggbb",
                line_of_key(yaml, key)
            ),
        })?;
        Ok(theme)
    }

    /// Loads a built-in theme by name, or a theme file by path.
    pub fn load(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some((name, yaml)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Theme::parse(name, yaml);
        }
        let text = std::fs::read_to_string(Path::new(name_or_path))
            .map_err(|e| ThemeError::NotFound(name_or_path.to_string(), e.to_string()))?;
        Theme::parse(name_or_path, &text)
    }

    /// The same theme with colour switched off when `no_color` is set.
    pub fn with_no_color(mut self, no_color: bool) -> Theme {
        self.no_color = no_color;
        self
    }

    /// Whether the `NO_COLOR` convention asks for no colour (set and not empty).
    pub fn no_color_requested(value: Option<&str>) -> bool {
        value.is_some_and(|v| !v.is_empty())
    }

    /// A foreground style in `color`, or plain when colour is off.
    pub fn fg(&self, color: Color) -> Style {
        if self.no_color {
            Style::default()
        } else {
            Style::default().fg(color)
        }
    }

    /// Plain text.
    pub(crate) fn text(&self) -> Style {
        self.fg(self.text)
    }

    /// Secondary text.
    pub(crate) fn muted(&self) -> Style {
        self.fg(self.muted)
    }

    /// Highlighted text (titles, focused tab).
    pub(crate) fn accent(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selection(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.selection).fg(self.selection_text)
        }
    }

    /// A row whose role just changed.
    pub(crate) fn flash(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::default().bg(self.flash).add_modifier(Modifier::BOLD)
        }
    }

    /// The header bar.
    pub(crate) fn header(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().bg(self.header).fg(self.text)
        }
    }

    /// The screen's background, when the theme sets one and colour is on.
    pub fn background(&self) -> Option<Color> {
        (!self.no_color && self.background != Color::Reset).then_some(self.background)
    }

    /// A pane border, focused or not.
    pub(crate) fn border(&self, focused: bool) -> Style {
        self.fg(if focused {
            self.border_focus
        } else {
            self.border
        })
    }
}

/// The 1-based line where top-level `key` is set (theme files are flat maps).
fn line_of_key(yaml: &str, key: &str) -> usize {
    yaml.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for (name, yaml) in BUILTIN {
            let file: ThemeFile = serde_yaml_ng::from_str(yaml).unwrap();
            assert!(Theme::default().apply(&file).is_ok(), "{name}");
        }
    }

    #[test]
    fn missing_keys_fall_back() {
        let t = Theme::parse("t.yaml", "ok: '#010203'\n").unwrap();
        assert_eq!(t.ok, Color::Rgb(1, 2, 3));
        assert_eq!(t.error, Theme::default().error);
    }
}
