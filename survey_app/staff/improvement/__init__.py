"""Staff pages of improvement: the office page's improvement sections, plans, themes, official results, and the
changes page."""
