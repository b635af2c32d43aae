//! `kbdash demo --contexts 3` as a user runs it, under a real pseudo-terminal: three demo
//! servers whose fleets have the same names, shown together under a CONTEXT column with every
//! context's streams live.

use std::collections::BTreeMap;
use std::num::NonZeroU16;
use std::time::Duration;

use crate::pty_support::{
    KBDASH, ready, scratch, screen, script_available, start_script, tail, wait_for,
};

#[test]
fn three_demo_contexts_show_together_under_a_context_column() {
    if !script_available() {
        return;
    }
    let dir = scratch("demo-contexts");
    let shell = format!(
        "stty rows 40 cols 160; {KBDASH} demo --contexts 3 --clusters 2 --churn 0 --log-file {}",
        dir.join("kbdash.log").display()
    );
    let mut pty = start_script(&dir, &shell);
    ready(&pty, &dir);
    let (rows, cols) = (NonZeroU16::new(40).unwrap(), NonZeroU16::new(160).unwrap());
    let mut shown = String::new();
    let live = wait_for(Duration::from_secs(30), || {
        shown = screen(&dir, rows, cols);
        shown.contains("streams ✓ 24/24 live")
    });
    assert!(live, "the three contexts' 24 streams live: {shown}");
    assert!(shown.contains("ctx demo-1, demo-2, demo-3"), "{shown}");
    assert!(shown.contains("│CONTEXT "), "{shown}");
    // Each context's clusters, by the names in the rows that start with the context.
    let mut names: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in shown.lines() {
        let mut cells = line.trim_start_matches('│').split_whitespace();
        if let (Some(ctx @ ("demo-1" | "demo-2" | "demo-3")), Some(_ns), Some(name)) =
            (cells.next(), cells.next(), cells.next())
        {
            names.entry(ctx).or_default().push(name);
        }
    }
    assert_eq!(names.len(), 3, "a row of each context: {shown}");
    let mut fleets: Vec<Vec<&str>> = names.into_values().collect();
    for fleet in &mut fleets {
        fleet.sort_unstable();
    }
    assert_eq!(fleets[0].len(), 2, "{shown}");
    assert!(
        fleets.iter().all(|f| *f == fleets[0]),
        "the same names in each context: {fleets:?}"
    );
    pty.type_keys("q");
    assert!(pty.finished(), "q ends it: {:?}", tail(&shown, 300));
    let _ = std::fs::remove_dir_all(&dir);
}
