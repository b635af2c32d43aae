fn main() {
    if let Err(e) = kbdash::cli::run() {
        // The whole chain of causes on one line, like kubectl; no backtrace for user errors.
        eprintln!("kbdash: {e:#}");
        std::process::exit(1);
    }
}
