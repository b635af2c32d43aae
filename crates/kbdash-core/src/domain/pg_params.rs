//! PostgreSQL parameter rules of the KubeBlocks PostgreSQL addon, per major version.
//!
//! The rules come from the bundled `postgresql-parameters.tsv` (derived from the addon's CUE
//! config constraints and effect-scope files, see the reference SOURCES.md), parsed once.
//! [`validate`] checks a `name = value` pair the way the operator's Parameter controller does
//! (type, range, enum, unit suffixes where the CUE schema declares a storage or duration unit)
//! and, in [`ValueMode::Form`], a little stricter, the way kbdash's reconfigure form wants it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

const TSV: &str = include_str!("postgresql-parameters.tsv");

/// The bundled table, parsed on first use. The file is part of the crate and a unit test
/// parses it, so a parse failure is a build defect, not external data.
#[allow(
    clippy::expect_used,
    reason = "the bundled table, parsed by a unit test"
)]
static TABLE: LazyLock<BTreeMap<u32, BTreeMap<&'static str, ParamRule>>> = LazyLock::new(|| {
    parse_table(TSV).expect("bundled postgresql-parameters.tsv parses (checked by unit test)")
});

/// Base type of a parameter, with its bounds or allowed values.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// `true` or `false` (the operator also takes `1`, `t`, `TRUE`, ... as Go's `ParseBool`
    /// does).
    Bool,
    /// An integer, possibly written with a unit suffix (`128MB`, `5min`).
    Int {
        /// Inclusive lower bound from the addon's CUE schema, in the parameter's unit.
        min: Option<i64>,
        /// Inclusive upper bound, in the parameter's unit.
        max: Option<i64>,
    },
    /// A real number.
    Float {
        /// Inclusive lower bound from the addon's CUE schema.
        min: Option<f64>,
        /// Inclusive upper bound.
        max: Option<f64>,
    },
    /// Any text.
    String,
    /// A string with a closed set of literals (case-sensitive, as CUE compares them).
    Enum(Vec<&'static str>),
}

/// When a change takes effect, as the addon's effect-scope files say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Applied by a reload on the primary.
    Dynamic,
    /// Applied by a rolling restart.
    Static,
    /// Refused by the operator.
    Immutable,
}

/// The unit a numeric parameter is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Bytes,
    KiloBytes,
    /// 8 kB blocks (shared_buffers and friends).
    Blocks8k,
    MegaBytes,
    Millis,
    Seconds,
    Minutes,
}

impl Unit {
    fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "B" => Unit::Bytes,
            "kB" => Unit::KiloBytes,
            "8kB" => Unit::Blocks8k,
            "MB" => Unit::MegaBytes,
            "ms" => Unit::Millis,
            "s" => Unit::Seconds,
            "min" => Unit::Minutes,
            _ => return None,
        })
    }

    /// The unit as PostgreSQL writes it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "B",
            Unit::KiloBytes => "kB",
            Unit::Blocks8k => "8kB",
            Unit::MegaBytes => "MB",
            Unit::Millis => "ms",
            Unit::Seconds => "s",
            Unit::Minutes => "min",
        }
    }

    fn is_storage(self) -> bool {
        matches!(
            self,
            Unit::Bytes | Unit::KiloBytes | Unit::Blocks8k | Unit::MegaBytes
        )
    }

    /// Size of one unit in bytes (storage) or milliseconds (time).
    fn base(self) -> i128 {
        match self {
            Unit::Bytes | Unit::Millis => 1,
            Unit::KiloBytes => 1024,
            Unit::Blocks8k => 8 * 1024,
            Unit::MegaBytes => 1024 * 1024,
            Unit::Seconds => 1000,
            Unit::Minutes => 60_000,
        }
    }
}

