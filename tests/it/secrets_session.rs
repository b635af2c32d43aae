//! Secrets end to end: the real binary on the embedded demo in a pseudo-terminal
//! ([`crate::pty_support`]), its log at debug level, a backup's live YAML opened with `y`. The
//! demo's backups carry encrypted system accounts (43 base64 characters and `=` each): none
//! may reach the terminal or kbdash's log file, while the YAML view shows their shortened form.

use std::time::Duration;

use regex::Regex;

use crate::pty_support::{
    KBDASH, ready, scratch, script_available, start_script, tail, typescript, wait_for,
};

#[test]
fn a_backups_yaml_reaches_neither_the_terminal_nor_the_log_in_full() {
    if !script_available() {
        return;
    }
    let dir = scratch("secrets-session");
    let log = dir.join("kbdash.log");
    let shell = format!(
        "stty rows 40 cols 250; KBDASH_LOG=debug {KBDASH} demo --clusters 1 --churn 0 --log-file {}",
        log.display()
    );
    let mut pty = start_script(&dir, &shell);
    ready(&pty, &dir);
    pty.type_keys("4");
    assert!(
        wait_for(Duration::from_secs(10), || typescript(&dir)
            .contains("-postgresql-")),
        "no backup listed: {:?}",
        tail(&typescript(&dir), 400)
    );
    pty.type_keys("d");
    pty.type_keys("y");
    assert!(
        wait_for(Duration::from_secs(10), || typescript(&dir)
            .contains("encrypted-system-accounts")),
        "the YAML did not show: {:?}",
        tail(&typescript(&dir), 400)
    );
    pty.type_keys("q");
    assert!(pty.finished(), "kbdash did not quit");

    let ciphertext = Regex::new(r"[A-Za-z0-9+/]{43}=").unwrap();
    let screen = typescript(&dir);
    if let Some(found) = ciphertext.find(&screen) {
        panic!("the terminal got a ciphertext: {:?}", found.as_str());
    }
    assert!(
        screen.contains("…(44"),
        "the shortened form shows: {:?}",
        tail(&screen, 2000)
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.is_empty(), "the log is written");
    if let Some(found) = ciphertext.find(&logged) {
        panic!("the log got a ciphertext: {:?}", found.as_str());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
