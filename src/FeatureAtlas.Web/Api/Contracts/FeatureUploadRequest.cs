namespace FeatureAtlas.Web.Api.Contracts;

/// <summary>Neuronpedia's <c>POST /api/feature/upload-batch</c> body: features of one source computed elsewhere.</summary>
public sealed record FeatureUploadRequest(string? ModelId, string? Source, IReadOnlyList<UploadedFeatureDto?>? Features);

/// <summary>One uploaded feature: index, density (share of tokens it fires on), logit tables, explanations and activation records.</summary>
public sealed record UploadedFeatureDto(
    int? Index, double? Density, IReadOnlyList<UploadedLogitDto?>? TopLogits, IReadOnlyList<UploadedLogitDto?>? BottomLogits,
    IReadOnlyList<UploadedExplanationDto?>? Explanations, IReadOnlyList<UploadedActivationDto?>? Activations);

/// <summary>A token (its display string) and its logit.</summary>
public sealed record UploadedLogitDto(string? Token, double? Value);

/// <summary>An explanation and how it was made (an explanation method and the model that wrote it).</summary>
public sealed record UploadedExplanationDto(string? Text, string? MethodName, string? ModelName);

/// <summary>A window's tokens (display strings) and the feature's activation on each; with a quantile, an example of that interval.</summary>
public sealed record UploadedActivationDto(
    IReadOnlyList<string?>? Tokens, IReadOnlyList<double?>? Values, double? QuantileMax, double? QuantileMin, double? QuantileFraction);
