"""The Celery application: tasks are discovered in each app's ``tasks`` module."""

import logging
import os
import time

from celery import Celery, Task
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casusregie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# One quick retry, then give up: a request must not wait for a broker that is down.
NUDGE_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


class Nudge(Task):
    """A task whose message only hurries work along that is kept in PostgreSQL and picked up
    by a periodic run anyway (the outbox every few seconds, the sweep daily). When the broker
    cannot take the message, that is logged and the caller goes on: a provider's answer is
    committed and must not turn into a 500 after the fact (``make fault-redis-down``).

    Nobody waits for a nudge's result, so none is kept: with a result kept, sending the message
    also subscribes to the result in Redis, which retries for 20 s when Redis is down.
    """

    abstract = True
    ignore_result = True
    # Per process: when the run this process queued last will start (time.monotonic()).
    _queued_until: dict[str, float] = {}

    def soon(self, within: float = 1.0) -> None:
        """Queue a run ``within`` seconds from now, unless this process queued one that has
        not started yet: that run starts after this moment, so it sees everything committed
        before it, this caller's change included. Under load one run serves all the changes of
        that second (the work waits in PostgreSQL); idle, a change waits ``within`` seconds.
        Eager (tests) runs at once, every time: there is no later start to rely on."""
        if self.app.conf.task_always_eager:
            self.apply_async()
            return
        now = time.monotonic()
        if now < self._queued_until.get(self.name, 0.0):
            return
        if self.apply_async(countdown=within) is not None:
            self._queued_until[self.name] = now + within

    def apply_async(self, args=None, kwargs=None, **options):
        options.setdefault("retry_policy", NUDGE_RETRY_POLICY)
        try:
            return super().apply_async(args, kwargs, **options)
        except (BrokerError, RedisError, OSError) as exc:
            logger.warning("broker unavailable, %s not queued (%s)", self.name, exc)
            return None
