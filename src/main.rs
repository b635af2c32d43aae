//! The `kbdash` binary: tunes the allocator and hands over to the command line
//! ([`kbdash::cli::run`]).

fn main() -> std::process::ExitCode {
    tune_allocator();
    kbdash::cli::run()
}

/// Keeps glibc's allocator from holding on to memory the dashboard no longer uses.
///
/// Each thread that allocates gets its own arena by default, and the threshold above which
/// blocks are mapped separately grows with the largest block freed, so the megabyte-sized list
/// pages of an initial sync end up scattered through the heap between long-lived rows. Two
/// arenas and a fixed 128 KiB threshold (list pages are mapped and unmapped whole) took the
/// RSS at 5,000 clusters from 117 MB to about 100 MB (BENCHMARKS.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}
