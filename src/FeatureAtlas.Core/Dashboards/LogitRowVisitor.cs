namespace FeatureAtlas.Core.Dashboards;

/// <summary>Receives one feature's logit vector [V]; the span is valid only during the call.</summary>
public delegate void LogitRowVisitor(int feature, ReadOnlySpan<float> logits);
