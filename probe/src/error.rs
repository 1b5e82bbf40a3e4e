//! The one error type of probe: every failure becomes a single line that says where
//! (file, line, column when they apply), what is wrong and how to fix it.
//!
//! Exit codes: 2 for anything the user can fix (bad input, bad option values, a training run
//! that diverged with the given settings), 1 for failures of the machine (a report that cannot
//! be written).

use std::fmt;
use std::path::Path;

/// Characters of a cell or name shown in an error line before it is cut.
pub const SHOWN_CHARS: usize = 40;

/// A cell, name or path as it appears in a message: control characters escaped (`\0`, `\t`,
/// `\n`, `\r`, other ones as `\xNN` or `\u{NNNN}`) and, when longer than [`SHOWN_CHARS`]
/// characters, cut to its first [`SHOWN_CHARS`] followed by `…(N bytes)` with its full length.
///
/// ```
/// use probe::error::shown;
/// assert_eq!(shown("a\0b\x07"), "a\\0b\\x07");
/// assert_eq!(shown(&"x".repeat(50)), format!("{}…(50 bytes)", "x".repeat(40)));
/// ```
pub fn shown(text: &str) -> String {
    let mut s = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_CHARS {
            s.push_str(&format!("…({} bytes)", text.len()));
            break;
        }
        escape_into(&mut s, c);
    }
    s
}

/// A number as a user would type it in an option: the shortest decimal that reads back as
/// `x`, with an exponent outside `[10⁻⁴, 10⁶)` (`1e30`, not thirty zeros).
///
/// ```
/// use probe::error::number;
/// assert_eq!(number(0.5), "0.5");
/// assert_eq!(number(1e30), "1e30");
/// assert_eq!(number(1e-30), "1e-30");
/// assert_eq!(number(-2.5e-7), "-2.5e-7");
/// ```
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn escape_into(s: &mut String, c: char) {
    match c {
        '\0' => s.push_str("\\0"),
        '\t' => s.push_str("\\t"),
        '\n' => s.push_str("\\n"),
        '\r' => s.push_str("\\r"),
        c if (c as u32) < 0x100 && c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() => s.push_str(&format!("\\u{{{:04x}}}", c as u32)),
        c => s.push(c),
    }
}

/// `text` with every control character escaped as in [`shown`], not cut.
fn escaped(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    text.chars().for_each(|c| escape_into(&mut s, c));
    s
}

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
        let mut location = escaped(&path.display().to_string());
        if let Some(line) = loc.line {
            location.push_str(&format!(": line {line}"));
        }
        if let Some((col, name)) = loc.column {
            let sep = if loc.line.is_some() { ", " } else { ": " };
            location.push_str(&format!("{sep}column {col} (\"{}\")", shown(name)));
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
    /// One line: `error: <where>: <what>; fix: <how>`, with any control character left in
    /// the parts escaped (cells and names are cut and escaped by [`shown`] where they are put
    /// into a message).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        if !self.location.is_empty() {
            write!(f, "{}: ", escaped(&self.location))?;
        }
        write!(f, "{}; fix: {}", escaped(&self.what), escaped(&self.fix))
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

    #[test]
    fn cells_are_cut_and_escaped() {
        let big = "9".repeat(5 << 20);
        assert_eq!(shown(&big), format!("{}…(5242880 bytes)", "9".repeat(40)));
        assert_eq!(shown("a\0b\x07c\td\u{85}e\u{2028}"), "a\\0b\\x07c\\td\\x85e\u{2028}");
        assert_eq!(shown("é"), "é");
        let e = ProbeError::input(
            Path::new("a\nb.csv"),
            Loc { line: Some(1), column: Some((1, "x\0")) },
            "w\x1b",
            "f",
        );
        assert_eq!(e.to_string(), "error: a\\nb.csv: line 1, column 1 (\"x\\0\"): w\\x1b; fix: f");
    }
}
