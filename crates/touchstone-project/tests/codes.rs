//! Every diagnostic code in the code is documented in docs/error-codes.md, and
//! every documented code is used.

use std::collections::BTreeSet;
use std::path::Path;

fn codes_in(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    for i in 0..b.len().saturating_sub(5) {
        if &b[i..i + 2] == b"TS" && b[i + 2..i + 6].iter().all(u8::is_ascii_digit) {
            let before = i.checked_sub(1).map(|j| b[j]);
            let after = b.get(i + 6);
            if !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
            {
                out.insert(String::from_utf8_lossy(&b[i..i + 6]).into_owned());
            }
        }
    }
    out
}

#[test]
fn the_code_table_matches_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = BTreeSet::new();
    for dir in ["src", "../touchstone/src/commands"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("source dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                used.extend(codes_in(&std::fs::read_to_string(&path).expect("source")));
            }
        }
    }
    let doc = std::fs::read_to_string(root.join("../../docs/error-codes.md")).expect("docs");
    let documented: BTreeSet<String> = doc
        .lines()
        .filter(|l| l.starts_with("| TS"))
        .flat_map(codes_in)
        .collect();
    assert!(used.len() > 40, "{used:?}");
    let undocumented: Vec<_> = used.difference(&documented).collect();
    let unused: Vec<_> = documented.difference(&used).collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/error-codes.md: {undocumented:?}"
    );
    assert!(unused.is_empty(), "documented but unused: {unused:?}");
}
