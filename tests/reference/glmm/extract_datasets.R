# Writes the GLMM validation datasets (tests/reference/glmm/datasets/*.csv) from R's metadat package.
# Each CSV has the header study,events,total and holds ONE arm (or the single group) of a metadat data set,
# rows in the order of the metadat data frame. See SOURCES.md for the provenance of every file.
#
#     Rscript tests/reference/glmm/extract_datasets.R      (metadat 1.2-0; R 4.2.2)

suppressPackageStartupMessages(library(metadat))

get_script_dir <- function() {
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grepl("^--file=", a)])
  if (length(f) == 1) return(dirname(normalizePath(f)))
  "tests/reference/glmm"
}
out_dir <- file.path(get_script_dir(), "datasets")
dir.create(out_dir, showWarnings = FALSE)

# Repeated labels (several arms of one trial) get " (arm 1)", " (arm 2)", ... in row order.
unique_labels <- function(study) {
  study <- trimws(as.character(study))
  dup <- study %in% study[duplicated(study)]
  arm <- ave(seq_along(study), study, FUN = seq_along)
  ifelse(dup, paste0(study, " (arm ", arm, ")"), study)
}

write_arm <- function(name, study, events, total) {
  d <- data.frame(study = unique_labels(study), events = as.integer(events), total = as.integer(total))
  stopifnot(!anyNA(d), !anyDuplicated(d$study), all(d$events >= 0), all(d$events <= d$total), !any(grepl(",", d$study)))
  write.table(d, file.path(out_dir, paste0(name, ".csv")), sep = ",", row.names = FALSE, quote = FALSE)
}

a <- dat.axfors2021
write_arm("axfors2021_hcq", a$acronym, a$hcq_arm_event, a$hcq_arm_total)

b <- dat.bcg
write_arm("bcg_control", paste(b$author, b$year), b$cpos, b$cpos + b$cneg)
write_arm("bcg_vaccinated", paste(b$author, b$year), b$tpos, b$tpos + b$tneg)

n7 <- dat.nielweise2007
write_arm("nielweise2007_treated", paste(n7$author, n7$year), n7$ai, n7$n1i)

g <- dat.graves2010
write_arm("graves2010_treated", g$study, g$ai, g$n1i)

gu <- dat.gurusamy2011[dat.gurusamy2011$treatment == "Control/Placebo", ]
write_arm("gurusamy2011_control", gu$study, gu$death, gu$n)

dn <- dat.dong2013[dat.dong2013$treatment == "Placebo", ]
write_arm("dong2013_placebo", paste("Trial", dn$id), dn$death, dn$randomized)

bk <- dat.baker2009[dat.baker2009$treatment == "Placebo", ]
write_arm("baker2009_placebo", bk$study, bk$exac, bk$total)

h <- dat.hine1989
write_arm("hine1989_control", h$source, h$ci, h$n2i)

hh <- dat.hahn2001
write_arm("hahn2001_treated", hh$study, hh$ai, hh$n1i)

v <- dat.vanhowe1999
write_arm("vanhowe1999_uncircumcised", v$study, v$non.pos, v$non.pos + v$non.neg)

hb <- dat.hartmannboyce2018
write_arm("hartmannboyce2018_nrt", paste0(hb$study, " (", gsub(",", "", hb$treatment), ")"), hb$x.nrt, hb$n.nrt)
