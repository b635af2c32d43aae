//! How the dashboard starts, as far as triage and the wall are concerned.

use crate::state::health::HealthConfig;
use crate::state::model::{Model, Overlay};
use crate::state::triage::WallState;
use kbdash_core::domain::triage::Thresholds;

/// How the dashboard starts: the triage view, wall mode, the rules' thresholds.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Open on the triage view (`--triage`).
    pub open_triage: bool,
    /// Wall mode with this page cycle in seconds (`--wall`, `--cycle`).
    pub wall_cycle: Option<u64>,
    /// The triage rules' thresholds (from the config file).
    pub thresholds: Thresholds,
    /// Whether `c` copies to the clipboard on the wall (`wall.copy` in the config file).
    pub wall_copy: bool,
    /// How database health is scraped and judged (`health` in the config file).
    pub health: HealthConfig,
}

impl Launch {
    /// Sets up a fresh model.
    pub fn apply(&self, m: &mut Model) {
        m.triage.thresholds = self.thresholds;
        m.health.config = self.health;
        m.triage.problems.rebuild();
        if self.open_triage {
            m.overlay = Overlay::Triage { selected: 0 };
        }
        m.wall = self.wall_cycle.map(|cycle| WallState {
            cycle: cycle.max(1),
            copy: self.wall_copy,
            page: 0,
            page_since: m.now,
        });
    }
}
