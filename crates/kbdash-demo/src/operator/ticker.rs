//! Periodic refreshes spread over time: each member of a set is visited once per simulated
//! interval, but never faster than a global rate, so a fleet of thousands of continuous backups
//! costs a steady trickle of writes instead of bursts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::ctx::{Ctx, Key, RoundRobin, lock};

/// Visits the members of `set` in turn for ever; `visit` returns false to drop a member.
pub(crate) async fn round_robin<S, N, V>(
    ctx: Arc<Ctx>,
    set: S,
    added: N,
    interval_secs: f64,
    visit: V,
) where
    S: Fn(&Ctx) -> &Mutex<RoundRobin>,
    N: Fn(&Ctx) -> &Notify,
    V: Fn(&Ctx, &Key) -> bool,
{
    let min_gap = Duration::from_secs_f64(1.0 / ctx.pacing.updates_per_sec.max(0.01));
    loop {
        let members = lock(set(&ctx)).len();
        if members == 0 {
            added(&ctx).notified().await;
            continue;
        }
        let gap = (ctx.real(interval_secs) / members as u32).max(min_gap);
        tokio::time::sleep(gap).await;
        let Some(key) = lock(set(&ctx)).next() else {
            continue;
        };
        if !visit(&ctx, &key) {
            lock(set(&ctx)).remove(&key);
        }
    }
}
