//! kbdash's pure core: what KubeBlocks objects are (kinds, compact rows), what they mean
//! (domain rules: PITR windows, triage, quantities, PostgreSQL parameters), the requests kbdash
//! builds and validates (forms), and the CRD schema admission the API server would apply.
//!
//! No runtime, terminal or server crate is a dependency: everything here is a function of its
//! inputs, the clock included.

mod atom;
pub mod detail;
pub mod domain;
pub mod forms;
pub mod kinds;
pub mod logs;
pub mod redact;
pub mod rows;
pub mod schema;
pub mod selector;
