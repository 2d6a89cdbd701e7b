using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KubeCloud.ApiServer.Tests.Support;

namespace KubeCloud.ApiServer.Tests;

/// <summary>
/// Every typed <c>kubectl create</c> (kubectl 1.32 and 1.33): kubectl sends the object in protobuf and asks
/// for protobuf first; what the server stores reads back equal to what <c>kubectl create ... --dry-run=client
/// -o json</c> prints, and the protobuf answer, as kubectl decodes and prints it, equals the stored object.
/// </summary>
public sealed class KubectlCreateTests : IClassFixture<ServerFixture>
{
    private const string Protobuf = "Content-Type: application/vnd.kubernetes.protobuf";
    private readonly ServerFixture _fixture;

    public KubectlCreateTests(ServerFixture fixture)
    {
        _fixture = fixture;
    }

    /// <summary>Subcommand arguments ({n}: the object's name, {ns}: the namespace, {cert}/{key}: PEM files), the command after --, and the resource to read back.</summary>
    private static readonly (string Name, string Arguments, string Command, string Resource)[] Creates =
    [
        ("deployment", "deployment {n} --image=nginx:1.25 --replicas=3 --port=80", "", "deployment"),
        ("deployment with a command", "deployment {n} --image=busybox", "sleep 3600", "deployment"),
        ("serviceaccount", "serviceaccount {n}", "", "serviceaccount"),
        ("service clusterip", "service clusterip {n} --tcp=80:8080 --tcp=443:https", "", "service"),
        ("service clusterip headless", "service clusterip {n} --clusterip=None", "", "service"),
        ("service nodeport", "service nodeport {n} --tcp=80:8080 --node-port=30080", "", "service"),
        ("service loadbalancer", "service loadbalancer {n} --tcp=443:8443", "", "service"),
        ("service externalname", "service externalname {n} --external-name=example.com", "", "service"),
        ("job", "job {n} --image=busybox", "echo hi", "job"),
        ("cronjob", "cronjob {n} --image=busybox \"--schedule=0 3 * * *\" --restart=Never", "echo hi", "cronjob"),
        ("role", "role {n} --verb=get,list --resource=pods,deployments.apps --resource-name=a", "", "role"),
        ("rolebinding granting a project", "rolebinding {n} --clusterrole=kubecloud-member --user=alice", "", "rolebinding"),
        ("rolebinding of a group and a service account", "rolebinding {n} --role=reader --group=devs --serviceaccount={ns}:robot", "", "rolebinding"),
        ("clusterrole", "clusterrole {n} --verb=get --resource=pods --non-resource-url=/logs/*", "", "clusterrole"),
        ("clusterrole aggregated", "clusterrole {n} --aggregation-rule=rbac.example.com/aggregate=true", "", "clusterrole"),
        ("clusterrolebinding", "clusterrolebinding {n} --clusterrole=view --user=alice --group=auditors", "", "clusterrolebinding"),
        ("quota", "quota {n} --hard=cpu=1,memory=1G,pods=2,services=3 --scopes=BestEffort", "", "resourcequota"),
        ("poddisruptionbudget min-available", "poddisruptionbudget {n} --selector=app=web --min-available=50%", "", "poddisruptionbudget"),
        ("poddisruptionbudget max-unavailable", "poddisruptionbudget {n} --selector=app=web --max-unavailable=1", "", "poddisruptionbudget"),
        ("ingress", "ingress {n} \"--rule=foo.com/bar*=svc:8080,tls=secret1\" --class=nginx --annotation=a=b --default-backend=defsvc:http", "", "ingress"),
        ("priorityclass", "priorityclass {n} --value=1000 \"--description=high priority\" --preemption-policy=Never", "", "priorityclass"),
        ("priorityclass of value 0", "priorityclass {n} --value=0", "", "priorityclass"),
        ("configmap", "configmap {n} --from-literal=a=1 --from-literal=b=", "", "configmap"),
        ("secret generic", "secret generic {n} --from-literal=password=s3cr3t", "", "secret"),
        ("secret docker-registry", "secret docker-registry {n} --docker-server=r.example.com --docker-username=u --docker-password=p", "", "secret"),
        ("secret tls", "secret tls {n} --cert={cert} --key={key}", "", "secret"),
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var version in new[] { "1.32", "1.33" })
        {
            foreach (var create in Creates)
            {
                data.Add(version, create.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Kubectl_create_sends_protobuf_and_the_object_reads_back_as_dry_run_prints_it_and_as_answered(string version, string name)
    {
        var create = Creates.Single(c => c.Name == name);
        var ns = await NamespaceAsync(version);
        var objectName = $"{create.Name.Replace(' ', '-')}-{version.Replace(".", "", StringComparison.Ordinal)}";
        var (cert, key) = TlsFiles();
        var arguments = create.Arguments.Replace("{n}", objectName, StringComparison.Ordinal).Replace("{ns}", ns, StringComparison.Ordinal)
            .Replace("{cert}", cert, StringComparison.Ordinal).Replace("{key}", key, StringComparison.Ordinal);
        var command = create.Command.Length == 0 ? "" : $" -- {create.Command}";

        var expected = JsonNode.Parse(await KubectlOk(version, $"-n {ns} create {arguments} --dry-run=client -o json{command}"))!.AsObject();
        var created = (await _fixture.KubectlAsync(version, $"-n {ns} create {arguments} -o json -v=8{command}")).EnsureSuccess();
        var stored = JsonNode.Parse(await KubectlOk(version, $"-n {ns} get {create.Resource} {objectName} -o json"))!.AsObject();

        AssertSentAndAnsweredInProtobuf(created);
        AssertSameObject(expected, stored);
        // kubectl printed the server's protobuf answer as Go decoded it: the stored object, server-set fields and all
        // (but status: Go prints the zero status struct of an object that has none).
        var answered = (JsonObject)WithoutNulls(JsonNode.Parse(created.Stdout))!;
        var storedWhole = (JsonObject)WithoutNulls(stored)!;
        answered.Remove("status");
        Assert.True(JsonNode.DeepEquals(storedWhole, answered), $"stored:   {storedWhole.ToJsonString()}\nanswered: {answered.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(KubeClients.KubectlVersions), MemberType = typeof(KubeClients))]
    public async Task Kubectl_create_job_from_a_cronjob_copies_its_template(string version)
    {
        var ns = await NamespaceAsync(version);
        await KubectlOk(version, $"-n {ns} create cronjob nightly --image=busybox \"--schedule=0 3 * * *\" -- echo hi");
        var expected = JsonNode.Parse(await KubectlOk(version, $"-n {ns} create job manual --from=cronjob/nightly --dry-run=client -o json"))!.AsObject();
        AssertSentAndAnsweredInProtobuf((await _fixture.KubectlAsync(version, $"-n {ns} create job manual --from=cronjob/nightly -v=8")).EnsureSuccess());
        var stored = JsonNode.Parse(await KubectlOk(version, $"-n {ns} get job manual -o json"))!.AsObject();
        Assert.Equal("nightly", (string?)stored["metadata"]!["ownerReferences"]![0]!["name"]);
        AssertSameObject(expected, stored);
    }

    private static void AssertSentAndAnsweredInProtobuf(CommandResult created)
    {
        var (request, response) = Exchange(created.Stderr, "POST", "");
        Assert.Contains(Protobuf, request, StringComparison.Ordinal);
        Assert.Contains("Accept: application/vnd.kubernetes.protobuf,application/json", request, StringComparison.Ordinal);
        Assert.Contains(Protobuf, response, StringComparison.Ordinal);
    }

    /// <summary>The request and response headers of one call in kubectl's -v=8 log (1.32: <c>POST https://...</c>; 1.33: <c>"Request" verb="POST" url=...</c>).</summary>
    private static (string Request, string Response) Exchange(string log, string verb, string url)
    {
        var start = Regex.Match(log, $@"(?:{verb} https://\S*{Regex.Escape(url)}|""Request"" verb=""{verb}"" url=""[^""]*{Regex.Escape(url)})");
        Assert.True(start.Success, $"no {verb} {url} in {log}");
        var response = log.IndexOf("Response", start.Index + start.Length, StringComparison.Ordinal);
        var end = log.IndexOf("Response Body", response, StringComparison.Ordinal);
        return (log[start.Index..response], log[response..(end < 0 ? log.Length : end)]);
    }

    /// <summary>A self-signed certificate and its key as PEM files in the fixture's home, for <c>create secret tls</c>.</summary>
    private (string Cert, string Key) TlsFiles()
    {
        var (certPath, keyPath) = (Path.Combine(_fixture.Home, "tls.crt"), Path.Combine(_fixture.Home, "tls.key"));
        if (!File.Exists(keyPath))
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=foo.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            File.WriteAllText(certPath, certificate.ExportCertificatePem());
            File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        return (certPath, keyPath);
    }

    private async Task<string> NamespaceAsync(string version)
    {
        var ns = "create-" + version.Replace('.', '-');
        var result = await _fixture.KubectlAsync(version, $"create namespace {ns}");
        Assert.True(result.ExitCode == 0 || result.Stderr.Contains("AlreadyExists", StringComparison.Ordinal), result.ToString());
        return ns;
    }

    private async Task<string> KubectlOk(string version, string arguments) =>
        (await _fixture.KubectlAsync(version, arguments)).EnsureSuccess().Stdout;

    /// <summary>
    /// Equal but for what the server sets (uid, resourceVersion, creationTimestamp, generation, managedFields)
    /// and status (kube resets a created object's status; this server stores none), with Go's nulls as absent.
    /// </summary>
    private static void AssertSameObject(JsonObject expected, JsonObject stored)
    {
        var want = Comparable(expected);
        var got = Comparable(stored);
        Assert.True(JsonNode.DeepEquals(want, got), $"dry-run: {want.ToJsonString()}\nstored:  {got.ToJsonString()}");
    }

    private static JsonObject Comparable(JsonObject obj)
    {
        var copy = (JsonObject)WithoutNulls(obj)!;
        copy.Remove("status");
        var metadata = copy["metadata"]!.AsObject();
        foreach (var serverSet in new[] { "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields" })
        {
            metadata.Remove(serverSet);
        }

        return copy;
    }

    private static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNulls)]),
        _ => node?.DeepClone(),
    };
}
