# convoy's container image: the static (musl) convoy binary, a CA bundle and an /etc/passwd,
# nothing else: no shell, no package manager, no libc. The binary is built outside the image
# (`cargo build --profile dist --target <arch>-unknown-linux-musl`), so the image builds in seconds and
# needs no base image and no RUN step: buildah builds it without a Docker engine (.ci/run), and
# buildx builds both architectures without emulation (.github/workflows/release.yml).
#
# Build context: the repository root (.dockerignore lets through only what is copied here).
# Build arguments:
#   BINARY     the static binary; default dist/<TARGETARCH>/convoy, where release.yml puts the
#              amd64 and arm64 builds. .ci/run passes target/x86_64-unknown-linux-musl/dist/convoy.
#   CA_BUNDLE  the PEM bundle of CA certificates convoy trusts for HTTPS (rustls with the platform's
#              roots, read from SSL_CERT_FILE); default dist/ca-certificates.crt, a copy of the build
#              host's /etc/ssl/certs/ca-certificates.crt.
#
# Targets (`--target`):
#   nonroot  runs as the unprivileged user 65532:65532; for running convoy anywhere but as a
#            GitHub Action step (`docker run ghcr.io/convoy-dev/convoy:<version>-nonroot validate …`).
#   action   the last stage, so the default: the image action.yml runs. It keeps the default user
#            (root), as GitHub requires of Docker actions: the runner mounts $GITHUB_OUTPUT,
#            $GITHUB_STEP_SUMMARY and $GITHUB_ENV owned by its own user with mode 0644, so any
#            other non-root user gets "permission denied" appending to them. Root here holds no
#            shell and no tools, only convoy.

FROM scratch AS files
# No default: one would shadow the value BuildKit sets per platform (amd64, arm64).
ARG TARGETARCH
ARG BINARY=dist/${TARGETARCH}/convoy
ARG CA_BUNDLE=dist/ca-certificates.crt
COPY docker/passwd docker/group /etc/
COPY ${CA_BUNDLE} /etc/ssl/certs/ca-certificates.crt
COPY ${BINARY} /convoy
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/convoy", "run"]

FROM files AS nonroot
USER 65532:65532

FROM files AS action
LABEL org.opencontainers.image.title="convoy" \
      org.opencontainers.image.description="Ship one release across many GitHub repositories as a unit" \
      org.opencontainers.image.source="https://github.com/convoy-dev/convoy" \
      org.opencontainers.image.licenses="MIT"
