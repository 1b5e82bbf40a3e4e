//! The one error type of probe: every failure becomes a single line that says where
//! (file, line, column when they apply), what is wrong and how to fix it.
//!
//! Exit codes: 2 for anything the user can fix (bad input, bad option values, a training run
//! that diverged with the given settings), 1 for failures of the machine (a report that cannot
//! be written).

use std::fmt;
use std::path::Path;

/// What kind of failure, which decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A command-line option or value is wrong.
    Usage,
    /// The input file is missing, unreadable or malformed.
    Input,
    /// Training diverged or cannot run with these settings.
    Training,
    /// Writing the report or a data file failed.
    Output,
}

/// A located, explained error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeError {
    /// Which kind of failure.
    pub kind: Kind,
    /// Where: `file`, `file: line N`, `file: line N, column M ("name")`, or empty.
    pub location: String,
    /// What is wrong.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

/// A position in a CSV file: 1-based line and, optionally, 1-based column with its header name.
#[derive(Clone, Debug, Default)]
pub struct Loc<'a> {
    /// 1-based line number in the file (the header is line 1).
    pub line: Option<u64>,
    /// 1-based column number and the column's header name.
    pub column: Option<(usize, &'a str)>,
}

/// A loss that refuses its sizes or parameters (core's input checks) is a usage error: the
/// batch size, embedding size or temperature came from the command line.
impl From<selfsup_core::loss::LossError> for ProbeError {
    fn from(e: selfsup_core::loss::LossError) -> Self {
        Self::usage(e.to_string(), "change --batch, --dim or --tau accordingly")
    }
}

impl ProbeError {
    fn new(kind: Kind, location: String, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { kind, location, what: what.into(), fix: fix.into() }
    }

    /// A wrong command-line option or value.
    pub fn usage(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(Kind::Usage, String::new(), what, fix)
    }

    /// A problem with the input file, at an optional line and column.
    pub fn input(path: &Path, loc: Loc<'_>, what: impl Into<String>, fix: impl Into<String>) -> Self {
        let mut location = path.display().to_string();
        if let Some(line) = loc.line {
            location.push_str(&format!(": line {line}"));
        }
        if let Some((col, name)) = loc.column {
            let sep = if loc.line.is_some() { ", " } else { ": " };
            location.push_str(&format!("{sep}column {col} (\"{name}\")"));
        }
        Self::new(Kind::Input, location, what, fix)
    }

    /// Training cannot run or diverged.
    pub fn training(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(Kind::Training, String::new(), what, fix)
    }

    /// Writing an output file failed.
    pub fn output(path: &Path, err: &dyn fmt::Display) -> Self {
        Self::new(
            Kind::Output,
            path.display().to_string(),
            format!("cannot write: {err}"),
            "check that the directory is writable or choose another one with --out DIR",
        )
    }

    /// The process exit code for this error (2: the user can fix it; 1: the machine failed).
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Output => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for ProbeError {
    /// One line: `error: <where>: <what>; fix: <how>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        if !self.location.is_empty() {
            write!(f, "{}: ", self.location)?;
        }
        write!(f, "{}; fix: {}", self.what, self.fix)
    }
}

impl std::error::Error for ProbeError {}

/// Result alias used throughout probe.
pub type Result<T> = std::result::Result<T, ProbeError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_with_location() {
        let e = ProbeError::input(
            Path::new("a.csv"),
            Loc { line: Some(3), column: Some((2, "f1")) },
            "cannot parse \"x\" as a number",
            "write a number",
        );
        let s = e.to_string();
        assert_eq!(
            s,
            "error: a.csv: line 3, column 2 (\"f1\"): cannot parse \"x\" as a number; fix: write a number"
        );
        assert!(!s.contains('\n'));
        assert_eq!(e.exit_code(), 2);
    }
}
