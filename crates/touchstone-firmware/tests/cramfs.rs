//! cramfs block pointers, one fixture per feature, built by the test: plain zlib blocks,
//! holes, and the extended pointers of `CRAMFS_FLAG_EXT_BLOCK_POINTERS` (uncompressed
//! blocks, direct pointers to uncompressed and to compressed blocks, a plain block after
//! a direct one), for files and symlinks.

use std::io::Write;

use touchstone_firmware::{Kind, Options, unpack_bytes};

const PAGE: usize = 4096;
const UNC: u32 = 1 << 31;
const DIRECT: u32 = 1 << 30;

fn zlib(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).expect("zlib");
    e.finish().expect("zlib")
}

fn align(v: &mut Vec<u8>) {
    v.resize(v.len().div_ceil(4) * 4, 0);
}

/// How one block of a file is stored.
#[derive(Clone, Copy)]
enum Block {
    Zlib,
    Hole,
    Uncompressed,
    DirectUncompressed,
    DirectZlib,
}

struct Entry {
    name: &'static str,
    mode: u32,
    content: Vec<u8>,
    blocks: Vec<Block>,
}

/// Appends the block table and blocks of one file at the end of `img`; returns its offset.
fn put_file(img: &mut Vec<u8>, content: &[u8], blocks: &[Block]) -> usize {
    align(img);
    let table = img.len();
    img.resize(table + 4 * blocks.len(), 0);
    let mut ptrs = Vec::new();
    for (i, how) in blocks.iter().enumerate() {
        let page = content
            .get(i * PAGE..((i + 1) * PAGE).min(content.len()))
            .unwrap_or(&[]);
        let ptr = match how {
            Block::Zlib => {
                img.extend_from_slice(&zlib(page));
                u32::try_from(img.len()).expect("small")
            }
            Block::Hole => u32::try_from(img.len()).expect("small"),
            Block::Uncompressed => {
                img.extend_from_slice(page);
                u32::try_from(img.len()).expect("small") | UNC
            }
            Block::DirectUncompressed => {
                align(img);
                let at = img.len();
                img.extend_from_slice(page);
                // A direct uncompressed block takes a whole page.
                img.resize(at + PAGE, 0);
                u32::try_from(at >> 2).expect("small") | UNC | DIRECT
            }
            Block::DirectZlib => {
                align(img);
                let at = img.len();
                let z = zlib(page);
                img.extend_from_slice(&u16::try_from(z.len()).expect("small").to_le_bytes());
                img.extend_from_slice(&z);
                u32::try_from(at >> 2).expect("small") | DIRECT
            }
        };
        ptrs.push(ptr);
    }
    for (i, p) in ptrs.iter().enumerate() {
        img[table + 4 * i..table + 4 * i + 4].copy_from_slice(&p.to_le_bytes());
    }
    table
}

fn inode(mode: u32, size: usize, namelen: usize, offset: usize) -> [u8; 12] {
    let mut i = [0u8; 12];
    i[0..2].copy_from_slice(&u16::try_from(mode).expect("mode").to_le_bytes());
    i[4..8].copy_from_slice(&(u32::try_from(size).expect("size") & 0x00ff_ffff).to_le_bytes());
    let no = u32::try_from(namelen / 4).expect("name")
        | (u32::try_from(offset / 4).expect("offset") << 6);
    i[8..12].copy_from_slice(&no.to_le_bytes());
    i
}

/// A cramfs with `entries` in its root directory.
fn cramfs(entries: &[Entry], flags: u32) -> Vec<u8> {
    let dir_at = 64 + 12;
    let dir_len: usize = entries
        .iter()
        .map(|e| 12 + e.name.len().div_ceil(4) * 4)
        .sum();
    let mut img = vec![0u8; dir_at + dir_len];
    let mut at = dir_at;
    for e in entries {
        let offset = put_file(&mut img, &e.content, &e.blocks);
        let namelen = e.name.len().div_ceil(4) * 4;
        img[at..at + 12].copy_from_slice(&inode(e.mode, e.content.len(), namelen, offset));
        img[at + 12..at + 12 + e.name.len()].copy_from_slice(e.name.as_bytes());
        at += 12 + namelen;
    }
    align(&mut img);
    let size = img.len();
    img[0..4].copy_from_slice(&0x28cd_3d45u32.to_le_bytes());
    img[4..8].copy_from_slice(&u32::try_from(size).expect("size").to_le_bytes());
    img[8..12].copy_from_slice(&flags.to_le_bytes());
    img[16..32].copy_from_slice(b"Compressed ROMFS");
    img[48..52].copy_from_slice(b"test");
    img[64..76].copy_from_slice(&inode(0o040_755, dir_len, 0, dir_at));
    img
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 7 + usize::from(seed)) % 251).expect("byte"))
        .collect()
}

