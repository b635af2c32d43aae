//! Losing the terminal, with the real binary on the embedded demo in a pseudo-terminal
//! (util-linux `script`, which records everything written to the terminal in a file):
//!
//! - SIGHUP sent to kbdash: it leaves within a bounded time, having left the alternate screen,
//!   shown the cursor and put the terminal back in cooked mode (`stty -a`, run in the same
//!   terminal right after, shows `icanon` and `echo`);
//! - the terminal itself goes away (the `script` holding the pty's master side is killed): the
//!   kernel hangs the terminal up, and kbdash must end rather than be left running.
//!
//! Readiness is the first frame on the terminal (the header), polled with a bound; the signal
//! handlers are installed before the first frame is drawn. Skipped with a message where
//! `script` is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KBDASH: &str = env!("CARGO_BIN_EXE_kbdash");
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// Polls `cond` every 20 ms until it holds or `limit` passes.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kbdash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `script` process; killed when dropped, so a failing test leaves nothing running (its
/// pty is hung up, which is what the second test shows ends kbdash).
struct Pty(Child);

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `script` running `shell` (sh) in a new pty recording to `dir/typescript`, with the
/// user's config and state directories pointed into `dir`.
fn start_script(dir: &Path, shell: &str) -> Pty {
    let child = Command::new("script")
        .args(["-q", "-f", "-e", "-c", shell])
        .arg(dir.join("typescript"))
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Pty(child)
}

/// The dashboard command: a one-cluster demo at a fixed terminal size.
fn kbdash_command(dir: &Path) -> String {
    format!(
        "stty rows 30 cols 100; {KBDASH} demo --clusters 1 --churn 0 --log-file {}",
        dir.join("kbdash.log").display()
    )
}

fn typescript(dir: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join("typescript")).unwrap_or_default()).into_owned()
}

/// The parent of `pid`, from /proc.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing paren.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The running kbdash process started under `ancestor`.
fn kbdash_under(ancestor: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        if comm.trim() != "kbdash" {
            return None;
        }
        let mut p = pid;
        for _ in 0..8 {
            p = parent_of(p)?;
            if p == ancestor {
                return Some(pid);
            }
        }
        None
    })
}

/// Whether `pid` is gone (or a zombie nobody reaped yet: it has ended all the same).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// Waits for the dashboard's first frame and returns kbdash's pid.
fn ready(pty: &Pty, dir: &Path) -> u32 {
    let mut pid = None;
    let up = wait_for(Duration::from_secs(30), || {
        pid = pid.or_else(|| kbdash_under(pty.0.id()));
        let screen = typescript(dir);
        pid.is_some() && screen.contains(ENTER_ALT) && screen.contains(" Clusters (")
    });
    let screen = typescript(dir);
    let tail = &screen[screen.floor_char_boundary(screen.len().saturating_sub(400))..];
    assert!(
        up,
        "no first frame within 30 s (kbdash pid {pid:?}): {tail:?}"
    );
    pid.unwrap()
}

fn hang_up(pid: u32) {
    let sent = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn sighup_ends_kbdash_and_restores_the_terminal() {
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let dir = scratch("sighup");
    let shell = format!("{}; echo STTY-AFTER; stty -a", kbdash_command(&dir));
    let mut pty = start_script(&dir, &shell);
    let pid = ready(&pty, &dir);

    hang_up(pid);
    assert!(
        wait_for(Duration::from_secs(10), || ended(pid)),
        "kbdash still runs 10 s after SIGHUP"
    );
    assert!(
        wait_for(Duration::from_secs(10), || pty
            .0
            .try_wait()
            .unwrap()
            .is_some()),
        "the terminal session did not finish"
    );
    let screen = typescript(&dir);
    let entered = screen.rfind(ENTER_ALT).unwrap();
    let left = screen
        .rfind(LEAVE_ALT)
        .expect("the alternate screen was never left");
    assert!(
        left > entered,
        "the alternate screen was left before the end"
    );
    assert!(
        screen[entered..].contains(SHOW_CURSOR),
        "the cursor stays hidden"
    );
    let stty = &screen[screen.rfind("STTY-AFTER").expect("stty ran afterwards")..];
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for cooked in ["icanon", "echo", "icrnl"] {
        assert!(
            flags.contains(&cooked),
            "{cooked} is off: raw mode left on\n{stty}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn losing_the_terminal_ends_kbdash() {
    if !script_available() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let dir = scratch("lost-tty");
    let pty = start_script(&dir, &kbdash_command(&dir));
    let pid = ready(&pty, &dir);

    // The terminal emulator dies: the pty's master side closes, the kernel hangs it up.
    drop(pty);
    assert!(
        wait_for(Duration::from_secs(10), || ended(pid)),
        "kbdash still runs 10 s after its terminal went away"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
