"""The demo world: a seeded support workload, its grader, and two tiny models trained on it.

Everything here runs offline and deterministically; it teaches the method and exercises the
machinery, and never stands in for real-model claims.
"""
