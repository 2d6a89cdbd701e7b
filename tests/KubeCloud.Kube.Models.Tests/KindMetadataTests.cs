namespace KubeCloud.Kube.Models.Tests;

public class KindMetadataTests
{
    public static TheoryData<Type, string, string, string, string?, bool> Kinds => new()
    {
        { typeof(V1Pod), "", "v1", "Pod", "pods", true },
        { typeof(V1PodList), "", "v1", "PodList", "pods", true },
        { typeof(V1Node), "", "v1", "Node", "nodes", false },
        { typeof(V1Namespace), "", "v1", "Namespace", "namespaces", false },
        { typeof(V1Secret), "", "v1", "Secret", "secrets", true },
        { typeof(V1Deployment), "apps", "v1", "Deployment", "deployments", true },
        { typeof(V1CustomResourceDefinition), "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false },
        { typeof(V1Lease), "coordination.k8s.io", "v1", "Lease", "leases", true },
        { typeof(Eventsv1Event), "events.k8s.io", "v1", "Event", "events", true },
        { typeof(Corev1Event), "", "v1", "Event", "events", true },
        { typeof(V1ClusterRole), "rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false },
        { typeof(V1RoleBinding), "rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true },
        { typeof(V1SubjectAccessReview), "authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false },
        { typeof(V1LocalSubjectAccessReview), "authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", true },
        { typeof(V1TokenReview), "authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false },
        { typeof(V1ValidatingWebhookConfiguration), "admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false },
        { typeof(V1Binding), "", "v1", "Binding", "bindings", true },
        { typeof(V1Eviction), "policy", "v1", "Eviction", null, false },
        { typeof(V1Status), "", "v1", "Status", null, false },
        { typeof(V1AdmissionReview), "admission.k8s.io", "v1", "AdmissionReview", null, false },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Kind_attribute_comes_from_the_document(Type type, string group, string version, string kind, string? plural, bool namespaced)
    {
        var entity = KubernetesEntityAttribute.Of(type);

        Assert.NotNull(entity);
        Assert.Equal(group, entity.Group);
        Assert.Equal(version, entity.ApiVersion);
        Assert.Equal(kind, entity.Kind);
        Assert.Equal(plural, entity.PluralName);
        Assert.Equal(namespaced, entity.Namespaced);
    }

    [Fact]
    public void Kind_constants_match_the_attribute()
    {
        Assert.Equal("apps", V1Deployment.KubeGroup);
        Assert.Equal("v1", V1Deployment.KubeApiVersion);
        Assert.Equal("Deployment", V1Deployment.KubeKind);
        Assert.Equal("deployments", V1Deployment.KubePluralName);
        Assert.Equal("apps/v1", KubernetesEntityAttribute.Of<V1Deployment>()!.GroupVersion);
        Assert.Equal("v1", KubernetesEntityAttribute.Of<V1Pod>()!.GroupVersion);
    }

    [Fact]
    public void Kinds_implement_the_generic_contracts()
    {
        Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(new V1Pod());
        Assert.IsAssignableFrom<ISpec<V1PodSpec>>(new V1Pod());
        Assert.IsAssignableFrom<IStatus<V1PodStatus>>(new V1Pod());
        Assert.IsAssignableFrom<IKubernetesObject<V1ListMeta>>(new V1PodList());
        Assert.IsAssignableFrom<IItems<V1Pod>>(new V1PodList());
        Assert.IsAssignableFrom<IItems<V1CustomResourceDefinition>>(new V1CustomResourceDefinitionList());
        Assert.IsAssignableFrom<IKubernetesObject>(new V1AdmissionReview());
        Assert.False(typeof(ISpec<V1StatusDetails>).IsAssignableFrom(typeof(V1Status)));
    }

    [Fact]
    public void Generic_code_reads_metadata_through_the_interface()
    {
        static string? NameOf<T>(T item)
            where T : IKubernetesObject<V1ObjectMeta> => item.Metadata?.Name;

        Assert.Equal("x", NameOf(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }));
    }
}
