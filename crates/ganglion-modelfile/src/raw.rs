//! Serde mirror of the TOML model file: what the file says, before code strings are registered.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

pub(crate) type S<T> = Spanned<T>;
pub(crate) type Table<T> = IndexMap<S<String>, S<T>>;

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum RawValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<RawValue>),
    Data(DataFile),
}

/// `{ file = "x.npy" }`: an array stored in a NumPy file next to the model file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DataFile {
    pub file: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StrOrList {
    One(String),
    List(Vec<S<String>>),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum StrOrTable {
    One(String),
    Table(Table<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum BoolOrInts {
    Bool(bool),
    Ints(Vec<i64>),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    pub run: Option<S<Run>>,
    #[serde(default)]
    pub namespace: Table<RawValue>,
    #[serde(default)]
    pub groups: IndexMap<S<String>, S<Group>>,
    #[serde(default)]
    pub monitors: IndexMap<S<String>, S<Monitor>>,
    #[serde(default)]
    pub segments: Vec<S<Segment>>,
    #[serde(default)]
    pub synapses: IndexMap<S<String>, S<Synapses>>,
    #[serde(default)]
    pub poisson_inputs: IndexMap<S<String>, S<PoissonInput>>,
    #[serde(default)]
    pub timed_arrays: IndexMap<S<String>, S<TimedArray>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Run {
    pub duration: Option<S<String>>,
    pub dt: Option<S<String>>,
    pub seed: Option<S<i64>>,
    pub report: Option<S<String>>,
    pub threads: Option<S<i64>>,
    pub schedule: Option<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Group {
    pub kind: Option<S<String>>,
    #[serde(rename = "N")]
    pub n: Option<S<i64>>,
    pub model: Option<S<String>>,
    pub method: Option<S<StrOrList>>,
    pub threshold: Option<S<String>>,
    pub reset: Option<S<String>>,
    pub refractory: Option<S<RawValue>>,
    #[serde(default)]
    pub events: Table<String>,
    pub order: Option<S<i64>>,
    pub dt: Option<S<String>>,
    pub dtype: Option<S<StrOrTable>>,
    #[serde(default)]
    pub init: Table<RawValue>,
    #[serde(default)]
    pub on_event: Vec<S<OnEvent>>,
    #[serde(default)]
    pub event_schedule: Table<Schedule>,
    #[serde(default)]
    pub links: Table<Link>,
    #[serde(default)]
    pub run_regularly: Vec<S<RunRegularly>>,
    pub rates: Option<S<RawValue>>,
    pub indices: Option<S<RawValue>>,
    pub times: Option<S<RawValue>>,
    pub period: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnEvent {
    pub event: S<String>,
    pub code: S<String>,
    pub when: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Schedule {
    pub when: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Link {
    pub group: S<String>,
    pub variable: S<String>,
    pub index: Option<S<RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunRegularly {
    pub code: S<String>,
    pub dt: Option<S<String>>,
    pub when: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Monitor {
    pub kind: S<String>,
    pub source: S<String>,
    pub event: Option<S<String>>,
    #[serde(default)]
    pub variables: Vec<S<String>>,
    pub record: Option<S<BoolOrInts>>,
    pub start: Option<S<String>>,
    pub stop: Option<S<String>>,
    pub dt: Option<S<String>>,
    pub when: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Segment {
    pub duration: S<String>,
    #[serde(default)]
    pub set: Table<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Synapses {
    pub source: S<String>,
    pub target: S<String>,
    pub model: Option<S<String>>,
    pub on_pre: Option<S<StrOrTable>>,
    pub on_post: Option<S<StrOrTable>>,
    pub delay: Option<S<RawValue>>,
    pub method: Option<S<StrOrList>>,
    #[serde(default)]
    pub on_event: Table<String>,
    #[serde(default)]
    pub connect: Vec<S<Connect>>,
    #[serde(default)]
    pub init: Table<RawValue>,
    pub dt: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Connect {
    pub condition: Option<S<String>>,
    pub p: Option<S<RawValue>>,
    pub i: Option<S<RawValue>>,
    pub j: Option<S<RawValue>>,
    pub n: Option<S<RawValue>>,
    pub skip_if_invalid: Option<S<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PoissonInput {
    pub target: S<String>,
    pub variable: S<String>,
    #[serde(rename = "N")]
    pub n: S<i64>,
    pub rate: S<RawValue>,
    pub weight: S<RawValue>,
    pub when: Option<S<String>>,
    pub order: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimedArray {
    pub dt: S<String>,
    pub values: S<RawValue>,
    pub unit: Option<S<String>>,
}
