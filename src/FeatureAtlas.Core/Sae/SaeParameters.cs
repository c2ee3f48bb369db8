using FeatureAtlas.Core.IO;

namespace FeatureAtlas.Core.Sae;

/// <summary>
/// SAELens tensors as f32 arrays. Shapes: I d_in, S d_sae. Which optional tensors exist depends on the
/// architecture (standard/topk: b_enc; jumprelu: b_enc, threshold; gated: b_gate, r_mag, b_mag).
/// </summary>
public sealed class SaeParameters
{
    public required float[] WEnc { get; init; }     // [I, S]
    public required float[] WDec { get; init; }     // [S, I]
    public required float[] BDec { get; init; }     // [I]
    public float[]? BEnc { get; init; }             // [S]
    public float[]? Threshold { get; init; }        // [S] jumprelu
    public float[]? BGate { get; init; }            // [S] gated
    public float[]? RMag { get; init; }             // [S] gated
    public float[]? BMag { get; init; }             // [S] gated

    /// <summary>The tensors an architecture needs, by SAELens name and shape.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Expected(SaeConfig c)
    {
        yield return ("W_enc", [c.DIn, c.DSae]);
        yield return ("W_dec", [c.DSae, c.DIn]);
        yield return ("b_dec", [c.DIn]);
        if (c.Architecture == SaeArchitecture.Gated)
        {
            yield return ("b_gate", [c.DSae]);
            yield return ("r_mag", [c.DSae]);
            yield return ("b_mag", [c.DSae]);
        }
        else
        {
            yield return ("b_enc", [c.DSae]);
        }
        if (c.Architecture == SaeArchitecture.JumpRelu) yield return ("threshold", [c.DSae]);
    }

    internal static SaeParameters Read(SafetensorsFile file, SaeConfig config)
    {
        var tensors = new Dictionary<string, float[]>();
        foreach (var (name, shape) in Expected(config))
        {
            if (!file.Contains(name))
            {
                throw new InvalidDataException($"{file.Path}: tensor '{name}' is missing; a {config.Architecture.ToString().ToLowerInvariant()} SAE needs it.");
            }
            var found = file.Get(name).Shape;
            if (!found.Select(x => (int)x).SequenceEqual(shape))
            {
                throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape [{string.Join(", ", found)}], expected [{string.Join(", ", shape)}] from cfg.json (d_in {config.DIn}, d_sae {config.DSae}).");
            }
            tensors[name] = file.ReadFloat32(name);
        }

        var wDec = tensors["W_dec"];
        // Legacy SAELens files carry scaling_factor [S], which multiplies f before decoding: fold it into W_dec.
        if (file.Contains("scaling_factor"))
        {
            var scale = file.ReadFloat32("scaling_factor");
            if (scale.Length != config.DSae) throw new InvalidDataException($"{file.Path}: scaling_factor has {scale.Length} elements, expected d_sae = {config.DSae}.");
            for (var i = 0; i < config.DSae; i++)
            {
                for (var j = 0; j < config.DIn; j++) wDec[i * config.DIn + j] *= scale[i];
            }
        }

        var parameters = new SaeParameters
        {
            WEnc = tensors["W_enc"],
            WDec = wDec,
            BDec = tensors["b_dec"],
            BEnc = tensors.GetValueOrDefault("b_enc"),
            Threshold = tensors.GetValueOrDefault("threshold"),
            BGate = tensors.GetValueOrDefault("b_gate"),
            RMag = tensors.GetValueOrDefault("r_mag"),
            BMag = tensors.GetValueOrDefault("b_mag"),
        };

        // A leftover training-time input scale (expected_average_only_in) is folded as SAELens does on save.
        if (config.NormalizeActivations == ActivationNormalization.ExpectedAverageOnlyIn && config.NormScalingFactor is { } s)
        {
            for (var k = 0; k < parameters.WEnc.Length; k++) parameters.WEnc[k] *= s;
            for (var k = 0; k < parameters.WDec.Length; k++) parameters.WDec[k] /= s;
            for (var k = 0; k < parameters.BDec.Length; k++) parameters.BDec[k] /= s;
        }
        return parameters;
    }

    internal void Validate(SaeConfig config, string source)
    {
        void Check(float[]? array, string name, long length)
        {
            if (array is null) throw new InvalidDataException($"{source}: {name} is missing for a {config.Architecture} SAE.");
            if (array.Length != length) throw new InvalidDataException($"{source}: {name} has {array.Length} elements, expected {length}.");
        }

        foreach (var (name, shape) in Expected(config))
        {
            var array = name switch
            {
                "W_enc" => WEnc, "W_dec" => WDec, "b_dec" => BDec, "b_enc" => BEnc, "threshold" => Threshold,
                "b_gate" => BGate, "r_mag" => RMag, _ => BMag,
            };
            Check(array, name, shape.Aggregate(1L, (a, b) => a * b));
        }
    }
}
