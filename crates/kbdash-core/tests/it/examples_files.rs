//! `examples/` holds exactly what the form code builds from the fixture context.
//! Run with `KBDASH_BLESS=1` to rewrite the files after an intended change.

use std::path::Path;

use kbdash_core::forms::examples::example_files;

#[test]
fn example_files_match_the_builders() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let files = example_files().unwrap();
    assert!(
        files.len() >= 13,
        "one file per op type, the scale-in and the schedule patch"
    );
    let bless = std::env::var("KBDASH_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    assert_eq!(
        on_disk, expected,
        "examples/ has files the generator does not make"
    );
    assert!(
        stale.is_empty(),
        "examples out of date: {stale:?}; rerun with KBDASH_BLESS=1 if the change is intended"
    );
}
