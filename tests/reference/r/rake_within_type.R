# Reference numbers for raking when a service of the frame has no respondents (issue 22), from R's survey package.
#
# The office: individuals answered about standards and information, businesses about factories and standards,
# agencies about information; nobody answered about mining, whose 130 people are 120 businesses and 10 agencies.
# Merging mining's people into the service with most answers overall (information, answered only by individuals
# and agencies) gives margins no weights can meet: raking would need individuals in information to stand for
# 1,020 people while individuals are 1,010. Merging them within the types that hold them (businesses into
# factory, the businesses' service with most answers; agencies into information) gives margins raking meets.
# This script rakes the sample to those margins with survey::rake and writes the weights, the margins met, and
# svymean's estimate and standard error into rake_within_type.json (the rows go to rake_within_type.csv, so the
# Python test reads exactly the same data).
#
# Run from this folder:  Rscript rake_within_type.R

suppressPackageStartupMessages(library(survey))

source("json.R")
set.seed(20261207)

types <- c("individual", "business", "agency")
services <- c("factory", "mining", "standards", "information")
n <- matrix(c(5, 0, 8, 60,
              30, 0, 12, 0,
              0, 0, 0, 6), nrow = 3, byrow = TRUE)
frame <- matrix(c(60, 0, 50, 900,
                  400, 120, 150, 0,
                  0, 10, 0, 40), nrow = 3, byrow = TRUE)
rows <- list()
for (t in 1:3) for (s in 1:4) if (n[t, s] > 0) {
  rows[[length(rows) + 1]] <- data.frame(
    respondent_type = types[t], service = services[s],
    points = sample(0:45, n[t, s], replace = TRUE, prob = c(rep(1 + t, 25), rep(2 + s, 21))))
}
d <- do.call(rbind, rows)
write.csv(d, "rake_within_type.csv", row.names = FALSE, quote = FALSE)
d$respondent_type <- factor(d$respondent_type, levels = types)
d$score <- d$points * 100 / 45

# Mining's people, merged within their types: businesses into factory, agencies into information.
merged <- frame
merged[2, 1] <- merged[2, 1] + merged[2, 2]
merged[3, 4] <- merged[3, 4] + merged[3, 2]
merged[, 2] <- 0
answered <- services[colSums(n) > 0]
d$service <- factor(d$service, levels = answered)
pop_type <- data.frame(respondent_type = factor(types, levels = types), Freq = rowSums(merged))
pop_service <- data.frame(service = factor(answered, levels = answered), Freq = colSums(merged)[colSums(n) > 0])
raked <- rake(suppressWarnings(svydesign(ids = ~1, data = d)), list(~respondent_type, ~service),
              list(pop_type, pop_service), control = list(epsilon = 1e-13, maxit = 500))
m <- svymean(~score, raked)

# What merging into the service with most answers overall asks: no weights meet it (rake stops unconverged,
# a margin missed by this many people).
overall <- frame
overall[, 4] <- overall[, 4] + overall[, 2]
overall[, 2] <- 0
bad_service <- data.frame(service = factor(answered, levels = answered), Freq = colSums(overall)[colSums(n) > 0])
unmet <- withCallingHandlers(
  tryCatch({
    bad <- rake(suppressWarnings(svydesign(ids = ~1, data = d)), list(~respondent_type, ~service),
                list(pop_type, bad_service), control = list(epsilon = 1e-10, maxit = 100))
    max(abs(as.numeric(svytotal(~service, bad)) - bad_service$Freq),
        abs(as.numeric(svytotal(~respondent_type, bad)) - pop_type$Freq))
  }, error = function(e) NA),
  warning = function(w) invokeRestart("muffleWarning"))

w <- tapply(weights(raked), list(d$respondent_type, factor(as.character(d$service), levels = services)), mean)
json <- paste0(
  "{\n",
  '"types": ["', paste(types, collapse = '", "'), '"],\n',
  '"services": ["', paste(services, collapse = '", "'), '"],\n',
  '"sample": ', mat(n), ",\n",
  '"population": ', mat(frame), ",\n",
  '"merged_population": ', mat(merged), ",\n",
  '"weights": ', mat(w), ",\n",
  '"type_totals": ', vec(as.numeric(svytotal(~respondent_type, raked))), ",\n",
  '"service_totals": ', vec(as.numeric(svytotal(~service, raked))), ",\n",
  '"mean": ', num(coef(m)), ",\n",
  '"se": ', num(SE(m)), ",\n",
  '"overall_merge_largest_gap": ', num(unmet), "\n}\n")
writeLines(json, "rake_within_type.json")
