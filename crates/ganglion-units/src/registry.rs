//! Brian2's unit vocabulary (`brian2/units/allunits.py`, `stdunits.py`) and physical constants
//! (`constants.py`).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::{Dimension, Quantity};

/// The SI prefixes and their powers of ten, in Brian2's order (`_siprefixes`).
pub const SI_PREFIXES: [(&str, i32); 20] = [
    ("y", -24),
    ("z", -21),
    ("a", -18),
    ("f", -15),
    ("p", -12),
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("c", -2),
    ("d", -1),
    ("da", 1),
    ("h", 2),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
    ("Z", 21),
    ("Y", 24),
];

/// Prefixes whose units Brian2 defines but leaves out of its unit registry and hence out of
/// the default unit namespace (`DEFAULT_UNITS`) and out of best-unit display.
const UNREGISTERED_PREFIXES: [&str; 4] = ["c", "d", "da", "h"];

/// The short aliases of `brian2/units/stdunits.py`: (alias, unit it stands for).
const STD_ALIASES: [(&str, &str); 28] = [
    ("mV", "mvolt"),
    ("mA", "mamp"),
    ("uA", "uamp"),
    ("nA", "namp"),
    ("pA", "pamp"),
    ("pF", "pfarad"),
    ("uF", "ufarad"),
    ("nF", "nfarad"),
    ("nS", "nsiemens"),
    ("uS", "usiemens"),
    ("mS", "msiemens"),
    ("ms", "msecond"),
    ("us", "usecond"),
    ("Hz", "hertz"),
    ("kHz", "khertz"),
    ("MHz", "Mhertz"),
    ("cm", "cmetre"),
    ("cm2", "cmetre2"),
    ("cm3", "cmetre3"),
    ("mm", "mmetre"),
    ("mm2", "mmetre2"),
    ("mm3", "mmetre3"),
    ("um", "umetre"),
    ("um2", "umetre2"),
    ("um3", "umetre3"),
    ("mM", "mmolar"),
    ("uM", "umolar"),
    ("nM", "nmolar"),
];

/// One named unit of Brian2's vocabulary.
///
/// Every name is its own entry: `mV` and `mvolt` are two entries with the same dimension
/// and scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// The name as written in model text (`"mV"`, `"mvolt"`, `"metre2"`).
    pub name: String,
    /// The physical dimension.
    pub dim: Dimension,
    /// The SI value of one of this unit (`1e-3` for `mV`); always `10^scale_exponent`.
    pub scale: f64,
    /// Whether the unit may be used in an equation's unit specification: scale exactly 1,
    /// not a `2`/`3` power form, and in Brian2's default namespace (Brian2's `_base_units`:
    /// `volt`, `metre`, `kgram`, `mmolar`, `mM`, ... but not `metre2`).
    pub is_base: bool,
    /// The scale as a power of ten (Brian2's `Unit.scale`): `-3` for `mV`, `6` for `molar2`.
    pub scale_exponent: i32,
    /// Whether Brian2's `DEFAULT_UNITS` namespace holds this name. False only for the
    /// `c`/`d`/`da`/`h`-prefixed units (`cmetre`, `dasecond`, ...) and their powers, which a
    /// Brian2 script sees only through `from brian2 import *`; this crate still resolves them.
    pub in_default_namespace: bool,
}

impl Unit {
    /// One of this unit as a quantity.
    pub fn quantity(&self) -> Quantity {
        Quantity::new(self.scale, self.dim)
    }
}

/// A generated unit with Brian2's bookkeeping.
struct Entry {
    unit: Unit,
    /// A `2`/`3` power form.
    power: bool,
    /// Brian2 registers this unit in `standard_unit_register` (used for display).
    registered: bool,
    /// Brian2's registration rank: later registration wins for the same (dim, scale).
    rank: usize,
}

struct Registry {
    units: Vec<Unit>,
    by_name: HashMap<String, usize>,
    /// For each unit, the suggestion of `base_unit_for`.
    suggestions: Vec<Option<String>>,
    /// Display candidates per dimension: (scale exponent, index of the unit to show).
    display: HashMap<Dimension, Vec<(i32, usize)>>,
}

