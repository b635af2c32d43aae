//! The one rule for secrets in objects: what kbdash never shows or writes in full.
//!
//! KubeBlocks keeps encrypted system-account passwords and connection passwords in annotations
//! (docs/kubeblocks.md#backup-labels, #restore-annotation):
//! - a Backup's `kubeblocks.io/encrypted-system-accounts` (`{"<component>":{"<account>":
//!   "<ciphertext>"}}`) and `dataprotection.kubeblocks.io/connection-password`;
//! - a restored Cluster's `kubeblocks.io/restore-from-backup`, whose per-component entries carry
//!   `encryptedSystemAccounts` (`{"<account>":"<ciphertext>"}`) and `connectionPassword`;
//! - a Backup's `kubeblocks.io/cluster-snapshot` (the source Cluster as JSON, its annotations
//!   included): a backup of a restored cluster carries that cluster's restore annotation;
//! - environment variables handed to a restore, whose name says they hold a secret
//!   ([`secret_name`]): the restore annotation's `restoreEnv` (a JSON-encoded list of env vars,
//!   docs/kubeblocks.md#restore-annotation), a Restore OpsRequest's `spec.restore.env` and a
//!   Restore's `spec.env` (docs/kubeblocks.md#restore-forms).
//!
//! Every place an object is shown or written goes through this module: the YAML view,
//! previews and the files written from them, the audit log, and messages that may quote a
//! request ([`scrub`]). What is sent to the API is always the original.

use serde_json::{Map, Value, json};

use crate::forms::{
    CLUSTER_SNAPSHOT_ANNOTATION, CONNECTION_PASSWORD_ANNOTATION, ENCRYPTED_ACCOUNTS_ANNOTATION,
    RESTORE_FROM_BACKUP_ANNOTATION,
};

/// Secrets shorter than this are not searched for in free text by [`scrub`]: a short string
/// occurs by chance in messages, and replacing it there would garble them.
const SCRUB_MIN_CHARS: usize = 6;

/// A secret shortened for display: its first 4 characters and its length, e.g.
/// `4nxp…(60 chars)`; strings of up to 8 characters are fully masked.
pub fn secret(s: &str) -> String {
    let n = s.chars().count();
    if n <= 8 {
        return format!("…({n} chars)");
    }
    let head: String = s.chars().take(4).collect();
    format!("{head}…({n} chars)")
}

/// A copy of an object (Cluster, Backup, OpsRequest...) safe to show or write: every secret
/// the module lists shortened by [`secret`]. Objects without them come back unchanged.
pub fn redacted(obj: &Value) -> Value {
    let mut out = obj.clone();
    rewrite(&mut out, &mut |s| secret(s));
    out
}

/// The secrets an object carries, in full: what [`redacted`] hides. For [`scrub`].
pub fn secrets(obj: &Value) -> Vec<String> {
    let mut found = Vec::new();
    // The copy is only walked: each secret is noted and left as it was.
    rewrite(&mut obj.clone(), &mut |s| {
        found.push(s.to_string());
        s.to_string()
    });
    found
}

/// `text` with every occurrence of one of `secrets` shortened by [`secret`]: for messages that
/// may quote an object (an API server's refusal can echo the value it refused).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.chars().count() >= SCRUB_MIN_CHARS && out.contains(s.as_str()) {
            out = out.replace(s.as_str(), &secret(s));
        }
    }
    out
}

/// Whether an environment variable's name says it holds a secret (`PGPASSWORD`,
/// `AWS_SECRET_ACCESS_KEY`, `api-token`...): its value is shortened wherever it is shown.
pub fn secret_name(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "PASSWORD",
        "PASSWD",
        "PWD",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "PRIVATE",
        "ACCESS_KEY",
        "API_KEY",
    ];
    // The shell's working directories, not passwords, though `PWD` is in `DB_PWD`.
    const DIRECTORIES: [&str; 2] = ["PWD", "OLDPWD"];
    let name = name.to_uppercase().replace('-', "_");
    if DIRECTORIES.contains(&name.as_str()) {
        return false;
    }
    WORDS.iter().any(|w| name.contains(w)) || name.contains("APIKEY")
}

/// What becomes of one secret string.
type Leaf<'a> = dyn FnMut(&str) -> String + 'a;

/// Replaces the value of every variable of the env list `env` whose name is a
/// [`secret_name`] by `f` of it.
fn rewrite_env(env: &mut Value, f: &mut Leaf<'_>) {
    for var in env.as_array_mut().into_iter().flatten() {
        let secret = var
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(secret_name);
        if let Some(value) = var.get_mut("value").filter(|_| secret) {
            rewrite_leaf(value, f);
        }
    }
}

