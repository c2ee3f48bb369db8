namespace FeatureAtlas.Core.Explain.Llm;

/// <summary>One chat message: role <c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
public readonly record struct ChatMessage(string Role, string Content)
{
    public static ChatMessage System(string content) => new("system", content);

    public static ChatMessage User(string content) => new("user", content);
}
