import llmopt.widgets


def test_public_names_are_exported() -> None:
    for name in llmopt.widgets.__all__:
        assert hasattr(llmopt.widgets, name), name
