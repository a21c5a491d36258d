//! Python objects <-> the core's JSON values and timestamps.
//!
//! Nested data crosses the boundary in the core's serde JSON shape, the same shape the C
//! ABI and the HTTP API use. Converting here (rather than through `json.dumps`) keeps one
//! copy and lets errors name the offending field.

use chrono::{DateTime, Utc};
use juno_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

mod de;

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// A Python value (None, bool, int, float, str, list, tuple, dict with str keys, aware
/// datetime, date) as JSON. `field` names the argument in errors.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, field: &str) -> Result<Value, Error> {
    to_json_at(obj, field, 0)
}

fn to_json_at(obj: &Bound<'_, PyAny>, field: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(
            field,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(Error::invalid(field, "integer does not fit in 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        return Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| Error::invalid(field, format!("{v} is not a JSON number")));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| Value::String(s.to_owned()))
            .map_err(|_| Error::invalid(field, "string is not valid UTF-8"));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(Error::invalid(field, "dictionary keys must be strings"));
            };
            let key = key
                .to_str()
                .map_err(|_| Error::invalid(field, "key is not valid UTF-8"))?
                .to_owned();
            let sub = format!("{field}.{key}");
            map.insert(key, to_json_at(&v, &sub, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        let iter = obj
            .try_iter()
            .map_err(|_| Error::invalid(field, "cannot iterate"))?;
        for (i, item) in iter.enumerate() {
            let item = item.map_err(|_| Error::invalid(field, "cannot iterate"))?;
            out.push(to_json_at(&item, &format!("{field}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if obj.is_instance_of::<PyDateTime>() {
        return datetime_from_py(obj, field).map(|t| Value::String(t.to_rfc3339()));
    }
    // After datetime, which is a date subclass: a calendar date is `YYYY-MM-DD`.
    if obj.is_instance_of::<PyDate>() {
        return obj
            .extract::<chrono::NaiveDate>()
            .map(|d| Value::String(d.to_string()))
            .map_err(|e| Error::invalid(field, e.to_string()));
    }
    let type_name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| String::from("?"));
    Err(Error::invalid(
        field,
        format!("values of type `{type_name}` cannot be stored as JSON"),
    ))
}

/// A JSON value as the natural Python object (dicts, lists, str, int, float, bool, None).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Serializes a core value to JSON and then to Python objects (`to_dict()` methods).
pub(crate) fn serde_to_py<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| {
        crate::errors::to_pyerr(
            py,
            &Error::Storage {
                message: format!("cannot serialize: {e}"),
            },
        )
    })?;
    to_py(py, &v)
}

/// An aware `datetime` as UTC. Naive datetimes are refused: JUNO never guesses a zone.
pub(crate) fn datetime_from_py(
    obj: &Bound<'_, PyAny>,
    field: &str,
) -> Result<DateTime<Utc>, Error> {
    if !obj.is_instance_of::<PyDateTime>() {
        return Err(Error::invalid(field, "expected a datetime"));
    }
    let offset = obj
        .call_method1("utcoffset", ())
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    if offset.is_none() {
        return Err(Error::invalid(
            field,
            "datetime must be timezone-aware (for example tzinfo=datetime.timezone.utc)",
        ));
    }
    let py = obj.py();
    let utc = py
        .import("datetime")
        .and_then(|m| m.getattr("timezone"))
        .and_then(|tz| tz.getattr("utc"))
        .and_then(|utc| obj.call_method1("astimezone", (utc,)))
        .map_err(|e| Error::invalid(field, e.to_string()))?;
    utc.extract::<DateTime<Utc>>()
        .map_err(|e| Error::invalid(field, e.to_string()))
}

/// An optional aware datetime argument.
pub(crate) fn opt_datetime(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> Result<Option<DateTime<Utc>>, Error> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => datetime_from_py(o, field).map(Some),
    }
}

/// A Python value in one of the core's JSON shapes (a dict for an object), as `T`.
/// `field` names it in errors, which are `InvalidInput`.
pub(crate) fn from_py<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    field: &str,
) -> Result<T, Error> {
    match T::deserialize(de::PyDe::new(obj)) {
        Ok(v) => Ok(v),
        Err(de::Stop) => slow_from_py(obj, field),
    }
}

/// The slow path: the JSON tree with every field's path, then serde over it. Its result
/// is the fast path's whenever that succeeds (the fast path reads the same values), and
/// its error names the exact field.
fn slow_from_py<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    field: &str,
) -> Result<T, Error> {
    let value = to_json(obj, field)?;
    juno_core::json::from_value(field, value)
}

