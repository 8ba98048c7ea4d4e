# Multi-stage: compile TypeScript with the dev dependencies, run with production ones only.
# test/e2e/runtime.e2e.test.ts emulates the runtime stage (npm ci --omit=dev, a non-root user, serve and train).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 MODEL_DIR=/app/models
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The dataset: `node dist/scripts/train.js` trains on it when given no --data.
COPY data ./data
# The committed bundle is baked in; mount a volume on /app/models to train and keep versions.
COPY --chown=node:node models ./models
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1's command (no npm or shell in between), so `docker stop`'s SIGTERM reaches it and it drains.
CMD ["node", "dist/src/server.js"]
