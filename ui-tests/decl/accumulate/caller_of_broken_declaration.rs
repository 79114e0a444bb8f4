use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_confg_item, ret = BufString, err = Neg)]
    pub fn config_item(&self, key: &str) -> lxc_core::Result<String>;
}

// Ideally the only error is the macro's: the broken declaration would still declare `config_item`.
fn use_it(c: &MyC) -> lxc_core::Result<String> {
    c.config_item("lxc.uts.name")
}

fn main() {
    let _ = use_it;
}
