using KubeCloud.ControllerRuntime.Hosting;
using KubeCloud.Operator;
using KubeCloud.Operator.Controllers;

// Skeleton: the flags, the webhook and the startup checks come with the operator binary work.
var builder = OperatorHost.CreateBuilder(args, o => o.JsonLogs = true);
builder.Services.AddKubeCloudControllers(new OperatorSettings());
var app = builder.Build();
app.MapOperatorEndpoints();
await app.RunAsync();
