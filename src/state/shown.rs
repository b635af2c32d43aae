//! The kube contexts a session shows at once: each has a small id ([`Ctx`]) that every row and
//! key of it carries, a name, its API server and whether it is read-only. The engine hands the
//! ids out as it connects; the model keeps them in [`Model::shown`](crate::state::model::Model).

use kbdash_core::rows::Ctx;

/// One context shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// Its id in rows and keys.
    pub ctx: Ctx,
    /// The kubeconfig context's name ("demo" for the embedded demo).
    pub name: String,
    /// Its API server's URL, as messages name it (empty when unknown).
    pub server: String,
    /// Whether it is read-only: nothing that would change its clusters is offered or sent.
    pub readonly: bool,
}

impl Shown {
    /// The first (or only) context of a session: `Ctx(0)`.
    pub fn first(name: &str, server: &str, readonly: bool) -> Shown {
        Shown {
            ctx: Ctx::default(),
            name: name.to_string(),
            server: server.to_string(),
            readonly,
        }
    }
}
