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
    PyBool, PyBytes, PyDate, PyDateTime, PyDict, PyDictMethods, PyFloat, PyInt, PyList, PyString,
    PyTuple, PyTzInfo,
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

/// An aware datetime as UTC. An exact `datetime` is read from its pickle state: one
/// `__reduce__()` call returns the ten-byte state (the fields, packed as every CPython
/// since 2.3 pickles them, so the layout is a compatibility promise) and the `tzinfo`. The
/// limited API (`abi3`) has no direct access to the fields, and reading them as seven
/// attributes cost twice the instructions (`docs/performance.md`). When `tzinfo` is
/// `datetime.timezone.utc` itself, as `datetime.now(timezone.utc)` and
/// `fromisoformat("...+00:00")` give, the fields are the instant. Any other zone costs two
/// more steps: `utcoffset()` (None means naive, which the slow path refuses with its
/// message) and reading that timedelta; the instant is the fields less the offset.
/// (`timestamp()` instead: 33,743 instructions per ticket of three such times against
/// 23,386, `docs/performance.md`; `isoformat()` alone cost 0.8 µs.)
/// Subclasses, which may pickle differently, go through the slow path's `astimezone`.
fn utc_of(obj: &Bound<'_, PyAny>) -> Result<DateTime<Utc>, Stop> {
    if !obj.is_exact_instance_of::<PyDateTime>() {
        return super::datetime_from_py(obj, "").map_err(|_| Stop);
    }
    let py = obj.py();
    let reduced = obj
        .call_method0(pyo3::intern!(py, "__reduce__"))
        .map_err(|_| Stop)?;
    let reduced = reduced.cast::<PyTuple>().map_err(|_| Stop)?;
    let args = reduced.get_item(1).map_err(|_| Stop)?;
    let args = args.cast::<PyTuple>().map_err(|_| Stop)?;
    let state = args.get_item(0).map_err(|_| Stop)?;
    let state = state.cast::<PyBytes>().map_err(|_| Stop)?;
    let fields = Fields::unpack(state.as_bytes()).ok_or(Stop)?;
    // A naive datetime pickles without a tzinfo.
    let tz = if args.len() > 1 {
        Some(args.get_item(1).map_err(|_| Stop)?)
    } else {
        None
    };
    if let Some(tz) = &tz {
        if PyTzInfo::utc(py).is_ok_and(|utc| tz.is(&*utc)) {
            return fields.as_utc().ok_or(Stop);
        }
    }
    let offset = obj
        .call_method0(pyo3::intern!(py, "utcoffset"))
        .map_err(|_| Stop)?;
    if offset.is_none() {
        return Err(Stop);
    }
    // The instant is the wall time less its offset, as Python's own aware arithmetic
    // computes it (exact: no float). A result outside Python's years 1–9999 is what
    // `astimezone` refuses, so the slow path reports it.
    let offset: chrono::TimeDelta = offset.extract().map_err(|_| Stop)?;
    let utc = fields
        .as_utc()
        .ok_or(Stop)?
        .checked_sub_signed(offset)
        .ok_or(Stop)?;
    if !(1..=9999).contains(&chrono::Datelike::year(&utc)) {
        return Err(Stop);
    }
    Ok(utc)
}

/// A datetime's fields as its pickle state packs them: year (two bytes, big-endian),
/// month, day, hour, minute, second, microsecond (three bytes, big-endian). Protocol 4
/// and later set the month byte's top bit for `fold=1`; `__reduce__` is protocol 2, but
/// the bit is masked anyway, since the fold never changes a UTC instant.
struct Fields {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    microsecond: u32,
}

impl Fields {
    /// The fields of a ten-byte state, or None for any other length.
    fn unpack(state: &[u8]) -> Option<Fields> {
        let b: &[u8; 10] = state.try_into().ok()?;
        let wide = |hi: u8, lo: u8| (u32::from(hi) << 8) | u32::from(lo);
        Some(Fields {
            year: wide(b[0], b[1]),
            month: u32::from(b[2] & 0x7f),
            day: u32::from(b[3]),
            hour: u32::from(b[4]),
            minute: u32::from(b[5]),
            second: u32::from(b[6]),
            microsecond: (u32::from(b[7]) << 16) | wide(b[8], b[9]),
        })
    }

    /// The fields read as a UTC time, or None if they are not a valid one.
    fn as_utc(&self) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(i32::try_from(self.year).ok()?, self.month, self.day)?;
        let time = date.and_hms_micro_opt(self.hour, self.minute, self.second, self.microsecond)?;
        Some(time.and_utc())
    }
}

