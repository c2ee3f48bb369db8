using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Sae;

public sealed partial class SparseAutoencoder
{
    /// <summary>Writes the SAE as an SAELens folder (cfg.json + sae_weights.safetensors), each file atomically.</summary>
    public void Save(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var p = Parameters;
        var entries = new List<SafetensorsWriter.Entry>
        {
            new("W_enc", [DIn, DSae], p.WEnc),
            new("W_dec", [DSae, DIn], p.WDec),
            new("b_dec", [DIn], p.BDec),
        };
        void Add(string name, float[]? values)
        {
            if (values is not null) entries.Add(new SafetensorsWriter.Entry(name, [DSae], values));
        }
        Add("b_enc", p.BEnc);
        Add("threshold", p.Threshold);
        Add("b_gate", p.BGate);
        Add("r_mag", p.RMag);
        Add("b_mag", p.BMag);
        SafetensorsWriter.Write(Path.Combine(directory, "sae_weights.safetensors"), entries);

        var cfgPath = Path.Combine(directory, "cfg.json");
        File.WriteAllText(cfgPath + ".tmp", Config.Json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(cfgPath + ".tmp", cfgPath, overwrite: true);
    }
}
