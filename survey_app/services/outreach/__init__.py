"""Outreach: reaching respondents. Poster and channel links and what goes on posters and share pages, business
invitations from a contact CSV, the emails, the outbox and the mail worker that sends them, and the public results
pages that show people what their answers changed."""
