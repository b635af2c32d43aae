//! The operations menu and the form modal. A form goes edit -> (field rules) -> dry run ->
//! preview (YAML, editable and re-validated, `w` writes it to a file) -> typed confirmation for
//! disruptive ops -> submitting -> done (the new object is selected and followed) or failed
//! (the form and any edited YAML stay as they were, for a retry).
//!
//! The restore wizard (Enter on a backup, `:restore`) is a case of the same modal: a
//! `RestoreInput` over a `RestoreContext` instead of an `OpForm`, with the timeline cursor keys
//! on its time field, a redacted preview (the original body is what is sent), the new cluster's
//! name as typed confirmation, and the new cluster followed until the restore ends.
//!
//! [`crate::state::forms`] holds the data (and the editing of a form's fields) and knows nothing
//! of the rest of the model; these modules are the update side: opening ([`open`]), keys
//! ([`keys`], dispatched from the keymap table), answers to the effects ([`answers`]),
//! following what was submitted ([`follow`]) and keeping the restore wizard's window and "now"
//! live ([`restore_live`]).

pub(crate) mod answers;
pub mod follow;
pub(crate) mod keys;
pub(crate) mod open;
pub(crate) mod restore_live;
