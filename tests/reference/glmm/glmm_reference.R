# Reference values for the random-intercept logistic GLMM (analysis/glmm.py), computed with metafor/lme4.
#
# How to run (from anywhere; paths are resolved relative to this script):
#     Rscript tests/reference/glmm/glmm_reference.R
# Reads every CSV (header study,events,total[,subgroup]) in
#     tests/reference/datasets/        (the engine's reference datasets; subgroups ignored, all rows pooled)
#     tests/reference/glmm/datasets/   (real datasets from metadat, see SOURCES.md)
#     tests/reference/glmm/edge/       (synthetic edge cases, see SOURCES.md)
# and writes tests/reference/glmm/glmm_reference.json (pretty-printed, 15 significant digits, NA -> null).
#
# Versions used for the committed JSON: R 4.2.2 Patched (2022-11-10 r83330), metafor 3.8-1, metadat 1.2-0,
# lme4 1.1-31, jsonlite 1.8.4 (recorded again in meta).
#
# Per dataset:
#   rma_glmm          metafor::rma.glmm(measure = "PLO", method = "ML"), nAGQ = 7 (metafor's default), with a
#                     tightened single optimiser for both glmer stages (bobyqa, rhoend = 1e-10) and a tight PIRLS
#                     tolerance (tolPwrss, see below): the primary values.
#   rma_glmm_default  the same with metafor's default control (lme4's default optimisers), for the tolerance.
#   glmer             direct lme4::glmer(cbind(x, n - x) ~ 1 + (1 | study), nAGQ = 7) with the tight control:
#                     optimiser code/message, lme4 convergence messages, gradient and Hessian of the deviance in
#                     (theta = tau, beta = mu) at the optimum (lme4's finite differences), its eigenvalues,
#                     isSingular (tau on the boundary 0), and se_numderiv: the SE of b from a Richardson-
#                     extrapolated Hessian (numDeriv) of lme4's deviance function at lme4's optimum.
#   nAGQ30, nAGQ1     glmer with 30-point quadrature and with the Laplace approximation (tight control): how far
#                     the 7-point answer is from a much finer quadrature, and from a coarse one.
#   glm_common        glm(cbind(x, n - x) ~ 1, binomial): the tau2 = 0 model (b, se, full binomial logLik).
#   deviance_points   lme4's nAGQ = 7 deviance function (devFunOnly = TRUE) evaluated at fixed (tau, mu) points:
#                     an optimiser-free check of the marginal likelihood. lme4's deviance is relative to the
#                     saturated model: -2 loglik = deviance + saturated (stored), loglik including log choose(n, x).
# metafor's fit.stats "ll" for rma.glmm is not this log-likelihood when tau2 > 0, so it is not stored.

suppressPackageStartupMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

get_script_dir <- function() {
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grepl("^--file=", a)])
  if (length(f) == 1) return(dirname(normalizePath(f)))
  "tests/reference/glmm"
}
glmm_dir <- get_script_dir()
sources <- c(reference = file.path(glmm_dir, "..", "datasets"),
             glmm = file.path(glmm_dir, "datasets"),
             edge = file.path(glmm_dir, "edge"))
out_file <- file.path(glmm_dir, "glmm_reference.json")

nAGQ <- 7
# Tight control: one optimiser for both glmer stages, and a tight PIRLS tolerance for the conditional modes.
# lme4's default tolPwrss = 1e-7 leaves the modes of zero-event studies inexact, which moves the nAGQ = 7 deviance
# by up to ~2e-4 (and b, tau2 by up to ~4e-5, se by ~1e-4) on sparse data; tolPwrss = 1e-13 can fail with
# "PIRLS step-halvings failed", so the tightest tolerance that works is used (recorded per fit as tolPwrss).
tight_base <- list(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e6))
pwrss_tolerances <- c(1e-10, 1e-9, 1e-8, 1e-7)

sc <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else unname(as.numeric(x)[1])
vec <- function(x) I(unname(as.numeric(x)))
svec <- function(x) I(unique(unname(as.character(x))))

# run expr, collecting warnings (muffled) and messages, turning errors into a message
capture <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(list(msg = conditionMessage(e)), class = "capture_error")),
    warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { warns <<- c(warns, conditionMessage(m)); invokeRestart("muffleMessage") })
  list(value = val, warnings = svec(warns), error = if (inherits(val, "capture_error")) val$msg else NULL)
}

