//! Stores into the fields Python reads as plain members (the `__slots__`
//! attributes of `ticklab.Book`, the `book` member of `ctx`) as `setattr`
//! would, without its name lookup: the host refreshes them before
//! callbacks, often, and a store is then one pointer swap.
//!
//! Where a class keeps a field is found once, on a live object: its slots
//! are set to a fresh marker object and the marker is looked for in the
//! object's own memory (`__basicsize__` bytes from its start), so nothing
//! is assumed of the interpreter's layout beyond an object being a block of
//! memory holding its fields' pointers. A field not found exactly once
//! leaves the caller on `setattr`.

// FFI: a member's storage is read and written through the object's
// pointer; the C API has no call that stores a member without looking its
// name up.
#![allow(unsafe_code)]

use std::mem::size_of;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyType};

/// Where objects of one class keep `N` object-valued fields: byte offsets
/// from the object's start.
pub(crate) struct Layout<const N: usize> {
    class: Py<PyType>,
    offsets: [usize; N],
}

/// Size of `object`'s fixed part, bytes (`type(object).__basicsize__`).
fn basic_size(object: &Bound<'_, PyAny>) -> PyResult<usize> {
    object.get_type().getattr("__basicsize__")?.extract()
}

/// Where in `object` (of `size` bytes) the pointer `value` is stored, if
/// it is stored exactly once.
fn offset_of_value(
    object: &Bound<'_, PyAny>,
    size: usize,
    value: *mut ffi::PyObject,
) -> Option<usize> {
    let start = object.as_ptr().cast::<*mut ffi::PyObject>();
    let mut found = None;
    for word in 0..size / size_of::<*mut ffi::PyObject>() {
        // SAFETY: `object` is alive (we hold a reference) and its first
        // `size` bytes are its own; each word is read as an aligned
        // pointer-sized value, which any bit pattern is.
        let stored = unsafe { start.add(word).read() };
        if stored == value {
            if found.is_some() {
                return None;
            }
            found = Some(word * size_of::<*mut ffi::PyObject>());
        }
    }
    found
}

impl<const N: usize> Layout<N> {
    /// Where instances of `probe`'s class keep the `__slots__` attributes
    /// `names`; `None` when one is not found exactly once in `probe`. The
    /// attributes of `probe` are set back as they were.
    pub(crate) fn of_slots(probe: &Bound<'_, PyAny>, names: [&str; N]) -> PyResult<Option<Self>> {
        let py = probe.py();
        let size = basic_size(probe)?;
        let mut offsets = [0; N];
        for (name, offset) in names.iter().zip(&mut offsets) {
            let before = probe.getattr(*name)?;
            // A new object, so its address is nowhere else in `probe`.
            let marker = PyList::empty(py);
            probe.setattr(*name, &marker)?;
            let found = offset_of_value(probe, size, marker.as_ptr());
            probe.setattr(*name, before)?;
            match found {
                // Past the header (reference count and type).
                Some(at) if at >= 2 * size_of::<*mut ffi::PyObject>() => *offset = at,
                _ => return Ok(None),
            }
        }
        Ok(Some(Layout {
            class: probe.get_type().unbind(),
            offsets,
        }))
    }

