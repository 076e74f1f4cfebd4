//! Flattened device trees and U-Boot FIT images (a device tree whose `/images/*` nodes
//! carry the kernel, ramdisk, device trees and so on). Embedded (`data`) and external
//! (`data-offset`/`data-position` with `data-size`) images become parts; `crc32` hashes
//! are verified. Also the TP-Link v1 vendor header (identified, with its fields).

use super::{Chunk, FormatError, Output, bad, read};
use crate::data::Data;
use crate::model::{Problem, ProblemKind};

const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;

struct Node {
    path: String,
    props: Vec<(String, std::ops::Range<usize>)>,
}

impl Node {
    fn prop<'a>(&self, b: &'a [u8], name: &str) -> Option<&'a [u8]> {
        self.props
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, r)| b.get(r.clone()))
    }
    fn prop_u32(&self, b: &[u8], name: &str) -> Option<u32> {
        self.prop(b, name).and_then(|v| read::u32be(v, 0))
    }
    fn prop_str(&self, b: &[u8], name: &str) -> Option<String> {
        self.prop(b, name)
            .map(|v| crate::vfs::name_text(v).trim_end_matches('\0').to_owned())
    }
}

fn walk(
    b: &[u8],
    struct_off: usize,
    struct_end: usize,
    strings: usize,
) -> Result<Vec<Node>, FormatError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut pos = struct_off;
    while pos < struct_end {
        let tok = read::u32be(b, pos).ok_or(FormatError::Truncated("fdt token"))?;
        pos += 4;
        match tok {
            BEGIN_NODE => {
                let name =
                    read::cstr(b, pos, 256).ok_or(FormatError::Truncated("fdt node name"))?;
                pos = (pos + name.len() + 1).div_ceil(4) * 4;
                if stack.len() >= 64 {
                    return Err(bad("fdt nesting too deep"));
                }
                let path = match stack.last().and_then(|&i| nodes.get(i)) {
                    Some(parent) if parent.path == "/" => format!("/{name}"),
                    Some(parent) => format!("{}/{name}", parent.path),
                    None => "/".to_owned(),
                };
                stack.push(nodes.len());
                nodes.push(Node {
                    path,
                    props: Vec::new(),
                });
            }
            END_NODE => {
                if stack.pop().is_none() {
                    return Err(bad("fdt unbalanced end"));
                }
            }
            PROP => {
                let len = read::u32be(b, pos).ok_or(FormatError::Truncated("fdt prop"))? as usize;
                let nameoff =
                    read::u32be(b, pos + 4).ok_or(FormatError::Truncated("fdt prop"))? as usize;
                let start = pos + 8;
                let end = start
                    .checked_add(len)
                    .filter(|&e| e <= struct_end)
                    .ok_or_else(|| bad("fdt prop length"))?;
                let name = read::cstr(b, strings.saturating_add(nameoff), 256).unwrap_or_default();
                if let Some(n) = stack.last().and_then(|&i| nodes.get_mut(i)) {
                    n.props.push((name, start..end));
                }
                pos = end.div_ceil(4) * 4;
            }
            NOP => {}
            END => break,
            _ => return Err(bad("fdt token")),
        }
        if nodes.len() > 100_000 {
            return Err(bad("fdt too many nodes"));
        }
    }
    Ok(nodes)
}

