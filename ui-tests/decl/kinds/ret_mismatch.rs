use lxc::dsl::AsHandle;
use lxc::dsl::lxc_method;

struct MyC(lxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_keys, ret = Vec<String>)]
    pub fn keys(&self, prefix: Option<&str>) -> lxc::Result<String>;
}

fn main() {}
