"""Intake: what a survey link opens, storing a submission exactly once and anonymously, bursts from one
source, and releasing stored responses to staff in batches of K."""
