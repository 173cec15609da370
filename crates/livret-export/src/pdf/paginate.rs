//! Pagination: blocks go on pages while they fit the body and the page's seal fits its QR
//! code.

use super::*;

/// One laid-out page: blocks with their top, and the entries its seal carries.
pub(crate) struct PageLayout {
    pub(crate) blocks: Vec<(Block, f32)>,
    pub(crate) entries: Vec<usize>,
    pub(crate) y: f32,
}

impl PageLayout {
    pub(crate) fn new() -> PageLayout {
        PageLayout {
            blocks: Vec::new(),
            entries: Vec::new(),
            y: BODY_TOP,
        }
    }
}

/// Whether the seal of page `page` with these entries fits its QR codes (at most
/// [`seal::MAX_PAGE_PARTS`] of version [`seal::MAX_PART_VERSION`] at most).
pub(crate) fn seal_fits(
    entries: &[Prepared],
    idx: &[usize],
    page: usize,
) -> Result<bool, PdfError> {
    let forms: Vec<Vec<u8>> = idx.iter().map(|&i| entries[i].short_form.clone()).collect();
    if forms.is_empty() || forms.len() > seal::MAX_SEAL_ENTRIES {
        return Ok(forms.is_empty());
    }
    let number = u16::try_from(page).unwrap_or(u16::MAX);
    Ok(seal::encode_page(number, &forms, seal::MAX_PART_VERSION, seal::MAX_PAGE_PARTS)?.is_some())
}

/// Distributes the blocks on pages: a block goes on the current page if it fits (with the
/// next one when it must stay with it) and the page's seal still fits its QR codes.
pub(crate) fn paginate(
    blocks: Vec<Block>,
    continuations: &BTreeMap<usize, Block>,
    entries: &[Prepared],
) -> Result<Vec<PageLayout>, PdfError> {
    let mut pages = Vec::new();
    let mut page = PageLayout::new();
    let heights: Vec<f32> = blocks.iter().map(|b| b.height).collect();
    let mut started_groups = BTreeSet::new();
    for (i, block) in blocks.into_iter().enumerate() {
        let need = if block.keep_with_next {
            block.height + heights.get(i + 1).copied().unwrap_or(0.0)
        } else {
            block.height
        };
        let mut with = page.entries.clone();
        if let Some(e) = block.entry {
            if !with.contains(&e) {
                with.push(e);
            }
        }
        let fits_height = page.y + need <= BODY_BOTTOM;
        let fits_seal = with == page.entries || seal_fits(entries, &with, pages.len() + 1)?;
        let page_has_content = page.blocks.iter().any(|(b, _)| !b.keep_with_next);
        if !(fits_height && fits_seal) && page_has_content {
            pages.push(std::mem::replace(&mut page, PageLayout::new()));
            // A group going on from the previous page gets its title again.
            if let Some(g) = block.group {
                if started_groups.contains(&g) && block.entry.is_some() {
                    if let Some(c) = continuations.get(&g) {
                        page.blocks.push((c.clone(), page.y));
                        page.y += c.height;
                    }
                }
            }
        }
        if let Some(g) = block.group {
            started_groups.insert(g);
        }
        if let Some(e) = block.entry {
            if !page.entries.contains(&e) {
                page.entries.push(e);
            }
        }
        let h = block.height;
        page.blocks.push((block, page.y));
        page.y += h;
    }
    if !page.blocks.is_empty() {
        pages.push(page);
    }
    Ok(pages)
}
