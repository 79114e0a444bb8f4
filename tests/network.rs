//! The network API on real busybox containers: interfaces, addresses, waiting for an address, and
//! moving host interfaces in and out.
//!
//! Every host link a test creates is deleted by a [`HostLinks`] guard, declared before the lxcpath so
//! that it drops after the containers are stopped. Interface names are short (at most 15 bytes) and
//! unique per test and process; addresses are `10.<x>.<y>.0/24` on bridges the tests create, so no
//! traffic leaves this machine.
mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use liblxc::{Container, ErrorKind, IpFamily, State};

/// Host network links created by a test, deleted (in reverse order) when it ends, even on failure.
#[derive(Default)]
struct HostLinks {
    names: Vec<String>,
}

impl HostLinks {
    /// Records `name` for deletion; call it right after creating the link (or before creating a
    /// link whose name liblxc chooses from our configuration).
    fn track(&mut self, name: &str) {
        self.names.push(name.to_owned());
    }
}

impl Drop for HostLinks {
    fn drop(&mut self) {
        for name in self.names.iter().rev() {
            if link_exists(name) {
                let _ = Command::new("ip").args(["link", "del", name]).output();
            }
        }
    }
}

/// A unique, short interface name: `lx<tag><pid>`.
fn ifname(tag: &str) -> String {
    let n = format!("lx{tag}{}", std::process::id());
    assert!(
        n.len() <= 15,
        "interface name {n:?} is longer than 15 bytes"
    );
    n
}

/// `10.<x>.<y>` for test number `x`, with `y` from the pid so that concurrent runs differ.
fn subnet(x: u8) -> (u8, u8) {
    (x, (std::process::id() % 250) as u8 + 1)
}

fn run(cmd: &str, args: &[&str]) -> Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {cmd} {args:?}: {e} (is iproute2 installed?)"))
}

