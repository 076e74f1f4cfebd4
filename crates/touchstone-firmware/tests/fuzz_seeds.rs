//! Every parser seed in `fuzz/seeds/<target>/` is a real sample its parser accepts (the
//! fuzz harness prepends the magic, so the seeds start after it).

use std::path::PathBuf;

use touchstone_firmware::{Options, fuzzing, unpack_bytes};

#[test]
fn fuzz_seeds_are_accepted_by_their_parser() {
    let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let mut checked = 0;
    for dir in std::fs::read_dir(&seeds).expect("fuzz/seeds") {
        let dir = dir.expect("entry").path();
        let target = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .replace('_', "-");
        let parser = match target.as_str() {
            "sevenzip" => "7z".to_owned(),
            "unpack" => {
                for f in std::fs::read_dir(&dir).expect("seeds") {
                    let data = std::fs::read(f.expect("seed").path()).expect("read");
                    let u = unpack_bytes(data, &Options::with_limits(fuzzing::limits()));
                    assert!(u.trees.len() >= 2, "unpack seed opens nothing nested");
                    checked += 1;
                }
                continue;
            }
            other => other.to_owned(),
        };
        if !fuzzing::PARSERS.contains(&parser.as_str()) && !KNOWN.contains(&parser.as_str()) {
            continue; // a seed of another crate's target
        }
        for f in std::fs::read_dir(&dir).expect("seeds") {
            let f = f.expect("seed").path();
            let data = std::fs::read(&f).expect("read");
            assert!(
                fuzzing::parse(&parser, &data),
                "{parser}: {} is not accepted",
                f.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} seeds checked");
}

/// Parser targets of this crate besides [`fuzzing::PARSERS`].
const KNOWN: &[&str] = &[
    "ext",
    "jffs2",
    "yaffs2",
    "ubi",
    "ubifs",
    "fdt",
    "tplink",
    "seama",
    "matter-ota",
    "mbr",
    "bzimage",
    "xerox-dlm",
    "arcadyan",
    "lzop",
    "arj",
    "7z",
    "jpeg",
    "png",
    "gif",
    "bmp",
    "riff",
    "pdf",
];

/// Every fuzz target starts from at least one real seed.
#[test]
fn every_fuzz_target_has_seeds() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut missing = Vec::new();
    for t in std::fs::read_dir(fuzz.join("fuzz_targets")).expect("fuzz/fuzz_targets") {
        let t = t.expect("entry").path();
        let Some(name) = t.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        let seeds = fuzz.join("seeds").join(name);
        let n = std::fs::read_dir(&seeds).map_or(0, |d| d.count());
        if n == 0 {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "fuzz targets without seeds: {missing:?} (fuzz/make-seeds)"
    );
}
