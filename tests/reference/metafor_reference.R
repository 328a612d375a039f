# Reference values for the Python meta-analysis engine, computed with R/metafor.
#
# How to run (from the repository root):
#     Rscript tests/reference/metafor_reference.R
# It reads  tests/reference/datasets/*.csv  (header: study,events,total[,subgroup])
# and writes tests/reference/metafor_reference.json (compact, one line: it is read by the tests, not by people; 15 significant digits).
# Paths are resolved relative to this script, so it can be run from any directory.
#
# Versions used to produce the committed JSON:
#     R 4.2.2 Patched (2022-11-10 r83330), metafor 3.8-1, metadat 1.2-0,
#     lme4 1.1-31, jsonlite (see meta$jsonlite_version in the JSON).
#
# What is computed (see tests/reference/README.md for the scales and tolerances):
#   * for every dataset x measure (PFT, PLO, PAS, PR) x method (EE, DL, REML, PM, ML)
#     x test ("z"; "knha" for random-effects methods when k >= 2):
#     escalc yi/vi, rma.uni results, predict() intervals, back-transformed values,
#     regtest (model="lm" and model="rma"), ranktest and leave1out (when k allows);
#   * per dataset: Clopper-Pearson and Wilson study CIs, rma.glmm(measure="PLO", method="ML");
#   * for datasets with a subgroup column: per-subgroup DL and REML fits and the
#     Q test for subgroup differences.

suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

## ---------------------------------------------------------------- paths
get_script_dir <- function() {
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grepl("^--file=", a)])
  if (length(f) == 1) return(dirname(normalizePath(f)))
  "tests/reference"
}
ref_dir  <- get_script_dir()
data_dir <- file.path(ref_dir, "datasets")
out_file <- file.path(ref_dir, "metafor_reference.json")

## ---------------------------------------------------------------- settings
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
# threshold: Fisher-scoring convergence criterion for REML/ML (|tau2_new - tau2_old|)
# maxiter:   max iterations (Fisher scoring and uniroot)
# tol:       uniroot tolerance for the PM (Paule-Mandel) estimator

measures <- c("PFT", "PLO", "PAS", "PR")
methods  <- c("EE", "DL", "REML", "PM", "ML")
re_methods <- c("DL", "REML", "PM", "ML")

glmm_nAGQ <- 7   # metafor's default for rma.glmm (adaptive Gauss-Hermite, 7 points)
glmm_ctrl_tight <- list(optimizer = "bobyqa",
                        optCtrl = list(rhoend = 1e-10, maxfun = 1e6))
glmm_ctrl_nlopt <- list(optimizer = "nloptwrap",
                        optCtrl = list(algorithm = "NLOPT_LN_BOBYQA", xtol_abs = 1e-12,
                                       ftol_abs = 1e-14, ftol_rel = 1e-14, xtol_rel = 1e-12,
                                       maxeval = 1e6))

dataset_order <- c("seed_orr", "seed_cr", "pritz1997", "debruin2009",
                   "pagliaro1992_control", "hasselblad1998_nocontact", "hannum2020",
                   "edge_k1", "edge_k2", "edge_zero", "edge_full", "edge_tau0")

## ---------------------------------------------------------------- helpers
num  <- function(x) { x <- unname(as.numeric(x)); if (length(x) == 0) NULL else x }
vec  <- function(x) I(unname(as.numeric(x)))     # always a JSON array, even if length 1
svec <- function(x) I(unname(as.character(x)))
sc   <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else unname(as.numeric(x)[1])

# run expr, collecting warnings (muffled) and turning errors into a message
capture <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "capture_error")),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = val, warnings = unique(warns),
       error = if (inherits(val, "capture_error")) val$msg else NULL)
}

back_transf <- function(measure) {
  switch(measure,
         PFT = transf.ipft.hm,
         PLO = transf.ilogit,
         PAS = transf.iarcsin,
         PR  = function(x, ...) x)
}

rma_fields <- function(res) {
  p <- predict(res)
  list(b = sc(res$b), se = sc(res$se), zval = sc(res$zval), pval = sc(res$pval),
       ci.lb = sc(res$ci.lb), ci.ub = sc(res$ci.ub),
       tau2 = sc(res$tau2), se.tau2 = sc(res$se.tau2),
       QE = sc(res$QE), QEp = sc(res$QEp), I2 = sc(res$I2), H2 = sc(res$H2),
       k = as.integer(res$k), method = res$method, test = res$test,
       ddf = if (res$test == "z") NA_real_ else sc(res$ddf),
       weights = vec(weights(res)),
       pred = sc(p$pred), pi.lb = sc(p$pi.lb), pi.ub = sc(p$pi.ub),
       cr.lb = sc(p$cr.lb), cr.ub = sc(p$cr.ub))
}

