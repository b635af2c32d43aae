//! What the detail views show beyond the rows: facts read from the one object a detail view
//! follows (a pod's containers), from objects fetched once when a cluster's detail opens (its
//! Services, its Restore objects), or kept compactly on the rows of the few objects that carry
//! them (a restored cluster's source, a Restore or Reconfiguring request's spec). Every reader
//! is tolerant of any shape, as the rows are.

pub mod containers;
pub mod params;
pub mod restored;
pub mod services;
