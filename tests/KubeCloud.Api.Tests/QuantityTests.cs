using System.Numerics;
using System.Text.Json;
using KubeCloud.Api;

namespace KubeCloud.Api.Tests;

/// <summary>Quantity against the cases of k8s.io/apimachinery/pkg/api/resource/quantity_test.go.</summary>
public sealed class QuantityTests
{
    // input, canonical form, value in nanos (as text)
    public static TheoryData<string, string, string> ValidInputs => new()
    {
        // zero in every suffix
        { "0", "0", "0" },
        { "0n", "0", "0" },
        { "0u", "0", "0" },
        { "0m", "0", "0" },
        { "0Ki", "0", "0" },
        { "0k", "0", "0" },
        { "0Mi", "0", "0" },
        { "0Ei", "0", "0" },
        { "-0", "0", "0" },
        // binary suffixes
        { "1Ki", "1Ki", "1024000000000" },
        { "8Ki", "8Ki", "8192000000000" },
        { "7Mi", "7Mi", "7340032000000000" },
        { "6Gi", "6Gi", "6442450944000000000" },
        { "1Ei", "1Ei", "1152921504606846976000000000" },
        { "1.5Gi", "1536Mi", "1610612736000000000" },
        { "0.5Ki", "512", "512000000000" },
        { "0.5Mi", "512Ki", "524288000000000" },
        { "1024Mi", "1Gi", "1073741824000000000" },
        { "1025Ki", "1025Ki", "1049600000000000" },
        { "100.035Ki", "102435840m", "102435840000000" },
        // decimal suffixes
        { "5n", "5n", "5" },
        { "4u", "4u", "4000" },
        { "3m", "3m", "3000000" },
        { "100m", "100m", "100000000" },
        { "9", "9", "9000000000" },
        { "1000", "1k", "1000000000000" },
        { "8k", "8k", "8000000000000" },
        { "50k", "50k", "50000000000000" },
        { "7M", "7M", "7000000000000000" },
        { "6G", "6G", "6000000000000000000" },
        { "40T", "40T", "40000000000000000000000" },
        { "2P", "2P", "2000000000000000000000000" },
        { "1E", "1E", "1000000000000000000000000000" },
        { "12E", "12E", "12000000000000000000000000000" },
        { "1n", "1n", "1" },
        // decimal exponents
        { "1e3", "1e3", "1000000000000" },
        { "1E6", "1e6", "1000000000000000" },
        { "1E-3", "1e-3", "1000000" },
        { "1.5e3", "1500", "1500000000000" },
        { "1.3E+6", "1300e3", "1300000000000000" },
        { "0.5e-1", "50e-3", "50000000" },
        // things that look like floating point
        { "0.1", "100m", "100000000" },
        { "0.001", "1m", "1000000" },
        { "0.0005k", "500m", "500000000" },
        { "9.01", "9010m", "9010000000" },
        { "8.1k", "8100", "8100000000000" },
        { "7.123456M", "7123456", "7123456000000000" },
        { "10.035M", "10035k", "10035000000000000" },
        { "100.035k", "100035", "100035000000000" },
        // signs
        { "-1", "-1", "-1000000000" },
        { "+1", "1", "1000000000" },
        { "-100m", "-100m", "-100000000" },
        { "-1.5Gi", "-1536Mi", "-1610612736000000000" },
        // values finer than a nano round up, away from zero
        { "1.5n", "2n", "2" },
        { "3.001n", "4n", "4" },
        { "0.9n", "1n", "1" },
        { "0.0000000001", "1n", "1" },
        { "0.00000012345", "124n", "124" },
        { "-1.5n", "-2n", "-2" },
        { "0.000000000001Ki", "2n", "2" },
        // written by trolls
        { "1.", "1", "1000000000" },
        { "1.G", "1G", "1000000000000000000" },
        { ".5", "500m", "500000000" },
        { ".001", "1m", "1000000" },
        { ".0001k", "100m", "100000000" },
        // binary values beyond int64 saturate
        { "9Ei", "9223372036854775807", "9223372036854775807000000000" },
    };

    public static TheoryData<string> InvalidInputs => new()
    {
        "",
        "lots",
        "aoeu",
        "1KB",
        "1i",
        ".5i",
        "-3.01i",
        "0.1mi",
        "0.1am",
        "1.1.M",
        "1+1.0M",
        " 1",
        "1 ",
        "1e",
        "-3.01e-",
        "1e3e3",
        ".",
        "-",
        "+",
        "Ki",
        "1Kib",
        "1 Gi",
        "1,000",
        "0x10",
    };

    [Theory]
    [MemberData(nameof(ValidInputs))]
    public void Parses_to_the_canonical_form_and_exact_value(string input, string canonical, string nanos)
    {
        var quantity = Quantity.Parse(input);

        Assert.Equal(canonical, quantity.ToString());
        Assert.Equal(BigInteger.Parse(nanos), quantity.Nanos);
        Assert.Equal(input, quantity.OriginalText);
    }

    [Theory]
    [MemberData(nameof(ValidInputs))]
    public void Canonical_form_parses_to_the_same_value(string input, string canonical, string nanos)
    {
        var reparsed = Quantity.Parse(Quantity.Parse(input).ToString());

        Assert.Equal(canonical, reparsed.ToString());
        Assert.Equal(BigInteger.Parse(nanos), reparsed.Nanos);
    }

    [Theory]
    [MemberData(nameof(InvalidInputs))]
    public void Refuses_invalid_text(string input)
    {
        Assert.False(Quantity.TryParse(input, out _, out var error));
        Assert.NotEmpty(error);
        Assert.Throws<FormatException>(() => Quantity.Parse(input));
    }

