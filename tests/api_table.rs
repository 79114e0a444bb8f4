//! The API table against the installed header, and the declarations against the API table.
//!
//! - every function-pointer member of `struct lxc_container` in the installed `lxccontainer.h` has a
//!   row, and every row is in the header unless it is newer than the header's liblxc;
//! - every free function of `lxccontainer.h` and `attach_options.h` has a row, and vice versa;
//! - every row is declared in `lxc-decls` with `#[lxc_method]`, skipped with a reason (the variadics),
//!   or listed in `NOT_YET_DECLARED` (which must not list a declared member).

mod common;

use lxc_api as table;
use std::collections::BTreeSet;
use std::path::PathBuf;

use table::{Kind, MEMBERS};

/// Rows not declared yet, each with the reason. Shrinks to nothing as coverage completes.
const NOT_YET_DECLARED: &[(&str, &str)] = &[];

/// Rows bound by hand-written runtime code rather than a declaration, with the reason.
const RUNTIME_BOUND: &[(&str, &str)] = &[
    (
        "lxc_container_get",
        "Container::try_clone, through Handle (refcount)",
    ),
    ("lxc_container_put", "Drop of Handle (refcount)"),
    (
        "lxc_get_version",
        "liblxc::version(), infallible: lxc_core::version::runtime_string reads it once",
    ),
];

fn include_dir() -> PathBuf {
    common::lxc_include_dir()
}