#[test]
fn cramfs_block_pointer_features() {
    let three = pattern(2 * PAGE + 100, 1);
    let mut holey = pattern(3 * PAGE, 2);
    holey[PAGE..2 * PAGE].fill(0);
    let entries = vec![
        Entry {
            name: "plain",
            mode: 0o100_644,
            content: three.clone(),
            blocks: vec![Block::Zlib; 3],
        },
        Entry {
            name: "holes",
            mode: 0o100_644,
            content: holey.clone(),
            blocks: vec![Block::Zlib, Block::Hole, Block::Zlib],
        },
        Entry {
            name: "uncompressed",
            mode: 0o100_755,
            content: three.clone(),
            blocks: vec![Block::Uncompressed, Block::Zlib, Block::Uncompressed],
        },
        Entry {
            name: "direct",
            mode: 0o100_755,
            content: three.clone(),
            // A plain block after a direct compressed one starts where that one ends.
            blocks: vec![Block::DirectUncompressed, Block::DirectZlib, Block::Zlib],
        },
        Entry {
            name: "direct-after-unc",
            mode: 0o100_755,
            content: three.clone(),
            blocks: vec![
                Block::DirectUncompressed,
                Block::Uncompressed,
                Block::DirectZlib,
            ],
        },
        Entry {
            name: "sh",
            mode: 0o120_777,
            content: b"/bin/busybox".to_vec(),
            blocks: vec![Block::DirectUncompressed],
        },
        Entry {
            name: "ls",
            mode: 0o120_777,
            content: b"busybox".to_vec(),
            blocks: vec![Block::Uncompressed],
        },
    ];
    // CRAMFS_FLAG_FSID_VERSION_2 | CRAMFS_FLAG_SORTED_DIRS | CRAMFS_FLAG_EXT_BLOCK_POINTERS
    let mut bytes = b"prefix..".to_vec();
    bytes.extend_from_slice(&cramfs(&entries, 0x1 | 0x2 | 0x800));
    let u = unpack_bytes(bytes, &Options::default());
    let problems: Vec<_> = u.all_problems().collect();
    assert!(problems.is_empty(), "{problems:?}");
    let layer = u
        .layers
        .iter()
        .find(|l| l.format == "cramfs")
        .expect("cramfs");
    assert_eq!(layer.offset, 8);
    let t = u.main_tree().expect("tree");
    assert_eq!(t.read("/plain").ok(), Some(&three[..]));
    assert_eq!(t.read("/holes").ok(), Some(&holey[..]));
    assert_eq!(t.read("/uncompressed").ok(), Some(&three[..]));
    assert_eq!(t.read("/direct").ok(), Some(&three[..]));
    assert_eq!(t.read("/direct-after-unc").ok(), Some(&three[..]));
    let link = |p: &str| match &t.node(t.lookup(p).expect("link")).expect("node").kind {
        Kind::Symlink(s) => s.clone(),
        other => panic!("{p}: {other:?}"),
    };
    assert_eq!(link("/sh"), "/bin/busybox");
    assert_eq!(link("/ls"), "busybox");
    assert!(u.is_complete(), "{:?}", u.incomplete);
}

/// A pointer that runs backwards is a problem naming the file, which is marked
/// incomplete, never an empty file without a word.
#[test]
fn cramfs_bad_pointer_is_reported_and_marked() {
    let entries = vec![Entry {
        name: "f",
        mode: 0o100_644,
        content: pattern(PAGE + 10, 3),
        blocks: vec![Block::Zlib, Block::Zlib],
    }];
    let mut img = cramfs(&entries, 0x3);
    // Second pointer before the first block's end.
    let table = 76 + 12 + 4;
    img[table + 4..table + 8].copy_from_slice(&10u32.to_le_bytes());
    let u = unpack_bytes(img, &Options::default());
    let t = u.main_tree().expect("tree");
    let node = t.node(t.lookup("/f").expect("f")).expect("node");
    assert!(node.incomplete().is_some());
    assert!(
        u.incomplete.iter().any(|i| i.path.as_deref() == Some("/f")),
        "{:?}",
        u.incomplete
    );
}