back_fields <- function(res, measure, total) {
  tf <- back_transf(measure)
  p <- if (measure == "PFT") predict(res, transf = tf, targs = list(ni = total))
       else predict(res, transf = tf)
  list(transf = switch(measure, PFT = "transf.ipft.hm(targs=list(ni=total))",
                       PLO = "transf.ilogit", PAS = "transf.iarcsin", PR = "identity"),
       back_est = sc(p$pred), back_ci_lb = sc(p$ci.lb), back_ci_ub = sc(p$ci.ub),
       back_pi_lb = sc(p$pi.lb), back_pi_ub = sc(p$pi.ub))
}

# Independent check of the iterative tau2 estimators: solve the estimating
# equations with uniroot at machine precision and compare with metafor.
tau2_check <- function(yi, vi, method) {
  k <- length(yi)
  if (k < 2) return(0)
  f <- function(t) {
    w <- 1 / (vi + t); mu <- sum(w * yi) / sum(w); r2 <- (yi - mu)^2
    switch(method,
           PM   = sum(w * r2) - (k - 1),
           ML   = sum(w^2 * r2) - sum(w),
           REML = sum(w^2 * r2) - sum(w) + sum(w^2) / sum(w))
  }
  if (f(0) <= 0) return(0)
  up <- 1; while (f(up) > 0) up <- up * 2
  uniroot(f, c(0, up), tol = .Machine$double.eps^0.9, maxiter = 10000)$root
}
conv_diffs <- list(REML = 0, ML = 0, PM = 0)

ranktest_fields <- function(res) {
  cap <- capture(ranktest(res))
  if (!is.null(cap$error)) return(list(error = cap$error))
  rt <- cap$value
  ties_warn <- any(grepl("ties", cap$warnings))
  list(tau = sc(rt$tau), pval = sc(rt$pval),
       p_type = if (ties_warn) "normal approximation (ties present; cor.test Kendall, no continuity correction)"
                else "exact (cor.test Kendall, exact=TRUE, no ties)",
       warnings = svec(cap$warnings))
}

regtest_lm_fields <- function(res) {
  cap <- capture(regtest(res, model = "lm", ret.fit = TRUE))
  if (!is.null(cap$error)) return(list(error = cap$error))
  rt <- cap$value
  ct <- coef(summary(rt$fit))
  list(zval = sc(rt$zval), pval = sc(rt$pval), dfs = sc(rt$dfs),
       limit_est = sc(rt$est), limit_ci_lb = sc(rt$ci.lb), limit_ci_ub = sc(rt$ci.ub),
       sigma = sc(summary(rt$fit)$sigma),
       intercept = list(estimate = sc(ct[1, 1]), se = sc(ct[1, 2]), t = sc(ct[1, 3]), p = sc(ct[1, 4])),
       sei = list(estimate = sc(ct[2, 1]), se = sc(ct[2, 2]), t = sc(ct[2, 3]), p = sc(ct[2, 4])),
       model = "lm(yi ~ 1 + sei, weights = 1/vi); test on the sei coefficient (t, df = k-2)",
       warnings = svec(cap$warnings))
}

regtest_rma_fields <- function(res) {
  cap <- capture(regtest(res, model = "rma"))
  if (!is.null(cap$error)) return(list(error = cap$error))
  rt <- cap$value
  list(zval = sc(rt$zval), pval = sc(rt$pval), dfs = sc(rt$dfs),
       limit_est = sc(rt$est), limit_ci_lb = sc(rt$ci.lb), limit_ci_ub = sc(rt$ci.ub),
       warnings = svec(cap$warnings))
}

leave1out_fields <- function(res) {
  cap <- capture(leave1out(res))
  if (!is.null(cap$error)) return(list(error = cap$error))
  l <- cap$value
  # zval (= estimate/se) and H2 (= 100/(100 - I2)) are left out: derivable, and they keep the file small
  list(estimate = vec(l$estimate), se = vec(l$se), pval = vec(l$pval),
       ci.lb = vec(l$ci.lb), ci.ub = vec(l$ci.ub), Q = vec(l$Q), Qp = vec(l$Qp),
       tau2 = vec(l$tau2), I2 = vec(l$I2),
       warnings = svec(cap$warnings))
}

