//! Compiles the `long double` shim used by INCRBYFLOAT (see `csrc/ldouble.c`).

fn main() {
    println!("cargo:rerun-if-changed=csrc/ldouble.c");
    cc::Build::new()
        .file("csrc/ldouble.c")
        .opt_level(2)
        .warnings(true)
        .compile("kevy_ldouble");
}
