# syntax=docker/dockerfile:1
# crewdesk: one Node process (engine, scheduler, chat). Node 22 LTS, non-root, data/ as a volume.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; sqlite3 and @napi-rs/canvas ship prebuilt binaries in the package.
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
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
ENTRYPOINT ["node", "bin/crewdesk.js"]
CMD ["start"]