/// A flattened device tree, or a FIT image.
pub(crate) fn fdt(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let f = |o: usize| {
        read::u32be(b, o)
            .map(|v| v as usize)
            .ok_or(FormatError::Truncated("fdt header"))
    };
    let (total, off_struct, off_strings, version, last_comp, size_struct) =
        (f(4)?, f(8)?, f(12)?, f(20)?, f(24)?, f(36)?);
    if total < 40
        || off_struct >= total
        || off_strings >= total
        || !(16..=17).contains(&version)
        || last_comp > 17
    {
        return Err(bad("fdt header"));
    }
    let mut problems = Vec::new();
    if total > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(4),
            format!("device tree claims {total} bytes, {} present", b.len()),
        ));
    }
    let struct_end = off_struct
        .saturating_add(size_struct)
        .min(total)
        .min(b.len());
    let nodes = walk(b, off_struct, struct_end, off_strings)?;
    let root = nodes.first().ok_or_else(|| bad("fdt without root"))?;
    let is_fit = nodes.iter().any(|n| n.path == "/images");
    let mut size = total.min(b.len());
    let mut parts = Vec::new();
    if is_fit {
        // External data is placed after the tree, aligned to 4 bytes.
        let ext_base = total.div_ceil(4) * 4;
        for n in nodes
            .iter()
            .filter(|n| n.path.starts_with("/images/") && n.path.matches('/').count() == 2)
        {
            let name = n.path.trim_start_matches("/images/").to_owned();
            let range = if let Some((_, r)) = n.props.iter().find(|(p, _)| p == "data") {
                Some(r.clone())
            } else if let Some(len) = n.prop_u32(b, "data-size") {
                let start = match (n.prop_u32(b, "data-position"), n.prop_u32(b, "data-offset")) {
                    (Some(p), _) => Some(p as usize),
                    (None, Some(o)) => Some(ext_base + o as usize),
                    (None, None) => None,
                };
                start.map(|s| s..s.saturating_add(len as usize))
            } else {
                None
            };
            let Some(range) = range else { continue };
            if range.end > b.len() {
                problems.push(Problem::new(
                    ProblemKind::Truncated,
                    Some(range.start as u64),
                    format!("FIT image {name} truncated"),
                ));
            }
            size = size.max(range.end.min(b.len()));
            let part = data.slice(range.clone());
            // Verify crc32 hashes; other algorithms are recorded only.
            let hash_prefix = format!("{}/hash", n.path);
            for h in nodes.iter().filter(|h| h.path.starts_with(&hash_prefix)) {
                if h.prop_str(b, "algo").as_deref() == Some("crc32") {
                    let stored = h.prop_u32(b, "value");
                    let computed = crc32fast::hash(part.as_slice());
                    if stored != Some(computed) {
                        problems.push(Problem::new(
                            ProblemKind::Checksum,
                            Some(range.start as u64),
                            format!("FIT image {name}: crc32 mismatch"),
                        ));
                    }
                }
            }
            parts.push((name, range.start, part));
        }
    }
    let description = root
        .prop_str(b, "description")
        .or_else(|| root.prop_str(b, "model"))
        .unwrap_or_default();
    let mut c = Chunk::new(
        if is_fit { "fit" } else { "dtb" },
        size,
        if is_fit {
            Output::Parts(parts)
        } else {
            Output::Nothing
        },
    );
    c.detail = Some(format!("{description:?} ({} nodes)", nodes.len()));
    c.problems = problems;
    Ok(c)
}

/// TP-Link v1 firmware header: identified with its fields; the kernel and root
/// filesystem behind it are found by the scan that continues after the 512-byte header.
pub(crate) fn tplink(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if !matches!(read::u32be(b, 0), Some(1 | 0x0100_0000)) {
        return Err(bad("tp-link header version"));
    }
    let hdr = b
        .get(..512)
        .ok_or(FormatError::Truncated("tp-link header"))?;
    let version = read::cstr(hdr, 28, 36).unwrap_or_default();
    let hw_id = read::u32be(hdr, 64).unwrap_or(0);
    let hw_rev = read::u32be(hdr, 68).unwrap_or(0);
    let fw_len = read::u32be(hdr, 124).unwrap_or(0) as usize;
    let mut c = Chunk::new("tplink", 512, Output::Nothing);
    c.detail = Some(format!(
        "{version:?} hw_id={hw_id:#010x} hw_rev={hw_rev} length={fw_len}"
    ));
    if fw_len > b.len() {
        c.problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(124),
            format!(
                "firmware length {fw_len} exceeds the {} bytes present",
                b.len()
            ),
        ));
    }
    Ok(c)
}

/// D-Link SEAMA container: magic, metadata (`key=value` strings), then the image, whose
/// MD5 is verified. A SEAMA with an empty image is an outer wrapper: the next SEAMA
/// follows right after its metadata and is found by the scan.
pub(crate) fn seama(data: &Data) -> Result<Chunk, FormatError> {
    use md5::Digest;
    let b = data.as_slice();
    let meta_len = usize::from(read::u16be(b, 6).ok_or(FormatError::Truncated("SEAMA header"))?);
    let size = read::u32be(b, 8).ok_or(FormatError::Truncated("SEAMA header"))? as usize;
    let digest = b
        .get(12..28)
        .ok_or(FormatError::Truncated("SEAMA header"))?;
    if read::u16be(b, 4) != Some(0) || meta_len > 4096 {
        return Err(bad("SEAMA header"));
    }
    let meta = b
        .get(28..28 + meta_len)
        .ok_or(FormatError::Truncated("SEAMA metadata"))?;
    let fields: Vec<String> = meta
        .split(|&c| c == 0)
        .filter(|f| !f.is_empty())
        .map(|f| crate::vfs::name_text(f).into_owned())
        .collect();
    if fields.iter().any(|f| f.chars().any(char::is_control)) {
        return Err(bad("SEAMA metadata is not text"));
    }
    let start = 28 + meta_len;
    let mut problems = Vec::new();
    let end = start.saturating_add(size);
    let mut c = if size == 0 {
        Chunk::new("seama", start, Output::Nothing)
    } else {
        if end > b.len() {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some(8),
                format!(
                    "SEAMA image needs {size} bytes, {} present",
                    b.len() - start
                ),
            ));
        } else {
            let computed = md5::Md5::digest(b.get(start..end).unwrap_or(&[]));
            if computed.as_slice() != digest {
                problems.push(Problem::new(
                    ProblemKind::Checksum,
                    Some(12),
                    "SEAMA image MD5 mismatch",
                ));
            }
        }
        Chunk::new(
            "seama",
            end.min(b.len()),
            Output::Parts(vec![("image".into(), start, data.slice(start..end))]),
        )
    };
    c.detail = Some(fields.join(" "));
    c.problems = problems;
    Ok(c)
}

