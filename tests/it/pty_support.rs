//! The real binary in a pseudo-terminal, for the tests that need one (signals, terminal checks,
//! what reaches the screen): util-linux `script` runs a shell command in a new pty and records
//! everything written to the terminal in a file (`typescript`). Keys are written to `script`'s
//! stdin, which it passes on to the pty.
//!
//! Readiness is polled with a bound (the first frame on the terminal); callers skip with a
//! message where `script` is missing ([`script_available`]).
#![allow(dead_code)]

use std::io::Write as _;
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const KBDASH: &str = env!("CARGO_BIN_EXE_kbdash");
pub const ENTER_ALT: &str = "\x1b[?1049h";
pub const LEAVE_ALT: &str = "\x1b[?1049l";
pub const SHOW_CURSOR: &str = "\x1b[?25h";

/// Polls `cond` every 20 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Whether util-linux `script` is installed; the caller skips (saying so) when it is not.
pub fn script_available() -> bool {
    let found = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: util-linux `script` is not installed");
    }
    found
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kbdash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `script` process; killed when dropped, so a failing test leaves nothing running (its
/// pty is hung up, which ends kbdash: see `resilience_signals`).
pub struct Pty(pub Child);

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Pty {
    /// Types `keys` on the terminal.
    pub fn type_keys(&mut self, keys: &str) {
        let stdin = self.0.stdin.as_mut().unwrap();
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (10 s at most) for the terminal session to finish.
    pub fn finished(&mut self) -> bool {
        wait_for(Duration::from_secs(10), || {
            self.0.try_wait().unwrap().is_some()
        })
    }
}

/// Starts `script` running `shell` (sh) in a new pty recording to `dir/typescript`, with the
/// user's config and state directories pointed into `dir` and `TERM` set to `term`.
pub fn start_script_with_term(dir: &Path, shell: &str, term: &str) -> Pty {
    let child = Command::new("script")
        .args(["-q", "-f", "-e", "-c", shell])
        .arg(dir.join("typescript"))
        .env("SHELL", "/bin/sh")
        .env("TERM", term)
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

/// [`start_script_with_term`] in an xterm.
pub fn start_script(dir: &Path, shell: &str) -> Pty {
    start_script_with_term(dir, shell, "xterm-256color")
}

/// The dashboard command: a one-cluster demo at a fixed terminal size, logging into `dir`.
pub fn kbdash_command(dir: &Path) -> String {
    format!(
        "stty rows 30 cols 100; {KBDASH} demo --clusters 1 --churn 0 --log-file {}",
        dir.join("kbdash.log").display()
    )
}

/// Everything written to the terminal so far.
pub fn typescript(dir: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join("typescript")).unwrap_or_default()).into_owned()
}

/// The screen the typescript leaves on a `rows` x `cols` terminal, as its rows of text: what a
/// person would read, where the typescript itself lacks the cells a frame did not redraw.
pub fn screen(dir: &Path, rows: NonZeroU16, cols: NonZeroU16) -> String {
    let mut parser = vt100::Parser::new(rows, cols, 0);
    parser.process(&std::fs::read(dir.join("typescript")).unwrap_or_default());
    parser.screen().contents()
}

/// The last `n` bytes of `text` (on a character boundary), for failure messages.
pub fn tail(text: &str, n: usize) -> &str {
    &text[text.floor_char_boundary(text.len().saturating_sub(n))..]
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
pub fn kbdash_under(ancestor: u32) -> Option<u32> {
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
pub fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// Waits for the dashboard's first frame and returns kbdash's pid.
pub fn ready(pty: &Pty, dir: &Path) -> u32 {
    let mut pid = None;
    let up = wait_for(Duration::from_secs(30), || {
        pid = pid.or_else(|| kbdash_under(pty.0.id()));
        let screen = typescript(dir);
        pid.is_some() && screen.contains(ENTER_ALT) && screen.contains(" Clusters (")
    });
    let screen = typescript(dir);
    assert!(
        up,
        "no first frame within 30 s (kbdash pid {pid:?}): {:?}",
        tail(&screen, 400)
    );
    pid.unwrap()
}

/// Sends `signal` (a `kill` name: INT, TERM, HUP...) to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}
