using System.Text.Json.Nodes;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Crds.Generation;

namespace KubeCloud.Crds.Tests;

public sealed class CrdGeneratorTests
{
    // kind, plural, scope, short names, printer columns (name@jsonPath, wide-only marked *)
    public static TheoryData<string, string, string, string, string> Kinds => new()
    {
        { "Flavor", "flavors", "Cluster", "flv", "VCPUs,Memory,Root Disk,Ephemeral*,Public,Age" },
        { "Image", "images", "Namespaced", "img", "Phase,Format,Visibility,Size,Source*,Age" },
        { "Network", "networks", "Namespaced", "net", "Type,Segment,Subnets,Shared*,External*,Ready,Age" },
        { "Port", "ports", "Namespaced", "nic", "Network,MAC,IPs,Server,Node*,Phase,Age" },
        { "Volume", "volumes", "Namespaced", "vol", "Phase,Size,Type*,Attached To,Backend*,Age" },
        { "Server", "servers", "Namespaced", "srv,vm", "Phase,Power,Node,Flavor,Addresses,Task*,Image*,Ready*,Age" },
        { "ServerGroup", "servergroups", "Namespaced", "sgrp", "Policy,Members,Age" },
        { "Hypervisor", "hypervisors", "Cluster", "hv", "Type,Ready,Disabled,VCPUs Used,VCPUs,Memory Used,Memory,Instances,Tunnel IP*,CPU*,Storage Free*,Age" },
        { "ProjectQuota", "projectquotas", "Namespaced", "pquota", "Servers,Max Servers,VCPUs,Max VCPUs,Memory,Max Memory,Volumes*,Storage*,Age" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_gets_its_names_scope_version_and_printer_columns(string kind, string plural, string scope, string shortNames, string columns)
    {
        var crd = GeneratedCrds.Crd(kind);
        var spec = crd["spec"]!;
        var version = spec["versions"]!.AsArray().Single()!;

        Assert.Equal("apiextensions.k8s.io/v1", crd["apiVersion"]!.GetValue<string>());
        Assert.Equal("CustomResourceDefinition", crd["kind"]!.GetValue<string>());
        Assert.Equal($"{plural}.kubecloud.io", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("kubecloud.io", spec["group"]!.GetValue<string>());
        Assert.Equal(scope, spec["scope"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            {"kind":"{{kind}}","listKind":"{{kind}}List","plural":"{{plural}}","singular":"{{kind.ToLowerInvariant()}}",
             "shortNames":[{{string.Join(",", shortNames.Split(',').Select(s => $"\"{s}\""))}}],"categories":["kubecloud"]}
            """), spec["names"]), spec["names"]!.ToJsonString());
        Assert.Equal("v1alpha1", version["name"]!.GetValue<string>());
        Assert.True(version["served"]!.GetValue<bool>());
        Assert.True(version["storage"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"status":{}}"""), version["subresources"]));
        var printed = version["additionalPrinterColumns"]!.AsArray()
            .Select(c => c!["name"]!.GetValue<string>() + (c["priority"]?.GetValue<int>() == 1 ? "*" : string.Empty));
        Assert.Equal(columns, string.Join(",", printed));
    }

    [Fact]
    public void Every_kind_has_the_kubecloud_category_conditions_and_observed_generation()
    {
        foreach (var file in GeneratedCrds.Files)
        {
            var status = file.Crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["status"]!;
            Assert.Equal("map", status["properties"]!["conditions"]!["x-kubernetes-list-type"]!.GetValue<string>());
            Assert.NotNull(status["properties"]!["observedGeneration"]);
        }
    }

    [Fact]
    public void The_root_schema_is_the_kind_description_with_metadata_as_a_bare_object()
    {
        var schema = GeneratedCrds.Crd("Server")["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

        Assert.StartsWith("Server is a virtual machine", schema["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["apiVersion", "kind", "metadata", "spec", "status"], schema["properties"]!.AsObject().Select(p => p.Key));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"object"}"""), schema["properties"]!["metadata"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["spec"]"""), schema["required"]));
    }

    [Fact]
    public void A_kind_whose_spec_has_no_required_field_does_not_require_spec()
    {
        var schema = GeneratedCrds.Crd("Hypervisor")["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

        Assert.Null(schema["required"]);
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        var first = CrdFiles.Render().Select(f => f.Yaml);
        var second = CrdFiles.Render().Select(f => f.Yaml);

        Assert.Equal(first, second);
    }

    [Fact]
    public void File_names_follow_controller_gen() =>
        Assert.Equal(
            ["kubecloud.io_flavors.yaml", "kubecloud.io_images.yaml", "kubecloud.io_networks.yaml", "kubecloud.io_ports.yaml", "kubecloud.io_volumes.yaml",
             "kubecloud.io_servers.yaml", "kubecloud.io_servergroups.yaml", "kubecloud.io_hypervisors.yaml", "kubecloud.io_projectquotas.yaml"],
            GeneratedCrds.Files.Select(f => f.FileName));

    /// <summary>Short names and resource names kubectl already knows (Kubernetes 1.32 built-ins).</summary>
    private static readonly HashSet<string> BuiltInNames =
    [
        "cm", "cs", "csr", "crd", "crds", "deploy", "ds", "ep", "ev", "hpa", "ing", "limits", "netpol", "no", "ns", "pc",
        "pdb", "po", "psp", "pv", "pvc", "quota", "rc", "rs", "sa", "sc", "sts", "svc", "cj", "ingclass", "csinode",
        "pods", "services", "nodes", "namespaces", "events", "secrets", "configmaps", "deployments", "jobs", "cronjobs",
        "volumeattachments", "endpoints", "leases", "all",
    ];

    [Fact]
    public void Short_names_and_plurals_do_not_collide_with_built_in_names()
    {
        var names = GeneratedCrds.Files.SelectMany(f => (f.Crd["spec"]!["names"]!["shortNames"]?.AsArray().Select(n => n!.GetValue<string>()) ?? [])
            .Append(f.Crd["spec"]!["names"]!["plural"]!.GetValue<string>())).ToList();

        Assert.DoesNotContain(names, BuiltInNames.Contains);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Printer_columns_point_at_fields_that_exist()
    {
        foreach (var file in GeneratedCrds.Files)
        {
            var version = file.Crd["spec"]!["versions"]![0]!;
            var schema = version["schema"]!["openAPIV3Schema"]!;
            foreach (var column in version["additionalPrinterColumns"]!.AsArray())
            {
                var path = column!["jsonPath"]!.GetValue<string>();
                if (path.StartsWith(".metadata.", StringComparison.Ordinal))
                {
                    continue;
                }

                JsonNode? node = schema;
                var withoutFilters = System.Text.RegularExpressions.Regex.Replace(path, @"\[[^\]]*\]", "[]");
                foreach (var segment in withoutFilters.TrimStart('.').Split('.'))
                {
                    var name = segment.Split('[')[0];
                    node = node?["properties"]?[name];
                    if (segment.Contains('[', StringComparison.Ordinal))
                    {
                        node = node?["items"];
                    }
                }

                Assert.True(node is not null, $"{file.FileName}: printer column {column["name"]} points at {path}, which the schema does not have");
            }
        }
    }

    [Fact]
    public void The_kind_list_matches_the_generated_files() =>
        Assert.Equal(KubeCloud.Api.V1Alpha1.Kinds.All.Count, GeneratedCrds.Files.Count);

    [Fact]
    public void A_type_without_the_entity_attribute_is_refused() =>
        Assert.Contains("has no [KubernetesEntity]", Assert.Throws<CrdGenerationException>(() => CrdGenerator.Generate(typeof(FlavorSpec))).Message, StringComparison.Ordinal);
}
