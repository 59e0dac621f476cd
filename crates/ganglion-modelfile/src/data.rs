//! Arrays stored in NumPy `.npy` files (`{ file = "x.npy" }`), as Brian2 scripts load them with
//! `numpy.load`.

use std::path::Path;

use ndarray::ArrayD;
use ndarray_npy::{ReadNpyError, ReadNpyExt};

use crate::{Located, Value};
use ganglion_syntax::Span;

/// What the model file's diagnostics suggest when an array file cannot be read.
pub(crate) const HINT: &str = "the path is relative to the model file; the file is a NumPy .npy \
     array of one or two dimensions (float64, float32, int64 or int32), as numpy.save writes it";

/// An array read from a data file, in the element type it was stored with.
pub(crate) enum Data {
    Float(ArrayD<f64>),
    Int(ArrayD<i64>),
}

/// Reads a `.npy` file of floating-point or integer numbers.
pub(crate) fn read_npy(path: &Path) -> Result<Data, String> {
    let open = || std::fs::File::open(path).map_err(|e| e.to_string());
    let wrong_type = |e: &ReadNpyError| matches!(e, ReadNpyError::WrongDescriptor(_));
    match ArrayD::<f64>::read_npy(open()?) {
        Ok(a) => return Ok(Data::Float(a)),
        Err(e) if !wrong_type(&e) => return Err(e.to_string()),
        Err(_) => {}
    }
    match ArrayD::<f32>::read_npy(open()?) {
        Ok(a) => return Ok(Data::Float(a.mapv(f64::from))),
        Err(e) if !wrong_type(&e) => return Err(e.to_string()),
        Err(_) => {}
    }
    match ArrayD::<i64>::read_npy(open()?) {
        Ok(a) => return Ok(Data::Int(a)),
        Err(e) if !wrong_type(&e) => return Err(e.to_string()),
        Err(_) => {}
    }
    match ArrayD::<i32>::read_npy(open()?) {
        Ok(a) => Ok(Data::Int(a.mapv(i64::from))),
        Err(e) => Err(e.to_string()),
    }
}

impl Data {
    /// The array as the model file's values: a list of numbers, or a list of rows.
    pub(crate) fn into_value(self, span: Span) -> Result<Value, String> {
        let ndim = match &self {
            Data::Float(a) => a.ndim(),
            Data::Int(a) => a.ndim(),
        };
        let item = |i: usize, data: &Data| match data {
            Data::Float(a) => Value::Number(Located {
                value: a.as_slice_memory_order().map_or(0.0, |s| s[i]),
                span,
            }),
            Data::Int(a) => Value::Integer(Located {
                value: a.as_slice_memory_order().map_or(0, |s| s[i]),
                span,
            }),
        };
        let list = |value: Vec<Value>| Value::List(Located { value, span });
        let data = self.standard();
        let shape = match &data {
            Data::Float(a) => a.shape().to_vec(),
            Data::Int(a) => a.shape().to_vec(),
        };
        match ndim {
            1 => Ok(list((0..shape[0]).map(|i| item(i, &data)).collect())),
            2 => Ok(list(
                (0..shape[0])
                    .map(|r| {
                        list(
                            (0..shape[1])
                                .map(|c| item(r * shape[1] + c, &data))
                                .collect(),
                        )
                    })
                    .collect(),
            )),
            n => Err(format!(
                "the array has {n} dimensions; one or two are accepted"
            )),
        }
    }

    /// The array in row-major (C) order, whatever order the file used.
    fn standard(self) -> Data {
        match self {
            Data::Float(a) => Data::Float(a.as_standard_layout().into_owned()),
            Data::Int(a) => Data::Int(a.as_standard_layout().into_owned()),
        }
    }
}