/// Matter (CSA) OTA image: a TLV header (vendor and product id, software version and its
/// string, payload size, payload digest) followed by the payload; a SHA-256 digest is
/// verified.
pub(crate) fn matter_ota(data: &Data) -> Result<Chunk, FormatError> {
    use sha2::Digest;
    let b = data.as_slice();
    let total = read::u64le(b, 4).ok_or(FormatError::Truncated("Matter OTA header"))?;
    let hdr = read::u32le(b, 12).ok_or(FormatError::Truncated("Matter OTA header"))? as usize;
    let tlv = b
        .get(16..16 + hdr)
        .ok_or(FormatError::Truncated("Matter OTA header"))?;
    if tlv.first() != Some(&0x15) || total < 16 + hdr as u64 {
        return Err(bad("Matter OTA header"));
    }
    let (
        mut vendor,
        mut product,
        mut version,
        mut version_str,
        mut payload_size,
        mut digest_type,
        mut digest,
    ) = (0u64, 0u64, 0u64, String::new(), None, 0u64, Vec::new());
    let mut p = 1usize;
    while let Some(&control) = tlv.get(p) {
        if control == 0x18 {
            break;
        }
        if control >> 5 != 1 {
            return Err(bad("Matter OTA TLV: expected context tags"));
        }
        let tag = *tlv
            .get(p + 1)
            .ok_or(FormatError::Truncated("Matter OTA TLV"))?;
        p += 2;
        let int = |n: usize| {
            tlv.get(p..p + n)
                .map(|v| v.iter().rev().fold(0u64, |a, &c| (a << 8) | u64::from(c)))
        };
        let (value, bytes, used) = match control & 0x1f {
            e @ 0x04..=0x07 => {
                let n = 1usize << (e - 4);
                (
                    int(n).ok_or(FormatError::Truncated("Matter OTA TLV"))?,
                    Vec::new(),
                    n,
                )
            }
            0x0c | 0x10 => {
                let n = usize::from(*tlv.get(p).ok_or(FormatError::Truncated("Matter OTA TLV"))?);
                (
                    0,
                    tlv.get(p + 1..p + 1 + n)
                        .ok_or(FormatError::Truncated("Matter OTA TLV"))?
                        .to_vec(),
                    1 + n,
                )
            }
            _ => return Err(bad("Matter OTA TLV element type")),
        };
        match tag {
            0 => vendor = value,
            1 => product = value,
            2 => version = value,
            3 => version_str = crate::vfs::name_text(&bytes).into_owned(),
            4 => payload_size = Some(value),
            8 => digest_type = value,
            9 => digest = bytes,
            _ => {}
        }
        p += used;
    }
    let start = 16 + hdr;
    let end = usize::try_from(total).unwrap_or(usize::MAX);
    let mut problems = Vec::new();
    if end > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(4),
            format!("Matter OTA image claims {total} bytes, {} present", b.len()),
        ));
    } else if payload_size.is_some_and(|s| s != (end - start) as u64) {
        problems.push(Problem::new(
            ProblemKind::Malformed,
            Some(16),
            "Matter OTA payload size disagrees with the total size",
        ));
    } else if digest_type == 1 {
        let computed = sha2::Sha256::digest(b.get(start..end).unwrap_or(&[]));
        if computed.as_slice() != digest.as_slice() {
            problems.push(Problem::new(
                ProblemKind::Checksum,
                Some(16),
                "Matter OTA payload SHA-256 mismatch",
            ));
        }
    }
    let mut c = Chunk::new(
        "matter-ota",
        end.min(b.len()),
        Output::Parts(vec![("payload".into(), start, data.slice(start..end))]),
    );
    c.detail = Some(format!(
        "vendor={vendor:#06x} product={product:#06x} version={version} {version_str:?}"
    ));
    c.problems = problems;
    Ok(c)
}

