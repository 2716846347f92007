// Realistic production-grade deploy files: none of the CW1xx/CW4xx rules may fire on them.
export const PROD_PROCFILE = `web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT --workers 3 --log-file -
release: python manage.py migrate --noinput
worker: celery -A mysite worker --loglevel info
`;

export const PROD_DOCKERFILE = `# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
WORKDIR /app
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    DJANGO_SETTINGS_MODULE=mysite.settings
ARG SECRET_KEY
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app . .
RUN python manage.py collectstatic --noinput
USER app
EXPOSE 8000
HEALTHCHECK CMD python -c "import socket; socket.create_connection(('127.0.0.1', 8000), 3)" || exit 1
CMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
`;

export const PROD_DOCKERIGNORE = `.git
.env
.venv
__pycache__
*.pyc
`;

export const PROD_COMPOSE = `services:
  web:
    image: registry.example.com/mysite:1.4.2
    command: ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
    env_file: .env
    environment:
      DJANGO_DEBUG: "0"
      SECRET_KEY: \${SECRET_KEY}
      DATABASE_URL: postgres://mysite:\${POSTGRES_PASSWORD}@db/mysite
    ports:
      - "8000:8000"
    depends_on: [db, cache]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
    volumes:
      - pgdata:/var/lib/postgresql/data
    ports:
      - "127.0.0.1:5432:5432"
  cache:
    image: redis:7-alpine
    expose:
      - "6379"
volumes:
  pgdata:
`;

export const PROD_K8S = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: web
          image: registry.example.com/mysite:1.4.2
          command: ["gunicorn"]
          args: ["mysite.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
          ports:
            - containerPort: 8000
          env:
            - name: DJANGO_DEBUG
              value: "0"
            - name: SECRET_KEY
              valueFrom:
                secretKeyRef: {name: mysite, key: secret-key}
          securityContext:
            allowPrivilegeEscalation: false
          readinessProbe:
            httpGet: {path: /healthz, port: 8000}
          livenessProbe:
            tcpSocket: {port: 8000}
          resources:
            requests: {cpu: 100m, memory: 256Mi}
            limits: {cpu: "1", memory: 512Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8000
`;

export const PROD_SYSTEMD = `[Unit]
Description=mysite gunicorn
After=network.target

[Service]
User=mysite
Group=mysite
WorkingDirectory=/srv/mysite
Environment=DJANGO_SETTINGS_MODULE=mysite.settings DJANGO_DEBUG=0
EnvironmentFile=/etc/mysite/env
ExecStart=/srv/mysite/venv/bin/gunicorn mysite.wsgi \\
    --bind unix:/run/mysite/gunicorn.sock --workers 3
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;

export const PROD_ENTRYPOINT = `#!/bin/sh
set -e
python manage.py migrate --noinput
exec gunicorn mysite.wsgi --bind 0.0.0.0:8000 --workers 3
`;

export const PROD_FLY = `app = "mysite"
primary_region = "ams"

[processes]
app = "gunicorn mysite.wsgi --bind 0.0.0.0:8000"

[http_service]
internal_port = 8000
force_https = true
`;

export const PROD_RENDER = `services:
  - type: web
    name: mysite
    runtime: python
    buildCommand: pip install -r requirements.txt
    startCommand: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT
`;

export const PROD_RAILWAY_JSON = `{
  "$schema": "https://railway.app/railway.schema.json",
  "deploy": { "startCommand": "gunicorn mysite.wsgi --bind 0.0.0.0:$PORT", "restartPolicyType": "ON_FAILURE" }
}
`;

export const PROD_NIXPACKS = `[phases.setup]
nixPkgs = ["python312"]

[start]
cmd = "gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"
`;

export const PROD_APP_YAML = `runtime: python312
entrypoint: gunicorn -b :$PORT mysite.wsgi
`;

export const PROD_GUNICORN = `import multiprocessing

bind = "0.0.0.0:8000"
workers = multiprocessing.cpu_count() * 2 + 1
loglevel = "info"
accesslog = "-"
reload = False
`;

export const PROD_FASTAPI = `import os

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/healthz")
def health():
    return {"ok": True}


if __name__ == "__main__":
    uvicorn.run("main:app", host="127.0.0.1", port=8000, reload=True)
`;