fit_entry <- function(name, d, measure, method, test) {
  k <- nrow(d)
  entry <- list(dataset = name, measure = measure, method = method, test = test)
  es <- escalc(measure = measure, xi = d$events, ni = d$total)
  corrected <- if (measure %in% c("PR", "PLO")) (d$events == 0 | d$events == d$total) else rep(FALSE, k)
  entry$escalc <- list(yi = vec(es$yi), vi = vec(es$vi), zero_cell_corrected = I(corrected))
  cap <- capture(rma(yi, vi, data = es, method = method, test = test, control = ctrl))
  if (!is.null(cap$error)) {
    entry[c("rma", "back", "regtest_lm", "regtest_rma", "ranktest", "leave1out")] <- list(NULL)
    entry$error <- cap$error
    entry$warnings <- svec(cap$warnings)
    return(entry)
  }
  res <- cap$value
  if (method %in% names(conv_diffs)) {
    chk <- tau2_check(as.numeric(es$yi), as.numeric(es$vi), method)
    conv_diffs[[method]] <<- max(conv_diffs[[method]], abs(chk - res$tau2))
  }
  more <- capture(list(
    rma = rma_fields(res),
    back = back_fields(res, measure, d$total),
    regtest_lm = if (k >= 3) regtest_lm_fields(res) else NULL,
    regtest_rma = if (k >= 3) regtest_rma_fields(res) else NULL,
    ranktest = if (k >= 3) ranktest_fields(res) else NULL,
    leave1out = if (k >= 2) leave1out_fields(res) else NULL))
  if (!is.null(more$error)) stop(sprintf("%s/%s/%s/%s: %s", name, measure, method, test, more$error))
  entry <- c(entry, more$value)
  entry["error"] <- list(NULL)
  entry$warnings <- svec(unique(c(cap$warnings, more$warnings)))
  entry
}

study_ci <- function(d) {
  cp <- t(mapply(function(x, n) binom.test(x, n)$conf.int, d$events, d$total))
  wi <- t(mapply(function(x, n) suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int,
                 d$events, d$total))
  list(cp_lower = vec(cp[, 1]), cp_upper = vec(cp[, 2]),
       wilson_lower = vec(wi[, 1]), wilson_upper = vec(wi[, 2]))
}

glmm_one <- function(d, nAGQ, glmerCtrl) {
  control <- if (is.null(glmerCtrl)) list() else list(glmerCtrl = glmerCtrl)
  capture(rma.glmm(measure = "PLO", xi = d$events, ni = d$total, method = "ML",
                   nAGQ = nAGQ, control = control))
}

glmm_entry <- function(d) {
  cap <- glmm_one(d, glmm_nAGQ, glmm_ctrl_tight)
  out <- list(settings = list(measure = "PLO", model = "UM.FS", method = "ML", nAGQ = glmm_nAGQ,
                              package = "lme4::glmer",
                              glmerCtrl = glmm_ctrl_tight))
  if (!is.null(cap$error)) {
    out$error <- cap$error
    out$warnings <- svec(cap$warnings)
    return(out)
  }
  r <- cap$value
  out <- c(out, list(
    b = sc(r$b), se = sc(r$se), zval = sc(r$zval), pval = sc(r$pval),
    ci.lb = sc(r$ci.lb), ci.ub = sc(r$ci.ub), tau2 = sc(r$tau2),
    I2 = sc(r$I2), H2 = sc(r$H2),
    QE.Wld = sc(r$QE.Wld), QEp.Wld = sc(r$QEp.Wld), QE.LRT = sc(r$QE.LRT), QEp.LRT = sc(r$QEp.LRT),
    QE.df = sc(r$QE.df), k = as.integer(r$k),
    logLik = sc(r$fit.stats["ll", "ML"]),   # full binomial log-likelihood (incl. log choose(n, x))
    back_est = plogis(sc(r$b)), back_ci_lb = plogis(sc(r$ci.lb)), back_ci_ub = plogis(sc(r$ci.ub))))
  # direct glmer fit with identical model, to report optimiser diagnostics
  df <- data.frame(x = d$events, m = d$total - d$events, study = factor(seq_len(nrow(d))))
  g <- capture(glmer(cbind(x, m) ~ 1 + (1 | study), data = df, family = binomial,
                     nAGQ = glmm_nAGQ, control = do.call(glmerControl, glmm_ctrl_tight)))
  if (is.null(g$error)) {
    gm <- g$value
    out$glmer_check <- list(b = sc(fixef(gm)), se = sc(sqrt(diag(vcov(gm)))),
                            tau2 = sc(VarCorr(gm)$study[1]),
                            optimizer_messages = svec(c(gm@optinfo$message, unlist(gm@optinfo$conv$lme4$messages))),
                            warnings = svec(g$warnings))
  } else out$glmer_check <- list(error = g$error)
  # convergence / sensitivity comparison
  alt <- list(metafor_default_control = glmm_one(d, glmm_nAGQ, NULL),
              nloptwrap_tight = glmm_one(d, glmm_nAGQ, glmm_ctrl_nlopt),
              nAGQ1_laplace = glmm_one(d, 1, glmm_ctrl_tight),
              nAGQ15 = glmm_one(d, 15, glmm_ctrl_tight),
              nAGQ25 = glmm_one(d, 25, glmm_ctrl_tight))
  out$sensitivity <- lapply(alt, function(a) {
    if (!is.null(a$error)) return(list(error = a$error))
    v <- a$value
    list(b = sc(v$b), se = sc(v$se), tau2 = sc(v$tau2),
         abs_diff_b = abs(sc(v$b) - sc(r$b)), abs_diff_se = abs(sc(v$se) - sc(r$se)),
         abs_diff_tau2 = abs(sc(v$tau2) - sc(r$tau2)), warnings = svec(a$warnings))
  })
  out$warnings <- svec(cap$warnings)
  out
}

