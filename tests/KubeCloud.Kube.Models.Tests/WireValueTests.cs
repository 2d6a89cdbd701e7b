namespace KubeCloud.Kube.Models.Tests;

public class WireValueTests
{
    [Theory]
    [InlineData("8080", true)]
    [InlineData("\"http\"", false)]
    [InlineData("\"25%\"", false)]
    public void IntOrString_keeps_its_json_form(string json, bool isInt)
    {
        var value = KubeJson.Deserialize<IntOrString>(json)!;

        Assert.Equal(isInt, value.IsInt);
        Assert.Equal(json, KubeJson.Serialize(value));
    }

    [Fact]
    public void IntOrString_equality_distinguishes_int_from_string()
    {
        Assert.Equal(IntOrString.FromInt32(1), (IntOrString)1);
        Assert.NotEqual(IntOrString.FromInt32(1), IntOrString.FromString("1"));
    }

    [Theory]
    [InlineData("\"500m\"", "500m")]
    [InlineData("\"4Gi\"", "4Gi")]
    [InlineData("2", "2")]
    [InlineData("0.5", "0.5")]
    public void Quantity_reads_strings_and_numbers_and_writes_strings(string json, string value)
    {
        var quantity = KubeJson.Deserialize<ResourceQuantity>(json)!;

        Assert.Equal(value, quantity.Value);
        Assert.Equal($"\"{value}\"", KubeJson.Serialize(quantity));
    }

    [Fact]
    public void Property_names_are_case_sensitive()
    {
        var meta = KubeJson.Deserialize<V1ObjectMeta>("""{"Name":"wrong","name":"right"}""")!;

        Assert.Equal("right", meta.Name);
    }
}
