using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers.Flavors;

/// <summary>What a Flavor's schema cannot say: sizes that must be positive or not negative (a quantity may be <c>0</c> or <c>-1Gi</c>).</summary>
public static class FlavorChecks
{
    public static IReadOnlyList<FieldError> Check(FlavorSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<FieldError>();
        if (spec.Memory.Nanos <= 0)
        {
            errors.Add(new FieldError("spec.memory", "MemoryPositive", $"{spec.Memory} is not a size a server can have: give the memory as a positive quantity such as 512Mi"));
        }

        foreach (var (field, value) in new[] { ("spec.rootDisk", spec.RootDisk), ("spec.ephemeralDisk", spec.EphemeralDisk), ("spec.swap", spec.Swap) })
        {
            if (value.Nanos < 0)
            {
                errors.Add(new FieldError(field, "SizeNotNegative", $"{value} is negative: give 0 for none"));
            }
        }

        return errors;
    }
}
