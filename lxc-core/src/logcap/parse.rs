//! Reading liblxc's log lines: their timestamps, which call they belong to, and the reason they
//! give (see the parent module for where the lines come from).

#[cfg(feature = "tracing")]
pub(crate) struct Line {
    /// ERROR or above (else WARN).
    pub(crate) error: bool,
    /// liblxc's log category (`conf`, `start`, …).
    pub(crate) category: String,
    pub(crate) message: String,
}

/// The WARN and ERROR lines of a log's text: `lxc [<name>] <timestamp> <LEVEL> <category> -
/// <file>:<func>:<line> - <message>`.
#[cfg(feature = "tracing")]
pub(super) fn lines(text: &str) -> Vec<Line> {
    const LEVELS: [(&str, bool); 5] = [
        ("WARN", false),
        ("ERROR", true),
        ("CRIT", true),
        ("ALERT", true),
        ("FATAL", true),
    ];
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("lxc ")) {
        let words: Vec<&str> = line.split_whitespace().take(5).collect();
        let Some((i, error)) = words.iter().enumerate().skip(1).find_map(|(i, w)| {
            LEVELS
                .iter()
                .find(|(l, _)| l == w)
                .map(|(_, error)| (i, *error))
        }) else {
            continue;
        };
        let Some(pos) = line.find(&format!(" {} ", words[i])) else {
            continue;
        };
        let Some(message) = line[pos..].splitn(3, " - ").nth(2) else {
            continue;
        };
        out.push(Line {
            error,
            category: words.get(i + 1).copied().unwrap_or("").to_owned(),
            message: message.trim().to_owned(),
        });
    }
    out
}

/// The text of an errno value, without Rust's " (os error N)".
pub(crate) fn strerror(e: i32) -> String {
    let s = std::io::Error::from_raw_os_error(e).to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// ERROR lines liblxc 5.0 logs on every successful call of a member, which explain nothing.
pub(super) fn benign(member: &str, msg: &str) -> bool {
    // Every attach reads the removed key `lxc.seccomp` and logs that it is unsupported.
    member.starts_with("attach") && msg.ends_with("Unsupported config key \"lxc.seccomp\"")
}

/// liblxc's UTC timestamp `YYYYMMDDhhmmss.fff` as (seconds since the epoch, `fff`).
pub(super) fn timestamp(t: &str) -> Option<(i64, &str)> {
    let (date, frac) = t.split_once('.')?;
    if date.len() != 14
        || !date.bytes().all(|b| b.is_ascii_digit())
        || frac.is_empty()
        || frac.len() > 3
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n = |a: usize, b: usize| date[a..b].parse::<i64>().ok();
    let (y, mo, d) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    let (h, mi, s) = (n(8, 10)?, n(10, 12)?, n(12, 14)?);
    // Days from the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((((days * 24 + h) * 60 + mi) * 60 + s, frac))
}

/// Whether a line stamped `secs`.`frac` may have been written between `from_ns` and `to_ns`.
///
/// liblxc 5.0 prints the *leading three digits of the unpadded nanosecond count*, not the
/// milliseconds: 45 ms (45000000 ns) reads `.450`, 4.5 ms `.450` too, 450 ns `.450` as well. So a
/// stamp stands for a handful of short intervals, one for each length the count may have had, and
/// the line may be of this call if any of them meets the call's time. A stamp is never earlier than
/// the time it stands for, which is why the end of the call matters as much as its start.
pub(super) fn within(secs: i64, frac: &str, from_ns: i64, to_ns: i64) -> bool {
    let Ok(lead) = frac.parse::<i64>() else {
        return true;
    };
    let base = secs * 1_000_000_000;
    if frac.len() < 3 {
        // Fewer than three digits: the whole count.
        return (from_ns..=to_ns).contains(&(base + lead));
    }
    // A count of 3 to 9 digits that starts with `lead`.
    let mut width = 1i64;
    for _ in 3..=9 {
        let lo = base + lead * width;
        let hi = lo + width - 1;
        if hi >= from_ns && lo <= to_ns {
            return true;
        }
        width *= 10;
    }
    false
}

/// Parses `lxc <name> <timestamp> ERROR <category> - <file>:<func>:<line> - <message>` lines,
/// keeping those of `container` (any, with `None`) stamped within the call.
pub(super) fn messages(
    text: &str,
    container: Option<&str>,
    member: &str,
    from_ns: i64,
    to_ns: i64,
) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (_prefix, second, third) = (words.next(), words.next(), words.next());
        // A line logged without a configuration carries no name: the timestamp comes second.
        let (name, stamp) = match second.and_then(timestamp) {
            Some(t) => (None, Some(t)),
            None => (second, third.and_then(timestamp)),
        };
        if container.is_some_and(|c| name != Some(c)) {
            continue;
        }
        if let Some((secs, frac)) = stamp {
            if !within(secs, frac, from_ns, to_ns) {
                continue;
            }
        }
        let Some(pos) = line.find(" ERROR ") else {
            continue;
        };
        // Skip "ERROR <category> - <file>:<func>:<line> - ".
        let Some(msg) = line[pos..].splitn(3, " - ").nth(2) else {
            continue;
        };
        let msg = msg.trim();
        if msg.is_empty()
            || msg.ends_with("Failed to serve state clients")
            || benign(member, msg)
            || out.contains(&msg)
        {
            continue;
        }
        out.push(msg);
    }
    if out.is_empty() {
        return None;
    }
    if out.len() > 4 {
        let last = out[out.len() - 1];
        let cause = storage_cause(&out[3..out.len() - 1]);
        out.truncate(3);
        out.extend(cause);
        out.push("…");
        out.push(last);
    }
    Some(out.join("; "))
}