/// Runs `ip <args>` and panics with its stderr if it fails.
fn ip(args: &[&str]) {
    let out = run("ip", args);
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

fn link_exists(name: &str) -> bool {
    run("ip", &["link", "show", "dev", name]).status.success()
}

/// A bridge `br` with `10.<x>.<y>.1/24`, up.
fn bridge(links: &mut HostLinks, br: &str, (x, y): (u8, u8)) {
    ip(&["link", "add", br, "type", "bridge"]);
    links.track(br);
    ip(&["addr", "add", &format!("10.{x}.{y}.1/24"), "dev", br]);
    ip(&["link", "set", br, "up"]);
}

/// Stops the busybox init from running `udhcpc` at boot: its `deconfig` script runs
/// `ip addr flush dev eth0`, which removes the static address (and the link-local one) a few
/// milliseconds after start, and nothing serves DHCP here to give one back.
fn no_dhcp(c: &Container) {
    let rootfs = c.config_item("lxc.rootfs.path").unwrap();
    let rootfs = rootfs.strip_prefix("dir:").unwrap_or(&rootfs);
    let rcs = std::path::Path::new(rootfs).join("etc/init.d/rcS");
    let text = std::fs::read_to_string(&rcs).unwrap_or_else(|e| panic!("{}: {e}", rcs.display()));
    assert!(text.contains("/bin/udhcpc\n"), "{text}");
    std::fs::write(&rcs, text.replace("/bin/udhcpc\n", "")).unwrap();
}

/// Gives `c` one veth on `br`, named `eth0` inside with `addr/24`; its host end is `pair`.
fn veth_config(c: &Container, br: &str, pair: &str, addr: Ipv4Addr) {
    c.clear_config_item("lxc.net").unwrap();
    for (k, v) in [
        ("lxc.net.0.type", "veth"),
        ("lxc.net.0.link", br),
        ("lxc.net.0.flags", "up"),
        ("lxc.net.0.name", "eth0"),
        ("lxc.net.0.veth.pair", pair),
        ("lxc.net.0.ipv4.address", &format!("{addr}/24")),
    ] {
        c.set_config_item(k, v)
            .unwrap_or_else(|e| panic!("set {k} = {v}: {e}"));
    }
    c.save_config(None).unwrap();
    no_dhcp(c);
}

#[test]
fn veth_on_a_bridge_has_its_static_address_and_answers_ping() {
    let mut links = HostLinks::default();
    let lx = lxcpath!();
    let (x, y) = subnet(101);
    let br = ifname("b");
    let pair = ifname("v");
    bridge(&mut links, &br, (x, y));
    links.track(&pair);
    let addr = Ipv4Addr::new(10, x, y, 2);
    let gw = Ipv4Addr::new(10, x, y, 1);

    let c = lx.busybox("netbr");
    veth_config(&c, &br, &pair, addr);
    c.start().expect("start with a veth on our bridge");
    c.wait(State::Running, Duration::from_secs(10)).unwrap();
    assert!(link_exists(&pair), "liblxc named the host end {pair:?}");

    let t = Instant::now();
    let found = c
        .wait_for_ips(Some("eth0"), Some(IpFamily::V4), Duration::from_secs(10))
        .expect("the static address is there");
    let waited = t.elapsed();
    eprintln!("wait_for_ips returned {found:?} after {waited:?}");
    assert_eq!(found, [IpAddr::V4(addr)]);
    assert!(waited < Duration::from_secs(2), "took {waited:?}");

    let names = c.interfaces().expect("interfaces");
    eprintln!("interfaces: {names:?}");
    assert!(names.iter().any(|n| n == "eth0"), "{names:?}");
    assert!(names.iter().any(|n| n == "lo"), "{names:?}");
    let mut dedup = names.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), names.len(), "each name once: {names:?}");

    assert_eq!(
        c.ips(Some("eth0"), Some(IpFamily::V4)).unwrap(),
        [IpAddr::V4(addr)]
    );
    assert_eq!(
        c.ip_strings(Some("eth0"), Some("inet"), 0).unwrap(),
        [addr.to_string()]
    );
    let all = c.ips(None, None).unwrap();
    eprintln!("ips(None, None): {all:?}");
    assert!(all.contains(&IpAddr::V4(addr)), "{all:?}");
    assert!(
        !all.iter().any(|a| a.is_loopback()),
        "lo is skipped without an interface: {all:?}"
    );
    assert_eq!(
        c.ips(Some("lo"), Some(IpFamily::V4)).unwrap(),
        [IpAddr::V4(Ipv4Addr::LOCALHOST)],
        "lo is reported when asked for"
    );
    let v6 = c.ips(Some("eth0"), Some(IpFamily::V6)).unwrap();
    assert!(
        v6.iter()
            .all(|a| matches!(a, IpAddr::V6(v) if v.segments()[0] & 0xffc0 != 0xfe80)),
        "scope 0 excludes link-local addresses: {v6:?}"
    );
    assert_eq!(
        c.ip_strings(Some("eth0"), Some("bogus"), 0).unwrap(),
        Vec::<String>::new(),
        "an unknown family matches nothing"
    );
    assert_eq!(c.ips(Some("nosuch0"), None).unwrap(), Vec::<IpAddr>::new());

    // The link-local address is selected by the interface index inside the container.
    let ifindex = c
        .command("cat")
        .arg("/sys/class/net/eth0/ifindex")
        .output()
        .expect("read eth0's ifindex");
    let ifindex: i32 = String::from_utf8_lossy(&ifindex.stdout)
        .trim()
        .parse()
        .expect("an ifindex");
    let link_local = c.ip_strings(Some("eth0"), Some("inet6"), ifindex).unwrap();
    eprintln!("eth0 has ifindex {ifindex}; scope {ifindex} gives {link_local:?}");
    assert!(
        link_local.iter().all(|a| a.starts_with("fe80:")),
        "{link_local:?}"
    );
    if std::path::Path::new("/proc/sys/net/ipv6").exists() {
        assert!(
            !link_local.is_empty(),
            "IPv6 is on: eth0 has a link-local address"
        );
    }

    // Host -> container, with the host's busybox (iputils ping may not be installed).
    let out = run("busybox", &["ping", "-c1", "-W2", &addr.to_string()]);
    assert!(
        out.status.success(),
        "host pings {addr}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Container -> host bridge, with the container's busybox.
    let out = c
        .command("ping")
        .args(["-c1", "-W2", &gw.to_string()])
        .output()
        .expect("run ping in the container");
    assert!(
        out.status.success(),
        "container pings {gw}: {:?} {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    c.stop().unwrap();
    c.wait(State::Stopped, Duration::from_secs(10)).unwrap();
    assert!(!link_exists(&pair), "the host end goes with the container");
    assert_eq!(c.interfaces().unwrap(), Vec::<String>::new());
}

#[test]
fn a_host_interface_moves_in_and_out() {
    let mut links = HostLinks::default();
    let lx = lxcpath!();
    let dev = ifname("d");
    let peer = ifname("p");
    // A dummy device if the kernel has the dummy driver; otherwise one end of a veth pair (whose
    // peer stays on the host).
    let out = run("ip", &["link", "add", &dev, "type", "dummy"]);
    if out.status.success() {
        links.track(&dev);
    } else {
        eprintln!(
            "no dummy driver ({}); moving one end of a veth pair instead",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        ip(&["link", "add", &dev, "type", "veth", "peer", "name", &peer]);
        links.track(&peer);
        links.track(&dev);
    }
    assert!(link_exists(&dev));

    let c = lx.running("netmove");
    let before = c.interfaces().unwrap();
    assert_eq!(before, ["lo"], "an empty network has only lo");

    c.attach_interface(&dev, Some("moved0"))
        .expect("move the device in");
    assert!(!link_exists(&dev), "{dev} left the host");
    let inside = c.interfaces().unwrap();
    assert!(inside.iter().any(|n| n == "moved0"), "{inside:?}");
    assert!(!inside.contains(&dev), "renamed: {inside:?}");

    c.detach_interface("moved0", Some(&dev))
        .expect("move the device out");
    assert!(link_exists(&dev), "{dev} is back on the host");
    assert_eq!(c.interfaces().unwrap(), ["lo"]);

    // Moving it in without a new name keeps the name.
    c.attach_interface(&dev, None).expect("move in again");
    assert!(c.interfaces().unwrap().contains(&dev));
    c.detach_interface(&dev, None).expect("move out again");
    assert!(link_exists(&dev));
    c.stop().unwrap();
}

#[test]
fn a_stopped_container_has_no_interfaces_and_waiting_times_out() {
    let lx = lxcpath!();
    let c = lx.busybox("netstop");
    assert_eq!(c.interfaces().unwrap(), Vec::<String>::new());
    assert_eq!(c.ips(None, None).unwrap(), Vec::<IpAddr>::new());
    assert_eq!(
        c.ips(Some("eth0"), Some(IpFamily::V4)).unwrap(),
        Vec::<IpAddr>::new()
    );
    assert_eq!(c.ip_strings(None, None, 0).unwrap(), Vec::<String>::new());
    let t = Instant::now();
    let e = c
        .wait_for_ips(None, None, Duration::from_secs(5))
        .expect_err("no address can appear in a stopped container");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());

    c.start().unwrap();
    c.wait(State::Running, Duration::from_secs(10)).unwrap();
    assert_eq!(c.interfaces().unwrap(), ["lo"]);
    assert_eq!(
        c.ips(None, None).unwrap(),
        Vec::<IpAddr>::new(),
        "only lo, which is skipped (and, with an empty network, has no address at all)"
    );

    let timeout = Duration::from_millis(400);
    let t = Instant::now();
    let e = c
        .wait_for_ips(None, Some(IpFamily::V4), timeout)
        .expect_err("lxc.net.0.type = empty never gets an address");
    let took = t.elapsed();
    eprintln!("wait_for_ips({timeout:?}) gave up after {took:?}: {e}");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(took >= timeout, "{took:?}");
    assert!(took < timeout + Duration::from_millis(500), "{took:?}");
    assert_eq!(e.operation(), "wait_for_ips");
    assert!(
        e.to_string()
            .starts_with("wait_for_ips container \"netstop\": no inet address"),
        "{e}"
    );

    // liblxc leaves lo down with `lxc.net.0.type = empty` (observed on 5.0.2: no address).
    eprintln!("lo: {:?}", c.ips(Some("lo"), None).unwrap());
    let t = Instant::now();
    let e = c
        .wait_for_ips(Some("nosuch0"), None, Duration::ZERO)
        .expect_err("a zero timeout looks once");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );

    c.stop().unwrap();
    c.wait(State::Stopped, Duration::from_secs(10)).unwrap();
    assert_eq!(c.interfaces().unwrap(), Vec::<String>::new());
}

