namespace FeatureAtlas.Bench.Tests;

/// <summary>The bench tool's <c>web</c> reads wrk 4's text report; these are reports as wrk prints them.</summary>
public class WrkResultTests
{
    private const string Clean = """
        Running 30s test @ http://127.0.0.1:41234/
          2 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency    21.50ms    8.12ms 143.20ms   77.31%
            Req/Sec     1.49k   120.44     1.80k    71.50%
          Latency Distribution
             50%   19.87ms
             75%   25.10ms
             90%   31.02ms
             99%   48.77ms
          89412 requests in 30.02s, 17.21GB read
        Requests/sec:   2978.41
        Transfer/sec:    587.02MB
        """;

    private const string Failing = """
        Running 15s test @ http://127.0.0.1:41234/
          2 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     1.02s   412.00ms   2.00s    66.67%
            Req/Sec    19.40     12.01    60.00     70.00%
          Latency Distribution
             50%  950.12ms
             75%    1.31s
             90%    1.70s
             99%    1.97s
          616 requests in 15.08s, 123.40MB read
          Socket errors: connect 0, read 2, write 1, timeout 103
          Non-2xx or 3xx responses: 7
        Requests/sec:     40.85
        Transfer/sec:      8.18MB
        """;

    [Fact]
    public void Parse_CleanRun_ReadsPercentilesThroughputAndNoErrors()
    {
        var r = WrkResult.Parse(Clean);
        Assert.Equal(19.87, r.PercentileMs(50), 6);
        Assert.Equal(48.77, r.PercentileMs(99), 6);
        Assert.Equal(143.2, r.MaxLatencyMs, 6);
        Assert.Equal(2978.41, r.RequestsPerSecond, 6);
        Assert.Equal(89412, r.Requests);
        Assert.Equal(30.02, r.Seconds, 6);
        Assert.Equal(17.21 * 1024 * 1024 * 1024, r.BytesRead, 0);
        Assert.Equal(0, r.Errors);
    }

    [Fact]
    public void Parse_SecondsAndErrors_ConvertsUnitsAndCountsEveryError()
    {
        var r = WrkResult.Parse(Failing);
        Assert.Equal(950.12, r.PercentileMs(50), 6);
        Assert.Equal(1970, r.PercentileMs(99), 6);
        Assert.Equal(2000, r.MaxLatencyMs, 6);
        Assert.Equal((0, 2, 1, 103, 7), (r.ConnectErrors, r.ReadErrors, r.WriteErrors, r.Timeouts, r.Non2xx3xx));
        Assert.Equal(113, r.Errors);
        Assert.Equal(40.85, r.RequestsPerSecond, 6);
    }

    [Fact]
    public void Parse_WithoutLatencyFlag_SaysSo()
    {
        var withoutDistribution = Clean[..Clean.IndexOf("  Latency Distribution", StringComparison.Ordinal)] + "Requests/sec:   2978.41\n";
        var e = Assert.Throws<InvalidDataException>(() => WrkResult.Parse(withoutDistribution));
        Assert.Contains("--latency", e.Message);
    }

    [Fact]
    public void LuaScript_NamesEverySaeAndItsFeatureCount()
    {
        var lua = WebBench.LuaScript("synthetic-gpt2", [("synthetic-res-L0", 24576), ("synthetic-att-L0", 10176)]);
        Assert.Contains("local saes = { \"synthetic-res-L0\", \"synthetic-att-L0\" }", lua);
        Assert.Contains("local counts = { 24576, 10176 }", lua);
        Assert.Contains("local total = 34752", lua);
        Assert.Contains("function request()", lua);
        Assert.Contains("local prefix = \"\" .. \"/\" .. \"synthetic-gpt2\" .. \"/\"", lua);
        Assert.Contains("local prefix = \"/api/feature\" .. \"/\" .. \"synthetic-gpt2\" .. \"/\"", WebBench.LuaScript("synthetic-gpt2", [("a", 1)], "/api/feature"));
    }
}
