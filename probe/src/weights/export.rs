//! `probe --export DIR`: `DIR/encoder.rs` ([`super::rust_source`]) and `DIR/encoder.safetensors`
//! ([`super::state_dict`]), for every encoder, written **atomically**: both files go into a
//! fresh temporary directory beside `DIR` and are moved into place only when both are complete.
//! If `DIR` does not exist (or is empty) the temporary directory is renamed to `DIR` in one
//! step; otherwise the previous `encoder.rs` / `encoder.safetensors` are removed first and the
//! new files renamed in, the safetensors file first, so an interrupted export never leaves a
//! pair that looks whole. On any error the temporary directory is removed.
//!
//! ```
//! use probe::weights::{Checkpoint, DenseWeights, LayerWeights, NetWeights, Precision, export};
//!
//! let lin = DenseWeights { outputs: 1, inputs: 2, w: vec![0.5, -2.0], b: None };
//! let net = NetWeights { encoder: LayerWeights::Linear(lin), head: None, precision: Precision::F32 };
//! let c = Checkpoint {
//!     net, standardization: None, features: vec![], source: Some("a doc test".into()), encoder_prefix: "encoder.".into(),
//! };
//! let dir = std::env::temp_dir().join(format!("selfsup-doc-export-{}", std::process::id()));
//! let files = export(&dir, &c, "a doc test").unwrap();
//! assert_eq!(Checkpoint::read(&files[1]).unwrap(), c);
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use super::net::NetWeights;
use super::rust_source::rust_source;
use super::state_dict::{Checkpoint, Standardization};
use crate::error::{ProbeError, Result};
use crate::network::Net;
use selfsup_core::Real;
use std::path::{Path, PathBuf};

/// File name of the Rust source in the export directory.
pub const RUST_FILE: &str = "encoder.rs";
/// File name of the safetensors file in the export directory.
pub const SAFETENSORS_FILE: &str = "encoder.safetensors";

/// Writes `c` to `DIR/encoder.rs` and `DIR/encoder.safetensors` (see the [module
/// docs](self)); `source` names where the weights came from. Returns the two paths.
pub fn export(dir: &Path, c: &Checkpoint, source: &str) -> Result<Vec<PathBuf>> {
    let mut c = c.clone();
    c.source.get_or_insert_with(|| source.to_string());
    let st = c.to_bytes().map_err(|e| ProbeError::output(&dir.join(SAFETENSORS_FILE), &e))?;
    let files = [(SAFETENSORS_FILE, st), (RUST_FILE, rust_source(&c, source).into_bytes())];
    write_atomically(dir, &files)?;
    Ok(vec![dir.join(RUST_FILE), dir.join(SAFETENSORS_FILE)])
}

/// [`export`] of a network trained in precision `T` (its encoder and head), with the input
/// standardization and feature names of the data it was trained on.
pub fn export_net<T: Real>(
    dir: &Path,
    net: &Net<T>,
    standardization: Standardization,
    features: &[String],
    source: &str,
) -> Result<Vec<PathBuf>> {
    let c = Checkpoint {
        net: NetWeights::of(net),
        standardization: Some(standardization),
        features: features.to_vec(),
        source: Some(source.to_string()),
        encoder_prefix: super::state_dict::ENCODER.into(),
    };
    export(dir, &c, source)
}

/// Writes `files` (name, contents) into `dir` all or nothing (see the [module docs](self)).
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    // A file where the directory (or one of its parents) should be is the user's to fix.
    if let Some(file) = dir.ancestors().find(|a| a.exists()).filter(|a| !a.is_dir()) {
        return Err(ProbeError::usage(
            format!("cannot export to {}: {} exists and is not a directory", dir.display(), file.display()),
            "pass --export a new or existing directory",
        ));
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| ProbeError::output(&parent, &e))?;
    let name = dir.file_name().map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    // Unique per process and call, so two writers never share a temporary directory.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".{name}.partial-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = fill_and_move(&tmp, dir, files);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

fn fill_and_move(tmp: &Path, dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir(tmp).map_err(|e| ProbeError::output(tmp, &e))?;
    for (name, bytes) in files {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| ProbeError::output(&p, &e))?;
    }
    let empty_dir = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if empty_dir {
        std::fs::remove_dir(dir).map_err(|e| ProbeError::output(dir, &e))?;
    }
    if !dir.exists() {
        return std::fs::rename(tmp, dir).map_err(|e| ProbeError::output(dir, &e));
    }
    // Remove the old files first, so that a partial move leaves no old/new mixture.
    for (name, _) in files {
        let p = dir.join(name);
        if p.exists() || p.is_symlink() {
            std::fs::remove_file(&p).map_err(|e| ProbeError::output(&p, &e))?;
        }
    }
    for (name, _) in files {
        let p = dir.join(name);
        std::fs::rename(tmp.join(name), &p).map_err(|e| ProbeError::output(&p, &e))?;
    }
    std::fs::remove_dir(tmp).map_err(|e| ProbeError::output(tmp, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("selfsup-atomic-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn leftovers(parent: &Path) -> Vec<String> {
        std::fs::read_dir(parent)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".partial-"))
            .collect()
    }

    #[test]
    fn writes_new_and_replaces_old_exports() {
        let root = tmp("replace");
        let dir = root.join("out");
        let files = [("a.txt", b"one".to_vec()), ("b.txt", b"two".to_vec())];
        write_atomically(&dir, &files).unwrap();
        assert_eq!(std::fs::read(dir.join("b.txt")).unwrap(), b"two");
        std::fs::write(dir.join("keep.txt"), b"mine").unwrap();
        write_atomically(&dir, &[("a.txt", b"new".to_vec()), ("b.txt", b"new".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"new");
        assert_eq!(std::fs::read(dir.join("keep.txt")).unwrap(), b"mine");
        assert!(leftovers(&root).is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A failure in the middle (the second file's place is taken by a directory that cannot be
    /// removed as a file) leaves neither the new pair nor the temporary directory.
    #[test]
    fn a_failed_export_leaves_nothing_that_looks_whole() {
        let root = tmp("fail");
        let dir = root.join("out");
        std::fs::create_dir_all(dir.join("b.txt/inside")).unwrap();
        let e =
            write_atomically(&dir, &[("a.txt", b"new".to_vec()), ("b.txt", b"new".to_vec())]).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(!e.to_string().contains('\n'));
        assert!(!dir.join("a.txt").exists(), "half an export left behind");
        assert!(leftovers(&root).is_empty());
        // A file where the directory should be: nothing written anywhere.
        let file = root.join("file");
        std::fs::write(&file, b"x").unwrap();
        for target in [file.join("out"), file.clone()] {
            let e = write_atomically(&target, &[("a.txt", vec![])]).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("exists and is not a directory; fix: pass --export"), "{e}");
        }
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        assert!(leftovers(&root).is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
