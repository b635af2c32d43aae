//! Ends kbdash when its terminal is hung up, whatever the main thread is doing.
//!
//! The kernel sends SIGHUP to the session leader only, and a shell or wrapper may not pass it
//! on; kbdash then learns of the lost terminal from its reads. crossterm's reader does not: it
//! retries the empty reads of a hung-up terminal in a loop on the thread that polls it (seen:
//! a kbdash left by a test spun for an hour on `read(0) = 0`, deaf to SIGTERM, since the
//! signal is handled in the loop it never returned to). A thread of its own looks at the
//! terminal once a second and ends the process: nothing is left to restore or draw on.

use std::thread;
use std::time::Duration;

/// How often the terminal is looked at.
const EVERY: Duration = Duration::from_secs(1);

/// Starts the watcher; it lives as long as the process.
pub(crate) fn watch() -> std::io::Result<()> {
    thread::Builder::new()
        .name("hangup-watch".into())
        .spawn(|| {
            loop {
                thread::sleep(EVERY);
                if hung_up() {
                    tracing::warn!("the terminal was hung up: ending");
                    std::process::exit(128 + libc::SIGHUP);
                }
            }
        })
        .map(drop)
}

/// Whether the terminal kbdash draws on (its standard output) has been hung up.
fn hung_up() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // SAFETY: `poll` reads and writes the one `pollfd` it is given and does not wait.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents & libc::POLLHUP != 0
}