    /// Where instances of `object`'s class keep the fields whose current
    /// values are `values` (pointers found exactly once in `object`);
    /// `None` when one is not.
    pub(crate) fn of_values(
        object: &Bound<'_, PyAny>,
        values: [&Bound<'_, PyAny>; N],
    ) -> PyResult<Option<Self>> {
        let size = basic_size(object)?;
        let mut offsets = [0; N];
        for (value, offset) in values.iter().zip(&mut offsets) {
            match offset_of_value(object, size, value.as_ptr()) {
                Some(at) if at >= 2 * size_of::<*mut ffi::PyObject>() => *offset = at,
                _ => return Ok(None),
            }
        }
        Ok(Some(Layout {
            class: object.get_type().unbind(),
            offsets,
        }))
    }

    /// `object`'s fields, when it is an instance of exactly this class.
    pub(crate) fn fields(&self, object: &Bound<'_, PyAny>) -> Option<Fields<N>> {
        object
            .get_type()
            .is(self.class.bind(object.py()))
            .then(|| Fields {
                offsets: self.offsets,
                object: object.clone().unbind(),
            })
    }
}

/// An object whose fields of a [`Layout`] can be stored into.
pub(crate) struct Fields<const N: usize> {
    offsets: [usize; N],
    /// Of exactly the layout's class (checked when made).
    object: Py<PyAny>,
}

impl<const N: usize> Fields<N> {
    /// Stores `value` as field `i` (`i < N`), as `setattr` stores a slot:
    /// the new value kept, the old one released.
    #[inline]
    pub(crate) fn set(&self, i: usize, value: Bound<'_, PyAny>) {
        let Some(&offset) = self.offsets.get(i) else {
            return;
        };
        // SAFETY: the object is alive (held by `self.object`) and of the
        // class the offset was found in, where a field of the object holds
        // a strong reference at `offset` (inside its fixed part, past its
        // header); the GIL is held (`value` is bound), so no other thread
        // reads the field meanwhile. The new value's reference moves into
        // the field and the old one's is released, as `setattr` does.
        unsafe {
            let field = self
                .object
                .as_ptr()
                .cast::<u8>()
                .add(offset)
                .cast::<*mut ffi::PyObject>();
            let old = field.replace(value.into_ptr());
            ffi::Py_XDECREF(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyo3::types::PyDict;

    const SLOTS: &std::ffi::CStr = c"
class Slots:
    __slots__ = ('a', 'b', 'c')

    def __init__(self):
        self.a = self.b = self.c = None

class Other(Slots):
    __slots__ = ()
";

    #[test]
    fn a_field_stored_directly_reads_back_as_set_and_releases_the_old_value() {
        Python::attach(|py| {
            let names = PyDict::new(py);
            py.run(SLOTS, Some(&names), None).expect("test class");
            let class = names.get_item("Slots").expect("dict").expect("class");
            let (probe, object) = (
                class.call0().expect("probe"),
                class.call0().expect("object"),
            );
            probe.setattr("b", 7).expect("setattr");
            let layout = Layout::of_slots(&probe, ["c", "a"])
                .expect("probing")
                .expect("both slots found");
            // The probe's attributes are as they were.
            assert!(probe.getattr("c").expect("c").is_none());
            assert_eq!(
                probe
                    .getattr("b")
                    .expect("b")
                    .extract::<i32>()
                    .expect("int"),
                7
            );

            let fields = layout.fields(&object).expect("same class");
            let old = PyList::empty(py);
            object.setattr("c", &old).expect("setattr");
            let getrefcount = py
                .import("sys")
                .and_then(|sys| sys.getattr("getrefcount"))
                .expect("sys.getrefcount");
            let refs = |o: &Bound<'_, PyList>| -> isize {
                getrefcount
                    .call1((o,))
                    .and_then(|n| n.extract())
                    .expect("count")
            };
            let held = refs(&old);
            fields.set(0, 1.5_f64.into_pyobject(py).expect("float").into_any());
            fields.set(1, "x".into_pyobject(py).expect("str").into_any());
            assert_eq!(
                object
                    .getattr("c")
                    .expect("c")
                    .extract::<f64>()
                    .expect("float"),
                1.5
            );
            assert_eq!(
                object
                    .getattr("a")
                    .expect("a")
                    .extract::<String>()
                    .expect("str"),
                "x"
            );
            assert!(object.getattr("b").expect("b").is_none());
            assert_eq!(refs(&old), held - 1);

            // An instance of another class, even a subclass, is refused.
            let other = names.get_item("Other").expect("dict").expect("class");
            assert!(layout.fields(&other.call0().expect("other")).is_none());
        });
    }

    #[test]
    fn a_name_that_is_not_a_slot_is_not_found() {
        Python::attach(|py| {
            let names = PyDict::new(py);
            py.run(
                c"class Plain:\n    def __init__(self):\n        self.a = None\n",
                Some(&names),
                None,
            )
            .expect("test class");
            let class = names.get_item("Plain").expect("dict").expect("class");
            let probe = class.call0().expect("probe");
            assert!(Layout::of_slots(&probe, ["a"]).expect("probing").is_none());
        });
    }
}
