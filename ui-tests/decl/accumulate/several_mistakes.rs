use lxc_core::__private::AsHandle;
use lxc_macros::lxc_method;

struct MyC(lxc_core::Handle);

impl AsHandle for MyC {
    fn handle(&self) -> &lxc_core::Handle {
        &self.0
    }
}

impl MyC {
    // Three mistakes in one declaration: a misspelt kind, a wrong `since`, a missing argument.
    #[lxc_method(set_config_item, ret = Unt, err = False, since = "6.0.0")]
    pub fn set_config_item(&self, key: &str) -> lxc_core::Result<()>;

    // One in each of the next two.
    #[lxc_method(get_confg_item, ret = BufString, err = Neg)]
    pub fn config_item(&self, key: &str) -> lxc_core::Result<String>;

    #[lxc_method(freeze, ret = Unit, err = False)]
    pub fn freeze(&mut self) -> lxc_core::Result<()>;
}

fn main() {}
