--[[
Layout of the Word document (runs after Quarto's own filters: `at: post-render` in _quarto.yml).

1. Title block: Pandoc's Word writer prints only plain author names, so the block is built here from Quarto's
   normalised author metadata (`by-author`, `by-affiliation`: https://quarto.org/docs/journals/authors.html):
   authors with superscript affiliation numbers, the numbered affiliations, the corresponding author and the
   keywords, then the abstract, moved from the metadata into the body so that it follows them, as in the PDF.
   Paragraph styles come from the reference document ("Author", "Abstract Title", "Abstract"; Word creates
   "Affiliation").
2. Section breaks around landscape tables (Quarto's `.landscape` div) with the full page geometry of the
   reference document (A4, 2.5 cm margins) and, in the review variant, its continuous line numbers: Quarto's
   own breaks carry no page size, so Word and LibreOffice fall back to US Letter.
3. Quarto's one-cell layout tables around tables and figures: full text width, no second alignment around an
   inner table, and captions with one paragraph-property element.
]]

if not FORMAT:match("docx") then
  return {}
end

local function styled(style, blocks)
  return pandoc.Div(blocks, { ["custom-style"] = style })
end

local function affiliation_text(aff)
  local parts = pandoc.List()
  for _, key in ipairs({ "department", "name", "city", "country" }) do
    if aff[key] then
      parts:insert(pandoc.utils.stringify(aff[key]))
    end
  end
  return table.concat(parts, ", ")
end

local function is_true(value)
  return value == true or (value ~= nil and pandoc.utils.stringify(value) == "true")
end

local function holds(blocks, kind)
  local found = false
  pandoc.Blocks(blocks):walk({ [kind] = function() found = true end })
  return found
end

-- Quarto's caption paragraph starts with its own raw <w:pPr> (left-aligned, spaced), and Pandoc writes a second
-- <w:pPr> for the same paragraph (quarto-cli 10587): Word may "repair" such a file. The caption gets its paragraph
-- style ("Table Caption" or "Image Caption" of the reference document) instead, and one <w:pPr>.
local function restyle_captions(blocks, style)
  return pandoc.Blocks(blocks):walk({
    Para = function(para)
      local first = para.content[1]
      if first and first.t == "RawInline" and first.format == "openxml" and first.text:match("^%s*<w:pPr>") then
        local content = pandoc.Inlines(para.content)
        content:remove(1)
        return pandoc.Div({ pandoc.Para(content) }, { ["custom-style"] = style })
      end
    end,
  })
end

-- Quarto sets each cross-referenced table and figure inside a one-cell layout table. Besides the caption (above),
-- two defects follow in Word output: (a) the layout column has no width, so Pandoc sizes it at its default 5.5 in
-- rather than the text width, and LibreOffice crops a full-width figure to it; (b) the layout column of a table
-- float is centred, so Pandoc writes a second, conflicting <w:jc> into every paragraph of the inner table. The
-- layout column gets the full text width, and no alignment around a table.
function Table(tbl)
  if #tbl.colspecs ~= 1 then
    return nil
  end
  local contents = pandoc.Blocks({})
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for _, cell in ipairs(row.cells) do
        contents:extend(cell.contents)
      end
    end
  end
  local has_table, has_image = holds(contents, "Table"), holds(contents, "Image")
  if not (has_table or has_image) then
    return nil
  end
  local style = has_table and "Table Caption" or "Image Caption"
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for _, cell in ipairs(row.cells) do
        cell.contents = restyle_captions(cell.contents, style)
      end
    end
  end
  local align = has_table and pandoc.AlignDefault or tbl.colspecs[1][1]
  tbl.colspecs[1] = { align, 1.0 }
  return tbl
end

-- Page geometry in twentieths of a point: A4 and 2.5 cm margins, as in manuscript/_word/make_reference_docs.py.
local A4_SHORT, A4_LONG, MARGIN, HEADER_FOOTER = 11906, 16838, 1417, 709
local line_numbers = false

local function section_properties(landscape)
  local size = landscape
      and string.format('<w:pgSz w:w="%d" w:h="%d" w:orient="landscape"/>', A4_LONG, A4_SHORT)
      or string.format('<w:pgSz w:w="%d" w:h="%d"/>', A4_SHORT, A4_LONG)
  local margins = string.format(
    '<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="%d" w:footer="%d" w:gutter="0"/>',
    MARGIN, MARGIN, MARGIN, MARGIN, HEADER_FOOTER, HEADER_FOOTER)
  local numbering = line_numbers and '<w:lnNumType w:countBy="1" w:restart="continuous" w:distance="284"/>' or ""
  return "<w:p><w:pPr><w:sectPr>" .. size .. margins .. numbering .. "</w:sectPr></w:pPr></w:p>"
end

function Meta(meta)
  line_numbers = is_true(meta["line-numbers"])
end

function RawBlock(raw)
  if raw.format == "openxml" and raw.text:match("<w:sectPr>") then
    local landscape = raw.text:match('w:orient="landscape"') ~= nil
    -- A section that opens with a table loses its page set-up in LibreOffice: start it with an empty paragraph.
    local opening = landscape and "" or "<w:p/>"
    return pandoc.RawBlock("openxml", section_properties(landscape) .. opening)
  end
end

local function title_block(doc)
  local meta = doc.meta
  local authors = meta["by-author"]
  if not authors then
    return doc
  end
  local block = pandoc.List()

  -- Authors: "Name¹, Name²*" on one line.
  local line = pandoc.List()
  local corresponding = nil
  for i, author in ipairs(authors) do
    if i > 1 then
      line:extend({ pandoc.Str(","), pandoc.Space() })
    end
    local name = pandoc.utils.stringify(author.name.literal)
    line:insert(pandoc.Str(name))
    local marks = pandoc.List()
    for _, aff in ipairs(author.affiliations or {}) do
      marks:insert(pandoc.utils.stringify(aff.number))
    end
    local mark = table.concat(marks, ",")
    local attributes = author.attributes or {}
    if is_true(attributes.corresponding) then
      mark = mark .. "*"
      corresponding = { name = name, email = author.email and pandoc.utils.stringify(author.email) }
    end
    if mark ~= "" then
      line:insert(pandoc.Superscript({ pandoc.Str(mark) }))
    end
  end
  block:insert(styled("Author", { pandoc.Para(line) }))

  -- Affiliations, numbered as Quarto numbers them.
  local affiliations = pandoc.List()
  for _, aff in ipairs(meta["by-affiliation"] or {}) do
    affiliations:insert(pandoc.Para({ pandoc.Superscript({ pandoc.Str(pandoc.utils.stringify(aff.number)) }),
                                      pandoc.Str(affiliation_text(aff)) }))
  end
  if #affiliations > 0 then
    block:insert(styled("Affiliation", affiliations))
  end

  if corresponding then
    local text = pandoc.Inlines({ pandoc.Superscript({ pandoc.Str("*") }), pandoc.Str("Correspondence:"),
                                  pandoc.Space(), pandoc.Str(corresponding.name) })
    if corresponding.email then
      text:extend({ pandoc.Str(","), pandoc.Space(), pandoc.Link(corresponding.email, "mailto:" .. corresponding.email) })
    end
    block:insert(styled("Affiliation", { pandoc.Para(text) }))
  end

  if meta.keywords then
    local words = pandoc.List()
    for _, keyword in ipairs(meta.keywords) do
      words:insert(pandoc.utils.stringify(keyword))
    end
    block:insert(styled("Affiliation", { pandoc.Para({ pandoc.Strong({ pandoc.Str("Keywords:") }), pandoc.Space(),
                                                        pandoc.Str(table.concat(words, ", ")) }) }))
  end

  if meta.abstract then
    block:insert(styled("Abstract Title", { pandoc.Para({ pandoc.Str("Abstract") }) }))
    local abstract = meta.abstract
    local blocks = pandoc.utils.type(abstract) == "Blocks" and abstract or pandoc.Blocks({ pandoc.Plain(abstract) })
    block:insert(styled("Abstract", blocks))
    meta.abstract = nil
  end

  meta.author = nil
  meta.authors = nil
  doc.meta = meta
  doc.blocks = block .. doc.blocks
  return doc
end

return {
  { Meta = Meta },
  { Table = Table, RawBlock = RawBlock },
  { Pandoc = title_block },
}