/// Replaces every secret string in `obj` (its annotations, its restore env) by `f` of it.
fn rewrite(obj: &mut Value, f: &mut Leaf<'_>) {
    for pointer in ["/spec/restore/env", "/spec/env"] {
        if let Some(env) = obj.pointer_mut(pointer) {
            rewrite_env(env, f);
        }
    }
    let Some(annotations) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Some(v) = annotations.get_mut(ENCRYPTED_ACCOUNTS_ANNOTATION) {
        rewrite_json_string(v, f, &mut |map, f| {
            for accounts in map.values_mut().filter_map(Value::as_object_mut) {
                accounts.values_mut().for_each(|s| rewrite_leaf(s, f));
            }
        });
    }
    if let Some(v) = annotations.get_mut(CONNECTION_PASSWORD_ANNOTATION) {
        rewrite_leaf(v, f);
    }
    if let Some(v) = annotations.get_mut(RESTORE_FROM_BACKUP_ANNOTATION) {
        rewrite_json_string(v, f, &mut |entries, f| {
            for entry in entries.values_mut().filter_map(Value::as_object_mut) {
                if let Some(accounts) = entry.get_mut("encryptedSystemAccounts") {
                    rewrite_json_string(accounts, f, &mut |m, f| {
                        m.values_mut().for_each(|s| rewrite_leaf(s, f));
                    });
                }
                if let Some(pw) = entry.get_mut("connectionPassword") {
                    rewrite_leaf(pw, f);
                }
                // A JSON-encoded list; one that is not a list holds no variable to judge.
                if let Some(env) = entry.get_mut("restoreEnv")
                    && let Some(mut list @ Value::Array(_)) =
                        env.as_str().and_then(|t| serde_json::from_str(t).ok())
                {
                    rewrite_env(&mut list, f);
                    *env = json!(list.to_string());
                }
            }
        });
    }
    // The snapshot is no secret itself: a snapshot that is not a JSON object is left alone.
    if let Some(v) = annotations.get_mut(CLUSTER_SNAPSHOT_ANNOTATION)
        && let Some(Value::Object(cluster)) = v.as_str().and_then(|t| serde_json::from_str(t).ok())
    {
        let mut cluster = Value::Object(cluster);
        rewrite(&mut cluster, f);
        *v = json!(cluster.to_string());
    }
}

/// A secret value: a string (or, in an unexpected shape, its JSON text) replaced by `f` of it.
fn rewrite_leaf(v: &mut Value, f: &mut Leaf<'_>) {
    let text = match &*v {
        Value::String(s) => s.clone(),
        Value::Null => return,
        other => other.to_string(),
    };
    *v = json!(f(&text));
}