/// DOS/MBR partition table (the boot sector's last 66 bytes): each primary partition
/// becomes a part. Accepted only when every entry is empty or well-formed, since the
/// 2-byte boot signature alone matches often.
pub(crate) fn mbr(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if b.get(510..512) != Some(&[0x55, 0xaa][..]) {
        return Err(bad("MBR signature"));
    }
    let mut parts = Vec::new();
    let mut end = 512usize;
    let mut problems = Vec::new();
    for i in 0..4 {
        let e = b
            .get(446 + 16 * i..462 + 16 * i)
            .ok_or(FormatError::Truncated("MBR entry"))?;
        let (status, ptype) = (
            e.first().copied().unwrap_or(0),
            e.get(4).copied().unwrap_or(0),
        );
        let lba = read::u32le(e, 8).unwrap_or(0) as usize;
        let sectors = read::u32le(e, 12).unwrap_or(0) as usize;
        if ptype == 0 && lba == 0 && sectors == 0 {
            continue;
        }
        if !matches!(status, 0x00 | 0x80) || ptype == 0 || lba == 0 || sectors == 0 {
            return Err(bad("MBR partition entry"));
        }
        let start = lba.saturating_mul(512);
        let stop = start.saturating_add(sectors.saturating_mul(512));
        if start >= b.len() {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some((446 + 16 * i) as u64),
                format!("partition {i} starts beyond the image"),
            ));
            continue;
        }
        if stop > b.len() {
            problems.push(Problem::new(
                ProblemKind::Truncated,
                Some((446 + 16 * i) as u64),
                format!("partition {i} ends beyond the image"),
            ));
        }
        end = end.max(stop.min(b.len()));
        parts.push((
            format!("partition{i}-type{ptype:02x}"),
            start,
            data.slice(start..stop),
        ));
    }
    if parts.is_empty() {
        return Err(bad("MBR without partitions"));
    }
    let mut c = Chunk::new("mbr", end, Output::Parts(parts));
    c.problems = problems;
    Ok(c)
}

/// x86 Linux `bzImage`: the real-mode setup (with the kernel version string) and the
/// protected-mode part, which holds the compressed kernel and becomes a part.
pub(crate) fn bzimage(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    if read::u16le(b, 0x1fe) != Some(0xaa55) || b.get(0x202..0x206) != Some(b"HdrS") {
        return Err(bad("bzImage boot signature"));
    }
    let setup_sects = usize::from(
        *b.get(0x1f1)
            .ok_or(FormatError::Truncated("bzImage header"))?,
    );
    let setup = (if setup_sects == 0 { 4 } else { setup_sects } + 1) * 512;
    let syssize = read::u32le(b, 0x1f4).ok_or(FormatError::Truncated("bzImage header"))? as usize;
    let end = setup.saturating_add(syssize.saturating_mul(16));
    let version = read::u16le(b, 0x20e)
        .filter(|&p| p != 0)
        .and_then(|p| read::cstr(b, usize::from(p) + 0x200, 256))
        .unwrap_or_default();
    let mut problems = Vec::new();
    if end > b.len() {
        problems.push(Problem::new(
            ProblemKind::Truncated,
            Some(0x1f4),
            format!("bzImage needs {end} bytes, {} present", b.len()),
        ));
    }
    let mut c = Chunk::new(
        "bzimage",
        end.min(b.len()),
        Output::Parts(vec![("kernel".into(), setup, data.slice(setup..end))]),
    );
    c.detail = Some(format!("Linux {version}"));
    c.problems = problems;
    Ok(c)
}

/// Xerox DLM update header (`%%XRXbegin` … `%%XRXend` attribute lines): identified with
/// its name, version and whether it carries a signature; the payload after it is found by
/// the scan.
pub(crate) fn xerox_dlm(data: &Data) -> Result<Chunk, FormatError> {
    let b = data.as_slice();
    let head = b.get(..b.len().min(64 << 10)).unwrap_or(b);
    let end_tag = b"%%XRXend";
    let end = head
        .windows(end_tag.len())
        .position(|w| w == end_tag)
        .ok_or_else(|| bad("Xerox DLM header end"))?;
    let mut size = end + end_tag.len();
    if head.get(size) == Some(&b'\n') {
        size += 1;
    }
    let text = crate::vfs::name_text(head.get(..size).unwrap_or(&[])).into_owned();
    let attr = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().trim_matches('"').to_owned())
    };
    let name = attr("%%OID_ATT_DLM_NAME").unwrap_or_default();
    let version = attr("%%OID_ATT_DLM_VERSION").unwrap_or_default();
    let signature = attr("%%OID_ATT_DLM_SIGNATURE");
    let mut c = Chunk::new("xerox-dlm", size, Output::Nothing);
    c.detail = Some(format!(
        "name={name:?} version={version:?} signature={}",
        signature.as_deref().unwrap_or("none")
    ));
    Ok(c)
}
