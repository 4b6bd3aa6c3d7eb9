"""The Dramatiq broker from settings: Redis (or RabbitMQ) when ORDERCENTER_BROKER_URL is set, else in-process.

The broker only carries "run this now" messages; every job re-derives its work from the database, so a
broker that loses its messages (restarted, flushed) loses no work: the next scheduler tick sends them again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker

from ordercenter.domain.errors import InvalidInput

# One queue for everything: the jobs are short and the claims, not the queue, decide what runs.
QUEUE = "ordercenter"


def build_broker(broker_url: str | None) -> dramatiq.Broker:
    """RedisBroker for redis://, RabbitmqBroker for amqp://, an in-memory StubBroker when none is set."""
    if broker_url is None:
        return StubBroker()
    scheme = urlsplit(broker_url).scheme
    if scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=broker_url)  # type: ignore[no-untyped-call]
    if scheme in ("amqp", "amqps"):
        try:
            from dramatiq.brokers.rabbitmq import RabbitmqBroker
        except ImportError:  # pika is an optional extra of Dramatiq
            raise InvalidInput("a RabbitMQ broker needs the pika package (pip install 'dramatiq[rabbitmq]')",
                               field="broker_url") from None
        return RabbitmqBroker(url=broker_url)
    raise InvalidInput(f"ORDERCENTER_BROKER_URL must start with redis://, rediss:// or amqp://, not '{scheme}://'",
                       field="broker_url")


def start_consumers(broker: dramatiq.Broker, threads: int) -> dramatiq.Worker:
    """A Dramatiq worker consuming our queue in `threads` threads of this process; `.stop()` ends it."""
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads, worker_timeout=250)
    worker.start()
    return worker
