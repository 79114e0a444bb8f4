use liblxc::dsl::AsHandle;
use liblxc::dsl::lxc_method;

struct MyC(liblxc::dsl::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &liblxc::dsl::Handle {
        &self.0
    }
}

impl MyC {
    #[lxc_method(get_confg_item)]
    pub fn config_item(&self, key: &str) -> liblxc::Result<String>;
}

// Ideally the only error is the macro's: the broken declaration would still declare `config_item`.
fn use_it(c: &MyC) -> liblxc::Result<String> {
    c.config_item("lxc.uts.name")
}

fn main() {
    let _ = use_it;
}
