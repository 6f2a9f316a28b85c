# Rendered by phoenix from an image spec. Do not edit: change the spec and render again.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      'libssl3=3.0.20-1~deb12u2' \
      'nodejs=18.20.4+dfsg-1~deb12u3' \
      'openssl=3.0.20-1~deb12u2' \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 phoenix \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin phoenix
# The app tree is owned by root and only readable by the app user.
COPY app/ /opt/app/
COPY ["config/0","/etc/web/config.json"]
# Kernel parameters from the spec, for the record: the runtime applies them to the container.
RUN mkdir -p /etc/sysctl.d && printf '%s\n' 'net.core.somaxconn = 1024' > /etc/sysctl.d/99-phoenix.conf
# Last filesystem step: the installed packages, from dpkg's database, recorded inside the image.
RUN mkdir -p /usr/share/phoenix \
 && dpkg-query --show \
      --showformat='${db:Status-Status} ${Package} ${Version} ${Architecture}\n' \
      > /tmp/phoenix-dpkg \
 && awk '$1 == "installed" { print $2, $3, $4 }' /tmp/phoenix-dpkg \
      | LC_ALL=C sort > /usr/share/phoenix/packages.txt \
 && rm /tmp/phoenix-dpkg
ENV LOG_LEVEL="info"
ENV PHOENIX_APP_NAME="web"
ENV PHOENIX_APP_VERSION="v3.4.1"
ENV PHOENIX_PORT="8080"
ENV PHOENIX_SPEC_HASH="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
USER 10001:10001
WORKDIR /opt/app
EXPOSE 8080
# Health probe: bash's /dev/tcp, present in every Debian image; no curl, no dependence on the app runtime.
HEALTHCHECK --interval=2s --timeout=2s --retries=2 CMD ["bash","-c","exec 3<>\"/dev/tcp/127.0.0.1/$1\" || exit 1; printf 'GET %s HTTP/1.0\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' \"$2\" >&3; IFS= read -r status <&3; case \"$status\" in \"HTTP/1.\"[01]\" 2\"[0-9][0-9]\" \"*) exit 0;; esac; exit 1","healthcheck","8080","/healthz"]
STOPSIGNAL SIGTERM
ARG GIT_COMMIT=unknown
LABEL org.opencontainers.image.title="web"
LABEL org.opencontainers.image.version="v3.4.1"
LABEL org.opencontainers.image.revision="${GIT_COMMIT}"
LABEL org.opencontainers.image.base.name="debian:bookworm-slim"
LABEL io.phoenix.name="web"
LABEL io.phoenix.spec-hash="0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
CMD ["node","server.js"]
