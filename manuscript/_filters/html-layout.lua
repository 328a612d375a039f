--[[
Layout of the web page (runs before Quarto's own filters, so its article layout sees the class added here).

A table set on a landscape page in the PDF and DOCX (Quarto's `.landscape` div, written by
analysis/manuscript/tables.py) is too wide for the web page's text column: it takes the wider page column
instead (Quarto's `.column-page`, https://quarto.org/docs/authoring/article-layout.html#page-column). On a phone,
where the page column is no wider than the text, it still scrolls sideways inside its frame (article.css).
]]

if not FORMAT:match("html") then
  return {}
end

function Div(div)
  if div.classes:includes("landscape") and not div.classes:includes("column-page") then
    div.classes:insert("column-page")
    return div
  end
end
