//! Signals and losing the terminal, with the real binary on the embedded demo in a
//! pseudo-terminal ([`crate::pty_support`]):
//!
//! - SIGINT (from outside: in raw mode Ctrl-C is a key), SIGTERM and SIGHUP sent to kbdash: it
//!   leaves within a bounded time with 128 plus the signal's number, having left the alternate
//!   screen, shown the cursor and put the terminal back in cooked mode (`stty -a`, run in the
//!   same terminal right after, shows `icanon` and `echo`);
//! - the terminal itself goes away (the `script` holding the pty's master side is killed): the
//!   kernel hangs the terminal up, and kbdash must end rather than be left running.
//!
//! The signal handlers are installed before the terminal changes, so before the first frame.

use std::time::Duration;

use crate::pty_support::{
    ENTER_ALT, LEAVE_ALT, SHOW_CURSOR, ended, kbdash_command, ready, scratch, script_available,
    signal, start_script, typescript,
};

/// Sends `name` (number `number`) to a running dashboard and checks the terminal it leaves.
fn stops_and_restores_the_terminal(name: &str, number: i32) {
    if !script_available() {
        return;
    }
    let dir = scratch(&format!("signal-{name}"));
    let shell = format!(
        "{}; echo EXIT=$?; echo STTY-AFTER; stty -a",
        kbdash_command(&dir)
    );
    let mut pty = start_script(&dir, &shell);
    let pid = ready(&pty, &dir);

    signal(pid, name);
    assert!(
        crate::pty_support::wait_for(Duration::from_secs(10), || ended(pid)),
        "kbdash still runs 10 s after SIG{name}"
    );
    assert!(pty.finished(), "the terminal session did not finish");
    let screen = typescript(&dir);
    let entered = screen.rfind(ENTER_ALT).unwrap();
    let left = screen
        .rfind(LEAVE_ALT)
        .unwrap_or_else(|| panic!("SIG{name}: the alternate screen was never left"));
    assert!(
        left > entered,
        "SIG{name}: the alternate screen was left before the end"
    );
    assert!(
        screen[entered..].contains(SHOW_CURSOR),
        "SIG{name}: the cursor stays hidden"
    );
    assert!(
        screen.contains(&format!("EXIT={}", 128 + number)),
        "SIG{name}: exit status is not {}",
        128 + number
    );
    let stty = &screen[screen.rfind("STTY-AFTER").expect("stty ran afterwards")..];
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for cooked in ["icanon", "echo", "icrnl"] {
        assert!(
            flags.contains(&cooked),
            "SIG{name}: {cooked} is off: raw mode left on\n{stty}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigint_ends_kbdash_and_restores_the_terminal() {
    stops_and_restores_the_terminal("INT", 2);
}

#[test]
fn sigterm_ends_kbdash_and_restores_the_terminal() {
    stops_and_restores_the_terminal("TERM", 15);
}

#[test]
fn sighup_ends_kbdash_and_restores_the_terminal() {
    stops_and_restores_the_terminal("HUP", 1);
}

#[test]
fn losing_the_terminal_ends_kbdash() {
    if !script_available() {
        return;
    }
    let dir = scratch("lost-tty");
    let pty = start_script(&dir, &kbdash_command(&dir));
    let pid = ready(&pty, &dir);

    // The terminal emulator dies: the pty's master side closes, the kernel hangs it up.
    drop(pty);
    assert!(
        crate::pty_support::wait_for(Duration::from_secs(10), || ended(pid)),
        "kbdash still runs 10 s after its terminal went away"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn losing_the_terminal_ends_kbdash_even_without_a_hang_up_signal() {
    if !script_available() {
        return;
    }
    let dir = scratch("lost-tty-no-hup");
    // In a session of its own kbdash is sent no SIGHUP when the terminal goes (as when the signal
    // is ignored until its handler is in place, or a wrapper keeps it): it must notice itself.
    let pty = start_script(&dir, &kbdash_command(&dir).replacen("; ", "; setsid ", 1));
    let pid = ready(&pty, &dir);

    drop(pty);
    let gone = crate::pty_support::wait_for(Duration::from_secs(10), || ended(pid));
    if !gone {
        // Left running it would spin on the dead terminal: do not leave it behind.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert!(
        gone,
        "kbdash still runs 10 s after its terminal was hung up"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
