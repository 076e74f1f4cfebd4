//! ARJ archives: a main header, one local header per file (each with a CRC-32), and
//! an empty header as end marker. Methods 0 (stored), 1-3 (LZ77 with static Huffman
//! blocks, the LHA "-lh7-" family with a 26 KiB window) and 4 (LZ77 with unary-prefixed
//! lengths and positions) are decoded here; garbled (password-scrambled) entries and
//! volumes are reported, not guessed.

use super::{Chunk, Ctx, FormatError, Output, add_entry, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};
use crate::vfs::{Kind, Meta, Tree};

const MAX_HEADER: usize = 2600;
const MAX_ENTRIES: usize = 1 << 16;

/// One header: its fields and where the next structure starts.
struct Header<'a> {
    basic: &'a [u8],
    next: usize,
}

fn header(b: &[u8], pos: usize) -> Result<Option<Header<'_>>, FormatError> {
    if b.get(pos..pos + 2) != Some(&[0x60, 0xea][..]) {
        return Err(bad(format!("ARJ header id expected at {pos}")));
    }
    let size = usize::from(read::u16le(b, pos + 2).ok_or(FormatError::Truncated("ARJ header"))?);
    if size == 0 {
        return Ok(None);
    }
    if size > MAX_HEADER {
        return Err(bad(format!("ARJ header size {size} at {pos}")));
    }
    let basic = b
        .get(pos + 4..pos + 4 + size)
        .ok_or(FormatError::Truncated("ARJ header"))?;
    let crc = read::u32le(b, pos + 4 + size).ok_or(FormatError::Truncated("ARJ header CRC"))?;
    if crc32fast::hash(basic) != crc {
        return Err(bad(format!("ARJ header CRC at {pos}")));
    }
    // Extended headers: size, bytes, CRC; a zero size ends them.
    let mut next = pos + 8 + size;
    for _ in 0..64 {
        let ext = usize::from(read::u16le(b, next).ok_or(FormatError::Truncated("ARJ ext"))?);
        next += 2;
        if ext == 0 {
            return Ok(Some(Header { basic, next }));
        }
        next = next
            .checked_add(ext + 4)
            .filter(|&n| n <= b.len())
            .ok_or(FormatError::Truncated("ARJ extended header"))?;
    }
    Err(bad("ARJ has too many extended headers"))
}

