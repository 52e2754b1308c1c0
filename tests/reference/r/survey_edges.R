# Reference numbers for the edges of the statistics (tests/unit/test_stats_edges.py), from R's survey package.
#
# Each block builds a small data set, runs R's own functions on it and writes what they give into
# survey_edges.json (the data sets go to survey_edges_*.csv so the Python tests read exactly the same rows):
#
# * frame_smaller_than_sample: 120 respondents, a frame of 40: how svydesign refuses the design, and the SE
#   without a finite population correction (what the app reports instead, with a frame error);
# * whole_frame_fpc: three respondents of a type the frame does not list, frame of 600: the unweighted SE with
#   the whole frame as N (not 0);
# * xlogit: svyciprop(method = "xlogit", df = Inf) intervals of score / 100, with and without the correction,
#   on a sample whose symmetric interval passes 100, and on the main reference data set;
# * trim: trimWeights on the post-stratified reference design (a bound that touches nothing, and one that
#   does), re-raked to the type and service margins until the bound holds;
# * rake_margins: raking a table with a sparse cell (2 respondents) and an empty one straight to the frame's
#   own type and service totals;
# * identical: eight identical answers: svymean's SE.
#
# Run from this folder:  Rscript survey_edges.R

suppressPackageStartupMessages(library(survey))

source("json.R")
ciprop <- function(des) {
  ci <- svyciprop(~p, des, method = "xlogit", df = Inf)
  obj(p = num(coef(ci)), se_p = num(SE(svymean(~p, des))[1]),
      low = num(attr(ci, "ci")[1]), high = num(attr(ci, "ci")[2]))
}
set.seed(20261130)

# --- a frame smaller than the sample ------------------------------------------------------------------------
small <- data.frame(points = sample(0:45, 120, replace = TRUE, prob = c(rep(1, 30), rep(3, 16))))
write.csv(small, "survey_edges_small.csv", row.names = FALSE, quote = FALSE)
small$score <- small$points * 100 / 45
small$N <- 40
refusal <- tryCatch({ svydesign(ids = ~1, fpc = ~N, data = small); "accepted" },
                    error = function(e) conditionMessage(e))
plain_small <- suppressWarnings(svydesign(ids = ~1, data = small))
m <- svymean(~score, plain_small)
frame_small <- obj(frame = "40", respondents = "120", refusal = str(refusal),
                   mean = num(coef(m)), se_without_fpc = num(SE(m)))

# --- the whole frame as N for the unweighted estimate --------------------------------------------------------
three <- data.frame(points = c(45, 30, 15))
three$score <- three$points * 100 / 45
three$N <- 600
m <- svymean(~score, svydesign(ids = ~1, fpc = ~N, data = three))
whole_frame <- obj(scores = vec(three$score), frame = "600", mean = num(coef(m)), se = num(SE(m)))

# --- logit intervals ----------------------------------------------------------------------------------------
high <- data.frame(points = c(rep(45, 17), 30, 30, 45 - 15))
write.csv(high, "survey_edges_high.csv", row.names = FALSE, quote = FALSE)
high$p <- high$points / 45
high$score <- high$p * 100
high$N <- 50
sym <- svymean(~score, suppressWarnings(svydesign(ids = ~1, data = high)))
xlogit_high <- obj(
  mean = num(coef(sym)), se = num(SE(sym)),
  symmetric_high = num(coef(sym) + qnorm(0.975) * SE(sym)),
  without_fpc = ciprop(suppressWarnings(svydesign(ids = ~1, data = high))),
  with_fpc = ciprop(svydesign(ids = ~1, fpc = ~N, data = high)))

ref <- read.csv("survey_reference.csv")
types <- c("individual", "business", "agency")
services <- c("factory", "mining", "standards", "complaints")
ref$respondent_type <- factor(ref$respondent_type, levels = types)
ref$service <- factor(ref$service, levels = services)
ref$score <- ref$points * 100 / 45
ref$p <- ref$points / 45
population <- matrix(c(400, 150, 300, 250, 600, 120, 90, 200, 30, 20, 15, 60), nrow = 3, byrow = TRUE)
ref$N <- sum(population)
pop_cells <- expand.grid(respondent_type = factor(types, levels = types),
                         service = factor(services, levels = services))
pop_cells$Freq <- population[cbind(as.integer(pop_cells$respondent_type), as.integer(pop_cells$service))]
pop_type <- data.frame(respondent_type = factor(types, levels = types), Freq = rowSums(population))
pop_service <- data.frame(service = factor(services, levels = services), Freq = colSums(population))
ps <- postStratify(svydesign(ids = ~1, fpc = ~N, data = ref), ~respondent_type + service, pop_cells)
xlogit_reference <- ciprop(ps)

