//! Where a counter's slots live: on the heap (one process) or in a memory-mapped file that
//! several processes map at once (pre-fork web servers: gunicorn, uvicorn `--workers`).
//!
//! A shared file is a 128-byte header followed by the slot ring:
//!
//! | offset | field |
//! | --- | --- |
//! | 0 | magic `NXSRING1` |
//! | 8 | format version (u32), header length (u32) |
//! | 16 | bucket_seconds, horizon_seconds, future_skew_seconds, ring_len (i64 each) |
//! | 48 | FNV-1a 64 checksum of bytes 0..48 |
//! | 64 | retired good, retired total, rotations, rotating (atomic u64): counts of buckets that left the ring, for monotonic totals |
//! | 128 | `ring_len` slots of 24 bytes (epoch i64, good u64, total u64) |
//!
//! Every process `fetch_add`s on the same atomics, so what a process recorded is in the
//! file the moment the add returns: a worker killed afterwards loses nothing. Creation and
//! validation happen under an exclusive `flock` so that racing workers agree on one layout.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use memmap2::MmapMut;

use super::slot::{Slot, Totals, EMPTY};
use super::spec::CounterSpec;
use crate::error::{CoreError, CoreResult};

pub const MAGIC: [u8; 8] = *b"NXSRING1";
pub const FORMAT_VERSION: u32 = 2;
pub const HEADER_LEN: usize = 128;
const CHECKED_LEN: usize = 48;
const TOTALS_OFFSET: usize = 64;

enum Owner {
    /// Slots and totals leaked from boxes (so that no `Box` asserts uniqueness while the
    /// raw pointers are in use) and freed in `Drop`.
    Heap,
    Mapped {
        _map: MmapMut,
        path: PathBuf,
    },
}

/// The slot ring and cumulative totals of a counter, wherever they live. Access goes
/// through raw pointers fixed at creation, so the hot path does not branch on the kind.
pub struct SlotStorage {
    slots: NonNull<Slot>,
    len: usize,
    totals: NonNull<Totals>,
    owner: Owner,
}

// SAFETY: the pointers target atomics owned by `owner` (a heap box or a mapping that lives
// as long as the storage); every access to them is atomic.
unsafe impl Send for SlotStorage {}
// SAFETY: as above: shared access only ever goes through atomics.
unsafe impl Sync for SlotStorage {}

impl std::fmt::Debug for SlotStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotStorage")
            .field("len", &self.len)
            .field("path", &self.path())
            .finish()
    }
}

/// Result of opening a shared file: the storage, its spec, and whether this call created it.
#[derive(Debug)]
pub struct Opened {
    pub storage: SlotStorage,
    pub spec: CounterSpec,
    pub created: bool,
}

impl SlotStorage {
    pub fn heap(ring_len: usize) -> Self {
        let slots: Box<[Slot]> = (0..ring_len).map(|_| Slot::new()).collect();
        let slots = NonNull::new(Box::into_raw(slots) as *mut Slot).expect("box is never null");
        let totals = NonNull::new(Box::into_raw(Box::<Totals>::default())).expect("never null");
        SlotStorage {
            slots,
            len: ring_len,
            totals,
            owner: Owner::Heap,
        }
    }

