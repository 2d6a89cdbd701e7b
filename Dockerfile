# KubeCloud's images, one target per binary:
#   docker build --target operator  -t kubecloud/operator  .   # kubecloud-operator: controllers + admission webhook
#   docker build --target node      -t kubecloud/node      .   # kubecloud-node: the per-node daemon (DaemonSet)
#   docker build --target apiserver -t kubecloud/apiserver .   # kubecloud-apiserver: the local control plane
# Base images are pinned to exact versions (the SDK of global.json, the runtime it ships); pin them by digest too
# when building for production (`docker buildx imagetools inspect <image>` prints it). No Docker engine runs in this
# project's CI: tests/KubeCloud.Operator.IntegrationTests/Chart/DockerfileTests.cs runs the same `dotnet publish`
# commands as the build stage and checks that every path a COPY takes exists.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-trixie
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-trixie-slim
ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0.12-trixie-slim

FROM ${SDK_IMAGE} AS build
# NativeAOT (the node daemon) links with the platform's clang and needs zlib's headers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/main
COPY . .
RUN dotnet publish operator/KubeCloud.ApiServer.Cli -c Release -o /out/apiserver \
 && dotnet publish crds/KubeCloud.CrdGen -c Release -o /out/crdgen \
 && dotnet publish operator/KubeCloud.Operator.Cli -c Release -o /out/operator \
 && dotnet publish node-daemon/KubeCloud.Node.Cli -c Release -o /out/node --use-current-runtime -p:PublishAot=true

# The local control plane: a Kubernetes-compatible API server for a machine without a cluster.
FROM ${RUNTIME_IMAGE} AS apiserver
WORKDIR /app
COPY --from=build /out/apiserver/ ./
COPY --from=build /src/main/crds/*.yaml /crds/
EXPOSE 6443
ENTRYPOINT ["dotnet", "kubecloud-apiserver.dll", "--port", "6443", "--crds", "/crds"]

# The operator: non-root, nothing written outside /tmp (the chart mounts an emptyDir there and makes the root
# filesystem read-only); webhook 9443, metrics 8080, probes 8081.
FROM ${RUNTIME_IMAGE} AS operator
WORKDIR /app
COPY --from=build /out/operator/ ./
USER 65532:65532
EXPOSE 9443 8080 8081
ENTRYPOINT ["dotnet", "kubecloud-operator.dll"]

# The node daemon: root in a privileged pod on the host's network (the chart's DaemonSet), with the Debian packages it
# drives: libvirt0 (P/Invoke to the host's libvirtd through its socket), qemu-img (image cache, overlays), genisoimage
# (cloud-init seed), iproute2 (bridges, VXLAN, taps), dnsmasq (DHCP), tgt (iSCSI targets, storage role), lvm2 and
# mount's losetup (volumes). The QEMU processes themselves are the host libvirtd's. It is a NativeAOT executable (44 MB
# idle against 115 MB as a JIT process: node-daemon/README.md, "Memory"), so its base is runtime-deps, without .NET.
FROM ${RUNTIME_DEPS_IMAGE} AS node
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libvirt0 libvirt-clients qemu-utils genisoimage iproute2 dnsmasq-base tgt lvm2 mount kmod procps ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/node/kubecloud-node ./
# At most two glibc malloc arenas (default: 8 per core, one more touched by each busy thread): 3 MB less private
# memory for the idle daemon, measured beside the default in one run (node-daemon/README.md, "Memory").
ENV MALLOC_ARENA_MAX=2
EXPOSE 9464 9465
ENTRYPOINT ["/app/kubecloud-node"]
