//! Tolerant serde building blocks for the row documents: a field of the wrong type reads as
//! empty, never as an error, and what no row reads is skipped without being built.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::parse_time;
use crate::atom::Atom;

/// A field as rows read it: a string, a number or a boolean; `Other` for anything else (null,
/// an object, an array); `Absent` when the field is missing.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Scalar {
    #[default]
    Absent,
    Other,
    Str(String),
    /// A whole number of at least 0.
    U64(u64),
    /// A negative whole number.
    I64(i64),
    F64(f64),
    Bool(bool),
}

impl Scalar {
    /// Whether the field is there, whatever its value.
    pub(crate) fn present(&self) -> bool {
        !matches!(self, Scalar::Absent)
    }

    /// A string; numbers and booleans as text too.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s.clone()),
            Scalar::U64(n) => Some(n.to_string()),
            Scalar::I64(n) => Some(n.to_string()),
            // As serde_json writes a number.
            Scalar::F64(f) => serde_json::Number::from_f64(*f).map(|n| n.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Absent | Scalar::Other => None,
        }
    }

    /// [`Scalar::text`], empty when there is none; the string itself without a copy.
    pub(crate) fn into_text(self) -> String {
        match self {
            Scalar::Str(s) => s,
            other => other.text().unwrap_or_default(),
        }
    }

    /// A string, and only a string.
    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// [`Scalar::text`], interned.
    pub(crate) fn atom(&self) -> Atom {
        match self {
            Scalar::Str(s) => Atom::new(s),
            other => other.text().map(|t| Atom::new(&t)).unwrap_or_default(),
        }
    }

    /// A whole number of at least 0, or a string holding one.
    pub(crate) fn number(&self) -> Option<u64> {
        match self {
            Scalar::U64(n) => Some(*n),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean, and only a boolean.
    pub(crate) fn bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An RFC 3339 string as a time.
    pub(crate) fn time(&self) -> Option<DateTime<Utc>> {
        self.str().and_then(parse_time)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(u64::try_from(v).map_or(Scalar::I64(v), Scalar::U64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }

    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        Scalar::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Scalar::Other)
    }
}

/// An object read as `T`; anything else reads as `T`'s default.
#[derive(Debug, Default)]
pub(crate) struct Obj<T>(pub(crate) T);

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Obj<T>, D::Error> {
        d.deserialize_any(Shaped::<Obj<T>>(PhantomData))
    }
}

/// An array, each element read as `T`; anything else reads as no elements.
#[derive(Debug)]
pub(crate) struct List<T>(pub(crate) Vec<T>);

impl<T> Default for List<T> {
    fn default() -> List<T> {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<List<T>, D::Error> {
        d.deserialize_any(Shaped::<List<T>>(PhantomData))
    }
}

/// An object's entries, each value read as `T`, in key order (as `serde_json::Map` keeps them;
/// a repeated key keeps its last value, as there too); anything else reads as no entries.
#[derive(Debug)]
pub(crate) struct Map<T>(pub(crate) BTreeMap<String, T>);

impl<T> Default for Map<T> {
    fn default() -> Map<T> {
        Map(BTreeMap::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Map<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Map<T>, D::Error> {
        d.deserialize_any(Shaped::<Map<T>>(PhantomData))
    }
}

/// What the shape-checking visitor builds: from an object, from an array, or empty.
trait Shape<'de>: Default {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error>;
}

impl<'de, T: Deserialize<'de> + Default> Shape<'de> for Obj<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Obj::default())
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for List<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(List::default())
    }

    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(List(items))
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Map<T> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, T>()? {
            entries.insert(key, value);
        }
        Ok(Map(entries))
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Map::default())
    }
}

struct Shaped<S>(PhantomData<S>);

impl<'de, S: Shape<'de>> Visitor<'de> for Shaped<S> {
    type Value = S;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S, A::Error> {
        S::from_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S, A::Error> {
        S::from_seq(seq)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<S, E> {
        Ok(S::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<S, E> {
        Ok(S::default())
    }
}

/// A string, or an object of which only the string values are kept (in key order); anything
/// else is `None`.
#[derive(Debug, Default)]
pub(crate) enum TextOrMap {
    #[default]
    None,
    Text(String),
    Map(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for TextOrMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TextOrMap, D::Error> {
        d.deserialize_any(TextOrMapVisitor)
    }
}

struct TextOrMapVisitor;

impl<'de> Visitor<'de> for TextOrMapVisitor {
    type Value = TextOrMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<TextOrMap, E> {
        Ok(TextOrMap::Text(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<TextOrMap, E> {
        Ok(TextOrMap::Text(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextOrMap, A::Error> {
        let mut texts = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Scalar>()? {
            // A later repeat of the key replaces the earlier value, a string or not.
            match value {
                Scalar::Str(text) => texts.insert(key, text),
                _ => texts.remove(&key),
            };
        }
        Ok(TextOrMap::Map(texts))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TextOrMap, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(TextOrMap::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<TextOrMap, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, _: bool) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }

    fn visit_unit<E>(self) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }

    fn visit_none<E>(self) -> Result<TextOrMap, E> {
        Ok(TextOrMap::None)
    }
}
