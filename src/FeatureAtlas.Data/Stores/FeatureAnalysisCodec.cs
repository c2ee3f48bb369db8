using System.Text.Json;
using System.Text.Json.Serialization;
using FeatureAtlas.Core.Dashboards;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// A feature's <see cref="FeatureAnalysis"/> and an SAE's <see cref="SaeAnalysisSummary"/> as JSON (snake_case, as the
/// API serves them). Small (a few hundred bytes per feature) and read only on a feature's page, so text is fine.
/// </summary>
internal static class FeatureAnalysisCodec
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Encode(FeatureAnalysis analysis) => JsonSerializer.SerializeToUtf8Bytes(analysis, Json);

    public static FeatureAnalysis Decode(byte[] blob, string field)
    {
        try
        {
            return JsonSerializer.Deserialize<FeatureAnalysis>(blob, Json) ?? throw new InvalidDataException($"{field}: the feature analysis is JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{field}: the feature analysis is not valid JSON ({e.Message}).", e);
        }
    }

    public static string EncodeSummary(SaeAnalysisSummary summary) => JsonSerializer.Serialize(summary, Json);

    public static SaeAnalysisSummary DecodeSummary(string json, string field)
    {
        try
        {
            return JsonSerializer.Deserialize<SaeAnalysisSummary>(json, Json) ?? throw new InvalidDataException($"{field}: the analysis summary is JSON null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{field}: the analysis summary is not valid JSON ({e.Message}).", e);
        }
    }
}
