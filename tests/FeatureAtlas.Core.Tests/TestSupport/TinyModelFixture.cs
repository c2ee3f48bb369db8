using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.TestSupport;

/// <summary>The tiny synthetic GPT-2 and SAEs of tiny_spec.json, written once per test class, plus the PyTorch goldens.</summary>
public sealed class TinyModelFixture : IDisposable
{
    internal SyntheticCheckpoint Checkpoint { get; } = SyntheticCheckpoint.Create();

    internal SafetensorsFile Goldens { get; } = SafetensorsFile.Open(TestSupport.Golden.Path("tiny_golden.safetensors"));

    public float[] Golden(string name) => Goldens.ReadFloat32(name);

    public long[] GoldenShape(string name) => Goldens.Get(name).Shape;

    public void Dispose()
    {
        Goldens.Dispose();
        Checkpoint.Dispose();
    }
}
