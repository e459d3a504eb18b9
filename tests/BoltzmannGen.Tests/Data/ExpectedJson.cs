using System.Text.Json;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

/// <summary>expected.json written by tools/make_io_fixtures.py: the values numpy/OpenMM put in each fixture.</summary>
internal static class ExpectedJson
{
    private static readonly Lazy<JsonDocument> Doc =
        new(() => JsonDocument.Parse(File.ReadAllText(FixturePath.Io("expected.json"))));

    public static JsonElement Root => Doc.Value.RootElement;

    public static JsonElement Npy(string name) => Root.GetProperty("npy").GetProperty(name);

    public static int[] Shape(JsonElement e) => e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static string Descr(JsonElement e) => e.GetProperty("descr").GetString()!;

    public static double[] Doubles(JsonElement e) => e.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static long[] Longs(JsonElement e) => e.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray();

    public static bool[] Bools(JsonElement e) => e.GetProperty("values").EnumerateArray().Select(v => v.GetBoolean()).ToArray();
}
