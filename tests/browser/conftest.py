import os

# Playwright's sync API runs an event loop in the test thread; the ORM calls made there
# by fixtures are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
