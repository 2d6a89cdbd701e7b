# Builds KubeCloud's binaries. Not built in this project's CI: these machines have no Docker
# engine. Stages: build (restore, test-free publish), then one runtime image per binary.
#   docker build --target apiserver -t kubecloud/apiserver .
# The shared OpenAPI document (../shared/kubernetes) is embedded into the local control plane at
# build time, so the build context must be the folder that holds both the repository and shared/:
#   docker build -f main/Dockerfile --target apiserver -t kubecloud/apiserver .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY shared/ shared/
COPY main/ main/
WORKDIR /src/main
RUN dotnet publish operator/KubeCloud.LocalCluster.Cli -c Release -o /out/apiserver \
 && dotnet publish crds/KubeCloud.CrdGen -c Release -o /out/crdgen

# The local control plane: a Kubernetes-compatible API server for a machine without a cluster.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS apiserver
WORKDIR /app
COPY --from=build /out/apiserver/ ./
COPY --from=build /src/main/crds/*.yaml /crds/
EXPOSE 6443
ENTRYPOINT ["dotnet", "kubecloud-apiserver.dll", "--port", "6443", "--crds", "/crds"]
