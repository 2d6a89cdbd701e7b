# Builds KubeCloud's binaries. Not built in this project's CI: these machines have no Docker
# engine. Stages: build (restore, test-free publish), then one runtime image per binary.
#   docker build --target apiserver -t kubecloud/apiserver .
# The build context is the repository alone (the Kubernetes OpenAPI document the local control plane
# embeds is committed under operator/KubeCloud.ApiServer/OpenApi/kubernetes).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src/main
COPY . .
RUN dotnet publish operator/KubeCloud.ApiServer.Cli -c Release -o /out/apiserver \
 && dotnet publish crds/KubeCloud.CrdGen -c Release -o /out/crdgen

# The local control plane: a Kubernetes-compatible API server for a machine without a cluster.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS apiserver
WORKDIR /app
COPY --from=build /out/apiserver/ ./
COPY --from=build /src/main/crds/*.yaml /crds/
EXPOSE 6443
ENTRYPOINT ["dotnet", "kubecloud-apiserver.dll", "--port", "6443", "--crds", "/crds"]
