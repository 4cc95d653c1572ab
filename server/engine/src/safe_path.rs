//! The one gate every path from outside passes before the engine reads it: a request's
//! file, a document synced by an editor, a watched-file event, a blame of text on disk.
//!
//! "Inside the workspace" is decided on the canonical, symlink-resolved path, never on the
//! spelling: `WS/../../etc/passwd`, `%2e%2e` and a link `WS/etc_link -> /etc` all resolve
//! outside and are refused. Reads open the file without following a final link and without
//! blocking (a named pipe would wait for a writer forever), then check on the open handle
//! that it is a regular file, so a file swapped for a pipe between a check and the open
//! cannot hold a thread either.

use crate::walk::SkipReason;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// `path` relative to `root` with `/` separators, when its symlink-resolved form lies
/// inside `root` (itself canonical). A path that does not exist (a deleted file or folder)
/// is resolved through its deepest existing ancestor; `..` in the part that does not exist
/// is refused rather than guessed at.
pub fn relative_inside(root: &Path, path: &Path) -> Option<String> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let resolved = resolve(&abs)?;
    let rel = resolved.strip_prefix(root).ok()?;
    let mut out = String::new();
    for part in rel.components() {
        let Component::Normal(name) = part else {
            return None;
        };
        if !out.is_empty() {
            out.push('/');
        }
        // A name that is not UTF-8 could be neither cited nor linked to exactly: such a
        // file is not indexed (the walk counts it), so nothing may enter under it either.
        out.push_str(name.to_str()?);
    }
    Some(out)
}

/// The canonical form of `abs`: canonicalised as far as it exists, with the missing rest
/// appended when it holds only plain names.
fn resolve(abs: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(abs) {
        return Some(p);
    }
    let mut missing = Vec::new();
    let mut existing = abs;
    loop {
        let name = existing.file_name()?;
        missing.push(name.to_os_string());
        existing = existing.parent()?;
        if let Ok(base) = std::fs::canonicalize(existing) {
            // `..` or `.` below a missing folder cannot be resolved without the folder.
            let spelled_rest = abs.strip_prefix(existing).ok()?;
            if spelled_rest
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
            {
                return None;
            }
            let mut out = base;
            out.extend(missing.iter().rev());
            return Some(out);
        }
    }
}

/// Whether `rel` is a plain workspace-relative path: `/`-separated names, no `..`, no `.`,
/// not absolute, not empty.
pub fn is_plain_relative(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Open `root/rel` for reading when it is a regular file reached without any symbolic link
/// (the walk's policy: links are not followed), never blocking on a special file.
/// `Err(Unreadable)` covers a file that is gone.
pub fn open_regular(root: &Path, rel: &str) -> Result<(File, Metadata), SkipReason> {
    if !is_plain_relative(rel) {
        return Err(SkipReason::Unreadable);
    }
    let abs = root.join(rel);
    // Where the kernel can refuse every link on the path while it resolves it, one system
    // call does what canonicalising and comparing does below (a syscall per component).
    #[cfg(target_os = "linux")]
    if let Some(opened) = open_without_links(&abs) {
        return opened;
    }
    open_canonical(&abs)
}

/// `open_no_block(abs)` when `abs` is its own canonical form: no link anywhere on the way
/// (a linked folder, a linked file) is followed.
fn open_canonical(abs: &Path) -> Result<(File, Metadata), SkipReason> {
    match std::fs::canonicalize(abs) {
        Ok(real) if real == abs => {}
        Ok(_) => return Err(SkipReason::Symlink),
        Err(_) => return Err(SkipReason::Unreadable),
    }
    open_no_block(abs)
}

/// `open_no_block(abs)` for an absolute `abs` that must be reached through no symbolic link
/// at all (`root` is canonical, so `canonicalize(abs) == abs` says the same), asked of
/// `openat2` with `RESOLVE_NO_SYMLINKS`. `None` when the answer must come from the slower
/// path: `openat2` is missing or refused (kernels before 5.6, seccomp filters), or a link
/// was met, whose reason (a link, or a dangling one: unreadable) that path tells apart.
#[cfg(target_os = "linux")]
fn open_without_links(abs: &Path) -> Option<Result<(File, Metadata), SkipReason>> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(abs.as_os_str().as_bytes()).ok()?;
    // SAFETY: `open_how` is plain integers; all zero is its documented default.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_NO_SYMLINKS;
    let fd = loop {
        // SAFETY: a NUL-terminated path and an `open_how` of the size passed, both alive
        // for the call.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                libc::AT_FDCWD,
                path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if fd >= 0 {
            break fd;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::ENOSYS | libc::EPERM | libc::EINVAL | libc::E2BIG | libc::ELOOP) => {
                return None
            }
            _ => return Some(Err(SkipReason::Unreadable)),
        }
    };
    let fd = i32::try_from(fd).ok()?;
    // SAFETY: `fd` was just opened and nothing else owns it.
    let file = unsafe { File::from_raw_fd(fd) };
    Some(regular(file))
}

/// Open `abs` without following a final link and without blocking, and check on the open
/// handle that it is a regular file.
pub fn open_no_block(abs: &Path) -> Result<(File, Metadata), SkipReason> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let file = match options.open(abs) {
        Ok(f) => f,
        Err(e) if is_link_refusal(&e) => return Err(SkipReason::Symlink),
        Err(_) => return Err(SkipReason::Unreadable),
    };
    regular(file)
}