#[test]
fn errors_name_the_member_and_the_container() {
    let lx = lxcpath!();
    let c = lx.running("neterr");
    let missing = ifname("n");
    assert!(!link_exists(&missing));

    let e = c
        .attach_interface(&missing, None)
        .expect_err("no such host device");
    eprintln!("{e}");
    assert_eq!(e.operation(), "attach_interface");
    assert_eq!(e.container(), Some("neterr"));
    assert!(
        e.to_string()
            .starts_with("attach_interface container \"neterr\""),
        "{e}"
    );
    let e = c
        .detach_interface("nosuch0", Some(&missing))
        .expect_err("no such device in the container");
    eprintln!("{e}");
    assert_eq!(e.operation(), "detach_interface");
    assert_eq!(e.container(), Some("neterr"));
    assert!(!link_exists(&missing), "nothing appeared on the host");

    for e in [
        c.attach_interface("lx\0x", None).unwrap_err(),
        c.attach_interface("lo", Some("a\0b")).unwrap_err(),
        c.detach_interface("lo\0", None).unwrap_err(),
        c.ips(Some("e\0th0"), None).unwrap_err(),
        c.ip_strings(None, Some("inet\0"), 0).unwrap_err(),
        c.wait_for_ips(Some("\0"), None, Duration::from_secs(5))
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.to_string().contains("NUL"), "{e}");
    }
    assert_eq!(c.interfaces().unwrap(), ["lo"], "lo was not touched");

    c.stop().unwrap();
    c.wait(State::Stopped, Duration::from_secs(10)).unwrap();
    let e = c
        .attach_interface(&missing, None)
        .expect_err("a stopped container");
    assert_eq!(e.kind(), ErrorKind::NotRunning, "{e}");
}
