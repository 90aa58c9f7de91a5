# jetkeeper: multi-stage, non-root. Build: docker build -t jetkeeper .
# Run: docker run --rm jetkeeper controller --source kubernetes --all-namespaces -s nats://nats:4222
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY tools/lint/package.json tools/lint/
RUN npm ci --ignore-scripts
COPY src ./src
COPY examples ./examples
COPY bin ./bin
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY tools/lint/package.json tools/lint/
RUN npm ci --omit=dev --ignore-scripts

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/examples ./dist/examples
COPY bin ./bin
COPY deploy ./deploy
COPY package.json ./
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/jetkeeper.js"]
CMD ["--help"]