    /// Open `path`, creating it with `spec` if absent. An existing file must have a valid
    /// header; when `spec` is given it must also match it.
    pub fn open_shared(path: &Path, spec: Option<CounterSpec>) -> CoreResult<Opened> {
        if let Some(s) = spec {
            s.validate()?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(spec.is_some())
            .truncate(false)
            .open(path)
            .map_err(|e| io_error(path, "open", e))?;
        let _lock = FileLock::exclusive(&file).map_err(|e| io_error(path, "lock", e))?;
        let len = file
            .metadata()
            .map_err(|e| io_error(path, "stat", e))?
            .len();
        if len == 0 {
            let Some(spec) = spec else {
                return Err(shared_err(path, "is empty: not a nexus-sre counter file"));
            };
            let map = create_file(&file, path, spec)?;
            return Ok(Opened {
                storage: Self::from_map(map, path),
                spec,
                created: true,
            });
        }
        // SAFETY: the file stays open and mapped for the storage's life; other processes
        // only touch the ring through atomics, and the header is written once, under lock.
        let map = unsafe { MmapMut::map_mut(&file) }.map_err(|e| io_error(path, "map", e))?;
        let found = parse_header(&map, path)?;
        if let Some(want) = spec {
            if want != found {
                return Err(CoreError::Incompatible {
                    message: format!(
                        "{}: the file holds a counter of {}-second buckets over {} s \
                         (skew {} s), not the requested {}-second buckets over {} s (skew {} s); \
                         delete it or open it with its own settings",
                        path.display(),
                        found.bucket_seconds,
                        found.horizon_seconds,
                        found.future_skew_seconds,
                        want.bucket_seconds,
                        want.horizon_seconds,
                        want.future_skew_seconds
                    ),
                });
            }
        }
        Ok(Opened {
            storage: Self::from_map(map, path),
            spec: found,
            created: false,
        })
    }

    fn from_map(mut map: MmapMut, path: &Path) -> Self {
        let base = map.as_mut_ptr();
        let len = (map.len() - HEADER_LEN) / std::mem::size_of::<Slot>();
        // SAFETY: the layout was checked (length, alignment of the page-aligned mapping);
        // the offsets are multiples of 8 inside the mapping.
        let (slots, totals) = unsafe {
            (
                NonNull::new_unchecked(base.add(HEADER_LEN) as *mut Slot),
                NonNull::new_unchecked(base.add(TOTALS_OFFSET) as *mut Totals),
            )
        };
        SlotStorage {
            slots,
            len,
            totals,
            owner: Owner::Mapped {
                _map: map,
                path: path.to_path_buf(),
            },
        }
    }

    #[inline]
    pub fn slots(&self) -> &[Slot] {
        // SAFETY: `slots` points at `len` initialised slots owned by `owner`.
        unsafe { std::slice::from_raw_parts(self.slots.as_ptr(), self.len) }
    }

    #[inline]
    pub fn totals(&self) -> &Totals {
        // SAFETY: `totals` points at a `Totals` owned by `owner`.
        unsafe { self.totals.as_ref() }
    }

    /// The backing file of a shared counter.
    pub fn path(&self) -> Option<&Path> {
        match &self.owner {
            Owner::Heap => None,
            Owner::Mapped { path, .. } => Some(path),
        }
    }
}

impl Drop for SlotStorage {
    fn drop(&mut self) {
        if let Owner::Heap = self.owner {
            // SAFETY: both pointers came from `Box::into_raw` in `heap` with these sizes,
            // and are freed only here.
            unsafe {
                drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                    self.slots.as_ptr(),
                    self.len,
                )));
                drop(Box::from_raw(self.totals.as_ptr()));
            }
        }
    }
}

impl std::ops::Deref for SlotStorage {
    type Target = [Slot];
    #[inline]
    fn deref(&self) -> &[Slot] {
        self.slots()
    }
}

pub(super) fn file_len(spec: CounterSpec) -> u64 {
    HEADER_LEN as u64 + spec.ring_len() as u64 * std::mem::size_of::<Slot>() as u64
}

fn create_file(file: &File, path: &Path, spec: CounterSpec) -> CoreResult<MmapMut> {
    file.set_len(file_len(spec))
        .map_err(|e| io_error(path, "resize", e))?;
    // SAFETY: we hold the exclusive lock and just sized the file; nobody else maps it yet
    // (openers wait on the lock and then see a complete header).
    let mut map = unsafe { MmapMut::map_mut(file) }.map_err(|e| io_error(path, "map", e))?;
    let slot_size = std::mem::size_of::<Slot>();
    for i in 0..spec.ring_len() as usize {
        let at = HEADER_LEN + i * slot_size;
        map[at..at + 8].copy_from_slice(&EMPTY.to_ne_bytes());
    }
    map[..CHECKED_LEN].copy_from_slice(&header_bytes(spec));
    let sum = fnv1a(&map[..CHECKED_LEN]);
    map[CHECKED_LEN..CHECKED_LEN + 8].copy_from_slice(&sum.to_le_bytes());
    map.flush().map_err(|e| io_error(path, "flush", e))?;
    Ok(map)
}

