--[[
PRISMA 2020 markers for the review PDF (profile `review`, Typst only): where each labelled part of the article
begins and ends, so that `python -m analysis submission` and the audit can read the page and line number of every
checklist item from the rendered, line-numbered PDF (analysis/checklist/).

Labels (in manuscript/index.qmd):
  * a heading attribute,   `### Search strategy {prisma="6"}`: the whole section reports the items;
  * a span or div,         `[The protocol was registered ...]{prisma="24a 24b"}`: that text reports them;
  * the front matter key `prisma:` for what lives in the metadata: `title`, `abstract` (the whole abstract) and
    `abstract-parts` (each paragraph of the structured abstract, by its bold label, e.g. `Methods`).
Item references: "24a" is an item of the PRISMA 2020 checklist, "A12" one of the PRISMA 2020 for Abstracts.

Each marker is a zero-size link (`#link("x-prisma:...")[#box()]`): nothing is printed and the layout does not move,
but the PDF keeps a link annotation at that point, which PyMuPDF reads back (page and position). A span or div is
unwrapped (its text is printed as it would be without the label); a heading keeps its text and gets a marker in
front of it.
]]

if not quarto.doc.is_format("typst") then
  return {}
end

local count = 0

local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function marker(edge, n, items, part)
  local uri = "x-prisma:?edge=" .. edge .. "&n=" .. n .. "&items=" .. encode(items)
  if part then
    uri = uri .. "&part=" .. encode(part)
  end
  return pandoc.RawInline("typst", '#link("' .. uri .. '")[#box(width: 0pt, height: 0pt)]')
end

local function next_number()
  count = count + 1
  return tostring(count)
end

local function items_of(el)
  local value = el.attributes and el.attributes["prisma"]
  if value == nil or value:match("^%s*$") then
    return nil
  end
  return (value:gsub("^%s+", ""):gsub("%s+$", ""):gsub("%s+", " "))
end

local function wrap_inlines(inlines, items, part)
  local n = next_number()
  local out = pandoc.Inlines({ marker("start", n, items, part) })
  out:extend(inlines)
  out:insert(marker("end", n, items, part))
  return out
end

-- First and last paragraph-like block of a list of blocks get the start and end markers.
local function wrap_blocks(blocks, items, part)
  local first, last
  for i, b in ipairs(blocks) do
    if b.t == "Para" or b.t == "Plain" then
      first = first or i
      last = i
    end
  end
  if not first then
    return blocks
  end
  local n = next_number()
  blocks[first].content:insert(1, marker("start", n, items, part))
  blocks[last].content:insert(marker("end", n, items, part))
  return blocks
end

local function meta_text(value)
  return value and pandoc.utils.stringify(value) or nil
end

local function mark_metadata(meta)
  local labels = meta["prisma"]
  if labels == nil then
    return meta
  end
  local title_items = meta_text(labels["title"])
  if title_items and meta.title then
    meta.title = wrap_inlines(pandoc.Inlines(meta.title), title_items, "Title")
  end
  if meta.abstract then
    local blocks = pandoc.Blocks(meta.abstract)
    local parts = labels["abstract-parts"] or {}
    for _, block in ipairs(blocks) do
      local head = (block.t == "Para" or block.t == "Plain") and block.content[1]
      if head and head.t == "Strong" then
        local label = pandoc.utils.stringify(head):gsub("%s*:%s*$", "")
        local items = meta_text(parts[label])
        if items then
          wrap_blocks({ block }, items, "Abstract › " .. label)
        end
      end
    end
    local abstract_items = meta_text(labels["abstract"])
    if abstract_items then
      wrap_blocks(blocks, abstract_items, "Abstract")
    end
    meta.abstract = blocks
  end
  return meta
end

return {
  {
    Meta = mark_metadata,
    Header = function(el)
      local items = items_of(el)
      if items then
        el.content:insert(1, marker("heading", next_number(), items))
        el.attributes["prisma"] = nil
        return el
      end
    end,
    Span = function(el)
      local items = items_of(el)
      if items then
        return wrap_inlines(el.content, items)
      end
    end,
    Div = function(el)
      local items = items_of(el)
      if items then
        el.attributes["prisma"] = nil
        local blocks = wrap_blocks(el.content, items)
        if el.identifier == "" and #el.classes == 0 and next(el.attributes) == nil then
          return blocks
        end
        el.content = blocks
        return el
      end
    end,
  },
}
