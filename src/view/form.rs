//! The form modal: fields with their hints and inline errors, the API's refusal, the YAML
//! preview (read-only or being edited), the typed confirmation and the in-flight state.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::state::forms::{FormModal, Review, Stage, StageKind, Subject};
use crate::state::keymap::{self, Context, Wording};
use crate::state::model::Model;
use crate::view::ops_menu;
use crate::view::timeline::{Timeline, TimelineInput, TimelineStyle};
use crate::view::widgets::wrap_words;
use kbdash_core::forms::{FieldError, FieldKind, FieldSpec, OpForm, YAML_FIELD};
use kbdash_core::rows::ObjKey;

/// "context NAME · " while more than one context is shown, so that a form always says which
/// cluster of which context it changes; empty otherwise (the header names the one context).
pub(crate) fn target_context(m: &Model, modal: &FormModal) -> String {
    if m.multi_context() {
        format!("context {} · ", m.context_name(modal.cluster.ctx))
    } else {
        String::new()
    }
}

/// Rows of the restore wizard's timeline (cursor, bar, labels, status) and a title.
const TIMELINE_ROWS: u16 = 6;

/// Width of the label column, at least: a longer label widens it for the whole form.
const LABEL: usize = 22;

/// Labels longer than this do not widen the column (they are followed by a space).
const MAX_LABEL: usize = 32;

/// Draws the modal over `area`.
pub(crate) fn draw(f: &mut Frame, area: Rect, m: &Model, modal: &FormModal) {
    let stage = modal.stage.kind();
    if stage == StageKind::Menu {
        ops_menu::draw(f, area, m, modal);
        return;
    }
    let t = &m.theme;
    let ctx = target_context(m, modal);
    let title = match (&modal.subject, modal.op()) {
        (Subject::Restore(w), _) => format!(" Restore · {ctx}from backup {} ", w.backup),
        // A new cluster's form names the cluster it clones, if any.
        (Subject::Op { .. }, Some((OpForm::Create(f), _))) => match f.cloned_from() {
            "" if ctx.is_empty() => " New cluster ".to_string(),
            "" => format!(" New cluster · {} ", ctx.trim_end_matches(" · ")),
            _ => format!(" New cluster · {ctx}a clone of {} ", modal.cluster),
        },
        (Subject::Op { .. }, Some((form, _))) => {
            format!(" {} · {ctx}{} ", form.op().title(), modal.cluster)
        }
        (Subject::Op { .. }, None) => format!(" {ctx}{} ", modal.cluster),
    };
    let stage_title = match stage {
        StageKind::Menu | StageKind::Loading => "loading",
        StageKind::Edit => "edit",
        StageKind::Discard => "discard?",
        StageKind::DryRun => "dry run",
        StageKind::Preview => "preview",
        StageKind::EditYaml => "editing YAML",
        StageKind::Overwrite => "replace the file?",
        StageKind::Confirm => "confirm",
        StageKind::Submitting => "submitting",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(title, t.accent()))
        .title(Span::styled(format!(" {stage_title} "), t.muted()));
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    let [body, messages, footer] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(message_height(m, modal, inner.width)),
        Constraint::Length(1),
    ])
    .areas(inner);
    match stage {
        StageKind::Preview
        | StageKind::EditYaml
        | StageKind::Overwrite
        | StageKind::Confirm
        | StageKind::Submitting => draw_yaml(f, body, m, modal),
        StageKind::Loading => f.render_widget(
            Paragraph::new(Line::styled(
                if modal.is_restore() {
                    "loading the backup, its namespace's backups and the clusters…"
                } else {
                    "loading the cluster's live objects…"
                },
                t.muted(),
            )),
            body,
        ),
        StageKind::Menu | StageKind::Edit | StageKind::Discard | StageKind::DryRun => {
            match restore_timeline(m, modal) {
                Some(input) => {
                    let [fields, timeline] =
                        Layout::vertical([Constraint::Min(3), Constraint::Length(TIMELINE_ROWS)])
                            .areas(body);
                    draw_fields(f, fields, m, modal);
                    draw_timeline(f, timeline, m, &input);
                }
                None => draw_fields(f, body, m, modal),
            }
        }
    }
    f.render_widget(
        Paragraph::new(message_lines(m, modal)).wrap(Wrap { trim: false }),
        messages,
    );
    f.render_widget(
        Paragraph::new(Line::styled(footer_text(modal), t.muted())),
        footer,
    );
}

