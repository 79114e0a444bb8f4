//! Configuration items of real containers: in memory, on disk, in the running monitor.
mod common;

use std::path::Path;
use std::time::Duration;

use liblxc::{ErrorKind, State};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The values of the `key = value` lines of a config text, trimmed, in order. liblxc saves its
/// config text with each `set_config_item` appended, so the last one is the value that counts.
fn lines_of(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_owned())
        })
        .collect()
}

#[test]
fn set_config_item_is_read_back_and_stays_in_memory() {
    let lx = lxcpath!();
    let c = lx.busybox("mem");
    let file = lx.path().join("mem/config");
    let on_disk = read(&file);
    let sigpwr = libc::SIGPWR.to_string();
    for (key, value, expected) in [
        ("lxc.uts.name", "in-memory-host", "in-memory-host"),
        (
            "lxc.init.cmd",
            "/bin/sh -c 'echo hi'",
            "/bin/sh -c 'echo hi'",
        ),
        ("lxc.tty.max", "3", "3"),
        // liblxc stores a signal by number.
        ("lxc.signal.halt", "SIGPWR", sigpwr.as_str()),
    ] {
        c.set_config_item(key, value)
            .unwrap_or_else(|e| panic!("set {key}: {e}"));
        assert_eq!(
            c.config_item(key)
                .unwrap_or_else(|e| panic!("get {key}: {e}")),
            expected,
            "{key} does not read back"
        );
    }
    assert_eq!(read(&file), on_disk, "set_config_item wrote the file");
    let other = lx.container("mem");
    assert_eq!(other.config_item("lxc.uts.name").expect("uts.name"), "mem");
}

#[test]
fn save_config_persists_for_a_new_handle_and_the_next_start() {
    let lx = lxcpath!();
    let c = lx.busybox("persist");
    c.set_config_item("lxc.uts.name", "saved-host")
        .expect("set uts.name");
    c.save_config(None).expect("save_config(None)");
    let text = read(&lx.path().join("persist/config"));
    assert_eq!(
        lines_of(&text, "lxc.uts.name").last().map(String::as_str),
        Some("saved-host"),
        "config:\n{text}"
    );

    let fresh = lx.container("persist");
    assert_eq!(
        fresh.config_item("lxc.uts.name").expect("uts.name"),
        "saved-host"
    );
    fresh.start().expect("start");
    fresh
        .wait(State::Running, Duration::from_secs(10))
        .expect("wait RUNNING");
    assert_eq!(
        fresh
            .running_config_item("lxc.uts.name")
            .expect("running uts.name"),
        "saved-host",
        "the monitor did not start with the saved config"
    );
}

#[test]
fn save_config_to_an_alternate_file_writes_only_that_file() {
    let lx = lxcpath!();
    let c = lx.busybox("alt");
    let own = lx.path().join("alt/config");
    let own_before = read(&own);
    let dir = tempfile::tempdir().expect("tempdir");
    let alt = dir.path().join("alt.conf");
    c.set_config_item("lxc.uts.name", "alt-host")
        .expect("set uts.name");
    c.save_config(Some(&alt)).expect("save_config(alt)");
    let text = read(&alt);
    assert_eq!(
        lines_of(&text, "lxc.uts.name").last().map(String::as_str),
        Some("alt-host"),
        "alt file:\n{text}"
    );
    assert_eq!(
        lines_of(&text, "lxc.net.0.type").last().map(String::as_str),
        Some("empty"),
        "alt file:\n{text}"
    );
    assert_eq!(read(&own), own_before, "the container's own config changed");
}

#[test]
fn load_config_reads_an_alternate_file() {
    let lx = lxcpath!();
    let dir = tempfile::tempdir().expect("tempdir");
    let alt = dir.path().join("in.conf");
    std::fs::write(
        &alt,
        "lxc.uts.name = from-file\nlxc.environment = A=1\nlxc.environment = B=2\nlxc.tty.max = 7\n",
    )
    .expect("write alt config");
    let c = lx.container("loader");
    let before = lx.tree();
    c.load_config(Some(&alt)).expect("load_config(alt)");
    assert_eq!(
        c.config_item("lxc.uts.name").expect("uts.name"),
        "from-file"
    );
    assert_eq!(c.config_item("lxc.tty.max").expect("tty.max"), "7");
    assert_eq!(
        c.config_item("lxc.environment").expect("environment"),
        "A=1\nB=2\n"
    );
    assert!(!c.is_defined(), "loading a config defined the container");
    assert_eq!(lx.tree(), before, "load_config wrote to the lxcpath");
}

