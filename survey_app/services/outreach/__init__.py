"""Outreach: reaching respondents. Poster links and what goes on posters, business invitations from a contact
CSV, the emails, the outbox and the mail worker that sends them."""