    [Theory]
    [InlineData("1Gi", "1024Mi", 0)]
    [InlineData("1G", "1Gi", -1)]
    [InlineData("1000m", "1", 0)]
    [InlineData("1e3", "1k", 0)]
    [InlineData("500m", "0.5", 0)]
    [InlineData("-1", "0", -1)]
    [InlineData("1n", "0", 1)]
    [InlineData("2Ti", "2048Gi", 0)]
    [InlineData("1E", "1Ei", -1)]
    public void Compares_by_value(string left, string right, int expected)
    {
        var a = Quantity.Parse(left);
        var b = Quantity.Parse(right);

        Assert.Equal(expected, Math.Sign(a.CompareTo(b)));
        Assert.Equal(expected == 0, a == b);
        Assert.Equal(expected == 0, a.Equals(b));
        Assert.Equal(expected < 0, a < b);
        Assert.Equal(expected > 0, a > b);
        Assert.Equal(expected <= 0, a <= b);
        Assert.Equal(expected >= 0, a >= b);
        if (expected == 0)
        {
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
        }
    }

    [Theory]
    [InlineData("1Gi", "512Mi", "1536Mi", "512Mi")]
    [InlineData("1", "500m", "1500m", "500m")]
    [InlineData("0", "1Gi", "1Gi", "-1Gi")]
    [InlineData("1k", "1k", "2k", "0")]
    [InlineData("100m", "1n", "100000001n", "99999999n")]
    public void Adds_and_subtracts(string left, string right, string sum, string difference)
    {
        var a = Quantity.Parse(left);
        var b = Quantity.Parse(right);

        Assert.Equal(sum, (a + b).ToString());
        Assert.Equal(difference, (a - b).ToString());
        Assert.Equal(a + b, Quantity.Add(a, b));
        Assert.Equal(a - b, Quantity.Subtract(a, b));
    }

    [Theory]
    [InlineData("512Mi", 4, "2Gi")]
    [InlineData("250m", 4, "1")]
    [InlineData("1Gi", 0, "0")]
    [InlineData("1Gi", -1, "-1Gi")]
    public void Multiplies(string value, long factor, string expected) =>
        Assert.Equal(expected, (Quantity.Parse(value) * factor).ToString());

    [Theory]
    [InlineData("1", 1, 1000)]
    [InlineData("1500m", 2, 1500)]
    [InlineData("1n", 1, 1)]
    [InlineData("-1500m", -2, -1500)]
    [InlineData("-1n", -1, -1)]
    [InlineData("1Gi", 1073741824, 1073741824000)]
    public void Value_and_MilliValue_round_away_from_zero(string input, long value, long milli)
    {
        var quantity = Quantity.Parse(input);

        Assert.Equal(value, quantity.Value());
        Assert.Equal(milli, quantity.MilliValue());
    }

    [Theory]
    [InlineData("1Gi", 1024, 1)]
    [InlineData("1G", 954, 1)]
    [InlineData("512Mi", 512, 1)]
    [InlineData("1", 1, 1)]
    [InlineData("0", 0, 0)]
    [InlineData("20Gi", 20480, 20)]
    public void Converts_to_mebibytes_and_gibibytes_rounding_up(string input, long mebibytes, long gibibytes)
    {
        var quantity = Quantity.Parse(input);

        Assert.Equal(mebibytes, quantity.ToMebibytes());
        Assert.Equal(gibibytes, quantity.ToGibibytes());
    }

    [Theory]
    [InlineData(1024L * 1024 * 1024, "1Gi")]
    [InlineData(1000L, "1k")] // below 1024 a binary quantity prints in decimal, as in Kubernetes
    [InlineData(1536L, "1536")]
    [InlineData(2048L, "2Ki")]
    [InlineData(0L, "0")]
    public void FromBytes_prints_binary_suffixes(long bytes, string expected) =>
        Assert.Equal(expected, Quantity.FromBytes(bytes).ToString());

    [Theory]
    [InlineData(1000L, "1k")]
    [InlineData(1536L, "1536")]
    [InlineData(0L, "0")]
    public void FromInt64_prints_decimal_suffixes(long value, string expected) =>
        Assert.Equal(expected, Quantity.FromInt64(value).ToString());

    [Theory]
    [InlineData(250L, "250m")]
    [InlineData(1000L, "1")]
    [InlineData(1500L, "1500m")]
    public void FromMilli_prints_milli_units(long milli, string expected) =>
        Assert.Equal(expected, Quantity.FromMilli(milli).ToString());

    [Theory]
    [InlineData("\"1024Mi\"", "\"1024Mi\"")]
    [InlineData("\"1.5Gi\"", "\"1.5Gi\"")]
    [InlineData("1000", "\"1000\"")]
    [InlineData("1e3", "\"1e3\"")]
    [InlineData("\" 2Gi \"", "\"2Gi\"")] // surrounding space is trimmed, as UnmarshalJSON does
    public void Json_keeps_the_text_the_user_wrote(string json, string written) =>
        Assert.Equal(written, JsonSerializer.Serialize(JsonSerializer.Deserialize<Quantity>(json)));

    [Theory]
    [InlineData("\"lots\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("\"1KB\"")]
    public void Json_refuses_what_is_not_a_quantity(string json) =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Quantity>(json));

    [Fact]
    public void A_quantity_made_in_code_serialises_in_canonical_form() =>
        Assert.Equal("\"2Gi\"", JsonSerializer.Serialize(Quantity.FromBytes(2L * 1024 * 1024 * 1024)));

    [Fact]
    public void Default_is_zero() =>
        Assert.True(default(Quantity).IsZero && default(Quantity).ToString() == "0" && default(Quantity) == Quantity.Zero);
}