pub(crate) fn arj(ctx: &mut Ctx<'_>, data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let main = header(b, 0)?.ok_or(bad("ARJ main header empty"))?;
    let first = usize::from(*main.basic.first().ok_or(bad("ARJ main header"))?);
    // File type 2 marks the main (archive) header.
    if first < 30 || first > main.basic.len() || main.basic.get(6) != Some(&2) {
        return Err(bad("ARJ main header fields"));
    }
    let mut tree = Tree::new(0, ctx.limits.max_link_hops);
    let mut problems = Vec::new();
    let mut pos = main.next;
    for _ in 0..MAX_ENTRIES {
        let h = match header(b, pos) {
            Ok(Some(h)) => h,
            Ok(None) => {
                let mut c = Chunk::new("arj", pos + 4, Output::Tree(tree));
                c.problems = problems;
                return Ok(c);
            }
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Truncated,
                    Some(pos as u64),
                    format!("ARJ entry: {e}; archive kept up to here"),
                ));
                let mut c = Chunk::new("arj", pos.min(b.len()), Output::Tree(tree));
                c.problems = problems;
                return Ok(c);
            }
        };
        let f = h.basic;
        let first = usize::from(*f.first().unwrap_or(&0));
        let flags = f.get(4).copied().unwrap_or(0);
        let method = f.get(5).copied().unwrap_or(0);
        let kind = f.get(6).copied().unwrap_or(0);
        let packed = read::u32le(f, 12).unwrap_or(0) as usize;
        let original = read::u32le(f, 16).unwrap_or(0) as usize;
        let crc = read::u32le(f, 20).unwrap_or(0);
        let mode = u32::from(read::u16le(f, 26).unwrap_or(0o644));
        let name = read::cstr(f, first, 512)
            .unwrap_or_default()
            .replace('\\', "/");
        let body_start = h.next;
        let body_end = body_start
            .checked_add(packed)
            .filter(|&e| e <= b.len())
            .ok_or(FormatError::Truncated("ARJ entry data"))?;
        pos = body_end;
        let meta = Meta {
            mode: if mode == 0 { 0o644 } else { mode & 0o7777 },
            ..Meta::default()
        };
        match kind {
            // Directory.
            3 => {
                add_entry(
                    ctx,
                    &mut tree,
                    &mut problems,
                    &name,
                    Kind::Dir,
                    meta,
                    body_start,
                )?;
                continue;
            }
            0 | 1 => {}
            _ => {
                problems.push(Problem::new(
                    ProblemKind::Unsupported,
                    Some(body_start as u64),
                    format!("ARJ entry {name:?} of type {kind} skipped"),
                ));
                continue;
            }
        }
        if flags & 0x01 != 0 {
            problems.push(Problem::new(
                ProblemKind::Unsupported,
                Some(body_start as u64),
                format!("ARJ entry {name:?} is garbled (password-protected); not decoded"),
            ));
            continue;
        }
        if original as u64 > ctx.remaining_bytes() {
            return Err(super::Limit::Output.into());
        }
        let body = b.get(body_start..body_end).unwrap_or(&[]);
        let out = match method {
            0 => Ok(body.to_vec()),
            1..=3 => decode_lzh(body, original),
            4 => decode_fastest(body, original),
            m => Err(bad(format!("ARJ method {m}"))),
        };
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                problems.push(Problem::new(
                    ProblemKind::Malformed,
                    Some(body_start as u64),
                    format!("ARJ entry {name:?} (method {method}): {e}"),
                ));
                continue;
            }
        };
        if crc32fast::hash(&out) != crc {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(body_start as u64),
                format!("ARJ entry {name:?}: CRC-32 of the decoded data does not match"),
            ));
        }
        ctx.charge_bytes(out.len() as u64)?;
        ctx.check_ratio(out.len() as u64, packed as u64)?;
        let file = Kind::File(Data::from_vec(out));
        add_entry(ctx, &mut tree, &mut problems, &name, file, meta, body_start)?;
    }
    Err(bad("ARJ has too many entries"))
}

/// MSB-first bit reader; reading past the end yields zero bits, counted so that a
/// truncated stream is noticed instead of looping on zeros.
struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
    acc: u64,
    n: u32,
    overrun: usize,
}

impl<'a> Bits<'a> {
    fn new(b: &'a [u8]) -> Self {
        Self {
            b,
            pos: 0,
            acc: 0,
            n: 0,
            overrun: 0,
        }
    }
    fn fill(&mut self) {
        while self.n <= 56 {
            let byte = match self.b.get(self.pos) {
                Some(&c) => c,
                None => {
                    self.overrun += 1;
                    0
                }
            };
            self.pos += 1;
            self.acc |= u64::from(byte) << (56 - self.n);
            self.n += 8;
        }
    }
    fn peek(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.fill();
        (self.acc >> (64 - n)) as u32
    }
    fn skip(&mut self, n: u32) {
        self.fill();
        self.acc <<= n;
        self.n -= n;
    }
    fn get(&mut self, n: u32) -> u32 {
        let v = self.peek(n);
        self.skip(n);
        v
    }
    fn exhausted(&self) -> bool {
        self.overrun > 8
    }
}

/// A canonical Huffman code from code lengths (shorter codes first, then by symbol),
/// decoded one bit at a time.
struct Huffman {
    /// Symbols sorted by (length, symbol).
    symbols: Vec<u16>,
    /// Number of codes of each length 0..=16.
    counts: [u16; 17],
    /// A code with only one symbol and length 0 means "always that symbol".
    single: Option<u16>,
}

