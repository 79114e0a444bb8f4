use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_config_item, ret = BufString, err = Null)]
    pub fn config_item(&self, key: &str) -> lxc_core::Result<String>;
}

fn main() {}
