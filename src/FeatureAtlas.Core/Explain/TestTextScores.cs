namespace FeatureAtlas.Core.Explain;

/// <summary>How an explanation's test texts behaved: counts, recall, precision and accuracy (NaN where undefined).</summary>
public readonly record struct TestTextScores(int Positives, int Negatives, double Recall, double Precision, double Accuracy);
