using FeatureAtlas.Web.Auth;

namespace FeatureAtlas.Web.Inference;

/// <summary>Who a piece of model work is for, so a model's queue takes turns fairly: the signed-in user, else the IP address.</summary>
public static class InferenceClient
{
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.User.UserId() is { } id ? $"user:{id}" : $"ip:{context.Connection.RemoteIpAddress}";
    }
}
