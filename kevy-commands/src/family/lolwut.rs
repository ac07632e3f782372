//! LOLWUT: computer art and the server version, as Redis 7.0 draws it.
//! Without `VERSION` (or with one that has no art) the reply is
//! `Redis ver. 7.0.15`; `VERSION 5` draws Georg Nees's *Schotter* in
//! Braille characters, `VERSION 6` a Plaguemon skyline in terminal grays.
//! Both use the same geometry as Redis, so the parts that do not depend on
//! random numbers (Schotter's first two rows) are byte-identical.

use kevy_rt::Flow;

use super::Local;
use crate::accounting::REDIS_VERSION;
use crate::base::num::parse_i64;
use crate::base::random::next;
use crate::base::resp;

/// A canvas of pixel colors, row by row.
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i32, height: i32, color: u8) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![color; (width.max(0) as usize) * (height.max(0) as usize)],
        }
    }

    /// Sets a pixel; outside the canvas is ignored.
    fn draw(&mut self, x: i32, y: i32, color: u8) {
        if x >= 0 && x < self.width && y >= 0 && y < self.height {
            self.pixels[(x + y * self.width) as usize] = color;
        }
    }

    /// A pixel's color, 0 outside the canvas.
    fn get(&self, x: i32, y: i32) -> u8 {
        if x >= 0 && x < self.width && y >= 0 && y < self.height {
            self.pixels[(x + y * self.width) as usize]
        } else {
            0
        }
    }

    /// Bresenham's line.
    fn line(&mut self, mut x1: i32, mut y1: i32, x2: i32, y2: i32, color: u8) {
        let (dx, dy) = ((x2 - x1).abs(), (y2 - y1).abs());
        let (sx, sy) = (if x1 < x2 { 1 } else { -1 }, if y1 < y2 { 1 } else { -1 });
        let mut err = dx - dy;
        loop {
            self.draw(x1, y1, color);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square centred on `(x, y)`, rotated by `angle` (C's float and
    /// double mix kept: `f32` storage, `f64` arithmetic).
    // Redis divides by the 10-digit constant, not by the exact root of 2.
    #[allow(clippy::approx_constant)]
    fn square(&mut self, x: i32, y: i32, size: f32, angle: f32, color: u8) {
        let size = ((size as f64 / 1.4142135623) as f32 as f64).round() as f32;
        let mut k = (std::f64::consts::PI / 4.0 + angle as f64) as f32;
        let (mut px, mut py) = ([0i32; 4], [0i32; 4]);
        for j in 0..4 {
            px[j] = ((k as f64).sin() * size as f64 + x as f64).round() as i32;
            py[j] = ((k as f64).cos() * size as f64 + y as f64).round() as i32;
            k = (k as f64 + std::f64::consts::PI / 2.0) as f32;
        }
        for j in 0..4 {
            self.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
        }
    }
}

/// A random number in `[0, 1]` (C's `rand() / RAND_MAX`).
fn unit() -> f32 {
    (next() >> 40) as f32 / ((1u64 << 24) - 1) as f32
}

/// Schotter: rows of squares, more disordered further down.
fn schotter(cols: i32, per_row: i32, per_col: i32) -> Canvas {
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32 + (padding * 2) as f32) as i32;
    let mut canvas = Canvas::new(width, height, 0);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut angle = 0.0;
            if y > 1 {
                let scale = |r: f32| r / per_col as f32 * y as f32;
                let mut r = [scale(unit()), scale(unit()), scale(unit())];
                for v in &mut r {
                    if next() % 2 == 1 {
                        *v = -*v;
                    }
                }
                angle = r[0];
                sx = (sx as f32 + r[1] * side / 3.0) as i32;
                sy = (sy as f32 + r[2] * side / 3.0) as i32;
            }
            canvas.square(sx, sy, side, angle, 1);
        }
    }
    canvas
}

