"""The workshop kit: how a notebook opens and closes (`lesson`), its exercises in two versions
(`versions`), and the facilitator guide's measured times (`guide`)."""