/// The first line that says a filesystem is full, over quota or read-only. liblxc and the
/// programs it runs (rsync, a template's cp) say so once, then go on failing in other words: a
/// shortened reason keeps that line, so it (and the error's kind) names the cause.
pub(super) fn storage_cause<'a>(lines: &[&'a str]) -> Option<&'a str> {
    let storage = [libc::ENOSPC, libc::EDQUOT, libc::EROFS].map(strerror);
    lines
        .iter()
        .copied()
        .find(|l| storage.iter().any(|s| l.contains(s.as_str())))
}

#[cfg(test)]
mod tests {
    use super::{messages, timestamp, within};

    const S: i64 = 1_000_000_000;

    #[test]
    fn picks_this_containers_errors_in_order() {
        let log = "\
lxc probe 20261121060810.466 ERROR    conf - ../src/lxc/conf.c:lxc_rootfs_init:576 - No such file or directory - Failed to open \"/nonexistent\"
lxc other 20261121060810.466 ERROR    conf - ../src/lxc/conf.c:x:1 - not ours
lxc probe 20261121060810.468 ERROR    commands - ../src/lxc/commands.c:lxc_cmd_serve_state_clients:1579 - Connection refused - Failed to serve state clients
lxc probe 20261121060810.468 ERROR    lxccontainer - ../src/lxc/lxccontainer.c:wait_on_daemonized_start:878 - Received container state \"ABORTING\" instead of \"RUNNING\"
";
        let (secs, _) = timestamp("20261121060810.466").unwrap();
        let all = (0, i64::MAX);
        assert_eq!(
            messages(log, Some("probe"), "start", all.0, all.1).as_deref(),
            Some("No such file or directory - Failed to open \"/nonexistent\"; Received container state \"ABORTING\" instead of \"RUNNING\"")
        );
        assert_eq!(messages(log, Some("nobody"), "start", all.0, all.1), None);
        assert_eq!(
            messages(log, None, "start", all.0, all.1).map(|m| m.matches("; ").count()),
            Some(2)
        );
        assert_eq!(
            messages(
                log,
                Some("probe"),
                "start",
                secs * S + 467_000_000,
                secs * S + 470_000_000
            )
            .as_deref(),
            Some("Received container state \"ABORTING\" instead of \"RUNNING\"")
        );
    }

