# ghl-auth: `docker run ... ghl-auth:latest` runs `ghl-auth check` (see README, Deployment).
# Build stage: install the build tools and the bundled packages, bundle; the final stage copies the
# bundle alone: it needs no node_modules (package.json only gives it "type": "module" and the version).
FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) needs the sources, copied below so a source change keeps this layer cached.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    GHL_TOKENS_FILE=/data/ghl_tokens.json
WORKDIR /app
# Root-owned and read-only to the runtime user; only /data is writable. run_ghl_check.sh mounts the
# host's data directory there (a directory, never the single token file: renames onto a bind-mounted
# file fail, and the lock beside the file must be seen by every run).
COPY --from=build /build/package.json ./
COPY --from=build /build/dist ./dist
RUN install -d -o node -g node -m 0700 /data
USER node
# `node --`: Node would otherwise take the CLI's own --env-file option for itself (nodejs/node#54232).
ENTRYPOINT ["node", "--", "/app/dist/cli.js"]
CMD ["check"]