fn header(name: &str) -> String {
    let p = include_dir().join("lxc").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// Function-pointer members of `struct lxc_container` (not of nested structs such as lxc_snapshot).
fn header_members(h: &str) -> BTreeSet<String> {
    let start = h
        .find("struct lxc_container {")
        .expect("struct lxc_container in header");
    let body = &h[start..];
    let end = body.find("\n};").expect("end of struct lxc_container");
    let body = &body[..end];
    let mut out = BTreeSet::new();
    let mut rest = body;
    while let Some(i) = rest.find("(*") {
        let after = &rest[i + 2..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if after[name.len()..].starts_with(")(") {
            out.insert(name);
        }
        rest = after;
    }
    out
}

/// Exported free functions: declarations that start in column 0 and end with `);`.
fn header_functions(h: &str) -> BTreeSet<String> {
    h.lines()
        .filter(|l| !l.starts_with(char::is_whitespace) && !l.starts_with(['#', '/', '*', '}']))
        .filter(|l| l.trim_end().ends_with(");") && !l.starts_with("typedef"))
        .filter_map(|l| {
            let before = &l[..l.find('(')?];
            let name = before
                .rsplit(|c: char| c.is_whitespace() || c == '*')
                .next()?;
            (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .then(|| name.to_string())
        })
        .collect()
}

fn header_version() -> (u32, u32, u32) {
    let v = header("version.h");
    let get = |k: &str| -> u32 {
        v.lines()
            .find_map(|l| l.strip_prefix(&format!("#define {k} ")))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("{k} in version.h"))
    };
    (
        get("LXC_VERSION_MAJOR"),
        get("LXC_VERSION_MINOR"),
        get("LXC_VERSION_MICRO"),
    )
}

#[test]
fn every_header_member_has_a_row_and_back() {
    let h = header("lxccontainer.h");
    let in_header = header_members(&h);
    assert!(
        in_header.len() >= 61,
        "parsed only {} members: {in_header:?}",
        in_header.len()
    );
    let rows: BTreeSet<String> = MEMBERS
        .iter()
        .filter(|m| matches!(m.kind, Kind::Method | Kind::Variadic(_)))
        .map(|m| m.name.to_string())
        .collect();
    let missing: Vec<_> = in_header.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "members of the installed header with no API-table row: {missing:?}"
    );

    let hv = header_version();
    for m in MEMBERS
        .iter()
        .filter(|m| matches!(m.kind, Kind::Method | Kind::Variadic(_)))
    {
        let newer = table::version_triple(m.since) > hv;
        assert_eq!(
            in_header.contains(m.name),
            !newer,
            "row `{}` (since {}) vs a {hv:?} header: a row must be in the header exactly when it is not newer",
            m.name,
            m.since
        );
    }
}

#[test]
fn every_header_function_has_a_row_and_back() {
    let mut in_header = header_functions(&header("lxccontainer.h"));
    in_header.extend(header_functions(&header("attach_options.h")));
    let rows: BTreeSet<String> = MEMBERS
        .iter()
        .filter(|m| matches!(m.kind, Kind::Free | Kind::Callback))
        .map(|m| m.name.to_string())
        .collect();
    assert_eq!(
        in_header, rows,
        "free functions: header (left) vs API table (right)"
    );
    assert_eq!(rows.len(), 15);
}

/// `#[lxc_method(<member>` occurrences in the declarations crate.
fn declared() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lxc-decls/src");
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read lxc-decls/src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let src = std::fs::read_to_string(&p).expect("read source");
            let mut rest = src.as_str();
            while let Some(i) = rest.find("#[lxc_method(") {
                rest = &rest[i + "#[lxc_method(".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if name.starts_with('$') || name.is_empty() {
                    continue;
                }
                out.insert(name);
            }
            // Declarations generated by `listing!` name their member as the macro's first argument.
            let mut rest = src.as_str();
            while let Some(i) = rest.find("\nlisting!(") {
                rest = rest[i + "\nlisting!(".len()..].trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn every_row_is_declared_skipped_or_pending() {
    let declared = declared();
    let pending: BTreeSet<&str> = NOT_YET_DECLARED.iter().map(|(n, _)| *n).collect();
    let runtime: BTreeSet<&str> = RUNTIME_BOUND.iter().map(|(n, _)| *n).collect();
    let mut problems = Vec::new();
    for m in MEMBERS {
        let d = declared.contains(m.name);
        match m.kind {
            Kind::Variadic(_) | Kind::Callback => {
                if d {
                    problems.push(format!(
                        "`{}` is {:?} and must not be declared",
                        m.name, m.kind
                    ));
                }
            }
            Kind::Method | Kind::Free => {
                let p = pending.contains(m.name);
                let r = runtime.contains(m.name);
                match (d, p || r) {
                    (false, false) => problems.push(format!(
                        "`{}` is neither declared nor listed as pending",
                        m.name
                    )),
                    (true, true) => problems.push(format!(
                        "`{}` is declared: remove it from the pending list",
                        m.name
                    )),
                    _ => {}
                }
            }
        }
    }
    for name in &declared {
        if table::find(name).is_none() {
            problems.push(format!("declared `{name}` has no API-table row"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let callable = MEMBERS
        .iter()
        .filter(|m| matches!(m.kind, Kind::Method | Kind::Free))
        .count();
    let skipped = MEMBERS
        .iter()
        .filter(|m| matches!(m.kind, Kind::Variadic(_) | Kind::Callback))
        .count();
    eprintln!(
        "coverage: {} declared, {} bound by the runtime, {} pending, {} skipped (variadic or callback), {} rows",
        declared.len(),
        RUNTIME_BOUND.len(),
        NOT_YET_DECLARED.len(),
        skipped,
        callable + skipped
    );
}

#[test]
fn flag_values_match_the_header() {
    let h = header("lxccontainer.h");
    let value = |name: &str| -> i32 {
        let line = h
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("#define {name} ")))
            .unwrap_or_else(|| panic!("{name} in header"));
        let expr = line.split_whitespace().skip(2).collect::<String>();
        let expr = expr
            .split("/*")
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '(' || c == ')');
        match expr.split_once("<<") {
            Some((a, b)) => a.trim().parse::<i32>().unwrap() << b.trim().parse::<i32>().unwrap(),
            None => expr
                .parse()
                .unwrap_or_else(|_| panic!("cannot read {name} = {expr}")),
        }
    };
    use liblxc::{CloneFlags, CreateFlags};
    assert_eq!(CreateFlags::QUIET.bits(), value("LXC_CREATE_QUIET"));
    assert_eq!(CloneFlags::KEEP_NAME.bits(), value("LXC_CLONE_KEEPNAME"));
    assert_eq!(
        CloneFlags::KEEP_MAC_ADDR.bits(),
        value("LXC_CLONE_KEEPMACADDR")
    );
    assert_eq!(CloneFlags::SNAPSHOT.bits(), value("LXC_CLONE_SNAPSHOT"));
    assert_eq!(
        CloneFlags::KEEP_BDEV_TYPE.bits(),
        value("LXC_CLONE_KEEPBDEVTYPE")
    );
    assert_eq!(
        CloneFlags::MAYBE_SNAPSHOT.bits(),
        value("LXC_CLONE_MAYBE_SNAPSHOT")
    );
    assert_eq!(
        CloneFlags::ALLOW_RUNNING.bits(),
        value("LXC_CLONE_ALLOW_RUNNING")
    );
}

/// The build script compiles each trampoline as `ret (*const f)(args) = c->member;` with `-Werror`.
/// This proves that form rejects a row whose types disagree with the installed header.
#[test]
fn a_wrong_row_fails_the_c_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let compile = |body: &str| -> (bool, String) {
        let src = dir.path().join("t.c");
        std::fs::write(
            &src,
            format!("#include <stdbool.h>\n#include <lxc/lxccontainer.h>\nint t(struct lxc_container *c) {{ {body} return 0; }}\n"),
        )
        .unwrap();
        let out = std::process::Command::new("cc")
            .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
            .arg(format!("-I{}", include_dir().display()))
            .arg(&src)
            .output()
            .expect("run cc");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = compile("int (*const f)(struct lxc_container *, const char *, char *, int) = c->get_config_item; (void)f;");
    assert!(ok, "the right row must compile: {err}");
    let (ok, err) = compile(
        "int (*const f)(struct lxc_container *, const char *) = c->get_config_item; (void)f;",
    );
    assert!(!ok, "a row with a missing argument must not compile");
    assert!(err.contains("incompatible"), "{err}");
    if header_version() < (6, 0, 0) {
        let (ok, _) =
            compile("bool (*const f)(struct lxc_container *, int) = c->set_timeout; (void)f;");
        assert!(!ok, "a member the header lacks must not compile");
    }
}

/// A row's `bytes` names a method that exists, and declares the same member: the `InvalidData`
/// hint of its text getter points at it.
#[test]
fn every_bytes_getter_a_row_names_is_declared_for_that_member() {
    let mut sources = String::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lxc-decls/src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read lxc-decls/src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                sources.push_str(&std::fs::read_to_string(&p).expect("read source"));
            }
        }
    }
    let mut named = 0;
    for m in MEMBERS {
        let Some(getter) = m.bytes else { continue };
        named += 1;
        // `#[lxc_method(<member>)]` or `#[lxc_method(<member>, …)]` right above `pub fn <getter>(`.
        let function = format!(")]\n    pub fn {getter}(");
        let declared = sources.match_indices(&function).any(|(at, _)| {
            let attribute = sources[..at].rsplit('\n').next().unwrap_or("");
            let member = attribute.trim_start().strip_prefix("#[lxc_method(");
            member.is_some_and(|rest| rest == m.name || rest.starts_with(&format!("{},", m.name)))
        });
        assert!(
            declared,
            "row `{}` names `{getter}` as its bytes getter, but no declaration \
             `#[lxc_method({})…] pub fn {getter}(` exists",
            m.name, m.name
        );
    }
    assert_eq!(named, 3, "config items, running config items, cgroup items");
}
