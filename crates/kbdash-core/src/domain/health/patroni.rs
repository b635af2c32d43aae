//! Patroni's view of a cluster: `GET /cluster` on its REST API (port 8008,
//! docs/kubeblocks.md#patroni), the data `patronictl list` prints. Read tolerantly: a member
//! missing a field shows it empty, a body that is no JSON object is an error in words.

use serde_json::Value;

/// One member as Patroni reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Member {
    /// `name`: the member's name, the pod's name under KubeBlocks.
    pub name: String,
    /// `host`.
    pub host: String,
    /// `role`: `leader`, `replica`, `sync_standby`, `standby_leader`, verbatim.
    pub role: String,
    /// `state`: `running`, `streaming`, `stopped`, `starting`, ..., verbatim.
    pub state: String,
    /// `timeline`, when reported.
    pub timeline: Option<u64>,
    /// `lag` in MB as patronictl shows it, or the text Patroni sent (`unknown`); empty for
    /// the leader.
    pub lag: String,
    /// `pending_restart`: a parameter changed that takes effect only after a restart.
    pub pending_restart: bool,
}

impl Member {
    /// Whether Patroni calls the member the leader.
    pub fn is_leader(&self) -> bool {
        self.role == "leader" || self.role == "standby_leader"
    }
}

/// The members of one Patroni cluster, in the order Patroni lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatroniCluster {
    /// The members.
    pub members: Vec<Member>,
}

impl PatroniCluster {
    /// The member Patroni calls leader, if exactly one is.
    pub fn leader(&self) -> Option<&Member> {
        let mut leaders = self.members.iter().filter(|m| m.is_leader());
        match (leaders.next(), leaders.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }
}

/// Reads the body of `GET /cluster`.
pub fn parse(body: &str) -> Result<PatroniCluster, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let members = v
        .get("members")
        .and_then(Value::as_array)
        .ok_or("no members list in Patroni's answer")?;
    Ok(PatroniCluster {
        members: members.iter().map(member).collect(),
    })
}

fn member(v: &Value) -> Member {
    let text = |key: &str| match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    // Patroni reports lag in bytes; patronictl shows MB.
    let lag = match v.get("lag") {
        Some(Value::Number(n)) => n
            .as_u64()
            .map(|b| format!("{}", b / (1024 * 1024)))
            .unwrap_or_else(|| n.to_string()),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Member {
        name: text("name"),
        host: text("host"),
        role: text("role"),
        state: text("state"),
        timeline: v.get("timeline").and_then(Value::as_u64),
        lag,
        pending_restart: v.get("pending_restart").and_then(Value::as_bool) == Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_answer_reads_as_patronictl_shows_it() {
        let body = r#"{"members":[
            {"name":"pg-0","role":"leader","state":"running","host":"10.0.0.1","port":5432,"timeline":3},
            {"name":"pg-1","role":"replica","state":"streaming","host":"10.0.0.2","timeline":3,"lag":3145728,"pending_restart":true},
            {"name":"pg-2","role":"replica","state":"starting","lag":"unknown"}
        ],"scope":"pg-postgresql"}"#;
        let c = parse(body).unwrap();
        assert_eq!(c.leader().map(|m| m.name.as_str()), Some("pg-0"));
        assert_eq!(c.members[1].lag, "3");
        assert!(c.members[1].pending_restart);
        assert_eq!(c.members[2].lag, "unknown");
        assert_eq!(c.members[2].timeline, None);
        assert!(parse("<html>").is_err());
        assert!(parse("{}").is_err());
    }
}
