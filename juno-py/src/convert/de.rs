//! The fast path from Python objects to the core's types: a serde `Deserializer` that reads
//! dicts, lists, strings and numbers in place.
//!
//! The slow path ([`super::to_json`] then [`juno_core::json::from_value`]) builds a JSON
//! tree and a field-path string for every key and list item before serde sees anything;
//! for a 12-key ticket that is most of the cost of crossing the boundary. This reader
//! builds nothing: serde's visitors pull values straight out of the Python objects. It
//! accepts exactly what the slow path accepts (the same types, the same datetime rule) —
//! it reads the Python value *as the slow path's JSON would read*, event for event — and on
//! any error the caller reruns the slow path, whose error names the exact field. So the
//! field path is built only when there is an error.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyDictMethods, PyFloat, PyInt, PyList, PyString, PyTuple,
    PyTzInfo,
};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::MAX_DEPTH;

/// Why the fast path stopped. Its text is never shown: the slow path reruns and reports
/// the field.
#[derive(Debug)]
pub(crate) struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not readable on the fast path")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Stop
    }
}

/// Reads one Python value as the JSON value the slow path would have built from it.
pub(crate) struct PyDe<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    depth: usize,
}

impl<'a, 'py> PyDe<'a, 'py> {
    /// A reader for `obj` at the top level.
    pub(crate) fn new(obj: &'a Bound<'py, PyAny>) -> Self {
        PyDe { obj, depth: 0 }
    }
}

/// An aware datetime as UTC. The common case — `tzinfo` is `datetime.timezone.utc` itself,
/// as `datetime.now(timezone.utc)` and `fromisoformat("...+00:00")` give — is read from its
/// seven fields, one attribute each, without calling a method (the limited API has no
/// direct field access; `docs/performance.md` measures both ways). Any other zone costs three
/// calls: `utcoffset()` (None means naive, which the slow path refuses with its message),
/// `timestamp()` and `microsecond`; the whole seconds are `timestamp()` less the
/// microseconds, rounded: exact, because a float's error at any datetime's timestamp is far
/// below half a second. (`isoformat()` alone cost 0.8 µs.) Subclasses go through the slow
/// path's `astimezone`.
fn utc_of(obj: &Bound<'_, PyAny>) -> Result<DateTime<Utc>, Stop> {
    if obj.is_exact_instance_of::<PyDateTime>() {
        let py = obj.py();
        let tz = obj.getattr(pyo3::intern!(py, "tzinfo")).map_err(|_| Stop)?;
        if PyTzInfo::utc(py).is_ok_and(|utc| tz.is(&*utc)) {
            return utc_fields(obj);
        }
        let offset = obj
            .call_method0(pyo3::intern!(py, "utcoffset"))
            .map_err(|_| Stop)?;
        if offset.is_none() {
            return Err(Stop);
        }
        let ts: f64 = obj
            .call_method0(pyo3::intern!(py, "timestamp"))
            .and_then(|t| t.extract())
            .map_err(|_| Stop)?;
        let micros: u32 = obj
            .getattr(pyo3::intern!(py, "microsecond"))
            .and_then(|m| m.extract())
            .map_err(|_| Stop)?;
        let secs = (ts - f64::from(micros) / 1e6).round();
        if !secs.is_finite() || secs.abs() > 1e15 {
            return Err(Stop);
        }
        return DateTime::from_timestamp(secs as i64, micros * 1000).ok_or(Stop);
    }
    super::datetime_from_py(obj, "").map_err(|_| Stop)
}

/// A datetime whose zone is UTC, from its fields.
fn utc_fields(obj: &Bound<'_, PyAny>) -> Result<DateTime<Utc>, Stop> {
    let py = obj.py();
    let field = |name: &Bound<'_, PyString>| -> Result<u32, Stop> {
        obj.getattr(name)
            .and_then(|v| v.extract::<u32>())
            .map_err(|_| Stop)
    };
    let year = field(pyo3::intern!(py, "year"))?;
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(year).map_err(|_| Stop)?,
        field(pyo3::intern!(py, "month"))?,
        field(pyo3::intern!(py, "day"))?,
    )
    .ok_or(Stop)?;
    let time = date
        .and_hms_micro_opt(
            field(pyo3::intern!(py, "hour"))?,
            field(pyo3::intern!(py, "minute"))?,
            field(pyo3::intern!(py, "second"))?,
            field(pyo3::intern!(py, "microsecond"))?,
        )
        .ok_or(Stop)?;
    Ok(time.and_utc())
}

