//! Writing the PDF: subset CID fonts with their ToUnicode maps, the pages' content streams
//! with the marked-content sequences of the signed texts.

use super::*;

pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A subset tag (six upper-case letters) derived from the glyphs used.
pub(crate) fn subset_tag(glyphs: &BTreeMap<u16, char>, salt: u8) -> String {
    let mut h: u32 = 2_166_136_261 ^ u32::from(salt);
    for g in glyphs.keys() {
        for b in g.to_be_bytes() {
            h ^= u32::from(b);
            h = h.wrapping_mul(16_777_619);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

pub(crate) struct EmbeddedFont {
    pub(crate) type0: Ref,
    pub(crate) remap: BTreeMap<u16, u16>,
}

pub(crate) fn embed_font(
    pdf: &mut Pdf,
    next: &mut impl FnMut() -> Ref,
    font: &FontData,
    base: &str,
    salt: u8,
) -> Result<EmbeddedFont, PdfError> {
    let used = font.used.borrow().clone();
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut remap = BTreeMap::new();
    for gid in used.keys() {
        remap.insert(*gid, remapper.remap(*gid));
    }
    let subset = subsetter::subset(font.bytes, 0, &remapper)
        .map_err(|e| PdfError::Font(format!("{e:?}")))?;
    let name = format!("{}+{base}", subset_tag(&used, salt));
    let (type0, cid, descriptor, file, cmap) = (next(), next(), next(), next(), next());
    let info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let scale = 1000.0 / font.upem;
    let mut widths: Vec<f32> = vec![0.0; usize::from(remapper.num_gids())];
    for (old, new) in &remap {
        if let Some(w) = widths.get_mut(usize::from(*new)) {
            *w = font.advance(*old) * 1000.0;
        }
    }
    let notdef_w = font.advance(0) * 1000.0;
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(info)
        .font_descriptor(descriptor)
        .default_width(notdef_w)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();
    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * scale)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(1409)) * scale)
        .stem_v(if salt == 0 { 80.0 } else { 140.0 })
        .font_file2(file);
    let compressed = deflate(&subset);
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );
    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Livret-UTF16"), info);
    for (old, c) in &used {
        if let Some(new) = remap.get(old) {
            map.pair(*new, *c);
        }
    }
    let data = map.finish();
    pdf.cmap(cmap, &data)
        .name(Name(b"Livret-UTF16"))
        .system_info(info);
    Ok(EmbeddedFont { type0, remap })
}

pub(crate) fn write_pdf(
    fonts: &Fonts,
    paper: &PaperLivret,
    pages: &[Vec<Op>],
) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let mut counter = 0;
    let mut next = move || {
        counter += 1;
        Ref::new(counter)
    };
    let catalog = next();
    let tree = next();
    let info = next();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next(), next())).collect();
    let regular = embed_font(&mut pdf, &mut next, &fonts.regular, "LiberationSans", 0)?;
    let bold = embed_font(&mut pdf, &mut next, &fonts.bold, "LiberationSans-Bold", 1)?;

    pdf.catalog(catalog).pages(tree).lang(TextStr("fr-FR"));
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    let title = match &paper.name {
        Some(n) => format!("Livret scolaire — {n}"),
        None => "Livret scolaire".into(),
    };
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("livret"))
        .producer(TextStr("livret (pdf-writer)"));

    for ((page_id, content_id), ops) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_id);
        page.resources()
            .fonts()
            .pair(Name(b"F1"), regular.type0)
            .pair(Name(b"F2"), bold.type0);
        page.finish();
        let content = page_content(ops, &regular, &bold);
        pdf.stream(*content_id, &deflate(&content))
            .filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

pub(crate) fn page_content(ops: &[Op], regular: &EmbeddedFont, bold: &EmbeddedFont) -> Vec<u8> {
    let mut c = pdf_writer::Content::new();
    for op in ops {
        match op {
            Op::Fill { x, y, w, h, gray } => {
                c.set_fill_gray(*gray);
                c.rect(*x, PAGE_HEIGHT - y - h, *w, *h);
                c.fill_nonzero();
            }
            Op::Rule { x, y, w, gray } => {
                c.set_stroke_gray(*gray);
                c.set_line_width(0.6);
                c.move_to(*x, PAGE_HEIGHT - y);
                c.line_to(x + w, PAGE_HEIGHT - y);
                c.stroke();
            }
            Op::BeginText {
                section,
                key,
                index,
            } => {
                let mut mc = c.begin_marked_content_with_properties(Name(TEXT_TAG));
                let mut props = mc.properties();
                props.pair(Name(b"Section"), Str(section.as_bytes()));
                props.pair(Name(b"Cle"), Str(key.as_bytes()));
                props.pair(Name(b"Texte"), i32::try_from(*index).unwrap_or(0));
            }
            Op::EndText => {
                c.end_marked_content();
            }
            Op::Text {
                font,
                size,
                x,
                y,
                gray,
                runs,
            } => {
                let (name, embedded) = match font {
                    FontId::Regular => (Name(b"F1"), regular),
                    FontId::Bold => (Name(b"F2"), bold),
                };
                c.begin_text();
                c.set_fill_gray(*gray);
                c.set_font(name, *size);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, PAGE_HEIGHT - y]);
                for run in runs {
                    match run {
                        Run::Glyphs(gids) => {
                            let bytes: Vec<u8> = gids
                                .iter()
                                .flat_map(|g| {
                                    embedded.remap.get(g).copied().unwrap_or(0).to_be_bytes()
                                })
                                .collect();
                            c.show(Str(&bytes));
                        }
                        Run::Char(ch) => {
                            let mut mp = c.marked_content_point_with_properties(Name(CHAR_TAG));
                            mp.properties()
                                .pair(Name(b"U"), i32::try_from(u32::from(*ch)).unwrap_or(0));
                        }
                    }
                }
                c.end_text();
            }
            Op::SealNumber { .. } => {}
        }
    }
    c.finish().to_vec()
}
