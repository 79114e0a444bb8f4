//! `Child::kill` where `pidfd_send_signal` does not exist (`ENOSYS`: a kernel before 5.1, a
//! seccomp filter, valgrind 3.24): it falls back to `kill(2)` on the pid, which is safe because
//! the child is not reaped yet. Before, it failed with "Function not implemented" (seen under
//! valgrind 3.24 in a Debian 13 chroot). The filter is installed in a helper process (this test
//! binary again), so the other tests keep pidfd_send_signal.
mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use common::watchdog;

const HELPER: &str = "LXC_RS_KILL_WITHOUT_PIDFD_SIGNAL";

/// Makes `pidfd_send_signal` fail with `ENOSYS` in this thread (and the threads and processes it
/// starts afterwards).
fn deny_pidfd_send_signal() {
    let nr = libc::SYS_pidfd_send_signal as u32;
    let mut filter = [
        // The syscall number (offset 0 of struct seccomp_data).
        libc::sock_filter {
            code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
            jt: 0,
            jf: 0,
            k: 0,
        },
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt: 0,
            jf: 1,
            k: nr,
        },
        libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32,
        },
        libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ALLOW,
        },
    ];
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_mut_ptr(),
    };
    // SAFETY: prctl with integer arguments, then with a pointer to a filter program that lives
    // across the call (the kernel copies it).
    unsafe {
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        assert_eq!(
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &prog as *const _
            ),
            0,
            "install the seccomp filter: {}",
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: the call the filter denies, with arguments it never reads.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_send_signal, -1, 0, 0, 0) };
    assert_eq!(
        (r, std::io::Error::last_os_error().raw_os_error()),
        (-1, Some(libc::ENOSYS)),
        "the filter denies pidfd_send_signal"
    );
}

/// The helper: a running container, the filter, a program killed through `Child::kill`.
#[test]
fn helper() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    let lx = lxcpath!();
    let c = lx.running("nopidfdsignal");
    // Spawned first: liblxc 5.0's attach itself needs pidfd_send_signal.
    let mut child = c.command("sleep").arg("300").spawn().unwrap();
    assert!(child.pidfd().is_some(), "the child has a pidfd");
    deny_pidfd_send_signal();
    child.kill().expect("kill without pidfd_send_signal");
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    println!("HELPER OK");
}

#[test]
fn kill_falls_back_to_the_pid_without_pidfd_send_signal() {
    let _w = watchdog(Duration::from_secs(300));
    if common::Lxcpath::new("kill_without_pidfd_signal").is_none() {
        return; // skipped loudly by Lxcpath::new
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "helper", "--nocapture", "--test-threads=1"])
        .env(HELPER, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("HELPER OK"),
        "the helper failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
