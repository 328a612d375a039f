# metafor reference values for the engine on the GLMM validation datasets and the edge cases
# (tests/reference/glmm/datasets/*.csv and tests/reference/glmm/edge/*.csv): every measure x method x test,
# as tests/reference/metafor_reference.R does for tests/reference/datasets, with fewer fields.
#
# Run from anywhere:  Rscript tests/reference/edge/metafor_edge_reference.R   (about 1 minute)
# Writes tests/reference/edge/metafor_edge_reference.json (compact; 15 significant digits; NA -> null).
# Versions: R 4.2.2, metafor 3.8-1, jsonlite (see meta in the JSON).
#
# Where metafor's Fisher scoring fails ("did not converge"), the fit is repeated with step halving
# (control stepadj = 0.5, as help(rma) suggests) and recorded with "retry": "stepadj=0.5". Every REML/ML/PM
# tau2 is also found independently as the root of its estimating equation (uniroot at machine precision) and
# as the maximum of metafor's own log-likelihood (optimize), recorded as tau2_root and tau2_optimum.
# Errors of regtest/ranktest/leave1out (e.g. "Model matrix no longer of full rank") are recorded as such.

suppressPackageStartupMessages({ library(metafor); library(jsonlite) })

get_script_dir <- function() {
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grepl("^--file=", a)])
  if (length(f) == 1) return(dirname(normalizePath(f)))
  "tests/reference/edge"
}
here <- get_script_dir()
glmm_dir <- file.path(here, "..", "glmm")
files <- c(sort(Sys.glob(file.path(glmm_dir, "datasets", "*.csv"))), sort(Sys.glob(file.path(glmm_dir, "edge", "*.csv"))))

ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
measures <- c("PFT", "PLO", "PAS", "PR")
methods <- c("EE", "DL", "REML", "PM", "ML")

sc <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else unname(as.numeric(x)[1])
vec <- function(x) I(unname(as.numeric(x)))
capture <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "capture_error")),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = val, warnings = unique(warns), error = if (inherits(val, "capture_error")) val$msg else NULL)
}

root_tau2 <- function(yi, vi, method) {
  k <- length(yi)
  if (k < 2) return(0)
  f <- function(t) {
    w <- 1 / (vi + t); mu <- sum(w * yi) / sum(w); r2 <- (yi - mu)^2
    switch(method, PM = sum(w * r2) - (k - 1), ML = sum(w^2 * r2) - sum(w),
           REML = sum(w^2 * r2) - sum(w) + sum(w^2) / sum(w))
  }
  if (f(0) <= 0) return(0)
  up <- 1; while (f(up) > 0) up <- up * 2
  uniroot(f, c(0, up), tol = .Machine$double.eps^0.9, maxiter = 10000)$root
}

optimum_tau2 <- function(es, method) {
  if (!(method %in% c("REML", "ML")) || nrow(es) < 2) return(NA_real_)
  ll <- function(t) as.numeric(logLik(rma(yi, vi, data = es, method = method, tau2 = t)))
  up <- max(1, 10 * var(es$yi))
  optimize(ll, c(0, up), maximum = TRUE, tol = 1e-15)$maximum
}

fit_entry <- function(name, d, measure, method, test) {
  k <- nrow(d)
  es <- escalc(measure = measure, xi = d$events, ni = d$total)
  entry <- list(dataset = name, measure = measure, method = method, test = test,
                yi = vec(es$yi), vi = vec(es$vi))
  cap <- capture(rma(yi, vi, data = es, method = method, test = test, control = ctrl))
  if (!is.null(cap$error) && grepl("converge", cap$error)) {
    entry$default_error <- cap$error
    cap <- capture(rma(yi, vi, data = es, method = method, test = test,
                       control = c(ctrl, list(stepadj = 0.5))))
    entry$retry <- "stepadj=0.5"
  }
  if (!is.null(cap$error)) { entry$error <- cap$error; return(entry) }
  res <- cap$value
  entry$rma <- list(b = sc(res$b), se = sc(res$se), zval = sc(res$zval), pval = sc(res$pval),
                    ci.lb = sc(res$ci.lb), ci.ub = sc(res$ci.ub), tau2 = sc(res$tau2), QE = sc(res$QE),
                    QEp = sc(res$QEp), I2 = sc(res$I2), H2 = sc(res$H2), weights = vec(weights(res)))
  if (method %in% c("REML", "ML", "PM")) {
    entry$tau2_root <- root_tau2(as.numeric(es$yi), as.numeric(es$vi), method)
    entry$tau2_optimum <- optimum_tau2(es, method)
  }
  if (k >= 3) {
    rt <- capture(regtest(res, model = "lm"))
    entry$regtest_lm <- if (!is.null(rt$error)) list(error = rt$error) else
      list(zval = sc(rt$value$zval), pval = sc(rt$value$pval), dfs = sc(rt$value$dfs))
    rk <- capture(ranktest(res))
    entry$ranktest <- if (!is.null(rk$error)) list(error = rk$error) else
      list(tau = sc(rk$value$tau), pval = sc(rk$value$pval), warnings = I(rk$warnings))
  }
  if (k >= 2) {
    lo <- capture(leave1out(res))
    entry$leave1out <- if (!is.null(lo$error)) list(error = lo$error) else
      list(estimate = vec(lo$value$estimate), se = vec(lo$value$se), ci.lb = vec(lo$value$ci.lb),
           ci.ub = vec(lo$value$ci.ub), pval = vec(lo$value$pval), Q = vec(lo$value$Q), Qp = vec(lo$value$Qp),
           tau2 = vec(lo$value$tau2), I2 = vec(lo$value$I2))
  }
  entry
}

fits <- list()
datasets <- list()
for (f in files) {
  name <- sub("\\.csv$", "", basename(f))
  d <- read.csv(f, stringsAsFactors = FALSE)
  datasets[[name]] <- list(folder = basename(dirname(f)), events = vec(d$events), total = vec(d$total))
  for (measure in measures) for (method in methods) {
    tests <- if (method != "EE" && nrow(d) >= 2) c("z", "knha") else "z"
    for (test in tests) fits[[length(fits) + 1]] <- fit_entry(name, d, measure, method, test)
  }
}
out <- list(meta = list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
                        jsonlite = as.character(packageVersion("jsonlite")), control = ctrl),
            datasets = datasets, fits = fits)
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), na = "null", null = "null"),
           file.path(here, "metafor_edge_reference.json"))
cat(sprintf("wrote %d fits for %d datasets\n", length(fits), length(datasets)))