/// The exact `f64` nearest to `10^e`, as the literal `1e{e}` gives it.
fn pow10(e: i32) -> f64 {
    format!("1e{e}")
        .parse()
        .expect("a float literal always parses")
}

fn d(e: [i32; 7]) -> Dimension {
    Dimension::from_ints(e)
}

/// Brian2's `base_units` list, in its order: (name, dimension, scale exponent, prefixable).
fn base_table() -> Vec<(&'static str, Dimension, i32, bool)> {
    let mut v = vec![
        ("metre", Dimension::LENGTH, 0, true),
        ("meter", Dimension::LENGTH, 0, true),
        ("kilogram", Dimension::MASS, 0, false),
        ("second", Dimension::TIME, 0, true),
        ("amp", Dimension::CURRENT, 0, true),
        ("ampere", Dimension::CURRENT, 0, true),
        ("kelvin", Dimension::TEMPERATURE, 0, false),
        ("mole", Dimension::AMOUNT, 0, true),
        ("mol", Dimension::AMOUNT, 0, true),
        ("candle", Dimension::LUMINOSITY, 0, true),
        ("kilogramme", Dimension::MASS, 0, false),
        ("gram", Dimension::MASS, -3, true),
        ("gramme", Dimension::MASS, -3, true),
        ("molar", Dimension::CONCENTRATION, 3, true),
    ];
    let derived = [
        ("radian", d([0, 0, 0, 0, 0, 0, 0])),
        ("steradian", d([0, 0, 0, 0, 0, 0, 0])),
        ("hertz", d([0, 0, -1, 0, 0, 0, 0])),
        ("newton", d([1, 1, -2, 0, 0, 0, 0])),
        ("pascal", d([-1, 1, -2, 0, 0, 0, 0])),
        ("joule", d([2, 1, -2, 0, 0, 0, 0])),
        ("watt", d([2, 1, -3, 0, 0, 0, 0])),
        ("coulomb", d([0, 0, 1, 1, 0, 0, 0])),
        ("volt", d([2, 1, -3, -1, 0, 0, 0])),
        ("farad", d([-2, -1, 4, 2, 0, 0, 0])),
        ("ohm", d([2, 1, -3, -2, 0, 0, 0])),
        ("siemens", d([-2, -1, 3, 2, 0, 0, 0])),
        ("weber", d([2, 1, -2, -1, 0, 0, 0])),
        ("tesla", d([0, 1, -2, -1, 0, 0, 0])),
        ("henry", d([2, 1, -2, -2, 0, 0, 0])),
        ("lumen", d([0, 0, 0, 0, 0, 0, 1])),
        ("lux", d([-2, 0, 0, 0, 0, 0, 1])),
        ("becquerel", d([0, 0, -1, 0, 0, 0, 0])),
        ("gray", d([2, 0, -2, 0, 0, 0, 0])),
        ("sievert", d([2, 0, -2, 0, 0, 0, 0])),
        ("katal", d([0, 0, -1, 0, 0, 1, 0])),
    ];
    v.extend(derived.iter().map(|&(n, dim)| (n, dim, 0, true)));
    v
}

/// How Brian2 treats a generated unit.
#[derive(Clone, Copy)]
struct Kind {
    /// A `2`/`3` power form.
    power: bool,
    /// In `standard_unit_register` (display candidates).
    registered: bool,
    /// In `DEFAULT_UNITS`.
    in_namespace: bool,
    /// 0 powered, 1 scaled, 2 base: Brian2 registers powered, then scaled, then base units.
    category: usize,
}

impl Kind {
    /// A unit generated from the base table: powered (category 0), scaled (1) or base (2); in the
    /// default namespace when registered.
    fn generated(category: usize, registered: bool) -> Kind {
        Kind {
            power: category == 0,
            registered,
            in_namespace: registered,
            category,
        }
    }
}

/// The registry: every unit, by name, with display candidates and `base_unit_for` suggestions.
fn build() -> Registry {
    let entries = generate();
    let by_name: HashMap<String, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.unit.name.clone(), i))
        .collect();
    let best = best_registered(&entries);
    let display = display_candidates(&entries, &best, &by_name);
    let suggestions = suggestions(&entries, &best);
    Registry {
        units: entries.into_iter().map(|e| e.unit).collect(),
        by_name,
        suggestions,
        display,
    }
}

