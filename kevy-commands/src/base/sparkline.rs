//! ASCII sparklines, as Redis's `sparkline.c` draws them (for `LATENCY
//! GRAPH`): a sequence of labelled samples rendered over a few rows of
//! `_o#` (filled) or `_-`` ` characters, each row covering three steps of
//! the range between the sequence's minimum and maximum, the labels written
//! vertically below, and long sequences cut into blocks of `columns`.

/// Characters of a plain sparkline, lowest first.
const CHARSET: &[u8] = b"_-`";
/// Characters of a filled sparkline, lowest first (`|` fills below).
const CHARSET_FILL: &[u8] = b"_o#";
/// Blank rows between the chart and the labels.
const LABEL_MARGIN_TOP: usize = 1;

/// How to draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Fill below the line (`SPARKLINE_FILL`).
    pub fill: bool,
    /// Logarithmic scale (`SPARKLINE_LOG_SCALE`).
    pub log_scale: bool,
}

/// A sequence of samples to draw (Redis's `struct sequence`).
#[derive(Clone, Debug, Default)]
pub struct Sequence {
    samples: Vec<(f64, Option<String>)>,
    min: f64,
    max: f64,
    labels: usize,
}

impl Sequence {
    /// An empty sequence.
    pub fn new() -> Sequence {
        Sequence::default()
    }

    /// Samples so far.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Adds a sample with an optional label (an empty label is none).
    pub fn add(&mut self, value: f64, label: Option<&str>) {
        let label = label.filter(|l| !l.is_empty()).map(str::to_string);
        if self.samples.is_empty() {
            self.min = value;
            self.max = value;
        } else if value < self.min {
            self.min = value;
        } else if value > self.max {
            self.max = value;
        }
        if label.is_some() {
            self.labels += 1;
        }
        self.samples.push((value, label));
    }

    /// Appends the sequence drawn over `rows` rows, in blocks of at most
    /// `columns` samples separated by a blank line (`sparklineRender`).
    pub fn render(&self, out: &mut Vec<u8>, columns: usize, rows: usize, style: Style) {
        let columns = columns.max(1);
        for (i, start) in (0..self.samples.len()).step_by(columns).enumerate() {
            if i != 0 {
                out.push(b'\n');
            }
            let len = columns.min(self.samples.len() - start);
            self.render_range(out, rows, start, len, style);
        }
    }

    /// One block (`sparklineRenderRange`).
    fn render_range(
        &self,
        out: &mut Vec<u8>,
        rows: usize,
        offset: usize,
        len: usize,
        style: Style,
    ) {
        let charset_len = CHARSET.len() as i64;
        let mut relmax = self.max - self.min;
        if style.log_scale {
            relmax = (relmax + 1.0).ln();
        } else if relmax == 0.0 {
            relmax = 1.0;
        }
        let steps = charset_len * rows as i64;
        let mut chars = vec![b' '; len];
        let mut row = 0usize;
        loop {
            let mut more = false;
            chars.fill(b' ');
            for (j, c) in chars.iter_mut().enumerate() {
                let (value, label) = &self.samples[j + offset];
                let mut relval = value - self.min;
                if style.log_scale {
                    relval = (relval + 1.0).ln();
                }
                // C: `step = (int) (relval*steps)/relmax;`
                let step = (((relval * steps as f64) as i32 as f64) / relmax) as i64;
                let step = step.clamp(0, steps - 1);
                if row < rows {
                    more = true;
                    let charidx = step - (rows - row - 1) as i64 * charset_len;
                    if (0..charset_len).contains(&charidx) {
                        let set = if style.fill { CHARSET_FILL } else { CHARSET };
                        *c = set[charidx as usize];
                    } else if style.fill && charidx >= charset_len {
                        *c = b'|';
                    }
                } else {
                    // The blank line between chart and labels.
                    if self.labels > 0 && row - rows < LABEL_MARGIN_TOP {
                        more = true;
                        break;
                    }
                    if let Some(label) = label {
                        let at = row - rows - LABEL_MARGIN_TOP;
                        if let Some(&b) = label.as_bytes().get(at) {
                            more = true;
                            *c = b;
                        }
                    }
                }
            }
            if !more {
                break;
            }
            row += 1;
            out.extend_from_slice(&chars);
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(values: &[(f64, &str)], columns: usize, style: Style) -> String {
        let mut seq = Sequence::new();
        for (v, l) in values {
            seq.add(*v, Some(l));
        }
        let mut out = Vec::new();
        seq.render(&mut out, columns, 4, style);
        String::from_utf8(out).expect("ASCII")
    }

    const FILL: Style = Style {
        fill: true,
        log_scale: false,
    };

    #[test]
    fn one_sample_sits_on_the_floor() {
        assert_eq!(draw(&[(5.0, "3s")], 80, FILL), " \n \n \n_\n \n3\ns\n");
    }

    #[test]
    fn steps_climb_the_rows() {
        // 12 steps over 4 rows: 0 → '_' in the bottom row, 11 → '#' on top
        // with '|' below.
        let v: Vec<(f64, &str)> = (0..12).map(|i| (i as f64, "x")).collect();
        let got = draw(&v, 80, FILL);
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], "         _o#");
        assert_eq!(lines[1], "      _o#|||");
        assert_eq!(lines[2], "   _o#||||||");
        assert_eq!(lines[3], "_o#|||||||||");
        assert_eq!(lines[4], "            ");
        assert_eq!(lines[5], "xxxxxxxxxxxx");
        assert_eq!(lines.len(), 6);
        let plain = draw(&v, 80, Style::default());
        assert_eq!(plain.lines().next(), Some("         _-`"));
        assert_eq!(plain.lines().nth(3), Some("_-`         "));
    }

    #[test]
    fn long_sequences_wrap_in_blocks() {
        let v: Vec<(f64, &str)> = (0..5).map(|i| (i as f64, "ab")).collect();
        let got = draw(&v, 3, FILL);
        let blocks: Vec<&str> = got.split("\n\n").collect();
        // Two blocks of 3 and 2 columns, each with chart, margin and labels.
        assert!(got.starts_with("   \n"), "{got:?}");
        assert_eq!(got.matches("aaa\nbbb\n").count(), 1, "{got:?}");
        assert!(got.ends_with("aa\nbb\n"), "{got:?}");
        assert!(blocks.len() >= 2);
    }
}
