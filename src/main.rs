fn main() -> anyhow::Result<()> {
    kbdash::cli::run()
}
