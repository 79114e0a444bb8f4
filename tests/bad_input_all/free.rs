//! The free functions.

use std::path::{Path, PathBuf};

use liblxc::{Container, ErrorKind as K};

use crate::common::Lxcpath;
use crate::engine::{empty_list, is_false, long, long_path, non_utf8, short, Table, INVALID, NUL};

/// The free functions.
pub fn free(lx: &Lxcpath, scratch: &Path) -> Table {
    let mut t = Table::new("free", lx, scratch, false);
    for key in [
        String::new(),
        "bogus".into(),
        "lxc.bogus".into(),
        long(),
        "lxc.lxcpath\n".into(),
        " lxc.lxcpath".into(),
        "lxc.lxcpath.".into(),
        "LXC.LXCPATH".into(),
        "lxc.uts.name".into(),
    ] {
        t.free(
            format!("global_config_item({:?})", short(&key)),
            "lxc_get_global_config_item",
            None,
            INVALID,
            move || liblxc::global_config_item(&key),
        );
    }
    t.free(
        "global_config_item with a NUL after a known key",
        "lxc_get_global_config_item",
        None,
        INVALID,
        || liblxc::global_config_item("lxc.lxcpath\0x"),
    );
    for key in [
        String::new(),
        long(),
        "lxc.net.0.type".into(),
        "LXC.UTS.NAME".into(),
        "lxc.uts.name\n".into(),
        "lxc.".into(),
    ] {
        t.free_ok(
            format!("config_item_is_supported({:?})", short(&key)),
            "false",
            is_false,
            move || liblxc::config_item_is_supported(&key),
        );
    }
    t.free(
        "has_api_extension with a NUL",
        "lxc_has_api_extension",
        None,
        INVALID,
        || liblxc::has_api_extension("pid\0fd"),
    );
    for ext in [
        String::new(),
        long(),
        "PIDFD".into(),
        "pidfd ".into(),
        "\u{fffd}".into(),
    ] {
        t.free_ok(
            format!("has_api_extension({:?})", short(&ext)),
            "false",
            is_false,
            move || liblxc::has_api_extension(&ext),
        );
    }

    // Listing with odd lxcpaths.
    let file = scratch.join("a-file");
    std::fs::write(&file, "not a directory").expect("write a-file");
    let weird = scratch.join("weird");
    let bad = weird.join(non_utf8());
    std::fs::create_dir_all(&bad).expect("mkdir weird");
    std::fs::write(bad.join("config"), "lxc.uts.name = weird\n").expect("write config");
    type Names = fn(Option<&Path>) -> liblxc::Result<Vec<String>>;
    type Handles = fn(Option<&Path>) -> liblxc::Result<Vec<Container>>;
    let listings: [(&str, &'static str, Names, Handles); 3] = [
        (
            "defined",
            "list_defined_containers",
            liblxc::defined_container_names,
            liblxc::defined_containers,
        ),
        (
            "active",
            "list_active_containers",
            liblxc::active_container_names,
            liblxc::active_containers,
        ),
        (
            "all",
            "list_all_containers",
            liblxc::all_container_names,
            liblxc::all_containers,
        ),
    ];
    for (what, op, names, handles) in listings {
        t.free(
            format!("{what}_container_names of a path with a NUL"),
            op,
            None,
            INVALID,
            move || names(Some(Path::new(NUL))),
        );
        t.free(
            format!("{what}_containers of a path with a NUL"),
            op,
            None,
            INVALID,
            move || handles(Some(Path::new(NUL))),
        );
    }
    for (what, op, names, handles) in listings {
        for (label, p) in [
            ("an empty lxcpath", PathBuf::new()),
            ("a 64 KiB lxcpath", long_path()),
        ] {
            let p2 = p.clone();
            t.free(
                format!("{what}_container_names of {label}"),
                op,
                None,
                INVALID,
                move || names(Some(&p)),
            );
            t.free(
                format!("{what}_containers of {label}"),
                op,
                None,
                INVALID,
                move || handles(Some(&p2)),
            );
        }
    }
    for (label, p) in [
        ("a missing lxcpath", scratch.join("missing")),
        ("a file as lxcpath", file.clone()),
        ("a non-UTF-8 missing lxcpath", scratch.join(non_utf8())),
    ] {
        let p2 = p.clone();
        t.free_ok(
            format!("active_container_names of {label}"),
            "no names",
            empty_list,
            move || liblxc::active_container_names(Some(&p)),
        );
        t.free_ok(
            format!("active_containers of {label}"),
            "no containers",
            empty_list,
            move || liblxc::active_containers(Some(&p2)),
        );
    }
    let w = weird.clone();
    t.free(
        "defined_container_names of a non-UTF-8 container name",
        "list_defined_containers",
        None,
        &[K::InvalidData],
        move || liblxc::defined_container_names(Some(&w)),
    );
    let w = weird.clone();
    t.free(
        "all_container_names of a non-UTF-8 container name",
        "list_all_containers",
        None,
        &[K::InvalidData],
        move || liblxc::all_container_names(Some(&w)),
    );
    t
}
