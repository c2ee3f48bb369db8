namespace FeatureAtlas.Core.Steering;

/// <summary>
/// The steering applied to one generated sequence: every vector acts, in the order given, at its hook and at the
/// chosen positions, with one method for all of them. <see cref="None"/> generates the default, unsteered text.
/// </summary>
/// <param name="Vectors">Feature directions of one or more SAEs of the model, and custom vectors at named hooks.</param>
/// <param name="Method">How each vector changes the activation.</param>
/// <param name="Positions">Prompt and generated positions, or only one of the two.</param>
/// <param name="SkipBos">Leave position 0 (the BOS token when the prompt starts with one) unsteered.</param>
public sealed record SteeringPlan(IReadOnlyList<SteeringVector> Vectors, SteeringMethod Method, SteeringPositions Positions = SteeringPositions.All, bool SkipBos = false)
{
    /// <summary>No steering: the default generation.</summary>
    public static SteeringPlan None { get; } = new([], SteeringMethod.SimpleAdditive);

    /// <summary>Whether position <paramref name="position"/> is steered, for a prompt of <paramref name="promptLength"/> tokens.</summary>
    public bool Covers(int position, int promptLength)
    {
        if (SkipBos && position == 0) return false;
        return Positions switch
        {
            SteeringPositions.Prompt => position < promptLength,
            SteeringPositions.Generated => position >= promptLength,
            _ => true,
        };
    }
}
