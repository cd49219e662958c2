# The one image for the operator and for ingestion Job pods (`weir ingest`).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/weir ./operator/cmd/weir

# distroless "nonroot" is uid 65532: the restricted pod security profile's
# runAsNonRoot needs a numeric user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/weir /usr/local/bin/weir
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/weir"]