/// Every unit of the vocabulary, in generation order: base, scaled and powered units, litres, the
/// `stdunits` aliases.
///
/// Brian2 registers powered units, then scaled units, then base units, each list in reverse generation
/// order; for equal (dim, scale) the last registration wins. Ranks reproduce that: a higher rank wins.
fn generate() -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    push_si_units(&mut entries);
    push_litres(&mut entries);
    push_aliases(&mut entries);
    entries
}

/// Adds a unit `name` of `dim` and scale `10^exp`.
fn push(entries: &mut Vec<Entry>, name: String, dim: Dimension, exp: i32, kind: Kind) {
    let gen_index = entries.len();
    entries.push(Entry {
        unit: Unit {
            name,
            dim,
            scale: pow10(exp),
            is_base: kind.in_namespace && exp == 0 && !kind.power,
            scale_exponent: exp,
            in_default_namespace: kind.in_namespace,
        },
        power: kind.power,
        registered: kind.registered,
        // Within one category, the earlier generated unit wins.
        rank: kind.category * 1_000_000 + (1_000_000 - gen_index),
    });
}

/// The base units, their prefixed forms, then the `2` and `3` powers of both, in Brian2's `all_units`
/// order.
fn push_si_units(entries: &mut Vec<Entry>) {
    let bases = base_table();
    // (name, dim, exp, registered) of base and scaled units.
    let mut simple: Vec<(String, Dimension, i32, bool)> = Vec::new();
    for &(name, dim, exp, _) in &bases {
        push(
            entries,
            name.to_string(),
            dim,
            exp,
            Kind::generated(2, true),
        );
        simple.push((name.to_string(), dim, exp, true));
    }
    for &(name, dim, exp, prefixable) in &bases {
        if !prefixable {
            continue;
        }
        for (prefix, pexp) in SI_PREFIXES {
            let reg = !UNREGISTERED_PREFIXES.contains(&prefix);
            let full = format!("{prefix}{name}");
            push(
                entries,
                full.clone(),
                dim,
                exp + pexp,
                Kind::generated(1, reg),
            );
            simple.push((full, dim, exp + pexp, reg));
        }
    }
    for (name, dim, exp, reg) in &simple {
        for p in [2, 3] {
            let (name, dim) = (format!("{name}{p}"), dim.pow(p.into()));
            push(entries, name, dim, exp * p, Kind::generated(0, *reg));
        }
    }
}

/// Litres: base and prefixed, no powers. Brian2 keeps them in the default namespace but out of the
/// standard registry, so they are never chosen for display.
fn push_litres(entries: &mut Vec<Entry>) {
    let volume = Dimension::LENGTH.pow(3.into());
    let litre = Kind {
        power: false,
        registered: false,
        in_namespace: true,
        category: 0,
    };
    for name in ["liter", "litre"] {
        push(entries, name.to_string(), volume, -3, litre);
        for (prefix, pexp) in SI_PREFIXES {
            push(entries, format!("{prefix}{name}"), volume, pexp - 3, litre);
        }
    }
}

/// The `stdunits` aliases: in the namespace; displayed in place of the unit they alias.
fn push_aliases(entries: &mut Vec<Entry>) {
    for (alias, target) in STD_ALIASES {
        let t = entries
            .iter()
            .position(|e| e.unit.name == target)
            .expect("every stdunits alias names an existing unit");
        let (dim, exp) = (entries[t].unit.dim, entries[t].unit.scale_exponent);
        let kind = Kind {
            power: entries[t].power,
            registered: false,
            in_namespace: true,
            category: 0,
        };
        push(entries, alias.to_string(), dim, exp, kind);
    }
}

/// Per (dim, scale exponent), the registered unit of highest rank.
fn best_registered(entries: &[Entry]) -> HashMap<(Dimension, i32), usize> {
    let mut best: HashMap<(Dimension, i32), usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate().filter(|(_, e)| e.registered) {
        let key = (e.unit.dim, e.unit.scale_exponent);
        match best.get(&key) {
            Some(&j) if entries[j].rank > e.rank => {}
            _ => {
                best.insert(key, i);
            }
        }
    }
    best
}