rma_fit <- function(d, control) {
  run <- function(ctrl) capture(
    if (is.null(ctrl)) rma.glmm(measure = "PLO", xi = d$events, ni = d$total, method = "ML", nAGQ = nAGQ)
    else rma.glmm(measure = "PLO", xi = d$events, ni = d$total, method = "ML", nAGQ = nAGQ,
                  control = list(glmerCtrl = ctrl)))
  tol <- NA_real_
  if (is.null(control)) cap <- run(NULL)
  else for (tol in pwrss_tolerances) {
    cap <- run(c(control, list(tolPwrss = tol)))
    if (is.null(cap$error)) break
  }
  if (!is.null(cap$error)) return(list(error = cap$error, warnings = cap$warnings))
  r <- cap$value
  list(b = sc(r$b), se = sc(r$se), zval = sc(r$zval), pval = sc(r$pval), ci.lb = sc(r$ci.lb), ci.ub = sc(r$ci.ub),
       tau2 = sc(r$tau2), k = as.integer(r$k), tolPwrss = tol,
       back_est = plogis(sc(r$b)), back_ci_lb = plogis(sc(r$ci.lb)), back_ci_ub = plogis(sc(r$ci.ub)),
       error = NULL, warnings = cap$warnings)
}

glmer_frame <- function(d) data.frame(x = d$events, m = d$total - d$events, study = factor(seq_len(nrow(d))))

glmer_fit <- function(d, q, details = FALSE) {
  for (tol in pwrss_tolerances) {
    ctrl <- c(tight_base, list(tolPwrss = tol))
    cap <- capture(glmer(cbind(x, m) ~ 1 + (1 | study), data = glmer_frame(d), family = binomial, nAGQ = q,
                         control = do.call(glmerControl, ctrl)))
    if (is.null(cap$error)) break
  }
  if (!is.null(cap$error)) return(list(error = cap$error, warnings = cap$warnings))
  g <- cap$value
  se <- sc(sqrt(diag(as.matrix(vcov(g)))))
  out <- list(nAGQ = q, b = sc(fixef(g)), se = se, tau2 = sc(VarCorr(g)$study[1]),
              ci.lb = sc(fixef(g)) - qnorm(0.975) * se, ci.ub = sc(fixef(g)) + qnorm(0.975) * se,
              tolPwrss = tol, error = NULL, warnings = cap$warnings)
  if (details) {
    h <- g@optinfo$derivs$Hessian
    theta <- sc(getME(g, "theta"))
    # SE from a Richardson-extrapolated Hessian (numDeriv) of the same deviance function at the optimum: lme4's own
    # vcov() uses a plain finite-difference Hessian, which is off by up to ~5e-4 in se when a study is very large.
    dev <- glmer(cbind(x, m) ~ 1 + (1 | study), data = glmer_frame(d), family = binomial, nAGQ = q,
                 devFunOnly = TRUE, control = do.call(glmerControl, ctrl))
    singular <- isSingular(g)
    if (singular) {
      hb <- numDeriv::hessian(function(b) dev(c(0, b)), sc(fixef(g)))
      se_nd <- sqrt(2 / hb[1, 1]); se_tau_nd <- NA_real_
    } else {
      hn <- numDeriv::hessian(function(p) dev(p), c(theta, sc(fixef(g))))
      cv <- 2 * solve(hn)
      se_nd <- sqrt(cv[2, 2]); se_tau_nd <- sqrt(cv[1, 1])
    }
    out <- c(out, list(
      theta = theta, deviance = sc(dev(c(theta, sc(fixef(g))))),
      optimizer_code = sc(g@optinfo$conv$opt), optimizer_message = svec(g@optinfo$message),
      lme4_messages = svec(unlist(g@optinfo$conv$lme4$messages)),
      is_singular = singular,
      gradient = if (is.null(g@optinfo$derivs)) NULL else vec(g@optinfo$derivs$gradient),
      hessian = if (is.null(h)) NULL else vec(h),   # column-major 2 x 2, deviance in (theta, beta)
      hessian_eigenvalues = if (is.null(h)) NULL else vec(eigen(h, symmetric = TRUE, only.values = TRUE)$values),
      se_numderiv = se_nd, se_tau_numderiv = se_tau_nd))
  }
  out
}

# lme4's deviance is relative to the saturated model: -2 loglik = deviance + saturated, with
# saturated = -2 sum(log choose(n, x) + x log(x/n) + (n - x) log(1 - x/n)).
saturated <- function(d) -2 * sum(dbinom(d$events, d$total, d$events / d$total, log = TRUE))

