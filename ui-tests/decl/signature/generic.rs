use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_config_item)]
    pub fn config_item<K: AsRef<str>>(&self, key: K) -> lxc::Result<String>;
}

fn main() {}
