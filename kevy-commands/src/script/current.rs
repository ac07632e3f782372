//! The run in progress on this thread, as the `redis.call` and
//! `redis.setresp` hooks reach it. The hooks are Lua functions made once
//! per interpreter ([`bind`]); they find the run through a thread-local
//! pointer set only while the run is ([`enter`]). Scoped functions made
//! for each run cost two closures, two userdata and their metatables per
//! run, made, destroyed and then collected (callgrind, EVALSHA of one
//! `INCR`: about a sixth of the run).

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use kevy_rt::Args;
use mlua::{Lua, MultiValue, Value};

use super::run::{self, Env};

/// What the hooks need of a run.
pub(crate) struct Run<'r, 'm, 'e> {
    /// The run's environment.
    pub cell: &'r RefCell<&'m mut Env<'e>>,
    /// The script's SHA1 or the function's name (for the busy log).
    pub label: &'r str,
    /// The command's arguments (for the busy log).
    pub args: Args<'r>,
}

thread_local! {
    /// The current run (a `*const Run`), null between runs.
    static CURRENT: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
}

/// Makes `run` this thread's current run until the guard drops (then the
/// one before, if any, is current again).
pub(crate) fn enter<'a>(run: &'a Run<'_, '_, '_>) -> Guard<'a> {
    let prev = CURRENT.with(|c| c.replace(run as *const Run<'_, '_, '_> as *const ()));
    Guard {
        prev,
        _run: PhantomData,
    }
}

/// Keeps a run current (see [`enter`]); cannot outlive it.
pub(crate) struct Guard<'a> {
    prev: *const (),
    _run: PhantomData<&'a ()>,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// Calls `f` with the current run; an error outside any run.
fn with_run<R>(f: impl FnOnce(&Run<'_, '_, '_>) -> mlua::Result<R>) -> mlua::Result<R> {
    let p = CURRENT.with(|c| c.get());
    if p.is_null() {
        return Err(mlua::Error::RuntimeError(
            "kevy: no script is running".into(),
        ));
    }
    // SAFETY: a non-null `p` was stored by `enter` from a `&Run` that is
    // still alive: the `Guard` borrowing it resets `CURRENT` when it
    // drops, and it drops no later than the `Run` (its lifetime is the
    // borrow's). The hooks run on this thread only (`CURRENT` is
    // thread-local), from Lua code the run's own frame is executing, so
    // the `Run` and everything it borrows outlive this call. Only shared
    // references are made here; the environment is reached through its
    // `RefCell`, which checks its borrows.
    let run = unsafe { &*(p as *const Run<'_, '_, '_>) };
    f(run)
}

/// Puts the hooks in the interpreter's hooks table under `names`
/// (`call`, `setresp`): once per interpreter.
pub(crate) fn bind(
    lua: &Lua,
    hooks: &mlua::Table,
    names: &[mlua::LuaString; 2],
) -> mlua::Result<()> {
    hooks.raw_set(
        &names[0],
        lua.create_function(|lua, (raise, rest): (bool, MultiValue)| {
            with_run(|run| {
                if matches!(rest.front(), Some(Value::LightUserData(p)) if p.0.is_null()) {
                    // The instruction hook's look at the run (no script
                    // can pass a light userdata).
                    let stop = run::busy_check(run.cell, run.label, run.args);
                    return Ok(MultiValue::from_iter([Value::Boolean(stop)]));
                }
                run.cell.borrow_mut().call(lua, raise, rest)
            })
        })?,
    )?;
    hooks.raw_set(
        &names[1],
        lua.create_function(|lua, a: MultiValue| {
            with_run(|run| run::setresp(&mut run.cell.borrow_mut(), lua, a))
        })?,
    )
}