fn header_bytes(spec: CounterSpec) -> [u8; CHECKED_LEN] {
    let mut h = [0u8; CHECKED_LEN];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(HEADER_LEN as u32).to_le_bytes());
    h[16..24].copy_from_slice(&spec.bucket_seconds.to_le_bytes());
    h[24..32].copy_from_slice(&spec.horizon_seconds.to_le_bytes());
    h[32..40].copy_from_slice(&spec.future_skew_seconds.to_le_bytes());
    h[40..48].copy_from_slice(&spec.ring_len().to_le_bytes());
    h
}

fn parse_header(map: &[u8], path: &Path) -> CoreResult<CounterSpec> {
    if map.len() < HEADER_LEN {
        return Err(shared_err(
            path,
            format!("is {} bytes, shorter than a header", map.len()),
        ));
    }
    if map[0..8] != MAGIC {
        return Err(shared_err(
            path,
            "is not a nexus-sre counter file (bad magic)",
        ));
    }
    let u32_at = |at: usize| u32::from_le_bytes(map[at..at + 4].try_into().expect("4 bytes"));
    let i64_at = |at: usize| i64::from_le_bytes(map[at..at + 8].try_into().expect("8 bytes"));
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(shared_err(
            path,
            format!("has format version {version}; this build reads version {FORMAT_VERSION}"),
        ));
    }
    let stored = u64::from_le_bytes(map[48..56].try_into().expect("8 bytes"));
    if stored != fnv1a(&map[..CHECKED_LEN]) {
        return Err(shared_err(path, "has a corrupt header (checksum mismatch)"));
    }
    let spec = CounterSpec {
        bucket_seconds: i64_at(16),
        horizon_seconds: i64_at(24),
        future_skew_seconds: i64_at(32),
    };
    spec.validate()
        .map_err(|e| shared_err(path, format!("has an invalid spec: {e}")))?;
    if u32_at(12) as usize != HEADER_LEN || i64_at(40) != spec.ring_len() {
        return Err(shared_err(path, "has an inconsistent header"));
    }
    if map.len() as u64 != file_len(spec) {
        return Err(shared_err(
            path,
            format!(
                "is {} bytes, expected {} for its header (truncated or grown)",
                map.len(),
                file_len(spec)
            ),
        ));
    }
    Ok(spec)
}

/// FNV-1a, 64 bit: enough to tell a damaged header from a valid one.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn shared_err(path: &Path, message: impl std::fmt::Display) -> CoreError {
    CoreError::Incompatible {
        message: format!("shared counter file {}: {message}", path.display()),
    }
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> CoreError {
    CoreError::Incompatible {
        message: format!("shared counter file {}: cannot {what}: {e}", path.display()),
    }
}

/// An exclusive advisory lock held until drop.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    #[cfg(unix)]
    fn exclusive(file: &'a File) -> std::io::Result<Self> {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor we own; blocking until the lock is granted.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(FileLock(file))
    }

    #[cfg(not(unix))]
    fn exclusive(file: &'a File) -> std::io::Result<Self> {
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: unlocking the descriptor we locked.
            unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
        }
    }
}

// The file layout depends on these sizes.
const _: () = assert!(std::mem::size_of::<Slot>() == 24);
const _: () = assert!(std::mem::size_of::<Totals>() == 32);
const _: () = assert!(TOTALS_OFFSET + std::mem::size_of::<Totals>() <= HEADER_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> CounterSpec {
        CounterSpec {
            bucket_seconds: 60,
            horizon_seconds: 3600,
            future_skew_seconds: 60,
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nexus-sre-storage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        let _ = std::fs::remove_file(&p);
        p
    }
    #[test]
    fn new_file_slots_start_empty() {
        let p = tmp("empty.ring");
        let o = SlotStorage::open_shared(&p, Some(spec())).unwrap();
        assert!(o.storage.slots().iter().all(|s| s.epoch() == i64::MIN));
        assert_eq!(o.storage.len(), spec().ring_len() as usize);
    }
}
