# syntax=docker/dockerfile:1

# Build: a static binary (modernc.org/sqlite is pure Go, so no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sloguard ./cmd/sloguard \
 && mkdir -p /out/app/logs /out/app/data

# Run: no shell, no package manager, not root. The working directory holds
# logs/ and data/, which the app writes and docker-compose keeps in volumes.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sloguard /usr/local/bin/sloguard
COPY --from=build --chown=65532:65532 /out/app /app
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/sloguard"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
