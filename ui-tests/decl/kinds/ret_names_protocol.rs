use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_config_item, ret = BufString)]
    pub fn config_item(&self, key: &str) -> liblxc::Result<String>;
}

fn main() {}
