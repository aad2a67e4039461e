"""gunicorn's settings, in one place: the Dockerfile (and so compose.yaml's web) and
deploy/systemd/sipas-web.service all run `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

What differs between hosts comes from the environment: GUNICORN_BIND (0.0.0.0:8000 in a container,
127.0.0.1:8000 behind a local nginx), WEB_CONCURRENCY (workers, about 2 x cores + 1) and
FORWARDED_ALLOW_IPS (the proxy whose X-Forwarded-* headers are believed).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
# The slowest page is a province's dashboard; nothing a citizen does comes near a minute.
timeout = 60
# A worker is replaced after about 2,000 requests (jittered, so they do not all restart at once).
max_requests = 2000
max_requests_jitter = 200
# systemd and compose manage gunicorn by signals (HUP reloads); the sipas user has no writable home
# for gunicorn's control socket (~/.gunicorn/gunicorn.ctl), under ProtectSystem=strict or in the image.
control_socket_disable = True
