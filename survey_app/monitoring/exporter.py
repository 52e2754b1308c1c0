"""What the gunicorn master serves on ``SURVEY_METRICS_BIND``: the workers' summed metrics (prometheus_client's
multiprocess mode) and the mail queue, counted in the database at each scrape."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class MailQueueCollector(Collector):
    """``survey_mail_messages{state}``: outbox messages per state, counted in the database at each scrape (so the
    figure is the same whichever host or worker sent them). A connection is opened per scrape and closed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        from ..models import OutboxMessage
        from ..models.enums import OutboxState

        family = GaugeMetricFamily("survey_mail_messages", "Outbox messages by state", labels=["state"])
        up = GaugeMetricFamily("survey_metrics_database_up", "1 when the scrape could read the database")
        engine = sa.create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                counts: dict[str, int] = dict(
                    conn.execute(
                        sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
                    ).all()
                )
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        finally:
            engine.dispose()
        for state in OutboxState:
            family.add_metric([state.value], int(counts.get(state.value, 0)))
        up.add_metric([], 1)
        yield family
        yield up


def serve(bind: str, database_url: str) -> None:
    """Serve the workers' summed metrics (and the mail queue) on ``bind`` (``host:port``), in a thread of the
    gunicorn master. Needs ``PROMETHEUS_MULTIPROC_DIR``."""
    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(MailQueueCollector(database_url))
    start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)