subgroup_entry <- function(d, measure, method) {
  fit <- function(dd) {
    es <- escalc(measure = measure, xi = dd$events, ni = dd$total)
    cap <- capture(rma(yi, vi, data = es, method = method, test = "z", control = ctrl))
    if (!is.null(cap$error)) return(list(error = cap$error))
    res <- cap$value
    c(rma_fields(res), back_fields(res, measure, dd$total),
      list(study = svec(dd$study), warnings = svec(cap$warnings)))
  }
  groups <- list()
  for (g in unique(d$subgroup)) groups[[g]] <- fit(d[d$subgroup == g, ])
  bg  <- sapply(groups, function(x) x$b)
  seg <- sapply(groups, function(x) x$se)
  qb <- rma(yi = bg, sei = seg, method = "EE")
  list(test = "z", groups = groups, overall = fit(d),
       Q_between = sc(qb$QE), df = as.integer(qb$k - 1), p = sc(qb$QEp))
}

## ---------------------------------------------------------------- data
files <- list.files(data_dir, pattern = "\\.csv$", full.names = TRUE)
data <- lapply(files, function(f) read.csv(f, stringsAsFactors = FALSE, strip.white = TRUE))
names(data) <- sub("\\.csv$", "", basename(files))
stopifnot(setequal(names(data), dataset_order))
data <- data[dataset_order]

datasets_json <- lapply(data, function(d) list(
  study = svec(d$study), events = vec(d$events), total = vec(d$total),
  subgroup = if ("subgroup" %in% names(d)) svec(d$subgroup) else NULL))

## ---------------------------------------------------------------- fits
fits <- list()
for (name in names(data)) {
  d <- data[[name]]
  k <- nrow(d)
  for (measure in measures) for (method in methods) {
    tests <- if (method %in% re_methods && k >= 2) c("z", "knha") else "z"
    for (test in tests) fits[[length(fits) + 1]] <- fit_entry(name, d, measure, method, test)
  }
  message(sprintf("%-26s k=%2d done", name, k))
}

study_cis <- lapply(data, study_ci)
glmm <- lapply(data, glmm_entry)

subgroups <- list()
for (name in names(data)) {
  d <- data[[name]]
  if (!"subgroup" %in% names(d)) next
  subgroups[[name]] <- list()
  for (measure in measures) {
    subgroups[[name]][[measure]] <- list()
    for (method in c("DL", "REML")) subgroups[[name]][[measure]][[method]] <- subgroup_entry(d, measure, method)
  }
}

## ---------------------------------------------------------------- GLMM convergence summary
glmm_summary <- lapply(c("metafor_default_control", "nloptwrap_tight", "nAGQ1_laplace", "nAGQ15", "nAGQ25"),
  function(s) {
    v <- lapply(glmm, function(g) g$sensitivity[[s]])
    v <- v[!vapply(v, is.null, logical(1))]
    v <- v[vapply(v, function(x) is.null(x$error), logical(1))]
    list(max_abs_diff_b = max(sapply(v, `[[`, "abs_diff_b")),
         max_abs_diff_se = max(sapply(v, `[[`, "abs_diff_se")),
         max_abs_diff_tau2 = max(sapply(v, `[[`, "abs_diff_tau2")))
  })
