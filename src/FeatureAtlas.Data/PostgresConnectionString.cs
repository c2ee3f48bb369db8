using Npgsql;

namespace FeatureAtlas.Data;

/// <summary>Reads a PostgreSQL <c>--db</c> value: an Npgsql connection string or a postgres:// URI.</summary>
internal static class PostgresConnectionString
{
    /// <summary>
    /// <c>postgresql://user:password@host:port/database?sslmode=require</c> → Host, Port, Username, Password,
    /// Database and each query parameter as a connection-string keyword; anything else is parsed by Npgsql.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string db)
    {
        if (!db.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(db);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{Redacted(db)}' is not a valid PostgreSQL connection string: {e.Message}", nameof(db), e);
            }
        }

        if (!Uri.TryCreate(db, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("The PostgreSQL URI is malformed; expected postgresql://user:password@host:port/database.", nameof(db));
        }
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0) builder.Port = uri.Port;
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                builder[key] = value;
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"PostgreSQL URI parameter '{key}' is not understood: {e.Message}", nameof(db), e);
            }
        }
        return builder;
    }

    /// <summary>The connection string without its password, for messages.</summary>
    private static string Redacted(string db) =>
        string.Join(';', db.Split(';').Where(p => !p.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase)));
}