#[test]
fn load_config_none_rereads_the_containers_own_file() {
    let lx = lxcpath!();
    let c = lx.busybox("reread");
    c.set_config_item("lxc.uts.name", "unsaved")
        .expect("set uts.name");
    c.load_config(None).expect("load_config(None)");
    assert_eq!(
        c.config_item("lxc.uts.name").expect("uts.name"),
        "reread",
        "load_config(None) did not reread the file"
    );
}

#[test]
fn clear_config_item_removes_the_key_in_memory_and_on_save() {
    let lx = lxcpath!();
    let c = lx.busybox("clearkey");
    assert_eq!(c.config_item("lxc.uts.name").expect("uts.name"), "clearkey");
    c.clear_config_item("lxc.uts.name")
        .expect("clear_config_item");
    assert_eq!(
        c.config_item("lxc.uts.name").expect("uts.name after clear"),
        ""
    );
    c.save_config(None).expect("save");
    let text = read(&lx.path().join("clearkey/config"));
    assert!(
        lines_of(&text, "lxc.uts.name").is_empty(),
        "config:\n{text}"
    );
    assert_eq!(
        lx.container("clearkey")
            .config_item("lxc.uts.name")
            .expect("uts.name"),
        ""
    );
}

#[test]
fn an_empty_value_clears_the_key() {
    let lx = lxcpath!();
    let c = lx.busybox("emptyval");
    c.set_config_item("lxc.uts.name", "")
        .expect("set uts.name to \"\"");
    assert_eq!(c.config_item("lxc.uts.name").expect("uts.name"), "");
}

/// After `clear_config` liblxc has no configuration at all (`get_config_item` would return -1
/// without a word): the contract refuses it first, saying why.
#[test]
fn clear_config_forgets_the_loaded_config_but_not_the_file() {
    let lx = lxcpath!();
    let c = lx.busybox("forget");
    let file = lx.path().join("forget/config");
    let on_disk = read(&file);
    c.clear_config();
    let err = c
        .config_item("lxc.uts.name")
        .expect_err("get_config_item without a configuration");
    assert_eq!(err.operation(), "get_config_item");
    assert_eq!(err.kind(), ErrorKind::Failed, "{err}");
    let msg = err.to_string();
    assert!(msg.contains("\"forget\""), "{msg}");
    assert!(msg.contains("clear_config"), "{msg}");
    assert!(c.is_defined(), "clear_config removed the container");
    assert_eq!(read(&file), on_disk, "clear_config touched the file");
    c.load_config(None).expect("reload");
    assert_eq!(
        c.config_item("lxc.uts.name")
            .expect("uts.name after reload"),
        "forget"
    );
}

#[test]
fn keys_lists_every_supported_key() {
    let lx = lxcpath!();
    let c = lx.busybox("keys");
    let keys = c.keys(None).expect("keys(None)");
    assert!(keys.len() > 50, "only {} keys: {keys:?}", keys.len());
    for k in [
        "lxc.uts.name",
        "lxc.rootfs.path",
        "lxc.net",
        "lxc.environment",
        "lxc.init.cmd",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
    }
    assert!(keys.iter().all(|k| k.starts_with("lxc.")), "{keys:?}");
    let mut dedup: Vec<&str> = keys.iter().collect();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), keys.len(), "duplicate keys");
    // Every listed key is one liblxc supports.
    for k in keys.iter() {
        assert!(
            liblxc::config_item_is_supported(k).expect("is_supported"),
            "{k} listed but unsupported"
        );
    }
}

