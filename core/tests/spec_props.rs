//! Property tests of the augmentation spec parser (`core/src/augment/spec.rs`): any string
//! parses to a pipeline that prints back to itself, or to one [`SpecError`] whose message is a
//! single short line of printable text; never a panic. Also `validate` for any data shape.

use proptest::prelude::*;
use selfsup_core::augment::{Pipeline, SpecError};

/// Longest message the parser may produce (tokens are cut to 24 bytes, numbers printed short).
const MAX_MESSAGE: usize = 200;

fn check_message(e: &SpecError) -> Result<(), TestCaseError> {
    let m = e.to_string();
    prop_assert!(!m.is_empty());
    prop_assert!(!m.chars().any(char::is_control), "control character in {m:?}");
    prop_assert!(m.len() <= MAX_MESSAGE, "{} bytes: {m:?}", m.len());
    Ok(())
}

fn check_spec(s: &str) -> Result<(), TestCaseError> {
    match s.parse::<Pipeline>() {
        Ok(p) => {
            let printed = p.to_string();
            prop_assert_eq!(printed.parse::<Pipeline>(), Ok(p.clone()), "printed as {:?}", printed);
            for d in [0, 1, 2, 3, 12] {
                for c in [0, 1, 2, 5] {
                    if let Err(e) = p.clone().with_channels(c).validate(d) {
                        check_message(&e)?;
                    }
                }
            }
        }
        Err(e) => check_message(&e)?,
    }
    Ok(())
}

/// One item close to the language: a name (known, misspelt or odd), then 0–3 values.
fn item() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        prop::sample::select(vec![
            "noise", "jitter", "rotate", "uscale", "scale", "mask", "scarf", "shift", "none"
        ])
        .prop_map(String::from),
        "[a-z]{0,6}",
        any::<String>(),
    ];
    let value = prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-3.0f64..3.0).prop_map(|v| format!("{v}")),
        prop::sample::select(vec![
            "", " ", "nan", "inf", "-inf", "1e308", "1e-320", "-0", "0x1", "1_0", "\n", "\0"
        ])
        .prop_map(String::from),
        "[-+0-9.eE ]{0,8}",
    ];
    (name, prop::collection::vec(value, 0..4)).prop_map(|(n, vs)| {
        let mut s = n;
        for v in vs {
            s.push(':');
            s.push_str(&v);
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_string_parses_or_gives_one_clear_line(s in any::<String>()) {
        check_spec(&s)?;
    }

    #[test]
    fn spec_like_strings_parse_or_give_one_clear_line(items in prop::collection::vec(item(), 0..12), sep in "[ ]{0,2},[ ]{0,2}") {
        check_spec(&items.join(&sep))?;
    }
}