impl Huffman {
    fn from_lengths(lengths: &[u8]) -> Result<Self, FormatError> {
        let mut counts = [0u16; 17];
        for &l in lengths {
            let l = usize::from(l);
            if l > 16 {
                return Err(bad("Huffman code longer than 16 bits"));
            }
            counts[l] += 1;
        }
        counts[0] = 0;
        // Over-subscribed codes cannot be decoded.
        let mut left: i32 = 1;
        for &c in &counts[1..] {
            left = left * 2 - i32::from(c);
            if left < 0 {
                return Err(bad("over-subscribed Huffman code"));
            }
        }
        let mut symbols: Vec<u16> = (0..lengths.len() as u16)
            .filter(|&s| lengths.get(usize::from(s)).is_some_and(|&l| l > 0))
            .collect();
        symbols.sort_by_key(|&s| (lengths[usize::from(s)], s));
        Ok(Self {
            symbols,
            counts,
            single: None,
        })
    }

    fn constant(symbol: u16) -> Self {
        Self {
            symbols: Vec::new(),
            counts: [0; 17],
            single: Some(symbol),
        }
    }

    fn decode(&self, bits: &mut Bits<'_>) -> Result<u16, FormatError> {
        if let Some(s) = self.single {
            return Ok(s);
        }
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..=16 {
            code |= bits.get(1) as i32;
            let count = i32::from(self.counts[len]);
            if code - first < count {
                return self
                    .symbols
                    .get((index + code - first) as usize)
                    .copied()
                    .ok_or(bad("Huffman symbol"));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(bad("invalid Huffman code"))
    }
}

const NC: usize = 510;
const NT: usize = 19;
const NP: usize = 17;
const WINDOW: usize = 26_624;

/// Code lengths for the pre-tree or the position tree.
fn read_pt(
    bits: &mut Bits<'_>,
    nn: usize,
    nbit: u32,
    special: Option<usize>,
) -> Result<(Huffman, Vec<u8>), FormatError> {
    let n = bits.get(nbit) as usize;
    if n == 0 {
        let c = bits.get(nbit) as u16;
        return Ok((Huffman::constant(c), vec![0; nn]));
    }
    if n > nn {
        return Err(bad("too many code lengths"));
    }
    let mut lens = vec![0u8; nn];
    let mut i = 0;
    while i < n {
        let mut c = bits.peek(3);
        if c == 7 {
            // Unary extension: count the 1 bits after the first three.
            let probe = bits.peek(16);
            let mut mask = 1u32 << 12;
            while mask != 0 && probe & mask != 0 {
                mask >>= 1;
                c += 1;
            }
            if c > 16 {
                return Err(bad("code length above 16"));
            }
            bits.skip(c - 3);
        } else {
            bits.skip(3);
        }
        lens[i] = c as u8;
        i += 1;
        if Some(i) == special {
            let zeros = bits.get(2) as usize;
            i = (i + zeros).min(nn);
        }
    }
    Ok((Huffman::from_lengths(&lens)?, lens))
}

fn read_c(bits: &mut Bits<'_>, pt: &Huffman) -> Result<Huffman, FormatError> {
    let n = bits.get(9) as usize;
    if n == 0 {
        return Ok(Huffman::constant(bits.get(9) as u16));
    }
    if n > NC {
        return Err(bad("too many literal code lengths"));
    }
    let mut lens = vec![0u8; NC];
    let mut i = 0;
    while i < n {
        let c = pt.decode(bits)?;
        match c {
            0 => i += 1,
            1 => i += bits.get(4) as usize + 3,
            2 => i += bits.get(9) as usize + 20,
            _ => {
                lens[i] = (c - 2) as u8;
                i += 1;
            }
        }
        if bits.exhausted() {
            return Err(FormatError::Truncated("ARJ code lengths"));
        }
    }
    if i > NC {
        return Err(bad("literal code lengths overrun"));
    }
    Huffman::from_lengths(&lens)
}

fn copy_match(
    out: &mut Vec<u8>,
    distance: usize,
    len: usize,
    limit: usize,
) -> Result<(), FormatError> {
    if distance >= out.len() || distance >= WINDOW {
        return Err(bad("match before the start of the data"));
    }
    let from = out.len() - distance - 1;
    for k in 0..len {
        if out.len() >= limit {
            break;
        }
        let c = out[from + k];
        out.push(c);
    }
    Ok(())
}

/// Methods 1-3.
fn decode_lzh(body: &[u8], original: usize) -> Result<Vec<u8>, FormatError> {
    let mut bits = Bits::new(body);
    let mut out = Vec::with_capacity(original);
    let mut block = 0u32;
    let (mut c_tree, mut p_tree) = (Huffman::constant(0), Huffman::constant(0));
    while out.len() < original {
        if bits.exhausted() {
            return Err(FormatError::Truncated("ARJ compressed data"));
        }
        if block == 0 {
            block = bits.get(16);
            let (pt, _) = read_pt(&mut bits, NT, 5, Some(3))?;
            c_tree = read_c(&mut bits, &pt)?;
            p_tree = read_pt(&mut bits, NP, 5, None)?.0;
            if block == 0 {
                return Err(bad("empty ARJ block"));
            }
        }
        block -= 1;
        let c = usize::from(c_tree.decode(&mut bits)?);
        if c < 256 {
            out.push(c as u8);
            continue;
        }
        let len = c - 253;
        let mut d = usize::from(p_tree.decode(&mut bits)?);
        if d != 0 {
            d = (1 << (d - 1)) + bits.get(d as u32 - 1) as usize;
        }
        copy_match(&mut out, d, len, original)?;
    }
    Ok(out)
}

/// Method 4.
fn decode_fastest(body: &[u8], original: usize) -> Result<Vec<u8>, FormatError> {
    fn prefixed(bits: &mut Bits<'_>, start: u32, stop: u32) -> usize {
        let (mut plus, mut pwr) = (0usize, 1usize << start);
        let mut width = start;
        while width < stop {
            if bits.get(1) == 0 {
                break;
            }
            plus += pwr;
            pwr <<= 1;
            width += 1;
        }
        let v = if width == 0 {
            0
        } else {
            bits.get(width) as usize
        };
        v + plus
    }
    let mut bits = Bits::new(body);
    let mut out = Vec::with_capacity(original);
    while out.len() < original {
        if bits.exhausted() {
            return Err(FormatError::Truncated("ARJ compressed data"));
        }
        let c = prefixed(&mut bits, 0, 7);
        if c == 0 {
            out.push(bits.get(8) as u8);
        } else {
            let len = c - 1 + 3;
            let d = prefixed(&mut bits, 9, 13);
            copy_match(&mut out, d, len, original)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Limits;

    fn unpack(b: &[u8]) -> (Chunk, Vec<(String, Vec<u8>)>) {
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        let c = arj(&mut ctx, &Data::from_vec(b.to_vec())).expect("ARJ accepted");
        let files = match &c.output {
            Output::Tree(t) => t
                .walk()
                .filter_map(|(p, _, n)| match &n.kind {
                    Kind::File(d) => Some((p, d.as_slice().to_vec())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        (c, files)
    }

    /// Archives made with Debian's `arj` 3.10 (`arj a -mN`) from two text files: one
    /// repetitive (long matches), one base64 of random bytes (mostly literals).
    #[test]
    fn decodes_every_method_arj_writes() {
        let a: Vec<u8> = b"hello hello hello hello arj world\n".repeat(50);
        for (method, bytes) in [
            (0, &include_bytes!("../../tests/data/arj/m0.arj")[..]),
            (1, &include_bytes!("../../tests/data/arj/m1.arj")[..]),
            (4, &include_bytes!("../../tests/data/arj/m4.arj")[..]),
        ] {
            let (c, files) = unpack(bytes);
            assert_eq!(c.size, bytes.len(), "method {method}: exact end");
            assert!(c.problems.is_empty(), "method {method}: {:?}", c.problems);
            let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["/a.txt", "/b.txt"], "method {method}");
            assert_eq!(files[0].1, a, "method {method}");
            assert_eq!(files[1].1.len(), 4053, "method {method}");
        }
    }

    #[test]
    fn corrupt_data_is_a_problem_not_a_panic() {
        let mut b = include_bytes!("../../tests/data/arj/m1.arj").to_vec();
        let mid = b.len() / 2;
        for x in &mut b[mid..mid + 40] {
            *x ^= 0x5a;
        }
        let limits = Limits::default();
        let mut ctx = Ctx::new(&limits);
        if let Ok(c) = arj(&mut ctx, &Data::from_vec(b)) {
            assert!(!c.problems.is_empty());
        }
    }
}