/// Display candidates per dimension, sorted by scale: the `best` unit of each scale, shown under its
/// `stdunits` alias when it has one.
fn display_candidates(
    entries: &[Entry],
    best: &HashMap<(Dimension, i32), usize>,
    by_name: &HashMap<String, usize>,
) -> HashMap<Dimension, Vec<(i32, usize)>> {
    let alias_of: HashMap<&str, &str> = STD_ALIASES.iter().map(|&(a, t)| (t, a)).collect();
    let mut display: HashMap<Dimension, Vec<(i32, usize)>> = HashMap::new();
    for (&(dim, exp), &i) in best {
        let shown = alias_of
            .get(entries[i].unit.name.as_str())
            .map_or(i, |a| by_name[*a]);
        display.entry(dim).or_default().push((exp, shown));
    }
    for v in display.values_mut() {
        v.sort_unstable();
    }
    display
}

/// `base_unit_for` of each unit: Brian2's `get_unit(dim)` (the registered scale-1 unit), unless that is
/// a power form, which unit specifications reject; then the dimension as an expression.
fn suggestions(entries: &[Entry], best: &HashMap<(Dimension, i32), usize>) -> Vec<Option<String>> {
    entries
        .iter()
        .map(|e| {
            if e.unit.is_base {
                return None;
            }
            let dim = e.unit.dim;
            Some(match best.get(&(dim, 0)) {
                Some(&i) if !entries[i].power => entries[i].unit.name.clone(),
                _ => dim.to_string(),
            })
        })
        .collect()
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(build);

/// The unit called `name`, for every name of Brian2's unit vocabulary (`allunits.py` and
/// `stdunits.py`).
pub fn lookup(name: &str) -> Option<&'static Unit> {
    let r = &*REGISTRY;
    r.by_name.get(name).map(|&i| &r.units[i])
}

/// All units, each name once.
pub fn all_units() -> impl Iterator<Item = &'static Unit> {
    REGISTRY.units.iter()
}

/// Whether `name` is a unit name.
pub fn is_unit_name(name: &str) -> bool {
    REGISTRY.by_name.contains_key(name)
}

/// The base (scale 1) unit to suggest instead of a scaled one, as Brian2's "Use 'volt'
/// instead." hint: `"mV"` -> `"volt"`, `"ms"` -> `"second"`, `"kHz"` -> `"hertz"`,
/// `"gram"` -> `"kilogram"`, `"molar"` -> `"mmolar"`. Power forms are not base units in unit
/// specifications, so `"cm2"` -> `"metre**2"` and `"litre"` -> `"metre**3"` (a unit
/// expression). `None` if the unit is base (`"mM"`, `"volt"`) or unknown.
pub fn base_unit_for(name: &str) -> Option<&'static str> {
    let r = &*REGISTRY;
    let &i = r.by_name.get(name)?;
    r.suggestions[i].as_deref()
}

/// Levenshtein distance between two strings (by `char`).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Names closest to `name` by edit distance (for "did you mean" hints): up to `max` names
/// with distance <= 2, best first (ties: default-namespace names, then shorter, then
/// alphabetical).
pub fn similar_unit_names(name: &str, max: usize) -> Vec<&'static str> {
    if max == 0 {
        return Vec::new();
    }
    let mut found: Vec<(usize, bool, usize, &'static str)> = all_units()
        .filter(|u| u.name.len().abs_diff(name.len()) <= 2)
        .filter_map(|u| {
            let dist = edit_distance(name, &u.name);
            (dist <= 2).then_some((dist, !u.in_default_namespace, u.name.len(), u.name.as_str()))
        })
        .collect();
    found.sort_unstable();
    found.into_iter().take(max).map(|t| t.3).collect()
}