/// One parameter of one major version.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamRule {
    /// PostgreSQL major version (12..=18).
    pub(crate) major: u32,
    /// Parameter name as in postgresql.conf.
    pub(crate) name: &'static str,
    /// Type with bounds or allowed values.
    pub kind: ParamKind,
    /// Unit of numeric values, if any.
    pub(crate) unit: Option<Unit>,
    /// When a change applies.
    pub(crate) scope: Scope,
    /// The CUE `*default`, verbatim.
    pub default: Option<&'static str>,
    /// Declared with `?` in the CUE schema.
    pub(crate) optional: bool,
    /// The operator accepts values like `128MB` or `5min` and converts them to [`Self::unit`].
    pub(crate) unit_suffix_accepted: bool,
    /// A dynamic parameter whose reload restarts PostgreSQL through Patroni.
    pub(crate) patroni_restart_on_reload: bool,
}

impl ParamRule {
    /// A change needs a restart: static parameters (rolling restart) and dynamic ones the
    /// reload script applies by restarting PostgreSQL.
    pub(crate) fn restart_required(&self) -> bool {
        self.scope == Scope::Static || self.patroni_restart_on_reload
    }

    /// A short human description of the accepted values, e.g. `integer 6..8388607`.
    pub(crate) fn describe(&self) -> String {
        let unit = self
            .unit
            .map(|u| format!(" {}", u.as_str()))
            .unwrap_or_default();
        match &self.kind {
            ParamKind::Bool => "true or false".to_string(),
            ParamKind::Int { min, max } => format!("integer{}{unit}", range_text(min, max)),
            ParamKind::Float { min, max } => format!("number{}{unit}", range_text(min, max)),
            ParamKind::String => "string".to_string(),
            ParamKind::Enum(values) => format!("one of {}", values.join(", ")),
        }
    }
}

fn range_text<T: fmt::Display>(min: &Option<T>, max: &Option<T>) -> String {
    match (min, max) {
        (Some(lo), Some(hi)) => format!(" between {lo} and {hi}"),
        (Some(lo), None) => format!(" >= {lo}"),
        (None, Some(hi)) => format!(" <= {hi}"),
        (None, None) => String::new(),
    }
}

/// How values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueMode {
    /// kbdash's reconfigure form: booleans only `true`/`false`, integers without `+`, outer
    /// whitespace trimmed except for strings, no control characters in strings.
    Form,
    /// What the operator's Parameter controller accepts: booleans as Go `ParseBool`
    /// (`1`, `t`, `T`, `TRUE`, `true`, `True`, and the false forms), integers as Go `Atoi`.
    Operator,
}

/// A value that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// The parameter's name.
    pub name: &'static str,
    /// The value to put in the request (always sent as a quoted string).
    pub value: String,
    /// For numbers with a unit: the value converted to the parameter's unit, e.g. `300 s`
    /// for `5min`.
    pub in_unit: Option<String>,
    /// When the change applies.
    pub(crate) scope: Scope,
    /// Shown as "restart required" by the form; static changes need typed confirmation.
    pub restart_required: bool,
}

/// Why a parameter change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamError {
    /// No rules for this PostgreSQL major version.
    UnsupportedMajor(u32),
    /// The operator's wording: `parameter x not found in parameters schema`.
    NotFound(String),
    /// The operator's wording: `immutable parameter x cannot be modified`.
    Immutable(String),
    /// A value that does not fit the parameter's rule; the message names the parameter.
    InvalidValue {
        /// The parameter.
        name: String,
        /// The full message, e.g. `max_connections must be an integer between 6 and 8388607`.
        message: String,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::UnsupportedMajor(m) => {
                write!(f, "no parameter rules for PostgreSQL major version {m}")
            }
            ParamError::NotFound(n) => write!(f, "parameter {n} not found in parameters schema"),
            ParamError::Immutable(n) => write!(f, "immutable parameter {n} cannot be modified"),
            ParamError::InvalidValue { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for ParamError {}

/// Major versions with rules (12..=18).
pub fn majors() -> Vec<u32> {
    TABLE.keys().copied().collect()
}

/// The rule of `name` for `major`, if the addon defines it.
pub fn lookup(major: u32, name: &str) -> Option<&'static ParamRule> {
    TABLE.get(&major)?.get(name)
}

/// All parameter names of `major`, sorted (empty for an unknown major).
pub fn names(major: u32) -> Vec<&'static str> {
    TABLE
        .get(&major)
        .map(|m| m.keys().copied().collect())
        .unwrap_or_default()
}

