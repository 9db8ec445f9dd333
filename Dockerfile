# syntax=docker/dockerfile:1
# crewdesk: one Node process (engine, scheduler, chat). Node 22 LTS, non-root, data/ as a volume.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 downloads a prebuilt addon when it can reach GitHub's release assets, and compiles
# it from source with node-gyp when it cannot (~95 s here): that needs python3, make and g++. They
# stay in this stage; the runtime image gets only the built node_modules.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Production dependencies only (@napi-rs/canvas ships prebuilt binaries in its platform package).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json crewdesk.example.yaml ./
COPY bin ./bin
COPY src ./src
COPY crews ./crews
COPY commands ./commands
COPY prompts ./prompts
# The dashboard's static pages (served by the desk when the config has an api: section).
COPY web ./web
# The forge (when configured) keeps its sandbox build under node_modules/.cache and writes approved
# crews to crews/forged: both must be the desk user's to write.
RUN mkdir -p /app/data /app/node_modules/.cache /app/crews/forged \
 && chown -R node:node /app/data /app/node_modules/.cache /app/crews/forged
USER node
VOLUME ["/app/data"]
# The HTTP API and dashboard, when configured (bind host 0.0.0.0 in the container needs a token).
EXPOSE 8787
ENTRYPOINT ["node", "bin/crewdesk.js"]
CMD ["start"]