/// A dict in one of the core's JSON object shapes, as `T` (serde would also read a list
/// as a struct's fields in order; a caller never means that).
pub(crate) fn object_from_py<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    field: &str,
) -> Result<T, Error> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(Error::invalid(field, "expected a dict"));
    }
    from_py(obj, field)
}

/// An optional dict argument as `T`: absent or `None` is `T`'s default.
pub(crate) fn opt_object_from_py<T: serde::de::DeserializeOwned + Default>(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> Result<T, Error> {
    match obj {
        Some(o) if !o.is_none() => object_from_py(o, field),
        _ => Ok(T::default()),
    }
}

/// Each item of a Python iterable (list, tuple, generator, …) as `T`, named `field[i]` in
/// errors; with `objects`, each item must be a dict. A string or a mapping is refused
/// rather than iterated.
pub(crate) fn list_from_py<T: serde::de::DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    field: &str,
    objects: bool,
) -> Result<Vec<T>, Error> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyDict>() {
        return Err(Error::invalid(field, "expected a list"));
    }
    let iter = obj
        .try_iter()
        .map_err(|_| Error::invalid(field, "expected a list"))?;
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    for (i, item) in iter.enumerate() {
        let item = item.map_err(|e| Error::invalid(field, e.to_string()))?;
        if objects && !item.is_instance_of::<PyDict>() {
            return Err(Error::invalid(format!("{field}[{i}]"), "expected a dict"));
        }
        // The item's name (`tickets[3]`) is built only when it is needed for an error.
        match T::deserialize(de::PyDe::new(&item)) {
            Ok(v) => out.push(v),
            Err(de::Stop) => out.push(slow_from_py(&item, &format!("{field}[{i}]"))?),
        }
    }
    Ok(out)
}

/// Names the argument a [`Whole`] is for, so that its error can say so.
pub(crate) trait ArgName {
    /// The argument's name.
    const NAME: &'static str;
}

macro_rules! arg_names {
    ($($ty:ident => $name:literal),* $(,)?) => {$(
        #[doc = concat!("The `", $name, "` argument.")]
        pub(crate) struct $ty;
        impl ArgName for $ty {
            const NAME: &'static str = $name;
        }
    )*};
}
arg_names!(IdArg => "id", SeqArg => "seq", TreeSizeArg => "tree_size");

/// A whole-number argument that must fit in 64 bits (ids, sequence numbers). Python
/// ints have no size limit; one too large arrives as `juno.errors.InvalidInputError` naming
/// the argument, like every other bad input, instead of a bare `OverflowError`.
pub(crate) struct Whole<N: ArgName>(pub i64, std::marker::PhantomData<N>);

/// An id argument (`memory.get(id)`, `governance.approve(id, …)`).
pub(crate) type Id = Whole<IdArg>;

impl<'a, 'py, N: ArgName> FromPyObject<'a, 'py> for Whole<N> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.extract::<i64>() {
            Ok(v) => Ok(Whole(v, std::marker::PhantomData)),
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(obj.py()) => {
                Err(crate::errors::to_pyerr(
                    obj.py(),
                    &Error::invalid(N::NAME, "must be a whole number that fits in 64 bits"),
                ))
            }
            Err(e) => Err(e),
        }
    }
}
