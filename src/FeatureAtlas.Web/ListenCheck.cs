using System.Net;
using System.Net.Sockets;

namespace FeatureAtlas.Web;

/// <summary>
/// Checks that the site's addresses (<c>--urls</c>) can be listened on before any long work starts: <c>atlas demo</c>
/// trains for minutes, and finding port 5000 taken only afterwards wasted them. Kestrel binds the same addresses
/// a moment later, so the check is a courtesy, not a reservation.
/// </summary>
public static class ListenCheck
{
    /// <summary>Throws <see cref="IOException"/> naming the first address that cannot be listened on, with a hint.</summary>
    public static void EnsureAvailable(string urls)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (http://*:5000, http://+:5000) are not valid URI hosts.
            var parsable = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsable, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"--urls: '{url}' is not an http:// or https:// address (expected e.g. http://127.0.0.1:5000).");
            }
            if (uri.Port == 0) continue; // any free port
            foreach (var address in Addresses(uri))
            {
                if (InUse(address, uri.Port, out var reason))
                {
                    throw new IOException($"Cannot listen on {url}: {reason}. Choose another address with --urls, e.g. --urls {uri.Scheme}://{uri.Host}:{Suggest(uri.Port)}.");
                }
            }
        }
    }

    private static IEnumerable<IPAddress> Addresses(Uri uri)
    {
        if (uri.IsLoopback && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out _)) return [IPAddress.Loopback]; // "localhost"
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)) return [ip];
        // A host name: Kestrel listens on every address for it, as for 0.0.0.0.
        return [IPAddress.Any];
    }

    private static bool InUse(IPAddress address, int port, out string reason)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen();
            reason = "";
            return false;
        }
        catch (SocketException e)
        {
            reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"port {port} is already in use (another atlas serve or demo?)",
                SocketError.AccessDenied => $"not allowed to listen on port {port} (ports below 1024 need privileges)",
                SocketError.AddressNotAvailable => $"{address} is not an address of this machine",
                _ => e.Message,
            };
            return true;
        }
    }

    private static int Suggest(int port) => port < ushort.MaxValue ? port + 1 : 5000;
}
