from collections import Counter

from llmopt.traffic.reservoir import Reservoir


def sample(n, size, seed):
    pool = Reservoir(size, seed)
    for i in range(n):
        pool.offer(i)
    return pool


def test_exact_size_and_reproducible():
    pool = sample(1000, 10, seed=3)
    assert len(pool.items()) == 10 and pool.dropped == 990 and pool.seen == 1000
    assert pool.items() == sample(1000, 10, seed=3).items() != sample(1000, 10, seed=4).items()


def test_fewer_items_than_the_size_keeps_them_all():
    pool = sample(3, 10, seed=0)
    assert sorted(pool.items()) == [0, 1, 2] and pool.dropped == 0


def test_every_item_is_about_equally_likely():
    hits = Counter(i for seed in range(2000) for i in sample(20, 5, seed).items())
    assert len(hits) == 20 and max(hits.values()) < 1.25 * min(hits.values())
