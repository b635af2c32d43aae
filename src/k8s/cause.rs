//! Why a request to the API server failed, in words a user can act on: the connection was
//! refused, timed out or reset, the name did not resolve, TLS failed, the server answered 401
//! or 403 (with its message), the credential plugin failed. kube's own text for these is its
//! wrapping ("ServiceError: client error (Connect)") or, for a failed exec plugin, the plugin's
//! whole output: what is said here never quotes a credential.

use std::error::Error;
use std::io::ErrorKind;

use kube::client::AuthError;

use crate::k8s::credentials::PluginError;

/// The cause of `e`, found in its chain of sources.
pub(crate) fn describe(e: &(dyn Error + 'static)) -> String {
    let chain: Vec<&(dyn Error + 'static)> =
        std::iter::successors(Some(e), |&e| e.source()).collect();
    if let Some(status) = chain
        .iter()
        .find_map(|e| match e.downcast_ref::<kube::Error>() {
            Some(kube::Error::Api(status)) => Some(status),
            _ => None,
        })
    {
        let message = status.message.trim();
        let said = match status.code {
            401 => "401 Unauthorized: the API server refused the credentials",
            403 => "403 Forbidden",
            _ => "",
        };
        return match (said, message.is_empty()) {
            ("", true) => format!("the API server answered {} {}", status.code, status.reason),
            ("", false) => format!("the API server answered {}: {message}", status.code),
            (said, true) => said.to_string(),
            (said, false) => format!("{said} ({message})"),
        };
    }
    if let Some(plugin) = chain.iter().find_map(|e| e.downcast_ref::<PluginError>()) {
        return plugin.to_string();
    }
    if let Some(auth) = chain.iter().find_map(|e| e.downcast_ref::<AuthError>()) {
        return match auth {
            // Their messages quote the plugin's output, credential included.
            AuthError::AuthExecRun { out, .. } => {
                format!("the credential command failed ({})", out.status)
            }
            AuthError::AuthExecParse(_) => {
                "the credential command printed no usable credential".into()
            }
            other => format!("authentication: {other}"),
        };
    }
    let innermost = chain.last().map(|e| e.to_string()).unwrap_or_default();
    if chain.iter().any(|e| e.to_string() == "dns error") {
        return format!("DNS lookup failed: {innermost}");
    }
    if let Some(kind) = chain.iter().rev().find_map(|e| io_kind(*e)) {
        match kind {
            ErrorKind::ConnectionRefused => return "connection refused".into(),
            ErrorKind::TimedOut => return "timed out".into(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                return "the connection was reset".into();
            }
            // rustls reports a failed handshake or certificate check as invalid data.
            ErrorKind::InvalidData => return format!("TLS failed: {innermost}"),
            _ => {}
        }
    }
    said_once(chain)
}

/// How every [`PluginError`] text begins.
const PLUGIN_SAYS: &str = "the credential plugin ";

/// The first words of a cause [`describe`] gave, for a place with room for a few:
/// `connection refused`, `timed out`, `TLS failed`, `DNS lookup failed`, `401 Unauthorized`,
/// `403 Forbidden`. Its texts put what happened first and the details after `: ` or ` (`.
/// A credential plugin's failure is the exception and kept whole: its reason (the last line
/// the plugin wrote to stderr) is what the user acts on, and [`PluginError`] keeps it short.
pub(crate) fn headline(described: &str) -> &str {
    if described.starts_with(PLUGIN_SAYS) {
        return described;
    }
    let end = [": ", " ("]
        .iter()
        .filter_map(|sep| described.find(sep))
        .min()
        .unwrap_or(described.len());
    &described[..end]
}

/// The kind of an I/O error, looking inside the I/O errors it wraps.
fn io_kind(e: &(dyn Error + 'static)) -> Option<ErrorKind> {
    let mut io = e.downcast_ref::<std::io::Error>()?;
    while let Some(inner) = io
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<std::io::Error>())
    {
        io = inner;
    }
    Some(io.kind())
}

/// The messages of an error's chain joined, each said once (a library's message often repeats
/// its source's, which the chain then gives again).
pub(crate) fn said_once<'a>(chain: impl IntoIterator<Item = &'a (dyn Error + 'static)>) -> String {
    let mut text = String::new();
    for e in chain {
        let e = e.to_string();
        if text.contains(&e) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&e);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    use kube::Client;

    fn describe_kube(e: kube::Error) -> String {
        describe(&e)
    }

    #[tokio::test]
    async fn a_refused_connection_and_a_name_that_does_not_resolve_are_named() {
        for (url, said) in [
            ("http://127.0.0.1:1", "connection refused"),
            ("http://no-such-host.invalid:6443", "DNS lookup failed: "),
        ] {
            let client = Client::try_from(kube::Config::new(url.parse().unwrap())).unwrap();
            let e = client.apiserver_version().await.unwrap_err();
            let text = describe_kube(e);
            assert!(text.starts_with(said), "{url}: {text}");
        }
    }

    #[test]
    fn headlines_are_the_first_words() {
        for (text, said) in [
            ("connection refused", "connection refused"),
            (
                "DNS lookup failed: failed to lookup address",
                "DNS lookup failed",
            ),
            (
                "TLS failed: invalid peer certificate: UnknownIssuer",
                "TLS failed",
            ),
            (
                "401 Unauthorized: the API server refused the credentials (Unauthorized)",
                "401 Unauthorized",
            ),
            ("403 Forbidden (pods is forbidden)", "403 Forbidden"),
            (
                "the credential plugin sh failed (exit status: 3): error: token revoked",
                "the credential plugin sh failed (exit status: 3): error: token revoked",
            ),
            (
                "GET /version got no answer within 4s",
                "GET /version got no answer within 4s",
            ),
        ] {
            assert_eq!(headline(text), said);
        }
    }

    #[test]
    fn api_answers_say_their_code_and_message() {
        let status = |code: u16, reason: &str, message: &str| {
            kube::Error::Api(
                kube::core::Status::failure(message, reason)
                    .with_code(code)
                    .boxed(),
            )
        };
        assert_eq!(
            describe_kube(status(401, "Unauthorized", "Unauthorized")),
            "401 Unauthorized: the API server refused the credentials (Unauthorized)"
        );
        assert_eq!(
            describe_kube(status(403, "Forbidden", "pods is forbidden")),
            "403 Forbidden (pods is forbidden)"
        );
        assert_eq!(
            describe_kube(status(503, "ServiceUnavailable", "")),
            "the API server answered 503 ServiceUnavailable"
        );
    }

    #[test]
    fn every_plugin_failure_begins_as_headline_expects() {
        let failures = [
            PluginError::Start {
                name: "aws".into(),
                error: "not found".into(),
            },
            PluginError::Timeout {
                name: "aws".into(),
                seconds: 3,
            },
            PluginError::Failed {
                name: "aws".into(),
                status: "exit status: 3".into(),
                stderr: Some("token revoked".into()),
            },
        ];
        for e in failures {
            assert!(e.to_string().starts_with(PLUGIN_SAYS), "{e}");
        }
    }

    #[test]
    fn a_plugin_failure_is_said_as_the_plugin_says_it() {
        let e = kube::Error::Service(Box::new(PluginError::Timeout {
            name: "aws".into(),
            seconds: 3,
        }));
        assert_eq!(
            describe_kube(e),
            "the credential plugin aws gave no credentials within 3 s; it was stopped"
        );
    }
}
