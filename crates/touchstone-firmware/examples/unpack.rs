//! Development driver: `cargo run --example unpack -- IMAGE [OUTDIR]` prints the JSON
//! result (and writes the trees when OUTDIR is given) plus the wall time on stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use touchstone_firmware::{Options, unpack, write_to_dir};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(image) = args.next() else {
        eprintln!("usage: unpack IMAGE [OUTDIR]");
        std::process::exit(2);
    };
    let opts = Options::default();
    let t = Instant::now();
    let u = unpack(image.as_ref(), &opts);
    let elapsed = t.elapsed();
    match serde_json::to_string_pretty(&u) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("json: {e}"),
    }
    eprintln!(
        "{image}: {} files, {} dirs, {} links, {} bytes in {elapsed:?}",
        u.files, u.directories, u.links, u.bytes
    );
    if let Some(dir) = args.next() {
        match write_to_dir(&u, dir.as_ref(), &opts.limits) {
            Ok(r) => eprintln!("wrote {r:?}"),
            Err(e) => eprintln!("write: {e}"),
        }
    }
}
