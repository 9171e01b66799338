# syntax=docker/dockerfile:1
#
# One image per deployable workspace of the CRM: the four subgraphs and the gateway.
# Build context: the repository root. BuildKit reads the ignore file beside this one
# (service.Dockerfile.dockerignore), not a root .dockerignore.
#
#   docker build -f deploy/docker/service.Dockerfile \
#     --build-arg SERVICE=contacts --build-arg PORT=4001 -t crm/contacts .
#   docker build -f deploy/docker/service.Dockerfile \
#     --build-arg SERVICE=gateway --build-arg WORKSPACE_DIR=gateway --build-arg PORT=4000 -t crm/gateway .
#
# SERVICE        contacts | deals | activities | analytics | gateway (the package is @crm/$SERVICE)
# WORKSPACE_DIR  the workspace folder; services/$SERVICE unless given (the gateway's is "gateway")
# PORT           the port the process listens on and the HEALTHCHECK asks (4001-4004, gateway 4000)
#
# Debian, not Alpine: the root devDependency `node` (the repo's Node pin) installs a
# glibc binary that `npm run` puts first on PATH during the build.
# deploy/check/check-deploy.mjs checks this file against the repository.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------- base
FROM ${NODE_IMAGE} AS base
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
WORKDIR /repo

# ---------------------------------------------------------------- manifests
# The lockfile and every workspace's package.json (npm ci needs them all), and nothing
# else, so the dependency layers below are rebuilt only when dependencies change.
FROM base AS manifests
COPY package.json package-lock.json ./
COPY packages/auth/package.json packages/auth/
COPY packages/bench/package.json packages/bench/
COPY packages/build-config/package.json packages/build-config/
COPY packages/demo/package.json packages/demo/
COPY packages/erp-simulator/package.json packages/erp-simulator/
COPY packages/events/package.json packages/events/
COPY packages/fault-tests/package.json packages/fault-tests/
COPY packages/jest-config/package.json packages/jest-config/
COPY packages/messaging/package.json packages/messaging/
COPY packages/policy/package.json packages/policy/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/testing/package.json packages/testing/
COPY packages/tsconfig/package.json packages/tsconfig/
COPY services/activities/package.json services/activities/
COPY services/analytics/package.json services/analytics/
COPY services/contacts/package.json services/contacts/
COPY services/deals/package.json services/deals/
COPY gateway/package.json gateway/

# ---------------------------------------------------------------- deps
# Everything, dev dependencies included (turbo, tsup, graphql-codegen, tsx): what the
# build needs. The same layer serves all five images.
FROM manifests AS deps
RUN --mount=type=cache,id=crm-npm,target=/root/.npm,sharing=locked \
    npm ci

# ---------------------------------------------------------------- prod-deps
# Only the run-time dependencies of the one workspace (and of the @crm/* packages it
# uses): no root devDependencies (no `node` package), no other service's. The @crm/*
# links point at sources the runtime image does not have: tsup bundled them.
FROM manifests AS prod-deps
ARG SERVICE
ARG WORKSPACE_DIR=services/${SERVICE}
RUN --mount=type=cache,id=crm-npm,target=/root/.npm,sharing=locked \
    test -n "${SERVICE}" || { echo 'missing --build-arg SERVICE=<contacts|deals|activities|analytics|gateway>' >&2; exit 1; }; \
    npm ci --omit=dev --workspace "${WORKSPACE_DIR}" --include-workspace-root=false \
 && rm -rf node_modules/@crm

# ---------------------------------------------------------------- build
FROM deps AS build
ARG SERVICE
ARG WORKSPACE_DIR=services/${SERVICE}
ARG PORT
COPY . .
RUN test -n "${SERVICE}" || { echo 'missing --build-arg SERVICE=<contacts|deals|activities|analytics|gateway>' >&2; exit 1; }; \
    test -n "${PORT}" || { echo 'missing --build-arg PORT=<4000-4004>' >&2; exit 1; }; \
    name="$(node -p "require('./${WORKSPACE_DIR}/package.json').name")" \
      && test "${name}" = "@crm/${SERVICE}" \
      || { echo "${WORKSPACE_DIR} is not the workspace of @crm/${SERVICE} (pass --build-arg WORKSPACE_DIR)" >&2; exit 1; }
# turbo runs codegen (src/generated/ from the .graphql files) and then tsup.
RUN --mount=type=cache,id=crm-turbo,target=/repo/.turbo/cache \
    npx turbo run build --filter="@crm/${SERVICE}" --output-logs=new-only
# /out is what the runtime image gets: the bundle and, for the gateway, the supergraph it
# serves (dist/../supergraph.graphql), checked against this commit's subgraph schemas.
RUN mkdir -p /out \
 && cp -R "${WORKSPACE_DIR}/dist" /out/dist \
 && if [ "${SERVICE}" = gateway ]; then \
      npm run -s compose:check -w @crm/gateway && cp gateway/supergraph.graphql /out/supergraph.graphql; \
    fi

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG PORT
LABEL org.opencontainers.image.title="crm-${SERVICE}" \
      org.opencontainers.image.description="CRM platform: ${SERVICE}"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT}
WORKDIR /app
# Owned by root: read-only to the user that runs the process.
COPY --from=prod-deps /repo/node_modules ./node_modules
COPY --from=build /out/ ./
# The base image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE ${PORT}
# Liveness. Compose and Kubernetes ask the subgraphs' /ready for readiness themselves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A 2 MB young generation and no --enable-source-maps (which parses every source map at start,
# about 100 MB of RSS): each process idles under 150 MB. Same flags as npm start.
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