/// Whether the stage shows the YAML: its errors are then shown in the YAML's panel, not
/// among the messages.
fn shows_yaml(modal: &FormModal) -> bool {
    modal.stage.review().is_some() && modal.stage.kind() != StageKind::DryRun
}

/// The errors the message lines show: the whole form's, while the fields are shown.
fn message_errors(modal: &FormModal) -> impl Iterator<Item = &FieldError> {
    let fields_shown = !shows_yaml(modal);
    modal
        .errors
        .iter()
        .filter(move |e| fields_shown && (e.field.is_empty() || e.field == YAML_FIELD))
}

/// The notes of the request under review, while its YAML is shown.
fn notes(modal: &FormModal) -> &[String] {
    match &modal.stage {
        Stage::Preview(r) | Stage::EditYaml(r) | Stage::Confirm { review: r, .. } => r.notes(),
        _ => &[],
    }
}

/// Rows the messages take at `width`, wrapped as they are drawn (at most eight).
fn message_height(m: &Model, modal: &FormModal, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = message_lines(m, modal)
        .iter()
        .map(|l| l.width().max(1).div_ceil(width))
        .sum();
    u16::try_from(rows.min(8)).unwrap_or(8)
}

fn message_lines(m: &Model, modal: &FormModal) -> Vec<Line<'static>> {
    let t = &m.theme;
    let mut out = Vec::new();
    for e in message_errors(modal) {
        out.push(Line::styled(format!("✗ {}", e.message), t.fg(t.error)));
    }
    if let Some(e) = &modal.api_error {
        out.push(Line::styled(format!("✗ {e}"), t.fg(t.error)));
    }
    for note in notes(modal) {
        out.push(Line::styled(format!("! {note}"), t.fg(t.warn)));
    }
    if let Stage::Discard = &modal.stage {
        out.push(Line::styled(
            "Discard the values entered and close the form?",
            t.fg(t.warn),
        ));
    }
    if let Stage::Overwrite { path, .. } = &modal.stage {
        out.push(Line::styled(
            format!("{} exists: replace it with this preview?", path.display()),
            t.fg(t.warn),
        ));
    }
    if let Stage::Confirm { typed, .. } = &modal.stage {
        let ctx = match m.multi_context() {
            true => format!(" in context {}", m.context_name(modal.cluster.ctx)),
            false => String::new(),
        };
        let creates = matches!(modal.op(), Some((OpForm::Create(_), _)));
        let ask = if modal.is_restore() || creates {
            format!(
                "This creates a new cluster{}. Type its name ({}) to confirm:",
                ctx,
                modal.confirm_target()
            )
        } else if modal.op_disruptive() {
            format!(
                "This op is disruptive. Type the cluster name ({}) to confirm{}:",
                modal.confirm_target(),
                ctx,
            )
        } else {
            format!(
                "You have not scoped to or opened {}{}. Type its name ({}) to confirm:",
                modal.cluster, ctx, modal.cluster.name
            )
        };
        out.push(Line::styled(ask, t.fg(t.warn)));
        out.push(Line::from(vec![
            Span::styled("> ", t.accent()),
            Span::styled(typed.clone(), t.text()),
            Span::styled("█", t.accent()),
        ]));
    }
    out
}

