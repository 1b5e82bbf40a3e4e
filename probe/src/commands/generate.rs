//! `probe gen ring|plane`: the seed programs' synthetic datasets as CSV, drawn with
//! `selfsup_core::synth` (so a device generating its own data sees the same distribution).
//!
//! - ring: N = 1024 rows `x0,x1,label`, label = angular sector (8), default seed 123 (the
//!   seed's InfoNCE program);
//! - plane: N = 2000 rows `x0,x1,x2,label`, label = quadrant of (u, v), default seed 42 (the
//!   seed's autoencoder program).
//!
//! Values are written in f64 with Rust's shortest round-trip formatting.

use crate::cli::{GenArgs, SynthKind};
use crate::error::{ProbeError, Result};
use selfsup_core::rng::seeded;
use selfsup_core::synth::{plane_point, ring_point};
use std::io::{self, Write};
use std::path::Path;

/// Rows of the ring dataset.
pub const RING_ROWS: usize = 1024;
/// Rows of the plane dataset.
pub const PLANE_ROWS: usize = 2000;

/// The default seed of each dataset (the seed programs' `mt19937` seeds).
pub fn default_seed(kind: SynthKind) -> u64 {
    match kind {
        SynthKind::Ring => 123,
        SynthKind::Plane => 42,
    }
}

/// Writes the dataset as CSV with a header.
pub fn write_csv(kind: SynthKind, seed: u64, out: &mut dyn Write) -> io::Result<()> {
    let mut rng = seeded(seed);
    let mut w = io::BufWriter::new(out);
    match kind {
        SynthKind::Ring => {
            writeln!(w, "x0,x1,label")?;
            for _ in 0..RING_ROWS {
                let ([a, b], l) = ring_point::<f64, _>(&mut rng);
                writeln!(w, "{a},{b},{l}")?;
            }
        }
        SynthKind::Plane => {
            writeln!(w, "x0,x1,x2,label")?;
            for _ in 0..PLANE_ROWS {
                let ([a, b, c], l) = plane_point::<f64, _>(&mut rng);
                writeln!(w, "{a},{b},{c},{l}")?;
            }
        }
    }
    w.flush()
}

/// `probe gen`: writes the dataset to `--out` or to `out`.
pub fn run(g: &GenArgs, out: &mut dyn Write) -> Result<()> {
    let seed = g.seed.unwrap_or_else(|| default_seed(g.kind));
    match &g.out {
        None => write_csv(g.kind, seed, out).map_err(|e| ProbeError::output(Path::new("<stdout>"), &e)),
        Some(p) => {
            let mut f = std::fs::File::create(p).map_err(|e| ProbeError::output(p, &e))?;
            write_csv(g.kind, seed, &mut f).map_err(|e| ProbeError::output(p, &e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_csv_shape_and_determinism() {
        let mut a = Vec::new();
        write_csv(SynthKind::Ring, 123, &mut a).unwrap();
        let mut b = Vec::new();
        write_csv(SynthKind::Ring, 123, &mut b).unwrap();
        assert_eq!(a, b);
        let s = String::from_utf8(a).unwrap();
        assert_eq!(s.lines().count(), RING_ROWS + 1);
        assert_eq!(s.lines().next(), Some("x0,x1,label"));
        for line in s.lines().skip(1) {
            let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
            let r = (f[0] * f[0] + f[1] * f[1]).sqrt();
            assert!(r > 0.7 && r < 1.3 && f[2] < 8.0);
            // The label is the angular sector of the point (up to the radial noise, which
            // does not move the angle).
            let a = f[1].atan2(f[0]).rem_euclid(std::f64::consts::TAU);
            assert_eq!((a / std::f64::consts::TAU * 8.0).floor() as usize, f[2] as usize, "{line}");
        }
    }
}
