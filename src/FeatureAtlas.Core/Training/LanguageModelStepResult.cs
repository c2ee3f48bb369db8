namespace FeatureAtlas.Core.Training;

/// <summary>One language-model step: its number (from 1), the mean loss before the update (nats/token), the gradient's global norm before clipping, and the learning rate used.</summary>
public readonly record struct LanguageModelStepResult(int Step, double Loss, double GradientNorm, double LearningRate);
