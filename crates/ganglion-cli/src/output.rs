//! Writing results: one JSON and one `.npz` file per monitor and per group, in SI units.
//!
//! JSON has no NaN or infinity; like Python's `json` module we write `NaN`, `Infinity` and `-Infinity`,
//! which Python and numpy read back.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use ganglion::{GroupHandle, MonitorHandle, Network};
use ndarray::{Array1, Array2};
use ndarray_npy::NpzWriter;

/// An array to write: flat or 2-D (rows of equal length).
pub enum Column {
    /// A flat array of floats.
    Floats(Vec<f64>),
    /// A flat array of integers.
    Ints(Vec<i64>),
    /// Rows of floats.
    Rows(Vec<Vec<f64>>),
}

fn number(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x == f64::INFINITY {
        out.push_str("Infinity");
    } else if x == f64::NEG_INFINITY {
        out.push_str("-Infinity");
    } else {
        let _ = write!(out, "{x:?}");
    }
}

fn floats(out: &mut String, xs: &[f64]) {
    out.push('[');
    for (k, x) in xs.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        number(out, *x);
    }
    out.push(']');
}

/// Renders named columns as a JSON object.
pub fn to_json(columns: &[(String, Column)]) -> String {
    let mut out = String::from("{");
    for (k, (name, col)) in columns.iter().enumerate() {
        if k > 0 {
            out.push_str(",\n ");
        }
        let _ = write!(out, "\"{}\": ", name.replace('"', "\\\""));
        match col {
            Column::Floats(xs) => floats(&mut out, xs),
            Column::Ints(xs) => {
                out.push('[');
                for (j, x) in xs.iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{x}");
                }
                out.push(']');
            }
            Column::Rows(rows) => {
                out.push('[');
                for (j, r) in rows.iter().enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    floats(&mut out, r);
                }
                out.push(']');
            }
        }
    }
    out.push_str("}\n");
    out
}

/// Writes `path` whole or not at all: `write` fills a temporary file in the same folder, which is
/// synced and then renamed over `path`, so an interrupted or failed write (a signal, a full disk) leaves
/// the previous file or none, never a truncated one. Errors name `path`.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(File) -> Result<File, String>,
) -> Result<(), String> {
    let cannot = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("output"),
        std::ffi::OsStr::to_os_string,
    );
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(&name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = path.with_file_name(temp_name);
    let result = File::create(&temp)
        .map_err(|e| cannot(&e))
        .and_then(write)
        .and_then(|f| f.sync_all().map_err(|e| cannot(&e)))
        .and_then(|()| std::fs::rename(&temp, path).map_err(|e| cannot(&e)));
    if result.is_err() {
        // Nothing half-written stays behind (the temporary file may not exist).
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn write_npz(path: &Path, columns: &[(String, Column)]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
    write_atomically(path, |file| {
        let mut npz = NpzWriter::new(file);
        for (name, col) in columns {
            match col {
                Column::Floats(xs) => npz
                    .add_array(name.as_str(), &Array1::from(xs.clone()))
                    .map_err(|e| err(&e))?,
                Column::Ints(xs) => npz
                    .add_array(name.as_str(), &Array1::from(xs.clone()))
                    .map_err(|e| err(&e))?,
                Column::Rows(rows) => {
                    let cols = rows.first().map_or(0, Vec::len);
                    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
                    let a =
                        Array2::from_shape_vec((rows.len(), cols), flat).map_err(|e| err(&e))?;
                    npz.add_array(name.as_str(), &a).map_err(|e| err(&e))?;
                }
            }
        }
        npz.finish().map_err(|e| err(&e))
    })
}

fn write_both(
    dir: &Path,
    stem: &str,
    columns: &[(String, Column)],
    written: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let json = dir.join(format!("{stem}.json"));
    write_atomically(&json, |mut f| {
        f.write_all(to_json(columns).as_bytes())
            .map(|()| f)
            .map_err(|e| format!("cannot write `{}`: {e}", json.display()))
    })?;
    written.push(json);
    let npz = dir.join(format!("{stem}.npz"));
    write_npz(&npz, columns)?;
    written.push(npz);
    Ok(())
}

/// The columns of a monitor.
pub fn monitor_columns(net: &Network, m: MonitorHandle) -> Vec<(String, Column)> {
    if let Some(d) = net.spike_data(m) {
        let mut cols = vec![
            (
                "i".to_string(),
                Column::Ints(d.i.iter().map(|&x| i64::from(x)).collect()),
            ),
            ("t".to_string(), Column::Floats(d.t.clone())),
        ];
        for (name, values) in &d.values {
            cols.push((name.clone(), Column::Floats(values.clone())));
        }
        cols.push((
            "count".to_string(),
            Column::Ints(d.count.iter().map(|&c| c as i64).collect()),
        ));
        return cols;
    }
    if let Some(d) = net.state_data(m) {
        let mut cols = vec![("t".to_string(), Column::Floats(d.t.clone()))];
        for (name, rows) in &d.values {
            cols.push((name.clone(), Column::Rows(rows.clone())));
        }
        cols.push((
            "record".to_string(),
            Column::Ints(d.indices.iter().map(|&i| i as i64).collect()),
        ));
        return cols;
    }
    if let Some(d) = net.rate_data(m) {
        return vec![
            ("t".to_string(), Column::Floats(d.t.clone())),
            ("rate".to_string(), Column::Floats(d.rate.clone())),
        ];
    }
    Vec::new()
}

/// The columns of a group's final state.
pub fn group_columns(net: &Network, g: GroupHandle) -> Vec<(String, Column)> {
    net.group_state(g)
        .into_iter()
        .map(|(name, values, _)| (name, Column::Floats(values)))
        .collect()
}

/// Writes every monitor and every group's state into `dir`; returns the files written.
pub fn write_all(net: &Network, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut written = Vec::new();
    for m in net.monitors() {
        write_both(
            dir,
            net.monitor_name(m),
            &monitor_columns(net, m),
            &mut written,
        )?;
    }
    for g in net.groups() {
        write_both(
            dir,
            &format!("{}.state", net.group_name(g)),
            &group_columns(net, g),
            &mut written,
        )?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("ganglion-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("M.json");
        write_atomically(&path, |mut f| {
            f.write_all(b"old").unwrap();
            Ok(f)
        })
        .unwrap();
        // A write that fails half-way leaves the previous file and nothing else.
        let e = write_atomically(&path, |mut f| {
            f.write_all(b"half").unwrap();
            Err("disk full".to_string())
        });
        assert_eq!(e, Err("disk full".to_string()));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "{left:?}");
        // A folder that does not exist: an error naming the file, and no file.
        let missing = dir.join("missing").join("M.json");
        let e = write_atomically(&missing, Ok).unwrap_err();
        assert!(
            e.contains("cannot write") && e.contains("missing/M.json"),
            "{e}"
        );
        assert!(!missing.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn non_finite_values_as_python_writes_them() {
        let s = to_json(&[(
            "x".into(),
            Column::Floats(vec![1.5, f64::NAN, f64::INFINITY, -f64::INFINITY]),
        )]);
        assert_eq!(s, "{\"x\": [1.5, NaN, Infinity, -Infinity]}\n");
    }
}
