# flagger-py images. Two targets:
#   docker build -t flagger-py:0.1.0 .                          (the default: the controller, `flagger-py run`)
#   docker build --target loadtester -t flagger-py-loadtester:0.1.0 .   (adds hey, kubectl, helm)
# The wheel is built in the first stage; the final images hold a virtualenv with the wheel and its
# dependencies, and no compiler, pip cache or source tree. Both run as uid 10001 (the charts' runAsUser)
# and work on a read-only root filesystem (writable: /tmp, and $HOME in the loadtester).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/build && /opt/build/bin/pip install "build>=1.2"
COPY pyproject.toml README.md ./
COPY flagger_py/ flagger_py/
COPY providers/ providers/
COPY crds/ crds/
RUN /opt/build/bin/python -m build --wheel --outdir /dist \
    && python -m venv /opt/flagger-py \
    && wheel="$(ls /dist/flagger_py-*.whl)" \
    && /opt/flagger-py/bin/pip install "${wheel}[cloudwatch,stackdriver]" \
    && /opt/flagger-py/bin/pip uninstall --yes pip

FROM ${PYTHON_IMAGE} AS tools
ARG KUBECTL_VERSION=v1.31.4
ARG HELM_VERSION=v3.16.4
ARG TARGETARCH=amd64
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Release binaries, verified against the checksums their publishers ship next to them.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates curl \
    && curl -fsSLo /tmp/kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
    && echo "$(curl -fsSL "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl.sha256")  /tmp/kubectl" | sha256sum --check \
    && install -m 0755 /tmp/kubectl /usr/local/bin/kubectl \
    && curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
    && echo "$(curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" | cut -d' ' -f1)  /tmp/helm.tgz" | sha256sum --check \
    && tar -xzf /tmp/helm.tgz -C /tmp \
    && install -m 0755 "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm \
    && rm -rf /tmp/* /var/lib/apt/lists/*

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/flagger-py/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /opt/flagger-py /opt/flagger-py
EXPOSE 8080
ENTRYPOINT ["flagger-py"]

FROM runtime AS loadtester
# hey (load generator), bash and curl for `bash` tasks: Debian packages, no build tools.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends hey bash curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /home/app /data \
    && chown 10001:10001 /home/app /data
COPY --from=tools /usr/local/bin/kubectl /usr/local/bin/helm /usr/local/bin/
ENV HOME=/home/app
USER 10001:10001
CMD ["loadtester", "-port=8080", "--gate-file=/data/gates.json"]

# The last stage is what `docker build .` builds: the controller.
FROM runtime AS controller
USER 10001:10001
CMD ["run"]