/// With a prefix, liblxc lists the sub-keys *without* the prefix (`"link"`, not `"lxc.net.0.link"`),
/// and which ones depends on the interface type.
#[test]
fn keys_of_a_network_interface_follow_its_type() {
    let lx = lxcpath!();
    let c = lx.busybox("netkeys");
    let empty = c
        .keys(Some("lxc.net.0"))
        .expect("keys(lxc.net.0) for type empty");
    assert!(empty.iter().any(|k| k == "type"), "{empty:?}");
    assert!(
        !empty.iter().any(|k| k == "link"),
        "an empty interface has no link: {empty:?}"
    );

    c.set_config_item("lxc.net.0.type", "veth")
        .expect("set type veth");
    let veth = c
        .keys(Some("lxc.net.0"))
        .expect("keys(lxc.net.0) for type veth");
    for k in ["type", "link", "hwaddr", "veth.pair", "ipv4.address"] {
        assert!(veth.iter().any(|x| x == k), "{k} missing from {veth:?}");
    }
    assert!(
        !veth.iter().any(|k| k.starts_with("lxc.")),
        "prefix kept: {veth:?}"
    );
    assert_eq!(
        c.keys(Some("lxc.uts")).expect("keys(lxc.uts)"),
        vec!["name"]
    );
}

#[test]
fn running_config_item_reads_the_running_monitor() {
    let lx = lxcpath!();
    let c = lx.running("monitor");
    assert_eq!(
        c.running_config_item("lxc.uts.name")
            .expect("running uts.name"),
        "monitor"
    );
    // A change in this handle's memory does not reach the running container.
    c.set_config_item("lxc.uts.name", "changed")
        .expect("set uts.name");
    assert_eq!(c.config_item("lxc.uts.name").expect("uts.name"), "changed");
    assert_eq!(
        c.running_config_item("lxc.uts.name")
            .expect("running uts.name"),
        "monitor",
        "running_config_item read this handle's memory"
    );
    c.stop().expect("stop");
    let err = c
        .running_config_item("lxc.uts.name")
        .expect_err("running_config_item of a stopped container");
    assert_eq!(err.kind(), ErrorKind::NotRunning, "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("get_running_config_item") && msg.contains("\"monitor\""),
        "{msg}"
    );
}

#[test]
fn config_file_name_is_the_config_in_the_lxcpath() {
    let lx = lxcpath!();
    let c = lx.container("named");
    let expected = lx.path().join("named").join("config");
    assert_eq!(c.config_file_name().expect("config_file_name"), expected);
    assert!(!expected.exists());
    c.create_with(
        Some("busybox"),
        None,
        None,
        liblxc::CreateFlags::QUIET,
        &[] as &[&str],
    )
    .expect("create");
    assert_eq!(c.config_file_name().expect("config_file_name"), expected);
    assert!(
        expected.is_file(),
        "config_file_name does not exist after create"
    );
}

#[test]
fn set_config_path_points_the_handle_elsewhere() {
    let lx = lxcpath!();
    let c = lx.busybox("moved");
    assert_eq!(c.config_path().expect("config_path"), lx.path());
    let other = tempfile::tempdir().expect("tempdir");
    c.set_config_path(other.path()).expect("set_config_path");
    assert_eq!(c.config_path().expect("config_path"), other.path());
    assert_eq!(
        c.config_file_name().expect("config_file_name"),
        other.path().join("moved/config")
    );
    assert!(!c.is_defined(), "still defined in the new lxcpath");
    c.set_config_path(lx.path()).expect("set_config_path back");
    assert_eq!(c.config_path().expect("config_path"), lx.path());
    assert!(c.is_defined(), "not defined after setting the lxcpath back");
    assert!(std::fs::read_dir(other.path())
        .expect("read other")
        .next()
        .is_none());
}

#[test]
fn list_valued_keys_accumulate() {
    let lx = lxcpath!();
    let c = lx.busybox("env");
    c.set_config_item("lxc.environment", "A=1").expect("set A");
    c.set_config_item("lxc.environment", "B=2").expect("set B");
    let value = c.config_item("lxc.environment").expect("environment");
    assert_eq!(
        value.lines().collect::<Vec<_>>(),
        ["A=1", "B=2"],
        "{value:?}"
    );
    c.save_config(None).expect("save");
    let text = read(&lx.path().join("env/config"));
    assert_eq!(
        lines_of(&text, "lxc.environment"),
        vec!["A=1", "B=2"],
        "config:\n{text}"
    );
    let fresh = lx.container("env");
    assert_eq!(
        fresh.config_item("lxc.environment").expect("environment"),
        value
    );
    c.clear_config_item("lxc.environment")
        .expect("clear environment");
    assert_eq!(c.config_item("lxc.environment").expect("environment"), "");
}