/// The footer: the hints of the keymap table's bindings for the stage. The fields' footer is
/// the same whatever field is focused (the choice keys included), but on the restore time,
/// whose cursor keys come first and the fields' keys briefly.
fn footer_text(modal: &FormModal) -> String {
    let (contexts, wording): (&[Context], Wording) = match modal.stage.kind() {
        StageKind::Edit if modal.time_focused() => (keymap::form_contexts(modal), Wording::Brief),
        StageKind::Edit => (
            &[Context::Fields, Context::SingleLine, Context::Choice],
            Wording::Full,
        ),
        _ => (keymap::form_contexts(modal), Wording::Full),
    };
    let status = (modal.stage.kind() == StageKind::Submitting).then_some("submitting…");
    status
        .into_iter()
        .chain(keymap::hints(contexts, wording).map(|(_, hint)| hint))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn value_spans(
    m: &Model,
    modal: &FormModal,
    field: &FieldSpec,
    focused: bool,
) -> Vec<Span<'static>> {
    let t = &m.theme;
    let base = if !field.editable {
        t.muted()
    } else if focused {
        t.selection()
    } else {
        t.text()
    };
    match field.kind {
        FieldKind::Choice => vec![Span::styled(format!("‹ {} ›", field.value), base)],
        FieldKind::Toggle => {
            let mark = if field.value == "true" { "[x]" } else { "[ ]" };
            vec![Span::styled(mark.to_string(), base)]
        }
        FieldKind::MultiChoice => {
            let chosen: Vec<&str> = field.value.split(',').map(str::trim).collect();
            field
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let mark = if chosen.contains(&c.as_str()) {
                        "[x]"
                    } else {
                        "[ ]"
                    };
                    let style = if focused && i == modal.choice % field.choices.len().max(1) {
                        t.selection()
                    } else {
                        t.text()
                    };
                    Span::styled(format!("{mark} {c}  "), style)
                })
                .collect()
        }
        FieldKind::Text | FieldKind::Lines => {
            let mut spans = vec![Span::styled(field.value.replace('\n', " ⏎ "), base)];
            // A field shown but fixed (the delete dialog's) takes no typing: no cursor.
            if focused && field.editable {
                spans.push(Span::styled("█", t.accent()));
            }
            spans
        }
    }
}

fn draw_fields(f: &mut Frame, area: Rect, m: &Model, modal: &FormModal) {
    let t = &m.theme;
    let fields = modal.fields();
    // The widest label sets the column, so that no value runs into its label.
    let label_width = fields
        .iter()
        .map(|f| f.label.chars().count() + 1)
        .filter(|w| *w <= MAX_LABEL)
        .max()
        .unwrap_or(0)
        .max(LABEL);
    let indent = label_width + 2;
    let room = usize::from(area.width).saturating_sub(indent + 4).max(16);
    let mut lines: Vec<Line> = Vec::new();
    let mut focus_line = 0;
    let mut editor_at: Option<(u16, u16)> = None;
    for (i, field) in fields.iter().enumerate() {
        let focused = i == modal.focus && modal.stage.kind() == StageKind::Edit;
        if focused {
            focus_line = lines.len();
        }
        let marker = if focused { "▸ " } else { "  " };
        let label = format!("{marker}{:<label_width$}", format!("{} ", field.label));
        let label_style = if focused {
            t.accent().add_modifier(Modifier::BOLD)
        } else {
            t.text()
        };
        if focused && field.kind == FieldKind::Lines {
            lines.push(Line::from(Span::styled(label, label_style)));
            let rows = modal
                .editor
                .as_ref()
                .map_or(1, |e| e.lines().len().clamp(1, 8) as u16);
            editor_at = Some((lines.len() as u16, rows));
            for _ in 0..rows {
                lines.push(Line::raw(""));
            }
        } else {
            let mut spans = vec![Span::styled(label, label_style)];
            spans.extend(value_spans(m, modal, field, focused));
            let width: usize = spans.iter().map(|s| s.width()).sum();
            match &field.hint {
                // A long hint (the restore time's UTC, local and window; why an upgrade stays
                // within its major) goes under the value, a part a line, rather than being cut.
                Some(h) if width + 3 + h.chars().count() > usize::from(area.width) => {
                    lines.push(Line::from(spans));
                    for part in h.split("; ") {
                        for row in wrap_words(part, room) {
                            lines.push(Line::styled(format!("{:indent$}{row}", ""), t.muted()));
                        }
                    }
                }
                Some(h) => {
                    spans.push(Span::styled(format!("   {h}"), t.muted()));
                    lines.push(Line::from(spans));
                }
                None => lines.push(Line::from(spans)),
            }
        }
        let (parameters, said) = if focused && field.kind == FieldKind::Lines {
            parameter_lines(m, modal, field)
        } else {
            (Vec::new(), Vec::new())
        };
        for e in modal.errors_for(&field.name).filter(|e| !said.contains(e)) {
            // Operator messages carry newlines and tabs (kbcli prints them as they are):
            // wrapping joins their words.
            for (i, row) in wrap_words(e, room.saturating_sub(4))
                .into_iter()
                .enumerate()
            {
                let mark = if i == 0 { "✗ " } else { "  " };
                lines.push(Line::styled(
                    format!("{:indent$}  {mark}{row}", ""),
                    t.fg(t.error),
                ));
            }
        }
        lines.extend(parameters);
    }
    let height = usize::from(area.height);
    let scroll = focus_line.saturating_sub(height.saturating_sub(6));
    let scroll_u16 = u16::try_from(scroll).unwrap_or(0);
    f.render_widget(Paragraph::new(lines).scroll((scroll_u16, 0)), area);
    if let (Some((row, rows)), Some(editor)) = (editor_at, &modal.editor) {
        let y = area.y + row.saturating_sub(scroll_u16);
        if y < area.y + area.height {
            let rect = Rect {
                x: area.x + 4,
                y,
                width: area.width.saturating_sub(4),
                height: rows.min(area.y + area.height - y),
            };
            f.render_widget(editor, rect);
        }
    }
}

