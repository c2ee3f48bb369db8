namespace FeatureAtlas.Core.Steering;

/// <summary>Which positions a steering plan edits.</summary>
public enum SteeringPositions
{
    /// <summary>Every position, prompt and generated (Neuronpedia's behaviour).</summary>
    All,

    /// <summary>Prompt positions only; generated tokens run unsteered (their keys still see the steered prompt).</summary>
    Prompt,

    /// <summary>Positions holding generated tokens only (the first is the position after the prompt).</summary>
    Generated,
}
