"""Reaching people: poster and channel links, invitations, contacts and the mail that carries them."""
