"""gunicorn settings for production: `gunicorn kb.wsgi` reads this file from the project root.

Every value can be set from the environment; defaults suit a small two-core server behind a
reverse proxy that terminates HTTPS.
"""

import multiprocessing
import os

bind = os.environ.get("KB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("KB_THREADS", "2"))
timeout = int(os.environ.get("KB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak never takes a server down.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("KB_FORWARDED_ALLOW_IPS", "127.0.0.1")