/// Schotter as Braille characters (2x4 pixels each).
fn braille(canvas: &Canvas, out: &mut Vec<u8>) {
    const DOTS: [(i32, i32); 8] = [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (0, 3),
        (1, 3),
    ];
    let mut y = 0;
    while y < canvas.height {
        let mut x = 0;
        while x < canvas.width {
            let mut byte = 0u32;
            for (bit, (dx, dy)) in DOTS.iter().enumerate() {
                if canvas.get(x + dx, y + dy) != 0 {
                    byte |= 1 << bit;
                }
            }
            let code = 0x2800 + byte;
            out.extend_from_slice(&[
                0xE0 | (code >> 12) as u8,
                0x80 | ((code >> 6) & 0x3F) as u8,
                0x80 | (code & 0x3F) as u8,
            ]);
            x += 2;
        }
        if y != canvas.height - 1 {
            out.push(b'\n');
        }
        y += 4;
    }
}

/// One skyscraper of the skyline.
struct Tower {
    xoff: i32,
    width: i32,
    height: i32,
    windows: bool,
    color: u8,
}

fn rand_below(n: i32) -> i32 {
    if n <= 0 {
        0
    } else {
        (next() % n as u64) as i32
    }
}

fn tower(canvas: &mut Canvas, t: &Tower) {
    let starty = canvas.height - 1;
    let endy = starty - t.height + 1;
    let mut y = starty;
    while y >= endy {
        for x in t.xoff..t.xoff + t.width {
            if y == endy && (x <= t.xoff + 1 || x >= t.xoff + t.width - 2) {
                continue;
            }
            let mut color = t.color;
            if t.windows
                && x > t.xoff + 1
                && x < t.xoff + t.width - 2
                && y > endy + 1
                && y < starty - 1
            {
                let relx = x - (t.xoff + 1);
                let rely = y - (endy + 1);
                if (relx / 2) % 2 != 0 && rely % 2 != 0 {
                    loop {
                        color = 1 + rand_below(2) as u8;
                        if color != t.color {
                            break;
                        }
                    }
                    if relx % 2 != 0 {
                        color = canvas.get(x - 1, y);
                    }
                }
            }
            canvas.draw(x, y, color);
        }
        y -= 1;
    }
}

/// The skyline: two gray backgrounds, then black towers with windows.
fn skyline(canvas: &mut Canvas) {
    let h = canvas.height;
    for color in [2u8, 1] {
        let mut offset = -10;
        while offset < canvas.width {
            offset += rand_below(8);
            let width = 10 + rand_below(9);
            let height = if color == 2 {
                h / 2 + rand_below(h) / 2
            } else {
                h / 2 + rand_below(h) / 3
            };
            let t = Tower {
                xoff: offset,
                width,
                height,
                windows: false,
                color,
            };
            tower(canvas, &t);
            offset += if color == 2 { width / 2 } else { width + 1 };
        }
    }
    let mut offset = -10;
    while offset < canvas.width {
        offset += rand_below(8);
        let mut width = 5 + rand_below(14);
        if width % 4 != 0 {
            width += width % 3;
        }
        let t = Tower {
            xoff: offset,
            width,
            height: h / 3 + rand_below(h) / 2,
            windows: true,
            color: 0,
        };
        tower(canvas, &t);
        offset += width + 5;
    }
}

/// The skyline in the four grays of a color terminal.
fn grays(canvas: &Canvas, out: &mut Vec<u8>) {
    for y in 0..canvas.height {
        for x in 0..canvas.width {
            let ce: &[u8] = match canvas.get(x, y) {
                1 => b"0;90;100m",
                2 => b"0;37;47m",
                3 => b"0;97;107m",
                _ => b"0;30;40m",
            };
            out.extend_from_slice(b"\x1b[");
            out.extend_from_slice(ce);
            out.extend_from_slice(b" \x1b[0m");
        }
        if y != canvas.height - 1 {
            out.push(b'\n');
        }
    }
}

/// An optional integer argument clamped to `lo..=hi`, or the
/// not-an-integer error.
fn arg(c: &Local<'_>, i: usize, default: i64, lo: i64, hi: i64) -> Result<i32, ()> {
    if i >= c.args.len() {
        return Ok(default as i32);
    }
    parse_i64(c.args.at(i))
        .map(|n| n.clamp(lo, hi) as i32)
        .ok_or(())
}