# --- trimming -----------------------------------------------------------------------------------------------
cell_weights <- function(des) tapply(weights(des), list(ref$respondent_type, ref$service), mean)
base <- postStratify(suppressWarnings(svydesign(ids = ~1, data = ref)), ~respondent_type + service, pop_cells)
mean_w <- mean(weights(base))
loose <- trimWeights(base, upper = 100 * mean_w, strict = TRUE)
m_loose <- svymean(~score, loose)
bound <- 1.3 * mean_w
des <- base
for (i in 1:500) {
  des <- trimWeights(des, upper = bound, strict = TRUE)
  des <- rake(des, list(~respondent_type, ~service), list(pop_type, pop_service),
              control = list(epsilon = 1e-12, maxit = 200))
  if (max(weights(des)) <= bound * (1 + 1e-10)) break
}
w <- weights(des)
e <- w * resid(lm(ref$score ~ ref$respondent_type + ref$service)) / sum(w)
n <- nrow(ref)
rake_se <- sqrt(n / (n - 1) * sum((e - mean(e))^2))
m_trim <- svymean(~score, des)
trimming <- obj(
  mean_weight = num(mean_w), loose_upper = num(100 * mean_w),
  loose_mean = num(coef(m_loose)), loose_se = num(SE(m_loose)), loose_weights = mat(cell_weights(loose)),
  bound = num(bound), rounds = as.character(i), trimmed_weights = mat(cell_weights(des)),
  trimmed_mean = num(coef(m_trim)), trimmed_svymean_se = num(SE(m_trim)), trimmed_rake_se = num(rake_se))

# --- raking to the frame's own margins -----------------------------------------------------------------------
rk_types <- c("individual", "business")
rk_services <- c("factory", "mining", "information")
rk_n <- matrix(c(30, 2, 10, 20, 15, 0), nrow = 2, byrow = TRUE)
rk_pop <- matrix(c(300, 40, 100, 200, 80, 60), nrow = 2, byrow = TRUE)
rows <- list()
for (t in 1:2) for (s in 1:3) if (rk_n[t, s] > 0) {
  rows[[length(rows) + 1]] <- data.frame(
    respondent_type = rk_types[t], service = rk_services[s],
    points = sample(0:45, rk_n[t, s], replace = TRUE, prob = c(rep(1, 25), rep(2 + t + s, 21))))
}
rk <- do.call(rbind, rows)
write.csv(rk, "survey_edges_rake.csv", row.names = FALSE, quote = FALSE)
rk$respondent_type <- factor(rk$respondent_type, levels = rk_types)
rk$service <- factor(rk$service, levels = rk_services)
rk$score <- rk$points * 100 / 45
raked <- rake(suppressWarnings(svydesign(ids = ~1, data = rk)), list(~respondent_type, ~service),
              list(data.frame(respondent_type = factor(rk_types, levels = rk_types), Freq = rowSums(rk_pop)),
                   data.frame(service = factor(rk_services, levels = rk_services), Freq = colSums(rk_pop))),
              control = list(epsilon = 1e-12, maxit = 200))
m_rk <- svymean(~score, raked)
raking <- obj(
  sample = mat(rk_n), population = mat(rk_pop),
  weights = mat(tapply(weights(raked), list(rk$respondent_type, rk$service), mean)),
  service_totals = vec(as.numeric(svytotal(~service, raked))),
  type_totals = vec(as.numeric(svytotal(~respondent_type, raked))),
  mean = num(coef(m_rk)), se = num(SE(m_rk)))

# --- identical answers --------------------------------------------------------------------------------------
same <- data.frame(score = rep(200 / 3, 8), N = 30)
m_same <- svymean(~score, svydesign(ids = ~1, fpc = ~N, data = same))
identical_answers <- obj(mean = num(coef(m_same)), se = num(SE(m_same)))

json <- paste0("{\n",
  '"generated_by": "survey_edges.R with R ', R.version$major, ".", R.version$minor,
  ", survey ", as.character(packageVersion("survey")), '",\n',
  '"z": ', num(qnorm(0.975)), ",\n",
  '"frame_smaller_than_sample": ', frame_small, ",\n",
  '"whole_frame_fpc": ', whole_frame, ",\n",
  '"xlogit_high": ', xlogit_high, ",\n",
  '"xlogit_reference_poststratified_fpc": ', xlogit_reference, ",\n",
  '"trim": ', trimming, ",\n",
  '"rake_margins": ', raking, ",\n",
  '"identical": ', identical_answers, "\n}\n")
writeLines(json, "survey_edges.json")
