using System.Buffers.Binary;
using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Statistics;
using FeatureAtlas.Data.Stores;
using FeatureAtlas.Data.Tests.TestSupport;

namespace FeatureAtlas.Data.Tests.Stores;

public sealed class ExampleSetCodecTests
{
    private const string Sae = "gpt2/res8";
    private const int Windows = 50;

    [Fact]
    public void Decode_EncodedFeatures_ReturnsEveryExampleAndInterval()
    {
        var dashboards = SyntheticDashboards.Create(features: 40, seed: 5, windows: Windows, deadEvery: 9);

        foreach (var f in dashboards.Features)
        {
            var (top, intervals) = ExampleSetCodec.Decode(ExampleSetCodec.Encode(f, Sae, Windows), Sae, f.Index);

            DashboardAssert.Equal(f, f with { Top = top, Intervals = intervals });
        }
    }

    [Fact]
    public void Encode_OneExample_WritesTheDocumentedLittleEndianLayout()
    {
        var example = new ActivationExample(Window: 7, Position: 3, Value: 2.5f, Positions: [1, 3], Values: [0.5f, 2.5f]);
        var f = Feature(top: [example], intervals: [new IntervalExamples(4, 1.25f, 2.5f, 0.125, [example])]);

        var blob = ExampleSetCodec.Encode(f, Sae, Windows);

        var one = new byte[] { 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 0x20, 0x40, 2, 0, 1, 0, 3, 0, 0, 0, 0, 0x3F, 0, 0, 0x20, 0x40 };
        byte[] expected =
        [
            1, 2, 0, 0, 0,
            0xFF, 0xFF, 0xFF, 0xFF, .. one,
            4, 0, 0, 0, .. one,
            1, 0, 0, 0,
            4, 0, 0, 0, 0, 0, 0xA0, 0x3F, 0, 0, 0x20, 0x40, 0, 0, 0, 0, 0, 0, 0xC0, 0x3F,
        ];
        Assert.Equal(expected, blob);
    }

    [Fact]
    public void Encode_IntervalsInAnyOrder_DecodeHighestFirstWithTheirExamples()
    {
        var low = new ActivationExample(1, 2, 0.5f, [2], [0.5f]);
        var high = new ActivationExample(3, 4, 1.5f, [4], [1.5f]);
        var f = Feature(top: [], intervals: [new IntervalExamples(0, 0, 1, 0.5, [low]), new IntervalExamples(1, 1, 2, 0.25, [high, low]), new IntervalExamples(2, 2, 3, 0, [])]);

        var (top, intervals) = ExampleSetCodec.Decode(ExampleSetCodec.Encode(f, Sae, Windows), Sae, f.Index);

        Assert.Empty(top);
        Assert.Equal([2, 1, 0], intervals.Select(i => i.Interval));
        Assert.Empty(intervals[0].Examples);
        Assert.Equal([high, low], intervals[1].Examples, ExampleComparer);
        Assert.Equal([low], intervals[2].Examples, ExampleComparer);
    }

    [Fact]
    public void Decode_TruncatedAnywhere_ThrowsInvalidDataNamingSaeAndFeature()
    {
        var f = SyntheticDashboards.Create(features: 1, seed: 3, windows: Windows).Features[0];
        var blob = ExampleSetCodec.Encode(f, Sae, Windows);

        for (var length = 0; length < blob.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => ExampleSetCodec.Decode(blob[..length], Sae, 17));
            Assert.Contains("feature 17 of SAE gpt2/res8", error.Message);
        }
        var trailing = Assert.Throws<InvalidDataException>(() => ExampleSetCodec.Decode([.. blob, 0], Sae, 17));
        Assert.Contains("1 bytes follow", trailing.Message);
        Assert.Contains("is corrupt", Assert.Throws<InvalidDataException>(() => ExampleSetCodec.Decode(null, Sae, 17)).Message);
    }

    [Fact]
    public void Decode_CorruptFields_ThrowsInvalidDataSayingWhat()
    {
        var example = new ActivationExample(7, 3, 2.5f, [1, 3], [0.5f, 2.5f]);
        var blob = ExampleSetCodec.Encode(Feature(top: [example, example], intervals: [new IntervalExamples(4, 1, 2, 0.1, [example])]), Sae, Windows);
        const int second = 5 + 30; // the second top example; the interval's example follows it

        Assert.Contains("layout version 2", Corrupt(blob, b => b[0] = 2));
        Assert.Contains("the example count is 1000", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(1), 1000)));
        Assert.Contains("the example count is -1", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(1), -1)));
        Assert.Contains("example 1 is in group -2", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(second), -2)));
        Assert.Contains("example 1 has rank 5 in group -1, expected 1", Corrupt(blob, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(second + 4), 5)));
        Assert.Contains("example 1 points at window -3", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(second + 6), -3)));
        Assert.Contains("examples name interval 3, which has no interval record", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(second + 30), 3)));
        Assert.Contains("interval record 0 holds interval -4", Corrupt(blob, b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(blob.Length - 20), -4)));
    }

    [Fact]
    public void Encode_WhatTheLayoutCannotHold_ThrowsArgumentNamingTheExample()
    {
        var ok = new ActivationExample(7, 3, 2.5f, [1, 3], [0.5f, 2.5f]);

        Assert.Contains("feature 9 of gpt2/res8, example 1 of group -1: 2 positions but 1 values",
            Invalid([ok, ok with { Values = [1f] }], []));
        Assert.Contains("example 0 of group -1: position 65536 is outside [0, 65535]", Invalid([ok with { Position = 65536 }], []));
        Assert.Contains("example 0 of group -1: position -1 is outside [0, 65535]", Invalid([ok with { Positions = [-1, 3] }], []));
        Assert.Contains("example 0 of group 2: window 50 is outside the corpus's 50 windows", Invalid([], [new IntervalExamples(2, 0, 1, 0, [ok with { Window = 50 }])]));
        Assert.Contains("window -1 is outside", Invalid([ok with { Window = -1 }], []));
        Assert.Contains("interval -1 is negative", Invalid([], [new IntervalExamples(-1, 0, 1, 0, [])]));
        Assert.Contains("interval 3 appears twice", Invalid([], [new IntervalExamples(3, 0, 1, 0, []), new IntervalExamples(3, 1, 2, 0, [])]));
    }

    private static FeatureDashboard Feature(ActivationExample[] top, IntervalExamples[] intervals) => new()
    {
        Index = 9, FracNonzero = 0.5, NonzeroCount = 3, MaxActivation = 2.5f, MinNonzeroActivation = 0.5f,
        ActivationHistogram = Histogram.Empty, Top = top, Intervals = intervals,
    };

    private static string Corrupt(byte[] blob, Action<byte[]> change)
    {
        var copy = blob.ToArray();
        change(copy);
        var error = Assert.Throws<InvalidDataException>(() => ExampleSetCodec.Decode(copy, Sae, 9));
        Assert.Contains("feature 9 of SAE gpt2/res8", error.Message);
        return error.Message;
    }

    private static string Invalid(ActivationExample[] top, IntervalExamples[] intervals) =>
        Assert.Throws<ArgumentException>(() => ExampleSetCodec.Encode(Feature(top, intervals), Sae, Windows)).Message;

    private static readonly IEqualityComparer<ActivationExample> ExampleComparer = EqualityComparer<ActivationExample>.Create(
        (a, b) => a!.Window == b!.Window && a.Position == b.Position && a.Value == b.Value && a.Positions.SequenceEqual(b.Positions) && a.Values.SequenceEqual(b.Values),
        e => e.Window);
}
