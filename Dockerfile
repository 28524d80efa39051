# Vigil's container images, two targets of one build:
#   docker build --target analyser -t vigil-analyser:0.1.0 .   (vigil serve)
#   docker build --target agent    -t vigil-agent:0.1.0 .      (vigil agent; adds auditctl)
# Both run as uid 10001 with nothing to write outside mounted volumes (readOnlyRootFilesystem in
# deploy/); the kernel-audit agent alone is run as root by its manifest (auditctl needs it).

# ---- build: compile TypeScript, then keep only production dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 is a native module: compiled here when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would build before the sources are here; the one install
# script that matters (better-sqlite3's native build) is run explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find dist/src -name '*.test.js' -delete \
 && find dist/src -name '*.map' -delete

# ---- common runtime: Node, the compiled CLI, its data files and production node_modules ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY bin ./bin
COPY data ./data
ENTRYPOINT ["node", "/app/bin/vigil.js"]

# ---- agent: the node agent, with the kernel audit user space (auditctl) ----
FROM runtime AS agent
RUN apt-get update \
 && apt-get install -y --no-install-recommends auditd \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
CMD ["agent", "--help"]

# ---- analyser: vigil serve (last stage: the default target) ----
FROM runtime AS analyser
USER 10001:10001
EXPOSE 8080
CMD ["serve", "--listen=0.0.0.0:8080", "--data-dir=/var/lib/vigil"]