/// Names of `major` starting with `prefix` (case-insensitive), sorted; immutable parameters
/// are left out since they can never be set.
pub fn completions(major: u32, prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.trim().to_ascii_lowercase();
    TABLE
        .get(&major)
        .map(|m| {
            m.values()
                .filter(|r| r.scope != Scope::Immutable && r.name.starts_with(&prefix))
                .map(|r| r.name)
                .collect()
        })
        .unwrap_or_default()
}

/// The major version of a KubeBlocks PostgreSQL `serviceVersion`: `"16.4.0"` -> 16.
pub fn major_of(service_version: &str) -> Option<u32> {
    let head = service_version.trim().split('.').next()?;
    if head.is_empty() || !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    head.parse().ok()
}

/// Checks `name = value` for `major`: known name, not immutable, value by type, range, enum
/// and unit suffix.
pub fn validate(
    major: u32,
    name: &str,
    value: &str,
    mode: ValueMode,
) -> Result<Normalized, ParamError> {
    let table = TABLE
        .get(&major)
        .ok_or(ParamError::UnsupportedMajor(major))?;
    let rule = table
        .get(name)
        .ok_or_else(|| ParamError::NotFound(name.to_string()))?;
    if rule.scope == Scope::Immutable {
        return Err(ParamError::Immutable(name.to_string()));
    }
    let invalid = |message: String| ParamError::InvalidValue {
        name: name.to_string(),
        message,
    };
    let value = match (&rule.kind, mode) {
        (ParamKind::String, _) => value,
        (_, ValueMode::Form) => value.trim(),
        (_, ValueMode::Operator) => value,
    };
    let mut in_unit = None;
    match &rule.kind {
        ParamKind::Bool => {
            if parse_bool(value, mode).is_none() {
                return Err(invalid(match mode {
                    ValueMode::Form => format!("{name} must be true or false"),
                    ValueMode::Operator => {
                        format!("{name} must be a boolean (true/false, t/f, 1/0)")
                    }
                }));
            }
        }
        ParamKind::Int { min, max } => {
            let n = parse_number_with_unit(value, rule, mode).ok_or_else(|| {
                invalid(format!(
                    "{name} must be {}{}",
                    rule.describe_article(),
                    suffix_hint(rule)
                ))
            })?;
            if min.is_some_and(|lo| n < i128::from(lo)) || max.is_some_and(|hi| n > i128::from(hi))
            {
                return Err(invalid(out_of_range(rule, &n.to_string(), value)));
            }
            in_unit = rule.unit.map(|u| format!("{n} {}", u.as_str()));
        }
        ParamKind::Float { min, max } => {
            let x = parse_float(value, mode)
                .or_else(|| parse_number_with_unit(value, rule, mode).map(|n| n as f64))
                .ok_or_else(|| {
                    invalid(format!(
                        "{name} must be {}{}",
                        rule.describe_article(),
                        suffix_hint(rule)
                    ))
                })?;
            if min.is_some_and(|lo| x < lo) || max.is_some_and(|hi| x > hi) {
                return Err(invalid(out_of_range(rule, &x.to_string(), value)));
            }
            in_unit = rule.unit.map(|u| format!("{x} {}", u.as_str()));
        }
        ParamKind::String => {
            if mode == ValueMode::Form && value.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "{name} must not contain control characters such as newlines"
                )));
            }
        }
        ParamKind::Enum(values) => {
            if !values.contains(&value) {
                return Err(invalid(format!(
                    "{name} must be one of: {}",
                    values.join(", ")
                )));
            }
        }
    }
    Ok(Normalized {
        name: rule.name,
        value: value.to_string(),
        in_unit,
        scope: rule.scope,
        restart_required: rule.restart_required(),
    })
}

impl ParamRule {
    fn describe_article(&self) -> String {
        let d = self.describe();
        match &self.kind {
            ParamKind::Int { .. } => format!("an {d}"),
            ParamKind::Float { .. } => format!("a {d}"),
            _ => d,
        }
    }
}

