//! The recovery sheet: one A4 page in French with the 24 words of the family's recovery key,
//! numbered, the same words as a QR code, and what to do with the sheet. Fonts, layout and
//! writing are those of the paper livret (parent module).

use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, TextStr};

use super::{
    deflate, embed_font, page_content, Builder, FontId, Fonts, Op, PdfError, LEFT, PAGE_HEIGHT,
    PAGE_WIDTH, WIDTH,
};

/// The sheet's title, as `pdftotext` reads it back.
pub const TITLE: &str = "Feuille de secours du livret scolaire";

/// Renders the sheet: `words` (24, in order), the family's device name and the date printed.
pub fn render(words: &[String], family: &str, date: &str) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::load()?;
    let mut b = Builder::new(&fonts);
    b.y = 40.0;
    b.line(FontId::Bold, 20.0, LEFT, 0.0, TITLE);
    b.line(
        FontId::Regular,
        10.0,
        LEFT,
        0.35,
        &format!("Famille : {family} — imprimée le {date}"),
    );
    b.gap(10.0);
    b.paragraph(
        FontId::Bold,
        11.0,
        LEFT,
        WIDTH,
        "Cette feuille est une clé : quiconque la détient peut devenir propriétaire des livrets de vos enfants. Gardez-la en lieu sûr (pas en photo sur un téléphone, pas dans un courriel).",
        None,
    );
    b.gap(12.0);
    b.line(FontId::Bold, 12.0, LEFT, 0.0, "Les 24 mots de secours");
    b.gap(4.0);
    // Three columns of eight numbered words.
    let top = b.y;
    let col_w = WIDTH / 3.0;
    let row_h = Builder::line_height(14.0) + 4.0;
    for (i, w) in words.iter().enumerate() {
        let (col, row) = (i / 8, i % 8);
        b.y = top + row as f32 * row_h;
        let x = LEFT + col as f32 * col_w;
        b.text_at(FontId::Regular, 11.0, x, 0.35, &format!("{:>2}.", i + 1));
        b.text_at(FontId::Bold, 14.0, x + 22.0, 0.0, w);
    }
    b.y = top + 8.0 * row_h + 10.0;

    // The same words as a QR code.
    let text = words.join(" ");
    let qr = crate::qr::Qr::new(&text).map_err(|e| PdfError::Font(e.to_string()))?;
    let (modules, dark) = qr.modules();
    let size = 150.0;
    let module = size / (modules + 8) as f32;
    let qr_x = LEFT;
    let qr_y = b.y;
    for row in 0..modules {
        let mut col = 0;
        while col < modules {
            if dark.get(row * modules + col).copied().unwrap_or(false) {
                let start = col;
                while col < modules && dark.get(row * modules + col).copied().unwrap_or(false) {
                    col += 1;
                }
                b.ops.push(Op::Fill {
                    x: qr_x + (start + 4) as f32 * module,
                    y: qr_y + (row + 4) as f32 * module,
                    w: (col - start) as f32 * module,
                    h: module,
                    gray: 0.0,
                });
            } else {
                col += 1;
            }
        }
    }
    let text_x = LEFT + size + 16.0;
    let text_w = WIDTH - size - 16.0;
    b.y = qr_y + 10.0;
    b.paragraph(
        FontId::Regular,
        10.0,
        text_x,
        text_w,
        "Ce code QR contient les mêmes 24 mots. Un mot mal recopié est détecté (somme de contrôle) ; les accents et les majuscules ne comptent pas.",
        None,
    );
    b.y = qr_y + size + 12.0;

    b.line(
        FontId::Bold,
        12.0,
        LEFT,
        0.0,
        "Pour retrouver les livrets sur un nouvel appareil",
    );
    b.gap(2.0);
    for step in [
        "1. Sur le nouvel appareil : livret init --role family --name \"Votre nom\"",
        "2. Sur un appareil qui a encore les livrets (celui de l'autre parent), lancez : livret serve",
        "3. Sur le nouvel appareil : livret recovery restore --from ADRESSE (l'adresse affichée par « livret serve »), puis tapez les 24 mots.",
        "4. Les livrets reviennent avec toutes leurs inscriptions signées ; le nouvel appareil en est propriétaire.",
        "Avec un fichier exporté (livret export LIVRET --format json) : livret import FICHIER --words \"…\".",
        "Une nouvelle feuille (livret recovery print) crée une nouvelle clé et révoque celle-ci : elle ne rétablira plus rien. Détruisez alors cette feuille.",
    ] {
        b.paragraph(FontId::Regular, 10.0, LEFT, WIDTH, step, None);
        b.gap(3.0);
    }
    write(&fonts, &b.ops)
}

fn write(fonts: &Fonts, ops: &[Op]) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let mut counter = 0;
    let mut next = move || {
        counter += 1;
        Ref::new(counter)
    };
    let (catalog, tree, info, page_id, content_id) = (next(), next(), next(), next(), next());
    let regular = embed_font(&mut pdf, &mut next, &fonts.regular, "LiberationSans", 0)?;
    let bold = embed_font(&mut pdf, &mut next, &fonts.bold, "LiberationSans-Bold", 1)?;
    pdf.catalog(catalog).pages(tree).lang(TextStr("fr-FR"));
    pdf.pages(tree).kids([page_id]).count(1);
    pdf.document_info(info)
        .title(TextStr(TITLE))
        .creator(TextStr("livret"))
        .producer(TextStr("livret (pdf-writer)"));
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
        .parent(tree)
        .contents(content_id);
    page.resources()
        .fonts()
        .pair(Name(b"F1"), regular.type0)
        .pair(Name(b"F2"), bold.type0);
    page.finish();
    let content = page_content(ops, &regular, &bold);
    pdf.stream(content_id, &deflate(&content))
        .filter(Filter::FlateDecode);
    Ok(pdf.finish())
}
