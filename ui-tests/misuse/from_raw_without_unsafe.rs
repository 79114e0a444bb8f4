// Taking over a raw `struct lxc_container *` is the caller's promise: it needs `unsafe`.
fn adopt(ptr: *mut lxc::raw::LxcContainer) -> lxc::Result<lxc::Container> {
    lxc::Container::from_raw(ptr)
}

fn main() {
    let _ = adopt;
}
