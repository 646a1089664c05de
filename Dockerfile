# magesync in a container: a static binary on an empty image.
#   docker build -t magesync .
#   docker run -p 8080:8080 -e MAGESYNC_DSN='user:pass@tcp(db:3306)/magento' \
#     -e MAGESYNC_SECRET_KEY=… magesync
# The image holds the binary, the CA certificates it checks Salesforce with,
# and nothing else; it runs as nobody. deploy/check-image checks the build
# line below and the final stage's contents without a container engine.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/magesync ./cmd/magesync

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/magesync /magesync
USER 65534:65534
EXPOSE 8080
# SIGTERM (docker stop): the workers stop claiming and hand back their work.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/magesync"]
CMD ["serve", "--addr", ":8080"]
