using System.Globalization;
using System.Text.RegularExpressions;

namespace FeatureAtlas.Bench;

/// <summary>
/// What one <c>wrk --latency</c> run printed: latency percentiles, throughput and errors. <see cref="Parse"/> reads
/// wrk 4's text report; a report without the latency distribution or the Requests/sec line is an error.
/// </summary>
internal sealed partial record WrkResult(
    long Requests,
    double Seconds,
    double RequestsPerSecond,
    double BytesRead,
    IReadOnlyDictionary<double, double> LatencyPercentilesMs,
    double MaxLatencyMs,
    long ConnectErrors,
    long ReadErrors,
    long WriteErrors,
    long Timeouts,
    long Non2xx3xx)
{
    /// <summary>Socket errors and responses with status 400 or above, as wrk counts them.</summary>
    public long Errors => ConnectErrors + ReadErrors + WriteErrors + Timeouts + Non2xx3xx;

    public double PercentileMs(double percent) =>
        LatencyPercentilesMs.TryGetValue(percent, out var ms) ? ms : throw new KeyNotFoundException($"wrk reported no {percent}% latency.");

    public static WrkResult Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var percentiles = new Dictionary<double, double>();
        var distribution = output.IndexOf("Latency Distribution", StringComparison.Ordinal);
        if (distribution < 0) throw new InvalidDataException("wrk's output has no 'Latency Distribution' (was it run with --latency?).");
        foreach (Match m in PercentileLine().Matches(output[distribution..]))
        {
            percentiles[double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = Milliseconds(m.Groups[2].Value, m.Groups[3].Value);
        }
        if (percentiles.Count == 0) throw new InvalidDataException("wrk's latency distribution lists no percentiles.");

        var rps = RequestsPerSecondLine().Match(output);
        if (!rps.Success) throw new InvalidDataException("wrk's output has no 'Requests/sec:' line.");
        var total = TotalLine().Match(output);
        if (!total.Success) throw new InvalidDataException("wrk's output has no 'N requests in T, B read' line.");
        var latency = LatencyLine().Match(output);
        var socket = SocketErrorsLine().Match(output);
        var non2xx = Non2xxLine().Match(output);
        return new WrkResult(
            Requests: long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture),
            Seconds: Milliseconds(total.Groups[2].Value, total.Groups[3].Value) / 1000,
            RequestsPerSecond: double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            BytesRead: Bytes(total.Groups[4].Value, total.Groups[5].Value),
            LatencyPercentilesMs: percentiles,
            MaxLatencyMs: latency.Success ? Milliseconds(latency.Groups[1].Value, latency.Groups[2].Value) : double.NaN,
            ConnectErrors: socket.Success ? long.Parse(socket.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            ReadErrors: socket.Success ? long.Parse(socket.Groups[2].Value, CultureInfo.InvariantCulture) : 0,
            WriteErrors: socket.Success ? long.Parse(socket.Groups[3].Value, CultureInfo.InvariantCulture) : 0,
            Timeouts: socket.Success ? long.Parse(socket.Groups[4].Value, CultureInfo.InvariantCulture) : 0,
            Non2xx3xx: non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Milliseconds(string value, string unit)
    {
        var v = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => v / 1000,
            "ms" => v,
            "s" => v * 1000,
            "m" => v * 60_000,
            "h" => v * 3_600_000,
            _ => throw new InvalidDataException($"wrk printed a time in unknown unit '{unit}'."),
        };
    }

    private static double Bytes(string value, string unit)
    {
        var v = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "B" or "" => v,
            "KB" => v * 1024,
            "MB" => v * 1024 * 1024,
            "GB" => v * 1024 * 1024 * 1024,
            "TB" => v * 1024 * 1024 * 1024 * 1024,
            _ => throw new InvalidDataException($"wrk printed a size in unknown unit '{unit}'."),
        };
    }

    // "     99%   12.34ms"
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)%\s+(\d+(?:\.\d+)?)(us|ms|s|m|h)\s*$", RegexOptions.Multiline)]
    private static partial Regex PercentileLine();

    // "    Latency     5.12ms    2.01ms  45.00ms   89.12%"  (avg, stdev, max, +/- stdev)
    [GeneratedRegex(@"^\s*Latency\s+\S+\s+\S+\s+(\d+(?:\.\d+)?)(us|ms|s|m|h)", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"^Requests/sec:\s+(\d+(?:\.\d+)?)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    // "  191234 requests in 30.00s, 1.23GB read"
    [GeneratedRegex(@"^\s*(\d+) requests in (\d+(?:\.\d+)?)(us|ms|s|m|h), (\d+(?:\.\d+)?)([KMGT]?B) read", RegexOptions.Multiline)]
    private static partial Regex TotalLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxLine();
}
