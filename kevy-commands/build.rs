//! Compiles the C shims: the `long double` arithmetic of INCRBYFLOAT
//! (`csrc/ldouble.c`), Redis's double parsing and printing (`csrc/double.c`)
//! and SORT's `strtod` scores (`csrc/strtod.c`).

fn main() {
    println!("cargo:rerun-if-changed=csrc/ldouble.c");
    println!("cargo:rerun-if-changed=csrc/double.c");
    println!("cargo:rerun-if-changed=csrc/strtod.c");
    cc::Build::new()
        .file("csrc/ldouble.c")
        .file("csrc/double.c")
        .file("csrc/strtod.c")
        .opt_level(2)
        .warnings(true)
        .compile("kevy_ldouble");
}
