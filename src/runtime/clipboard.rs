//! The clipboard through the terminal: OSC 52 (`ESC ] 52 ; c ; <base64> BEL`), which terminals
//! that allow it (most do, some after asking) put on the system clipboard, also over ssh. The
//! text is only ever written base64-encoded: a name from the API cannot end the sequence early
//! or smuggle another one in.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The OSC 52 sequence that puts `text` on the clipboard.
fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

/// Writes the sequence putting `text` on the clipboard to the terminal `out`.
pub(crate) fn write(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_goes_out_base64_encoded_in_one_osc_52_sequence() {
        let mut out = Vec::new();
        write(&mut out, "demo/pg-0").unwrap();
        assert_eq!(out, b"\x1b]52;c;ZGVtby9wZy0w\x07");
    }

    /// Control characters in a hostile name (an OSC end, an escape, a bell) never reach the
    /// terminal as such: between the sequence's start and its one end there is only base64.
    #[test]
    fn a_hostile_name_cannot_end_the_sequence_or_start_another() {
        let hostile = "x\x07\x1b]52;c;AAAA\x07\x1b\\\x1b[2J数据";
        let mut out = Vec::new();
        write(&mut out, hostile).unwrap();
        let body = out
            .strip_prefix(b"\x1b]52;c;")
            .and_then(|rest| rest.strip_suffix(b"\x07"))
            .unwrap();
        assert!(
            body.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b)),
            "{body:?}"
        );
        assert_eq!(STANDARD.decode(body).unwrap(), hostile.as_bytes());
    }
}