/// The unit a quantity of dimension `dim` and SI value `value` is best shown in: among the
/// units Brian2 registers for display, the one giving a number closest to 10 on a log scale
/// (Brian2's `UnitRegistry.__getitem__`); the scale-1 unit for 0 and non-finite values.
pub(crate) fn best_display_unit(dim: Dimension, value: f64) -> Option<&'static Unit> {
    let r = &*REGISTRY;
    let cands = r.display.get(&dim)?;
    let pick = if value == 0.0 || !value.is_finite() {
        cands.iter().find(|(e, _)| *e == 0).or(cands.first())
    } else {
        cands.iter().min_by(|(_, a), (_, b)| {
            let dev = |i: usize| (((value / r.units[i].scale).abs()).log10() - 1.0).powi(2);
            dev(*a).total_cmp(&dev(*b))
        })
    };
    pick.map(|&(_, i)| &r.units[i])
}

/// A physical constant of Brian2's `brian2/units/constants.py`. These are not in the default
/// namespace; a model must be given them explicitly.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhysicalConstant {
    /// Brian2's name, e.g. `"faraday_constant"`.
    pub name: &'static str,
    /// The SI value.
    pub value: f64,
    /// The dimension.
    pub dim: Dimension,
}

impl PhysicalConstant {
    /// The constant as a quantity.
    pub fn quantity(&self) -> Quantity {
        Quantity::new(self.value, self.dim)
    }
}

const PHYSICAL_CONSTANTS: [PhysicalConstant; 10] = [
    PhysicalConstant {
        name: "avogadro_constant",
        value: 6.022140857e23,
        dim: Dimension::from_ints([0, 0, 0, 0, 0, -1, 0]),
    },
    PhysicalConstant {
        name: "boltzmann_constant",
        value: 1.38064852e-23,
        dim: Dimension::from_ints([2, 1, -2, 0, -1, 0, 0]),
    },
    PhysicalConstant {
        name: "electric_constant",
        value: 8.854187817e-12,
        dim: Dimension::from_ints([-3, -1, 4, 2, 0, 0, 0]),
    },
    PhysicalConstant {
        name: "electron_mass",
        value: 9.10938356e-31,
        dim: Dimension::MASS,
    },
    PhysicalConstant {
        name: "elementary_charge",
        value: 1.6021766208e-19,
        dim: Dimension::from_ints([0, 0, 1, 1, 0, 0, 0]),
    },
    PhysicalConstant {
        name: "faraday_constant",
        value: 96485.33289,
        dim: Dimension::from_ints([0, 0, 1, 1, 0, -1, 0]),
    },
    PhysicalConstant {
        name: "gas_constant",
        value: 8.3144598,
        dim: Dimension::from_ints([2, 1, -2, 0, -1, -1, 0]),
    },
    PhysicalConstant {
        name: "magnetic_constant",
        // Brian2: `4 * np.pi * 1e-7 * newton / amp**2`, evaluated left to right.
        value: 4.0 * std::f64::consts::PI * 1e-7,
        dim: Dimension::from_ints([1, 1, -2, -2, 0, 0, 0]),
    },
    PhysicalConstant {
        name: "molar_mass_constant",
        value: 1e-3,
        dim: Dimension::from_ints([0, 1, 0, 0, 0, -1, 0]),
    },
    PhysicalConstant {
        name: "zero_celsius",
        value: 273.15,
        dim: Dimension::TEMPERATURE,
    },
];