deviance_points <- function(d, ref) {
  if (!is.null(ref$error) || is.na(ref$b)) return(NULL)
  tau <- sqrt(ref$tau2)
  pts <- rbind(c(tau, ref$b), c(tau * 1.3 + 0.2, ref$b + 0.25), c(tau * 0.6, ref$b - 0.4), c(0.05, ref$b + 0.1),
               c(tau + 1, ref$b - 1))
  for (tol in c(1e-13, 1e-12, 1e-11, pwrss_tolerances)) {
    cap <- capture({
      dev <- glmer(cbind(x, m) ~ 1 + (1 | study), data = glmer_frame(d), family = binomial, nAGQ = nAGQ,
                   devFunOnly = TRUE, control = glmerControl(tolPwrss = tol))
      apply(pts, 1, function(p) dev(c(p[1], p[2])))
    })
    if (is.null(cap$error)) break
  }
  if (!is.null(cap$error)) return(list(error = cap$error))
  list(tau = vec(pts[, 1]), mu = vec(pts[, 2]), deviance = vec(cap$value), tolPwrss = tol,
       saturated = saturated(d))
}

# The tau2 = 0 model (all studies share one proportion): an independent reference where the GLMM's ML estimate is
# on the boundary, and where lme4 itself refuses to fit (identical studies: "Response is constant").
glm_common <- function(d) {
  cap <- capture(glm(cbind(events, total - events) ~ 1, family = binomial, data = d,
                     control = glm.control(epsilon = 1e-14, maxit = 100)))
  if (!is.null(cap$error)) return(list(error = cap$error))
  g <- cap$value
  list(b = sc(coef(g)), se = sc(sqrt(vcov(g)[1, 1])), logLik = sc(logLik(g)), converged = g$converged,
       error = NULL, warnings = cap$warnings)
}

read_all <- function() {
  out <- list(); origin <- character(0)
  for (s in names(sources)) for (f in sort(list.files(sources[[s]], pattern = "\\.csv$", full.names = TRUE))) {
    nm <- sub("\\.csv$", "", basename(f))
    stopifnot(!nm %in% names(out))
    out[[nm]] <- read.csv(f, stringsAsFactors = FALSE, strip.white = TRUE)
    origin[nm] <- s
  }
  list(data = out, origin = origin)
}

all_data <- read_all()
results <- list()
for (nm in names(all_data$data)) {
  d <- all_data$data[[nm]]
  primary <- rma_fit(d, tight_base)
  results[[nm]] <- list(
    origin = unname(all_data$origin[nm]),
    study = I(as.character(d$study)), events = vec(d$events), total = vec(d$total),
    rma_glmm = primary,
    rma_glmm_default = rma_fit(d, NULL),
    glmer = glmer_fit(d, nAGQ, details = TRUE),
    nAGQ30 = glmer_fit(d, 30),
    nAGQ1 = glmer_fit(d, 1),
    glm_common = glm_common(d),
    deviance_points = deviance_points(d, primary))
  message(sprintf("%-28s k=%3d  b=%s  tau2=%s", nm, nrow(d), format(primary$b), format(primary$tau2)))
}

diff_summary <- function(alt) {
  v <- Filter(function(r) r$origin != "edge" && is.null(r$rma_glmm$error) && is.null(r[[alt]]$error), results)
  m <- function(f) max(sapply(v, function(r) abs(r[[alt]][[f]] - r$rma_glmm[[f]])))
  list(datasets = length(v), max_abs_diff_b = m("b"), max_abs_diff_se = m("se"), max_abs_diff_tau2 = m("tau2"))
}

meta <- list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  lme4_version = as.character(packageVersion("lme4")),
  metadat_version = as.character(packageVersion("metadat")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  generated = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
  model = "rma.glmm(measure = 'PLO', method = 'ML') = glmer(cbind(x, n - x) ~ 1 + (1 | study), binomial, nAGQ = 7); CI b +/- qnorm(0.975) se; tau2 = variance of the random intercept; se from vcov() (lme4: inverse of the finite-difference Hessian of the deviance in (theta, beta))",
  nAGQ = nAGQ,
  primary_glmerControl = c(tight_base, list(tolPwrss = "tightest of 1e-10, 1e-9, 1e-8, 1e-7 that runs (per fit: tolPwrss)")),
  differences_from_primary_note = "max abs difference from rma_glmm over the real (non-edge) datasets",
  max_abs_diff_se_vcov_vs_numderiv = max(sapply(Filter(function(r) r$origin != "edge" && is.null(r$glmer$error), results),
                                              function(r) abs(r$glmer$se - r$glmer$se_numderiv))),
  differences_from_primary = list(rma_glmm_default = diff_summary("rma_glmm_default"),
                                  nAGQ30 = diff_summary("nAGQ30"), nAGQ1 = diff_summary("nAGQ1")),
  origins = list(reference = "tests/reference/datasets (subgroup column ignored)",
                 glmm = "tests/reference/glmm/datasets (metadat; see SOURCES.md)",
                 edge = "tests/reference/glmm/edge (synthetic; see SOURCES.md)"))

writeLines(toJSON(list(meta = meta, datasets = results), digits = I(15), pretty = TRUE, auto_unbox = TRUE,
                  na = "null", null = "null"), out_file)
message("wrote ", out_file)
