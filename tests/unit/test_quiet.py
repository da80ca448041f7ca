import logging

import pytest

from llmopt import quiet


@pytest.fixture
def installed():
    """quiet.install() on a clean slate, its filters taken off afterwards."""
    loggers = [logging.getLogger(None if name == "root" else name) for name, _ in quiet.DROPPED]

    def strip():
        for logger in loggers:
            for f in [f for f in logger.filters if isinstance(f, quiet.Dropped)]:
                logger.removeFilter(f)

    strip()
    quiet.install()
    yield
    strip()


@pytest.mark.parametrize(("name", "prefix"), quiet.DROPPED)
def test_each_named_message_is_dropped_and_its_logger_still_talks(installed, caplog, name,
                                                                  prefix):
    logger = logging.getLogger(None if name == "root" else name)
    with caplog.at_level(logging.INFO):
        logger.warning(prefix + " and the rest of the message")
        logger.warning("something else on the same logger")
    assert [r.getMessage() for r in caplog.records] == ["something else on the same logger"]


def test_a_message_from_another_logger_is_not_dropped(installed, caplog):
    """A logger filter sees only its own logger's records: the root logger's filter does not
    drop the same words logged (and propagated) by another logger."""
    with caplog.at_level(logging.INFO):
        logging.getLogger("llmopt.some.module").warning(quiet.DROPPED[-1][1])
    assert len(caplog.records) == 1


def test_install_twice_adds_each_filter_once(installed):
    quiet.install()
    for name, _ in quiet.DROPPED:
        logger = logging.getLogger(None if name == "root" else name)
        assert sum(isinstance(f, quiet.Dropped) for f in logger.filters) >= 1
        prefixes = [f.prefix for f in logger.filters if isinstance(f, quiet.Dropped)]
        assert len(prefixes) == len(set(prefixes))