/// Brian2's physical constants (`avogadro_constant`, `boltzmann_constant`,
/// `electric_constant`, `electron_mass`, `elementary_charge`, `faraday_constant`,
/// `gas_constant`, `magnetic_constant`, `molar_mass_constant`, `zero_celsius`).
pub fn physical_constants() -> &'static [PhysicalConstant] {
    &PHYSICAL_CONSTANTS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> &'static Unit {
        lookup(name).unwrap_or_else(|| panic!("no unit {name}"))
    }

    #[test]
    fn vocabulary_size_matches_brian2() {
        // allunits.__all__ (without the `celsius` dummy) plus the 28 stdunits aliases.
        assert_eq!(all_units().count(), 2095);
        let mut names: Vec<&str> = all_units().map(|u| u.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 2095);
    }

    #[test]
    fn every_prefix() {
        let factors = [
            1e-24, 1e-21, 1e-18, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1e-2, 1e-1, 1e1, 1e2, 1e3, 1e6,
            1e9, 1e12, 1e15, 1e18, 1e21, 1e24,
        ];
        for ((prefix, exp), factor) in SI_PREFIXES.iter().zip(factors) {
            for base in [
                "volt", "siemens", "second", "metre", "meter", "amp", "farad", "ohm", "hertz",
                "mole", "mol", "molar", "gram", "litre", "liter", "candle", "katal",
            ] {
                let u = unit(&format!("{prefix}{base}"));
                let b = unit(base);
                assert_eq!(u.dim, b.dim, "{}", u.name);
                assert_eq!(u.scale_exponent, b.scale_exponent + exp, "{}", u.name);
                assert_eq!(u.scale, pow10(u.scale_exponent), "{}", u.name);
                if b.scale_exponent == 0 {
                    assert_eq!(u.scale, factor, "{}", u.name);
                }
                let unregistered = ["c", "d", "da", "h"].contains(prefix);
                let ns = !unregistered || base.starts_with('l');
                assert_eq!(u.in_default_namespace, ns, "{}", u.name);
            }
            for (base, p) in [("metre", 2), ("meter", 3), ("volt", 2), ("second", 3)] {
                let u = unit(&format!("{prefix}{base}{p}"));
                assert_eq!(u.scale_exponent, exp * p, "{}", u.name);
                assert_eq!(u.dim, unit(base).dim.pow(p.into()));
            }
            assert!(!is_unit_name(&format!("{prefix}litre2")));
        }
        // Brian2 does not prefix kelvin, kilogram and kilogramme.
        for name in [
            "mkelvin",
            "kkilogram",
            "mkilogramme",
            "candela",
            "celsius",
            "mcelsius",
        ] {
            assert!(lookup(name).is_none(), "{name}");
        }
        assert!(is_unit_name("kelvin2") && is_unit_name("kilogram3") && is_unit_name("mol2"));
    }

    #[test]
    fn std_aliases() {
        for (alias, target) in STD_ALIASES {
            let (a, t) = (unit(alias), unit(target));
            assert_eq!(
                (a.dim, a.scale, a.scale_exponent),
                (t.dim, t.scale, t.scale_exponent)
            );
            assert!(a.in_default_namespace);
        }
    }

    #[test]
    fn scales() {
        assert_eq!(unit("mV").scale, 1e-3);
        assert_eq!(unit("nS").scale, 1e-9);
        assert_eq!(unit("pA").scale, 1e-12);
        assert_eq!(unit("cm2").scale, 1e-4);
        assert_eq!(unit("um3").scale, 1e-18);
        assert_eq!(unit("mM").scale, 1.0);
        assert_eq!(unit("uM").scale, 1e-3);
        assert_eq!(unit("molar").scale, 1000.0);
        assert_eq!(unit("gram").scale, 1e-3);
        assert_eq!(unit("mgram").scale, 1e-6);
        assert_eq!(unit("kgram").scale, 1.0);
        assert_eq!(unit("kilogram").scale, 1.0);
        assert_eq!(unit("litre").scale, 1e-3);
        assert_eq!(unit("mlitre").scale, 1e-6);
        assert_eq!(unit("molar2").scale, 1e6);
        assert_eq!(unit("Yfarad3").scale, 1e72);
        assert_eq!(unit("ymetre3").scale, 1e-72);
        assert_eq!(unit("MHz").scale, 1e6);
        assert_eq!(unit("mM").dim, Dimension::CONCENTRATION);
        assert_eq!(unit("litre").dim, Dimension::LENGTH.pow(3.into()));
        assert_eq!(unit("radian").dim, Dimension::DIMENSIONLESS);
        assert_eq!(unit("lumen").dim, Dimension::LUMINOSITY);
    }

    #[test]
    fn base_units() {
        for name in [
            "volt",
            "amp",
            "ampere",
            "second",
            "metre",
            "meter",
            "kilogram",
            "kilogramme",
            "kgram",
            "kgramme",
            "mole",
            "mol",
            "kelvin",
            "candle",
            "hertz",
            "siemens",
            "farad",
            "ohm",
            "mmolar",
            "mM",
            "radian",
            "klitre",
        ] {
            assert!(unit(name).is_base, "{name}");
        }
        for name in [
            "mV",
            "ms",
            "nS",
            "gram",
            "molar",
            "litre",
            "cm",
            "metre2",
            "metre3",
            "kgram2",
            "mmolar2",
            "kilogram2",
            "uM",
            "dasecond",
        ] {
            assert!(!unit(name).is_base, "{name}");
        }
        assert!(all_units().filter(|u| u.is_base).all(|u| u.scale == 1.0));
    }

    #[test]
    fn base_unit_suggestions() {
        let cases = [
            ("mV", Some("volt")),
            ("ms", Some("second")),
            ("us", Some("second")),
            ("nS", Some("siemens")),
            ("kHz", Some("hertz")),
            ("Mohm", Some("ohm")),
            ("pF", Some("farad")),
            ("nA", Some("amp")),
            ("mampere", Some("amp")),
            ("cmeter", Some("metre")),
            ("um", Some("metre")),
            ("gram", Some("kilogram")),
            ("mgramme", Some("kilogram")),
            ("molar", Some("mmolar")),
            ("uM", Some("mmolar")),
            ("mmol", Some("mole")),
            ("kbecquerel", Some("hertz")),
            ("msievert", Some("gray")),
            ("mradian", Some("radian")),
            ("cm2", Some("metre**2")),
            ("metre2", Some("metre**2")),
            ("um3", Some("metre**3")),
            ("litre", Some("metre**3")),
            ("mvolt2", Some("volt**2")),
            ("gram2", Some("kilogram**2")),
            ("mM", None),
            ("mmolar", None),
            ("volt", None),
            ("kgram", None),
            ("voltage", None),
        ];
        for (name, want) in cases {
            assert_eq!(base_unit_for(name), want, "{name}");
        }
        // Every suggestion is a base unit or an expression of base units.
        for u in all_units() {
            if let Some(s) = base_unit_for(&u.name) {
                let q = Quantity::parse(s).unwrap();
                assert_eq!((q.dim, q.value), (u.dim, 1.0), "{}", u.name);
                for name in s
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .filter(|n| !n.is_empty())
                {
                    assert!(unit(name).is_base, "{} -> {s}", u.name);
                }
            }
        }
    }

    #[test]
    fn similar_names() {
        let s = similar_unit_names("metr", 3);
        assert!(
            s.len() == 3 && s[..2].contains(&"metre") && s[..2].contains(&"meter"),
            "{s:?}"
        );
        assert_eq!(similar_unit_names("mvolts", 1), vec!["mvolt"]);
        assert_eq!(similar_unit_names("candela", 1), vec!["candle"]);
        assert_eq!(similar_unit_names("volt", 1), vec!["volt"]);
        assert!(similar_unit_names("xyzzyplugh", 5).is_empty());
        assert!(similar_unit_names("mV", 0).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn constants() {
        let c = physical_constants();
        assert_eq!(c.len(), 10);
        let get = |n: &str| *c.iter().find(|k| k.name == n).unwrap();
        let faraday = get("faraday_constant");
        assert_eq!(faraday.value, 96485.33289);
        let f = Quantity::parse("coulomb/mole").unwrap();
        assert_eq!(faraday.dim, f.dim);
        let r = get("gas_constant");
        assert_eq!(r.dim, Quantity::parse("joule/mole/kelvin").unwrap().dim);
        let k = get("boltzmann_constant");
        let na = get("avogadro_constant");
        assert!(((k.quantity() * na.quantity()).value / r.value - 1.0).abs() < 1e-6);
        assert_eq!(
            get("electric_constant").dim,
            Quantity::parse("farad/metre").unwrap().dim
        );
        assert_eq!(
            get("magnetic_constant").dim,
            Quantity::parse("newton/amp**2").unwrap().dim
        );
        assert_eq!(get("magnetic_constant").value, 1.2566370614359173e-6);
        assert_eq!(get("molar_mass_constant").value, 1e-3);
        assert_eq!(get("zero_celsius").value, 273.15);
        assert_eq!(get("zero_celsius").dim, Dimension::TEMPERATURE);
        assert_eq!(get("electron_mass").dim, Dimension::MASS);
        assert_eq!(get("elementary_charge").value, 1.6021766208e-19);
        assert!(c.iter().all(|k| !is_unit_name(k.name)));
    }
}
