//! `s`, `:shell` and `:connect`: the pod's container a program runs in (Pods pane and pod
//! detail), the `kubectl exec -it` command line built for it with the session's kubeconfig and
//! context, the message where kubectl is missing, and read-only mode, which has neither the
//! key nor the commands and refuses them. Nothing is executed.

use std::ffi::OsString;
use std::path::PathBuf;

use crossterm::event::KeyCode;
use kbdash::k8s::client::Source;
use kbdash::runtime::exec::command_line;
use kbdash::state::cmd::Cmd;
use kbdash::state::command::offered;
use kbdash::state::exec::{ExecTarget, Program};
use kbdash::state::keymap::{self, Action};
use kbdash::state::model::{Model, Overlay};
use kbdash::update::update;
use kbdash_core::kinds::Kind;
use kbdash_core::rows::ObjKey;

use crate::app_fixtures::{ch, fleet, key, model_with, type_text};

/// The fixtures on the Pods pane, with the first pod's key (read from its detail).
fn on_pods() -> (Model, ObjKey) {
    let mut m = model_with(&fleet(), 160, 48);
    update(&mut m, ch('2'));
    update(&mut m, key(KeyCode::Enter));
    let Overlay::Detail(d) = &m.overlay else {
        panic!("{:?}", m.overlay);
    };
    assert_eq!(d.target.kind, Kind::Pod);
    let pod = d.target.key.clone();
    update(&mut m, key(KeyCode::Esc));
    (m, pod)
}

fn exec(pod: &ObjKey, program: Program) -> Cmd {
    Cmd::Exec(ExecTarget {
        pod: pod.clone(),
        container: "postgresql".into(),
        program,
    })
}

fn notice(m: &Model) -> String {
    m.notice
        .as_ref()
        .map(|(t, _)| t.clone())
        .unwrap_or_default()
}

#[test]
fn s_and_the_commands_run_in_the_selected_pods_container() {
    let (mut m, pod) = on_pods();
    assert_eq!(update(&mut m, ch('s')), [exec(&pod, Program::Shell)]);
    update(&mut m, ch(':'));
    let cmds = type_text(&mut m, "connect");
    assert!(cmds.is_empty());
    assert_eq!(
        update(&mut m, key(KeyCode::Enter)),
        [exec(&pod, Program::Psql)]
    );
    update(&mut m, ch(':'));
    type_text(&mut m, "shell");
    assert_eq!(
        update(&mut m, key(KeyCode::Enter)),
        [exec(&pod, Program::Shell)]
    );
    // From the pod's detail too.
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(update(&mut m, ch('s')), [exec(&pod, Program::Shell)]);
}

#[test]
fn without_a_pod_it_says_which_to_select() {
    let mut m = model_with(&fleet(), 160, 48);
    update(&mut m, ch(':'));
    type_text(&mut m, "connect");
    assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(
        notice(&m),
        "psql: select a pod first (Pods pane, 2, or a pod's detail)"
    );
    // A cluster's detail is no pod's.
    update(&mut m, key(KeyCode::Char('d')));
    assert!(matches!(m.overlay, Overlay::Detail(_)));
    assert!(update(&mut m, ch('s')).is_empty());
    assert!(notice(&m).starts_with("shell: select a pod first"));
}

#[test]
fn the_key_is_in_the_one_table_for_dispatch_and_help() {
    let shell: Vec<_> = keymap::BINDINGS
        .iter()
        .filter(|b| b.action == Action::Shell)
        .collect();
    assert_eq!(shell.len(), 2, "Pods pane and detail");
    assert!(keymap::active(false).any(|b| b.action == Action::Shell));
    let m = {
        let (mut m, _) = on_pods();
        update(&mut m, ch('?'));
        // Tall enough for the whole help.
        m.size.1 = 200;
        m
    };
    let help = crate::app_fixtures::render(&m);
    assert!(
        help.contains("shell in the pod's postgresql container"),
        "{help}"
    );
    let words: Vec<&str> = offered(false).map(|(w, _)| *w).collect();
    assert!(words.contains(&"shell") && words.contains(&"connect"));
}

