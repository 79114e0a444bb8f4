// `Handle` owns one counted reference; a copy would put it twice. Use `Handle::try_clone`.
fn twice(h: lxc::dsl::Handle) -> (lxc::dsl::Handle, lxc::dsl::Handle) {
    (h.clone(), h)
}

fn main() {
    let _ = twice;
}
