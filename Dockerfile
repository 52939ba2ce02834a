# AiKv container image: a build stage compiles the server into one
# self-contained executable (bun build --compile), the runtime stage holds
# only that executable on a slim Debian.
#
#   docker build -t aikv .
#   docker run -p 6379:6379 -v aikv-data:/data aikv
#   docker run aikv --help            (arguments after the image replace the defaults)

FROM node:22-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json bunfig.toml ./
COPY src ./src
RUN npm run build && ./dist/aikv --version

FROM debian:bookworm-slim
RUN useradd --system --home-dir /data --shell /usr/sbin/nologin aikv \
    && mkdir -p /data && chown aikv:aikv /data
COPY --from=build /src/dist/aikv /usr/local/bin/aikv
USER aikv
WORKDIR /data
VOLUME /data
EXPOSE 6379
ENTRYPOINT ["aikv"]
CMD ["--bind", "0.0.0.0", "--dir", "/data"]
