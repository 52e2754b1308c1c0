# JSON writing shared by the reference scripts in this folder (each runs from here: `source("json.R")`).
# Numbers carry 17 significant digits, so the Python tests read R's doubles back exactly; NA is written as null.

num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ", "), "]")
str <- function(x) paste0('"', gsub('"', "'", x), '"')
obj <- function(...) {
  parts <- list(...)
  paste0("{", paste(paste0('"', names(parts), '": ', unlist(parts)), collapse = ", "), "}")
}
