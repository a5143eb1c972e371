# syntax=docker/dockerfile:1
#
# Rayguard dashboard: build once, deploy anywhere. Settings are environment variables read at run
# time (.env.example, docs/deploy.md); the image holds no configuration and no credentials.
#
#   docker build -t rayguard .
#   docker run --init -p 3000:3000 -v rayguard-data:/data rayguard
#
# Three stages on the same Debian release and Node major, so that better-sqlite3's native module
# built in `deps` loads in `runtime`.

# Node 22 (LTS): Node 20 is past its end of life and AWS SDK releases from January 2027 need 22.
# The test suite runs on Node 20 (engines >=20.9); `--build-arg NODE_IMAGE=node:20-bookworm-slim`
# builds the image on exactly that.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- deps: every dependency (the build needs the dev ones), native modules compiled here --------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one matches; otherwise node-gyp compiles it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build: next build (output: 'standalone'), then the standalone folder assembled ---------------
FROM deps AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
RUN npx next build
# scripts/standalone.mjs is what bench:load and e2e/standalone.spec.ts run too: .next/standalone
# (server.js + traced node_modules), with .next/static and public (when there is one) beside it.
RUN node scripts/standalone.mjs /standalone

# --- runtime: node + the standalone folder, nothing else ----------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    HOSTNAME=0.0.0.0 \
    RAYGUARD_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 rayguard \
 && useradd --system --uid 10001 --gid rayguard --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin rayguard
# The code stays root's (read-only for the server); only the data directory and Next's cache are the server's.
COPY --from=build /standalone/ /app/
RUN mkdir -p /data /app/.next/cache \
 && chown rayguard:rayguard /data /app/.next/cache \
 && chmod 0700 /data
# The SQLite share store (RAYGUARD_DATA_DIR). Not /app/data: that holds the bundled samples.
VOLUME ["/data"]
USER 10001:10001
EXPOSE 3000
# Liveness only (the process answers); readiness (IAM reachable, store writable) is /api/readyz.
# No curl in slim images: node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.js"]
