//! A pod's containers as `kubectl describe pod` shows them: state, last termination and
//! restarts, read from the followed Pod's `status.containerStatuses` (and its init
//! containers'). No pod row keeps them: a fleet's pods would pay for what one detail shows.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::rows::{Atom, array, get, number, text, text_or_empty, time};

/// Where a container is now (`state`), or where it was (`lastState`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum State {
    /// `running`, since `startedAt`.
    Running {
        /// `startedAt`.
        since: Option<DateTime<Utc>>,
    },
    /// `waiting`, with the kubelet's reason (`CrashLoopBackOff`, `ImagePullBackOff`, ...).
    Waiting {
        /// `reason`, verbatim.
        reason: String,
        /// `message`; empty when absent.
        message: String,
    },
    /// `terminated`.
    Terminated(Termination),
    /// No state reported (yet).
    #[default]
    Unknown,
}

/// A container's end: `state.terminated` or `lastState.terminated`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Termination {
    /// `exitCode`; `None` when absent or unreadable.
    pub exit_code: Option<i64>,
    /// `signal`, when the container was killed by one.
    pub signal: Option<i64>,
    /// `reason` (`Error`, `OOMKilled`, `Completed`, ...), verbatim; empty when absent.
    pub reason: String,
    /// `message`; empty when absent.
    pub message: String,
    /// `finishedAt`.
    pub finished: Option<DateTime<Utc>>,
}

/// One container of a pod.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    /// `name`.
    pub name: Atom,
    /// An init container (listed before the others).
    pub init: bool,
    /// `ready`.
    pub ready: bool,
    /// `restartCount`.
    pub restarts: u32,
    /// `state`.
    pub state: State,
    /// `lastState.terminated`: how the previous run ended, if it did.
    pub last: Option<Termination>,
}

/// The containers of a Pod object: init containers first, then the others, in the order the
/// status lists them; a container of the spec with no status yet is listed as `Unknown`.
pub fn containers(pod: &Value) -> Vec<Container> {
    let mut out = Vec::new();
    for (init, statuses, specs) in [
        (true, "initContainerStatuses", "initContainers"),
        (false, "containerStatuses", "containers"),
    ] {
        let listed = array(pod, &["status", statuses]);
        out.extend(listed.iter().map(|c| container(c, init)));
        for spec in array(pod, &["spec", specs]) {
            let name = text_or_empty(spec, &["name"]);
            if !listed
                .iter()
                .any(|c| text(c, &["name"]).as_deref() == Some(name.as_str()))
            {
                out.push(Container {
                    name: Atom::new(&name),
                    init,
                    ..Container::default()
                });
            }
        }
    }
    out
}

fn container(c: &Value, init: bool) -> Container {
    Container {
        name: Atom::new(&text_or_empty(c, &["name"])),
        init,
        ready: c.get("ready").and_then(Value::as_bool) == Some(true),
        restarts: number(c, &["restartCount"]).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        state: state(get(c, &["state"])),
        last: get(c, &["lastState", "terminated"]).map(termination),
    }
}

fn state(v: Option<&Value>) -> State {
    let Some(v) = v else {
        return State::Unknown;
    };
    if let Some(r) = v.get("running") {
        State::Running {
            since: time(r, &["startedAt"]),
        }
    } else if let Some(w) = v.get("waiting") {
        State::Waiting {
            reason: text_or_empty(w, &["reason"]),
            message: text_or_empty(w, &["message"]),
        }
    } else if let Some(t) = v.get("terminated") {
        State::Terminated(termination(t))
    } else {
        State::Unknown
    }
}

fn termination(t: &Value) -> Termination {
    let int = |field: &str| match t.get(field)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    Termination {
        exit_code: int("exitCode"),
        signal: int("signal"),
        reason: text_or_empty(t, &["reason"]),
        message: text_or_empty(t, &["message"]),
        finished: time(t, &["finishedAt"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_last_terminations_and_missing_statuses() {
        let pod = json!({
            "spec": {"containers": [{"name": "postgresql"}, {"name": "exporter"}, {"name": "new"}],
                "initContainers": [{"name": "init"}]},
            "status": {
                "initContainerStatuses": [{"name": "init", "ready": false, "restartCount": 0,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                        "finishedAt": "2025-06-02T08:00:08Z"}}}],
                "containerStatuses": [
                    {"name": "postgresql", "ready": false, "restartCount": 4,
                        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                            "finishedAt": "2025-06-02T09:00:00Z"}}},
                    {"name": "exporter", "ready": true, "restartCount": "1",
                        "state": {"running": {"startedAt": "2025-06-02T08:00:09Z"}}}]}});
        let got = containers(&pod);
        let names: Vec<(&str, bool)> = got.iter().map(|c| (c.name.as_str(), c.init)).collect();
        assert_eq!(
            names,
            [
                ("init", true),
                ("postgresql", false),
                ("exporter", false),
                ("new", false)
            ]
        );
        assert!(matches!(&got[0].state, State::Terminated(t) if t.exit_code == Some(0)));
        assert_eq!(
            got[1].state,
            State::Waiting {
                reason: "CrashLoopBackOff".into(),
                message: "back-off 40s".into()
            }
        );
        let last = got[1].last.as_ref().unwrap();
        assert_eq!(
            (last.exit_code, last.reason.as_str()),
            (Some(137), "OOMKilled")
        );
        assert_eq!(got[1].restarts, 4);
        assert!(matches!(got[2].state, State::Running { since: Some(_) }));
        assert_eq!((got[2].restarts, got[2].ready), (1, true));
        assert_eq!(got[3].state, State::Unknown);
    }

    #[test]
    fn odd_shapes_give_empty_values() {
        let pod = json!({"status": {"containerStatuses": [7, {"state": "x",
            "lastState": {"terminated": {"exitCode": "nope"}}}]}, "spec": "no"});
        let got = containers(&pod);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].state, State::Unknown);
        assert_eq!(got[1].last.as_ref().unwrap().exit_code, None);
        assert!(containers(&json!(null)).is_empty());
    }
}
