using BoltzmannGen.Numerics;

namespace BoltzmannGen.Tests.Numerics;

/// <summary>
/// Known answers for <see cref="Xoshiro256"/>: the published xoshiro256** outputs, and for a few seeds the SplitMix64
/// seeding and first outputs printed by tools/xoshiro256_reference.py (an independent transcription with Python
/// integers that checks itself against the published outputs). The C++ copy of the generator is held to this one
/// by OpenMM/NativeXoshiro256Tests.
/// </summary>
public class Xoshiro256Tests
{
    /// <summary>From the state {1, 2, 3, 4}: the reference xoshiro256starstar.c's outputs, as pinned by rand_xoshiro's test.</summary>
    internal static readonly ulong[] PublishedFrom1234 =
    [
        11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600,
        16172922978634559625, 8476171486693032832, 10595114339597558777, 2904607092377533576,
    ];

    /// <summary>Seed, the state <c>new Xoshiro256(seed)</c> builds, the next six outputs, and the state after them.</summary>
    public sealed record KnownAnswer(ulong Seed, ulong[] State, ulong[] Next, ulong[] After)
    {
        public override string ToString() => $"seed 0x{Seed:X}";
    }

    // Printed by `/usr/bin/python3 tools/xoshiro256_reference.py`.
    internal static readonly KnownAnswer[] Reference =
    [
        new(0x0,
            [0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL, 0xF88BB8A8724C81ECUL],
            [0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL, 0x6AA594F1262D2D2CUL, 0xBBA5AD4A1F842E59UL, 0xFFEF8375D9EBCACAUL],
            [0x07E3A642C4DBE605UL, 0x5698B7064EE18DBFUL, 0x5392B72A9103FD5EUL, 0xAA552D645CF92326UL]),
        new(0x1,
            [0x910A2DEC89025CC1UL, 0xBEEB8DA1658EEC67UL, 0xF893A2EEFB32555EUL, 0x71C18690EE42C90BUL],
            [0xB3F2AF6D0FC710C5UL, 0x853B559647364CEAUL, 0x92F89756082A4514UL, 0x642E1C7BC266A3A7UL, 0xB27A48E29A233673UL, 0x24C123126FFDA722UL],
            [0x9EBFFC7D1DD9EC2CUL, 0x491D40B643892756UL, 0xF8B7DB9394D09CF7UL, 0x9591BA3EA9BC43AAUL]),
        new(0x2A,
            [0xBDD732262FEB6E95UL, 0x28EFE333B266F103UL, 0x47526757130F9F52UL, 0x581CE1FF0E4AE394UL],
            [0x15780B2E0C2EC716UL, 0x6104D9866D113A7EUL, 0xAE17533239E499A1UL, 0xECB8AD4703B360A1UL, 0xFDE6DC7FE2EC5E64UL, 0xC50DA53101795238UL],
            [0x78C8746FAA0EFE8CUL, 0x741EF06A280F653DUL, 0x0AFD49F3DC0BE7B1UL, 0x9DA520DEF33A2064UL]),
        new(0xDEADBEEFCAFEF00D,
            [0x901D4F652FB472CBUL, 0xA7CE246440F74527UL, 0x19B40BBBB9380D34UL, 0xE7A86DC5BE618392UL],
            [0x9E32CFB5BB93EEBBUL, 0x16006BD9D4AC0014UL, 0x8ADA5D6D34B6538EUL, 0x7C327CA32346A238UL, 0xC43A6D6A3492CED2UL, 0xDB639ECB036A9C04UL],
            [0xC5373530AD431DADUL, 0x6841AC4C38F7B27BUL, 0xD5C5970753D635EEUL, 0xFBA96C54E2AFACA8UL]),
    ];

    public static TheoryData<KnownAnswer> References => new(Reference);

    [Fact]
    public void From_state_1_2_3_4_the_outputs_are_the_published_ones()
    {
        var random = Xoshiro256.FromState([1, 2, 3, 4]);
        Assert.Equal(PublishedFrom1234, PublishedFrom1234.Select(_ => random.NextUInt64()).ToArray());
    }

    [Theory]
    [MemberData(nameof(References))]
    public void A_seed_gives_the_reference_state_and_outputs(KnownAnswer expected)
    {
        var random = new Xoshiro256(expected.Seed);
        Assert.Equal(expected.State, random.State);
        Assert.Equal(expected.Next, expected.Next.Select(_ => random.NextUInt64()).ToArray());
        Assert.Equal(expected.After, random.State);
    }

    [Fact]
    public void Doubles_are_the_top_53_bits_of_the_outputs()
    {
        var expected = Reference[2];
        var random = new Xoshiro256(expected.Seed);
        foreach (ulong word in expected.Next)
            Assert.Equal((word >> 11) / 9007199254740992.0, random.NextDouble());
    }
}
