//! `--request-log`: one line per request, `TIME METHOD PATH?QUERY STATUS`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{SecondsFormat, Utc};

/// An append-only request log shared by every connection.
#[derive(Clone)]
pub(crate) struct RequestLog {
    file: Arc<Mutex<File>>,
}

impl RequestLog {
    /// Opens (creating if needed) the log for appending.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(RequestLog {
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// Appends one line. A failing disk must not fail the request, so errors are dropped.
    pub(crate) fn record(&self, method: &str, path_and_query: &str, status: u16) {
        let line = format_line(
            &Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            method,
            path_and_query,
            status,
        );
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = f.write_all(line.as_bytes());
    }
}

/// One log line, newline included.
pub(crate) fn format_line(time: &str, method: &str, path_and_query: &str, status: u16) -> String {
    format!("{time} {method} {path_and_query} {status}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        assert_eq!(
            format_line(
                "2026-01-01T00:00:00.000Z",
                "GET",
                "/api/v1/pods?limit=5",
                200
            ),
            "2026-01-01T00:00:00.000Z GET /api/v1/pods?limit=5 200\n"
        );
    }
}