/// Applies `inner` to a JSON object encoded in a string value; a string that is not a JSON
/// object is a secret whole (it may be one in an unexpected shape).
fn rewrite_json_string(
    v: &mut Value,
    f: &mut Leaf<'_>,
    inner: &mut dyn FnMut(&mut Map<String, Value>, &mut Leaf<'_>),
) {
    let text = v.as_str().unwrap_or_default();
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut map)) => {
            inner(&mut map, f);
            *v = json!(Value::Object(map).to_string());
        }
        _ => rewrite_leaf(v, f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restored_cluster() -> Value {
        let inner = json!({"postgres": "SECRETSECRETSECRET"}).to_string();
        let annotation = json!({"postgresql": {
            "name": "b",
            "encryptedSystemAccounts": inner,
            "connectionPassword": "PASSWORDPASSWORD",
        }})
        .to_string();
        json!({"metadata": {"name": "restored", "annotations": {
            RESTORE_FROM_BACKUP_ANNOTATION: annotation,
            "other": "SECRETSECRETSECRET-but-not-ours",
        }}})
    }

    #[test]
    fn secrets_are_shortened_whatever_their_length() {
        assert_eq!(secret("abc"), "…(3 chars)");
        assert_eq!(secret("4nxphPm2FuSXlyN7"), "4nxp…(16 chars)");
    }

    #[test]
    fn redaction_reaches_nested_account_strings() {
        let mut obj = restored_cluster();
        obj["metadata"]["annotations"][ENCRYPTED_ACCOUNTS_ANNOTATION] =
            json!(json!({"postgresql": {"kbadmin": "CIPHERCIPHERCIPHER"}}).to_string());
        obj["metadata"]["annotations"][CONNECTION_PASSWORD_ANNOTATION] = json!("PASSWORDPASSWORD");
        let text = redacted(&obj).to_string();
        for secret in ["CIPHERCIPHERCIPHER", "PASSWORDPASSWORD"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        assert_eq!(text.matches("SECRETSECRETSECRET").count(), 1, "{text}");
        assert!(text.contains("SECRETSECRETSECRET-but-not-ours"));
        assert!(text.contains("SECR…(18 chars)"));
        assert!(text.contains("\\\"name\\\":\\\"b\\\""), "{text}");
        let not_json =
            json!({"metadata": {"annotations": {ENCRYPTED_ACCOUNTS_ANNOTATION: "rawrawrawraw"}}});
        assert!(!redacted(&not_json).to_string().contains("rawrawrawraw"));
    }

    #[test]
    fn a_snapshot_of_a_restored_cluster_is_redacted_inside() {
        let backup = json!({"metadata": {"annotations": {
            CLUSTER_SNAPSHOT_ANNOTATION: restored_cluster().to_string(),
        }}});
        assert_eq!(secrets(&backup), ["SECRETSECRETSECRET", "PASSWORDPASSWORD"]);
        let shown = redacted(&backup);
        assert_eq!(secrets(&shown), ["SECR…(18 chars)", "PASS…(16 chars)"]);
        let snapshot: Value = serde_json::from_str(
            shown["metadata"]["annotations"][CLUSTER_SNAPSHOT_ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(snapshot["metadata"]["name"], "restored", "the rest stays");
        assert_eq!(
            snapshot["metadata"]["annotations"]["other"],
            "SECRETSECRETSECRET-but-not-ours"
        );
    }

    #[test]
    fn the_secrets_listed_are_those_redaction_hides() {
        let obj = restored_cluster();
        let found = secrets(&obj);
        assert_eq!(found, ["SECRETSECRETSECRET", "PASSWORDPASSWORD"]);
        assert_eq!(
            secrets(&json!({"metadata": {"name": "x"}})),
            Vec::<String>::new()
        );
        let refusal = "Invalid value: \"PASSWORDPASSWORD\": nope; SECRETSECRETSECRET";
        assert_eq!(
            scrub(refusal, &found),
            "Invalid value: \"PASS…(16 chars)\": nope; SECR…(18 chars)"
        );
        // A short secret is not searched for in text: it would match by chance.
        assert_eq!(scrub("a pw here", &["pw".into()]), "a pw here");
    }

    /// Environment variables given to a restore are shown, but not the values of those whose
    /// name says they are secret: in the restore annotation's `restoreEnv`, a Restore
    /// OpsRequest's `spec.restore.env` and a Restore's `spec.env`.
    #[test]
    fn a_restore_env_keeps_secret_values_hidden() {
        let env = json!([
            {"name": "PGPASSWORD", "value": "PASSWORDPASSWORD"},
            {"name": "aws-secret-access-key", "value": "AWSSECRETAWSSECRET"},
            {"name": "RESTORE_PARALLELISM", "value": "4"},
        ]);
        let annotation = json!({"postgresql": {
            "name": "b",
            "restoreEnv": env.to_string(),
        }})
        .to_string();
        let cluster = json!({"metadata": {"annotations": {
            RESTORE_FROM_BACKUP_ANNOTATION: annotation,
        }}});
        let ops = json!({"spec": {"type": "Restore", "restore": {"backupName": "b", "env": env}}});
        let restore = json!({"kind": "Restore", "spec": {"env": env}});
        for obj in [cluster, ops, restore] {
            let text = redacted(&obj).to_string();
            for secret in ["PASSWORDPASSWORD", "AWSSECRETAWSSECRET"] {
                assert!(!text.contains(secret), "{secret} leaked in {text}");
            }
            assert!(text.contains("PASS…(16 chars)"), "{text}");
            assert!(text.contains("RESTORE_PARALLELISM"), "{text}");
            assert_eq!(
                secrets(&obj),
                ["PASSWORDPASSWORD", "AWSSECRETAWSSECRET"],
                "{obj}"
            );
        }
        assert!(secret_name("PGPASSWORD") && secret_name("api-token"));
        assert!(!secret_name("RESTORE_PARALLELISM") && !secret_name("PGPORT"));
        assert!(secret_name("DB_PWD") && !secret_name("PWD") && !secret_name("oldpwd"));
    }
}
