//! Errors as values. Shard operations return an [`Error`]; it becomes Redis's
//! exact error bytes only when the reply is written ([`Error::write`]).

use kevy_rt::Args;

/// A command error, written as Redis 7.0 words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The key holds a value of another type.
    WrongType,
    /// An argument or value is not a 64-bit integer.
    NotInteger,
    /// An argument or value is not a float.
    NotFloat,
    /// Unknown or conflicting options.
    Syntax,
    /// INCR/DECR family overflow.
    Overflow,
    /// DECRBY by `i64::MIN`.
    DecrementOverflow,
    /// INCRBYFLOAT produced NaN or an infinity.
    NanOrInfinity,
    /// A bad expire time for the named command.
    InvalidExpire(&'static str),
    /// A string would exceed 512 MB.
    StringTooLong,
    /// A negative SETRANGE offset.
    OffsetOutOfRange,
    /// SELECT of a database that does not exist.
    DbIndexOutOfRange,
    /// An integer argument outside the 32-bit range.
    IntOutOfRange,
    /// Wrong number of arguments for the named command.
    WrongArity(&'static str),
    /// EXPIRE's NX together with XX, GT or LT.
    ExpireNxConflict,
    /// EXPIRE's GT together with LT.
    ExpireGtLtConflict,
    /// EXPIRE with an unknown option: the argument at this index.
    UnsupportedOption(u32),
    /// COMMAND GETKEYS of an unknown command.
    InvalidCommand,
    /// COMMAND GETKEYS of a command without keys.
    NoKeyArguments,
    /// COMMAND GETKEYS with a bad argument count.
    InvalidArgCount,
    /// COMMAND GETKEYS whose arguments do not fit the key specs.
    InvalidArguments,
    /// An error with a fixed text, code included (`ERR no such key`,
    /// `WRONGTYPE …`): for messages only one command family uses.
    Message(&'static str),
    /// A set operation given no input key: the command's full name.
    NeedKeys(&'static str),
}

/// Result of a shard operation.
pub type OpResult<T> = Result<T, Error>;

impl Error {
    /// The fixed message, when the error has one.
    fn message(self) -> Option<&'static str> {
        Some(match self {
            Error::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value",
            Error::NotInteger => "ERR value is not an integer or out of range",
            Error::NotFloat => "ERR value is not a valid float",
            Error::Syntax => "ERR syntax error",
            Error::Overflow => "ERR increment or decrement would overflow",
            Error::DecrementOverflow => "ERR decrement would overflow",
            Error::NanOrInfinity => "ERR increment would produce NaN or Infinity",
            Error::StringTooLong => "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
            Error::OffsetOutOfRange => "ERR offset is out of range",
            Error::DbIndexOutOfRange => "ERR DB index is out of range",
            Error::IntOutOfRange => {
                "ERR value is out of range, value must between -2147483648 and 2147483647"
            }
            Error::ExpireNxConflict => {
                "ERR NX and XX, GT or LT options at the same time are not compatible"
            }
            Error::ExpireGtLtConflict => {
                "ERR GT and LT options at the same time are not compatible"
            }
            Error::InvalidCommand => "ERR Invalid command specified",
            Error::NoKeyArguments => "ERR The command has no key arguments",
            Error::InvalidArgCount => "ERR Invalid number of arguments specified for command",
            Error::InvalidArguments => "ERR Invalid arguments specified for command",
            Error::Message(msg) => msg,
            Error::InvalidExpire(_)
            | Error::WrongArity(_)
            | Error::UnsupportedOption(_)
            | Error::NeedKeys(_) => return None,
        })
    }

    /// Appends the error reply; `args` are the command's arguments (some
    /// messages quote one).
    pub fn write(self, args: Args<'_>, out: &mut Vec<u8>) {
        if let Some(msg) = self.message() {
            return reply(out, msg.as_bytes());
        }
        let mut msg = Vec::with_capacity(64);
        match self {
            Error::InvalidExpire(cmd) => {
                msg.extend_from_slice(b"ERR invalid expire time in '");
                msg.extend_from_slice(cmd.as_bytes());
                msg.extend_from_slice(b"' command");
            }
            Error::WrongArity(cmd) => {
                msg.extend_from_slice(b"ERR wrong number of arguments for '");
                msg.extend_from_slice(cmd.as_bytes());
                msg.extend_from_slice(b"' command");
            }
            Error::UnsupportedOption(i) => {
                msg.extend_from_slice(b"ERR Unsupported option ");
                msg.extend_from_slice(cstr(args.at(i as usize)));
            }
            Error::NeedKeys(cmd) => {
                msg.extend_from_slice(b"ERR at least 1 input key is needed for '");
                msg.extend_from_slice(cmd.as_bytes());
                msg.extend_from_slice(b"' command");
            }
            _ => {}
        }
        write_sanitized(out, &msg);
    }
}

/// Appends an error reply `-msg` (`msg` includes its code, e.g. `ERR
/// syntax error`); also [`resp::error`](super::resp::error).
#[inline]
pub fn reply(out: &mut Vec<u8>, msg: &[u8]) {
    out.reserve(msg.len() + 3);
    out.push(b'-');
    out.extend_from_slice(msg);
    out.extend_from_slice(b"\r\n");
}

/// The bytes of `s` up to its first NUL: what C's `%s` prints of an argument.
#[inline]
pub fn cstr(s: &[u8]) -> &[u8] {
    match memchr::memchr(0, s) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// Appends `-msg` the way Redis's `addReplyErrorFormat` does: CR and LF inside
/// the message become spaces, so user text cannot break the protocol.
pub fn write_sanitized(out: &mut Vec<u8>, msg: &[u8]) {
    out.reserve(msg.len() + 3);
    out.push(b'-');
    out.extend(
        msg.iter()
            .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
    );
    out.extend_from_slice(b"\r\n");
}

/// Appends `s` as C's `%.*s` would with precision `max`: up to the first NUL,
/// at most `max` bytes.
fn push_c(msg: &mut Vec<u8>, s: &[u8], max: usize) {
    let s = cstr(s);
    msg.extend_from_slice(&s[..s.len().min(max)]);
}

/// `EXEC` refused (Redis's `execCommandAbort`): the transaction is
/// discarded and the refusal (a RESP error line) quoted in an
/// `-EXECABORT` error.
pub fn exec_abort(err: &[u8]) -> Vec<u8> {
    let text = err.strip_prefix(b"-").unwrap_or(err);
    [
        b"-EXECABORT Transaction discarded because of: ".as_slice(),
        text,
    ]
    .concat()
}

/// Appends Redis 7.0's unknown-command error: the verb (at most 128 bytes) and
/// the arguments quoted one by one while the list is under 128 bytes, each cut
/// to what still fits.
pub fn unknown_command(args: Args<'_>, out: &mut Vec<u8>) {
    let mut list = Vec::with_capacity(160);
    for arg in args.iter().skip(1) {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push(b'\'');
        push_c(&mut list, arg, room);
        list.extend_from_slice(b"' ");
    }
    let mut msg = Vec::with_capacity(list.len() + 200);
    msg.extend_from_slice(b"ERR unknown command '");
    push_c(&mut msg, args.at(0), 128);
    msg.extend_from_slice(b"', with args beginning with: ");
    msg.extend_from_slice(&list);
    write_sanitized(out, &msg);
}

/// Appends Redis 7.0's unknown-subcommand error (`Try COMMAND HELP.`).
pub fn unknown_subcommand(args: Args<'_>, out: &mut Vec<u8>) {
    let mut msg = Vec::with_capacity(200);
    msg.extend_from_slice(b"ERR unknown subcommand '");
    push_c(&mut msg, args.at(1), 128);
    msg.extend_from_slice(b"'. Try ");
    msg.extend(cstr(args.at(0)).iter().map(u8::to_ascii_uppercase));
    msg.extend_from_slice(b" HELP.");
    write_sanitized(out, &msg);
}