fn suffix_hint(rule: &ParamRule) -> &'static str {
    match rule.unit {
        Some(u) if rule.unit_suffix_accepted && u.is_storage() => {
            " (or with a size unit: KB, MB, GB, TB)"
        }
        Some(_) if rule.unit_suffix_accepted => " (or with a time unit: ms, s, min, h, d)",
        _ => "",
    }
}

fn out_of_range(rule: &ParamRule, converted: &str, typed: &str) -> String {
    let unit = rule
        .unit
        .map(|u| format!(" {}", u.as_str()))
        .unwrap_or_default();
    let got = if converted == typed {
        String::new()
    } else {
        format!(" ({typed} is {converted}{unit})")
    };
    format!("{} must be {}{got}", rule.name, rule.describe_article())
}

fn parse_bool(s: &str, mode: ValueMode) -> Option<bool> {
    match (mode, s) {
        (_, "true") => Some(true),
        (_, "false") => Some(false),
        (ValueMode::Operator, "1" | "t" | "T" | "TRUE" | "True") => Some(true),
        (ValueMode::Operator, "0" | "f" | "F" | "FALSE" | "False") => Some(false),
        _ => None,
    }
}

/// An integer as Go `Atoi` reads it (sign then digits); `+` only in operator mode.
fn parse_int(s: &str, mode: ValueMode) -> Option<i128> {
    let digits = match s.as_bytes().first() {
        Some(b'-') => &s[1..],
        Some(b'+') if mode == ValueMode::Operator => &s[1..],
        _ => s,
    };
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.trim_start_matches('+').parse().ok()
}

fn parse_float(s: &str, mode: ValueMode) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let body = match mode {
        ValueMode::Operator => body.strip_prefix('+').unwrap_or(body),
        ValueMode::Form => body,
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits_ok(e) {
            return None;
        }
    }
    let x: f64 = s.trim_start_matches('+').parse().ok()?;
    x.is_finite().then_some(x)
}

/// A number in the parameter's unit: plain digits are taken as the unit itself; with a unit
/// suffix (only where accepted) it is converted and truncated toward zero, as the operator's
/// `cuelang_expansion.go` does.
fn parse_number_with_unit(s: &str, rule: &ParamRule, mode: ValueMode) -> Option<i128> {
    if let Some(n) = parse_int(s, mode) {
        return Some(n);
    }
    let unit = rule.unit.filter(|_| rule.unit_suffix_accepted)?;
    let split = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map(|(i, _)| i)?;
    let number = parse_int(&s[..split], ValueMode::Form)?;
    let suffix = &s[split..];
    let factor: i128 = if unit.is_storage() {
        storage_suffix(suffix)?
    } else {
        time_suffix(suffix)?
    };
    Some(number.checked_mul(factor)? / unit.base())
}

fn storage_suffix(suffix: &str) -> Option<i128> {
    let power = match suffix.to_ascii_uppercase().as_str() {
        "K" | "KB" => 1,
        "M" | "MB" => 2,
        "G" | "GB" => 3,
        "T" | "TB" => 4,
        "P" | "PB" => 5,
        "E" | "EB" => 6,
        _ => return None,
    };
    Some(1024_i128.pow(power))
}

fn time_suffix(suffix: &str) -> Option<i128> {
    Some(match suffix.to_ascii_lowercase().as_str() {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" | "hour" => 3_600_000,
        "d" | "day" => 86_400_000,
        _ => return None,
    })
}

fn parse_table(
    tsv: &'static str,
) -> Result<BTreeMap<u32, BTreeMap<&'static str, ParamRule>>, String> {
    let mut table: BTreeMap<u32, BTreeMap<&'static str, ParamRule>> = BTreeMap::new();
    for (i, line) in tsv.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let rule = parse_row(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        table.entry(rule.major).or_default().insert(rule.name, rule);
    }
    Ok(table)
}

