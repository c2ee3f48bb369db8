using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Sae;

public sealed partial class SparseAutoencoder
{
    /// <summary>Writes the SAE as an SAELens folder (cfg.json + sae_weights.safetensors), each file atomically.</summary>
    public void Save(string directory)
    {
        if (_activationScale is not null)
        {
            throw new InvalidOperationException($"SAE '{Name}' is a TopK SAE with folded decoder norms, which SAELens's format cannot express; save it before folding.");
        }
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

        // A training-time input scale was folded into the weights on load, so the saved cfg must not ask for it
        // again (SAELens likewise writes "none" after folding it on save).
        var json = (System.Text.Json.Nodes.JsonObject)Config.Json.DeepClone();
        if (Config.NormalizeActivations == ActivationNormalization.ExpectedAverageOnlyIn && Config.NormScalingFactor is not null)
        {
            json["normalize_activations"] = "none";
            json.Remove("norm_scaling_factor");
        }
        var cfgPath = Path.Combine(directory, "cfg.json");
        File.WriteAllText(cfgPath + ".tmp", json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(cfgPath + ".tmp", cfgPath, overwrite: true);
    }
}
