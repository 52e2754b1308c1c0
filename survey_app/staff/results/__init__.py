"""Staff pages of results: the national page, the office page, the results API, downloads, and chart geometry."""
