// `Handle` owns one counted reference; a copy would put it twice. Use `Handle::try_clone`.
fn second(h: &lxc_core::Handle) -> lxc_core::Handle {
    h.clone()
}

fn main() {
    let _ = second;
}