fn parse_row(line: &'static str) -> Result<ParamRule, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [
        major,
        name,
        ty,
        min,
        max,
        enums,
        unit,
        scope,
        default,
        optional,
        suffix,
        restart,
    ] = cols[..]
    else {
        return Err(format!("expected 12 columns, got {}", cols.len()));
    };
    let opt = |s: &'static str| (!s.is_empty()).then_some(s);
    let flag = |s: &str| match s {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!("bad flag {other:?}")),
    };
    let int_bound = |s: &str| -> Result<Option<i64>, String> {
        opt_str(s)
            .map(|v| v.parse().map_err(|_| format!("bad int bound {v:?}")))
            .transpose()
    };
    let float_bound = |s: &str| -> Result<Option<f64>, String> {
        opt_str(s)
            .map(|v| v.parse().map_err(|_| format!("bad float bound {v:?}")))
            .transpose()
    };
    let kind = match ty {
        "bool" => ParamKind::Bool,
        "int" => ParamKind::Int {
            min: int_bound(min)?,
            max: int_bound(max)?,
        },
        "float" => ParamKind::Float {
            min: float_bound(min)?,
            max: float_bound(max)?,
        },
        "string" => ParamKind::String,
        "enum" => ParamKind::Enum(enums.split(',').collect()),
        other => return Err(format!("unknown type {other:?}")),
    };
    Ok(ParamRule {
        major: major.parse().map_err(|_| format!("bad major {major:?}"))?,
        name,
        kind,
        unit: match unit {
            "" => None,
            u => Some(Unit::parse(u).ok_or_else(|| format!("unknown unit {u:?}"))?),
        },
        scope: match scope {
            "dynamic" => Scope::Dynamic,
            "static" => Scope::Static,
            "immutable" => Scope::Immutable,
            other => return Err(format!("unknown scope {other:?}")),
        },
        default: opt(default),
        optional: flag(optional)?,
        unit_suffix_accepted: flag(suffix)?,
        patroni_restart_on_reload: flag(restart)?,
    })
}