impl<'de> de::Deserializer<'de> for PyDe<'_, '_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        if self.depth > MAX_DEPTH {
            return Err(Stop);
        }
        let obj = self.obj;
        if obj.is_none() {
            return visitor.visit_unit();
        }
        // The order is the slow path's: bool before int (bool is an int subclass),
        // datetime before date (the same).
        if let Ok(s) = obj.cast::<PyString>() {
            return visitor.visit_str(s.to_str().map_err(|_| Stop)?);
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return visitor.visit_bool(b.is_true());
        }
        if obj.is_instance_of::<PyInt>() {
            // serde_json keeps a non-negative integer as unsigned and visits it so.
            return match obj.extract::<i64>() {
                Ok(i) if i >= 0 => visitor.visit_u64(i as u64),
                Ok(i) => visitor.visit_i64(i),
                Err(_) => visitor.visit_u64(obj.extract::<u64>().map_err(|_| Stop)?),
            };
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(Stop);
            }
            return visitor.visit_f64(v);
        }
        let depth = self.depth + 1;
        if let Ok(dict) = obj.cast::<PyDict>() {
            return visitor.visit_map(DictAccess {
                items: dict.iter(),
                value: None,
                depth,
            });
        }
        if let Ok(list) = obj.cast::<PyList>() {
            let items: Vec<Bound<'_, PyAny>> = list.iter().collect();
            return visitor.visit_seq(SeqAccess {
                items: items.into_iter(),
                depth,
            });
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            let items: Vec<Bound<'_, PyAny>> = tuple.iter().collect();
            return visitor.visit_seq(SeqAccess {
                items: items.into_iter(),
                depth,
            });
        }
        if obj.is_instance_of::<PyDateTime>() {
            return visitor.visit_string(utc_of(obj)?.to_rfc3339());
        }
        if obj.is_instance_of::<PyDate>() {
            let d = obj.extract::<chrono::NaiveDate>().map_err(|_| Stop)?;
            return visitor.visit_string(d.to_string());
        }
        Err(Stop)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        if self.obj.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        // As serde_json reads an enum from a value: a string is a unit variant, a dict
        // with exactly one key is a variant with content.
        if let Ok(s) = self.obj.cast::<PyString>() {
            let s = s.to_str().map_err(|_| Stop)?;
            return visitor.visit_enum(s.into_deserializer());
        }
        if let Ok(dict) = self.obj.cast::<PyDict>() {
            if dict.len() != 1 {
                return Err(Stop);
            }
            let Some((k, v)) = dict.iter().next() else {
                return Err(Stop);
            };
            let key = k.cast::<PyString>().map_err(|_| Stop)?;
            let key = key.to_str().map_err(|_| Stop)?.to_owned();
            return visitor.visit_enum(EnumAccess {
                key,
                value: v,
                depth: self.depth + 1,
            });
        }
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// A dict's items, keys as strings.
struct DictAccess<'py> {
    items: pyo3::types::iter::BoundDictIterator<'py>,
    value: Option<Bound<'py, PyAny>>,
    depth: usize,
}

impl<'de> de::MapAccess<'de> for DictAccess<'_> {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        let Some((k, v)) = self.items.next() else {
            return Ok(None);
        };
        let key = k.cast::<PyString>().map_err(|_| Stop)?;
        let key = key.to_str().map_err(|_| Stop)?;
        self.value = Some(v);
        seed.deserialize(de::value::StrDeserializer::<Stop>::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        let v = self.value.take().ok_or(Stop)?;
        seed.deserialize(PyDe {
            obj: &v,
            depth: self.depth,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// A list's or tuple's items.
struct SeqAccess<'py> {
    items: std::vec::IntoIter<Bound<'py, PyAny>>,
    depth: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = Stop;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Stop> {
        match self.items.next() {
            None => Ok(None),
            Some(item) => seed
                .deserialize(PyDe {
                    obj: &item,
                    depth: self.depth,
                })
                .map(Some),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An enum variant written as a one-key dict.
struct EnumAccess<'py> {
    key: String,
    value: Bound<'py, PyAny>,
    depth: usize,
}

impl<'de, 'py> de::EnumAccess<'de> for EnumAccess<'py> {
    type Error = Stop;
    type Variant = VariantAccess<'py>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantAccess<'py>), Stop> {
        let variant = seed.deserialize(self.key.into_deserializer())?;
        Ok((
            variant,
            VariantAccess {
                value: self.value,
                depth: self.depth,
            },
        ))
    }
}

/// The content of an enum variant written as a one-key dict.
struct VariantAccess<'py> {
    value: Bound<'py, PyAny>,
    depth: usize,
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_> {
    type Error = Stop;

    fn unit_variant(self) -> Result<(), Stop> {
        // serde_json accepts `{"Variant": null}` for a unit variant.
        if self.value.is_none() {
            Ok(())
        } else {
            Err(Stop)
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Stop> {
        seed.deserialize(PyDe {
            obj: &self.value,
            depth: self.depth,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Stop> {
        de::Deserializer::deserialize_any(
            PyDe {
                obj: &self.value,
                depth: self.depth,
            },
            visitor,
        )
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        de::Deserializer::deserialize_any(
            PyDe {
                obj: &self.value,
                depth: self.depth,
            },
            visitor,
        )
    }
}
