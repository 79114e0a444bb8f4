// Taking over a raw `struct lxc_container *` is the caller's promise: it needs `unsafe`.
fn adopt(ptr: *mut liblxc::raw::LxcContainer) -> liblxc::Result<liblxc::Container> {
    liblxc::Container::from_raw(ptr)
}

fn main() {
    let _ = adopt;
}
