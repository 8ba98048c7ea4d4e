# Multi-stage: compile TypeScript and the console with the dev dependencies, then drop them; the runtime
# stage only copies what the build stage made, so it runs no npm and keeps no npm cache or compile cache.
# test/e2e/dockerfile.e2e.test.ts runs both stages from a tree holding only what they copy;
# test/e2e/image.e2e.test.ts builds and runs the image with podman.
#
# The base is a tag; to pin it, pass its digest: --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:...
# (`docker buildx imagetools inspect node:24-bookworm-slim` prints it).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Where TLS to the registry is re-signed, its CA comes in as a build secret, never into a layer:
# --secret id=npm_ca,src=/path/to/ca.pem. Without it npm uses Node's own CA store.
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --no-audit --no-fund
# Everything `npm run build` reads: the TypeScript sources and scripts, and the console (web/).
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 MODEL_DIR=/app/models
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
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
