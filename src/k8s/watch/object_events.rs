//! The Events of the objects a detail view shows, listed and watched with field selectors
//! (`involvedObject.kind` and `.name`) only while the view is open: one short-lived stream per
//! object, reporting to the view ([`super::Report::ObjectEvents`]), not to the store.

use kube::Client;
use tokio::task::JoinSet;

use kbdash_core::kinds::Kind;

use super::{Feed, Report, Sink, WatchTiming, collection, stream};

/// One object whose Events a detail shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSubject {
    /// `involvedObject.kind`, e.g. `Pod` or `InstanceSet`.
    pub kind: String,
    /// `involvedObject.name`.
    pub name: String,
}

impl EventSubject {
    /// The field selector of the subject's Events.
    pub fn field_selector(&self) -> String {
        format!(
            "involvedObject.kind={},involvedObject.name={}",
            self.kind, self.name
        )
    }
}

/// Starts one stream per subject in `namespace` into `tasks`; they report as detail `id`. The
/// caller stops them by dropping or aborting `tasks`.
pub fn spawn<M: From<Report> + Send + 'static>(
    tasks: &mut JoinSet<()>,
    client: &Client,
    namespace: &str,
    subjects: &[EventSubject],
    id: u64,
    timing: WatchTiming,
    sink: &Sink<M>,
) {
    for subject in subjects {
        let stream = stream::Stream {
            client: client.clone(),
            kind: Kind::Event,
            collection: collection(Kind::Event, Some(namespace)),
            labels: None,
            fields: Some(subject.field_selector()),
            feed: Feed::Detail(id),
            timing,
            sink: sink.clone(),
        };
        tasks.spawn(stream.run());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_selects_by_kind_and_name() {
        let s = EventSubject {
            kind: "InstanceSet".into(),
            name: "pg-postgresql".into(),
        };
        assert_eq!(
            s.field_selector(),
            "involvedObject.kind=InstanceSet,involvedObject.name=pg-postgresql"
        );
    }
}
