//! Content-addressed bytes: attachments, project files, findings files.
//!
//! A blob is named by the SHA-256 of its bytes and stored once, however many
//! assessments, records or files cite it. The bytes live in the database
//! itself (`blob_chunks`, chunks of at most [`CHUNK`] bytes), not in a
//! directory beside it: the SQLite store stays one file, a PostgreSQL store
//! needs nothing on the server's disk, and a blob commits or rolls back with
//! the rows that cite it (no orphan files after a crash, no row naming a
//! file that never arrived). Object storage for fleets (issue 17) can take
//! the same interface.
//!
//! Writing is streamed and bounded: a file is read twice through one open
//! handle ([`touchstone_project::safe_fs::open_input`]: regular files only,
//! links kept inside the project, a size limit), first to hash it (nothing
//! is written when the blob is already stored), then chunk by chunk into the
//! database while hashing again; a file that changed in between is refused.
//! Reading streams the chunks in order and checks the hash at the end.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use touchstone_project::safe_fs::{self, InputKind};

use crate::{Result, StoreError, clock};

/// Largest chunk of a blob in one row.
pub const CHUNK: usize = 1 << 20;

/// A stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// False when the same content was already stored.
    pub new: bool,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("cannot read `{}`: {e}", path.display()))
}

fn read_chunk(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) async fn existing(conn: &mut AnyConnection, sha256: &str) -> Result<Option<u64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT size FROM blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| u64::try_from(r.0).unwrap_or(0)))
}

fn size_i64(size: u64) -> Result<i64> {
    i64::try_from(size).map_err(|_| StoreError::Refused("blob too large".to_owned()))
}

/// Store the bytes of a file of at most `limit` bytes (streamed). With
/// `root`, the file must resolve inside it.
pub(crate) async fn put_file(
    conn: &mut AnyConnection,
    path: &Path,
    root: Option<&Path>,
    limit: u64,
) -> Result<BlobRef> {
    let input = safe_fs::open_input(path, InputKind::Attachment, limit, root)
        .map_err(|e| StoreError::Io(e.with_hint()))?;
    let mut file = &input.file;
    let mut buf = vec![0u8; CHUNK];
    // First pass: the hash, to store nothing when the content is known.
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    loop {
        let n = read_chunk(&mut file, &mut buf).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Err(StoreError::Refused(format!(
                "`{}` is larger than the limit of {limit} bytes",
                path.display()
            )));
        }
        hasher.update(&buf[..n]);
    }
    let sha256 = hex::encode(hasher.finalize());
    if let Some(size) = existing(conn, &sha256).await? {
        return Ok(BlobRef {
            sha256,
            size,
            new: false,
        });
    }
    // Second pass: the chunks, hashed again.
    file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
    sqlx::query("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3)")
        .bind(&sha256)
        .bind(size_i64(size)?)
        .bind(clock::now())
        .execute(&mut *conn)
        .await?;
    let mut again = Sha256::new();
    let mut seen: u64 = 0;
    let mut seq: i64 = 0;
    loop {
        let n = read_chunk(&mut file, &mut buf).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        seen += n as u64;
        if seen > size {
            break;
        }
        again.update(&buf[..n]);
        sqlx::query("INSERT INTO blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)")
            .bind(&sha256)
            .bind(seq)
            .bind(buf[..n].to_vec())
            .execute(&mut *conn)
            .await?;
        seq += 1;
    }
    if seen != size || hex::encode(again.finalize()) != sha256 {
        return Err(StoreError::Io(format!(
            "`{}` changed while it was being stored: nothing was kept",
            path.display()
        )));
    }
    Ok(BlobRef {
        sha256,
        size,
        new: true,
    })
}

/// Store bytes held in memory.
pub(crate) async fn put_bytes(conn: &mut AnyConnection, bytes: &[u8]) -> Result<BlobRef> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    if let Some(size) = existing(conn, &sha256).await? {
        return Ok(BlobRef {
            sha256,
            size,
            new: false,
        });
    }
    sqlx::query("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3)")
        .bind(&sha256)
        .bind(size_i64(bytes.len() as u64)?)
        .bind(clock::now())
        .execute(&mut *conn)
        .await?;
    for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
        sqlx::query("INSERT INTO blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)")
            .bind(&sha256)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(chunk.to_vec())
            .execute(&mut *conn)
            .await?;
    }
    Ok(BlobRef {
        sha256,
        size: bytes.len() as u64,
        new: true,
    })
}

/// Write a blob's bytes to `out`, chunk by chunk (one chunk in memory at a
/// time), and check them against the name. Returns the size.
pub(crate) async fn write_to(
    conn: &mut AnyConnection,
    sha256: &str,
    out: &mut impl Write,
) -> Result<u64> {
    let size = existing(conn, sha256)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("blob {sha256} is missing")))?;
    let mut hasher = Sha256::new();
    let mut written: u64 = 0;
    let mut seq: i64 = 0;
    loop {
        let chunk: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT data FROM blob_chunks WHERE sha256 = $1 AND seq = $2")
                .bind(sha256)
                .bind(seq)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((data,)) = chunk else { break };
        written += data.len() as u64;
        if written > size {
            break;
        }
        hasher.update(&data);
        out.write_all(&data)
            .map_err(|e| StoreError::Io(format!("cannot write: {e}")))?;
        seq += 1;
    }
    if written != size || hex::encode(hasher.finalize()) != sha256 {
        return Err(StoreError::Corrupt(format!(
            "blob {sha256} does not match its hash"
        )));
    }
    Ok(written)
}

/// A blob's bytes in memory, refused above `limit` bytes (for project
/// files and findings, which are bounded inputs).
pub(crate) async fn read_all(
    conn: &mut AnyConnection,
    sha256: &str,
    limit: u64,
) -> Result<Vec<u8>> {
    let size = existing(conn, sha256)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("blob {sha256} is missing")))?;
    if size > limit {
        return Err(StoreError::Refused(format!(
            "blob {sha256} has {size} bytes, more than the limit of {limit}"
        )));
    }
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    write_to(conn, sha256, &mut out).await?;
    Ok(out)
}

impl crate::Store {
    /// Store a file as a blob (streamed, at most `limit` bytes); the
    /// workbench's uploads land here after being streamed to a temporary
    /// file.
    pub async fn put_file(&self, path: &Path, limit: u64) -> Result<BlobRef> {
        let mut tx = self.begin_write().await?;
        let blob = put_file(&mut tx, path, None, limit).await?;
        tx.commit().await?;
        Ok(blob)
    }

    /// Write a blob to `out` (streamed, verified).
    pub async fn write_blob(&self, sha256: &str, out: &mut impl Write) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        write_to(&mut conn, sha256, out).await
    }

    /// How many distinct blobs are stored and their total size.
    pub async fn blob_totals(&self) -> Result<(u64, u64)> {
        let row: (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs")
                .fetch_one(&self.pool)
                .await?;
        Ok((
            u64::try_from(row.0).unwrap_or(0),
            u64::try_from(row.1).unwrap_or(0),
        ))
    }
}
