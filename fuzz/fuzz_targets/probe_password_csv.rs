//! Sample CSVs come from spreadsheets of unknown origin: parsing one must
//! never panic, errors name a line and column, and whatever parses can be
//! analysed without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match touchstone_probe::passwords::parse_csv(&text) {
        Ok(samples) => {
            assert!(!samples.is_empty());
            let analysis = touchstone_probe::passwords::analyse(&samples);
            assert_eq!(analysis.samples, samples.len());
            let _ = touchstone_probe::checks::password_generation::run(&analysis, "fuzz.csv");
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1);
            assert!(!e.hint.is_empty());
        }
    }
});
