FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/migrantnet
# pg_dump and pg_restore, for `migrantnet backup` and `restore` on PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY src ./src
COPY alembic ./alembic
RUN pip install --no-cache-dir . && useradd --system --home /data migrantnet && mkdir -p /data && chown migrantnet /data
USER migrantnet
EXPOSE 8000
# `serve` and `worker` both migrate the database before they start.
CMD ["migrantnet", "serve", "--host", "0.0.0.0", "--port", "8000"]
