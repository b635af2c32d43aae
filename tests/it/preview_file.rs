//! `w` writes a form's preview to `<name>.yaml`: a new file, with its full path said; a file
//! that is there already is replaced only after the form asked (`y`; `n` or Esc keep it); a
//! symbolic link is never written through, even when replacing was asked for.
//!
//! The effect runs for real on files in a scratch directory ([`form_effects::run_within`]; the
//! kube client it is given is never used by a write); the question is asked in the update loop.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::KeyCode;
use kbdash::runtime::form_effects;
use kbdash::state::cmd::{Cmd, FormCmd};
use kbdash::state::forms::StageKind;
use kbdash::state::model::Model;
use kbdash::state::msg::{FormMsg, Msg};
use kbdash::update::update;
use kbdash_core::forms::examples::fixture_context;

use crate::app_fixtures::{ch, dry_run_ok, fleet, key, model_with, render, type_text};

const PREVIEW: &str = "kind: OpsRequest\n";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kbdash-w-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the write effect on `path`.
async fn write(path: &Path, overwrite: bool) -> FormMsg {
    // Never connected to: a write does not talk to the API.
    let client =
        kube::Client::try_from(kube::Config::new("http://127.0.0.1:9".parse().unwrap())).unwrap();
    form_effects::run_within(
        Duration::from_secs(5),
        &client,
        "ctx",
        None,
        FormCmd::WriteYaml {
            attempt: 7,
            path: path.to_path_buf(),
            text: PREVIEW.into(),
            overwrite,
        },
    )
    .await
}

#[tokio::test]
async fn a_new_file_is_written_and_named_in_full() {
    let dir = scratch("new");
    let path = dir.join("op.yaml");
    assert_eq!(
        write(&path, false).await,
        FormMsg::Written(Ok(path.clone()))
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), PREVIEW);
    // A relative path is said as the absolute one it resolves to.
    let relative = PathBuf::from(format!("kbdash-no-such-dir-{}/op.yaml", std::process::id()));
    let FormMsg::Written(Err(e)) = write(&relative, false).await else {
        panic!("a missing directory is an error");
    };
    let full = std::env::current_dir().unwrap().join(&relative);
    assert!(e.contains(&full.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_file_that_is_there_is_replaced_only_when_asked() {
    let dir = scratch("exists");
    let path = dir.join("op.yaml");
    std::fs::write(&path, "mine\n").unwrap();
    assert_eq!(
        write(&path, false).await,
        FormMsg::FileExists {
            attempt: 7,
            path: path.clone()
        }
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    assert_eq!(write(&path, true).await, FormMsg::Written(Ok(path.clone())));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), PREVIEW);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[tokio::test]
async fn a_symbolic_link_is_never_written_through() {
    let dir = scratch("symlink");
    let target = dir.join("precious");
    std::fs::write(&target, "precious\n").unwrap();
    let link = dir.join("op.yaml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = dir.join("dangling.yaml");
    std::os::unix::fs::symlink(dir.join("nowhere"), &dangling).unwrap();
    for (path, overwrite) in [
        (&link, false),
        (&link, true),
        (&dangling, false),
        (&dangling, true),
    ] {
        let FormMsg::Written(Err(e)) = write(path, overwrite).await else {
            panic!(
                "{} (overwrite {overwrite}) was written through",
                path.display()
            );
        };
        assert!(e.contains("is a symbolic link"), "{e}");
        assert!(e.contains(&path.display().to_string()), "{e}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
    assert!(!dir.join("nowhere").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The restart form's preview of the first cluster (opened before: no typed name).
fn restart_preview() -> Model {
    let mut m = model_with(&fleet(), 120, 40);
    let cluster = m.store.clusters.selected().unwrap().key.clone();
    m.familiar = Some(cluster.clone());
    update(&mut m, ch(':'));
    type_text(&mut m, "restart");
    update(&mut m, key(KeyCode::Enter));
    let mut ctx = fixture_context();
    ctx.cluster = cluster.name.to_string();
    ctx.namespace = cluster.namespace.to_string();
    update(
        &mut m,
        Msg::Form(FormMsg::Context {
            cluster,
            result: Ok(Box::new(ctx)),
        }),
    );
    let cmds = update(&mut m, key(KeyCode::Enter));
    dry_run_ok(&mut m, &cmds);
    assert_eq!(stage(&m), StageKind::Preview);
    m
}

fn stage(m: &Model) -> StageKind {
    m.forms.modal.as_ref().unwrap().stage.kind()
}

/// `w` on the preview: the write asked for, not replacing anything.
fn press_w(m: &mut Model) -> (u64, PathBuf) {
    let cmds = update(m, ch('w'));
    let Some(Cmd::Form(FormCmd::WriteYaml {
        attempt,
        path,
        overwrite: false,
        ..
    })) = cmds.last()
    else {
        panic!("expected a write that replaces nothing, got {cmds:?}");
    };
    (*attempt, path.clone())
}

#[test]
fn the_form_asks_before_replacing_a_file_and_says_the_path_written() {
    let mut m = restart_preview();
    let (attempt, path) = press_w(&mut m);
    let full = PathBuf::from("/work/previews").join(&path);
    update(
        &mut m,
        Msg::Form(FormMsg::FileExists {
            attempt,
            path: full.clone(),
        }),
    );
    assert_eq!(stage(&m), StageKind::Overwrite);
    let screen = render(&m);
    assert!(
        screen.contains(&format!("{} exists: replace it", full.display())),
        "{screen}"
    );
    assert!(screen.contains("y replace it"), "{screen}");
    assert!(screen.contains("n/Esc keep it"), "{screen}");
    // `n` keeps the file: back to the preview, nothing written.
    assert!(update(&mut m, ch('n')).is_empty());
    assert_eq!(stage(&m), StageKind::Preview);

    press_w(&mut m);
    update(
        &mut m,
        Msg::Form(FormMsg::FileExists {
            attempt,
            path: full.clone(),
        }),
    );
    let cmds = update(&mut m, ch('y'));
    let Some(Cmd::Form(FormCmd::WriteYaml {
        path, overwrite, ..
    })) = cmds.last()
    else {
        panic!("expected the replacing write, got {cmds:?}");
    };
    assert_eq!((path, *overwrite), (&full, true));
    assert_eq!(stage(&m), StageKind::Preview);
    update(&mut m, Msg::Form(FormMsg::Written(Ok(full.clone()))));
    let notice = &m.notice.as_ref().unwrap().0;
    assert_eq!(notice, &format!("wrote {}", full.display()));
}

#[test]
fn a_late_answer_about_another_preview_asks_nothing() {
    let mut m = restart_preview();
    let (attempt, path) = press_w(&mut m);
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(stage(&m), StageKind::Edit);
    update(&mut m, Msg::Form(FormMsg::FileExists { attempt, path }));
    assert_eq!(stage(&m), StageKind::Edit);
}