/// LOLWUT [VERSION version] [version-specific arguments …]
pub fn lolwut(c: &mut Local<'_>) -> Flow {
    let mut first = 1;
    let mut version = None;
    if c.args.len() >= 3 && c.args.at(1).eq_ignore_ascii_case(b"version") {
        match parse_i64(c.args.at(2)) {
            // Redis formats the number as `%u.0.0` and reads its first digits.
            Some(v) => version = Some(format!("{}.0.0", v as u32)),
            None => {
                resp::error(c.out, b"ERR value is not an integer or out of range");
                return Flow::Continue;
            }
        }
        first = 3;
    }
    let v = version.as_deref().unwrap_or(REDIS_VERSION).as_bytes();
    let is = |major: u8, minor_nine: bool| {
        v.len() >= 3 && v[0] == major && v[1] == b'.' && (v[2] == b'9') == minor_nine
    };
    let mut text = Vec::new();
    // Arguments after VERSION n are numbered from 1, as Redis shifts argv.
    let at = |i: usize| first - 1 + i;
    if is(b'5', false) || is(b'4', true) {
        let (Ok(cols), Ok(row), Ok(col)) = (
            arg(c, at(1), 66, 1, 1000),
            arg(c, at(2), 8, 1, 200),
            arg(c, at(3), 12, 1, 200),
        ) else {
            resp::error(c.out, b"ERR value is not an integer or out of range");
            return Flow::Continue;
        };
        braille(&schotter(cols, row, col), &mut text);
        text.extend_from_slice(b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ");
    } else if is(b'6', false) || is(b'5', true) {
        let (Ok(cols), Ok(rows)) = (arg(c, at(1), 80, 1, 1000), arg(c, at(2), 20, 1, 1000)) else {
            resp::error(c.out, b"ERR value is not an integer or out of range");
            return Flow::Continue;
        };
        let mut canvas = Canvas::new(cols, rows, 3);
        skyline(&mut canvas);
        grays(&canvas, &mut text);
        text.extend_from_slice(
            b"\nDedicated to the 8 bit game developers of past and present.\n\
              Original 8 bit image from Plaguemon by hikikomori. Redis ver. ",
        );
    } else {
        text.extend_from_slice(b"Redis ver. ");
    }
    text.extend_from_slice(REDIS_VERSION.as_bytes());
    text.push(b'\n');
    resp::verbatim(c.out, &text);
    Flow::Continue
}

#[cfg(test)]
mod tests {
    use crate::testutil::{inline, run};

    fn text(reply: &[u8]) -> String {
        // `$len\r\n…\r\n`: the body.
        let s = String::from_utf8(reply.to_vec()).expect("utf-8 art");
        let body = s.split_once("\r\n").expect("bulk header").1;
        body.strip_suffix("\r\n").expect("bulk end").to_string()
    }

    #[test]
    fn the_skyline_fills_its_canvas() {
        let mut h = inline();
        let art = text(&run(&mut h, &["LOLWUT", "VERSION", "6", "12", "7"]));
        let lines: Vec<&str> = art.lines().collect();
        assert_eq!(lines.len(), 7 + 2, "{art}");
        for row in &lines[..7] {
            assert_eq!(row.matches("\x1b[0m").count(), 12, "{row:?}");
        }
        assert_eq!(
            lines[8],
            "Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15"
        );
    }

    #[test]
    fn schotter_draws_every_row_of_squares() {
        let mut h = inline();
        let art = text(&run(&mut h, &["LOLWUT", "VERSION", "5", "20", "4", "6"]));
        let lines: Vec<&str> = art.lines().collect();
        // Height: side 9 px (36 / 4) times 6 rows plus padding, 4 px a
        // line: 15 lines, then (as in Redis, the height not being 4n + 1)
        // an empty line before the caption.
        assert_eq!(lines.len(), 15 + 2, "{art}");
        assert!(lines[..15].iter().all(|l| l.chars().count() == 20));
        assert_eq!(lines[15], "");
        assert!(art
            .chars()
            .any(|c| c != '\u{2800}' && ('\u{2801}'..='\u{28ff}').contains(&c)));
    }
}