/// `file` with its metadata when it is a regular file.
fn regular(file: File) -> Result<(File, Metadata), SkipReason> {
    let meta = file.metadata().map_err(|_| SkipReason::Unreadable)?;
    if !meta.is_file() {
        return Err(SkipReason::Special);
    }
    Ok((file, meta))
}

/// `O_NOFOLLOW` on a final link fails with `ELOOP`.
fn is_link_refusal(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Read at most `max_size + 1` bytes of an open file (one more than allowed tells the
/// caller it is too large, even when the file grew after its size was checked).
pub fn read_capped(file: File, max_size: u64) -> Result<Vec<u8>, SkipReason> {
    read_capped_into(file, max_size, Vec::new())
}

/// `read_capped` into `bytes`, whose capacity may be set for the size expected: a file
/// read through `take` gives no size hint, and growing the buffer as it fills copies it.
fn read_capped_into(file: File, max_size: u64, mut bytes: Vec<u8>) -> Result<Vec<u8>, SkipReason> {
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|_| SkipReason::Unreadable)?;
    if bytes.len() as u64 > max_size {
        return Err(SkipReason::TooLarge);
    }
    Ok(bytes)
}

/// The bytes of `root/rel` when it is a regular file inside the workspace reached without
/// links and not larger than `max_size`.
pub fn read_regular(root: &Path, rel: &str, max_size: u64) -> Result<Vec<u8>, SkipReason> {
    let (file, meta) = open_regular(root, rel)?;
    if meta.len() > max_size {
        return Err(SkipReason::TooLarge);
    }
    // One byte more than the size, so that a file read whole is known to have ended.
    let expected = usize::try_from(meta.len()).map_or(0, |n| n.saturating_add(1));
    read_capped_into(file, max_size, Vec::with_capacity(expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.rs"), "fn a() {}\n").unwrap();
        (dir, root)
    }

    #[test]
    fn dot_dot_and_links_out_of_the_workspace_are_outside() {
        let (_dir, root) = workspace();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "root:x:0:0").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("out_link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("secret.py")).unwrap();
        assert_eq!(
            relative_inside(&root, &root.join("src/a.rs")).as_deref(),
            Some("src/a.rs")
        );
        assert_eq!(
            relative_inside(&root, &root.join("src/../src/a.rs")).as_deref(),
            Some("src/a.rs")
        );
        for spelled in [
            root.join("../../../../etc/passwd"),
            root.join("src/../../x"),
            root.join("out_link/secret"),
            root.join("secret.py"),
            root.join("gone/../../x"),
            PathBuf::from("/etc/passwd"),
        ] {
            assert_eq!(relative_inside(&root, &spelled), None, "{spelled:?}");
        }
        // A deleted file or folder inside still has its place.
        assert_eq!(
            relative_inside(&root, &root.join("gone/dir/x.rs")).as_deref(),
            Some("gone/dir/x.rs")
        );
    }

    #[test]
    fn only_regular_files_reached_without_links_are_read() {
        let (_dir, root) = workspace();
        std::os::unix::fs::symlink(root.join("src"), root.join("linked")).unwrap();
        std::os::unix::fs::symlink(root.join("src/a.rs"), root.join("b.rs")).unwrap();
        let fifo = root.join("pipe.rs");
        let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);

        assert_eq!(
            read_regular(&root, "src/a.rs", 100).unwrap(),
            b"fn a() {}\n"
        );
        assert_eq!(
            read_regular(&root, "src/a.rs", 3),
            Err(SkipReason::TooLarge)
        );
        assert_eq!(
            read_regular(&root, "linked/a.rs", 100),
            Err(SkipReason::Symlink)
        );
        assert_eq!(read_regular(&root, "b.rs", 100), Err(SkipReason::Symlink));
        // Returns at once instead of waiting for a writer.
        assert_eq!(
            read_regular(&root, "pipe.rs", 100),
            Err(SkipReason::Special)
        );
        assert_eq!(
            read_regular(&root, "../etc/passwd", 100),
            Err(SkipReason::Unreadable)
        );
        assert_eq!(
            read_regular(&root, "missing.rs", 100),
            Err(SkipReason::Unreadable)
        );
        assert!(!is_plain_relative(""));

        // Both ways of opening agree wherever the kernel answers in one call.
        std::fs::create_dir_all(root.join("real/dir")).unwrap();
        std::fs::write(root.join("real/dir/c.rs"), "c\n").unwrap();
        std::os::unix::fs::symlink(root.join("missing"), root.join("dangling.rs")).unwrap();
        for rel in [
            "src/a.rs",
            "real/dir/c.rs",
            "linked/a.rs",
            "b.rs",
            "pipe.rs",
            "missing.rs",
            "dangling.rs",
            "src/a.rs/x",
            "src",
        ] {
            let abs = root.join(rel);
            let canonical = open_canonical(&abs).map(|(_, meta)| meta.len());
            #[cfg(target_os = "linux")]
            if let Some(one_call) = open_without_links(&abs) {
                assert_eq!(one_call.map(|(_, meta)| meta.len()), canonical, "{rel}");
            }
            assert_eq!(
                open_regular(&root, rel).map(|(_, meta)| meta.len()),
                canonical,
                "{rel}"
            );
        }
        assert_eq!(
            open_regular(&root, "dangling.rs").err(),
            Some(SkipReason::Unreadable)
        );
        assert!(!is_plain_relative("/etc/passwd"));
        assert!(!is_plain_relative("./a"));
    }
}
