"""Fixtures for the tests of the generated Python bindings: devices with their own home and
their own node on 127.0.0.1 (mDNS off), and a listener that records sync events.

run-tests.sh puts the generated `livret_mobile.py` (beside the built library) on PYTHONPATH.
"""

import secrets
import threading
import time

import pytest

import livret_mobile as lm

LOOPBACK = lm.NodeConfig(listen=["/ip4/127.0.0.1/tcp/0"], mdns=False)


class Recorder(lm.SyncListener):
    """A SyncListener that keeps every event, for the tests to wait on."""

    def __init__(self):
        self._events = []
        self._cond = threading.Condition()

    def on_event(self, event):
        with self._cond:
            self._events.append(event)
            self._cond.notify_all()

    def events(self):
        with self._cond:
            return list(self._events)

    def wait_for(self, predicate, timeout=10.0):
        """The first event satisfying `predicate`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events:
                    if predicate(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching event within {timeout}s; got {self._events!r}"
                    )
                self._cond.wait(left)


class Actor:
    """One device of a scenario: its home, storage key, node and recorded events."""

    def __init__(self, home, role, name):
        self.home = str(home)
        self.key = secrets.token_bytes(32)
        self.dev = lm.LivretDevice.create(self.home, self.key, role, name)
        self.events = Recorder()
        self.addresses = self.dev.start_node(LOOPBACK, self.events)

    @property
    def address(self):
        return self.addresses[0]

    def close(self):
        self.dev.stop_node()


@pytest.fixture
def family(tmp_path):
    actor = Actor(tmp_path / "famille", lm.Role.FAMILY, "Maman de Lina")
    yield actor
    actor.close()


@pytest.fixture
def teacher(tmp_path):
    actor = Actor(tmp_path / "prof", lm.Role.TEACHER, "M. Martin")
    yield actor
    actor.close()
