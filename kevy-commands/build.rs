//! Compiles the C shims: the `long double` arithmetic of INCRBYFLOAT
//! (`csrc/ldouble.c`) and Redis's double parsing and printing (`csrc/double.c`).

fn main() {
    println!("cargo:rerun-if-changed=csrc/ldouble.c");
    println!("cargo:rerun-if-changed=csrc/double.c");
    cc::Build::new()
        .file("csrc/ldouble.c")
        .file("csrc/double.c")
        .opt_level(2)
        .warnings(true)
        .compile("kevy_ldouble");
}
