# corriente's container image: the Fargate roles (orchestrator, dispatchers, warehouse load) and
# the SageMaker endpoint (`serve` → `corriente fx serve-model`). Built by `cdk deploy` (a Docker
# image asset), not in CI (CI has no network for base images).
FROM node:22-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied; better-sqlite3's native
# module is then built (or fetched prebuilt) explicitly.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY contracts ./contracts
RUN npm run build && npm prune --omit=dev

FROM node:22-slim
ENV NODE_ENV=production CORRIENTE_HOME=/tmp/corriente
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/contracts ./contracts
COPY package.json ./
COPY infra/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["up", "--no-demo"]
