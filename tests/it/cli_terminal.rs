//! Where the dashboard cannot be drawn, kbdash says so and exits with 2 instead of writing a
//! full-screen dashboard's escape sequences into a pipe or at a terminal that cannot show them;
//! `kbdash demo-server` needs no terminal (`demo_server_cli`).
//!
//! Both run under a real pseudo-terminal ([`crate::pty_support`]), as a user would meet them:
//! the terminal is there, only kbdash's output goes elsewhere, or the terminal says it is dumb.

use crate::pty_support::{
    ENTER_ALT, KBDASH, scratch, script_available, start_script, start_script_with_term, tail,
    typescript,
};

#[test]
fn output_into_a_pipe_is_refused_with_a_message() {
    if !script_available() {
        return;
    }
    let dir = scratch("not-a-tty");
    let out = dir.join("out");
    let status = dir.join("status");
    // `kbdash demo | cat > out`, keeping kbdash's own exit status and stderr.
    let shell = format!(
        "{{ {KBDASH} demo --clusters 1 --churn 0 --log-file {log} 2>{err}; echo $? >{status}; }} | cat >{out}",
        log = dir.join("kbdash.log").display(),
        err = dir.join("err").display(),
        status = status.display(),
        out = out.display(),
    );
    let mut pty = start_script(&dir, &shell);
    let finished = pty.finished();
    let piped = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        finished,
        "kbdash drew into the pipe instead of refusing: {:?}",
        tail(&piped, 300)
    );
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "2");
    assert!(
        piped.is_empty(),
        "nothing is written to the pipe: {piped:?}"
    );
    let err = std::fs::read_to_string(dir.join("err")).unwrap();
    assert!(err.contains("the output is not a terminal"), "{err}");
    assert!(err.contains("kbdash demo-server"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dumb_terminal_is_refused_with_a_message() {
    if !script_available() {
        return;
    }
    let dir = scratch("dumb-tty");
    let shell = format!(
        "{KBDASH} demo --clusters 1 --churn 0 --log-file {}; echo EXIT=$?",
        dir.join("kbdash.log").display()
    );
    let mut pty = start_script_with_term(&dir, &shell, "dumb");
    let finished = pty.finished();
    let screen = typescript(&dir);
    assert!(
        finished,
        "kbdash drew on a dumb terminal: {:?}",
        tail(&screen, 300)
    );
    assert!(!screen.contains(ENTER_ALT), "{screen:?}");
    assert!(screen.contains("TERM=dumb"), "{screen:?}");
    assert!(screen.contains("EXIT=2"), "{screen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
