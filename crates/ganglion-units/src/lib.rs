//! Physical dimensions, Brian2's unit vocabulary and unit-checked quantities for Ganglion.
//!
//! This crate is for:
//! * [`Dimension`]: exponents (exact [`Rational`]s) of the seven SI base dimensions, with a
//!   `Display` that writes a unit expression of the model language (`"siemens/metre**2"`);
//! * the unit vocabulary Brian2 resolves by default ([`lookup`], [`all_units`],
//!   [`base_unit_for`], [`similar_unit_names`]): SI base and derived units, every SI prefix,
//!   `2`/`3` powers, litres, molar and the `stdunits` aliases (`mV`, `ms`, `nS`, ...), plus
//!   Brian2's [`physical_constants`];
//! * [`Quantity`]: an SI value with a dimension, parsed from simple strings such as
//!   `"-70*mV"` and displayed in Brian2's style (`"-70. mV"`).
//!
//! It is not for parsing model text (equations, expressions, unit specifications): the
//! syntax crate does that and uses this crate to resolve names and check dimensions. The IR
//! downstream is unit-free: values are plain `f64` in SI base units.

mod dimension;
mod parse;
mod quantity;
mod rational;
mod registry;

pub use dimension::Dimension;
pub use parse::QuantityParseError;
pub use quantity::{DimensionMismatch, Quantity, format_number};
pub use rational::Rational;
pub use registry::{
    PhysicalConstant, SI_PREFIXES, Unit, all_units, base_unit_for, is_unit_name, lookup,
    physical_constants, similar_unit_names,
};

use std::fmt;

/// The type of a model variable as given by its unit specification (`1`/units: float,
/// `integer`, `boolean`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarType {
    /// A floating-point variable (any unit, or `1`).
    Float,
    /// An integer variable (`integer`; dimensionless).
    Integer,
    /// A boolean variable (`boolean`; dimensionless).
    Boolean,
}

/// `"float"`, `"integer"`, `"boolean"` (Brian2's type names).
impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VarType::Float => "float",
            VarType::Integer => "integer",
            VarType::Boolean => "boolean",
        })
    }
}