fn opt_str(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_with_every_major_and_type() {
        let table = parse_table(TSV).unwrap();
        assert_eq!(
            table.keys().copied().collect::<Vec<_>>(),
            (12..=18).collect::<Vec<_>>()
        );
        let rows: usize = table.values().map(BTreeMap::len).sum();
        assert_eq!(rows, TSV.lines().count() - 1);
        let has =
            |f: fn(&ParamKind) -> bool| table.values().flat_map(|m| m.values()).any(|r| f(&r.kind));
        assert!(has(|k| matches!(k, ParamKind::Bool)));
        assert!(has(|k| matches!(k, ParamKind::Int { .. })));
        assert!(has(|k| matches!(k, ParamKind::Float { .. })));
        assert!(has(|k| matches!(k, ParamKind::String)));
        assert!(has(|k| matches!(k, ParamKind::Enum(_))));
    }

    #[test]
    fn lookup_reads_columns() {
        let r = lookup(16, "max_connections").unwrap();
        assert_eq!(
            r.kind,
            ParamKind::Int {
                min: Some(6),
                max: Some(8388607)
            }
        );
        assert_eq!(r.scope, Scope::Dynamic);
        assert!(r.patroni_restart_on_reload && r.restart_required());
        let r = lookup(12, "archive_timeout").unwrap();
        assert_eq!(
            (r.unit, r.default, r.unit_suffix_accepted),
            (Some(Unit::Seconds), Some("300"), true)
        );
        assert_eq!(
            lookup(13, "max_connections").unwrap().kind,
            ParamKind::Int {
                min: Some(1),
                max: Some(262143)
            }
        );
        assert!(lookup(16, "no_such_param").is_none());
        assert!(lookup(11, "max_connections").is_none());
    }

    #[test]
    fn completions_and_names() {
        let c = completions(16, "max_conn");
        assert_eq!(c, vec!["max_connections"]);
        assert!(
            completions(16, "").len() < names(16).len(),
            "immutable ones left out"
        );
        assert!(!completions(16, "").contains(&"data_directory"));
        assert!(names(16).contains(&"data_directory"));
        assert!(names(99).is_empty() && completions(99, "a").is_empty());
        assert!(completions(16, "SHARED_").contains(&"shared_buffers"));
        assert_eq!(majors(), (12..=18).collect::<Vec<_>>());
    }

    #[test]
    fn major_of_service_versions() {
        for (v, want) in [
            ("16.4.0", Some(16)),
            ("12.22.0", Some(12)),
            ("18", Some(18)),
            (" 17.2.0 ", Some(17)),
            ("", None),
            ("v16.4", None),
            ("abc", None),
            (".1", None),
            ("99999999999999999999.1", None),
        ] {
            assert_eq!(major_of(v), want, "{v:?}");
        }
    }

    fn form(major: u32, name: &str, value: &str) -> Result<Normalized, ParamError> {
        validate(major, name, value, ValueMode::Form)
    }

    #[test]
    fn good_values() {
        let table = [
            // int, bounds inclusive
            (16, "max_connections", "6", None),
            (16, "max_connections", "8388607", None),
            (16, "max_connections", " 200 ", None),
            // storage units: kB parameter given in MB / GB / plain
            (16, "maintenance_work_mem", "64MB", Some("65536 kB")),
            (16, "maintenance_work_mem", "1GB", Some("1048576 kB")),
            (16, "maintenance_work_mem", "1024", Some("1024 kB")),
            (16, "maintenance_work_mem", "2g", Some("2097152 kB")),
            // 8kB blocks
            (16, "effective_cache_size", "1GB", Some("131072 8kB")),
            // MB, B units
            (16, "max_wal_size", "4GB", Some("4096 MB")),
            (16, "track_activity_query_size", "1KB", Some("1024 B")),
            // time units
            (16, "checkpoint_timeout", "5min", Some("300 s")),
            (16, "checkpoint_timeout", "1h", Some("3600 s")),
            (16, "checkpoint_timeout", "30", Some("30 s")),
            (16, "deadlock_timeout", "2s", Some("2000 ms")),
            (16, "log_rotation_age", "1d", Some("1440 min")),
            (16, "log_min_duration_statement", "-1", Some("-1 ms")),
            // float, incl. exponent and the bound written 1e+10
            (16, "checkpoint_completion_target", "0.9", None),
            (16, "checkpoint_completion_target", "1", None),
            (12, "vacuum_cleanup_index_scale_factor", "1e10", None),
            (16, "geqo_selection_bias", "1.5", None),
            (13, "vacuum_cost_delay", "2ms", Some("2 ms")),
            // bool, enum, string
            (16, "autovacuum", "true", None),
            (16, "autovacuum", "false", None),
            (16, "archive_mode", "always", None),
            (16, "default_transaction_isolation", "read committed", None),
            (16, "search_path", "\"$user\", public", None),
            (16, "timezone", "", None),
        ];
        for (major, name, value, in_unit) in table {
            let n = form(major, name, value).unwrap_or_else(|e| panic!("{name}={value}: {e}"));
            assert_eq!(n.in_unit.as_deref(), in_unit, "{name}={value}");
        }
    }

    #[test]
    fn bad_values_with_messages() {
        let table = [
            (
                16,
                "max_connections",
                "5",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "8388608",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "abc",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "100.5",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "+100",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "100MB",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "max_connections",
                "99999999999999999999999999999999999",
                "max_connections must be an integer between 6 and 8388607",
            ),
            (
                16,
                "maintenance_work_mem",
                "512KB",
                "maintenance_work_mem must be an integer between 1024 and 2147483647 kB (512KB is 512 kB)",
            ),
            (
                16,
                "maintenance_work_mem",
                "64 MB",
                "maintenance_work_mem must be an integer between 1024 and 2147483647 kB (or with a size unit: KB, MB, GB, TB)",
            ),
            (
                16,
                "maintenance_work_mem",
                "64MiB",
                "maintenance_work_mem must be an integer between 1024 and 2147483647 kB (or with a size unit: KB, MB, GB, TB)",
            ),
            (
                16,
                "maintenance_work_mem",
                "64min",
                "maintenance_work_mem must be an integer between 1024 and 2147483647 kB (or with a size unit: KB, MB, GB, TB)",
            ),
            (
                16,
                "checkpoint_timeout",
                "2h",
                "checkpoint_timeout must be an integer between 30 and 3600 s (2h is 7200 s)",
            ),
            (
                16,
                "checkpoint_timeout",
                "5MB",
                "checkpoint_timeout must be an integer between 30 and 3600 s (or with a time unit: ms, s, min, h, d)",
            ),
            (
                16,
                "checkpoint_timeout",
                "10us",
                "checkpoint_timeout must be an integer between 30 and 3600 s (or with a time unit: ms, s, min, h, d)",
            ),
            (
                16,
                "checkpoint_completion_target",
                "1.1",
                "checkpoint_completion_target must be a number between 0 and 1",
            ),
            (
                16,
                "checkpoint_completion_target",
                "NaN",
                "checkpoint_completion_target must be a number between 0 and 1",
            ),
            (
                16,
                "checkpoint_completion_target",
                "inf",
                "checkpoint_completion_target must be a number between 0 and 1",
            ),
            (
                16,
                "cpu_tuple_cost",
                "-0.5",
                "cpu_tuple_cost must be a number >= 0",
            ),
            (
                16,
                "geqo_selection_bias",
                "1.4",
                "geqo_selection_bias must be a number between 1.5 and 2",
            ),
            (16, "autovacuum", "on", "autovacuum must be true or false"),
            (16, "autovacuum", "1", "autovacuum must be true or false"),
            (16, "autovacuum", "TRUE", "autovacuum must be true or false"),
            (
                16,
                "archive_mode",
                "ON",
                "archive_mode must be one of: always, on, off",
            ),
            (
                16,
                "search_path",
                "a\nshared_buffers = 1",
                "search_path must not contain control characters such as newlines",
            ),
            (
                16,
                "no_such_param",
                "1",
                "parameter no_such_param not found in parameters schema",
            ),
            (
                16,
                "data_directory",
                "/x",
                "immutable parameter data_directory cannot be modified",
            ),
            (
                11,
                "max_connections",
                "100",
                "no parameter rules for PostgreSQL major version 11",
            ),
        ];
        for (major, name, value, want) in table {
            let err = form(major, name, value).expect_err(&format!("{name}={value:?} accepted"));
            assert_eq!(err.to_string(), want, "{name}={value:?}");
        }
    }

    #[test]
    fn operator_mode_accepts_go_parse_forms() {
        for v in [
            "1", "t", "T", "TRUE", "True", "true", "0", "f", "F", "FALSE", "False", "false",
        ] {
            assert!(
                validate(16, "autovacuum", v, ValueMode::Operator).is_ok(),
                "{v}"
            );
        }
        for v in ["on", "off", "yes", "tRuE", ""] {
            assert_eq!(
                validate(16, "autovacuum", v, ValueMode::Operator)
                    .unwrap_err()
                    .to_string(),
                "autovacuum must be a boolean (true/false, t/f, 1/0)",
                "{v}"
            );
        }
        assert!(validate(16, "max_connections", "+100", ValueMode::Operator).is_ok());
    }

    #[test]
    fn scope_flags() {
        let s = form(16, "shared_buffers", "1GB").unwrap();
        assert_eq!((s.scope, s.restart_required), (Scope::Static, true));
        let d = form(16, "work_mem", "8MB").unwrap();
        assert_eq!((d.scope, d.restart_required), (Scope::Dynamic, false));
    }

    proptest::proptest! {
        #[test]
        fn validate_never_panics(major in 10u32..20, name in "[a-z_.]{0,20}", value in "\\PC{0,30}") {
            for mode in [ValueMode::Form, ValueMode::Operator] {
                let _ = validate(major, &name, &value, mode);
                for rule in ["max_connections", "work_mem", "checkpoint_timeout", "checkpoint_completion_target", "autovacuum", "wal_level"] {
                    let _ = validate(major, rule, &value, mode);
                }
            }
        }
    }

    #[test]
    fn every_row_accepts_its_default() {
        for rule in TABLE.values().flat_map(|m| m.values()) {
            if let (Some(default), true) = (rule.default, rule.scope != Scope::Immutable) {
                assert!(
                    form(rule.major, rule.name, default).is_ok(),
                    "{} {}={default}",
                    rule.major,
                    rule.name
                );
            }
        }
    }
}
