using System.Text;
using FeatureAtlas.Web.Tests.TestSupport;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FeatureAtlas.Web.Tests.Rendering;

/// <summary>
/// Razor pages render through a writer that holds a whole feature page (about 93K chars) and hands it to the response
/// in one write when the page is done: MVC's default buffer of 16K chars sent a page in six writes, each a send
/// syscall and a wake-up of the reader.
/// </summary>
public sealed class WholePageWriterFactoryTests(SqliteAtlasApp app) : IClassFixture<SqliteAtlasApp>
{
    [Fact]
    public async Task SiteWriter_APageOf120KChars_ReachesTheResponseInOneWriteWhenFlushed()
    {
        var factory = app.Services.GetRequiredService<IHttpResponseStreamWriterFactory>();
        var response = new CountingStream();
        var page = string.Concat(Enumerable.Repeat("<span class=\"tok\">é whale</span>", 120_000 / 32));

        await using (var writer = factory.CreateWriter(response, new UTF8Encoding(false)))
        {
            for (var i = 0; i < page.Length; i += 1000) await writer.WriteAsync(page.AsMemory(i, Math.Min(1000, page.Length - i)));
            Assert.Equal(0, response.Writes);
            await writer.FlushAsync();
        }

        Assert.Equal(1, response.Writes);
        Assert.Equal(page, Encoding.UTF8.GetString(response.ToArray()));
    }

    /// <summary>A response body that counts the writes it is handed, however they come.</summary>
    private sealed class CountingStream : Stream
    {
        private readonly MemoryStream _bytes = new();

        public int Writes { get; private set; }

        public byte[] ToArray() => _bytes.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _bytes.Length;

        public override long Position { get => _bytes.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            _bytes.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