/// Under the reconfigure rows: each row's verdict, the completions of the row being typed
/// and what its parameter accepts; and the field's errors that a row's verdict says, which
/// are shown there, once, with their line.
fn parameter_lines<'a>(
    m: &Model,
    modal: &'a FormModal,
    field: &'a FieldSpec,
) -> (Vec<Line<'static>>, Vec<&'a str>) {
    let t = &m.theme;
    let (Some((form, ctx)), Some(editor)) = (modal.op(), &modal.editor) else {
        return (Vec::new(), Vec::new());
    };
    let errors: Vec<&str> = modal.errors_for(&field.name).collect();
    let mut said = Vec::new();
    let mut out = Vec::new();
    for check in form.row_checks(ctx) {
        if let Some(e) = &check.error {
            // The validation's own wording of the row, when it has one ("line 3: ...", or the
            // verdict with a suggestion after it), says more.
            let prefixed = format!("line {}: {e}", check.line);
            let same = errors
                .iter()
                .find(|f| **f == prefixed || f.starts_with(e.as_str()))
                .copied();
            let text = match same {
                Some(f) => {
                    said.push(f);
                    f.strip_prefix(&format!("line {}: ", check.line))
                        .unwrap_or(f)
                        .to_string()
                }
                None => e.clone(),
            };
            out.push(Line::styled(
                format!("    line {}: ✗ {text}", check.line),
                t.fg(t.error),
            ));
        } else if check.restart_required {
            out.push(Line::styled(
                format!("    line {} ({}): restart required", check.line, check.name),
                t.fg(t.warn),
            ));
        }
    }
    let row = editor.cursor().0;
    let current = editor.lines().get(row).cloned().unwrap_or_default();
    let name = current.split('=').next().unwrap_or_default().trim();
    if !name.is_empty() {
        if let Some(hint) = form.parameter_hint(ctx, name) {
            out.push(Line::styled(format!("    {name}: {hint}"), t.muted()));
        } else {
            let found = form.completions(ctx, &field.name, name);
            if !found.is_empty() {
                let shown: Vec<String> = found.into_iter().take(6).collect();
                out.push(Line::styled(
                    format!("    completions (Tab): {}", shown.join(", ")),
                    t.muted(),
                ));
            }
        }
    }
    (out, said)
}