#[test]
fn read_only_mode_has_no_shell_and_refuses_one() {
    let (mut m, _) = on_pods();
    m.readonly = true;
    assert!(!keymap::active(true).any(|b| b.action == Action::Shell));
    assert!(!offered(true).any(|(w, _)| matches!(*w, "shell" | "connect")));
    assert!(update(&mut m, ch('s')).is_empty());
    let refused =
        "read-only mode: no shell or psql (kubectl exec is a write, and can change anything)";
    assert_eq!(notice(&m), refused);
    for line in ["connect", "shell"] {
        m.notice = None;
        update(&mut m, ch(':'));
        type_text(&mut m, line);
        assert!(update(&mut m, key(KeyCode::Enter)).is_empty());
        assert_eq!(notice(&m), refused);
    }
    // And the engine refuses the command itself in a read-only context.
    assert!(exec(&ObjKey::new("demo", "pg-0"), Program::Shell).mutates());
}

/// A directory on a `PATH` with an executable `kubectl` in it.
fn path_with_kubectl(name: &str) -> (PathBuf, OsString) {
    let dir = std::env::temp_dir().join(format!("kbdash-shell-exec-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubectl = dir.join("kubectl");
    std::fs::write(&kubectl, "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::join_paths([PathBuf::from("/nonexistent-kbdash"), dir.clone()]).unwrap();
    (kubectl, path)
}

#[test]
fn the_command_line_uses_the_sessions_kubeconfig_context_and_the_pods_namespace() {
    let (kubectl, path) = path_with_kubectl("argv");
    let target = ExecTarget {
        pod: ObjKey::new("prod", "orders-db-postgresql-1"),
        container: "postgresql".into(),
        program: Program::Psql,
    };
    let source = Source::kubeconfig(Some(PathBuf::from("/home/sre/.kube/a:/home/sre/.kube/b")));
    let line = command_line(&source, "kind-prod", &target, Some(&path)).unwrap();
    assert_eq!(line.program, kubectl);
    assert_eq!(
        line.args,
        [
            "--context",
            "kind-prod",
            "--namespace",
            "prod",
            "exec",
            "-it",
            "orders-db-postgresql-1",
            "-c",
            "postgresql",
            "--",
            "psql",
            "-U",
            "postgres"
        ]
    );
    assert_eq!(
        line.env,
        [(
            "KUBECONFIG".to_string(),
            OsString::from("/home/sre/.kube/a:/home/sre/.kube/b")
        )]
    );
    assert_eq!(
        line.what,
        "psql in prod/orders-db-postgresql-1, container postgresql"
    );

    // kubectl's own default kubeconfig is kbdash's: nothing to pass on.
    let shell = ExecTarget {
        program: Program::Shell,
        ..target
    };
    let line = command_line(&Source::kubeconfig(None), "kind-prod", &shell, Some(&path)).unwrap();
    assert!(line.env.is_empty());
    assert_eq!(
        line.args[line.args.len() - 4..],
        [
            "--",
            "sh",
            "-c",
            "command -v bash >/dev/null && exec bash || exec sh"
        ]
    );
    std::fs::remove_dir_all(kubectl.parent().unwrap()).unwrap();
}

#[test]
fn without_kubectl_or_on_the_demo_it_says_why() {
    let target = ExecTarget {
        pod: ObjKey::new("demo", "pg-cluster-postgresql-0"),
        container: "postgresql".into(),
        program: Program::Shell,
    };
    let empty =
        std::env::temp_dir().join(format!("kbdash-shell-exec-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let path = std::env::join_paths([empty]).unwrap();
    for p in [Some(path.as_os_str()), None] {
        let err = command_line(&Source::kubeconfig(None), "kind-a", &target, p).unwrap_err();
        assert_eq!(
            err,
            "kubectl is not on PATH: s and :connect run `kubectl exec` (install kubectl, then \
             start kbdash again)"
        );
    }
    std::fs::remove_dir_all(std::env::split_paths(&path).next().unwrap()).unwrap();
    let (kubectl, path) = path_with_kubectl("demo");
    let err = command_line(
        &Source::Url("http://127.0.0.1:1".into()),
        "demo",
        &target,
        Some(&path),
    )
    .unwrap_err();
    assert!(
        err.starts_with("the demo API server runs no containers"),
        "{err}"
    );
    std::fs::remove_dir_all(kubectl.parent().unwrap()).unwrap();
}
