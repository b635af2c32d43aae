//! What kbagent's `roleProbe` Events say. kbagent reports each role probe result as an Event on
//! the pod, reason `roleProbe`, whose message is JSON: the probe's name, its exit `code`, its
//! `output` (the role, as Go marshals a byte slice: base64) and an error `message`; the operator
//! sets the pod's role label from them (docs/kubeblocks.md#roles).

use serde::Deserialize;

/// The reason kbagent gives its role probe Events.
pub const ROLE_PROBE_REASON: &str = "roleProbe";

/// One role probe result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleProbe {
    /// The probe answered with this role (trimmed; empty when it answered nothing).
    Role(String),
    /// The probe failed: its exit code and what it said.
    Failed {
        /// `code`.
        code: i64,
        /// `message`, else the output.
        message: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProbeEvent {
    code: Option<i64>,
    output: Option<String>,
    message: Option<String>,
}

/// Reads a `roleProbe` Event's message; `None` when it is not kbagent's JSON.
pub fn parse(message: &str) -> Option<RoleProbe> {
    let event: ProbeEvent = serde_json::from_str(message).ok()?;
    let output = event.output.as_deref().map(output_text).unwrap_or_default();
    match event.code.unwrap_or(0) {
        0 => Some(RoleProbe::Role(output)),
        code => {
            let message = event.message.filter(|m| !m.is_empty()).unwrap_or(output);
            Some(RoleProbe::Failed { code, message })
        }
    }
}

impl std::fmt::Display for RoleProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoleProbe::Role(role) if role.is_empty() => write!(f, "role probe: no role"),
            RoleProbe::Role(role) => write!(f, "role probe: {role}"),
            RoleProbe::Failed { code, message } => {
                write!(f, "role probe failed (code {code}): {message}")
            }
        }
    }
}

/// The probe's output as text: base64 when it decodes to UTF-8, else as it came (an agent that
/// sends it plain).
fn output_text(output: &str) -> String {
    base64_text(output)
        .unwrap_or_else(|| output.to_string())
        .trim()
        .to_string()
}

/// Standard base64 with padding, decoded to UTF-8 text.
fn base64_text(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || !s.len().is_multiple_of(4) {
        return None;
    }
    let mut bytes = Vec::with_capacity(s.len() / 4 * 3);
    for chunk in s.as_bytes().chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in chunk {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = n << 6 | u32::from(v);
        }
        let [_, a, b, c] = n.to_be_bytes();
        bytes.extend_from_slice(&[a, b, c][..3 - pad.min(2)]);
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_read_from_base64_output() {
        let m =
            r#"{"instance":"pg-postgresql","probe":"roleProbe","code":0,"output":"cHJpbWFyeQ=="}"#;
        assert_eq!(parse(m), Some(RoleProbe::Role("primary".into())));
        assert_eq!(
            parse(m).map(|p| p.to_string()).as_deref(),
            Some("role probe: primary")
        );
    }

    #[test]
    fn plain_output_and_failures_read_too() {
        let plain = r#"{"probe":"roleProbe","code":0,"output":"secondary\n"}"#;
        assert_eq!(parse(plain), Some(RoleProbe::Role("secondary".into())));
        // As kbagent logs a failing probe (kubeblocks#9466).
        let failed =
            r#"{"probe":"roleProbe","code":-1,"output":"","message":"exit code: 1: failed"}"#;
        assert_eq!(
            parse(failed),
            Some(RoleProbe::Failed {
                code: -1,
                message: "exit code: 1: failed".into()
            })
        );
        assert_eq!(parse("Started container kbagent"), None);
    }

    #[test]
    fn base64_needs_whole_quads_and_its_alphabet() {
        assert_eq!(base64_text("c2Vjb25kYXJ5").as_deref(), Some("secondary"));
        assert_eq!(base64_text("YQ==").as_deref(), Some("a"));
        assert_eq!(base64_text("YWI=").as_deref(), Some("ab"));
        assert_eq!(base64_text("abc"), None);
        assert_eq!(base64_text("a=bc"), None);
        assert_eq!(base64_text("ab!c"), None);
    }
}