    /// A long reason is shortened, but keeps the line that says the disk is full.
    #[test]
    fn a_shortened_reason_keeps_the_storage_cause() {
        let line = |msg: &str| format!("lxc c 20261121060810.466 ERROR    x - x.c:f:1 - {msg}\n");
        let log: String = [
            "one",
            "two",
            "three",
            "No space left on device - Failed to write",
            "five",
            "six",
            "last",
        ]
        .map(line)
        .concat();
        assert_eq!(
            messages(&log, Some("c"), "clone", 0, i64::MAX).as_deref(),
            Some("one; two; three; No space left on device - Failed to write; …; last")
        );
        let log: String = ["one", "two", "three", "four", "five", "last"]
            .map(line)
            .concat();
        assert_eq!(
            messages(&log, Some("c"), "clone", 0, i64::MAX).as_deref(),
            Some("one; two; three; …; last")
        );
    }

    #[test]
    fn timestamps_are_utc_epoch_seconds() {
        assert_eq!(timestamp("19700101000000.000"), Some((0, "000")));
        assert_eq!(timestamp("20000301000000.001"), Some((951_868_800, "001")));
        assert_eq!(timestamp("2026112106081"), None);
        assert_eq!(timestamp("20261121060810.4x6"), None);
    }

    #[cfg(feature = "tracing")]
    #[test]
    fn warn_and_error_lines_are_parsed() {
        let log = "\
lxc probe 20261121060810.466 WARN     cgfsng - ../src/lxc/cgroups/cgfsng.c:fchowmodat:1611 - No such file or directory - Failed to fchownat(40, memory.oom.group, 0, 0, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW )
lxc probe 20261121060810.467 INFO     conf - ../src/lxc/conf.c:run_script:1 - not this one
lxc 20261121060810.468 ERROR    lxccontainer - ../src/lxc/lxccontainer.c:do_lxcapi_start:1 - Failed to start
template output, not a log line
";
        let got = super::lines(log);
        assert_eq!(got.len(), 2);
        assert!(!got[0].error);
        assert_eq!(got[0].category, "cgfsng");
        assert!(got[0]
            .message
            .starts_with("No such file or directory - Failed to fchownat(40"));
        assert!(got[1].error);
        assert_eq!(got[1].category, "lxccontainer");
        assert_eq!(got[1].message, "Failed to start");
    }

    /// liblxc 5.0.2 stamps 45 ms as `.451` (the leading digits of 45123456 ns).
    #[test]
    fn a_stamp_stands_for_every_count_with_those_leading_digits() {
        // Written at 45.1 ms; a call from 95 ms to 96 ms did not write it.
        assert!(!within(7, "451", 7 * S + 95_000_000, 7 * S + 96_000_000));
        // A call from 40 ms to 50 ms may have (45.1 ms), and one from 451 ms to 452 ms too.
        assert!(within(7, "451", 7 * S + 40_000_000, 7 * S + 50_000_000));
        assert!(within(7, "451", 7 * S + 451_500_000, 7 * S + 460_000_000));
        // 4.51 ms and 451 µs are the other readings.
        assert!(within(7, "451", 7 * S + 4_510_000, 7 * S + 4_515_000));
        assert!(within(7, "451", 7 * S + 451_000, 7 * S + 451_100));
        // A second before or after the call: never.
        assert!(!within(6, "999", 7 * S, 8 * S));
        assert!(!within(9, "100", 7 * S, 8 * S));
        // Fewer than three digits: the exact count.
        assert!(within(7, "45", 7 * S + 45, 7 * S + 45));
        assert!(!within(7, "45", 7 * S + 46, 7 * S + 1000));
    }
}
