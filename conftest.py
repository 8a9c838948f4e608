# The harness lives in harness/; this file only plugs it into pytest.
pytest_plugins = ["harness.plugin", "harness.browser", "pytester"]