/// Values around and well past the 256-byte first buffer of the two-call length protocol.
/// liblxc 4.0 keeps `lxc.init.cmd` to a path's length (below `PATH_MAX`, 4096 bytes) and refuses
/// longer values with `ENAMETOOLONG`; 5.0 and later take any length.
#[test]
fn long_values_round_trip() {
    let lx = lxcpath!();
    let c = lx.busybox("long");
    let unlimited = liblxc::runtime_version().at_least(liblxc::Version::new(5, 0, 0));
    for len in [255, 256, 257, 300, 4095, 4096, 64 * 1024] {
        let value: String = "/bin/x "
            .chars()
            .chain((0..).map(|i| char::from(b'a' + (i % 26) as u8)))
            .take(len)
            .collect();
        assert_eq!(value.len(), len);
        if len >= 4096 && !unlimited {
            let e = c
                .set_config_item("lxc.init.cmd", &value)
                .expect_err("liblxc 4.0 keeps lxc.init.cmd below PATH_MAX");
            assert!(
                e.reason().contains("File name too long"),
                "{len} bytes: {e}"
            );
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{len} bytes");
            continue;
        }
        c.set_config_item("lxc.init.cmd", &value)
            .unwrap_or_else(|e| panic!("set {len} bytes: {e}"));
        let got = c
            .config_item("lxc.init.cmd")
            .unwrap_or_else(|e| panic!("get {len} bytes: {e}"));
        assert_eq!(got.len(), len, "length of a {len}-byte value");
        assert_eq!(got, value, "{len}-byte value differs");
    }
    // The longest value set survives a save and a new handle.
    c.save_config(None).expect("save");
    let fresh = lx.container("long");
    assert_eq!(
        fresh.config_item("lxc.init.cmd").expect("init.cmd").len(),
        if unlimited { 64 * 1024 } else { 4095 }
    );

    // A list value longer than the first buffer (liblxc writes lists snprintf-style).
    c.clear_config_item("lxc.environment")
        .expect("clear environment");
    let vars: Vec<String> = (0..40)
        .map(|i| format!("VARIABLE_{i:02}=value-{i:02}"))
        .collect();
    for v in &vars {
        c.set_config_item("lxc.environment", v)
            .expect("set environment");
    }
    let got = c.config_item("lxc.environment").expect("environment");
    assert!(got.len() > 256);
    assert_eq!(got.lines().collect::<Vec<_>>(), vars);
}

#[test]
fn values_that_are_not_utf8_are_read_as_bytes() {
    let lx = lxcpath!();
    let c = lx.busybox("bytes");
    let file = lx.path().join("bytes/config");
    let mut text = std::fs::read(&file).expect("read config");
    text.extend_from_slice(b"lxc.uts.name = caf\xe9\n");
    std::fs::write(&file, &text).expect("write config");
    c.clear_config();
    c.load_config(None).expect("load config");
    let e = c
        .config_item("lxc.uts.name")
        .expect_err("a value that is not UTF-8 as String");
    assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}");
    assert!(e.to_string().contains("config_item_bytes"), "{e}");
    assert_eq!(
        c.config_item_bytes("lxc.uts.name").expect("bytes"),
        b"caf\xe9"
    );
    c.start().expect("start");
    c.wait(State::Running, Duration::from_secs(10))
        .expect("running");
    let e = c
        .running_config_item("lxc.uts.name")
        .expect_err("the running value is not UTF-8 either");
    assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}");
    assert!(e.to_string().contains("running_config_item_bytes"), "{e}");
    assert_eq!(
        c.running_config_item_bytes("lxc.uts.name")
            .expect("running bytes"),
        b"caf\xe9"
    );
    let key = match c.memory_cgroup_version().expect("cgroup version") {
        liblxc::CgroupVersion::V1 => "memory.limit_in_bytes",
        _ => "memory.max",
    };
    assert_eq!(
        c.cgroup_item_bytes(key).expect("cgroup bytes"),
        c.cgroup_item(key).expect("cgroup text").into_bytes()
    );
    c.stop().expect("stop");
}
