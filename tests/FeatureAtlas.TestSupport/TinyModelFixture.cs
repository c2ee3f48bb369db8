using FeatureAtlas.Core.IO;

namespace FeatureAtlas.TestSupport;

/// <summary>The tiny synthetic GPT-2 and SAEs of tiny_spec.json, written once per test class, plus the PyTorch goldens.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public SyntheticCheckpoint Checkpoint { get; } = SyntheticCheckpoint.Create();

    public SafetensorsFile Goldens { get; } = SafetensorsFile.Open(global::FeatureAtlas.TestSupport.Golden.Path("tiny_golden.safetensors"));

    public float[] Golden(string name) => Goldens.ReadFloat32(name);

    public long[] GoldenShape(string name) => Goldens.Get(name).Shape;

    public void Dispose()
    {
        Goldens.Dispose();
        Checkpoint.Dispose();
    }
}
