# Reference numbers from R's survey package for tests/unit/test_stats_reference.py.
#
# Builds a small EIT-like data set (respondent type x service cells, one score per respondent), weights it by
# post-stratification and by raking to population totals, and prints the per-cell weights and the svymean
# estimate and standard error of each design, with and without the finite population correction, into
# survey_reference.json. The data set is written to survey_reference.csv so the Python tests read exactly the
# same rows. Run from this folder:  Rscript survey_reference.R
#
# A score is points * 100 / 45: the mean of 15 four-level items scored 0, 100/3, 200/3, 100, kept as whole
# points so both languages compute the same doubles.

suppressPackageStartupMessages(library(survey))

types <- c("individual", "business", "agency")
services <- c("factory", "mining", "standards", "complaints")
sample_n <- matrix(c(22, 9, 14, 11,
                     31, 6, 8, 17,
                     5, 4, 3, 10), nrow = 3, byrow = TRUE)
population <- matrix(c(400, 150, 300, 250,
                       600, 120, 90, 200,
                       30, 20, 15, 60), nrow = 3, byrow = TRUE)
# probability of answering 0, 1, 2, 3 on an item, by cell: cells differ so that weighting moves the mean
lean <- matrix(c(0.6, 0.9, 1.2, 0.8,
                 1.4, 1.0, 0.7, 1.1,
                 0.5, 1.3, 0.9, 1.6), nrow = 3, byrow = TRUE)

set.seed(20261125)
rows <- list()
for (t in seq_along(types)) for (s in seq_along(services)) {
  probs <- c(0.05, 0.15, 0.45, 0.35) * c(1, 1, 1, lean[t, s])
  points <- replicate(sample_n[t, s], sum(sample(0:3, 15, replace = TRUE, prob = probs / sum(probs))))
  rows[[length(rows) + 1]] <- data.frame(respondent_type = types[t], service = services[s], points = points)
}
d <- do.call(rbind, rows)
write.csv(d, "survey_reference.csv", row.names = FALSE, quote = FALSE)

d <- read.csv("survey_reference.csv")
d$respondent_type <- factor(d$respondent_type, levels = types)
d$service <- factor(d$service, levels = services)
d$score <- d$points * 100 / 45
d$N <- sum(population)
d$plain_weight <- c(individual = 3, business = 5, agency = 1.5)[as.character(d$respondent_type)]

pop_cells <- expand.grid(respondent_type = factor(types, levels = types),
                         service = factor(services, levels = services))
pop_cells$Freq <- population[cbind(as.integer(pop_cells$respondent_type), as.integer(pop_cells$service))]
pop_type <- data.frame(respondent_type = factor(types, levels = types), Freq = rowSums(population))
pop_service <- data.frame(service = factor(services, levels = services), Freq = colSums(population))

source("json.R")

cell_weights <- function(des) {
  w <- weights(des)
  spread <- tapply(w, list(d$respondent_type, d$service), function(v) max(v) - min(v))
  stopifnot(max(spread) < 1e-12 * max(w))
  tapply(w, list(d$respondent_type, d$service), mean)
}

estimate <- function(des) {
  m <- svymean(~score, des)
  paste0('{"mean": ', num(coef(m)), ', "se": ', num(SE(m)), ', "weights": ', mat(cell_weights(des)), "}")
}

# The linearised SE after raking with the residuals taken exactly: the scores' residuals from the least-squares
# fit on the margins' main effects (design weights are equal), times each respondent's raked weight, centred as
# survey's one-stage variance centres them. svyrecvar reaches the same projection by 10 backfitting sweeps; the
# two agree to about 1e-12 here.
exact_rake_se <- function(des, fpc) {
  w <- weights(des)
  e <- w * resid(lm(d$score ~ d$respondent_type + d$service)) / sum(w)
  n <- nrow(d); f <- if (fpc) 1 - n / d$N[1] else 1
  sqrt(f * n / (n - 1) * sum((e - mean(e))^2))
}

designs <- list(
  with_replacement = suppressWarnings(svydesign(ids = ~1, data = d)),
  fpc = svydesign(ids = ~1, fpc = ~N, data = d)
)
parts <- character(0)
for (name in names(designs)) {
  des <- designs[[name]]
  ps <- postStratify(des, ~respondent_type + service, pop_cells)
  rk <- rake(des, list(~respondent_type, ~service), list(pop_type, pop_service),
             control = list(epsilon = 1e-10, maxit = 100))
  parts <- c(parts, paste0('"', name, '": {"unweighted": ', estimate(des),
                           ', "poststratify": ', estimate(ps),
                           ', "rake": ', estimate(rk),
                           ', "rake_exact_projection_se": ', num(exact_rake_se(rk, name == "fpc")), "}"))
}
plain <- svydesign(ids = ~1, weights = ~plain_weight, data = d)

json <- paste0("{\n",
  '"generated_by": "survey_reference.R with R ', R.version$major, ".", R.version$minor,
  ", survey ", as.character(packageVersion("survey")), '",\n',
  '"types": [', paste0('"', types, '"', collapse = ", "), "],\n",
  '"services": [', paste0('"', services, '"', collapse = ", "), "],\n",
  '"population": ', mat(population), ",\n",
  '"population_size": ', num(sum(population)), ",\n",
  '"plain_weights": ', estimate(plain), ",\n",
  paste(parts, collapse = ",\n"), "\n}\n")
writeLines(json, "survey_reference.json")