names(glmm_summary) <- c("metafor_default_control", "nloptwrap_tight", "nAGQ1_laplace", "nAGQ15", "nAGQ25")

## ---------------------------------------------------------------- meta
meta <- list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  lme4_version = as.character(packageVersion("lme4")),
  metadat_version = as.character(packageVersion("metadat")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
  control = ctrl,
  control_notes = "rma.uni control: 'threshold' = Fisher-scoring stopping rule for REML/ML (absolute change in tau2); 'tol' = uniroot tolerance for PM; 'maxiter' = iteration cap for both. DL and EE are closed-form.",
  convergence_check = list(
    description = "max over all fits of |tau2(metafor) - tau2(root of the estimating equation solved independently with uniroot at tol=eps^0.9)|",
    REML = conv_diffs$REML, ML = conv_diffs$ML, PM = conv_diffs$PM),
  glmm_settings = list(
    primary = list(nAGQ = glmm_nAGQ, glmerCtrl = glmm_ctrl_tight),
    description = "Primary GLMM values use nAGQ=7 (metafor default) with a tightened single optimiser (bobyqa, rhoend=1e-10) for both glmer stages instead of lme4's default bobyqa + Nelder_Mead. 'glmm_convergence' gives the max abs difference over datasets of other settings vs the primary values."),
  glmm_convergence = glmm_summary,
  escalc_settings = list(add = 0.5, to = "only0", vtype = "LS"),
  zero_cell_handling = list(
    PR  = "x = 0 or x = n: 1/2 added to events and non-events (xi+0.5, ni+1) for both yi and vi (add=1/2, to='only0')",
    PLO = "x = 0 or x = n: 1/2 added to events and non-events (xi+0.5, ni+1) for both yi and vi (add=1/2, to='only0')",
    PAS = "no correction: escalc sets add=0 for PAS unless 'add' is given explicitly; yi = asin(sqrt(x/n)), vi = 1/(4n)",
    PFT = "no correction: escalc sets add=0 for PFT unless 'add' is given explicitly; yi = (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))/2, vi = 1/(4n+2)"),
  notes = c(
    "metafor's PFT is HALF of the Freeman-Tukey double arcsine sum used by Stata metaprop / R meta (vi = 1/(4n+2) instead of 1/(n+0.5)).",
    "knha = Knapp-Hartung with metafor's default (no truncation of the scaling factor at 1), t with df = k-1; the PI then uses t(k-1) quantiles, otherwise z.",
    "k = 1: metafor does not error for random-effects methods; it fits with tau2 = 0 (Q(df=0) = 0). knha fits are not produced for k = 1.",
    "Prediction interval (random-effects fits only): pred +/- crit * sqrt(se^2 + tau2) with crit = qnorm(0.975) for test='z' and qt(0.975, k-1) for knha (metafor 3.8 does NOT use t(k-2)); EE fits have no PI (null). cr.lb/cr.ub are metafor's identical aliases of pi.lb/pi.ub.",
    "Back-transforms use predict(res, transf=...): transf.ipft.hm uses the harmonic mean of the totals of the studies in the fit; transf.iarcsin and transf.ipft.hm clamp to [0, 1].",
    "regtest model='lm': weighted lm(yi ~ sei, weights=1/vi), residual variance estimated (multiplicative dispersion); zval is the t statistic of the sei coefficient (= Egger's intercept test). model='rma': mixed-effects meta-regression on sei with the fit's method/test.",
    "ranktest: metafor (Begg & Mazumdar) uses cor.test(method='kendall', exact=TRUE) on standardized deviates vs vi; exact p when no ties, otherwise R falls back to the normal approximation (tie-corrected variance, no continuity correction). See p_type per fit.",
    "Subgroups: each subgroup is a separate meta-analysis with its own tau2 (test='z'); Q_between is the QE of rma(yi=b_g, sei=se_g, method='EE').",
    "GLMM: rma.glmm(measure='PLO', method='ML', model='UM.FS') = glmer(cbind(x, n-x) ~ 1 + (1|study), binomial, nAGQ=7); ci uses z; tau2 = variance of the random intercept. I2/H2 use the 'typical' within-study variance from escalc PLO vi."
  ))

out <- list(meta = meta, datasets = datasets_json, fits = fits, study_ci = study_cis,
            glmm = glmm, subgroups = subgroups)
writeLines(toJSON(out, digits = NA, pretty = FALSE, auto_unbox = TRUE, na = "null", null = "null"),
           out_file)
message("wrote ", out_file, " (", length(fits), " fits)")
