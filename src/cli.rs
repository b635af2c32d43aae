//! The command line.

use anyhow::Result;

/// Parses the command line and runs the chosen mode.
pub fn run() -> Result<()> {
    Ok(())
}
