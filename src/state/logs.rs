//! The log view's state: whose log, which container and run, the lines kept (a bounded
//! buffer), whether the view follows the end or is paused where the user scrolled to (new
//! lines counted meanwhile), the search, and the stream's health. Its commands and messages.

use std::path::PathBuf;

use crate::k8s::logs::{LogEvent, LogRequest, LogSource};
use crate::state::model::Overlay;
use kbdash_core::logs::buffer::LogBuffer;
use kbdash_core::rows::ObjKey;

/// The tail lengths `+` and `-` step through; `None`: the whole log.
pub const TAILS: [Option<i64>; 5] = [Some(100), Some(500), Some(1000), Some(5000), None];

/// The tail a log view opens with (an index into [`TAILS`]).
pub const DEFAULT_TAIL: usize = 1;

/// How the stream is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    /// Finding the pod and opening the stream.
    Connecting,
    /// Lines arrive as the container writes them.
    Streaming,
    /// The stream dropped and is opened again from where it got to.
    Reconnecting {
        /// Why it dropped.
        error: String,
        /// How many times in a row.
        attempt: u32,
    },
    /// The whole log was read (a previous container's).
    Ended,
    /// No log, and why.
    Failed(String),
}

/// The search of a log: the query, and the position of the match the view is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSearch {
    /// What is searched for (ASCII case ignored).
    pub query: String,
    /// The buffer position of the current match, if one was found.
    pub at: Option<usize>,
}

/// An open log view.
#[derive(Debug, Clone, PartialEq)]
pub struct LogView {
    /// The stream the view shows; messages of earlier streams are ignored.
    pub session: u64,
    /// Whose log was asked for.
    pub source: LogSource,
    /// The pods `[` and `]` step through (a cluster's, primary first); empty otherwise.
    pub pods: Vec<ObjKey>,
    /// The pod found, once found.
    pub pod: Option<ObjKey>,
    /// The pod's containers, the usual one first.
    pub containers: Vec<String>,
    /// The container shown, once known.
    pub container: Option<String>,
    /// The previous (terminated) run of the container.
    pub previous: bool,
    /// The tail length asked for (an index into [`TAILS`]).
    pub tail: usize,
    /// Show each line's time.
    pub timestamps: bool,
    /// Wrap long lines instead of cutting them.
    pub wrap: bool,
    /// The lines kept.
    pub buffer: LogBuffer,
    /// The stream's health.
    pub status: LogStatus,
    /// Where the view is paused: the buffer position of its top line; `None` follows the end.
    pub paused_at: Option<usize>,
    /// Lines that arrived while paused.
    pub unseen: usize,
    /// The search, once one was typed.
    pub search: Option<LogSearch>,
    /// Where `Ctrl-S` last wrote the log.
    pub written: Option<PathBuf>,
    /// What the view covers: `Esc` goes back to it.
    pub return_to: Overlay,
}

impl LogView {
    /// A view of `source`'s log, stream `session`, covering `return_to`.
    pub fn new(session: u64, source: LogSource, pods: Vec<ObjKey>, return_to: Overlay) -> LogView {
        LogView {
            session,
            source,
            pods,
            pod: None,
            containers: Vec::new(),
            container: None,
            previous: false,
            tail: DEFAULT_TAIL,
            timestamps: false,
            wrap: false,
            buffer: LogBuffer::default(),
            status: LogStatus::Connecting,
            paused_at: None,
            unseen: 0,
            search: None,
            written: None,
            return_to,
        }
    }

    /// Whether the view follows the end of the log.
    pub fn following(&self) -> bool {
        self.paused_at.is_none()
    }

    /// The request for the view's stream as it is set now.
    pub fn request(&self) -> LogRequest {
        let source = match (&self.source, &self.pod) {
            // Once found, the pod is asked for by name: another container or run of the same
            // pod, not another of a backup's pods.
            (LogSource::Pod(_), Some(pod)) => LogSource::Pod(pod.clone()),
            (source, _) => source.clone(),
        };
        LogRequest {
            source,
            container: self.container.clone(),
            previous: self.previous,
            tail: TAILS.get(self.tail).copied().flatten(),
        }
    }

    /// Starts over with stream `session`: the lines, the pause and the stream's health go;
    /// what was chosen stays.
    pub fn restart(&mut self, session: u64) {
        self.session = session;
        self.buffer.clear();
        self.status = LogStatus::Connecting;
        self.paused_at = None;
        self.unseen = 0;
        if let Some(s) = &mut self.search {
            s.at = None;
        }
    }

    /// Takes in an event of the view's stream.
    pub fn apply(&mut self, event: LogEvent) {
        match event {
            LogEvent::Opened {
                pod,
                containers,
                container,
            } => {
                self.pod = Some(pod);
                self.containers = containers;
                self.container = Some(container);
                self.status = LogStatus::Streaming;
            }
            LogEvent::Lines(lines) => {
                self.status = LogStatus::Streaming;
                if self.paused_at.is_some() {
                    self.unseen += lines.len();
                }
                for line in lines {
                    self.buffer.push(line);
                }
                if let Some(top) = &mut self.paused_at {
                    *top = (*top).max(self.buffer.first());
                }
            }
            LogEvent::Reconnecting { error, attempt } => {
                self.status = LogStatus::Reconnecting { error, attempt };
            }
            LogEvent::Resumed => self.status = LogStatus::Streaming,
            LogEvent::Ended => self.status = LogStatus::Ended,
            LogEvent::Failed(e) => self.status = LogStatus::Failed(e),
        }
    }

    /// The file name `Ctrl-S` writes the log to: pod, container, run and the time given.
    pub fn file_name(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let pod = self
            .pod
            .as_ref()
            .map_or_else(|| "pod".to_string(), |p| p.name.to_string());
        let container = self.container.as_deref().unwrap_or("log");
        let previous = if self.previous { "-previous" } else { "" };
        let name = format!(
            "{pod}-{container}{previous}-{}.log",
            now.format("%Y%m%dT%H%M%SZ")
        );
        // Names from the API are file names here: nothing that would leave the directory.
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The kept lines as a file holds them: each with its time when it has one.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (_, line) in self.buffer.iter() {
            if let Some(at) = line.at {
                out.push_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true));
                out.push(' ');
            }
            out.push_str(&line.text);
            out.push('\n');
        }
        out
    }
}

/// An effect of the log view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsCmd {
    /// Open the stream (closing the one before).
    Open {
        /// The stream's number, which its messages carry.
        session: u64,
        /// What to stream.
        request: LogRequest,
    },
    /// Close the stream.
    Close,
    /// Write the log to a new file in the current directory (never replacing one).
    Write {
        /// The file's name.
        path: PathBuf,
        /// What to write.
        text: String,
    },
}

/// What the log view's effects answer.
#[derive(Debug, Clone, PartialEq)]
pub enum LogsMsg {
    /// An event of stream `session`.
    Event {
        /// The stream's number.
        session: u64,
        /// What happened.
        event: LogEvent,
    },
    /// The log was written to this file (absolute), or why not.
    Written(Result<PathBuf, String>),
}