/// The longest text [`rfc3339`] writes: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+00:00`.
const RFC3339_MAX: usize = 35;

/// `t` as [`DateTime::to_rfc3339`] writes it (the slow path's text, so both paths feed
/// serde the same string), into `buf` rather than a new `String`: chrono's formatter cost
/// a third of a UTC datetime's conversion. Years outside 0–9999, which no Python datetime
/// has, fall back to chrono's text (truncated, so they fail to parse, as nothing else
/// can hold them).
fn rfc3339<'b>(t: &DateTime<Utc>, buf: &'b mut [u8; RFC3339_MAX]) -> &'b str {
    use chrono::{Datelike, Timelike};
    fn digits(buf: &mut [u8], at: usize, value: u32, width: usize) {
        let mut v = value;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    let year = t.year();
    if !(0..=9999).contains(&year) {
        let text = t.to_rfc3339();
        let n = text.len().min(RFC3339_MAX);
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        return std::str::from_utf8(&buf[..n]).unwrap_or_default();
    }
    buf[..19].copy_from_slice(b"0000-00-00T00:00:00");
    digits(buf, 0, year as u32, 4);
    digits(buf, 5, t.month(), 2);
    digits(buf, 8, t.day(), 2);
    digits(buf, 11, t.hour(), 2);
    digits(buf, 14, t.minute(), 2);
    digits(buf, 17, t.second(), 2);
    // chrono's `SecondsFormat::AutoSi`: no fraction, or 3, 6 or 9 digits, the fewest exact.
    // A leap second's nanoseconds (≥ 1e9) cannot come from Python.
    let nanos = t.nanosecond();
    let mut end = 19;
    if nanos != 0 {
        let (value, width) = if nanos % 1_000_000 == 0 {
            (nanos / 1_000_000, 3)
        } else if nanos % 1_000 == 0 {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        buf[end] = b'.';
        digits(buf, end + 1, value, width);
        end += 1 + width;
    }
    buf[end..end + 6].copy_from_slice(b"+00:00");
    end += 6;
    // Only ASCII digits and punctuation were written.
    std::str::from_utf8(&buf[..end]).unwrap_or_default()
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
            let mut text = [0u8; RFC3339_MAX];
            return visitor.visit_str(rfc3339(&utc_of(obj)?, &mut text));
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_writes_what_chrono_writes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases = vec![
            DateTime::<Utc>::MIN_UTC,
            "0001-01-01T00:00:00.000001Z".parse().unwrap(),
            "9999-12-31T23:59:59.999999Z".parse().unwrap(),
            "1969-12-31T23:59:59.5Z".parse().unwrap(),
            "2026-01-01T09:30:00.123Z".parse().unwrap(),
            "2026-01-01T09:30:00.000000001Z".parse().unwrap(),
        ];
        let span = 253_402_300_799_i64 + 62_135_596_800;
        for _ in 0..20_000 {
            let secs = (next() % span as u64) as i64 - 62_135_596_800;
            let nanos = match next() % 4 {
                0 => 0,
                1 => (next() % 1000) as u32 * 1_000_000,
                2 => (next() % 1_000_000) as u32 * 1_000,
                _ => (next() % 1_000_000_000) as u32,
            };
            cases.push(DateTime::from_timestamp(secs, nanos).unwrap());
        }
        let mut buf = [0u8; RFC3339_MAX];
        for t in cases {
            let expected = t.to_rfc3339();
            if (0..=9999).contains(&chrono::Datelike::year(&t)) {
                assert_eq!(rfc3339(&t, &mut buf), expected);
            } else {
                assert!(expected.starts_with(rfc3339(&t, &mut buf)));
            }
        }
    }

    #[test]
    fn fields_unpack_a_pickle_state() {
        // datetime(2026, 12, 7, 22, 30, 5, 123456).__reduce__()[1][0]
        let state = [0x07, 0xea, 12, 7, 22, 30, 5, 0x01, 0xe2, 0x40];
        let t = Fields::unpack(&state).unwrap().as_utc().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-07T22:30:05.123456+00:00");
        // fold=1 under protocol 4 sets the month's top bit.
        let mut folded = state;
        folded[2] |= 0x80;
        assert_eq!(Fields::unpack(&folded).unwrap().as_utc(), Some(t));
        assert!(Fields::unpack(&state[..9]).is_none());
        let mut bad = state;
        bad[3] = 32;
        assert!(Fields::unpack(&bad).unwrap().as_utc().is_none());
    }
}
