//! The display list: runs of glyphs, drawing operations, line wrapping that keeps every
//! character, and the builder of a block (a piece of a page never split).

use super::*;

/// A piece of a line: glyphs to show, or a character drawn without a glyph of its own.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Run {
    Glyphs(Vec<u16>),
    Char(char),
}

/// A drawing operation; `y` grows downwards from the top of the block (or page).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A line of text whose baseline is at `y`.
    Text {
        font: FontId,
        size: f32,
        x: f32,
        y: f32,
        gray: f32,
        runs: Vec<Run>,
    },
    /// The start of a signed text.
    BeginText {
        section: String,
        key: String,
        index: usize,
    },
    /// The end of a signed text.
    EndText,
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// A horizontal rule.
    Rule { x: f32, y: f32, w: f32, gray: f32 },
    /// The number of the block's entry in the page seal, written at the end of a line.
    SealNumber { x: f32, y: f32 },
}

pub(crate) fn runs_of(font: &FontData, text: &str) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut glyphs = Vec::new();
    for c in text.chars() {
        match font.glyph(c) {
            Some(g) => glyphs.push(g),
            None => {
                if !glyphs.is_empty() {
                    runs.push(Run::Glyphs(std::mem::take(&mut glyphs)));
                }
                runs.push(Run::Char(c));
            }
        }
    }
    if !glyphs.is_empty() {
        runs.push(Run::Glyphs(glyphs));
    }
    runs
}

/// One wrapped line: the exact characters it holds (its trailing blanks included).
pub(crate) struct Line {
    pub(crate) text: String,
    /// Whether a line break character ends it (drawn as a marked point).
    pub(crate) newline: Option<char>,
}

/// Wraps `text` to `width`, keeping every character: concatenating the lines (and their line
/// break characters) gives `text` back exactly.
pub(crate) fn wrap(font: &FontData, size: f32, text: &str, width: f32) -> Vec<Line> {
    let mut out = Vec::new();
    let mut paragraphs = text.split_inclusive(['\n', '\r']).peekable();
    if paragraphs.peek().is_none() {
        return vec![Line {
            text: String::new(),
            newline: None,
        }];
    }
    for para in paragraphs {
        let (body, newline) = match para.chars().last() {
            Some(c @ ('\n' | '\r')) => (&para[..para.len() - c.len_utf8()], Some(c)),
            _ => (para, None),
        };
        let mut lines = wrap_paragraph(font, size, body, width);
        if let Some(last) = lines.last_mut() {
            last.newline = newline;
        }
        out.append(&mut lines);
    }
    out
}

pub(crate) fn wrap_paragraph(font: &FontData, size: f32, text: &str, width: f32) -> Vec<Line> {
    // Units: a word and the blanks after it.
    let mut units: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut in_blank = false;
    for (i, c) in text.char_indices() {
        let blank = c == ' ' || c == '\t';
        if !blank && in_blank {
            units.push(&text[start..i]);
            start = i;
        }
        in_blank = blank;
    }
    units.push(&text[start..]);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for unit in units {
        let word = unit.trim_end_matches([' ', '\t']);
        let word_w = font.width(word, size);
        let unit_w = font.width(unit, size);
        if line_w + word_w <= width || line.is_empty() && word_w <= width {
            line.push_str(unit);
            line_w += unit_w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_w = 0.0;
        }
        if word_w <= width {
            line.push_str(unit);
            line_w = unit_w;
            continue;
        }
        // A word wider than the line: cut it between characters.
        for c in unit.chars() {
            let w = font.char_width(c, size);
            if line_w + w > width && !line.is_empty() && c != ' ' && c != '\t' {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            line.push(c);
            line_w += w;
        }
    }
    lines.push(line);
    lines
        .into_iter()
        .map(|text| Line {
            text,
            newline: None,
        })
        .collect()
}

/// Builds the operations of one block, top to bottom.
pub(crate) struct Builder<'f> {
    pub(crate) fonts: &'f Fonts,
    pub(crate) ops: Vec<Op>,
    pub(crate) y: f32,
}

impl<'f> Builder<'f> {
    pub(crate) fn new(fonts: &'f Fonts) -> Builder<'f> {
        Builder {
            fonts,
            ops: Vec::new(),
            y: 0.0,
        }
    }

    pub(crate) fn line_height(size: f32) -> f32 {
        size * 1.28
    }

    /// One line of text at `x` (no wrapping), without moving down.
    pub(crate) fn text_at(
        &mut self,
        font: FontId,
        size: f32,
        x: f32,
        gray: f32,
        text: &str,
    ) -> f32 {
        let f = self.fonts.get(font);
        let baseline = self.y + f.ascent() * size;
        self.ops.push(Op::Text {
            font,
            size,
            x,
            y: baseline,
            gray,
            runs: runs_of(f, text),
        });
        f.width(text, size)
    }

    /// One line of text, then down one line.
    pub(crate) fn line(&mut self, font: FontId, size: f32, x: f32, gray: f32, text: &str) {
        self.text_at(font, size, x, gray, text);
        self.y += Self::line_height(size);
    }

    /// A wrapped paragraph; when `tag` is given, its exact characters are marked as that
    /// signed text.
    pub(crate) fn paragraph(
        &mut self,
        font: FontId,
        size: f32,
        x: f32,
        width: f32,
        text: &str,
        tag: Option<(&str, &str, usize)>,
    ) {
        let f = self.fonts.get(font);
        if let Some((section, key, index)) = tag {
            self.ops.push(Op::BeginText {
                section: section.to_string(),
                key: key.to_string(),
                index,
            });
        }
        for l in wrap(f, size, text, width) {
            let mut runs = runs_of(f, &l.text);
            if let Some(c) = l.newline {
                runs.push(Run::Char(c));
            }
            let baseline = self.y + f.ascent() * size;
            self.ops.push(Op::Text {
                font,
                size,
                x,
                y: baseline,
                gray: 0.0,
                runs,
            });
            self.y += Self::line_height(size);
        }
        if tag.is_some() {
            self.ops.push(Op::EndText);
        }
    }

    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    pub(crate) fn rule(&mut self, gray: f32) {
        self.ops.push(Op::Rule {
            x: LEFT,
            y: self.y,
            w: WIDTH,
            gray,
        });
    }

    /// The signature line of an entry: author, date, number in the page seal.
    pub(crate) fn signed_by(&mut self, e: &Prepared) {
        let who = e
            .author_name
            .clone()
            .unwrap_or_else(|| "auteur inconnu de l'appareil".into());
        let text = format!("Signé par {who} (clé {}…) le {}", &e.author_short, e.date);
        let w = self.text_at(FontId::Regular, 7.0, LEFT, GREY, &text);
        self.ops.push(Op::SealNumber {
            x: LEFT + w + 4.0,
            y: self.y + self.fonts.regular.ascent() * 7.0,
        });
        self.y += Self::line_height(7.0);
    }

    pub(crate) fn finish(
        self,
        entry: Option<usize>,
        group: Option<usize>,
        keep_with_next: bool,
    ) -> Block {
        Block {
            height: self.y,
            ops: self.ops,
            entry,
            group,
            keep_with_next,
        }
    }
}

/// A piece of a page that is never split.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub(crate) height: f32,
    pub(crate) ops: Vec<Op>,
    pub(crate) entry: Option<usize>,
    pub(crate) group: Option<usize>,
    pub(crate) keep_with_next: bool,
}
