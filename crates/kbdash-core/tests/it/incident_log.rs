//! The incident timeline's record: whatever order entries arrive in, it is ordered by time
//! (equal times in arrival order) and holds exactly the newest `INCIDENTS_KEPT` of them.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use kbdash_core::domain::incident::{INCIDENTS_KEPT, Incident, IncidentKind, IncidentLog};

fn base() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap()
}

fn kind() -> impl Strategy<Value = IncidentKind> {
    proptest::sample::select(IncidentKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_log_is_ordered_and_keeps_the_newest_within_its_bound(
        // Mostly rising times with late arrivals and ties, as events and row changes come.
        steps in proptest::collection::vec((-120i64..600, kind()), 0..INCIDENTS_KEPT * 2),
    ) {
        let mut log = IncidentLog::default();
        let mut now = 0i64;
        let mut recorded = Vec::new();
        for (seq, (offset, kind)) in steps.into_iter().enumerate() {
            // Rows' changes move the clock on; an Event may carry an older time.
            now += offset.max(0) / 10;
            let at = base() + Duration::seconds(now + offset.min(0));
            let incident = Incident { at, kind, source: format!("Pod/p{seq}"), text: seq.to_string() };
            recorded.push((at, seq, incident.clone()));
            log.record(incident);
        }
        let kept: Vec<&Incident> = log.entries().collect();
        prop_assert!(kept.windows(2).all(|w| w[0].at <= w[1].at), "ordered by time");
        recorded.sort_by_key(|(at, seq, _)| (*at, *seq));
        let newest: Vec<&Incident> = recorded
            .iter()
            .rev()
            .take(INCIDENTS_KEPT)
            .rev()
            .map(|(_, _, i)| i)
            .collect();
        prop_assert_eq!(kept, newest, "nothing lost within the bound, ties in arrival order");
        for k in IncidentKind::ALL {
            prop_assert!(log.since(None, |s| s == k).all(|e| e.kind == k));
        }
    }
}
