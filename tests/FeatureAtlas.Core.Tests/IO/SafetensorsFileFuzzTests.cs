using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Tests.IO;

public sealed class SafetensorsFileFuzzTests : IDisposable
{
    private const int Mutations = 200;

    private readonly SafetensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Open_RandomlyCorruptedFiles_SucceedOrThrowInvalidData()
    {
        byte[] valid = ValidFile();
        var random = new Random(7);
        int opened = 0, rejected = 0;

        // A hang would never return, so the whole loop runs under a deadline.
        var run = Task.Run(() =>
        {
            for (int i = 0; i < Mutations; i++)
            {
                byte[] mutant = Mutate(valid, random);
                string path = _files.Save($"fuzz-{i}.safetensors", mutant);
                try
                {
                    using var file = SafetensorsFile.Open(path);
                    // A mutant that opens must also read: validation is what keeps reads in bounds.
                    foreach (var info in file.Tensors.Values.Where(t => t.Dtype.IsConvertibleToFloat32()))
                        Assert.Equal(info.ElementCount, file.ReadFloat32(info.Name).Length);
                    opened++;
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains($"fuzz-{i}.safetensors", e.Message);
                    rejected++;
                }
            }
        });

        var first = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
        Assert.True(first == run, "fuzzing did not finish within 60 s");
        await run;
        Assert.Equal(Mutations, opened + rejected);
        Assert.True(rejected > Mutations / 4, $"only {rejected} of {Mutations} mutants were rejected");
    }

    private byte[] ValidFile()
    {
        string path = _files.PathOf("fuzz-source.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("W_enc", [3, 4], Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray()),
            new("b_enc", [4], new[] { 1f, -1f, 0.25f, 8f }),
            new("threshold", [], new[] { 0.1f }),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        return File.ReadAllBytes(path);
    }

    /// <summary>Flips a byte, overwrites one with a JSON-significant character, or truncates.</summary>
    private static byte[] Mutate(byte[] valid, Random random)
    {
        int headerEnd = 8 + (int)BitConverter.ToUInt64(valid, 0);
        // Most mutations land in the length prefix and header, where the parser has to cope.
        int position = random.Next(4) == 0 ? random.Next(valid.Length) : random.Next(headerEnd);
        switch (random.Next(3))
        {
            case 0:
                var flipped = (byte[])valid.Clone();
                flipped[position] ^= (byte)(1 << random.Next(8));
                return flipped;
            case 1:
                var replaced = (byte[])valid.Clone();
                replaced[position] = "{}[]\",:-0123456789 e.\\"u8[random.Next(22)];
                return replaced;
            default:
                return valid[..position];
        }
    }
}
