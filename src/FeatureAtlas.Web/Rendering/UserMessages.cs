namespace FeatureAtlas.Web.Rendering;

/// <summary>
/// Our own message of an expected error, fit to show a reader: .NET's argument suffixes ("(Parameter 'tokens')",
/// "Actual value was 3.") are for programmers and are cut off.
/// </summary>
public static class UserMessages
{
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        if (exception is ArgumentException { ParamName: { } name })
        {
            var suffix = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (suffix >= 0) message = message[..suffix];
        }
        return message;
    }
}
