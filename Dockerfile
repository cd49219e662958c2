# The one image for the operator and for ingestion Job pods (`weir ingest`),
# for those who build with Docker: the same contents as `make image`
# (hack/image.sh, test/tools/image), which needs neither Docker nor a base
# image. Build it with `make docker-build IMG=...`, or:
#   docker build --build-arg VERSION=0.1.0 -t ghcr.io/weir-dev/weir:0.1.0 .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The reference the binary defaults ingestion pods to (--image): this image's own.
ARG IMG=ghcr.io/weir-dev/weir:${VERSION}
# The built-in sources first (wasm, GOOS=wasip1): weir embeds them and does
# not compile without them. .dockerignore keeps the build machine's out.
RUN make plugins VERSION="${VERSION}"
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.image=${IMG}" \
      -o /out/usr/local/bin/weir ./operator/cmd/weir
# Their compiled code, for this build machine's CPU; on another CPU it misses
# and `weir ingest` compiles as if it were absent.
RUN /out/usr/local/bin/weir plugin precompile --cache-dir /out/usr/local/lib/weir/wazero-cache \
 && chmod -R u=rwX,go=rX /out/usr/local/lib/weir
# uid 65532 ("nonroot"): the restricted pod security profile's runAsNonRoot
# needs a numeric user. CA certificates from the build stage's system.
RUN mkdir -p /out/etc/ssl/certs /out/tmp /home-nonroot \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /out/etc/passwd \
 && printf 'root:x:0:\nnonroot:x:65532:\n' > /out/etc/group \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt \
 && chmod 1777 /out/tmp && chmod 700 /home-nonroot

FROM scratch
COPY --from=build /out/ /
COPY --from=build --chown=65532:65532 /home-nonroot /home/nonroot
ENV PATH=/usr/local/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    HOME=/home/nonroot \
    WEIR_BUILTIN_CACHE=/usr/local/lib/weir/wazero-cache
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/weir"]