/// The YAML under review, read-only or being edited (the cursor drawn where it is, its line
/// and column in the title), with the errors of an edit in a panel under it.
fn draw_yaml(f: &mut Frame, area: Rect, m: &Model, modal: &FormModal) {
    let t = &m.theme;
    let Some(review) = modal.stage.review() else {
        return;
    };
    let editing = modal.stage.kind() == StageKind::EditYaml;
    let title = if editing {
        let cursor = review.yaml.cursor();
        format!(
            " YAML (editing) · line {}, col {} ",
            cursor.0 + 1,
            cursor.1 + 1
        )
    } else if Review::hides_secrets(&review.request) {
        " YAML: what will be sent, secrets shortened ".to_string()
    } else {
        " YAML: exactly what will be sent ".to_string()
    };
    let problems = yaml_problems(modal);
    // Each problem wraps to as many rows as it needs (words wrap short of the edge), under
    // a rule.
    let width = usize::from(area.width.saturating_sub(8).max(1));
    let rows: usize = problems
        .iter()
        .map(|p| (p.chars().count() + 2).div_ceil(width))
        .sum();
    let panel = u16::try_from(rows + 1)
        .unwrap_or(u16::MAX)
        .min(area.height / 2);
    let [text, errors] = if problems.is_empty() {
        [area, Rect { height: 0, ..area }]
    } else {
        Layout::vertical([Constraint::Min(3), Constraint::Length(panel)]).areas(area)
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(editing))
        .title(Span::styled(title, t.accent()));
    let mut yaml = review.yaml.clone();
    yaml.set_block(block);
    if editing {
        yaml.set_cursor_style(t.accent().add_modifier(Modifier::REVERSED));
    } else {
        yaml.set_cursor_style(t.text());
        yaml.set_cursor_line_style(t.text());
    }
    f.render_widget(&yaml, text);
    if !problems.is_empty() {
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(t.fg(t.error));
        let lines: Vec<Line> = problems
            .into_iter()
            .map(|p| Line::styled(format!("✗ {p}"), t.fg(t.error)))
            .collect();
        f.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            errors,
        );
    }
}

/// The errors about the YAML under review, each named after its field's label, on one line.
fn yaml_problems(modal: &FormModal) -> Vec<String> {
    let fields = modal.fields();
    modal
        .errors
        .iter()
        .map(|e| {
            let message = e.message.split_whitespace().collect::<Vec<_>>().join(" ");
            let label = fields
                .iter()
                .find(|f| f.name == e.field)
                .map(|f| f.label.as_str())
                .filter(|label| !message.starts_with(label));
            match label {
                Some(label) => format!("{label}: {message}"),
                None => message,
            }
        })
        .collect()
}

/// The restore wizard's timeline, for a continuous backup, with the chosen time as cursor and
/// triage's verdict on its archiver.
fn restore_timeline(m: &Model, modal: &FormModal) -> Option<TimelineInput> {
    let (ctx, input) = modal.restore_loaded()?;
    if !ctx.is_continuous() {
        return None;
    }
    let timeline =
        TimelineInput::from_backups(&ctx.backup, &ctx.backups, ctx.now, input.chosen_time(ctx));
    let row = m
        .store
        .backups
        .get(&ObjKey::new(&ctx.backup.namespace, &ctx.backup.name).in_ctx(modal.cluster.ctx));
    Some(match row {
        Some(b) => timeline.with_archiving(crate::view::backups::archiving(m, b)),
        None => timeline,
    })
}

fn draw_timeline(f: &mut Frame, area: Rect, m: &Model, input: &TimelineInput) {
    let t = &m.theme;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(t.border(false))
        .title(Span::styled(" Recoverable window ", t.accent()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let inner = Rect {
        x: inner.x + 2,
        width: inner.width.saturating_sub(4),
        ..inner
    };
    f.render_widget(Timeline::new(input, TimelineStyle::from_theme(t)), inner);
}
